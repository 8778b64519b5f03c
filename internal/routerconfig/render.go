// SPDX-License-Identifier: Apache-2.0

package routerconfig

import (
	"fmt"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/safe"
)

// groupName names the FRR peer-group of one node ASN and family.
func groupName(asn int64, v6 bool, groups int) string {
	name := "CILIUM"
	if groups > 1 {
		name += fmt.Sprintf("-%d", asn)
	}
	if v6 {
		name += "-V6"
	}
	return name
}

// frr renders frr.conf: peer-groups per node ASN and family, prefix lists, route-maps,
// multipath; `bgp ebgp-requires-policy` stays on (the route-maps satisfy it).
func (p *plan) frr() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	b.WriteString(p.header("!"))
	w("!")
	v4, v6 := p.families()
	groups := p.asnGroups()
	seq := 0
	for _, pr := range p.prefixes {
		if pr.Prefix.Addr().Is6() {
			continue
		}
		seq += 10
		w("ip prefix-list CILIUM-IN seq %d permit %s%s", seq, pr.Prefix, hostRoutes(pr.HostRoutes, 32))
	}
	if seq == 0 {
		w("ip prefix-list CILIUM-IN seq 10 deny any")
	}
	if v6 {
		seq = 0
		for _, pr := range p.prefixes {
			if !pr.Prefix.Addr().Is6() {
				continue
			}
			seq += 10
			w("ipv6 prefix-list CILIUM-IN-V6 seq %d permit %s%s", seq, pr.Prefix, hostRoutes(pr.HostRoutes, 128))
		}
		if seq == 0 {
			w("ipv6 prefix-list CILIUM-IN-V6 seq 10 deny any")
		}
	}
	w("!")
	w("! accept what the cluster may advertise, nothing else")
	w("route-map CILIUM-IN permit 10")
	w(" match ip address prefix-list CILIUM-IN")
	w("exit")
	if v6 {
		w("route-map CILIUM-IN-V6 permit 10")
		w(" match ipv6 address prefix-list CILIUM-IN-V6")
		w("exit")
	}
	w("! advertise nothing to the nodes: Cilium ignores what it receives")
	w("route-map CILIUM-OUT deny 10")
	w("exit")
	w("!")
	w("router bgp %d", p.routerASN)
	if p.routerID != "" {
		w(" bgp router-id %s", p.routerID)
	}
	w(" ! RFC 8212 stays on: the route-maps below are the required policies")
	w(" bgp ebgp-requires-policy")
	w(" ! each family is activated for the neighbors that carry it")
	w(" no bgp default ipv4-unicast")
	if len(groups) > 1 {
		w(" bgp bestpath as-path multipath-relax")
	}
	if p.gr {
		w(" bgp graceful-restart")
		if p.grRestart > 0 {
			w(" bgp graceful-restart restart-time %d", p.grRestart)
		}
	}
	for _, asn := range groups {
		for _, fam6 := range []bool{false, true} {
			if (fam6 && !v6) || (!fam6 && !v4) {
				continue
			}
			g := groupName(asn, fam6, len(groups))
			w(" neighbor %s peer-group", g)
			w(" neighbor %s remote-as %d", g, asn)
			if p.hold > 0 {
				w(" neighbor %s timers %d %d", g, p.keepalive, p.hold)
			}
			if p.multihop > 1 && asn != p.routerASN {
				w(" neighbor %s ebgp-multihop %d", g, p.multihop)
			}
		}
	}
	for _, n := range p.neighbors {
		w(" neighbor %s peer-group %s", n.addr, groupName(n.asn, n.addr.Is6(), len(groups)))
		w(" neighbor %s description %s", n.addr, safe.Text(n.node))
	}
	for _, fam6 := range []bool{false, true} {
		if (fam6 && !v6) || (!fam6 && !v4) {
			continue
		}
		w(" !")
		if fam6 {
			w(" address-family ipv6 unicast")
		} else {
			w(" address-family ipv4 unicast")
		}
		for _, asn := range groups {
			g := groupName(asn, fam6, len(groups))
			w("  neighbor %s activate", g)
			in := "CILIUM-IN"
			if fam6 {
				in = "CILIUM-IN-V6"
			}
			w("  neighbor %s route-map %s in", g, in)
			w("  neighbor %s route-map CILIUM-OUT out", g)
			if asn == p.routerASN {
				w("  ! iBGP: reflect the nodes' routes to the router's other iBGP peers")
				w("  neighbor %s route-reflector-client", g)
			}
		}
		w("  ! ECMP across the nodes that advertise the same VIP")
		w("  maximum-paths %d", p.multipath)
		if p.ibgp {
			w("  maximum-paths ibgp %d", p.multipath)
		}
		w(" exit-address-family")
	}
	w("exit")
	w("!")
	return b.String()
}

func hostRoutes(on bool, bits int) string {
	if on {
		return fmt.Sprintf(" ge %d", bits)
	}
	return ""
}

// bird renders bird.conf for BIRD 2: filters from the prefixes, a template per family,
// one protocol per node address, kernel export with merged paths.
func (p *plan) bird() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	b.WriteString(p.header("#"))
	if p.routerID != "" {
		w("router id %s;", p.routerID)
	}
	w("protocol device {}")
	v4, v6 := p.families()
	w("# install the BGP routes, several next hops per VIP (ECMP)")
	if v4 {
		w("protocol kernel kernel4 { ipv4 { export where source = RTS_BGP; }; merge paths on limit %d; }", p.multipath)
	}
	if v6 {
		w("protocol kernel kernel6 { ipv6 { export where source = RTS_BGP; }; merge paths on limit %d; }", p.multipath)
	}
	set := func(v6 bool) string {
		var items []string
		for _, pr := range p.prefixes {
			if pr.Prefix.Addr().Is6() != v6 {
				continue
			}
			s := pr.Prefix.String()
			if pr.HostRoutes {
				bits := pr.Prefix.Addr().BitLen()
				s += fmt.Sprintf("{%d,%d}", bits, bits)
			}
			items = append(items, s)
		}
		return strings.Join(items, ", ")
	}
	w("# accept what the cluster may advertise, nothing else (BIRD's eBGP default is import none, RFC 8212)")
	if v4 {
		if s := set(false); s != "" {
			w("filter cilium_in4 { if net ~ [ %s ] then accept; reject; }", s)
		} else {
			w("filter cilium_in4 { reject; }")
		}
	}
	if v6 {
		if s := set(true); s != "" {
			w("filter cilium_in6 { if net ~ [ %s ] then accept; reject; }", s)
		} else {
			w("filter cilium_in6 { reject; }")
		}
	}
	for _, fam6 := range []bool{false, true} {
		if (fam6 && !v6) || (!fam6 && !v4) {
			continue
		}
		name, ch, filter := "cilium4", "ipv4", "cilium_in4"
		if fam6 {
			name, ch, filter = "cilium6", "ipv6", "cilium_in6"
		}
		w("template bgp %s {", name)
		if p.routerID != "" && !fam6 {
			w("  local %s as %d;", p.routerID, p.routerASN)
		} else {
			w("  local as %d;", p.routerASN)
		}
		if p.hold > 0 {
			w("  hold time %d;", p.hold)
			w("  keepalive time %d;", p.keepalive)
		}
		if p.gr {
			w("  graceful restart on;")
			if p.grRestart > 0 {
				w("  graceful restart time %d;", p.grRestart)
			}
		}
		if p.multihop > 1 {
			w("  multihop %d;", p.multihop)
		}
		w("  %s { import filter %s; export none; };", ch, filter)
		w("}")
	}
	for _, n := range p.neighbors {
		tmpl, fam := "cilium4", "v4"
		if n.addr.Is6() {
			tmpl, fam = "cilium6", "v6"
		}
		name := safe.BirdSymbol(n.node) + "_" + fam
		extra := ""
		if n.asn == p.routerASN {
			extra = " rr client;" // iBGP: reflect to the router's other iBGP peers
		}
		w("protocol bgp %s from %s { neighbor %s as %d; description %s;%s }", name, tmpl, n.addr, n.asn, safe.BirdString(n.node), extra)
	}
	return b.String()
}
