// SPDX-License-Identifier: Apache-2.0

package kube

import (
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ciliumGroup is the API group of every Cilium CRD.
const ciliumGroup = "cilium.io"

// ciliumKind describes one Cilium CRD: the source it feeds and the versions to try,
// newest first.
type ciliumKind struct {
	source   string
	resource string
	kind     string
	versions []string
}

// ciliumKinds lists the Cilium kinds in the order they are scheduled.
// BGPv2 kinds and LB pools graduated to cilium.io/v2 in 1.18 (v2alpha1 still served);
// BGPv1 PeeringPolicies and L2 policies only ever existed at v2alpha1.
var ciliumKinds = []ciliumKind{
	{model.SourceNodeConfigs, "ciliumbgpnodeconfigs", model.KindNodeConfig, []string{"v2", "v2alpha1"}},
	{model.SourceClusterConfigs, "ciliumbgpclusterconfigs", model.KindClusterConfig, []string{"v2", "v2alpha1"}},
	{model.SourcePeerConfigs, "ciliumbgppeerconfigs", model.KindPeerConfig, []string{"v2", "v2alpha1"}},
	{model.SourceAdvertisements, "ciliumbgpadvertisements", model.KindAdvertisement, []string{"v2", "v2alpha1"}},
	{model.SourceNodeConfigOverride, "ciliumbgpnodeconfigoverrides", model.KindNodeConfigOverride, []string{"v2", "v2alpha1"}},
	{model.SourcePeeringPolicies, "ciliumbgppeeringpolicies", model.KindPeeringPolicy, []string{"v2alpha1"}},
	{model.SourcePools, "ciliumloadbalancerippools", model.KindLBPool, []string{"v2", "v2alpha1"}},
	{model.SourceL2Policies, "ciliuml2announcementpolicies", model.KindL2Policy, []string{"v2alpha1"}},
	{model.SourceCiliumNodes, "ciliumnodes", "CiliumNode", []string{"v2"}},
}

// gvr returns the resource at the given version.
func (k ciliumKind) gvr(version string) schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: ciliumGroup, Version: version, Resource: k.resource}
}

// CiliumResource names the resource (plural) that feeds a source.
type CiliumResource struct{ Source, Resource string }

// CiliumResources lists the Cilium resources a collection reads, in its order: what a
// dump of the cluster (a sysdump) must hold to stand in for it.
func CiliumResources() []CiliumResource {
	out := make([]CiliumResource, len(ciliumKinds))
	for i, k := range ciliumKinds {
		out[i] = CiliumResource{Source: k.source, Resource: k.resource}
	}
	return out
}
