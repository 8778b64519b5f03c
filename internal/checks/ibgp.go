// SPDX-License-Identifier: Apache-2.0

package checks

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/fix"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// ibgpCheck is ibgp-split-horizon-next-hop: in a same-AS design the router peering
// with the nodes must reflect their routes to its other iBGP neighbors, and those need
// a next hop they can reach.
func ibgpCheck() Check {
	return Check{
		ID: "ibgp-split-horizon-next-hop", Title: "iBGP: the cluster's routes stop at the first router", Severity: Warning, Layer: LayerAdverts,
		Needs: []string{model.SourceRouters, model.SourceNodes}, Versions: "all",
		Detects: "a router peering iBGP with the nodes (same AS) that has other iBGP neighbors but is not a route reflector for the nodes, or a router holding the cluster's routes with a node's next hop it cannot resolve",
		Fixes:   "make the router a route reflector for the nodes (route-reflector-client) and set next-hop-self force towards its other iBGP neighbors; or peer eBGP (a private ASN for the cluster)",
		Explain: `iBGP split horizon: a router does not pass routes learned from one iBGP neighbor on to
another iBGP neighbor unless it is a route reflector for the first. When the nodes share the router's
AS, the router learns the PodCIDRs and VIPs and the rest of the network never does. Once it reflects
them, the next hop stays the node's address (route reflectors do not change it, even with plain
next-hop-self): routers that cannot reach the nodes' subnet keep the routes as unreachable. eBGP with
a private ASN for the cluster avoids both problems and is usually simpler.
References: RFC 4456 ; https://github.com/openstack-k8s-operators/ci-framework/pull/4055 ;
https://github.com/ipspace/netlab/pull/2110`,
		Run: runIBGPSplitHorizon,
	}
}

// nodeAddrs is the set of every node's internal addresses.
func (in *Input) nodeAddrs() map[netip.Addr]string {
	out := map[netip.Addr]string{}
	for i := range in.S.Nodes {
		for _, a := range in.S.Nodes[i].InternalIPs {
			out[a.Unmap()] = in.S.Nodes[i].Name
		}
	}
	return out
}

// addrOf parses a neighbor or next-hop address ("" or junk: invalid).
func addrOf(s string) netip.Addr {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

func runIBGPSplitHorizon(in *Input) []Finding {
	nodes := in.nodeAddrs()
	var routers []*model.RouterView
	for i := range in.S.Routers {
		if in.S.Routers[i].Status == model.StatusOK {
			routers = append(routers, &in.S.Routers[i])
		}
	}
	var out []Finding
	for _, r := range routers {
		if f, ok := notReflecting(in, r, nodes, routers); ok {
			out = append(out, f)
		}
	}
	for _, b := range routers {
		if f, ok := unreachableNodeNextHops(in, b, nodes, routers); ok {
			out = append(out, f)
		}
	}
	return out
}

// downstream returns the router read whose address is n's (its router ID, or a router
// that has r as a neighbor at n's address), or nil.
func downstream(n model.RouterNeighbor, r *model.RouterView, routers []*model.RouterView) *model.RouterView {
	for _, b := range routers {
		if b != r && b.RouterID != "" && addrOf(b.RouterID) == addrOf(n.Address) {
			return b
		}
	}
	return nil
}

// notReflecting finds a router with iBGP neighbors among the nodes and elsewhere that
// does not reflect the nodes' routes.
func notReflecting(in *Input, r *model.RouterView, nodes map[netip.Addr]string, routers []*model.RouterView) (Finding, bool) {
	var clusterNbrs, notRR []model.RouterNeighbor
	var others []model.RouterNeighbor
	for _, n := range r.Neighbors {
		if r.ASN == 0 || n.RemoteASN != r.ASN {
			continue
		}
		if _, isNode := nodes[addrOf(n.Address)]; isNode {
			clusterNbrs = append(clusterNbrs, n)
			if !n.RouteReflectorClient {
				notRR = append(notRR, n)
			}
		} else {
			others = append(others, n)
		}
	}
	if len(clusterNbrs) == 0 || len(others) == 0 || len(notRR) == 0 {
		return Finding{}, false
	}
	// what r holds from the nodes, and what each downstream router read lacks of it
	held := map[netip.Prefix]bool{}
	for _, rt := range r.Routes {
		if _, fromNode := nodes[addrOf(rt.From)]; fromNode && rt.Valid && in.advertisable(rt.Prefix) {
			held[rt.Prefix.Masked()] = true
		}
	}
	var othersTxt, details []string
	confirmed := false
	for _, o := range others {
		othersTxt = append(othersTxt, o.Address+descSuffix(o.Description))
		b := downstream(o, r, routers)
		if b == nil {
			if r.Kind == "frr" && o.Established {
				details = append(details, fmt.Sprintf("%s sends %d prefixes to %s", r.Name, o.PrefixesSent, o.Address))
			}
			continue
		}
		has := map[netip.Prefix]bool{}
		for _, rt := range b.Routes {
			has[rt.Prefix.Masked()] = true
		}
		missing, total := 0, 0
		for p := range held {
			if fam := familyOf(p); len(o.Families) > 0 && !slices.Contains(o.Families, fam) {
				continue // not a family of that session
			}
			total++
			if !has[p] {
				missing++
			}
		}
		if missing > 0 {
			confirmed = true
		}
		details = append(details, fmt.Sprintf("router %s (read too) holds %d of the %d cluster prefixes %s learned from the nodes", b.Name, total-missing, total, r.Name))
	}
	var addrs []string
	for _, n := range notRR {
		addrs = append(addrs, n.Address)
	}
	f := Finding{
		Subject: routerRef(r.Name),
		Message: fmt.Sprintf("router %s learns the cluster's routes over iBGP from %s but is not a route reflector for them: its iBGP %s %s never %s them",
			r.Name, strings.Join(addrs, ", "), plural(len(others), "neighbor", "neighbors"), strings.Join(othersTxt, ", "), plural(len(others), "receives", "receive")),
		Details: details,
		Evidence: []Evidence{
			ev(model.SourceRouters, ref(routerRef(r.Name)), "router AS / nodes' AS", fmt.Sprintf("%d / %d (iBGP)", r.ASN, clusterNbrs[0].RemoteASN), ""),
			ev(model.SourceRouters, ref(routerRef(r.Name)), "neighbor "+addrs[0]+" route-reflector-client", "not set", "set (or eBGP)"),
		},
	}
	if confirmed {
		f.Evidence = append(f.Evidence, ev(model.SourceRouters, ref(routerRef(r.Name)), "downstream routers' tables", "cluster prefixes missing", "the cluster's prefixes"))
	}
	if r.Kind == "bird" {
		f.Fixes = []fix.Proposal{routerCommand(fix.RiskMedium, "Reflect the nodes' routes (BIRD)",
			"In each node's bgp protocol: `rr client;` (and `next hop self;` towards the other iBGP neighbors if they cannot reach the nodes), then `birdc configure`. Or peer eBGP with a private ASN for the cluster.",
			"birdc configure")}
		return f, true
	}
	args := []string{"configure terminal", fmt.Sprintf("router bgp %d", r.ASN)}
	for _, fam := range []bool{true, false} {
		var these []string
		for _, a := range addrs {
			if addrOf(a).Is4() == fam {
				these = append(these, a)
			}
		}
		if len(these) == 0 {
			continue
		}
		args = append(args, "address-family "+map[bool]string{true: "ipv4", false: "ipv6"}[fam]+" unicast")
		for _, a := range these {
			if addrOf(a).IsValid() {
				args = append(args, "neighbor "+addrOf(a).String()+" route-reflector-client")
			}
		}
		for _, o := range others {
			if addrOf(o.Address).Is4() == fam && !o.NextHopSelf && addrOf(o.Address).IsValid() {
				args = append(args, "neighbor "+addrOf(o.Address).String()+" next-hop-self force")
			}
		}
		args = append(args, "exit-address-family")
	}
	f.Fixes = []fix.Proposal{routerCommand(fix.RiskMedium, "Reflect the nodes' routes (FRR)",
		"Makes the nodes route-reflector clients (their sessions reset once) and gives the other iBGP neighbors a next hop they reach. Or peer eBGP with a private ASN for the cluster.",
		vtysh(args...))}
	return f, true
}

// unreachableNodeNextHops finds a router holding cluster routes, relayed by another
// router, whose next hop is a node address it cannot resolve.
func unreachableNodeNextHops(in *Input, b *model.RouterView, nodes map[netip.Addr]string, routers []*model.RouterView) (Finding, bool) {
	byFrom := map[string][]string{}
	var hops []string
	var first netip.Prefix
	seenHop := map[string]bool{}
	for _, rt := range b.Routes {
		if rt.Valid || !in.advertisable(rt.Prefix) {
			continue
		}
		if _, nhNode := nodes[addrOf(rt.NextHop)]; !nhNode {
			continue
		}
		if _, fromNode := nodes[addrOf(rt.From)]; fromNode {
			continue // learned from the node itself: a session problem, not this one
		}
		if !first.IsValid() {
			first = rt.Prefix
		}
		byFrom[rt.From] = append(byFrom[rt.From], rt.Prefix.String())
		if !seenHop[rt.NextHop] {
			seenHop[rt.NextHop] = true
			hops = append(hops, rt.NextHop)
		}
	}
	if len(byFrom) == 0 {
		return Finding{}, false
	}
	sort.Strings(hops)
	var details []string
	var fixes []fix.Proposal
	n := 0
	for _, from := range sortedMapKeys(byFrom) {
		ps := byFrom[from]
		sort.Strings(ps)
		n += len(ps)
		details = append(details, fmt.Sprintf("from %s: %s", cmp.Or(from, "-"), strings.Join(ps, ", ")))
		// the relaying router, when read: it has b as a neighbor at b's router ID
		for _, r := range routers {
			if r == b || r.Kind != "frr" {
				continue
			}
			if nb := in.neighborAt(r, addrOf(b.RouterID)); nb != nil && !nb.NextHopSelf {
				fam := "ipv4"
				if !addrOf(nb.Address).Is4() {
					fam = "ipv6"
				}
				fixes = append(fixes, routerCommand(fix.RiskMedium, "Next hop self towards "+b.Name+" (FRR, on "+r.Name+")",
					"Reflected routes keep the node's next hop unless forced; `force` applies it to reflected routes too.",
					vtysh("configure terminal", fmt.Sprintf("router bgp %d", r.ASN), "address-family "+fam+" unicast", "neighbor "+addrOf(nb.Address).String()+" next-hop-self force")))
			}
		}
	}
	if len(fixes) == 0 {
		fixes = []fix.Proposal{routerCommand(fix.RiskMedium, "Give "+b.Name+" a next hop it can reach",
			fmt.Sprintf("On the router that relays these routes to %s: `neighbor <%s's address> next-hop-self force` (FRR) or `next hop self;` (BIRD); or give %s a route to the nodes' addresses (%s).",
				b.Name, b.Name, b.Name, strings.Join(hops, ", ")))}
	}
	return Finding{
		Subject: routerRef(b.Name),
		Message: fmt.Sprintf("router %s holds %d cluster %s whose next hop is a node address (%s) it cannot reach: it does not forward to them",
			b.Name, n, plural(n, "route", "routes"), strings.Join(hops, ", ")),
		Details:  details,
		Evidence: []Evidence{ev(model.SourceRouters, ref(routerRef(b.Name)), "BGP next hop of "+first.String(), hops[0]+" (unresolved)", "a next hop it routes to")},
		Fixes:    fixes,
	}, true
}

// familyOf names p's unicast family as routers report negotiated families.
func familyOf(p netip.Prefix) string {
	if p.Addr().Is4() {
		return "ipv4-unicast"
	}
	return "ipv6-unicast"
}

// descSuffix renders a neighbor description as " (desc)".
func descSuffix(d string) string {
	if d == "" {
		return ""
	}
	return " (" + d + ")"
}
