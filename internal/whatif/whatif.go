// SPDX-License-Identifier: Apache-2.0

// Package whatif previews a node label change before it is made: which BGP
// configurations and L2 announcement policies select the node before and after, which
// sessions it gains or loses, and which findings appear or go away. It is pure: the
// snapshot is copied, changed and checked in memory; nothing is applied.
package whatif

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"k8s.io/apimachinery/pkg/util/validation"
)

// Change is one label edit in kubectl's syntax: "key=value" sets, "key-" removes.
type Change struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Remove bool   `json:"remove,omitempty"`
}

// String renders the change as kubectl label takes it.
func (c Change) String() string {
	if c.Remove {
		return c.Key + "-"
	}
	return c.Key + "=" + c.Value
}

// ParseChanges reads kubectl label arguments, rejecting keys and values Kubernetes
// would refuse.
func ParseChanges(args []string) ([]Change, error) {
	var out []Change
	for _, a := range args {
		var c Change
		switch {
		case strings.HasSuffix(a, "-") && !strings.Contains(a, "="):
			c = Change{Key: strings.TrimSuffix(a, "-"), Remove: true}
		case strings.Contains(a, "="):
			k, v, _ := strings.Cut(a, "=")
			c = Change{Key: k, Value: v}
			if errs := validation.IsValidLabelValue(v); len(errs) > 0 {
				return nil, fmt.Errorf("label %q: invalid value: %s", a, strings.Join(errs, "; "))
			}
		default:
			return nil, fmt.Errorf("label %q: want key=value or key-", a)
		}
		if errs := validation.IsQualifiedName(c.Key); len(errs) > 0 {
			return nil, fmt.Errorf("label %q: invalid key: %s", a, strings.Join(errs, "; "))
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no label change given")
	}
	return out, nil
}

// Session is one session the node runs (or would run).
type Session struct {
	Instance    string    `json:"instance"`
	Peer        string    `json:"peer"`
	PeerAddress string    `json:"peerAddress"`
	PeerASN     int64     `json:"peerASN"`
	LocalASN    int64     `json:"localASN"`
	Source      model.Ref `json:"source"`
}

func (s Session) String() string {
	return fmt.Sprintf("%s/%s → %s AS %d (local AS %d, from %s)", s.Instance, s.Peer, s.PeerAddress, s.PeerASN, s.LocalASN, s.Source)
}

// Side is the node's BGP picture with one set of labels.
type Side struct {
	Labels     map[string]string `json:"labels"`
	SelectedBy []model.Ref       `json:"selectedBy"`
	L2Policies []model.Ref       `json:"l2Policies"`
	Sessions   []Session         `json:"sessions"`
}

// Result is a preview.
type Result struct {
	Node    string   `json:"node"`
	Changes []Change `json:"changes"`
	Before  Side     `json:"before"`
	After   Side     `json:"after"`
	// Gone and New are the findings about anything that the change removes or adds,
	// anywhere in the cluster (a label can make another node's selector ambiguous).
	Gone []checks.Finding `json:"resolvedFindings"`
	New  []checks.Finding `json:"newFindings"`
	// Notes say what the preview cannot show.
	Notes []string `json:"notes,omitempty"`
}

// Label previews changes to the labels of node in s; s is not modified.
func Label(s *model.Snapshot, node string, changes []Change) (*Result, error) {
	i := slices.IndexFunc(s.Nodes, func(n model.Node) bool { return n.Name == node })
	if i < 0 {
		return nil, fmt.Errorf("node %q is not in the snapshot", node)
	}
	after := *s
	after.Nodes = slices.Clone(s.Nodes)
	labels := maps.Clone(s.Nodes[i].Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	for _, c := range changes {
		if c.Remove {
			if _, ok := labels[c.Key]; !ok {
				return nil, fmt.Errorf("node %s has no label %s to remove", node, c.Key)
			}
			delete(labels, c.Key)
			continue
		}
		labels[c.Key] = c.Value
	}
	after.Nodes[i].Labels = labels
	afterViews := after.ResolveBGP()
	r := &Result{Node: node, Changes: changes, Before: side(s, i, s.ResolveBGP()), After: side(&after, i, afterViews)}
	all := checks.All()
	before, later := checks.Run(s, all), checks.Run(&after, all)
	r.Gone, r.New = diff(before.Findings, later.Findings), diff(later.Findings, before.Findings)
	var awaiting []string // nodes whose NodeConfig the operator has yet to render
	for _, v := range afterViews {
		if v.AwaitsNodeConfig() {
			awaiting = append(awaiting, v.Node)
		}
	}
	if slices.Contains(awaiting, node) {
		// the operator renders the node's CiliumBGPNodeConfig after the change: its
		// absence in the preview is not a finding unless other nodes lack one too
		r.Notes = append(r.Notes, fmt.Sprintf("the operator renders CiliumBGPNodeConfig %s after the change; the sessions' state cannot be previewed", node))
		if len(awaiting) == 1 {
			r.New = slices.DeleteFunc(r.New, func(f checks.Finding) bool { return f.ID == "operator-not-reconciling-bgp" })
		}
	}
	return r, nil
}

// side describes node i of s, whose per-node BGP views are views.
func side(s *model.Snapshot, i int, views []model.NodeBGP) Side {
	n := s.Nodes[i]
	sd := Side{Labels: n.Labels, SelectedBy: []model.Ref{}, L2Policies: []model.Ref{}, Sessions: []Session{}}
	for _, v := range views {
		if v.Node != n.Name {
			continue
		}
		sd.SelectedBy = append(sd.SelectedBy, v.SelectedBy...)
		for _, inst := range v.Instances {
			for _, p := range inst.Peers {
				sd.Sessions = append(sd.Sessions, Session{Instance: inst.Name, Peer: p.Name, PeerAddress: p.PeerAddress, PeerASN: p.PeerASN,
					LocalASN: inst.LocalASN, Source: inst.Source})
			}
		}
	}
	for _, p := range s.L2Policies {
		if ok, err := model.Matches(p.NodeSelector, n.Labels, model.NilMatchesAll); ok && err == nil {
			sd.L2Policies = append(sd.L2Policies, p.Ref())
		}
	}
	return sd
}

// diff returns the findings of a that b does not have (by check, subject and message).
func diff(a, b []checks.Finding) []checks.Finding {
	key := func(f checks.Finding) string { return f.ID + "\x00" + f.Subject.String() + "\x00" + f.Message }
	in := map[string]bool{}
	for _, f := range b {
		in[key(f)] = true
	}
	out := []checks.Finding{}
	for _, f := range a {
		if !in[key(f)] {
			out = append(out, f)
		}
	}
	return out
}
