// SPDX-License-Identifier: Apache-2.0

package screens

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/msgs"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/styles"
)

// SeverityTone colours a finding's severity.
func SeverityTone(s checks.Severity) styles.Tone {
	switch s {
	case checks.Error:
		return styles.Bad
	case checks.Warning:
		return styles.Caution
	}
	return styles.Note
}

// findingsAbout lists the findings whose subject is ref, or (for a node) any subject
// under it (its BGP peers "node/instance/peer").
func findingsAbout(d *msgs.Data, match func(model.Ref) bool) []checks.Finding {
	if d == nil {
		return nil
	}
	var out []checks.Finding
	for _, f := range d.Result.Findings {
		if match(f.Subject) {
			out = append(out, f)
		}
	}
	return out
}

// findingLines renders findings as short lines for a detail pane.
func findingLines(st *styles.Styles, fs []checks.Finding) string {
	if len(fs) == 0 {
		return st.Dim.Render("  no finding")
	}
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s %s\n    %s\n", st.For(SeverityTone(f.Severity)).Render(strings.ToUpper(string(f.Severity))), f.ID, f.Message)
	}
	return strings.TrimRight(b.String(), "\n")
}

// kv renders "key: value" lines with the keys dimmed.
func kv(st *styles.Styles, pairs ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		fmt.Fprintf(&b, "  %s %s\n", st.Dim.Render(fmt.Sprintf("%-14s", pairs[i]+":")), cmp.Or(pairs[i+1], "-"))
	}
	return strings.TrimRight(b.String(), "\n")
}
