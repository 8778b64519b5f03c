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

// PoolIndex finds the pool blocks containing an address in O(log n).
type PoolIndex struct {
	blocks  []PoolBlockRef // sorted by First
	maxLast []netip.Addr   // maxLast[i] = the largest Last of blocks[0..i] (same family)
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

// First returns the block with the highest first address that contains a, without
// allocating (the one Containing lists first).
func (ix *PoolIndex) First(a netip.Addr) (PoolBlockRef, bool) {
	var found PoolBlockRef
	ok := false
	ix.each(a, func(b PoolBlockRef) bool { found, ok = b, true; return false })
	return found, ok
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
