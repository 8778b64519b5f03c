// SPDX-License-Identifier: Apache-2.0

// Package routerconfig writes the upstream router's BGP configuration from the cluster:
// one neighbor per BGP node address, the cluster's ASNs, address families, ECMP,
// graceful restart and timers as the PeerConfig sets them, and — secure by default —
// inbound filters accepting only the PodCIDRs and the pools' host routes, and nothing
// advertised back. FRR (frr.conf) and BIRD 2 (bird.conf) flavors.
package routerconfig

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// Options choose the flavor and what the cluster cannot say about the router.
type Options struct {
	Flavor string // "frr" or "bird"
	// RouterASN is the router's AS (default: the peerASN the cluster uses, if one).
	RouterASN int64
	// RouterID is the router's ID and, for BIRD, its local address (default: the
	// peerAddress the cluster uses for IPv4, if one).
	RouterID string
}

// neighbor is one node address the router must peer with.
type neighbor struct {
	node string
	addr netip.Addr
	asn  int64
}

// plan is what both flavors render.
type plan struct {
	routerASN  int64
	routerID   string
	neighbors  []neighbor
	prefixes   []model.AdvertisablePrefix
	hold       int32
	keepalive  int32
	gr         bool
	grRestart  int32
	multipath  int
	sources    []string
	ibgp       bool
	multihop   int32
	passwordOn bool
}

// Generate writes the configuration.
func Generate(s *model.Snapshot, o Options) (string, error) {
	p, err := makePlan(s, o)
	if err != nil {
		return "", err
	}
	switch o.Flavor {
	case "frr":
		return p.frr(), nil
	case "bird":
		return p.bird(), nil
	}
	return "", fmt.Errorf("flavor %q: want frr or bird", o.Flavor)
}

func makePlan(s *model.Snapshot, o Options) (*plan, error) {
	views := s.ResolveBGP()
	asns := map[int64]bool{}
	ids := map[string]bool{}
	for _, v := range views {
		if len(v.SelectedBy) == 0 {
			continue
		}
		for _, inst := range v.Instances {
			for _, p := range inst.Peers {
				asns[p.PeerASN] = true
				if a, err := netip.ParseAddr(p.PeerAddress); err == nil && a.Is4() {
					ids[a.String()] = true
				}
			}
		}
	}
	p := &plan{routerASN: o.RouterASN, routerID: o.RouterID}
	if p.routerASN == 0 {
		if len(asns) != 1 {
			return nil, fmt.Errorf("the cluster peers with %d different ASNs: pass --router-asn", len(asns))
		}
		for a := range asns {
			p.routerASN = a
		}
	}
	if p.routerID == "" && len(ids) == 1 {
		for id := range ids {
			p.routerID = id
		}
	}
	if p.routerID != "" {
		if a, err := netip.ParseAddr(p.routerID); err != nil || !a.Is4() {
			return nil, fmt.Errorf("router ID %q: want an IPv4 address", p.routerID)
		}
	}
	seen := map[netip.Addr]bool{}
	for _, v := range views {
		if len(v.SelectedBy) == 0 {
			continue
		}
		node, _ := s.Node(v.Node)
		for _, inst := range v.Instances {
			for _, peer := range inst.Peers {
				if peer.PeerASN != p.routerASN {
					continue // a session to another router
				}
				peerAddr, err := netip.ParseAddr(peer.PeerAddress)
				if err != nil {
					continue
				}
				a, ok := nodeAddr(node, peer, peerAddr.Is4())
				if !ok || seen[a] {
					continue
				}
				seen[a] = true
				p.neighbors = append(p.neighbors, neighbor{node: v.Node, addr: a, asn: inst.LocalASN})
				p.ibgp = p.ibgp || inst.LocalASN == p.routerASN
				p.fromPeerConfig(s, peer)
				p.sources = appendOnce(p.sources, inst.Source.String())
			}
		}
	}
	if len(p.neighbors) == 0 {
		return nil, errors.New("no BGP node peers with this router: nothing to configure (is any node selected, and is --router-asn the cluster's peerASN?)")
	}
	sort.Slice(p.neighbors, func(i, j int) bool {
		a, b := p.neighbors[i].addr, p.neighbors[j].addr
		if a.Is4() != b.Is4() {
			return a.Is4()
		}
		return a.Less(b)
	})
	p.prefixes = s.AdvertisablePrefixes()
	nodes := map[string]bool{}
	for _, n := range p.neighbors {
		nodes[n.node] = true
	}
	p.multipath = max(len(nodes), 2)
	return p, nil
}

func nodeAddr(n *model.Node, peer model.EffectivePeer, v4 bool) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(peer.LocalAddress); err == nil {
		return a, true
	}
	if n == nil {
		return netip.Addr{}, false
	}
	for _, a := range n.InternalIPs {
		if a.Is4() == v4 {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// fromPeerConfig takes timers, graceful restart, multihop and authentication from the
// session's PeerConfig (the first one seen wins).
func (p *plan) fromPeerConfig(s *model.Snapshot, peer model.EffectivePeer) {
	if peer.PeerConfig == nil {
		return
	}
	for _, pc := range s.BGP.PeerConfigs {
		if pc.Name != peer.PeerConfig.Name {
			continue
		}
		if t := pc.Timers; t != nil && p.hold == 0 {
			if t.HoldTimeSeconds != nil {
				p.hold = *t.HoldTimeSeconds
			}
			if t.KeepAliveTimeSeconds != nil {
				p.keepalive = *t.KeepAliveTimeSeconds
			}
		}
		if gr := pc.GracefulRestart; gr != nil && gr.Enabled && !p.gr {
			p.gr = true
			if gr.RestartTimeSeconds != nil {
				p.grRestart = *gr.RestartTimeSeconds
			}
		}
		if pc.EBGPMultihop != nil && *pc.EBGPMultihop > 1 {
			p.multihop = max(p.multihop, *pc.EBGPMultihop)
		}
		p.passwordOn = p.passwordOn || pc.AuthSecretRef != ""
	}
}

func appendOnce(xs []string, x string) []string {
	for _, y := range xs {
		if y == x {
			return xs
		}
	}
	return append(xs, x)
}

// families says which address families the neighbors use.
func (p *plan) families() (v4, v6 bool) {
	for _, n := range p.neighbors {
		if n.addr.Is4() {
			v4 = true
		} else {
			v6 = true
		}
	}
	return v4, v6
}

// asnGroups returns the distinct node ASNs, sorted.
func (p *plan) asnGroups() []int64 {
	set := map[int64]bool{}
	for _, n := range p.neighbors {
		set[n.asn] = true
	}
	var out []int64
	for a := range set {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// header is the comment every flavor starts with.
func (p *plan) header(comment string) string {
	var b strings.Builder
	line := func(s string) { b.WriteString(comment + " " + s + "\n") }
	line("Generated by kubectl bgpnet router-config from " + strings.Join(p.sources, ", ") + ".")
	line(fmt.Sprintf("Router AS %d peering with %d node addresses. Review, then load it on the router.", p.routerASN, len(p.neighbors)))
	line("Inbound: only the cluster's PodCIDRs and the LB-IPAM pools' host routes; outbound: nothing.")
	if p.passwordOn {
		line("The PeerConfig sets a TCP-MD5 password (authSecretRef): add it to each neighbor; bgpnet never reads Secrets.")
	}
	return b.String()
}
