// SPDX-License-Identifier: Apache-2.0

package checks

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/fix"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/safe"
)

func datapathChecks() []Check {
	return []Check{
		{
			ID: "native-routing-cidr-masquerade", Title: "Native routing with masquerading but a missing or too narrow native-routing CIDR", Severity: Error, Layer: LayerDatapath,
			Also:  []SeverityCase{{Warning, "only IPv6 lacks its native-routing CIDR, or pod traffic leaves the CIDR (the agent still starts)"}},
			Needs: []string{model.SourceCiliumConfig, model.SourceNodes}, Versions: "all",
			Detects: "routing-mode native + masquerading without ipv4/ipv6-native-routing-cidr, or one that does not cover every PodCIDR",
			Fixes:   "`--set ipv4NativeRoutingCIDR=<the prefix covering all PodCIDRs>` (computed)",
			Explain: `In native routing Cilium masquerades traffic to every destination outside
ipv4-native-routing-cidr (ipv6-native-routing-cidr). Without it and with masquerading on, the
agent refuses to start ("native routing cidr must be configured with option
--ipv4-native-routing-cidr in combination with --enable-ipv4-masquerade …"); with one that does not
cover every node's PodCIDR, pod-to-pod traffic to those nodes is SNATed to the node address.
Only one CIDR per family is allowed; use ip-masq-agent for more.
References: https://github.com/cilium/cilium/issues/24000 ; https://github.com/cilium/cilium/issues/10939`,
			Run: runNativeRoutingCIDR,
		},
		{
			ID: "no-return-route-without-masquerade", Title: "Masquerading is off but nothing routes the PodCIDRs back", Severity: Warning, Layer: LayerDatapath,
			Needs: []string{model.SourceCiliumConfig, model.SourceNodes}, Uses: []string{model.SourceAdvertisements, model.SourcePeerConfigs, model.SourceClusterConfigs, model.SourcePeeringPolicies},
			Versions: "all",
			Detects:  "a family with masquerading off whose PodCIDRs no BGP advertisement in use announces",
			Fixes:    "advertise the PodCIDRs (and accept them on the router), or turn masquerading on for that family",
			Explain: `With masquerading disabled, pods reach the LAN and the internet with their own addresses. Replies
only come back if the upstream router has a route to the PodCIDRs — normally learnt over BGP from
a PodCIDR advertisement. Without it pods can send but never receive (cilium#44919: IPv6
single-stack native routing + BGP, no internet).
References: https://github.com/cilium/cilium/issues/44919 ; docs masquerading`,
			Run: runNoReturnRoute,
		},
		{
			ID: "mtu-overhead-dsr-tunnel-pmtu", Title: "DSR or tunnelling makes packets larger than the links carry", Severity: Warning, Layer: LayerDatapath,
			Needs: []string{model.SourceCiliumConfig}, Uses: []string{model.SourceServices}, Versions: "all",
			Detects: "DSR with IP-option dispatch and UDP Services, DSR with IPIP/Geneve dispatch, tunnel overhead, against the configured MTU",
			Fixes:   "the MTU/MSS to set and where: jumbo frames between nodes, MSS clamping for the VIPs, or hybrid LB mode for UDP",
			Explain: `DSR carries the client address to the backend node. IP-option dispatch adds an 8-byte IPv4 option
or a 24-byte IPv6 destination option — to the SYN only for TCP, to every UDP datagram; IPIP
dispatch adds a 20-byte (IPv6: 48) outer header and Geneve 50 (IPv6: 70) plus a 12-byte DSR option
to every packet. A client sending full 1500-byte packets then produces 1508–1562-byte packets on a
1500-byte link: they are dropped, and unless ICMP "fragmentation needed"/"packet too big" gets
back to the client, large requests and UDP hang while small ones work. Tunnel routing costs
50/70 bytes, which Cilium subtracts from the pod MTU automatically; traffic from outside does not
know about it. An MTU change needs the pods recreated (1.16+).
References: https://github.com/cilium/cilium/issues/32601 ; https://github.com/cilium/cilium/issues/39690 ; https://github.com/cilium/cilium/issues/35489`,
			Run: runMTU,
		},
		{
			ID: "ipv6-pods-on-lan-need-ndp", Title: "IPv6 pod addresses on the LAN's on-link prefix without NDP", Severity: Error, Layer: LayerDatapath,
			Needs: []string{model.SourceCiliumConfig, model.SourceNodes}, Versions: "≈1.9+ (enable-ipv6-ndp)",
			Detects: "IPv6 PodCIDRs inside a node's own /64 while enable-ipv6-ndp is not true",
			Fixes:   "a separate routed pod prefix advertised over BGP (preferred), or enable-ipv6-ndp with ipv6-mcast-device",
			Explain: `When pods get addresses from the same /64 as the nodes (typical with a single ISP-delegated
/64), the router treats them as on-link and sends neighbor solicitations instead of routing to a
node. Cilium answers those only with enable-ipv6-ndp: "true" (it joins the solicited-node
multicast group of every pod address on ipv6-mcast-device, PR #12193); otherwise pods are
unreachable from the LAN. Better: give pods a separate prefix and advertise it.
References: https://github.com/cilium/cilium/issues/10935 ; https://github.com/cilium/cilium/pull/12193 ; https://github.com/cilium/cilium/pull/16692`,
			Run: runIPv6PodsOnLAN,
		},
		{
			ID: "icmp-or-unknown-port-to-lb-vip", Title: "Ping to a VIP fails while its ports work (expected)", Severity: Info, Layer: LayerDatapath,
			Needs: []string{model.SourceServices}, Uses: []string{model.SourceDaemonSets}, Versions: "all (loop ≤1.18; drop 1.19+)",
			Detects: "LoadBalancer VIPs, listing the ports that do answer",
			Fixes:   "test VIPs with TCP/UDP to their ports, not ping",
			Explain: `Cilium's load balancer matches (VIP, protocol, port) of a Service. ICMP echo and ports the Service
does not expose match nothing: up to 1.18 such packets were routed back out to the router, which
sent them to the node again until the TTL ran out ("Time to live exceeded"); since 1.19
(PR #40684) they are dropped (Hubble SERVICE_BACKEND_NOT_FOUND). Either way ping to a VIP never
gets an answer while the Service's ports work. This is by design (cilium#739); an opt-in ICMP
reply is proposed (PR #47130).
References: https://github.com/cilium/cilium/issues/14118 ; https://github.com/cilium/cilium/issues/28458 ; https://github.com/cilium/cilium/pull/40684`,
			Run: runICMPToVIP,
		},
		{
			ID: "auto-direct-node-routes-across-l3", Title: "autoDirectNodeRoutes with nodes in different subnets", Severity: Warning, Layer: LayerDatapath,
			Needs: []string{model.SourceCiliumConfig, model.SourceNodes}, Versions: "all",
			Detects: "auto-direct-node-routes true while node addresses are in several subnets (assumed /24 and /64)",
			Fixes:   "`--set directRoutingSkipUnreachable=true`, or route PodCIDRs through the fabric (BGP)",
			Explain: `autoDirectNodeRoutes installs a route to every other node's PodCIDR via that node's address,
which only works when all nodes share an L2 segment. For a node behind a router the agent logs
"route to destination … contains gateway …, must be directly reachable" and in some versions
exits; pod traffic across subnets breaks. The nodes' prefix lengths are not in the API: bgpnet
assumes /24 and /64.
References: https://github.com/cilium/cilium/issues/7853 ; https://github.com/cilium/cilium/issues/31124 ; https://github.com/cilium/cilium/issues/26588`,
			Run: runAutoDirectRoutes,
		},
	}
}

// nodeCIDR is one PodCIDR and its node.
type nodeCIDR struct {
	node   string
	prefix netip.Prefix
}

// podCIDRs returns every PodCIDR of the family (Node and CiliumNode), in node order.
func podCIDRs(s *model.Snapshot, v4 bool) []nodeCIDR {
	var out []nodeCIDR
	for i := range s.Nodes {
		n := &s.Nodes[i]
		for _, p := range n.AllPodCIDRs() {
			if p.Addr().Is4() == v4 {
				out = append(out, nodeCIDR{n.Name, p})
			}
		}
	}
	return out
}

// covering returns the smallest prefix containing all of ps.
func covering(ps []netip.Prefix) (netip.Prefix, bool) {
	if len(ps) == 0 {
		return netip.Prefix{}, false
	}
	bits := ps[0].Bits()
	for _, p := range ps {
		bits = min(bits, p.Bits())
	}
	for ; bits >= 0; bits-- {
		c, err := ps[0].Addr().Prefix(bits)
		if err != nil {
			return netip.Prefix{}, false
		}
		if !slices.ContainsFunc(ps, func(p netip.Prefix) bool { return !c.Contains(p.Addr()) || p.Bits() < bits }) {
			return c, true
		}
	}
	return netip.Prefix{}, false
}

func runNativeRoutingCIDR(in *Input) []Finding {
	s := in.S
	c := s.Cilium.Config
	if !c.NativeRouting() || model.Bool(c.EnableIPMasqAgent, false) {
		return nil
	}
	var out []Finding
	for _, fam := range []struct {
		name, enableKey, masqKey, cidrKey, helm string
		enabled, masq                           bool
		cidr                                    *netip.Prefix
		v4                                      bool
	}{
		{"IPv4", "enable-ipv4", "enable-ipv4-masquerade", "ipv4-native-routing-cidr", "ipv4NativeRoutingCIDR",
			model.Bool(c.EnableIPv4, true), model.Bool(c.EnableIPv4Masquerade, true), c.IPv4NativeRoutingCIDR, true},
		{"IPv6", "enable-ipv6", "enable-ipv6-masquerade", "ipv6-native-routing-cidr", "ipv6NativeRoutingCIDR",
			model.Bool(c.EnableIPv6, false), model.Bool(c.EnableIPv6Masquerade, true), c.IPv6NativeRoutingCIDR, false},
	} {
		if !fam.enabled || !fam.masq {
			continue
		}
		pods := podCIDRs(s, fam.v4)
		all := make([]netip.Prefix, 0, len(pods))
		for _, p := range pods {
			all = append(all, p.prefix)
		}
		pool := c.ClusterPoolIPv4
		if !fam.v4 {
			pool = c.ClusterPoolIPv6
		}
		all = append(all, pool...)
		want, ok := covering(all)
		evs := []Evidence{cfgEv(s, "routing-mode", `"native"`), cfgEv(s, fam.masqKey, ""), cfgEv(s, fam.cidrKey, "a prefix covering every PodCIDR")}
		var fixes []fix.Proposal
		if ok {
			fixes = []fix.Proposal{fix.Helm(ciliumNS(s), true, fix.HelmValue{Path: fam.helm, Value: want.String()}).
				With("Set the "+fam.name+" native-routing CIDR to "+want.String(), "The smallest prefix covering all "+fam.name+" PodCIDRs; include the LAN as well if pods should reach it without SNAT.")}
		}
		switch {
		case fam.cidr == nil:
			f := Finding{Subject: clusterRef("masquerading"), Evidence: evs, Fixes: fixes,
				Message: fmt.Sprintf("native routing with %s masquerading but no %s: ", fam.name, fam.cidrKey)}
			if fam.v4 {
				f.Message += "the agent refuses to start (\"native routing cidr must be configured with option --ipv4-native-routing-cidr\")"
			} else {
				f.Severity = Warning
				f.Message += "pod-to-pod IPv6 traffic may be masqueraded"
			}
			out = append(out, f)
		default:
			var outside []string
			for _, p := range pods {
				if !fam.cidr.Contains(p.prefix.Addr()) || p.prefix.Bits() < fam.cidr.Bits() {
					outside = append(outside, fmt.Sprintf("%s (%s)", p.prefix, p.node))
				}
			}
			if len(outside) == 0 {
				continue
			}
			out = append(out, Finding{Severity: Warning, Subject: clusterRef("masquerading"), Evidence: evs, Fixes: fixes,
				Message: fmt.Sprintf("%s %s does not cover the PodCIDRs %s: pod-to-pod traffic to those nodes is masqueraded to the node address",
					fam.cidrKey, fam.cidr, listSome(outside, maxListed))})
		}
	}
	return out
}

// podCIDRAdvertised reports whether some peer in use advertises PodCIDRs in afi.
func (in *Input) podCIDRAdvertised(afi string) bool {
	podAdv := map[string]bool{}
	for _, adv := range in.S.BGP.Advertisements {
		for _, e := range adv.Advertisements {
			if e.Type == "PodCIDR" {
				podAdv[adv.Name] = true
			}
		}
	}
	for _, v := range in.Views() {
		for _, inst := range v.Instances {
			for _, p := range inst.Peers {
				for _, f := range p.Families {
					if f.AFI != afi {
						continue
					}
					for _, a := range f.Advertisements {
						if podAdv[a.Name] {
							return true
						}
					}
				}
			}
		}
	}
	for _, pp := range in.S.BGP.PeeringPolicies {
		for _, vr := range pp.VirtualRouters {
			if vr.ExportPodCIDR != nil && *vr.ExportPodCIDR {
				return true // v1 advertises PodCIDRs on every negotiated family
			}
		}
	}
	return false
}

func runNoReturnRoute(in *Input) []Finding {
	s := in.S
	c := s.Cilium.Config
	var out []Finding
	for _, fam := range []struct {
		afi, name, key, helm string
		enabled, masq, v4    bool
	}{
		{"ipv4", "IPv4", "enable-ipv4-masquerade", "enableIPv4Masquerade", model.Bool(c.EnableIPv4, true), model.Bool(c.EnableIPv4Masquerade, true), true},
		{"ipv6", "IPv6", "enable-ipv6-masquerade", "enableIPv6Masquerade", model.Bool(c.EnableIPv6, false), model.Bool(c.EnableIPv6Masquerade, true), false},
	} {
		if !fam.enabled || fam.masq {
			continue
		}
		pods := podCIDRs(s, fam.v4)
		if len(pods) == 0 || in.podCIDRAdvertised(fam.afi) {
			continue
		}
		cidrs := make([]string, 0, min(len(pods), maxListed))
		for _, p := range pods[:min(len(pods), maxListed)] {
			cidrs = append(cidrs, p.prefix.String())
		}
		if len(pods) > maxListed {
			cidrs = append(cidrs, fmt.Sprintf("… (%d in all)", len(pods)))
		}
		f := Finding{
			Subject: clusterRef("masquerading"),
			Message: fmt.Sprintf("%s masquerading is off and no BGP advertisement in use announces the %s PodCIDRs (%s): pods send with their own addresses and the replies have no route back",
				fam.name, fam.name, strings.Join(cidrs, ", ")),
			Evidence: []Evidence{cfgEv(s, fam.key, `"true", or PodCIDRs advertised`),
				ev(model.SourceAdvertisements, nil, "advertisementType PodCIDR", "not selected by any "+fam.afi+" PeerConfig family in use", "selected")},
		}
		// an existing PodCIDR advertisement that no family selects only needs its labels
		for _, adv := range s.BGP.Advertisements {
			if !slices.ContainsFunc(adv.Advertisements, func(e model.AdvertisementEntry) bool { return e.Type == "PodCIDR" }) {
				continue
			}
			for _, pc := range s.BGP.PeerConfigs {
				for _, pf := range pc.Families {
					if pf.AFI == fam.afi {
						if p, ok := labelToMatch(adv.ObjectMeta, pf.Advertisements); ok {
							f.Fixes = append(f.Fixes, p.With(p.Title, "Makes PeerConfig "+pc.Name+" advertise the PodCIDRs of "+adv.Name+"; the router must accept them (see the router checks)."))
						}
					}
				}
			}
		}
		f.Fixes = append(f.Fixes, fix.Helm(ciliumNS(s), true, fix.HelmValue{Path: fam.helm, Value: true}).
			With("Or masquerade "+fam.name+" to the node address", "Pods then reach outside with the node's address; no route back to the PodCIDRs is needed."))
		out = append(out, f)
	}
	return out
}

// dsrOverhead returns the bytes DSR dispatch adds to a packet, per family.
func dsrOverhead(dispatch string) (v4, v6 int, everyTCPPacket bool) {
	switch dispatch {
	case "ipip":
		return 20, 48, true
	case "geneve":
		return 50 + 12, 70 + 12, true
	}
	return 8, 24, false // "opt" (default): IPv4 option / IPv6 destination option
}

func runMTU(in *Input) []Finding {
	s := in.S
	c := s.Cilium.Config
	mode := strings.ToLower(c.BPFLBMode)
	if mode != "dsr" && mode != "hybrid" {
		return nil
	}
	dispatch := strings.ToLower(c.BPFLBDSRDispatch)
	if dispatch == "" {
		dispatch = "opt"
	}
	mtu, mtuKnown := 1500, false
	if c.MTU != nil && *c.MTU > 0 {
		mtu, mtuKnown = *c.MTU, true
	}
	o4, o6, everyTCP := dsrOverhead(dispatch)
	v6 := model.Bool(c.EnableIPv6, false)
	var udp []string
	if mode == "dsr" {
		facts := in.lbFacts()
		for i, svc := range in.LBServices() {
			if !facts[i].has(factIngress) {
				continue
			}
			for _, p := range svc.Ports {
				if p.Protocol == "UDP" && len(svc.Ingress) > 0 {
					udp = append(udp, fmt.Sprintf("%s/%s UDP/%d", svc.Namespace, svc.Name, p.Port))
				}
			}
		}
	}
	if !everyTCP && len(udp) == 0 {
		return nil // opt dispatch touches only TCP SYNs, and no UDP Service is DSR'd
	}
	worst := o4
	if v6 {
		worst = o6
	}
	if mtu >= 1500+worst {
		return nil // jumbo frames between the nodes carry the overhead
	}
	mtuNote := fmt.Sprintf("the node links carry %d bytes", mtu)
	if !mtuKnown {
		mtuNote = "the node links presumably carry 1500 bytes (mtu is unset: Cilium uses the device MTU)"
	}
	mss4, mss6 := 1500-o4-40, 1500-o6-60
	f := Finding{
		Subject:  clusterRef("load-balancer"),
		Evidence: []Evidence{cfgEv(s, "bpf-lb-mode", ""), cfgEv(s, "bpf-lb-dsr-dispatch", ""), cfgEv(s, "mtu", fmt.Sprintf("≥ %d on the node-to-node path", 1500+worst))},
		Details: []string{
			fmt.Sprintf("overhead of %s dispatch: %d bytes for IPv4%s", dispatch, o4, map[bool]string{true: fmt.Sprintf(", %d for IPv6", o6), false: ""}[v6]),
			fmt.Sprintf("either carry it: an MTU of at least %d on every node NIC and switch port between nodes (jumbo frames), keeping 1500 towards clients", 1500+worst),
			fmt.Sprintf("or make clients send less: clamp TCP MSS for traffic to the VIPs to %d (IPv4)%s on the router, and let ICMP type 3 code 4 / ICMPv6 type 2 reach the clients",
				mss4, map[bool]string{true: fmt.Sprintf(" and %d (IPv6)", mss6), false: ""}[v6]),
		},
	}
	if everyTCP {
		f.Message = fmt.Sprintf("DSR with %s dispatch adds %d bytes to every packet forwarded to another node and %s: full-size packets from clients are dropped, so large requests hang while small ones work",
			dispatch, worst, mtuNote)
	} else {
		f.Message = fmt.Sprintf("DSR with IP-option dispatch adds %d bytes to every UDP datagram forwarded to another node and %s: full-size UDP from clients is dropped (%s)",
			worst, mtuNote, strings.Join(udp, ", "))
		f.Details = append(f.Details, "or send UDP through SNAT: loadBalancer.mode=hybrid keeps DSR for TCP only")
		f.Fixes = append(f.Fixes, fix.Helm(ciliumNS(s), true, fix.HelmValue{Path: "loadBalancer.mode", Value: "hybrid"}).
			With("Use hybrid mode: DSR for TCP, SNAT for UDP", "UDP backends then see the node address instead of the client address."))
	}
	if everyTCP {
		// an MSS clamp only ever helps TCP: not offered when only UDP is at stake
		f.Fixes = append(f.Fixes, routerCommand(fix.RiskMedium, "Clamp the MSS of VIP traffic on the router",
			"For a Linux router in front of the nodes: one rule per pool block of each family. Only helps TCP.",
			mssClamp(s, v6, mss4, mss6)...))
	}
	return []Finding{f}
}

// mssClamp is one iptables (ip6tables) rule per pool block of each family in use:
// -d for a CIDR, an iprange match for a start-stop block.
func mssClamp(s *model.Snapshot, v6 bool, mss4, mss6 int) []string {
	var out []string
	for _, fam4 := range []bool{true, false} {
		if !fam4 && !v6 {
			continue
		}
		tool, mss := "iptables", mss4
		if !fam4 {
			tool, mss = "ip6tables", mss6
		}
		rule := func(dest ...string) string {
			argv := append([]string{tool, "-t", "mangle", "-A", "FORWARD", "-p", "tcp", "--tcp-flags", "SYN,RST", "SYN"}, dest...)
			return safe.Command(append(argv, "-j", "TCPMSS", "--set-mss", strconv.Itoa(mss))...)
		}
		n := 0
		for _, p := range s.Pools {
			for _, b := range p.Blocks {
				first, last, ok := b.Range()
				if !ok || first.Is4() != fam4 {
					continue
				}
				n++
				if b.CIDR != nil {
					out = append(out, rule("-d", b.CIDR.Masked().String()))
				} else {
					out = append(out, rule("-m", "iprange", "--dst-range", first.String()+"-"+last.String()))
				}
			}
		}
		if n == 0 && fam4 && !v6 {
			out = append(out, comment("no IPv4 pool block: "+rule("-d", "<pool-cidr>")))
		}
	}
	return out
}

func runIPv6PodsOnLAN(in *Input) []Finding {
	s := in.S
	c := s.Cilium.Config
	if !model.Bool(c.EnableIPv6, false) || model.Bool(c.EnableIPv6NDP, false) {
		return nil
	}
	var out []Finding
	for _, n := range s.Nodes {
		for _, a := range n.InternalIPs {
			if !a.Is6() {
				continue
			}
			lan := onLinkGuess(a)
			for _, p := range n.AllPodCIDRs() {
				if !p.Addr().Is6() || !(lan.Contains(p.Addr()) || p.Contains(a)) {
					continue
				}
				out = append(out, Finding{
					Subject: nodeRef(n.Name),
					Message: fmt.Sprintf("node %s gives pods addresses from %s, inside its own on-link prefix %s, and enable-ipv6-ndp is off: the router resolves pod addresses with NDP and nobody answers",
						n.Name, p, lan),
					Evidence: []Evidence{ev(model.SourceNodes, ref(nodeRef(n.Name)), "podCIDRs", p.String(), "outside "+lan.String()),
						ev(model.SourceNodes, ref(nodeRef(n.Name)), "status.addresses[InternalIP]", a.String(), ""), cfgEv(s, "enable-ipv6-ndp", `"true"`)},
					Fixes: []fix.Proposal{fix.Helm(ciliumNS(s), true, fix.HelmValue{Path: "extraConfig.enable-ipv6-ndp", Value: "true"},
						fix.HelmValue{Path: "extraConfig.ipv6-mcast-device", Value: "eth0"}).
						With("Answer NDP for pod addresses", "Replace eth0 with the uplink. The better fix is a separate pod prefix routed to the nodes and advertised over BGP (PodCIDR advertisement with an ipv6 family).")},
				})
			}
		}
	}
	return out
}

func runICMPToVIP(in *Input) []Finding {
	const maxLines = 25
	var lines []string
	vips := in.ingresses() // the parsed ingress addresses: each Service is only read for the lines shown
	total := len(vips)
	for _, ing := range vips[:min(total, maxLines)] {
		svc := ing.svc
		var ports []string
		for _, p := range svc.Ports {
			ports = append(ports, fmt.Sprintf("%s/%d", p.Protocol, p.Port))
		}
		lines = append(lines, fmt.Sprintf("%s (%s/%s) answers %s only", ing.addr, svc.Namespace, svc.Name, orNone(ports)))
	}
	if total == 0 {
		return nil
	}
	if total > maxLines {
		lines = append(lines, fmt.Sprintf("… and %d more VIPs", total-maxLines))
	}
	v := in.Version
	behaviour := "dropped (1.19+, Hubble SERVICE_BACKEND_NOT_FOUND)"
	switch {
	case !v.Known:
		behaviour = "looped between router and node until the TTL expires (≤1.18) or dropped (1.19+); the agent version is unknown"
	case v.Before(1, 19):
		behaviour = fmt.Sprintf("routed back to the router and looped until the TTL expires (Cilium %s ≤ 1.18: traceroute shows the loop, Hubble TTL_EXCEEDED)", v)
	}
	return []Finding{{
		Subject:  clusterRef("load-balancer"),
		Message:  fmt.Sprintf("ping to a LoadBalancer VIP is never answered by Cilium; only each Service's ports are. Other traffic to the %d %s is %s", total, plural(total, "VIP", "VIPs"), behaviour),
		Details:  lines,
		Evidence: []Evidence{ev(model.SourceServices, nil, "spec.ports", fmt.Sprintf("%d VIPs", total), "")},
	}}
}

func runAutoDirectRoutes(in *Input) []Finding {
	s := in.S
	c := s.Cilium.Config
	if !model.Bool(c.AutoDirectNodeRoutes, false) || model.Bool(c.DirectRoutingSkipUnreachable, false) {
		return nil
	}
	subnets := map[netip.Prefix][]string{}
	for _, n := range s.Nodes {
		for _, a := range n.InternalIPs {
			if a.Is4() {
				subnets[onLinkGuess(a)] = append(subnets[onLinkGuess(a)], n.Name)
			}
		}
	}
	if len(subnets) < 2 {
		return nil
	}
	var parts []string
	for p, nodes := range subnets {
		parts = append(parts, fmt.Sprintf("%s: %s", p, joinSorted(nodes)))
	}
	return []Finding{{
		Subject: clusterRef("routing"),
		Message: fmt.Sprintf("auto-direct-node-routes is on but the nodes are in %d subnets (%s): routes to nodes behind a router fail", len(subnets), joinSorted(parts)),
		Evidence: []Evidence{cfgEv(s, "auto-direct-node-routes", ""), cfgEv(s, "direct-routing-skip-unreachable", `"true" when nodes span subnets`),
			ev(model.SourceNodes, nil, "status.addresses[InternalIP]", joinSorted(parts), "one subnet (assumed /24)")},
		Fixes: []fix.Proposal{fix.Helm(ciliumNS(s), true, fix.HelmValue{Path: "directRoutingSkipUnreachable", Value: true}).
			With("Skip nodes that are not on-link", "Routes to nodes in other subnets are then left to the router, which must route their PodCIDRs (advertise them over BGP).")},
	}}
}
