// SPDX-License-Identifier: Apache-2.0

package ring

import (
	"slices"
	"testing"
)

func items(r *Ring[int]) []int {
	var out []int
	for i := range r.Len() {
		out = append(out, r.At(i))
	}
	return out
}

func TestRing(t *testing.T) {
	for _, tc := range []struct {
		name  string
		adds  [][]int
		want  []int
		total uint64
	}{
		{"empty", nil, nil, 0},
		{"under capacity", [][]int{{1, 2}}, []int{1, 2}, 2},
		{"wraps one by one", [][]int{{1, 2, 3}, {4}, {5}}, []int{3, 4, 5}, 5},
		{"batch larger than capacity", [][]int{{1}, {2, 3, 4, 5, 6}}, []int{4, 5, 6}, 6},
		{"exactly capacity", [][]int{{7, 8, 9}}, []int{7, 8, 9}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := New[int](3)
			for _, a := range tc.adds {
				r.Add(a...)
			}
			if got := items(r); !slices.Equal(got, tc.want) || r.Total() != tc.total {
				t.Errorf("got %v total %d, want %v total %d", got, r.Total(), tc.want, tc.total)
			}
		})
	}
	r := New[int](2)
	r.Add(1, 2)
	r.Reset()
	if r.Len() != 0 || r.Total() != 2 {
		t.Errorf("after reset: len %d total %d", r.Len(), r.Total())
	}
}
