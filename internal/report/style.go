// SPDX-License-Identifier: Apache-2.0

package report

import "github.com/bgpnet/kubectl-bgpnet/internal/checks"

// Style colours terminal output and sets the width prose wraps at; the zero value
// prints plain text, unwrapped (for a pipe or a file).
type Style struct {
	Color bool
	// Width wraps prose (messages, details, explanations) at this many columns; 0 does
	// not wrap. Commands and configuration are never wrapped, so they copy whole.
	Width int
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiBlue   = "\x1b[34m"
	ansiGreen  = "\x1b[32m"
)

func (s Style) wrap(code, text string) string {
	if !s.Color {
		return text
	}
	return code + text + ansiReset
}

// Bold renders text in bold.
func (s Style) Bold(text string) string { return s.wrap(ansiBold, text) }

// Dim renders secondary text.
func (s Style) Dim(text string) string { return s.wrap(ansiDim, text) }

// OK renders a success marker.
func (s Style) OK(text string) string { return s.wrap(ansiGreen, text) }

// Severity renders text in the colour of a severity.
func (s Style) Severity(sev checks.Severity, text string) string {
	switch sev {
	case checks.Error:
		return s.wrap(ansiBold+ansiRed, text)
	case checks.Warning:
		return s.wrap(ansiBold+ansiYellow, text)
	}
	return s.wrap(ansiBold+ansiBlue, text)
}
