// SPDX-License-Identifier: Apache-2.0

package model

import (
	"net/netip"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestMatches(t *testing.T) {
	lbls := map[string]string{"bgp-enabled": "true", "rack": "a"}
	tests := []struct {
		name    string
		sel     *metav1.LabelSelector
		nil     NilSelector
		want    bool
		wantErr bool
	}{
		{"nil selects all (ClusterConfig nodeSelector)", nil, NilMatchesAll, true, false},
		{"nil selects nothing (advertisement selector, cilium#33076)", nil, NilMatchesNothing, false, false},
		{"empty selects all", &metav1.LabelSelector{}, NilMatchesNothing, true, false},
		{"matchLabels hit", &metav1.LabelSelector{MatchLabels: map[string]string{"bgp-enabled": "true"}}, NilMatchesAll, true, false},
		{"matchLabels miss", &metav1.LabelSelector{MatchLabels: map[string]string{"bgp_enabled": "true"}}, NilMatchesAll, false, false},
		{"In", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "rack", Operator: metav1.LabelSelectorOpIn, Values: []string{"a", "b"}}}}, NilMatchesAll, true, false},
		{"DoesNotExist", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "rack", Operator: metav1.LabelSelectorOpDoesNotExist}}}, NilMatchesAll, false, false},
		{"bad operator", &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "rack", Operator: "Near"}}}, NilMatchesAll, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Matches(tt.sel, lbls, tt.nil)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("Matches = %v, %v; want %v, err %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestSelectorString(t *testing.T) {
	for sel, want := range map[*metav1.LabelSelector]string{
		nil: "<none>",
		{}:  "<all>",
		{MatchLabels: map[string]string{"a": "b"}}:                                         "a=b",
		{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "k", Operator: "bad"}}}: "<invalid>",
	} {
		if got := SelectorString(sel); got != want {
			t.Errorf("SelectorString(%v) = %q, want %q", sel, got, want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestPoolBlockRange(t *testing.T) {
	tests := []struct {
		block       PoolBlock
		first, last string
		ok          bool
	}{
		{PoolBlock{CIDR: ptr(netip.MustParsePrefix("192.168.10.0/28"))}, "192.168.10.0", "192.168.10.15", true},
		{PoolBlock{CIDR: ptr(netip.MustParsePrefix("192.168.10.5/30"))}, "192.168.10.4", "192.168.10.7", true},
		{PoolBlock{CIDR: ptr(netip.MustParsePrefix("10.0.0.1/32"))}, "10.0.0.1", "10.0.0.1", true},
		{PoolBlock{CIDR: ptr(netip.MustParsePrefix("2001:db8:10::/124"))}, "2001:db8:10::", "2001:db8:10::f", true},
		{PoolBlock{CIDR: ptr(netip.MustParsePrefix("2001:db8::/64"))}, "2001:db8::", "2001:db8::ffff:ffff:ffff:ffff", true},
		{PoolBlock{Start: ptr(netip.MustParseAddr("10.20.0.10")), Stop: ptr(netip.MustParseAddr("10.20.0.20"))}, "10.20.0.10", "10.20.0.20", true},
		{PoolBlock{Start: ptr(netip.MustParseAddr("10.20.0.10"))}, "10.20.0.10", "10.20.0.10", true},
		{PoolBlock{Raw: "300.1.1.0/24", Error: "bad"}, "invalid IP", "invalid IP", false},
	}
	for _, tt := range tests {
		first, last, ok := tt.block.Range()
		if ok != tt.ok || first.String() != tt.first || last.String() != tt.last {
			t.Errorf("%s: Range = %s, %s, %v; want %s, %s, %v", tt.block, first, last, ok, tt.first, tt.last, tt.ok)
		}
	}
}

func TestNativeRouting(t *testing.T) {
	for _, tt := range []struct {
		cfg  CiliumConfig
		want bool
	}{
		{CiliumConfig{RoutingMode: "native"}, true},
		{CiliumConfig{RoutingMode: "tunnel", Tunnel: "disabled"}, false},
		{CiliumConfig{Tunnel: "disabled"}, true}, // pre-1.14 key
		{CiliumConfig{Tunnel: "vxlan"}, false},
		{CiliumConfig{}, false},
	} {
		if got := tt.cfg.NativeRouting(); got != tt.want {
			t.Errorf("%+v: NativeRouting = %v", tt.cfg, got)
		}
	}
}

func TestAllPodCIDRs(t *testing.T) {
	a, b := netip.MustParsePrefix("10.42.0.0/24"), netip.MustParsePrefix("fd00:42::/64")
	n := Node{PodCIDRs: []netip.Prefix{a}, CiliumPodCIDRs: []netip.Prefix{a, b}}
	if got := n.AllPodCIDRs(); len(got) != 2 || got[0] != a || got[1] != b {
		t.Errorf("AllPodCIDRs = %v", got)
	}
}
