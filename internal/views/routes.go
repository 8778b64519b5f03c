// SPDX-License-Identifier: Apache-2.0

package views

import (
	"cmp"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// Provenance says why a prefix is advertised.
type Provenance struct {
	// Kind is "pod-cidr", "service" or "unknown".
	Kind string `json:"kind"`
	// Node owns the PodCIDR (pod-cidr).
	Node string `json:"node,omitempty"`
	// Service, Pool and Advertisement explain a Service address (service).
	Service       string `json:"service,omitempty"`
	Address       string `json:"addressType,omitempty"`
	Pool          string `json:"pool,omitempty"`
	Advertisement string `json:"advertisement,omitempty"`
}

// String renders the provenance for a table cell.
func (p Provenance) String() string {
	switch p.Kind {
	case "pod-cidr":
		return "PodCIDR of " + p.Node
	case "service":
		s := "Service " + p.Service + " (" + p.Address
		if p.Pool != "" {
			s += ", pool " + p.Pool
		}
		if p.Advertisement != "" {
			s += ", adv " + p.Advertisement
		}
		return s + ")"
	}
	return "unknown"
}

// RouteRow is one advertised path of one node.
type RouteRow struct {
	Node       string     `json:"node"`
	Peer       string     `json:"peer,omitempty"`
	Prefix     string     `json:"prefix"`
	NextHops   []string   `json:"nextHops,omitempty"`
	Best       bool       `json:"best,omitempty"`
	Provenance Provenance `json:"provenance"`
	Error      string     `json:"error,omitempty"`
	// Router follows the prefix into the upstream router, when one was read.
	Router *RouterStage `json:"router,omitempty"`
}

// RouterStage is how far an advertised prefix got on the router: received from the
// node, selected (best or multipath), installed for forwarding — or where it was lost.
type RouterStage struct {
	Router string `json:"router"`
	// Stage is "installed", or where it stopped: "no-neighbor", "session-down",
	// "policy-discarded", "not-accepted", "not-selected", "not-installed".
	Stage string `json:"stage"`
	// NextHops is how many next hops the router installed for the prefix.
	NextHops int    `json:"nextHops,omitempty"`
	Detail   string `json:"detail,omitempty"`
}

// String renders the stage for tables.
func (r *RouterStage) String() string {
	if r == nil {
		return "-"
	}
	switch r.Stage {
	case "installed":
		return fmt.Sprintf("installed (%d next %s)", r.NextHops, map[bool]string{true: "hop", false: "hops"}[r.NextHops == 1])
	case "no-neighbor":
		return "lost: router has no neighbor for the node"
	case "session-down":
		return "lost: session down (" + r.Detail + ")"
	case "policy-discarded":
		return "lost: discarded, no policy (RFC 8212)"
	case "not-accepted":
		return "lost: not accepted (" + cmp.Or(r.Detail, "import filter") + ")"
	case "not-selected":
		return "lost: received, not selected"
	case "not-installed":
		return "lost: selected, not installed"
	}
	return r.Stage
}

// FollowToRouters fills Router for each row: the router that has the row's node as a
// neighbor (by the node's address of the prefix's family), and the first stage where the
// prefix is lost there.
func FollowToRouters(s *model.Snapshot, rows []RouteRow) {
	for i := range rows {
		r := &rows[i]
		prefix, err := netip.ParsePrefix(r.Prefix)
		if err != nil {
			continue
		}
		node, ok := s.Node(r.Node)
		if !ok {
			continue
		}
		for ri := range s.Routers {
			rv := &s.Routers[ri]
			if rv.Status != model.StatusOK {
				continue
			}
			var nb *model.RouterNeighbor
			for _, a := range node.InternalIPs {
				for ni := range rv.Neighbors {
					if rv.Neighbors[ni].Address == a.String() && a.Is4() == prefix.Addr().Is4() {
						nb = &rv.Neighbors[ni]
					}
				}
			}
			if nb == nil && len(s.Routers) > 1 {
				continue // another router's node
			}
			r.Router = routerStage(rv, nb, prefix)
			break
		}
	}
}

func routerStage(rv *model.RouterView, nb *model.RouterNeighbor, prefix netip.Prefix) *RouterStage {
	st := &RouterStage{Router: rv.Name}
	switch {
	case nb == nil:
		st.Stage = "no-neighbor"
		return st
	case !nb.Established:
		st.Stage, st.Detail = "session-down", cmp.Or(nb.LastError, nb.State)
		return st
	case nb.PolicyBlocked:
		st.Stage = "policy-discarded"
		return st
	}
	received, selected := false, false
	for _, rt := range rv.Routes {
		if rt.Prefix.Masked() == prefix.Masked() && rt.From == nb.Address {
			received = true
			selected = selected || rt.Best || rt.Multipath
		}
	}
	installed := 0
	for _, f := range rv.FIB {
		if f.Prefix.Masked() == prefix.Masked() {
			installed = len(f.NextHops)
			for _, nh := range f.NextHops {
				if nh == nb.Address {
					selected = true // installed through this node: selected, whatever the marks say
				}
			}
		}
	}
	switch {
	case !received:
		st.Stage, st.Detail = "not-accepted", nb.ImportFilter
	case installed > 0 && selected:
		st.Stage, st.NextHops = "installed", installed
	case !selected:
		st.Stage = "not-selected"
	default:
		st.Stage = "not-installed"
	}
	return st
}

// provenanceIndex answers "what is this prefix" in O(1) per route.
type provenanceIndex struct {
	podCIDRs map[netip.Prefix]string
	services map[netip.Addr]Provenance
}

func newProvenanceIndex(s *model.Snapshot) *provenanceIndex {
	ix := &provenanceIndex{podCIDRs: map[netip.Prefix]string{}, services: map[netip.Addr]Provenance{}}
	for _, n := range s.Nodes {
		for _, p := range n.AllPodCIDRs() {
			ix.podCIDRs[p.Masked()] = n.Name
		}
	}
	pools := model.NewPoolIndex(s.Pools)
	advFor := AdvertisementFor(s)
	for i := range s.Services {
		svc := &s.Services[i]
		name := svc.Namespace + "/" + svc.Name
		add := func(ip, addrType string) {
			a, err := netip.ParseAddr(ip)
			if err != nil {
				return
			}
			p := Provenance{Kind: "service", Service: name, Address: addrType, Advertisement: advFor(svc, addrType)}
			if bs := pools.Containing(a); len(bs) > 0 {
				p.Pool = bs[0].Pool.Name
			}
			if _, seen := ix.services[a]; !seen {
				ix.services[a] = p
			}
		}
		for _, ing := range svc.Ingress {
			add(ing.IP, "LoadBalancerIP")
		}
		for _, ip := range svc.ExternalIPs {
			add(ip, "ExternalIP")
		}
		for _, ip := range svc.ClusterIPs {
			add(ip, "ClusterIP")
		}
	}
	return ix
}

// AdvertisementFor returns a function naming the first CiliumBGPAdvertisement (Service
// entry) that selects a Service for an address type ("LoadBalancerIP"), or "".
func AdvertisementFor(s *model.Snapshot) func(*model.Service, string) string {
	return func(svc *model.Service, addrType string) string {
		lbls := map[string]string{"io.kubernetes.service.name": svc.Name, "io.kubernetes.service.namespace": svc.Namespace}
		for k, v := range svc.Labels {
			lbls[k] = v
		}
		for _, adv := range s.BGP.Advertisements {
			for _, e := range adv.Advertisements {
				if e.Type != "Service" || e.Service == nil {
					continue
				}
				has := false
				for _, a := range e.Service.Addresses {
					has = has || a == addrType
				}
				if ok, err := model.Matches(e.Selector, lbls, model.NilMatchesNothing); has && err == nil && ok {
					return adv.Name
				}
			}
		}
		return ""
	}
}

func (ix *provenanceIndex) of(p netip.Prefix) Provenance {
	if node, ok := ix.podCIDRs[p.Masked()]; ok {
		return Provenance{Kind: "pod-cidr", Node: node}
	}
	if p.IsSingleIP() {
		if prov, ok := ix.services[p.Addr()]; ok {
			return prov
		}
	}
	return Provenance{Kind: "unknown"}
}

// RouteFilter narrows the routes shown.
type RouteFilter struct {
	Node    string
	Prefix  *netip.Prefix // routes inside this prefix (or equal)
	Service string        // namespace/name
}

// Routes lists the agents' advertised routes with their provenance.
func Routes(s *model.Snapshot, f RouteFilter) []RouteRow {
	ix := newProvenanceIndex(s)
	rows := []RouteRow{}
	for _, a := range s.Agents {
		if f.Node != "" && a.Node != f.Node {
			continue
		}
		for _, r := range a.Routes {
			if f.Prefix != nil && !(f.Prefix.Contains(r.Prefix.Addr()) && r.Prefix.Bits() >= f.Prefix.Bits()) {
				continue
			}
			row := RouteRow{Node: a.Node, Peer: r.Peer, Prefix: r.Prefix.String(), Best: r.Best, Provenance: ix.of(r.Prefix), Error: r.Error}
			if f.Service != "" && row.Provenance.Service != f.Service {
				continue
			}
			for _, nh := range r.NextHops {
				row.NextHops = append(row.NextHops, nh.String())
			}
			rows = append(rows, row)
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Node != rows[j].Node {
			return rows[i].Node < rows[j].Node
		}
		if rows[i].Peer != rows[j].Peer {
			return rows[i].Peer < rows[j].Peer
		}
		return strings.Compare(rows[i].Prefix, rows[j].Prefix) < 0
	})
	return rows
}
