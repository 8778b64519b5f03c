// SPDX-License-Identifier: Apache-2.0

package model

import (
	"net/netip"
	"sort"

	"go4.org/netipx"
)

// AdvertisablePrefix is a prefix the cluster may advertise over BGP, as a router's
// inbound filter should accept it: a PodCIDR exactly, or the host routes (/32, /128)
// out of an LB-IPAM pool block.
type AdvertisablePrefix struct {
	Prefix netip.Prefix
	// HostRoutes: accept the prefix's /32 (or /128) routes, not the prefix itself.
	HostRoutes bool
	// Why names the node or pool it comes from.
	Why string
}

// AdvertisablePrefixes lists the PodCIDRs of the nodes selected for BGP and the blocks
// of the pools (a start–stop range as the prefixes covering it exactly), sorted and
// without duplicates.
func (s *Snapshot) AdvertisablePrefixes() []AdvertisablePrefix {
	selected := map[string]bool{}
	for _, v := range s.ResolveBGP() {
		selected[v.Node] = len(v.SelectedBy) > 0
	}
	seen := map[AdvertisablePrefix]bool{}
	var out []AdvertisablePrefix
	add := func(p AdvertisablePrefix) {
		key := AdvertisablePrefix{Prefix: p.Prefix, HostRoutes: p.HostRoutes}
		if !seen[key] {
			seen[key] = true
			out = append(out, p)
		}
	}
	for _, n := range s.Nodes {
		if !selected[n.Name] {
			continue
		}
		for _, p := range n.AllPodCIDRs() {
			add(AdvertisablePrefix{Prefix: p.Masked(), Why: "PodCIDR of " + n.Name})
		}
	}
	for _, pool := range s.Pools {
		for _, b := range pool.Blocks {
			first, last, ok := b.Range()
			if !ok {
				continue
			}
			for _, p := range netipx.IPRangeFrom(first, last).Prefixes() {
				add(AdvertisablePrefix{Prefix: p, HostRoutes: true, Why: "pool " + pool.Name})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].Prefix, out[j].Prefix
		if a.Addr().Is4() != b.Addr().Is4() {
			return a.Addr().Is4()
		}
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c < 0
		}
		return a.Bits() < b.Bits()
	})
	return out
}
