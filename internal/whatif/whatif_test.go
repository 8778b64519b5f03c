// SPDX-License-Identifier: Apache-2.0

package whatif

import (
	"slices"
	"strings"
	"testing"

	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/snapshot"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func demo(t *testing.T) *model.Snapshot {
	t.Helper()
	s, err := snapshot.Demo()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ids(fs []checks.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID+" "+f.Subject.String())
	}
	return out
}

func TestLabelFixesTheNearMiss(t *testing.T) {
	s := demo(t)
	changes, err := ParseChanges([]string{"bgp-enabled=true", "bgp_enabled-"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Label(s, "nuc-2", changes)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Before.SelectedBy) != 0 || len(r.After.SelectedBy) != 1 || r.After.SelectedBy[0].Name != "homelab" {
		t.Errorf("selected by %v → %v", r.Before.SelectedBy, r.After.SelectedBy)
	}
	if len(r.Before.Sessions) != 0 || len(r.After.Sessions) != 2 {
		t.Errorf("sessions %v → %v", r.Before.Sessions, r.After.Sessions)
	}
	if r.After.Labels["bgp-enabled"] != "true" || r.After.Labels["bgp_enabled"] != "" {
		t.Errorf("labels after: %v", r.After.Labels)
	}
	gone := ids(r.Gone)
	for _, want := range []string{"node-label-near-miss Node/nuc-2", "etp-local-withdrawal Service/home/home-assistant"} {
		if !slices.Contains(gone, want) {
			t.Errorf("resolved findings %v lack %q", gone, want)
		}
	}
	if len(r.New) != 0 {
		t.Errorf("new findings: %v", ids(r.New))
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "renders CiliumBGPNodeConfig nuc-2") {
		t.Errorf("notes: %v", r.Notes)
	}
	// the snapshot itself is untouched
	for _, n := range s.Nodes {
		if n.Name == "nuc-2" && (n.Labels["bgp_enabled"] != "true" || n.Labels["bgp-enabled"] != "") {
			t.Errorf("the snapshot was changed: %v", n.Labels)
		}
	}
}

func TestLabelRemovingSelection(t *testing.T) {
	r, err := Label(demo(t), "nuc-1", []Change{{Key: "bgp-enabled", Remove: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.After.SelectedBy) != 0 || len(r.After.Sessions) != 0 || len(r.Before.Sessions) != 2 {
		t.Errorf("selected %v sessions %d → %d", r.After.SelectedBy, len(r.Before.Sessions), len(r.After.Sessions))
	}
}

// TestLabelMakesNodeAmbiguous: a label that puts a node under a second ClusterConfig
// surfaces the conflict before anyone applies it.
func TestLabelMakesNodeAmbiguous(t *testing.T) {
	s := demo(t)
	second := s.BGP.ClusterConfigs[0]
	second.Name = "rack2"
	second.NodeSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"rack": "r2"}}
	s.BGP.ClusterConfigs = append(s.BGP.ClusterConfigs, second)
	r, err := Label(s, "nuc-1", []Change{{Key: "rack", Value: "r2"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.After.SelectedBy) != 2 {
		t.Errorf("selected by %v", r.After.SelectedBy)
	}
	if !slices.ContainsFunc(r.New, func(f checks.Finding) bool { return f.ID == "conflicting-clusterconfigs" }) {
		t.Errorf("new findings %v lack conflicting-clusterconfigs", ids(r.New))
	}
}

func TestLabelErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"justakey"}, {"bad key!=x"}, {"k=bad value"}, {"=v"}, {"-"}} {
		if _, err := ParseChanges(args); err == nil {
			t.Errorf("ParseChanges(%q): no error", args)
		}
	}
	s := demo(t)
	if _, err := Label(s, "nope", []Change{{Key: "a", Value: "b"}}); err == nil || !strings.Contains(err.Error(), `node "nope"`) {
		t.Errorf("unknown node: %v", err)
	}
	if _, err := Label(s, "nuc-1", []Change{{Key: "absent", Remove: true}}); err == nil || !strings.Contains(err.Error(), "no label absent") {
		t.Errorf("removing an absent label: %v", err)
	}
}
