// SPDX-License-Identifier: Apache-2.0

package model

import (
	"net/netip"
	"slices"
)

// Node is a Kubernetes Node as far as BGP cares: its labels (BGP node selectors match
// on them), its addresses (the sessions' source addresses) and its PodCIDRs.
type Node struct {
	Name string `json:"name"`
	// ResourceVersion of the Node when read, the precondition for changing its labels.
	ResourceVersion string            `json:"resourceVersion,omitempty"`
	Labels          map[string]string `json:"labels,omitempty"`
	// InternalIPs and ExternalIPs hold both families, in the order the node reports them.
	InternalIPs []netip.Addr `json:"internalIPs,omitempty"`
	ExternalIPs []netip.Addr `json:"externalIPs,omitempty"`
	// PodCIDRs come from Node.spec.podCIDRs (IPAM mode "kubernetes").
	PodCIDRs []netip.Prefix `json:"podCIDRs,omitempty"`
	// CiliumPodCIDRs come from CiliumNode.spec.ipam.podCIDRs (IPAM mode "cluster-pool"…).
	CiliumPodCIDRs []netip.Prefix `json:"ciliumPodCIDRs,omitempty"`
	Ready          bool           `json:"ready"`
	Unschedulable  bool           `json:"unschedulable,omitempty"`
	// HasCiliumNode is true when a CiliumNode object exists for this node.
	HasCiliumNode bool `json:"hasCiliumNode,omitempty"`
}

// AllPodCIDRs returns the node's PodCIDRs from both the Node and the CiliumNode, deduplicated.
func (n *Node) AllPodCIDRs() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(n.PodCIDRs)+len(n.CiliumPodCIDRs))
	for _, p := range slices.Concat(n.PodCIDRs, n.CiliumPodCIDRs) {
		if !slices.Contains(out, p) { // a node has a handful: a scan beats a map
			out = append(out, p)
		}
	}
	return out
}

// Node returns the named node, if the snapshot has it.
func (s *Snapshot) Node(name string) (*Node, bool) {
	for i := range s.Nodes {
		if s.Nodes[i].Name == name {
			return &s.Nodes[i], true
		}
	}
	return nil, false
}
