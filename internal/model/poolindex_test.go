// SPDX-License-Identifier: Apache-2.0

package model

import (
	"net/netip"
	"testing"
)

func TestPoolIndexContainingAndFirst(t *testing.T) {
	cidr := func(s string) PoolBlock { p := netip.MustParsePrefix(s); return PoolBlock{CIDR: &p} }
	rng := func(a, b string) PoolBlock {
		x, y := netip.MustParseAddr(a), netip.MustParseAddr(b)
		return PoolBlock{Start: &x, Stop: &y}
	}
	pools := []LBPool{
		{ObjectMeta: ObjectMeta{Name: "wide"}, Blocks: []PoolBlock{cidr("10.0.0.0/16"), cidr("2001:db8::/64")}},
		{ObjectMeta: ObjectMeta{Name: "narrow"}, Blocks: []PoolBlock{cidr("10.0.5.0/24")}},
		{ObjectMeta: ObjectMeta{Name: "range"}, Blocks: []PoolBlock{rng("10.1.0.10", "10.1.0.20")}},
		{ObjectMeta: ObjectMeta{Name: "huge"}, Blocks: []PoolBlock{cidr("10.0.0.0/8"), cidr("2001:db8:1::/48")}}, // too wide for buckets
	}
	ix := NewPoolIndex(pools)
	for _, c := range []struct {
		addr  string
		pools []string // Containing, in order; First is the first of them
	}{
		{"10.0.5.7", []string{"narrow", "huge", "wide"}}, // same first address: the later pool first
		{"10.0.6.1", []string{"huge", "wide"}},
		{"10.1.0.15", []string{"range", "huge"}},
		{"10.1.0.21", []string{"huge"}},
		{"11.0.0.1", nil},
		{"2001:db8::1", []string{"wide"}},
		{"2001:db8:1:2::1", []string{"huge"}},
		{"192.0.2.1", nil},
	} {
		a := netip.MustParseAddr(c.addr)
		got := ix.Containing(a)
		var names []string
		for _, r := range got {
			names = append(names, r.Pool.Name)
		}
		if len(names) != len(c.pools) || len(names) > 0 && (names[0] != c.pools[0] || names[len(names)-1] != c.pools[len(c.pools)-1]) {
			t.Errorf("Containing(%s) = %v, want %v", c.addr, names, c.pools)
		}
		first, ok := ix.First(a)
		if ok != (len(c.pools) > 0) || ok && first.Pool.Name != c.pools[0] {
			t.Errorf("First(%s) = %v %v, want %v", c.addr, first.Pool, ok, c.pools)
		}
	}
}
