// SPDX-License-Identifier: Apache-2.0

package model

import (
	"net/netip"
	"sort"
)

// PoolBlockRef is one valid block of a pool, as an address range.
type PoolBlockRef struct {
	Pool        *LBPool
	Index       int // position in Pool.Blocks
	First, Last netip.Addr
}

// PoolIndex finds the pool blocks containing an address: all of them in O(log n), the
// first one in O(1) through buckets of /24 (IPv4) and /64 (IPv6).
type PoolIndex struct {
	blocks  []PoolBlockRef // sorted by First
	maxLast []netip.Addr   // maxLast[i] = the largest Last of blocks[0..i] (same family)
	// buckets lists, per /24 or /64, the blocks overlapping it; blocks spanning more
	// than maxBuckets buckets are in wide instead and always checked.
	buckets map[bucketKey][]int
	wide    []int
}

// bucketKey is an address's /24 (IPv4) or /64 (IPv6).
type bucketKey struct {
	v6 bool
	hi uint64
}

const maxBuckets = 256

func bucketOf(a netip.Addr) bucketKey {
	if a.Is4() {
		b := a.As4()
		return bucketKey{hi: uint64(b[0])<<16 | uint64(b[1])<<8 | uint64(b[2])}
	}
	b := a.As16()
	var hi uint64
	for _, x := range b[:8] {
		hi = hi<<8 | uint64(x)
	}
	return bucketKey{v6: true, hi: hi}
}

// index fills the buckets for block i.
func (ix *PoolIndex) index(i int) {
	b := ix.blocks[i]
	first, last := bucketOf(b.First), bucketOf(b.Last)
	if first.v6 != last.v6 || last.hi-first.hi >= maxBuckets {
		ix.wide = append(ix.wide, i)
		return
	}
	for k := first.hi; ; k++ {
		key := bucketKey{v6: first.v6, hi: k}
		ix.buckets[key] = append(ix.buckets[key], i)
		if k == last.hi {
			return
		}
	}
}

// NewPoolIndex indexes the valid blocks of the pools (pointers into pools).
func NewPoolIndex(pools []LBPool) *PoolIndex {
	ix := &PoolIndex{}
	for i := range pools {
		for j, b := range pools[i].Blocks {
			if first, last, ok := b.Range(); ok {
				ix.blocks = append(ix.blocks, PoolBlockRef{Pool: &pools[i], Index: j, First: first, Last: last})
			}
		}
	}
	sort.SliceStable(ix.blocks, func(i, j int) bool { return ix.blocks[i].First.Less(ix.blocks[j].First) })
	ix.maxLast = make([]netip.Addr, len(ix.blocks))
	ix.buckets = map[bucketKey][]int{}
	for i := range ix.blocks {
		ix.index(i)
	}
	for i, b := range ix.blocks {
		ix.maxLast[i] = b.Last
		if i > 0 && ix.maxLast[i-1].BitLen() == b.Last.BitLen() && b.Last.Less(ix.maxLast[i-1]) {
			ix.maxLast[i] = ix.maxLast[i-1]
		}
	}
	return ix
}

// Blocks returns every indexed block, sorted by first address.
func (ix *PoolIndex) Blocks() []PoolBlockRef { return ix.blocks }

// Containing returns the blocks that contain a (several only when pools overlap).
func (ix *PoolIndex) Containing(a netip.Addr) []PoolBlockRef {
	var out []PoolBlockRef
	ix.each(a, func(b PoolBlockRef) bool { out = append(out, b); return true })
	return out
}

// First returns the block with the highest first address that contains a (the one
// Containing lists first), in constant time and without allocating.
func (ix *PoolIndex) First(a netip.Addr) (PoolBlockRef, bool) {
	i, ok := ix.FirstIndex(a)
	if !ok {
		return PoolBlockRef{}, false
	}
	return ix.blocks[i], true
}

// FirstIndex is First as a position in Blocks.
func (ix *PoolIndex) FirstIndex(a netip.Addr) (int, bool) {
	best := -1
	consider := func(i int) {
		b := &ix.blocks[i]
		if b.First.BitLen() == a.BitLen() && !a.Less(b.First) && !b.Last.Less(a) && i > best {
			best = i // blocks are sorted by First: a higher index has a higher (or equal) first address
		}
	}
	for _, i := range ix.buckets[bucketOf(a)] {
		consider(i)
	}
	for _, i := range ix.wide {
		consider(i)
	}
	return best, best >= 0
}

// each calls f for the blocks containing a, highest first address first, until f
// returns false.
func (ix *PoolIndex) each(a netip.Addr, f func(PoolBlockRef) bool) {
	i := sort.Search(len(ix.blocks), func(i int) bool { return a.Less(ix.blocks[i].First) }) - 1
	for j := i; j >= 0; j-- {
		b := ix.blocks[j]
		if b.First.BitLen() != a.BitLen() || ix.maxLast[j].BitLen() == a.BitLen() && ix.maxLast[j].Less(a) {
			return
		}
		if !b.Last.Less(a) && !f(b) {
			return
		}
	}
}
