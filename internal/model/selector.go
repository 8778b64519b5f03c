// SPDX-License-Identifier: Apache-2.0

package model

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// NilSelector says what a nil label selector means for a given field: Cilium is not
// consistent (a nil ClusterConfig nodeSelector selects every node, a nil Service
// advertisement selector selects nothing — cilium/cilium#33076).
type NilSelector bool

// Meanings of a nil selector.
const (
	NilMatchesNothing NilSelector = false
	NilMatchesAll     NilSelector = true
)

// Matches reports whether sel selects an object with the given labels. An invalid
// selector (bad operator, bad value) returns an error naming the problem.
func Matches(sel *metav1.LabelSelector, lbls map[string]string, nilMeans NilSelector) (bool, error) {
	if sel == nil {
		return bool(nilMeans), nil
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return false, fmt.Errorf("invalid label selector: %w", err)
	}
	return s.Matches(labels.Set(lbls)), nil
}

// SelectorString renders a selector the way kubectl would ("bgp=enabled,rack in (a,b)").
func SelectorString(sel *metav1.LabelSelector) string {
	if sel == nil {
		return "<none>"
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		return "<invalid>"
	}
	if str := s.String(); str != "" {
		return str
	}
	return "<all>"
}
