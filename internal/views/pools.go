// SPDX-License-Identifier: Apache-2.0

package views

import (
	"math/big"
	"net/netip"
	"sort"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// PoolRow is one CiliumLoadBalancerIPPool with its usage.
type PoolRow struct {
	Pool        string   `json:"pool"`
	Blocks      []string `json:"blocks"`
	Selector    string   `json:"serviceSelector"`
	Disabled    bool     `json:"disabled"`
	Conflicting bool     `json:"conflicting"`
	// Total is the number of allocatable addresses ("" when too large to matter).
	Total    string   `json:"total"`
	Used     int      `json:"used"`
	Free     string   `json:"free"`
	Services []string `json:"services"`
}

// Pools lists the pools with the Services holding addresses from them. versionDefault
// is whether the Cilium version hands out first/last addresses by default (1.16+).
func Pools(s *model.Snapshot, versionDefault bool) []PoolRow {
	ix := model.NewPoolIndex(s.Pools)
	used := map[*model.LBPool]map[netip.Addr]bool{}
	svcs := map[*model.LBPool][]string{}
	for i := range s.Services {
		svc := &s.Services[i]
		for _, ing := range svc.Ingress {
			a, err := netip.ParseAddr(ing.IP)
			if err != nil {
				continue
			}
			for _, b := range ix.Containing(a) {
				if used[b.Pool] == nil {
					used[b.Pool] = map[netip.Addr]bool{}
				}
				used[b.Pool][a] = true
				svcs[b.Pool] = append(svcs[b.Pool], svc.Namespace+"/"+svc.Name)
				break
			}
		}
	}
	rows := make([]PoolRow, 0, len(s.Pools))
	for i := range s.Pools {
		p := &s.Pools[i]
		total := new(big.Int)
		var blocks []string
		for _, b := range p.Blocks {
			blocks = append(blocks, b.String())
			total.Add(total, b.Allocatable(p.AllowFirstLast(versionDefault)))
		}
		n := len(used[p])
		free := new(big.Int).Sub(total, big.NewInt(int64(n)))
		if free.Sign() < 0 {
			free.SetInt64(0)
		}
		names := uniqSorted(svcs[p])
		rows = append(rows, PoolRow{Pool: p.Name, Blocks: blocks, Selector: model.SelectorString(p.ServiceSelector), Disabled: p.Disabled,
			Conflicting: conflicting(p), Total: total.String(), Used: n, Free: free.String(), Services: names})
	}
	return rows
}

func conflicting(p *model.LBPool) bool {
	for _, c := range p.Conditions {
		if (c.Type == "cilium.io/PoolConflict" || c.Type == "io.cilium/conflict") && c.Status == "True" {
			return true
		}
	}
	return false
}

func uniqSorted(xs []string) []string {
	sort.Strings(xs)
	out := []string{}
	for i, x := range xs {
		if i == 0 || x != xs[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// NodeRow is one node with its BGP selection and sessions.
type NodeRow struct {
	Node        string            `json:"node"`
	Ready       bool              `json:"ready"`
	InternalIPs []string          `json:"internalIPs"`
	PodCIDRs    []string          `json:"podCIDRs"`
	SelectedBy  []string          `json:"selectedBy"`
	Sessions    int               `json:"sessions"`
	Established int               `json:"established"`
	Labels      map[string]string `json:"labels,omitempty"`
}

// Nodes lists the nodes, which BGP configuration selects each, and its sessions.
func Nodes(s *model.Snapshot) []NodeRow {
	peers := Peers(s)
	byNode := map[string][2]int{}
	for _, p := range peers {
		c := byNode[p.Node]
		c[0]++
		if strings.EqualFold(p.State, "established") {
			c[1]++
		}
		byNode[p.Node] = c
	}
	views := map[string]model.NodeBGP{}
	for _, v := range s.ResolveBGP() {
		views[v.Node] = v
	}
	rows := make([]NodeRow, 0, len(s.Nodes))
	for _, n := range s.Nodes {
		r := NodeRow{Node: n.Name, Ready: n.Ready, Labels: n.Labels, Sessions: byNode[n.Name][0], Established: byNode[n.Name][1],
			InternalIPs: []string{}, PodCIDRs: []string{}, SelectedBy: []string{}}
		for _, a := range n.InternalIPs {
			r.InternalIPs = append(r.InternalIPs, a.String())
		}
		for _, p := range n.AllPodCIDRs() {
			r.PodCIDRs = append(r.PodCIDRs, p.String())
		}
		for _, ref := range views[n.Name].SelectedBy {
			r.SelectedBy = append(r.SelectedBy, ref.String())
		}
		rows = append(rows, r)
	}
	return rows
}
