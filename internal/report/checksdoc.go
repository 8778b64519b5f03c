// SPDX-License-Identifier: Apache-2.0

package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
)

// ChecksReference writes docs/checks.md: every check with its severity, the sources it
// reads, what it detects and how it is fixed, then the long explanations.
func ChecksReference(w io.Writer, list []checks.Check) error {
	p := &printer{w: w}
	p.printf("# Checks\n\n")
	p.printf("Generated from the check registry (`internal/checks`); a test keeps this file in sync —\n")
	p.printf("run `go test ./internal/report -run TestChecksReference -update` after changing a check.\n")
	p.printf("`kubectl bgpnet doctor --explain ID` prints the long explanation of one check.\n\n")
	p.printf("IDs are stable. Checks of the failure-mode catalogue use the catalogue's id.\n")
	p.printf("A check whose sources could not be read is reported as skipped, never as passed.\n\n")
	layer := checks.Layer("")
	for _, c := range list {
		if c.Layer != layer {
			layer = c.Layer
			p.printf("\n## %s\n\n| ID | severity | versions | detects | fix |\n|---|---|---|---|---|\n", layer)
		}
		p.printf("| [`%s`](#%s) | %s | %s | %s | %s |\n", c.ID, c.ID, c.Severity, mdCell(c.Versions), mdCell(c.Detects), mdCell(c.Fixes))
	}
	p.printf("\n## Explanations\n")
	for _, c := range list {
		needs := append(append([]string{}, c.Needs...), c.Uses...)
		reads := strings.Join(quoteAll(needs), ", ")
		if len(c.NeedsAny) > 0 {
			reads = strings.TrimPrefix(reads+", and at least one of "+strings.Join(quoteAll(c.NeedsAny), ", "), ", ")
		}
		if len(c.Optional) > 0 {
			reads += " (and " + strings.Join(quoteAll(c.Optional), ", ") + " when read)"
		}
		p.printf("\n### %s\n\n**%s** — %s, layer %s, reads %s.\n\n%s\n", c.ID, c.Title, c.SeverityText(), c.Layer, reads, c.Explain)
	}
	return p.err
}

func quoteAll(xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = fmt.Sprintf("`%s`", x)
	}
	return out
}
