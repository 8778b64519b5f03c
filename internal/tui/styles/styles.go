// SPDX-License-Identifier: Apache-2.0

// Package styles holds the TUI's one Styles value: every colour and emphasis the
// screens use, built for a dark or a light terminal. NO_COLOR and dumb terminals are
// handled by the renderer's colour profile, which drops colours but keeps emphasis.
package styles

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Styles are the named styles of the TUI; View code never builds its own.
type Styles struct {
	Dark bool

	App       lipgloss.Style
	Title     lipgloss.Style // screen titles, the header's product name
	Tab       lipgloss.Style
	TabActive lipgloss.Style
	Header    lipgloss.Style // table headers
	Cell      lipgloss.Style
	Selected  lipgloss.Style // the table row under the cursor
	Dim       lipgloss.Style // secondary text, "-" placeholders
	Key       lipgloss.Style // key names in hints
	Section   lipgloss.Style // headings inside detail panes
	Code      lipgloss.Style // commands and YAML in fix panes

	OK      lipgloss.Style // established, forwarded, ok sources
	Warn    lipgloss.Style // warnings, partial sources, connecting sessions
	Err     lipgloss.Style // errors, dropped flows, down sessions
	Info    lipgloss.Style // info findings
	Unknown lipgloss.Style // unknown state, skipped sources

	StatusBar lipgloss.Style
	Flash     lipgloss.Style
	FlashErr  lipgloss.Style
	Filter    lipgloss.Style // the "/filter" prompt
	Box       lipgloss.Style // topology boxes
	BarFull   lipgloss.Style // usage bars
	BarEmpty  lipgloss.Style
}

// New returns the styles for a dark (or light) terminal background.
func New(dark bool) *Styles {
	ld := lipgloss.LightDark(dark)
	c := func(light, darkc string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(darkc)) }
	fg, dim := c("#1f2328", "#e6edf3"), c("#6e7781", "#8b949e")
	accent := c("#0550ae", "#58a6ff")
	green, yellow, red, blue := c("#116329", "#3fb950"), c("#7d4e00", "#d29922"), c("#a40e26", "#f85149"), c("#0969da", "#79c0ff")
	selBg := c("#ddf4ff", "#1f3a5f")
	barBg := c("#d0d7de", "#30363d")
	return &Styles{
		Dark:      dark,
		App:       lipgloss.NewStyle().Foreground(fg),
		Title:     lipgloss.NewStyle().Bold(true).Foreground(accent),
		Tab:       lipgloss.NewStyle().Foreground(dim).Padding(0, 1),
		TabActive: lipgloss.NewStyle().Bold(true).Foreground(accent).Underline(true).Padding(0, 1),
		Header:    lipgloss.NewStyle().Bold(true).Foreground(dim),
		Cell:      lipgloss.NewStyle().Foreground(fg),
		Selected:  lipgloss.NewStyle().Bold(true).Background(selBg).Reverse(false),
		Dim:       lipgloss.NewStyle().Foreground(dim),
		Key:       lipgloss.NewStyle().Bold(true).Foreground(accent),
		Section:   lipgloss.NewStyle().Bold(true).Underline(true),
		Code:      lipgloss.NewStyle().Foreground(blue),
		OK:        lipgloss.NewStyle().Foreground(green),
		Warn:      lipgloss.NewStyle().Foreground(yellow),
		Err:       lipgloss.NewStyle().Foreground(red).Bold(true),
		Info:      lipgloss.NewStyle().Foreground(blue),
		Unknown:   lipgloss.NewStyle().Foreground(dim),
		StatusBar: lipgloss.NewStyle().Foreground(dim),
		Flash:     lipgloss.NewStyle().Foreground(green),
		FlashErr:  lipgloss.NewStyle().Foreground(red).Bold(true),
		Filter:    lipgloss.NewStyle().Bold(true).Foreground(yellow),
		Box:       lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(dim).Padding(0, 1),
		BarFull:   lipgloss.NewStyle().Foreground(accent),
		BarEmpty:  lipgloss.NewStyle().Foreground(barBg),
	}
}

// Tone names how a value should be coloured, so data code can say "bad" without
// knowing about styles.
type Tone int

// Tones, from neutral to bad.
const (
	Neutral Tone = iota
	Good
	Caution
	Bad
	Note
	Faint
)

// For returns the style of a tone.
func (s *Styles) For(t Tone) lipgloss.Style {
	switch t {
	case Good:
		return s.OK
	case Caution:
		return s.Warn
	case Bad:
		return s.Err
	case Note:
		return s.Info
	case Faint:
		return s.Dim
	}
	return s.Cell
}
