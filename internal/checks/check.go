// SPDX-License-Identifier: Apache-2.0

// Package checks is the diagnosis engine: a registry of checks, each a pure function
// of a snapshot, with a stable ID taken from the failure-mode catalogue.
package checks

import (
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/fix"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// Severity of a finding.
type Severity string

// Severities, from most to least severe.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
)

// Rank orders severities: error 3, warning 2, info 1, anything else 0.
func (s Severity) Rank() int {
	switch s {
	case Error:
		return 3
	case Warning:
		return 2
	case Info:
		return 1
	}
	return 0
}

// Layer groups checks by where the problem lives.
type Layer string

// Layers, in the order doctor prints them.
const (
	LayerVersion  Layer = "version"
	LayerNodes    Layer = "nodes"
	LayerSessions Layer = "sessions"
	LayerAdverts  Layer = "advertisements"
	LayerLBIPAM   Layer = "lb-ipam"
	LayerL2       Layer = "l2"
	LayerDatapath Layer = "datapath"
	// LayerObservability is what Hubble shows of the traffic.
	LayerObservability Layer = "observability"
)

// Layers lists the layers in print order.
var Layers = []Layer{LayerVersion, LayerNodes, LayerSessions, LayerAdverts, LayerLBIPAM, LayerL2, LayerDatapath, LayerObservability}

// SeverityCase is a severity a check uses besides its default, and when.
type SeverityCase struct {
	Severity Severity
	When     string
}

// Severities lists the check's severities: the default, then the declared cases.
func (c Check) Severities() []Severity {
	out := []Severity{c.Severity}
	for _, a := range c.Also {
		out = append(out, a.Severity)
	}
	return out
}

// SeverityText describes the check's severities for --list, --explain and the docs:
// "error (warning when …; info when …)".
func (c Check) SeverityText() string {
	if len(c.Also) == 0 {
		return string(c.Severity)
	}
	parts := make([]string, len(c.Also))
	for i, a := range c.Also {
		parts[i] = string(a.Severity) + " when " + a.When
	}
	return string(c.Severity) + " (" + strings.Join(parts, "; ") + ")"
}

// Check is one diagnosis.
type Check struct {
	// ID is stable forever; catalogue modes use the catalogue's kebab-case id.
	ID    string
	Title string
	// Severity is the default severity of the check's findings.
	Severity Severity
	// Also are the other severities a finding of this check may carry, each with the
	// case that calls for it; a finding never carries a severity not declared here.
	Also  []SeverityCase
	Layer Layer
	// Needs are sources that must be ok; Uses may also be not-installed (no such
	// objects). Any other status skips the check with that reason. Optional sources are
	// read when they were (the agents' live view); the check itself handles their
	// absence or failure, per node, and never treats what it could not see as fine.
	Needs    []string
	Uses     []string
	Optional []string
	// NeedsAny: at least one of these sources must be ok (the check reads whichever was).
	NeedsAny []string
	// Versions says which Cilium versions the mode applies to, as the catalogue does.
	Versions string
	// Detects and Fixes are one-line summaries for docs/checks.md.
	Detects string
	Fixes   string
	// Explain is the long explanation: why it breaks, how it is detected, references.
	Explain string
	// Run is pure: the same snapshot gives the same findings, in the same order.
	Run func(*Input) []Finding
}

// Finding is one problem found by a check, about one subject.
type Finding struct {
	ID       string    `json:"id"`
	Severity Severity  `json:"severity"`
	Layer    Layer     `json:"layer"`
	Subject  model.Ref `json:"subject"`
	Message  string    `json:"message"`
	// Details are further lines of explanation specific to this finding (ranked causes, …).
	Details  []string       `json:"details,omitempty"`
	Evidence []Evidence     `json:"evidence"`
	Fixes    []fix.Proposal `json:"fixes"`
}

// Evidence is one observed fact that supports a finding.
type Evidence struct {
	Source   string     `json:"source"`
	Object   *model.Ref `json:"object,omitempty"`
	Field    string     `json:"field,omitempty"`
	Observed string     `json:"observed"`
	Expected string     `json:"expected,omitempty"`
}

// Skipped is a check that did not run, and why.
type Skipped struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}
