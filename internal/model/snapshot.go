// SPDX-License-Identifier: Apache-2.0

package model

import "time"

// SchemaVersion is the version of the snapshot file format written by this build.
// Loading a snapshot with a larger schemaVersion fails with a clear error.
const SchemaVersion = 1

// Snapshot is everything bgpnet knows about one cluster at one moment.
type Snapshot struct {
	SchemaVersion int       `json:"schemaVersion"`
	CollectedAt   time.Time `json:"collectedAt"`
	// Origin says where the snapshot came from: "cluster", "file" or "demo".
	Origin  string  `json:"origin,omitempty"`
	Cluster Cluster `json:"cluster"`
	// Sources has one entry per source (one per Kubernetes kind, …) with its status.
	Sources []SourceStatus `json:"sources"`

	Cilium    Cilium    `json:"cilium"`
	KubeProxy KubeProxy `json:"kubeProxy"`
	// LBControllers are other LoadBalancer controllers found (k3s ServiceLB DaemonSets).
	LBControllers []Workload `json:"lbControllers,omitempty"`
	Nodes         []Node     `json:"nodes"`
	BGP           BGP        `json:"bgp"`
	Pools         []LBPool   `json:"pools"`
	// L2Policies are CiliumL2AnnouncementPolicies.
	L2Policies []L2Policy `json:"l2Policies"`
	// Services are Services of type LoadBalancer and Services with externalIPs.
	Services []Service `json:"services"`
	// Agents is the agents' live BGP view per node (source "agents"), when collected.
	Agents []AgentNode `json:"agents,omitempty"`
	// Flows are recent dropped flows towards the Services' addresses (source "hubble").
	Flows []Flow `json:"flows,omitempty"`
	// Routers are the upstream routers' views (source "routers"), when read.
	Routers []RouterView `json:"routers,omitempty"`
}

// Cluster identifies the cluster a snapshot was taken from.
type Cluster struct {
	Context         string `json:"context,omitempty"`
	Server          string `json:"server,omitempty"`
	ServerVersion   string `json:"serverVersion,omitempty"`
	CiliumNamespace string `json:"ciliumNamespace"`
}

// ObjectMeta is the part of a Kubernetes object's metadata that bgpnet keeps.
// APIVersion records the group/version the object was read at (e.g. cilium.io/v2alpha1).
type ObjectMeta struct {
	APIVersion        string            `json:"apiVersion,omitempty"`
	Kind              string            `json:"kind,omitempty"`
	Name              string            `json:"name"`
	Namespace         string            `json:"namespace,omitempty"`
	UID               string            `json:"uid,omitempty"`
	ResourceVersion   string            `json:"resourceVersion,omitempty"`
	Generation        int64             `json:"generation,omitempty"`
	CreationTimestamp *time.Time        `json:"creationTimestamp,omitempty"`
	Labels            map[string]string `json:"labels,omitempty"`
	Annotations       map[string]string `json:"annotations,omitempty"`
}

// Ref returns a reference to the object.
func (m ObjectMeta) Ref() Ref {
	return Ref{Kind: m.Kind, APIVersion: m.APIVersion, Namespace: m.Namespace, Name: m.Name}
}

// Ref points at one object (or node, or peer) in a snapshot.
type Ref struct {
	Kind       string `json:"kind"`
	APIVersion string `json:"apiVersion,omitempty"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

// String renders the reference as Kind/namespace/name.
func (r Ref) String() string {
	if r.Namespace != "" {
		return r.Kind + "/" + r.Namespace + "/" + r.Name
	}
	return r.Kind + "/" + r.Name
}
