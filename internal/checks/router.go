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
	"github.com/bgpnet/kubectl-bgpnet/internal/safe"
)

// routerRef refers to an upstream router.
func routerRef(name string) model.Ref { return model.Ref{Kind: "Router", Name: name} }

// routerSession is one configured session (node → peer) with the router that is its
// peer and the router's neighbor entry for the node, when it has one.
type routerSession struct {
	node     string
	inst     *model.EffectiveInstance // in the run's views
	peer     *model.EffectivePeer
	nodeAddr netip.Addr // the node's address of the peer's family
	router   *model.RouterView
	neighbor *model.RouterNeighbor
}

// routerSessions pairs the configured sessions with the routers read: a router is the
// peer of a session when it has the node as a neighbor, else when its ASN is the
// session's peer ASN (or it is the only router).
// Sessions whose peer is none of the routers read are left out.
func (in *Input) routerSessions() []routerSession {
	if !in.sessionsDone {
		in.sessions, in.sessionsDone = in.pairSessions(), true
	}
	return in.sessions
}

// pairSessions does the pairing for routerSessions.
func (in *Input) pairSessions() []routerSession {
	var routers []*model.RouterView
	for i := range in.S.Routers {
		if in.S.Routers[i].Status == model.StatusOK {
			routers = append(routers, &in.S.Routers[i])
		}
	}
	if len(routers) == 0 {
		return nil
	}
	views := in.Views()
	n := 0
	for _, v := range views {
		for _, inst := range v.Instances {
			n += len(inst.Peers)
		}
	}
	out := make([]routerSession, 0, n)
	for _, v := range views {
		if len(v.SelectedBy) == 0 {
			continue
		}
		for i := range v.Instances {
			inst := &v.Instances[i]
			for j := range inst.Peers {
				p := &inst.Peers[j]
				peerAddr, err := netip.ParseAddr(p.PeerAddress)
				if err != nil {
					continue
				}
				rs := routerSession{node: v.Node, inst: inst, peer: p}
				if p.LocalAddress != "" {
					rs.nodeAddr, _ = netip.ParseAddr(p.LocalAddress)
				}
				if n, ok := in.Node(v.Node); ok && !rs.nodeAddr.IsValid() {
					for _, a := range n.InternalIPs {
						if a.Is4() == peerAddr.Is4() {
							rs.nodeAddr = a
							break
						}
					}
				}
				// the peer is the router that has the node as a neighbor, else the one
				// with the peer's ASN, else the only router read
				for _, cand := range routers {
					if nb := in.neighborAt(cand, rs.nodeAddr); nb != nil && (cand.ASN == p.PeerASN || rs.router == nil) {
						rs.router, rs.neighbor = cand, nb
					}
				}
				for _, cand := range routers {
					if rs.router == nil && (cand.ASN == p.PeerASN || len(routers) == 1) {
						rs.router = cand
					}
				}
				if rs.router == nil {
					continue
				}
				out = append(out, rs)
			}
		}
	}
	return out
}

// neighborAt returns r's neighbor at addr, or nil (indexed once per router and run).
func (in *Input) neighborAt(r *model.RouterView, addr netip.Addr) *model.RouterNeighbor {
	if !addr.IsValid() {
		return nil
	}
	return in.facts(r).byAddr[addr.Unmap()]
}

// routerFacts is what the router checks read of one router, derived once per run so
// that a check over thousands of sessions does not re-parse the configuration or
// re-scan the neighbor list for each of them.
type routerFacts struct {
	byAddr map[netip.Addr]*model.RouterNeighbor
	// listen are the `bgp listen range` prefixes of the configuration.
	listen []netip.Prefix
	// known lists the neighbors' addresses for evidence (the first few, and how many).
	known string
	// groupOf is, per remote ASN and family, a peer-group whose neighbors use it:
	// an IPv6 neighbor never joins the group of the IPv4 ones.
	groupOf map[groupKey]string
}

// maxKnown is how many neighbor addresses the evidence names before it only counts.
const maxKnown = 8

// facts returns the derived facts of one router (built once per run).
func (in *Input) facts(r *model.RouterView) *routerFacts {
	if f, ok := in.routerFacts[r]; ok {
		return f
	}
	if in.routerFacts == nil {
		in.routerFacts = map[*model.RouterView]*routerFacts{}
	}
	f := &routerFacts{byAddr: make(map[netip.Addr]*model.RouterNeighbor, len(r.Neighbors)), listen: listenRanges(r.Config), groupOf: map[groupKey]string{}}
	var known []string
	for i := range r.Neighbors {
		n := &r.Neighbors[i]
		if a, err := netip.ParseAddr(n.Address); err == nil {
			f.byAddr[a.Unmap()] = n
		}
		if i < maxKnown {
			known = append(known, n.Address)
		}
		if a, err := netip.ParseAddr(n.Address); err == nil && n.PeerGroup != "" {
			f.groupOf[groupKey{n.RemoteASN, a.Unmap().Is6()}] = n.PeerGroup
		}
	}
	f.known = strings.Join(known, ", ")
	if len(r.Neighbors) > maxKnown {
		f.known += fmt.Sprintf(", … (%d neighbors)", len(r.Neighbors))
	}
	in.routerFacts[r] = f
	return f
}

// routerSide returns the router's view of one configured session, if a router was read
// that is this session's peer (indexed once per run).
func (in *Input) routerSide(node, peerAddress string) (routerSession, bool) {
	if in.routerIx == nil {
		in.routerIx = map[string]routerSession{}
		for _, rs := range in.routerSessions() {
			in.routerIx[rs.node+"|"+rs.peer.PeerAddress] = rs
		}
	}
	rs, ok := in.routerIx[node+"|"+peerAddress]
	return rs, ok
}

// listenRanges reads FRR's dynamic-neighbor ranges (`bgp listen range P peer-group G`).
func listenRanges(cfg string) []netip.Prefix {
	var out []netip.Prefix
	for _, line := range strings.Split(cfg, "\n") {
		f := strings.Fields(line)
		if len(f) >= 4 && f[0] == "bgp" && f[1] == "listen" && f[2] == "range" {
			if p, err := netip.ParsePrefix(f[3]); err == nil {
				out = append(out, p)
			}
		}
	}
	return out
}

func routerChecks() []Check {
	needs := []string{model.SourceRouters, model.SourceNodes}
	return []Check{
		{
			ID: "node-not-configured-on-router", Title: "The router has no neighbor for a BGP node", Severity: Error, Layer: LayerSessions,
			Needs: needs, Uses: []string{model.SourceClusterConfigs, model.SourcePeeringPolicies}, Versions: "all",
			Detects: "a node selected for BGP whose address (of the peer's family) is neither a neighbor of the router nor in one of its listen ranges",
			Fixes:   "add the neighbor (or a peer-group with a listen range covering the nodes) on the router",
			Explain: `Cilium dials the router from each selected node. A node the router does not know is refused
(FRR logs "no such neighbor"): its session never establishes while every other node's does, and its
PodCIDR and its share of the VIPs are never advertised. Typical after adding a node or renumbering.
References: https://github.com/cilium/cilium/issues/24737 ; FRR docs (Dynamic Neighbors)`,
			Run: runNodeNotOnRouter,
		},
		{
			ID: "asn-mismatch", Title: "The router and Cilium disagree on an AS number", Severity: Error, Layer: LayerSessions,
			Needs: needs, Versions: "all",
			Detects: "the router's remote-as for a node differs from the node's local ASN, or the router's own ASN differs from the peerASN Cilium uses",
			Fixes:   "make both sides agree: the router's neighbor remote-as, or the ClusterConfig's localASN / peerASN",
			Explain: `A BGP OPEN carries the sender's AS; the receiver compares it with what it was configured to
expect and answers NOTIFICATION "Bad Peer AS" (OPEN Message Error 2/2). The session flaps between
Active/Idle and OpenSent and never carries a route.
References: RFC 4271 section 6.2 ; https://github.com/cilium/cilium/issues/29066`,
			Run: runASNMismatch,
		},
		{
			ID: "frr-ebgp-requires-policy", Title: "FRR discards the nodes' routes: eBGP without a policy (RFC 8212)", Severity: Error, Layer: LayerAdverts,
			Needs: []string{model.SourceRouters}, Versions: "FRR ≥ 7.4",
			Detects: "an established eBGP neighbor whose routes FRR discards for want of an inbound policy (peerState Policy)",
			Fixes:   "attach route-maps that accept the pools and PodCIDRs (kubectl bgpnet router-config writes them); not `no bgp ebgp-requires-policy`",
			Explain: `Since FRR 7.4, bgp ebgp-requires-policy is on by default (RFC 8212): without an inbound and an
outbound policy on an eBGP neighbor, FRR keeps the session up and silently drops every UPDATE. The
summary shows "(Policy)" instead of a prefix count; Cilium shows the routes as advertised.
References: https://docs.frrouting.org/en/latest/bgp.html#require-policy-on-ebgp ; RFC 8212`,
			Run: runRequiresPolicy,
		},
		{
			ID: "bird-or-mikrotik-default-deny-filters", Title: "The router's import filter rejects the nodes' routes", Severity: Error, Layer: LayerAdverts,
			Needs: []string{model.SourceRouters}, Versions: "BIRD 2 (RFC 8212 defaults)",
			Detects: "an established neighbor with an import filter REJECT, or whose import filter dropped every update",
			Fixes:   "import what the cluster advertises: a filter accepting the pools' and PodCIDRs' prefixes",
			Explain: `BIRD 2 follows RFC 8212: an eBGP channel without an explicit import filter imports nothing
(import none). The session is Established, the nodes advertise, and the router's table stays empty.
MikroTik RouterOS 7 behaves alike with its default input filter.
References: https://bird.network.cz/?get_doc&v=20&f=bird-6.html#ss6.3 ; RFC 8212`,
			Run: runBirdDenyFilters,
		},
		{
			ID: "router-prefix-filter-or-max-prefix", Title: "The router accepts only part of what a node advertises", Severity: Warning, Layer: LayerAdverts,
			Needs: []string{model.SourceRouters, model.SourceAgentRoutes, model.SourceNodes}, Versions: "all",
			Detects: "prefixes a node advertises (per its agent) that the router's BGP table does not hold from that node, while others are accepted; or a prefix limit at or near the count",
			Fixes:   "widen the router's prefix list (the pools need /32 and /128: `ge 32`), raise maximum-prefix",
			Explain: `A prefix list written for PodCIDRs ("le 24") drops every /32 VIP; a maximum-prefix set for a
small cluster tears the session down when a pool grows. The router keeps what passes, so the failure
is partial: PodCIDRs work, LoadBalancer IPs do not.
References: https://github.com/cilium/cilium/issues/30919 ; FRR docs (maximum-prefix)`,
			Run: runPrefixFilter,
		},
		{
			ID: "bgp-rib-not-in-fib", Title: "A route the router selected is not installed for forwarding", Severity: Error, Layer: LayerAdverts,
			Needs: []string{model.SourceRouters}, Versions: "all",
			Detects: "a best path in the router's BGP table with no route in its forwarding table",
			Fixes:   "FRR: zebra running and `bgp` allowed into the kernel (no table-map/route-map denying it); BIRD: a kernel protocol exporting BGP routes",
			Explain: `BGP choosing a path does not make the router forward along it: FRR needs zebra to install it
(a table-map, a missing zebra, a VRF mismatch stop it), BIRD needs a kernel protocol whose export
filter takes BGP routes. The router then advertises the VIP upstream but blackholes it.
References: FRR docs (zebra) ; BIRD docs (kernel protocol)`,
			Run: runRIBNotInFIB,
		},
		{
			ID: "ecmp-not-enabled-or-limit", Title: "A VIP advertised by several nodes is installed with fewer next hops", Severity: Warning, Layer: LayerAdverts,
			Needs: []string{model.SourceRouters}, Versions: "all",
			Detects: "a prefix the router received from N nodes but installed with fewer next hops (multipath off or limited)",
			Fixes:   "FRR: maximum-paths N (and bgp bestpath as-path multipath-relax across ASNs); BIRD: merge paths on in the kernel protocol",
			Explain: `Every node with a backend advertises the VIP; the router balances only if it installs all
paths. With multipath off (FRR maximum-paths 1, BIRD without merge paths) one node takes all the
traffic and a second VIP path only helps after a failure.
References: https://github.com/cilium/cilium/issues/23183 ; FRR docs (maximum-paths)`,
			Run: runECMP,
		},
		{
			ID: "bfd-required-by-router", Title: "The router requires BFD on a session Cilium does not run BFD on", Severity: Warning, Layer: LayerSessions,
			Needs: []string{model.SourceRouters, model.SourceNodes}, Versions: "Cilium without BFD (< 1.19)",
			Detects: "a router neighbor for a node with BFD configured",
			Fixes:   "remove bfd from the neighbor, or enable Cilium's BFD (1.19+) for that peer",
			Explain: `A neighbor configured with BFD (and, on some routers, "bfd check-control-plane-failure" or
strict mode) is only brought up, or kept up, while BFD packets arrive. Cilium before 1.19 has no BFD:
the session flaps or never establishes although BGP itself is fine.
References: https://github.com/cilium/cilium/issues/22394 ; FRR docs (bfd)`,
			Run: runRouterBFD,
		},
	}
}

func runNodeNotOnRouter(in *Input) []Finding {
	var out []Finding
	for _, rs := range in.routerSessions() {
		if rs.neighbor != nil || !rs.nodeAddr.IsValid() {
			continue
		}
		facts := in.facts(rs.router)
		if slices.ContainsFunc(facts.listen, func(p netip.Prefix) bool { return p.Contains(rs.nodeAddr) }) {
			continue
		}
		f := Finding{
			Subject: peerRef(rs.node, rs.inst.Name, rs.peer.Name),
			Message: fmt.Sprintf("router %s has no neighbor %s: node %s is selected for BGP and dials it, and is refused", rs.router.Name, rs.nodeAddr, rs.node),
			Evidence: []Evidence{ev(model.SourceRouters, ref(routerRef(rs.router.Name)), "neighbors", facts.known, rs.nodeAddr.String()),
				ev(model.SourceNodes, ref(nodeRef(rs.node)), "status.addresses[InternalIP]", rs.nodeAddr.String(), "")},
		}
		f.Fixes = append(f.Fixes, routerNeighborFix(rs, facts.groupOf[groupKey{rs.inst.LocalASN, rs.nodeAddr.Is6()}]))
		out = append(out, f)
	}
	return out
}

// birdTemplate is the template router-config writes for a neighbor of a's family.
func birdTemplate(a netip.Addr) string {
	if a.Is6() {
		return "cilium6"
	}
	return "cilium4"
}

// groupKey is a remote ASN and an address family (true: IPv6).
type groupKey struct {
	asn int64
	v6  bool
}

// routerNeighborFix is the router configuration adding the node as a neighbor (to group,
// the router's peer-group for the node's ASN, if it has one).
func routerNeighborFix(rs routerSession, group string) fix.Proposal {
	asn := rs.inst.LocalASN
	if rs.router.Kind == "bird" {
		tmpl, fam := birdTemplate(rs.nodeAddr), "v4"
		if rs.nodeAddr.Is6() {
			fam = "v6"
		}
		return routerCommand(fix.RiskMedium, "Add the node to the router (BIRD)",
			"Add to bird.conf (the templates cilium4/cilium6 are those `kubectl bgpnet router-config --flavor bird` writes; use yours if they differ), then `birdc configure`.",
			comment("add to bird.conf:\n"+fmt.Sprintf("protocol bgp %s_%s from %s { neighbor %s as %d; description %s; }", safe.BirdSymbol(rs.node), fam, tmpl, rs.nodeAddr, asn, safe.BirdString(rs.node))), "birdc configure")
	}
	line := fmt.Sprintf("neighbor %s remote-as %d", rs.nodeAddr, asn)
	if group != "" {
		line = fmt.Sprintf("neighbor %s peer-group %s", rs.nodeAddr, group)
	}
	return routerCommand(fix.RiskMedium, "Add the node to the router (FRR)",
		"Run on the router (or add to frr.conf); a peer-group or `bgp listen range` covering the node subnet avoids this for future nodes. `kubectl bgpnet router-config` writes the whole configuration.",
		vtysh("configure terminal", fmt.Sprintf("router bgp %d", rs.router.ASN), line, fmt.Sprintf("neighbor %s description %s", rs.nodeAddr, rs.node)))
}

func runASNMismatch(in *Input) []Finding {
	var out []Finding
	for _, rs := range in.routerSessions() {
		if rs.neighbor == nil {
			continue
		}
		subject := peerRef(rs.node, rs.inst.Name, rs.peer.Name)
		if rs.neighbor.RemoteASN != 0 && rs.neighbor.RemoteASN != rs.inst.LocalASN {
			f := Finding{
				Subject: subject,
				Message: fmt.Sprintf("router %s expects AS %d from %s (node %s), the node speaks AS %d", rs.router.Name, rs.neighbor.RemoteASN, rs.nodeAddr, rs.node, rs.inst.LocalASN),
				Evidence: []Evidence{ev(model.SourceRouters, ref(routerRef(rs.router.Name)), "neighbor "+rs.neighbor.Address+" remote-as", fmt.Sprint(rs.neighbor.RemoteASN), fmt.Sprint(rs.inst.LocalASN)),
					ev(model.SourceClusterConfigs, ref(rs.inst.Source), "localASN", fmt.Sprint(rs.inst.LocalASN), "")},
			}
			if rs.neighbor.LastError != "" {
				f.Details = append(f.Details, "router's last error: "+rs.neighbor.LastError)
			}
			f.Fixes = append(f.Fixes, routerRemoteASFix(rs))
			out = append(out, f)
		}
		if rs.router.ASN != 0 && rs.peer.PeerASN != rs.router.ASN {
			out = append(out, Finding{
				Subject:  subject,
				Message:  fmt.Sprintf("node %s peers with %s as AS %d, router %s is AS %d", rs.node, rs.peer.PeerAddress, rs.peer.PeerASN, rs.router.Name, rs.router.ASN),
				Evidence: []Evidence{ev(model.SourceRouters, ref(routerRef(rs.router.Name)), "local AS", fmt.Sprint(rs.router.ASN), fmt.Sprint(rs.peer.PeerASN))},
				Fixes: []fix.Proposal{fixCommand(fix.RiskMedium, "Use the router's AS as the peerASN",
					"Change peerASN of this peer in the ClusterConfig (or PeeringPolicy) to the router's AS; the session resets.",
					kubectl("edit", strings.ToLower(rs.inst.Source.Kind), rs.inst.Source.Name))},
			})
		}
	}
	return out
}

func routerRemoteASFix(rs routerSession) fix.Proposal {
	if rs.router.Kind == "bird" {
		return routerCommand(fix.RiskMedium, "Expect the node's AS on the router (BIRD)",
			"In the node's protocol of bird.conf set the neighbor's AS, then reconfigure.",
			comment("in bird.conf:\n"+fmt.Sprintf("protocol bgp %s from %s { neighbor %s as %d; }", safe.BirdSymbol(cmp.Or(rs.neighbor.Name, rs.node)), birdTemplate(rs.nodeAddr), rs.nodeAddr, rs.inst.LocalASN)), "birdc configure")
	}
	return routerCommand(fix.RiskMedium, "Expect the node's AS on the router (FRR)", "Run on the router; the session resets and comes up.",
		vtysh("configure terminal", fmt.Sprintf("router bgp %d", rs.router.ASN), fmt.Sprintf("neighbor %s remote-as %d", rs.nodeAddr, rs.inst.LocalASN)))
}

func runRequiresPolicy(in *Input) []Finding {
	var out []Finding
	for i := range in.S.Routers {
		r := &in.S.Routers[i]
		var blocked []string
		for _, n := range r.Neighbors {
			if n.PolicyBlocked {
				blocked = append(blocked, n.Address)
			}
		}
		if len(blocked) == 0 {
			continue
		}
		out = append(out, Finding{
			Subject: routerRef(r.Name),
			Message: fmt.Sprintf("router %s discards every route from %d %s (%s): eBGP without an inbound/outbound policy, RFC 8212", r.Name, len(blocked), plural(len(blocked), "neighbor", "neighbors"), strings.Join(blocked, ", ")),
			Evidence: []Evidence{ev(model.SourceRouters, ref(routerRef(r.Name)), "show bgp summary: peerState", "Policy", "OK"),
				ev(model.SourceRouters, ref(routerRef(r.Name)), "addressFamilyInfo.inboundEbgpRequiresPolicy", "Inbound updates discarded due to missing policy", "")},
			Fixes: []fix.Proposal{routerCommand(fix.RiskMedium, "Attach explicit policies (keeps RFC 8212 on)",
				"Accept exactly the cluster's PodCIDRs and LB pools and advertise nothing back; `kubectl bgpnet router-config --flavor frr` writes the prefix lists from the cluster. Do not turn the protection off with `no bgp ebgp-requires-policy`.",
				routeMapCommands(in, r, blocked)...)},
		})
	}
	return out
}

// routeMapCommands writes the FRR prefix lists and route-maps accepting what the cluster
// advertises (PodCIDRs, pool blocks as host routes) for the given neighbors.
func routeMapCommands(in *Input, r *model.RouterView, neighbors []string) []string {
	args := []string{"configure terminal"}
	seq := map[bool]int{}
	hasV6 := false
	for _, p := range clusterPrefixes(in) {
		v6 := p.pfx.Addr().Is6()
		hasV6 = hasV6 || v6
		seq[v6] += 10
		if v6 {
			args = append(args, fmt.Sprintf("ipv6 prefix-list CILIUM-IN-V6 seq %d permit %s%s", seq[v6], p.pfx, p.suffix))
		} else {
			args = append(args, fmt.Sprintf("ip prefix-list CILIUM-IN seq %d permit %s%s", seq[v6], p.pfx, p.suffix))
		}
	}
	args = append(args, "route-map CILIUM-IN permit 10", "match ip address prefix-list CILIUM-IN", "exit")
	if hasV6 {
		args = append(args, "route-map CILIUM-IN permit 20", "match ipv6 address prefix-list CILIUM-IN-V6", "exit")
	}
	args = append(args, "route-map CILIUM-OUT deny 10", "exit", fmt.Sprintf("router bgp %d", r.ASN))
	for _, fam := range []string{"ipv4", "ipv6"} {
		var lines []string
		for _, n := range neighbors {
			if a, err := netip.ParseAddr(n); err == nil && a.Is6() == (fam == "ipv6") {
				lines = append(lines, "neighbor "+a.String()+" route-map CILIUM-IN in", "neighbor "+a.String()+" route-map CILIUM-OUT out")
			}
		}
		if len(lines) > 0 {
			args = append(append(args, "address-family "+fam+" unicast"), append(lines, "exit-address-family")...)
		}
	}
	return []string{vtysh(args...)}
}

// advertisable reports whether p is one of the cluster's prefixes: a PodCIDR of a BGP
// node, or a host route out of a pool block.
func (in *Input) advertisable(p netip.Prefix) bool {
	if in.advertisables == nil {
		in.advertisables = in.S.AdvertisablePrefixes()
	}
	for _, a := range in.advertisables {
		if a.HostRoutes && p.Bits() == p.Addr().BitLen() && a.Prefix.Contains(p.Addr()) || !a.HostRoutes && a.Prefix == p.Masked() {
			return true
		}
	}
	return false
}

// clusterPrefix is a prefix the cluster may advertise, with the prefix-list suffix
// that accepts it (host routes out of a pool block: "ge 32").
type clusterPrefix struct {
	pfx    netip.Prefix
	suffix string
}

// clusterPrefixes lists the PodCIDRs (exact) and the pools' blocks (their host routes).
func clusterPrefixes(in *Input) []clusterPrefix {
	var out []clusterPrefix
	if in.advertisables == nil {
		in.advertisables = in.S.AdvertisablePrefixes()
	}
	for _, p := range in.advertisables {
		cp := clusterPrefix{pfx: p.Prefix}
		if p.HostRoutes {
			cp.suffix = fmt.Sprintf(" ge %d", p.Prefix.Addr().BitLen())
		}
		out = append(out, cp)
	}
	return out
}

func runBirdDenyFilters(in *Input) []Finding {
	var out []Finding
	for i := range in.S.Routers {
		r := &in.S.Routers[i]
		for _, n := range r.Neighbors {
			if !n.Established || n.PolicyBlocked {
				continue
			}
			rejectAll := strings.EqualFold(n.ImportFilter, "REJECT")
			allFiltered := n.ImportFiltered > 0 && n.PrefixesAccepted == 0
			if !rejectAll && !allFiltered {
				continue
			}
			observed := fmt.Sprintf("import filter %s, %d updates filtered, %d routes imported", cmp.Or(n.ImportFilter, "-"), n.ImportFiltered, n.PrefixesAccepted)
			f := Finding{
				Subject:  routerRef(r.Name),
				Message:  fmt.Sprintf("router %s imports nothing from %s (%s): the session is up and every route the node advertises is dropped", r.Name, n.Address, cmp.Or(n.Description, "-")),
				Evidence: []Evidence{ev(model.SourceRouters, ref(routerRef(r.Name)), "protocol "+cmp.Or(n.Name, "-")+" channel import", observed, "the cluster's prefixes imported")},
			}
			if r.Kind == "bird" {
				f.Fixes = append(f.Fixes, routerCommand(fix.RiskMedium, "Import the cluster's prefixes (BIRD)",
					"Define a filter accepting the PodCIDRs and the pools' host routes and use it as the channel's import filter; `kubectl bgpnet router-config --flavor bird` writes it from the cluster. Then `birdc configure`.",
					comment("add to bird.conf:\n"+birdFilter(in)), "birdc configure"))
			}
			out = append(out, f)
		}
	}
	return out
}

// birdFilter is a BIRD filter accepting what the cluster advertises.
func birdFilter(in *Input) string {
	var v4, v6 []string
	for _, p := range clusterPrefixes(in) {
		s := p.pfx.String()
		if p.suffix != "" {
			s += "{" + strings.TrimPrefix(p.suffix, " ge ") + "," + strings.TrimPrefix(p.suffix, " ge ") + "}"
		}
		if p.pfx.Addr().Is6() {
			v6 = append(v6, s)
		} else {
			v4 = append(v4, s)
		}
	}
	var b strings.Builder
	b.WriteString("filter cilium_in {\n")
	if len(v4) > 0 {
		fmt.Fprintf(&b, "  if net.type = NET_IP4 && net ~ [ %s ] then accept;\n", strings.Join(v4, ", "))
	}
	if len(v6) > 0 {
		fmt.Fprintf(&b, "  if net.type = NET_IP6 && net ~ [ %s ] then accept;\n", strings.Join(v6, ", "))
	}
	b.WriteString("  reject;\n}\nthen in the channel of each node: ipv4 { import filter cilium_in; export none; };")
	return b.String()
}

func runPrefixFilter(in *Input) []Finding {
	var out []Finding
	for _, rs := range in.routerSessions() {
		n := rs.neighbor
		if n == nil || !n.Established || n.PolicyBlocked {
			continue
		}
		a, ok := in.Agent(rs.node)
		if !ok || a.Status != model.StatusOK {
			continue
		}
		held := map[netip.Prefix]bool{}
		for _, r := range rs.router.Routes {
			if r.From == n.Address {
				held[r.Prefix.Masked()] = true
			}
		}
		var missing []string
		advertised := 0
		for _, r := range a.Routes {
			if r.Peer != "" && r.Peer != rs.peer.PeerAddress || r.Prefix.Addr().Is4() != rs.nodeAddr.Is4() {
				continue
			}
			if !in.advertisable(r.Prefix) {
				continue // not the cluster's to advertise: the router is right to drop it
			}
			advertised++
			if !held[r.Prefix.Masked()] {
				missing = append(missing, r.Prefix.String())
			}
		}
		limitHit := n.MaxPrefix > 0 && int64(advertised) >= n.MaxPrefix*9/10
		if (len(missing) == 0 || len(missing) == advertised) && !limitHit {
			continue // all accepted, or nothing at all (the import-policy checks say why)
		}
		sort.Strings(missing)
		f := Finding{
			Subject: peerRef(rs.node, rs.inst.Name, rs.peer.Name),
			Message: fmt.Sprintf("router %s holds %d of the %d prefixes node %s advertises to it", rs.router.Name, advertised-len(missing), advertised, rs.node),
			Evidence: []Evidence{ev(model.SourceAgentRoutes, ref(nodeRef(rs.node)), "cilium-dbg bgp routes advertised", fmt.Sprintf("%d prefixes", advertised), ""),
				ev(model.SourceRouters, ref(routerRef(rs.router.Name)), "BGP table paths from "+n.Address, fmt.Sprintf("%d prefixes", advertised-len(missing)), fmt.Sprintf("%d", advertised))},
		}
		if len(missing) > 0 {
			f.Details = append(f.Details, "not accepted: "+strings.Join(missing, ", "))
			if n.ImportFilter != "" {
				f.Details = append(f.Details, "import policy on the router: "+n.ImportFilter+" — a prefix list with `le 24` drops the /32 VIPs; accept the pools with `ge 32`")
			}
		}
		if n.MaxPrefix > 0 {
			f.Details = append(f.Details, fmt.Sprintf("maximum-prefix %d on the router for this neighbor", n.MaxPrefix))
		}
		f.Fixes = []fix.Proposal{routerCommand(fix.RiskMedium, "Accept the cluster's prefixes on the router",
			"Replace the neighbor's inbound prefix list with one that accepts the PodCIDRs and the pools' host routes (and raise maximum-prefix above the pools' size); `kubectl bgpnet router-config` writes it.",
			routeMapCommands(in, rs.router, []string{n.Address})...)}
		out = append(out, f)
	}
	return out
}

func runRIBNotInFIB(in *Input) []Finding {
	var out []Finding
	for i := range in.S.Routers {
		r := &in.S.Routers[i]
		fib := map[netip.Prefix]bool{}
		for _, f := range r.FIB {
			fib[f.Prefix.Masked()] = true
		}
		var missing []string
		seen := map[netip.Prefix]bool{}
		for _, rt := range r.Routes {
			p := rt.Prefix.Masked()
			if rt.Best && rt.Valid && !fib[p] && !seen[p] {
				seen[p] = true
				missing = append(missing, p.String())
			}
		}
		if len(missing) == 0 {
			continue
		}
		sort.Strings(missing)
		out = append(out, Finding{
			Subject:  routerRef(r.Name),
			Message:  fmt.Sprintf("router %s selected %d BGP %s it does not forward along", r.Name, len(missing), plural(len(missing), "route", "routes")),
			Details:  []string{"best in BGP, absent from the FIB: " + strings.Join(missing, ", ")},
			Evidence: []Evidence{ev(model.SourceRouters, ref(routerRef(r.Name)), "FIB (protocol bgp)", fmt.Sprintf("%d routes", len(r.FIB)), "every best path installed")},
		})
	}
	return out
}

func runECMP(in *Input) []Finding {
	var out []Finding
	for i := range in.S.Routers {
		r := &in.S.Routers[i]
		paths := map[netip.Prefix]map[string]bool{}
		for _, rt := range r.Routes {
			if !rt.Valid {
				continue
			}
			p := rt.Prefix.Masked()
			if paths[p] == nil {
				paths[p] = map[string]bool{}
			}
			paths[p][cmp.Or(rt.NextHop, rt.From)] = true
		}
		installed := map[netip.Prefix]int{}
		for _, f := range r.FIB {
			installed[f.Prefix.Masked()] = len(f.NextHops)
		}
		var short []string
		for p, nh := range paths {
			if got, ok := installed[p]; ok && len(nh) > 1 && got < len(nh) {
				short = append(short, fmt.Sprintf("%s: %d paths, %d installed", p, len(nh), got))
			}
		}
		if len(short) == 0 {
			continue
		}
		sort.Strings(short)
		f := Finding{
			Subject:  routerRef(r.Name),
			Message:  fmt.Sprintf("router %s installs fewer next hops than it has paths for %d %s: traffic to those VIPs does not spread over the nodes", r.Name, len(short), plural(len(short), "prefix", "prefixes")),
			Details:  short,
			Evidence: []Evidence{ev(model.SourceRouters, ref(routerRef(r.Name)), "FIB next hops per prefix", short[0], "one per path")},
		}
		if r.ECMP > 0 {
			f.Evidence = append(f.Evidence, ev(model.SourceRouters, ref(routerRef(r.Name)), "maximum-paths", fmt.Sprint(r.ECMP), "at least the number of nodes advertising a VIP"))
		}
		if r.Kind == "bird" {
			f.Fixes = []fix.Proposal{routerCommand(fix.RiskLow, "Merge paths into the kernel (BIRD)", "In the kernel protocol's channel: `merge paths on;` then reconfigure.", "birdc configure")}
		} else {
			f.Fixes = []fix.Proposal{routerCommand(fix.RiskLow, "Enable multipath (FRR)", "Install up to 16 equal paths; add `bgp bestpath as-path multipath-relax` when the nodes use different ASNs.",
				vtysh("configure terminal", fmt.Sprintf("router bgp %d", r.ASN), "address-family ipv4 unicast", "maximum-paths 16"))}
		}
		out = append(out, f)
	}
	return out
}

func runRouterBFD(in *Input) []Finding {
	var out []Finding
	for _, rs := range in.routerSessions() {
		if rs.neighbor == nil || !rs.neighbor.BFD {
			continue
		}
		out = append(out, Finding{
			Subject:  peerRef(rs.node, rs.inst.Name, rs.peer.Name),
			Message:  fmt.Sprintf("router %s runs BFD with %s (node %s); the session depends on BFD packets the node may not send", rs.router.Name, rs.nodeAddr, rs.node),
			Evidence: []Evidence{ev(model.SourceRouters, ref(routerRef(rs.router.Name)), "neighbor "+rs.neighbor.Address+" bfd", "configured", "not configured, or BFD on the Cilium side")},
			Fixes: []fix.Proposal{routerCommand(fix.RiskMedium, "Remove BFD from the neighbor (FRR)", "Or keep it and enable BFD for this peer in Cilium (1.19+).",
				vtysh("configure terminal", fmt.Sprintf("router bgp %d", rs.router.ASN), "no neighbor "+rs.nodeAddr.String()+" bfd"))},
		})
	}
	return out
}
