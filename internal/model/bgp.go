// SPDX-License-Identifier: Apache-2.0

package model

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Kind names of the Cilium objects bgpnet reads.
const (
	KindPeeringPolicy      = "CiliumBGPPeeringPolicy"
	KindClusterConfig      = "CiliumBGPClusterConfig"
	KindPeerConfig         = "CiliumBGPPeerConfig"
	KindAdvertisement      = "CiliumBGPAdvertisement"
	KindNodeConfig         = "CiliumBGPNodeConfig"
	KindNodeConfigOverride = "CiliumBGPNodeConfigOverride"
	KindLBPool             = "CiliumLoadBalancerIPPool"
	KindL2Policy           = "CiliumL2AnnouncementPolicy"
	KindNode               = "Node"
	KindService            = "Service"
)

// BGP holds Cilium's BGP intent (v1 PeeringPolicies, v2 Cluster/Peer/Advertisement/
// Override objects) and the actual state the agents report (NodeConfig status).
// The v2 kinds have the same shape whether they were read at cilium.io/v2 or
// v2alpha1; ObjectMeta.APIVersion records which.
type BGP struct {
	PeeringPolicies     []PeeringPolicy      `json:"peeringPolicies"`
	ClusterConfigs      []ClusterConfig      `json:"clusterConfigs"`
	PeerConfigs         []PeerConfig         `json:"peerConfigs"`
	Advertisements      []Advertisement      `json:"advertisements"`
	NodeConfigOverrides []NodeConfigOverride `json:"nodeConfigOverrides"`
	NodeConfigs         []NodeConfig         `json:"nodeConfigs"`
}

// PeeringPolicy is a BGPv1 CiliumBGPPeeringPolicy (cilium.io/v2alpha1, removed in 1.19).
type PeeringPolicy struct {
	ObjectMeta     `json:"metadata"`
	NodeSelector   *metav1.LabelSelector `json:"nodeSelector,omitempty"`
	VirtualRouters []VirtualRouter       `json:"virtualRouters"`
	Conditions     []metav1.Condition    `json:"conditions,omitempty"`
}

// VirtualRouter is one BGPv1 virtual router: a local ASN, its neighbors and what it exports.
type VirtualRouter struct {
	LocalASN              int64                 `json:"localASN"`
	ExportPodCIDR         *bool                 `json:"exportPodCIDR,omitempty"`
	ServiceSelector       *metav1.LabelSelector `json:"serviceSelector,omitempty"`
	ServiceAdvertisements []string              `json:"serviceAdvertisements,omitempty"`
	PodIPPoolSelector     *metav1.LabelSelector `json:"podIPPoolSelector,omitempty"`
	Neighbors             []Neighbor            `json:"neighbors"`
}

// Neighbor is a BGPv1 neighbor with its session settings inline.
type Neighbor struct {
	PeerAddress              string           `json:"peerAddress"`
	PeerASN                  int64            `json:"peerASN"`
	PeerPort                 *int32           `json:"peerPort,omitempty"`
	AuthSecretRef            string           `json:"authSecretRef,omitempty"`
	EBGPMultihopTTL          *int32           `json:"eBGPMultihopTTL,omitempty"`
	ConnectRetryTimeSeconds  *int32           `json:"connectRetryTimeSeconds,omitempty"`
	HoldTimeSeconds          *int32           `json:"holdTimeSeconds,omitempty"`
	KeepAliveTimeSeconds     *int32           `json:"keepAliveTimeSeconds,omitempty"`
	GracefulRestart          *GracefulRestart `json:"gracefulRestart,omitempty"`
	Families                 []Family         `json:"families,omitempty"`
	AdvertisedPathAttributes []PathAttributes `json:"advertisedPathAttributes,omitempty"`
}

// PathAttributes are BGPv1 per-neighbor attributes for a selection of routes.
type PathAttributes struct {
	SelectorType    string                `json:"selectorType"`
	Selector        *metav1.LabelSelector `json:"selector,omitempty"`
	Communities     *Communities          `json:"communities,omitempty"`
	LocalPreference *int64                `json:"localPreference,omitempty"`
}

// ClusterConfig is a BGPv2 CiliumBGPClusterConfig.
type ClusterConfig struct {
	ObjectMeta   `json:"metadata"`
	NodeSelector *metav1.LabelSelector `json:"nodeSelector,omitempty"`
	Instances    []ClusterInstance     `json:"bgpInstances"`
	Conditions   []metav1.Condition    `json:"conditions,omitempty"`
}

// ClusterInstance is one BGP instance of a ClusterConfig.
type ClusterInstance struct {
	Name      string        `json:"name"`
	LocalASN  *int64        `json:"localASN,omitempty"`
	LocalPort *int32        `json:"localPort,omitempty"`
	Peers     []ClusterPeer `json:"peers"`
}

// ClusterPeer is a peer of a ClusterConfig instance.
type ClusterPeer struct {
	Name          string         `json:"name"`
	PeerAddress   string         `json:"peerAddress,omitempty"`
	PeerASN       *int64         `json:"peerASN,omitempty"`
	AutoDiscovery *AutoDiscovery `json:"autoDiscovery,omitempty"`
	// PeerConfigRef is nil when the peer uses default settings (and advertises nothing).
	PeerConfigRef *PeerConfigRef `json:"peerConfigRef,omitempty"`
}

// AutoDiscovery finds the peer address automatically (1.18+).
type AutoDiscovery struct {
	Mode          string `json:"mode"`
	AddressFamily string `json:"addressFamily,omitempty"`
}

// PeerConfigRef names a CiliumBGPPeerConfig. Kind and Group exist only in v2alpha1.
type PeerConfigRef struct {
	Name  string `json:"name"`
	Kind  string `json:"kind,omitempty"`
	Group string `json:"group,omitempty"`
}

// PeerConfig is a BGPv2 CiliumBGPPeerConfig: session settings and which
// advertisements each address family carries.
type PeerConfig struct {
	ObjectMeta      `json:"metadata"`
	Transport       *Transport         `json:"transport,omitempty"`
	Timers          *Timers            `json:"timers,omitempty"`
	AuthSecretRef   string             `json:"authSecretRef,omitempty"`
	GracefulRestart *GracefulRestart   `json:"gracefulRestart,omitempty"`
	EBGPMultihop    *int32             `json:"ebgpMultihop,omitempty"`
	Families        []Family           `json:"families,omitempty"`
	Conditions      []metav1.Condition `json:"conditions,omitempty"`
}

// Transport is the TCP side of a peering.
type Transport struct {
	PeerPort *int32 `json:"peerPort,omitempty"`
	// LocalPort existed only in v2alpha1 and was dropped in v2.
	LocalPort       *int32 `json:"localPort,omitempty"`
	SourceInterface string `json:"sourceInterface,omitempty"`
}

// Timers are the configured BGP timers.
type Timers struct {
	ConnectRetryTimeSeconds *int32 `json:"connectRetryTimeSeconds,omitempty"`
	HoldTimeSeconds         *int32 `json:"holdTimeSeconds,omitempty"`
	KeepAliveTimeSeconds    *int32 `json:"keepAliveTimeSeconds,omitempty"`
}

// GracefulRestart settings of a peering.
type GracefulRestart struct {
	Enabled            bool   `json:"enabled"`
	RestartTimeSeconds *int32 `json:"restartTimeSeconds,omitempty"`
}

// Family is an AFI/SAFI pair; in a PeerConfig it also selects advertisements by label.
type Family struct {
	AFI            string                `json:"afi"`
	SAFI           string                `json:"safi"`
	Advertisements *metav1.LabelSelector `json:"advertisements,omitempty"`
}

// Advertisement is a BGPv2 CiliumBGPAdvertisement.
type Advertisement struct {
	ObjectMeta     `json:"metadata"`
	Advertisements []AdvertisementEntry `json:"advertisements"`
}

// AdvertisementEntry is one item of an Advertisement: what to advertise and with which attributes.
type AdvertisementEntry struct {
	// Type is PodCIDR, CiliumPodIPPool, Service or Interface.
	Type       string                `json:"advertisementType"`
	Service    *ServiceAdvertisement `json:"service,omitempty"`
	Selector   *metav1.LabelSelector `json:"selector,omitempty"`
	Interface  string                `json:"interface,omitempty"`
	Attributes *Attributes           `json:"attributes,omitempty"`
}

// ServiceAdvertisement says which Service addresses are advertised.
type ServiceAdvertisement struct {
	Addresses             []string `json:"addresses,omitempty"`
	AggregationLengthIPv4 *int32   `json:"aggregationLengthIPv4,omitempty"`
	AggregationLengthIPv6 *int32   `json:"aggregationLengthIPv6,omitempty"`
}

// Attributes are BGP path attributes set on advertised routes.
type Attributes struct {
	Communities     *Communities `json:"communities,omitempty"`
	LocalPreference *int64       `json:"localPreference,omitempty"`
}

// Communities attached to advertised routes.
type Communities struct {
	Standard  []string `json:"standard,omitempty"`
	Large     []string `json:"large,omitempty"`
	WellKnown []string `json:"wellKnown,omitempty"`
}

// NodeConfigOverride is a CiliumBGPNodeConfigOverride; it applies to the node with the same name.
type NodeConfigOverride struct {
	ObjectMeta `json:"metadata"`
	Instances  []OverrideInstance `json:"bgpInstances"`
}

// OverrideInstance overrides per-node settings of the instance with the same name.
type OverrideInstance struct {
	Name      string         `json:"name"`
	LocalASN  *int64         `json:"localASN,omitempty"`
	RouterID  string         `json:"routerID,omitempty"`
	LocalPort *int32         `json:"localPort,omitempty"`
	Peers     []OverridePeer `json:"peers,omitempty"`
}

// OverridePeer overrides per-node settings of the peer with the same name.
type OverridePeer struct {
	Name         string `json:"name"`
	LocalAddress string `json:"localAddress,omitempty"`
	LocalPort    *int32 `json:"localPort,omitempty"`
}

// NodeConfig is a CiliumBGPNodeConfig: the operator's per-node intent (spec) and the
// agent's report of what actually runs (status).
type NodeConfig struct {
	ObjectMeta `json:"metadata"`
	Instances  []NodeInstance       `json:"bgpInstances"`
	Status     []NodeInstanceStatus `json:"statusInstances,omitempty"`
	Conditions []metav1.Condition   `json:"conditions,omitempty"`
}

// NodeInstance is one instance of a NodeConfig spec.
type NodeInstance struct {
	Name      string     `json:"name"`
	LocalASN  *int64     `json:"localASN,omitempty"`
	RouterID  string     `json:"routerID,omitempty"`
	LocalPort *int32     `json:"localPort,omitempty"`
	Peers     []NodePeer `json:"peers"`
}

// NodePeer is one peer of a NodeConfig instance spec.
type NodePeer struct {
	Name          string         `json:"name"`
	PeerAddress   string         `json:"peerAddress,omitempty"`
	PeerASN       *int64         `json:"peerASN,omitempty"`
	AutoDiscovery *AutoDiscovery `json:"autoDiscovery,omitempty"`
	LocalAddress  string         `json:"localAddress,omitempty"`
	PeerConfigRef *PeerConfigRef `json:"peerConfigRef,omitempty"`
}

// NodeInstanceStatus is the agent's report of one instance.
type NodeInstanceStatus struct {
	Name     string       `json:"name"`
	LocalASN *int64       `json:"localASN,omitempty"`
	Peers    []PeerStatus `json:"peers"`
}

// PeerStatus is the agent's report of one session.
type PeerStatus struct {
	Name            string       `json:"name"`
	PeerAddress     string       `json:"peerAddress"`
	PeerASN         *int64       `json:"peerASN,omitempty"`
	PeeringState    string       `json:"peeringState,omitempty"`
	EstablishedTime *time.Time   `json:"establishedTime,omitempty"`
	Timers          *PeerTimers  `json:"timers,omitempty"`
	RouteCount      []RouteCount `json:"routeCount,omitempty"`
}

// PeerTimers are the timers negotiated for a session.
type PeerTimers struct {
	AppliedHoldTimeSeconds  int32 `json:"appliedHoldTimeSeconds"`
	AppliedKeepaliveSeconds int32 `json:"appliedKeepaliveSeconds"`
}

// RouteCount is the number of routes received and advertised for one AFI/SAFI.
type RouteCount struct {
	AFI        string `json:"afi"`
	SAFI       string `json:"safi"`
	Received   int32  `json:"received"`
	Advertised int32  `json:"advertised"`
}
