// SPDX-License-Identifier: Apache-2.0

package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/snapshot"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w []byte
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if !bytes.Equal(g, w) {
				t.Errorf("%s differs from golden file at line %d (go test -update to accept):\n got: %s\nwant: %s", name, i+1, g, w)
				return
			}
		}
	}
}

func TestSummaryDemo(t *testing.T) {
	s, err := snapshot.Demo()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Summary(&buf, s); err != nil {
		t.Fatal(err)
	}
	golden(t, "demo-summary", buf.Bytes())
}

// A section whose source failed says so; it never looks like "nothing configured".
func TestSummaryIncompleteSources(t *testing.T) {
	s := &model.Snapshot{
		SchemaVersion: 1,
		Sources: []model.SourceStatus{
			{Name: model.SourceNodes, Status: model.StatusOK, Count: 0},
			{Name: model.SourceNodeConfigs, Status: model.StatusForbidden, Message: `ciliumbgpnodeconfigs.cilium.io is forbidden: User "alice" cannot list resource`},
			{Name: model.SourceServices, Status: model.StatusTimeout, Message: "no answer within 2s"},
			{Name: model.SourceCiliumConfig, Status: model.StatusNotInstalled, Message: "ConfigMap kube-system/cilium-config not found"},
		},
	}
	var buf bytes.Buffer
	if err := Summary(&buf, s); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"SESSIONS (CiliumBGPNodeConfig status)  (incomplete: ciliumbgpnodeconfigs forbidden)",
		"SERVICES  (incomplete: services timeout",
		"cilium-config not read (cilium-config not-installed)",
		"ciliumbgpnodeconfigs  forbidden",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "NODES  (incomplete") {
		t.Error("an ok source must not be reported incomplete")
	}
}

// docs/checks.md is generated from the registry and must stay in sync with it.
func TestChecksReference(t *testing.T) {
	var buf bytes.Buffer
	if err := ChecksReference(&buf, checks.All()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", "checks.md")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("docs/checks.md is out of date (%v): run go test ./internal/report -run TestChecksReference -update", err)
	}
}

// Nothing is inferred from a source that was not read: kube-proxy is not "absent",
// a node not "selected by none", a Service not "0 endpoints" when their kinds are unread.
func TestSummaryNoInferenceFromUnread(t *testing.T) {
	base := func(unread map[string]model.Status) *model.Snapshot {
		s := &model.Snapshot{
			SchemaVersion: 1,
			Nodes:         []model.Node{{Name: "n1", Ready: true}},
			Cilium:        model.Cilium{Config: model.CiliumConfig{Present: true}},
			Services:      []model.Service{{ObjectMeta: model.ObjectMeta{Namespace: "web", Name: "frontend"}, Type: "LoadBalancer"}},
		}
		for _, n := range []string{model.SourceDiscovery, model.SourceNodes, model.SourceCiliumNodes, model.SourceCiliumConfig,
			model.SourceDaemonSets, model.SourceDeployments, model.SourcePeeringPolicies, model.SourceClusterConfigs,
			model.SourcePeerConfigs, model.SourceAdvertisements, model.SourceNodeConfigs, model.SourceNodeConfigOverride,
			model.SourcePools, model.SourceL2Policies, model.SourceServices, model.SourceEndpointSlices} {
			st := model.StatusOK
			if u, ok := unread[n]; ok {
				st = u
			}
			s.Sources = append(s.Sources, model.SourceStatus{Name: n, Status: st})
		}
		return s
	}
	tests := []struct {
		name      string
		unread    map[string]model.Status
		want, not []string
	}{
		{"all read", nil,
			[]string{"kube-proxy absent", "n1     yes    -            -         -", "web/frontend  LoadBalancer  <pending>  -    -      0/0    -"},
			[]string{"unknown", "not read"}},
		{"daemonsets forbidden", map[string]model.Status{model.SourceDaemonSets: model.StatusForbidden},
			[]string{"Cilium unknown (daemonsets forbidden)", "kube-proxy unknown (daemonsets forbidden)"},
			[]string{"absent"}},
		{"discovery timeout", map[string]model.Status{model.SourceDiscovery: model.StatusTimeout},
			[]string{"Kubernetes unknown (discovery timeout)"}, nil},
		{"cluster configs forbidden", map[string]model.Status{model.SourceClusterConfigs: model.StatusForbidden},
			[]string{"n1     yes    -            -         unknown", "not read (ciliumbgpclusterconfigs forbidden)"}, nil},
		{"peering policies not installed", map[string]model.Status{model.SourcePeeringPolicies: model.StatusNotInstalled},
			[]string{"no CiliumBGPClusterConfig or CiliumBGPPeeringPolicy"}, []string{"unknown", "not read"}},
		{"endpoint slices error", map[string]model.Status{model.SourceEndpointSlices: model.StatusError},
			[]string{"web/frontend  LoadBalancer  <pending>  -    -      ?      ?"}, []string{"0/0"}},
		{"node configs forbidden", map[string]model.Status{model.SourceNodeConfigs: model.StatusForbidden},
			[]string{"not read (ciliumbgpnodeconfigs forbidden)"}, []string{"no session status reported"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Summary(&buf, base(tt.unread)); err != nil {
				t.Fatal(err)
			}
			out := strings.Join(strings.Fields(buf.String()), " ") // columns' widths vary
			for _, w := range tt.want {
				if !strings.Contains(out, strings.Join(strings.Fields(w), " ")) {
					t.Errorf("summary lacks %q:\n%s", w, buf.String())
				}
			}
			for _, n := range tt.not {
				if strings.Contains(out, n) {
					t.Errorf("summary has %q:\n%s", n, buf.String())
				}
			}
		})
	}
}
