// SPDX-License-Identifier: Apache-2.0

package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/snapshot"
)

func TestNothingChecked(t *testing.T) {
	tests := []struct {
		name   string
		status map[string]model.Status
		only   []string // checks to run (default all)
		want   string   // "" when something was checked
	}{
		{"demo", nil, nil, ""},
		{"nodes forbidden", map[string]model.Status{model.SourceNodes: model.StatusForbidden}, nil, "nodes forbidden"},
		{"services error", map[string]model.Status{model.SourceServices: model.StatusError}, nil, "services error"},
		{"services not collected", map[string]model.Status{model.SourceServices: ""}, nil, "services skipped"},
		{"one BGP kind forbidden", map[string]model.Status{model.SourceClusterConfigs: model.StatusForbidden}, nil, ""},
		{"every BGP kind unread", map[string]model.Status{
			model.SourceClusterConfigs: model.StatusForbidden, model.SourcePeerConfigs: model.StatusForbidden,
			model.SourceAdvertisements: model.StatusForbidden, model.SourceNodeConfigOverride: model.StatusTimeout,
			model.SourceNodeConfigs: model.StatusForbidden, model.SourcePeeringPolicies: model.StatusForbidden,
		}, nil, "no BGP kind could be read (forbidden, timeout)"},
		{"BGPv1 not installed, the rest unread", map[string]model.Status{
			model.SourceClusterConfigs: model.StatusForbidden, model.SourcePeerConfigs: model.StatusForbidden,
			model.SourceAdvertisements: model.StatusForbidden, model.SourceNodeConfigOverride: model.StatusForbidden,
			model.SourceNodeConfigs: model.StatusForbidden, model.SourcePeeringPolicies: model.StatusNotInstalled,
		}, nil, ""},
		{"no check ran", map[string]model.Status{model.SourceNodes: model.StatusForbidden}, []string{"node-label-near-miss"},
			"no check ran (1 skipped); nodes forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := snapshot.Demo()
			if err != nil {
				t.Fatal(err)
			}
			var kept []model.SourceStatus
			for _, src := range s.Sources {
				st, ok := tt.status[src.Name]
				if ok && st == "" {
					continue // not collected at all
				}
				if ok {
					src.Status = st
				}
				kept = append(kept, src)
			}
			s.Sources = kept
			sel := checks.All()
			if tt.only != nil {
				if sel, err = checks.Select(tt.only, nil); err != nil {
					t.Fatal(err)
				}
			}
			if got := NothingChecked(s, checks.Run(s, sel)); got != tt.want {
				t.Errorf("NothingChecked = %q, want %q", got, tt.want)
			}
		})
	}
}

// A run that checked nothing says so in words, never "no problem found", and in JSON.
func TestDoctorNothingCheckedReport(t *testing.T) {
	s, err := snapshot.Demo()
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Sources {
		if s.Sources[i].Name == model.SourceNodes {
			s.Sources[i].Status = model.StatusForbidden
		}
	}
	sel, _ := checks.Select([]string{"node-label-near-miss"}, nil)
	d := NewDoctor(s, checks.Run(s, sel))
	var text, js bytes.Buffer
	if err := d.Text(&text, Style{}); err != nil {
		t.Fatal(err)
	}
	if out := text.String(); !strings.Contains(out, "nothing was checked (no check ran (1 skipped); nodes forbidden) — 0 errors") ||
		strings.Contains(out, "no problem found") {
		t.Errorf("text:\n%s", out)
	}
	if err := d.JSON(&js); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["nothingChecked"] != true || doc["nothingCheckedReason"] != "no check ran (1 skipped); nodes forbidden" {
		t.Errorf("json: nothingChecked %v, reason %v", doc["nothingChecked"], doc["nothingCheckedReason"])
	}
	for _, k := range []string{"findings", "skipped", "sources"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("json lacks %q (DESIGN.md contract)", k)
		}
	}
}

// The doctor's header does not blame the image tag for a version it could not read.
func TestDoctorVersionOfUnreadDaemonSets(t *testing.T) {
	s, err := snapshot.Demo()
	if err != nil {
		t.Fatal(err)
	}
	s.Cilium.Version, s.Cilium.Agent = "", nil
	for i := range s.Sources {
		if s.Sources[i].Name == model.SourceDaemonSets {
			s.Sources[i].Status = model.StatusForbidden
		}
	}
	if d := NewDoctor(s, checks.Run(s, checks.All())); d.CiliumVersion != "unknown (daemonsets forbidden)" {
		t.Errorf("CiliumVersion = %q", d.CiliumVersion)
	}
}
