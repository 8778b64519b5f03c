// SPDX-License-Identifier: Apache-2.0

package checks

import (
	"reflect"
	"strings"
	"testing"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

func TestSelect(t *testing.T) {
	all := All()
	sel, err := Select([]string{"etp-local-withdrawal", "lbipam-pool-conflict"}, nil)
	if err != nil || len(sel) != 2 {
		t.Fatalf("Select only: %v %v", sel, err)
	}
	sel, err = Select(nil, []string{"etp-local-withdrawal"})
	if err != nil || len(sel) != len(all)-1 {
		t.Fatalf("Select skip: %d of %d, %v", len(sel), len(all), err)
	}
	if _, err := Select([]string{"etp-local-withdrawl"}, nil); err == nil || !strings.Contains(err.Error(), `did you mean "etp-local-withdrawal"`) {
		t.Errorf("unknown ID: %v", err)
	}
}

func TestIDsUniqueAndKebab(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range All() {
		if seen[c.ID] {
			t.Errorf("duplicate ID %s", c.ID)
		}
		seen[c.ID] = true
		if c.ID != strings.ToLower(c.ID) || strings.ContainsAny(c.ID, " _") {
			t.Errorf("ID %q is not kebab-case", c.ID)
		}
	}
	if len(seen) < 35 {
		t.Errorf("%d checks registered, want at least 35", len(seen))
	}
}

// A check whose source could not be read is skipped with the reason, never run.
func TestSkippedWhenSourceNotRead(t *testing.T) {
	s := healthy()
	s.Services[0].Labels = nil // would be a finding of service-not-matched-by-advert
	setStatus(s, model.SourceServices, model.StatusForbidden)
	for i := range s.Sources {
		if s.Sources[i].Name == model.SourceServices {
			s.Sources[i].Message = `services is forbidden: User "alice" cannot list resource "services"`
		}
	}
	c, _ := Lookup("service-not-matched-by-advert")
	res := Run(s, []Check{c})
	if len(res.Findings) != 0 || len(res.Skipped) != 1 || res.Ran != 0 {
		t.Fatalf("result: %+v", res)
	}
	if !strings.Contains(res.Skipped[0].Reason, "source services is forbidden") || !strings.Contains(res.Skipped[0].Reason, "alice") {
		t.Errorf("reason: %s", res.Skipped[0].Reason)
	}
	// not-installed is knowledge ("there are none") for Uses, but not for Needs
	setStatus(s, model.SourceServices, model.StatusOK)
	setStatus(s, model.SourceAdvertisements, model.StatusNotInstalled)
	if res := Run(s, []Check{c}); len(res.Skipped) != 1 {
		t.Errorf("a Needs source that is not installed must skip: %+v", res)
	}
	// a source never collected is skipped too
	s.Sources = nil
	if res := Run(s, All()); res.Ran != 0 || len(res.Skipped) != len(All()) {
		t.Errorf("no sources: ran %d, skipped %d", res.Ran, len(res.Skipped))
	}
}

func TestRunIsDeterministic(t *testing.T) {
	s := healthy()
	for _, tc := range cases {
		// everything broken at once; a mutation that no longer applies is skipped
		func() {
			defer func() { _ = recover() }()
			tc.mutate(s)
		}()
	}
	s.Normalize()
	a, b := Run(s, All()), Run(s, All())
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two runs over the same snapshot differ")
	}
	for i := 1; i < len(a.Findings); i++ {
		if a.Findings[i-1].Severity.Rank() < a.Findings[i].Severity.Rank() {
			t.Fatalf("findings not sorted by severity at %d", i)
		}
	}
	if !a.AtOrAbove(Error) || !a.AtOrAbove(Info) {
		t.Error("AtOrAbove")
	}
}

func TestVersion(t *testing.T) {
	for in, want := range map[string]string{"1.18.4": "1.18.4", "v1.19.0-rc.1": "1.19.0", "": "unknown (agent image tag without a version)", "latest": "unknown (agent image tag without a version)"} {
		if got := ParseVersion(in).String(); got != want {
			t.Errorf("ParseVersion(%q) = %q, want %q", in, got, want)
		}
	}
	v := ParseVersion("1.18.4")
	if !v.AtLeast(1, 18) || v.AtLeast(1, 19) || !v.Before(1, 19) || ParseVersion("").Before(1, 19) || ParseVersion("").AtLeast(1, 0) {
		t.Error("version comparisons")
	}
}

func TestLabelNearMissNeedsSimilarity(t *testing.T) {
	node := model.Node{Name: "n", Labels: map[string]string{"zone": "a", "role": "worker"}}
	if _, ok := labelNearMiss(sel("bgp", "on"), &node); ok {
		t.Error("unrelated labels are not a near miss")
	}
	node.Labels["bgp"] = "off"
	if _, ok := labelNearMiss(sel("bgp", "on"), &node); ok {
		t.Error("off vs on is a different value, not a typo")
	}
	node.Labels = map[string]string{"bgp": "ON"}
	if m, ok := labelNearMiss(sel("bgp", "on"), &node); !ok || m.fix.Commands[0] != "kubectl label node n bgp=on --overwrite" {
		t.Errorf("case difference: %+v %v", m, ok)
	}
}

// An agent that may bind low ports (the capability, with or without CAP_, or
// privileged) makes a low localPort fine.
func TestPrivilegedPortWithCapability(t *testing.T) {
	for _, agent := range []model.Workload{{Capabilities: []string{"NET_ADMIN", "NET_BIND_SERVICE"}}, {Capabilities: []string{"cap_net_bind_service"}}, {Privileged: true}} {
		s := healthy()
		a := agent
		s.Cilium.Agent = &a
		s.BGP.NodeConfigs[0].Instances[0].LocalPort = ptr(int32(179))
		if fs := runPrivilegedPort(NewInput(s)); len(fs) != 0 {
			t.Errorf("agent %+v: %v", agent, fs)
		}
	}
}
