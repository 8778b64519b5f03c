// SPDX-License-Identifier: Apache-2.0

package model

// Status is the outcome of reading one source.
type Status string

// Source statuses. Anything but StatusOK means the data of that source is missing or
// incomplete, and checks that need it must report themselves as skipped.
const (
	StatusOK           Status = "ok"
	StatusForbidden    Status = "forbidden"
	StatusNotInstalled Status = "not-installed"
	StatusTimeout      Status = "timeout"
	StatusError        Status = "error"
	StatusSkipped      Status = "skipped"
)

// Source names of the Kubernetes sources. They are stable: checks name the
// sources they need, and users see them in `doctor` output.
const (
	SourceDiscovery          = "discovery"
	SourceNodes              = "nodes"
	SourceCiliumNodes        = "ciliumnodes"
	SourceCiliumConfig       = "cilium-config"
	SourceDaemonSets         = "daemonsets"
	SourceDeployments        = "deployments"
	SourcePeeringPolicies    = "ciliumbgppeeringpolicies"
	SourceClusterConfigs     = "ciliumbgpclusterconfigs"
	SourcePeerConfigs        = "ciliumbgppeerconfigs"
	SourceAdvertisements     = "ciliumbgpadvertisements"
	SourceNodeConfigs        = "ciliumbgpnodeconfigs"
	SourceNodeConfigOverride = "ciliumbgpnodeconfigoverrides"
	SourcePools              = "ciliumloadbalancerippools"
	SourceL2Policies         = "ciliuml2announcementpolicies"
	SourceServices           = "services"
	SourceEndpointSlices     = "endpointslices"
)

// SourceStatus records how reading one source went.
type SourceStatus struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Message explains a status other than ok (the API error, the timeout, …).
	Message string `json:"message,omitempty"`
	// APIVersion is the group/version the kind was read at, when it is a Kubernetes kind.
	APIVersion string `json:"apiVersion,omitempty"`
	// Count is the number of objects read.
	Count int `json:"count"`
	// Failed counts the items of a per-node source (agents) that could not be read; the
	// status stays ok because the others are usable, but the source is incomplete.
	Failed int `json:"failed,omitempty"`
	// ObjectErrors lists objects that were read but could not be decoded; the
	// rest of the kind is still in the snapshot.
	ObjectErrors []ObjectError `json:"objectErrors,omitempty"`
}

// ObjectError is one object that could not be decoded.
type ObjectError struct {
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Error     string `json:"error"`
}

// Source returns the status of the named source, and whether it is present.
func (s *Snapshot) Source(name string) (SourceStatus, bool) {
	for _, src := range s.Sources {
		if src.Name == name {
			return src, true
		}
	}
	return SourceStatus{Name: name, Status: StatusSkipped, Message: "not collected"}, false
}

// SourceOK reports whether every named source was read successfully.
func (s *Snapshot) SourceOK(names ...string) bool {
	for _, n := range names {
		if st, _ := s.Source(n); st.Status != StatusOK {
			return false
		}
	}
	return true
}

// Incomplete reports whether some of the source's data is missing: any status other
// than ok, not-installed (nothing to read) or skipped (not asked for), or failed items.
func (s SourceStatus) Incomplete() bool {
	switch s.Status {
	case StatusOK, StatusNotInstalled, StatusSkipped:
		return s.Failed > 0
	}
	return true
}

// Unread reports whether the source's data is unknown: neither read (ok, possibly
// partly) nor known to be absent (not-installed). Nothing may be inferred from it.
func (s SourceStatus) Unread() bool {
	return s.Status != StatusOK && s.Status != StatusNotInstalled
}

// Display is the status as shown to people: "partial" for an ok source with failed items.
func (s SourceStatus) Display() string {
	if s.Status == StatusOK && s.Failed > 0 {
		return "partial"
	}
	return string(s.Status)
}
