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

func liveChecks() []Check {
	return []Check{
		{
			ID: "cilium-does-not-install-learned-routes", Title: "Routes learned over BGP are not used by Cilium", Severity: Info, Layer: LayerSessions,
			Also:  []SeverityCase{{Warning, "routes are received with native routing and autoDirectNodeRoutes off (the pods' return path may rely on them)"}},
			Needs: []string{model.SourceCiliumConfig, model.SourceNodes}, Uses: []string{model.SourceNodeConfigs}, Optional: []string{model.SourceAgents}, Versions: "all (inbound rejected 1.16+)",
			Detects: "sessions that receive routes, while native routing relies on the router for pod traffic between nodes",
			Fixes:   "route PodCIDRs through the router (nodes default-route to it), autoDirectNodeRoutes on one L2, or tunnel mode",
			Explain: `"BGP Control Plane does not program the datapath, do not use it to establish reachability within
the cluster" (Cilium docs). Since 1.16 an import policy rejects every received path (PR #33035):
whatever the router sends is counted as received and then ignored. With native routing and no
autoDirectNodeRoutes, pods on different nodes only reach each other if the nodes' default route
(the router) routes the PodCIDRs.
References: https://github.com/cilium/cilium/issues/26146 ; https://github.com/cilium/cilium/issues/31283 ; https://github.com/cilium/cilium/pull/33035`,
			Run: runLearnedRoutes,
		},
		{
			ID: "advertisement-mismatch", Title: "A node does not advertise what its configuration says", Severity: Warning, Layer: LayerAdverts,
			Needs: []string{model.SourceAgentRoutes, model.SourceNodes, model.SourceServices, model.SourceEndpointSlices},
			Uses:  []string{model.SourceClusterConfigs, model.SourcePeerConfigs, model.SourceAdvertisements, model.SourceNodeConfigs}, Versions: "1.16+ (BGPv2)",
			Detects: "prefixes (PodCIDRs, Service VIPs) the advertisements in use select for a node and peer but the agent does not advertise, and the reverse",
			Fixes:   "depends: restart of the agent, a family not negotiated, eTP Local without endpoint, an agent bug",
			Explain: `bgpnet computes, from the ClusterConfig, PeerConfig families, Advertisements and Services, what
each node should advertise to each peer (PodCIDRs of the node, VIPs of the selected Services —
with externalTrafficPolicy Local only from nodes with a ready endpoint) and compares it with what
the agent reports it advertises (cilium-dbg bgp routes advertised). A difference points at the
agent (reconcile errors, bugs such as cilium#44803), at a family that was not negotiated, or at a
selection bgpnet does not know about.
References: https://github.com/cilium/cilium/issues/44803 ; https://github.com/cilium/cilium/issues/45276`,
			Run: runAdvertMismatch,
		},
		{
			ID: "address-family-not-negotiated", Title: "A configured address family was not negotiated with the peer", Severity: Warning, Layer: LayerSessions,
			NeedsAny: []string{model.SourceAgents, model.SourceRouters}, Uses: []string{model.SourceClusterConfigs, model.SourcePeerConfigs}, Versions: "all",
			Detects: "established sessions whose peer did not announce (agent's view) or negotiate (router's view) a family Cilium is configured to carry",
			Fixes:   "activate the family for the neighbor on the router (FRR: address-family ipv6 unicast / neighbor X activate)",
			Explain: `Cilium offers the multiprotocol capability for each family of the PeerConfig (default IPv4 and
IPv6 unicast). If the router does not activate a family for this neighbor, the session still comes
up with the common families only, and everything of the other family is silently not exchanged.
The agent's view of the session lists the capabilities the peer announced.
References: docs bgp-control-plane-v2.rst (Address Families) ; FRR docs (Capability Negotiation) ; https://github.com/cilium/cilium/issues/35121`,
			Run: runFamilyNotNegotiated,
		},
		{
			ID: "etp-local-advertised-without-endpoint", Title: "A node advertises an externalTrafficPolicy Local VIP it has no backend for", Severity: Warning, Layer: LayerAdverts,
			Needs: []string{model.SourceAgentRoutes, model.SourceServices, model.SourceEndpointSlices}, Versions: "1.14+ (bugs 1.17–1.19)",
			Detects: "agents advertising the VIP of an eTP=Local Service from a node without a ready local endpoint",
			Fixes:   "upgrade past the fix of cilium#44803; meanwhile externalTrafficPolicy Cluster",
			Explain: `With externalTrafficPolicy Local a VIP must only be advertised by nodes with a ready local
endpoint: any other node receives the traffic and drops it. Some 1.17–1.19 releases advertised from
every node, or re-advertised before the new endpoint was ready (cilium#44803, #45276).
References: https://github.com/cilium/cilium/issues/44803 ; https://github.com/cilium/cilium/issues/45276`,
			Run: runETPLocalAdvertised,
		},
	}
}

func runLearnedRoutes(in *Input) []Finding {
	s := in.S
	type rx struct {
		node, peer, source string
		n                  int64
	}
	var got []rx
	for _, v := range in.Views() {
		for _, inst := range v.Instances {
			for _, p := range inst.Peers {
				if p.Status == nil {
					continue
				}
				var n int64
				for _, rc := range p.Status.RouteCount {
					n += int64(rc.Received)
				}
				if n > 0 {
					got = append(got, rx{v.Node, p.Name, model.SourceNodeConfigs, n})
				}
			}
		}
	}
	for _, a := range s.Agents {
		if _, ok := in.statusPeers()[a.Node]; ok {
			continue // the NodeConfig status already counted this node
		}
		for _, p := range a.Peers {
			var n int64
			for _, f := range p.Families {
				n += f.Received
			}
			if n > 0 {
				got = append(got, rx{a.Node, cmp.Or(p.Name, "-") + " " + p.PeerAddress, model.SourceAgents, n})
			}
		}
	}
	if len(got) == 0 {
		return nil
	}
	c := s.Cilium.Config
	var lines []string
	for _, g := range got {
		lines = append(lines, fmt.Sprintf("node %s, peer %s: %d routes received", g.node, g.peer, g.n))
	}
	f := Finding{
		Subject:  clusterRef("bgp-control-plane"),
		Message:  fmt.Sprintf("%d %s receive routes from their peers; Cilium does not install them (it only advertises)", len(got), plural(len(got), "session", "sessions")),
		Details:  lines,
		Evidence: []Evidence{ev(model.SourceNodeConfigs, nil, "status…routeCount[].received", fmt.Sprint(got[0].n), "0, or a design that does not need them")},
	}
	if got[0].source == model.SourceAgents {
		f.Evidence[0] = ev(model.SourceAgents, ref(nodeRef(got[0].node)), "cilium-dbg bgp peers: families[].received", fmt.Sprint(got[0].n), "0, or a design that does not need them")
	}
	if c.NativeRouting() && !model.Bool(c.AutoDirectNodeRoutes, false) {
		f.Severity = Warning
		f.Message += "; with native routing and no autoDirectNodeRoutes, pod traffic between nodes depends on the router routing the PodCIDRs"
		f.Evidence = append(f.Evidence, cfgEv(s, "routing-mode", ""), cfgEv(s, "auto-direct-node-routes", ""))
	}
	return []Finding{f}
}

// statusPeers lists the nodes that have session state in NodeConfig status.
func (in *Input) statusPeers() map[string]bool {
	out := map[string]bool{}
	for _, v := range in.Views() {
		for _, inst := range v.Instances {
			for _, p := range inst.Peers {
				if p.Status != nil {
					out[v.Node] = true
				}
			}
		}
	}
	return out
}

// expectedPrefixes is what a node should advertise to one peer, by prefix, with why.
func (in *Input) expectedPrefixes(node string, fams []model.EffectiveFamily) map[netip.Prefix]string {
	out := map[netip.Prefix]string{}
	n, ok := in.Node(node)
	if !ok {
		return out
	}
	advs := map[string]*model.Advertisement{}
	for i := range in.S.BGP.Advertisements {
		advs[in.S.BGP.Advertisements[i].Name] = &in.S.BGP.Advertisements[i]
	}
	for _, fam := range fams {
		v4 := fam.AFI == "ipv4"
		for _, ref := range fam.Advertisements {
			adv := advs[ref.Name]
			if adv == nil {
				continue
			}
			for _, e := range adv.Advertisements {
				switch e.Type {
				case "PodCIDR":
					for _, p := range n.AllPodCIDRs() {
						if p.Addr().Is4() == v4 {
							out[p.Masked()] = "PodCIDR of " + node + " (advertisement " + adv.Name + ")"
						}
					}
				case "Service":
					in.expectedVIPs(out, adv.Name, e, node, v4)
				}
			}
		}
	}
	return out
}

func (in *Input) expectedVIPs(out map[netip.Prefix]string, adv string, e model.AdvertisementEntry, node string, v4 bool) {
	if e.Service == nil {
		return
	}
	for i := range in.S.Services {
		svc := &in.S.Services[i]
		if ok, _ := in.Selects(e.Selector, in.ServiceLabels(svc), model.NilMatchesNothing); !ok {
			continue
		}
		if svc.ExternalTrafficPolicy == "Local" && svc.Endpoints.ReadyByNode[node] == 0 {
			continue // withdrawn from nodes without a ready local endpoint
		}
		var ips []string
		for _, a := range e.Service.Addresses {
			switch a {
			case "LoadBalancerIP":
				if ciliumClass(svc.LoadBalancerClass) {
					for _, ing := range svc.Ingress {
						ips = append(ips, ing.IP)
					}
				}
			case "ExternalIP":
				ips = append(ips, svc.ExternalIPs...)
			case "ClusterIP":
				ips = append(ips, svc.ClusterIPs...)
			}
		}
		for _, ip := range ips {
			if a, err := netip.ParseAddr(ip); err == nil && a.Is4() == v4 {
				out[netip.PrefixFrom(a, a.BitLen())] = fmt.Sprintf("Service %s/%s (advertisement %s)", svc.Namespace, svc.Name, adv)
			}
		}
	}
}

func runAdvertMismatch(in *Input) []Finding {
	var out []Finding
	for _, v := range in.Views() {
		a, ok := in.Agent(v.Node)
		if !ok || a.Status != model.StatusOK {
			continue
		}
		for _, inst := range v.Instances {
			for _, p := range inst.Peers {
				if !established(p, a) {
					continue // session-not-established covers it
				}
				want := in.expectedPrefixes(v.Node, p.Families)
				have := map[netip.Prefix]bool{}
				for _, r := range a.Routes {
					if r.Peer == "" || r.Peer == p.PeerAddress {
						have[r.Prefix.Masked()] = true
					}
				}
				var missing []string
				for pfx, why := range want {
					if !have[pfx] {
						missing = append(missing, pfx.String()+" — "+why)
					}
				}
				var extra []string
				for pfx := range have {
					if _, ok := want[pfx]; !ok {
						extra = append(extra, pfx.String())
					}
				}
				if len(missing) == 0 {
					continue
				}
				sort.Strings(missing)
				sort.Strings(extra)
				f := Finding{
					Subject: peerRef(v.Node, inst.Name, p.Name),
					Message: fmt.Sprintf("node %s should advertise %d %s to %s that it does not", v.Node, len(missing), plural(len(missing), "prefix", "prefixes"), peerAddr(p)),
					Details: missing,
					Evidence: []Evidence{ev(model.SourceAgentRoutes, ref(nodeRef(v.Node)), "cilium-dbg bgp routes advertised",
						fmt.Sprintf("%d prefixes advertised to %s", len(have), peerAddr(p)), fmt.Sprintf("%d expected", len(want)))},
					Fixes: []fix.Proposal{fixCommand(fix.RiskMedium, "Look at the agent's view, then restart it if it is stuck",
						"Compare the agent's route policies with the advertisements; a restart of the agent on that node re-reconciles (sessions reset; graceful restart keeps routes on the router if enabled).",
						kubectl("-n", ciliumNS(in.S), "exec", cmp.Or(a.Pod, "-"), "-c", "cilium-agent", "--", "cilium-dbg", "bgp", "route-policies"),
						kubectl("-n", ciliumNS(in.S), "delete", "pod", cmp.Or(a.Pod, "-")))},
				}
				if len(extra) > 0 {
					f.Details = append(f.Details, "advertised but not expected: "+strings.Join(extra, ", "))
				}
				out = append(out, f)
			}
		}
	}
	return out
}

// established reports whether a session is up, by the NodeConfig status or the agent.
func established(p model.EffectivePeer, a *model.AgentNode) bool {
	if p.Status != nil {
		return strings.EqualFold(p.Status.PeeringState, "established")
	}
	for _, ap := range a.Peers {
		if ap.PeerAddress == p.PeerAddress || ap.Name != "" && ap.Name == p.Name {
			return strings.EqualFold(ap.State, "established")
		}
	}
	return false
}

func runFamilyNotNegotiated(in *Input) []Finding {
	var out []Finding
	fromAgent := map[string]bool{} // node|peer address already judged by its agent
	for _, a := range in.S.Agents {
		if a.Status != model.StatusOK {
			continue
		}
		v := in.View(a.Node)
		for _, ap := range a.Peers {
			if !strings.EqualFold(ap.State, "established") || len(ap.RemoteCapabilities) == 0 {
				continue // capabilities are only known for established sessions
			}
			fromAgent[a.Node+"|"+ap.PeerAddress] = true
			configured := configuredFamilies(v, ap)
			var missing []string
			for _, fam := range configured {
				if !slices.Contains(ap.RemoteCapabilities, "multiprotocol "+fam) {
					missing = append(missing, fam)
				}
			}
			if len(missing) == 0 {
				continue
			}
			out = append(out, Finding{
				Subject: peerRef(a.Node, ap.Instance, cmp.Or(ap.Name, "-")),
				Message: fmt.Sprintf("peer %s of node %s did not negotiate %s: nothing of %s is exchanged on this session",
					ap.PeerAddress, a.Node, strings.Join(missing, ", "), plural(len(missing), "that family", "those families")),
				Evidence: []Evidence{ev(model.SourceAgents, ref(nodeRef(a.Node)), "peer remote capabilities", strings.Join(ap.RemoteCapabilities, "; "),
					"multiprotocol "+strings.Join(missing, ", "))},
			})
			if peer, ok := routerAddr(ap.PeerAddress); ok {
				// the router's own address of this session is not known here: the agent's
				// side names the router, so the command stays a template for its AS
				out[len(out)-1].Fixes = []fix.Proposal{routerCommand(fix.RiskMedium, "Activate the family on the router (FRR)",
					"Run on the router, with its AS in place of <router-asn>; the session is renegotiated.",
					vtysh("configure terminal", "router bgp <router-asn>", "address-family "+strings.ReplaceAll(missing[0], "-", " "), "neighbor "+nodeAddrOf(in.S, a.Node, peer)+" activate"))}
			}
		}
	}
	return append(out, routerFamilies(in, fromAgent)...)
}

// configuredFamilies returns the families ("ipv4-unicast") configured for an agent peer.
func configuredFamilies(v *model.NodeBGP, ap model.AgentPeer) []string {
	var out []string
	add := func(afi, safi string) {
		f := afi + "-" + safi
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	if v != nil {
		for _, inst := range v.Instances {
			for _, p := range inst.Peers {
				if p.PeerAddress == ap.PeerAddress || bareAddr(p.PeerAddress) == ap.PeerAddress || p.Name != "" && p.Name == ap.Name {
					for _, f := range p.Families {
						add(f.AFI, f.SAFI)
					}
				}
			}
		}
	}
	if len(out) == 0 {
		for _, f := range ap.Families {
			add(f.AFI, f.SAFI)
		}
	}
	return out
}

func runETPLocalAdvertised(in *Input) []Finding {
	local := map[netip.Addr]*model.Service{}
	facts := in.lbFacts()
	for i, svc := range in.LBServices() {
		if !facts[i].has(factETPLocal | factIngress) {
			continue
		}
		for _, ing := range svc.Ingress {
			if a, err := netip.ParseAddr(ing.IP); err == nil {
				local[a] = svc
			}
		}
	}
	var out []Finding
	for _, a := range in.S.Agents {
		for _, r := range a.Routes {
			if !r.Prefix.IsSingleIP() {
				continue
			}
			svc := local[r.Prefix.Addr()]
			if svc == nil || svc.Endpoints.ReadyByNode[a.Node] > 0 {
				continue
			}
			out = append(out, Finding{
				Subject: svc.Ref(),
				Message: fmt.Sprintf("node %s advertises %s of Service %s/%s (externalTrafficPolicy Local) to %s but has no ready endpoint of it: traffic it attracts is dropped",
					a.Node, r.Prefix, svc.Namespace, svc.Name, cmp.Or(r.Peer, "-")),
				Evidence: []Evidence{ev(model.SourceAgentRoutes, ref(nodeRef(a.Node)), "advertised", r.Prefix.String(), "not advertised"),
					ev(model.SourceEndpointSlices, ref(svc.Ref()), "endpoints[ready].nodeName", orNone(sortedMapKeys(svc.Endpoints.ReadyByNode)), "includes "+a.Node)},
				Fixes: []fix.Proposal{fix.MergePatch(svc.Ref(), svc.ResourceVersion, map[string]any{"spec": map[string]any{"externalTrafficPolicy": "Cluster"}}).
					WithRisk(fix.RiskMedium).With("Use externalTrafficPolicy Cluster until the agent is fixed", "Every node then forwards to any backend; the client source address is no longer preserved.")},
			})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Message < out[j].Message })
	return out
}

// routerFamilies judges, from the router's side, the sessions no agent answered for: the
// families the router negotiated with the node against those Cilium carries.
func routerFamilies(in *Input, judged map[string]bool) []Finding {
	var out []Finding
	for _, rs := range in.routerSessions() {
		n := rs.neighbor
		if n == nil || !n.Established || len(n.Families) == 0 || judged[rs.node+"|"+rs.peer.PeerAddress] {
			continue
		}
		var missing []string
		for _, f := range rs.peer.Families {
			fam := f.AFI + "-" + f.SAFI
			if !slices.Contains(n.Families, fam) && !slices.Contains(missing, fam) {
				missing = append(missing, fam)
			}
		}
		if len(missing) == 0 {
			continue
		}
		out = append(out, Finding{
			Subject: peerRef(rs.node, rs.inst.Name, rs.peer.Name),
			Message: fmt.Sprintf("router %s did not negotiate %s with node %s: nothing of %s is exchanged on this session",
				rs.router.Name, strings.Join(missing, ", "), rs.node, plural(len(missing), "that family", "those families")),
			Evidence: []Evidence{ev(model.SourceRouters, ref(routerRef(rs.router.Name)), "neighbor "+n.Address+" negotiated families", strings.Join(n.Families, ", "), strings.Join(missing, ", "))},
			Fixes: []fix.Proposal{routerCommand(fix.RiskMedium, "Activate the family on the router (FRR)", "Run on the router; the session is renegotiated.",
				vtysh("configure terminal", fmt.Sprintf("router bgp %d", rs.router.ASN), "address-family "+strings.ReplaceAll(missing[0], "-", " "), "neighbor "+rs.nodeAddr.String()+" activate"))},
		})
	}
	return out
}
