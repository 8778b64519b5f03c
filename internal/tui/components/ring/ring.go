// SPDX-License-Identifier: Apache-2.0

// Package ring is a fixed-capacity buffer that keeps the newest items: the flows
// screen's memory stays bounded however fast Hubble streams.
package ring

// Ring holds at most its capacity of items, dropping the oldest.
type Ring[T any] struct {
	buf   []T
	start int // index of the oldest item
	n     int
	total uint64 // items ever added
}

// New returns an empty ring of capacity c (at least 1).
func New[T any](c int) *Ring[T] { return &Ring[T]{buf: make([]T, max(c, 1))} }

// Add appends items, overwriting the oldest when full.
func (r *Ring[T]) Add(items ...T) {
	c := len(r.buf)
	r.total += uint64(len(items))
	if len(items) >= c { // only the last c survive
		copy(r.buf, items[len(items)-c:])
		r.start, r.n = 0, c
		return
	}
	for _, it := range items {
		r.buf[(r.start+r.n)%c] = it
		if r.n < c {
			r.n++
		} else {
			r.start = (r.start + 1) % c
		}
	}
}

// Len is the number of items held; Cap the capacity; Total the number ever added.
func (r *Ring[T]) Len() int      { return r.n }
func (r *Ring[T]) Cap() int      { return len(r.buf) }
func (r *Ring[T]) Total() uint64 { return r.total }

// At returns the i-th oldest item held.
func (r *Ring[T]) At(i int) T { return r.buf[(r.start+i)%len(r.buf)] }

// Reset drops every item.
func (r *Ring[T]) Reset() { r.start, r.n = 0, 0 }
