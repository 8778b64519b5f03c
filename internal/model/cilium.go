// SPDX-License-Identifier: Apache-2.0

package model

import (
	"net/netip"
	"strings"
)

// Cilium describes the Cilium installation: version, agent and operator workloads,
// and the cilium-config ConfigMap.
type Cilium struct {
	// Version is the agent's version taken from its image tag ("1.16.5"), empty if unknown.
	Version  string    `json:"version,omitempty"`
	Agent    *Workload `json:"agent,omitempty"`
	Operator *Workload `json:"operator,omitempty"`
	// HubbleRelay is the hubble-relay Deployment, when present.
	HubbleRelay *Workload    `json:"hubbleRelay,omitempty"`
	Config      CiliumConfig `json:"config"`
}

// Workload is a DaemonSet or Deployment and its rollout state.
type Workload struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Image     string `json:"image,omitempty"`
	Desired   int32  `json:"desired"`
	Ready     int32  `json:"ready"`
	// Capabilities are the Linux capabilities the container adds; Privileged means it
	// has them all (read for the agent: binding a BGP port below 1024 needs one).
	Capabilities []string `json:"capabilities,omitempty"`
	Privileged   bool     `json:"privileged,omitempty"`
}

// KubeProxy records whether kube-proxy runs next to Cilium.
type KubeProxy struct {
	Present   bool      `json:"present"`
	DaemonSet *Workload `json:"daemonSet,omitempty"`
}

// CiliumConfig is ConfigMap cilium-config: every key a check reads, typed, plus the raw
// map. Pointer fields are nil when the key is absent (Cilium's default applies).
type CiliumConfig struct {
	// Present is false when the ConfigMap does not exist or could not be read.
	Present bool              `json:"present"`
	Raw     map[string]string `json:"raw,omitempty"`
	// Invalid lists keys whose value could not be parsed, with the reason.
	Invalid map[string]string `json:"invalid,omitempty"`

	// BGP control plane.
	EnableBGPControlPlane             *bool  `json:"enableBGPControlPlane,omitempty"`
	EnableBGPControlPlaneStatusReport *bool  `json:"enableBGPControlPlaneStatusReport,omitempty"`
	BGPSecretsNamespace               string `json:"bgpSecretsNamespace,omitempty"`
	BGPRouterIDAllocationMode         string `json:"bgpRouterIDAllocationMode,omitempty"`
	BGPRouterIDAllocationIPPool       string `json:"bgpRouterIDAllocationIPPool,omitempty"`
	EnableBGPLegacyOriginAttribute    *bool  `json:"enableBGPLegacyOriginAttribute,omitempty"`
	// Legacy MetalLB-based BGP (removed in 1.17).
	BGPAnnounceLBIP    *bool `json:"bgpAnnounceLBIP,omitempty"`
	BGPAnnouncePodCIDR *bool `json:"bgpAnnouncePodCIDR,omitempty"`

	// Address families and IPAM.
	EnableIPv4         *bool          `json:"enableIPv4,omitempty"`
	EnableIPv6         *bool          `json:"enableIPv6,omitempty"`
	IPAM               string         `json:"ipam,omitempty"`
	ClusterPoolIPv4    []netip.Prefix `json:"clusterPoolIPv4CIDR,omitempty"`
	ClusterPoolIPv6    []netip.Prefix `json:"clusterPoolIPv6CIDR,omitempty"`
	DefaultLBServiceIP string         `json:"defaultLBServiceIPAM,omitempty"`

	// Routing, tunnelling and masquerading.
	RoutingMode                  string        `json:"routingMode,omitempty"`
	Tunnel                       string        `json:"tunnel,omitempty"` // legacy key, "disabled" = native routing
	TunnelProtocol               string        `json:"tunnelProtocol,omitempty"`
	IPv4NativeRoutingCIDR        *netip.Prefix `json:"ipv4NativeRoutingCIDR,omitempty"`
	IPv6NativeRoutingCIDR        *netip.Prefix `json:"ipv6NativeRoutingCIDR,omitempty"`
	EnableIPv4Masquerade         *bool         `json:"enableIPv4Masquerade,omitempty"`
	EnableIPv6Masquerade         *bool         `json:"enableIPv6Masquerade,omitempty"`
	EnableBPFMasquerade          *bool         `json:"enableBPFMasquerade,omitempty"`
	EnableIPMasqAgent            *bool         `json:"enableIPMasqAgent,omitempty"`
	AutoDirectNodeRoutes         *bool         `json:"autoDirectNodeRoutes,omitempty"`
	DirectRoutingSkipUnreachable *bool         `json:"directRoutingSkipUnreachable,omitempty"`
	MTU                          *int          `json:"mtu,omitempty"`

	// Load balancing and kube-proxy replacement.
	KubeProxyReplacement   string `json:"kubeProxyReplacement,omitempty"`
	BPFLBMode              string `json:"bpfLBMode,omitempty"`
	BPFLBDSRDispatch       string `json:"bpfLBDSRDispatch,omitempty"`
	BPFLBAcceleration      string `json:"bpfLBAcceleration,omitempty"`
	BPFLBExternalClusterIP *bool  `json:"bpfLBExternalClusterIP,omitempty"`
	BPFLBSock              *bool  `json:"bpfLBSock,omitempty"`
	BPFLBSockHostNSOnly    *bool  `json:"bpfLBSockHostNSOnly,omitempty"`
	EnableExternalIPs      *bool  `json:"enableExternalIPs,omitempty"`
	EnableHostPort         *bool  `json:"enableHostPort,omitempty"`
	EnableNodePort         *bool  `json:"enableNodePort,omitempty"`

	// L2 announcements and NDP.
	EnableL2Announcements      *bool  `json:"enableL2Announcements,omitempty"`
	L2AnnouncementsLeaseDur    string `json:"l2AnnouncementsLeaseDuration,omitempty"`
	L2AnnouncementsRenewDL     string `json:"l2AnnouncementsRenewDeadline,omitempty"`
	L2AnnouncementsRetryPeriod string `json:"l2AnnouncementsRetryPeriod,omitempty"`
	EnableIPv6NDP              *bool  `json:"enableIPv6NDP,omitempty"`
	IPv6McastDevice            string `json:"ipv6McastDevice,omitempty"`
	EnableHostFirewall         *bool  `json:"enableHostFirewall,omitempty"`
	EnableHubble               *bool  `json:"enableHubble,omitempty"`
	HubbleListenAddress        string `json:"hubbleListenAddress,omitempty"`
	BPFCTGlobalTCPMax          *int   `json:"bpfCTGlobalTCPMax,omitempty"`
	BPFCTGlobalAnyMax          *int   `json:"bpfCTGlobalAnyMax,omitempty"`
	BPFNATGlobalMax            *int   `json:"bpfNATGlobalMax,omitempty"`
	BPFMapDynamicSizeRatio     string `json:"bpfMapDynamicSizeRatio,omitempty"`
}

// NativeRouting reports whether the datapath runs in native routing mode, reading the
// current key (routing-mode) and the pre-1.14 one (tunnel: disabled).
func (c CiliumConfig) NativeRouting() bool {
	if c.RoutingMode != "" {
		return strings.EqualFold(c.RoutingMode, "native")
	}
	return strings.EqualFold(c.Tunnel, "disabled")
}

// Bool returns the value of an optional flag, or def when the key is absent.
func Bool(v *bool, def bool) bool {
	if v == nil {
		return def
	}
	return *v
}
