// SPDX-License-Identifier: Apache-2.0

// Package pane is a scrollable block of styled lines: detail views, fixes, help.
package pane

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/keys"
	"github.com/charmbracelet/x/ansi"
)

// Model is a pane's state.
type Model struct {
	km     *keys.KeyMap
	lines  []string
	offset int
	width  int
	height int
}

// New returns an empty pane.
func New(km *keys.KeyMap) Model { return Model{km: km} }

// SetContent replaces the text (lines wrapped to the width) and scrolls to the top.
func (m *Model) SetContent(s string) {
	m.lines = strings.Split(ansi.Wrap(s, max(m.width, 20), ""), "\n")
	m.offset = 0
}

// Replace replaces the text but keeps the scroll position (a refresh).
func (m *Model) Replace(s string) {
	off := m.offset
	m.SetContent(s)
	m.scroll(off)
}

// ScrollToEnd shows the last lines.
func (m *Model) ScrollToEnd() { m.scroll(len(m.lines)) }

// SetSize sets the pane's size.
func (m *Model) SetSize(w, h int) { m.width, m.height = w, h }

// Lines is the number of lines after wrapping.
func (m Model) Lines() int { return len(m.lines) }

// Offset is the first visible line.
func (m Model) Offset() int { return m.offset }

func (m *Model) scroll(n int) {
	m.offset = min(max(m.offset+n, 0), max(len(m.lines)-m.height, 0))
}

// Update scrolls with the navigation keys and the mouse wheel.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.km.Up):
			m.scroll(-1)
		case key.Matches(msg, m.km.Down):
			m.scroll(1)
		case key.Matches(msg, m.km.PageUp):
			m.scroll(-m.height)
		case key.Matches(msg, m.km.PageDown):
			m.scroll(m.height)
		case key.Matches(msg, m.km.Top):
			m.offset = 0
		case key.Matches(msg, m.km.Bottom):
			m.scroll(len(m.lines))
		}
	case tea.MouseWheelMsg:
		if msg.Button == tea.MouseWheelUp {
			m.scroll(-3)
		} else if msg.Button == tea.MouseWheelDown {
			m.scroll(3)
		}
	}
	return m, nil
}

// View renders the visible lines, each cut to the width.
func (m Model) View() string {
	end := min(m.offset+m.height, len(m.lines))
	out := make([]string, 0, m.height)
	for _, l := range m.lines[m.offset:end] {
		out = append(out, ansi.Truncate(l, m.width, "…"))
	}
	for len(out) < m.height {
		out = append(out, "")
	}
	return strings.Join(out, "\n")
}
