// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"strings"
	"testing"
)

func TestFixPrints(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string
		not  []string
	}{
		{"commands", []string{"fix", "--demo", "node-label-near-miss"}, 0,
			[]string{"# WARNING node-label-near-miss — Node/nuc-2", "# fix: Label node nuc-2 (risk low, merge-patch)", "kubectl label node nuc-2 bgp-enabled=true bgp_enabled-"}, nil},
		{"yaml", []string{"fix", "--demo", "node-label-near-miss", "-o", "yaml"}, 0,
			[]string{"metadata:\n  labels:\n    bgp-enabled: \"true\"\n    bgp_enabled: null"}, []string{"kubectl label"}},
		{"patch", []string{"fix", "--demo", "node-label-near-miss", "-o", "patch"}, 0,
			[]string{"# Node/nuc-2, resourceVersion", `{"metadata":{"labels":{"bgp-enabled":"true","bgp_enabled":null}}}`}, nil},
		{"helm", []string{"fix", "--demo", "--all", "-o", "helm"}, 0, []string{"---\n# ERROR l2-prerequisites-missing — Cluster/l2-announcements\n# fix: Enable L2 announcements (risk high)\nl2announcements:\n  enabled: true",
			"---\n# WARNING mtu-overhead-dsr-tunnel-pmtu — Cluster/load-balancer\n# fix: Use hybrid mode: DSR for TCP, SNAT for UDP (risk high)\nloadBalancer:\n  mode: hybrid"}, []string{"kubectl"}},
		// one fix per finding: the recommended one runs, the others only with --alternatives and commented out
		{"recommended only", []string{"fix", "--demo", "lbipam-no-matching-pool"}, 0,
			[]string{"# fix 1 of 2 (recommended): Label the Service for pool internal", "\nkubectl label service grafana -n dev pool=internal --overwrite\n"}, []string{"pool=public"}},
		{"alternatives", []string{"fix", "--demo", "lbipam-no-matching-pool", "--alternatives"}, 0,
			[]string{"\nkubectl label service grafana -n dev pool=internal --overwrite\n", "# alternative 2 of 2: Label the Service for pool public", "\n# kubectl label service grafana -n dev pool=public --overwrite\n"}, nil},
		{"subject", []string{"fix", "--demo", "--all", "--subject", "Service/dev/grafana"}, 0,
			[]string{"lbipam-no-matching-pool — Service/dev/grafana"}, []string{"nuc-2"}},
		{"no match", []string{"fix", "--demo", "--all", "--subject", "Node/nowhere"}, 0, []string{"No finding matches"}, nil},
		{"nothing named", []string{"fix", "--demo"}, 2, []string{"or --all"}, nil},
		{"unknown check", []string{"fix", "--demo", "node-label-nearmiss"}, 2, []string{"unknown check", "node-label-near-miss"}, nil},
		{"apply needs a cluster", []string{"fix", "--demo", "--all", "--apply"}, 2, []string{"needs a live cluster"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, tc.args...)
			text := out + errOut
			if code != tc.code {
				t.Errorf("exit %d, want %d:\n%s", code, tc.code, text)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("lacks %q:\n%s", w, text)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(text, n) {
					t.Errorf("has %q:\n%s", n, text)
				}
			}
		})
	}
}
