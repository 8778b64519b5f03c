// SPDX-License-Identifier: Apache-2.0

package checks

import (
	"iter"
	"sort"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// selectorIndex finds which of many label selectors match a label set without
// evaluating all of them: a selector with a matchLabels pair is filed under that
// key=value and only tried for label sets that carry it.
type selectorIndex[T any] struct {
	in       *Input
	byPair   map[string][]entry[T]
	always   []entry[T] // selectors without matchLabels: tried every time
	nilMeans model.NilSelector
}

type entry[T any] struct {
	order int
	item  T
	sel   *metav1.LabelSelector
}

func newSelectorIndex[T any](in *Input, all iter.Seq2[T, *metav1.LabelSelector], nilMeans model.NilSelector) *selectorIndex[T] {
	ix := &selectorIndex[T]{in: in, byPair: map[string][]entry[T]{}, nilMeans: nilMeans}
	n := 0
	for item, sel := range all {
		e := entry[T]{order: n, item: item, sel: sel}
		n++
		if sel == nil || len(sel.MatchLabels) == 0 {
			ix.always = append(ix.always, e)
			continue
		}
		// any one required pair will do; take the smallest key for determinism
		keys := make([]string, 0, len(sel.MatchLabels))
		for k := range sel.MatchLabels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		pair := keys[0] + "=" + sel.MatchLabels[keys[0]]
		ix.byPair[pair] = append(ix.byPair[pair], e)
	}
	return ix
}

// match returns the items whose selector selects lbls, in insertion order.
func (ix *selectorIndex[T]) match(lbls serviceLabels) []T {
	var hits []entry[T]
	try := func(e entry[T]) {
		if ok, err := ix.in.Selects(e.sel, lbls, ix.nilMeans); err == nil && ok {
			hits = append(hits, e)
		}
	}
	for _, e := range ix.always {
		try(e)
	}
	for k, v := range lbls.pairs {
		for _, e := range ix.byPair[k+"="+v] {
			try(e)
		}
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].order < hits[j].order })
	out := make([]T, len(hits))
	for i, e := range hits {
		out[i] = e.item
	}
	return out
}
