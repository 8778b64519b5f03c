// SPDX-License-Identifier: Apache-2.0

package model

import (
	"math/big"
	"net/netip"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// LBPool is a CiliumLoadBalancerIPPool.
type LBPool struct {
	ObjectMeta `json:"metadata"`
	Blocks     []PoolBlock `json:"blocks"`
	// LegacyCIDRs holds the pre-1.16 spec.cidrs field, when a pool still uses it.
	LegacyCIDRs     []PoolBlock           `json:"legacyCIDRs,omitempty"`
	ServiceSelector *metav1.LabelSelector `json:"serviceSelector,omitempty"`
	Disabled        bool                  `json:"disabled,omitempty"`
	// AllowFirstLastIPs is "Yes", "No" or empty (the version's default applies).
	AllowFirstLastIPs string             `json:"allowFirstLastIPs,omitempty"`
	Conditions        []metav1.Condition `json:"conditions,omitempty"`
}

// PoolBlock is a CIDR or a start–stop range of a pool. Invalid values are kept as
// written with Error set, so a check can point at them.
type PoolBlock struct {
	CIDR  *netip.Prefix `json:"cidr,omitempty"`
	Start *netip.Addr   `json:"start,omitempty"`
	Stop  *netip.Addr   `json:"stop,omitempty"`
	// Raw is the block as written, set only when it could not be parsed.
	Raw   string `json:"raw,omitempty"`
	Error string `json:"error,omitempty"`
}

// Range returns the first and last address of the block; ok is false for an invalid block.
func (b PoolBlock) Range() (first, last netip.Addr, ok bool) {
	switch {
	case b.CIDR != nil:
		p := b.CIDR.Masked()
		first = p.Addr()
		last = first
		bits := p.Addr().BitLen() - p.Bits()
		// set the host bits one by one from the end; bounded by the address length
		b16 := last.As16()
		for i := 0; i < bits; i++ {
			b16[15-i/8] |= 1 << (i % 8)
		}
		last = netip.AddrFrom16(b16)
		if first.Is4() {
			last = last.Unmap()
		}
		return first, last, true
	case b.Start != nil && b.Stop != nil:
		return *b.Start, *b.Stop, true
	case b.Start != nil:
		return *b.Start, *b.Start, true
	}
	return netip.Addr{}, netip.Addr{}, false
}

// Allocatable counts the addresses LB-IPAM can hand out from the block: all of them,
// minus the network and broadcast address of a CIDR wider than /31 (/127) unless
// allowFirstLast. 0 for an invalid block.
func (b PoolBlock) Allocatable(allowFirstLast bool) *big.Int {
	first, last, ok := b.Range()
	if !ok {
		return new(big.Int)
	}
	n := new(big.Int).Sub(new(big.Int).SetBytes(last.AsSlice()), new(big.Int).SetBytes(first.AsSlice()))
	n.Add(n, big.NewInt(1))
	if b.CIDR != nil && !allowFirstLast && b.CIDR.Bits() < b.CIDR.Addr().BitLen()-1 {
		n.Sub(n, big.NewInt(2))
	}
	return n
}

// AllowFirstLast resolves allowFirstLastIPs: explicit Yes/No, else the default of the
// Cilium version (Yes since 1.16, No in 1.15; pass what the agent version says).
func (p LBPool) AllowFirstLast(versionDefault bool) bool {
	switch p.AllowFirstLastIPs {
	case "Yes":
		return true
	case "No":
		return false
	}
	return versionDefault
}

// String renders the block as written by the user.
func (b PoolBlock) String() string {
	switch {
	case b.CIDR != nil:
		return b.CIDR.String()
	case b.Start != nil && b.Stop != nil:
		return b.Start.String() + "-" + b.Stop.String()
	case b.Start != nil:
		return b.Start.String()
	}
	return b.Raw
}

// L2Policy is a CiliumL2AnnouncementPolicy.
type L2Policy struct {
	ObjectMeta      `json:"metadata"`
	NodeSelector    *metav1.LabelSelector `json:"nodeSelector,omitempty"`
	ServiceSelector *metav1.LabelSelector `json:"serviceSelector,omitempty"`
	Interfaces      []string              `json:"interfaces,omitempty"`
	ExternalIPs     bool                  `json:"externalIPs,omitempty"`
	LoadBalancerIPs bool                  `json:"loadBalancerIPs,omitempty"`
	Conditions      []metav1.Condition    `json:"conditions,omitempty"`
}
