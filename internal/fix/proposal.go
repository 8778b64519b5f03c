// SPDX-License-Identifier: Apache-2.0

// Package fix turns findings into proposals: data describing one change (label a node,
// merge-patch an object, create an object, change Helm values, or a manual step),
// with renderers for the exact kubectl command, the YAML object or merge patch, and
// Helm --set flags and values.yaml fragments. Nothing here touches a cluster.
package fix

import (
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// Kind is the kind of change a proposal makes.
type Kind string

// Proposal kinds.
const (
	// KindPatch merge-patches an existing object (labels included).
	KindPatch Kind = "merge-patch"
	// KindJSONPatch changes list items of an existing object with an RFC 6902 JSON
	// patch whose "test" operations guard the positions it edits.
	KindJSONPatch Kind = "json-patch"
	// KindCreate creates a new object from a complete manifest.
	KindCreate Kind = "create"
	// KindHelm changes Helm values of the Cilium release.
	KindHelm Kind = "helm"
	// KindCommand is a command to run by hand (restart, delete, router-side change).
	KindCommand Kind = "command"
)

// Risk says what applying a proposal can disturb.
type Risk string

// Risk levels.
const (
	RiskLow    Risk = "low"    // additive, affects only the subject
	RiskMedium Risk = "medium" // may reset BGP sessions or move traffic
	RiskHigh   Risk = "high"   // restarts agents, deletes objects or drops traffic
)

// Proposal is one way to fix a finding.
type Proposal struct {
	Title string `json:"title"`
	Kind  Kind   `json:"kind"`
	Risk  Risk   `json:"risk"`
	// Explanation says why this change fixes the finding and what else it touches.
	Explanation string `json:"explanation,omitempty"`
	// Target is the object changed (KindPatch) or created (KindCreate).
	Target *model.Ref `json:"target,omitempty"`
	// ResourceVersion is the target's version in the snapshot the proposal was made
	// from; applying must refuse if the object changed since.
	ResourceVersion string `json:"resourceVersion,omitempty"`
	// Patch is a JSON merge patch (KindPatch).
	Patch map[string]any `json:"patch,omitempty"`
	// JSONPatch is an RFC 6902 patch (KindJSONPatch).
	JSONPatch []JSONPatchOp `json:"jsonPatch,omitempty"`
	// Object is a complete manifest (KindCreate).
	Object map[string]any `json:"object,omitempty"`
	// Helm holds value changes by dotted path (KindHelm), e.g. "bgpControlPlane.enabled".
	Helm []HelmValue `json:"helm,omitempty"`
	// Commands are the exact commands, in order; always set, for every kind.
	Commands []string `json:"commands"`
	// On says where the commands run: "" here (kubectl, helm), OnRouter or OnNode. They
	// are never printed into the stream that runs here.
	On string `json:"on,omitempty"`
}

// Where a proposal's commands run, when not here.
const (
	OnRouter = "router"
	OnNode   = "node"
)

// HelmValue is one Helm value of the Cilium chart.
type HelmValue struct {
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// JSONPatchOp is one RFC 6902 operation.
type JSONPatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}
