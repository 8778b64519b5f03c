// SPDX-License-Identifier: Apache-2.0

// Package topology draws hubs (routers) with their spokes (sessions to nodes) as a
// box and a coloured tree, the Overview's picture of who peers with whom.
package topology

import (
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/tui/styles"
	"github.com/charmbracelet/x/ansi"
)

// Link is one spoke: the far end's label and the edge's tone and glyph label.
type Link struct {
	Label string
	Edge  string // short state shown on the edge ("established")
	Tone  styles.Tone
}

// Hub is one box with its spokes.
type Hub struct {
	Title string
	Lines []string
	Links []Link
}

// glyph is the marker on an edge of the tone.
func glyph(t styles.Tone) string {
	switch t {
	case styles.Good:
		return "●"
	case styles.Bad:
		return "✗"
	case styles.Caution:
		return "◐"
	}
	return "○"
}

// Render draws the hubs one under the other, lines cut to width.
func Render(st *styles.Styles, hubs []Hub, width int) string {
	var b strings.Builder
	for i, h := range hubs {
		if i > 0 {
			b.WriteString("\n")
		}
		body := st.Title.Render(h.Title)
		if len(h.Lines) > 0 {
			body += "\n" + strings.Join(h.Lines, "\n")
		}
		box := st.Box.Render(body)
		for _, l := range strings.Split(box, "\n") {
			b.WriteString(ansi.Truncate(l, width, "…") + "\n")
		}
		edgeW := 0
		for _, l := range h.Links {
			edgeW = max(edgeW, ansi.StringWidth(l.Edge))
		}
		for j, l := range h.Links {
			branch := "├"
			if j == len(h.Links)-1 {
				branch = "└"
			}
			edge := l.Edge + " " + strings.Repeat("─", edgeW-ansi.StringWidth(l.Edge)+2)
			line := "    " + st.Dim.Render(branch+"──") + st.For(l.Tone).Render(glyph(l.Tone)+" "+edge+"▶ ") + l.Label
			b.WriteString(ansi.Truncate(line, width, "…") + "\n")
		}
		if len(h.Links) == 0 {
			b.WriteString(st.Dim.Render("    (no session)") + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
