// SPDX-License-Identifier: Apache-2.0

package app

import (
	"fmt"
	"sort"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/safe"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/screens"
	"github.com/charmbracelet/x/ansi"
)

// screenLabels are the tab labels, in screen order.
var screenLabels = []string{"Overview", "Nodes", "Peers", "Routes", "Pools&Svcs", "Flows", "Doctor"}

// bodyHeight is the screen area: the window less the tab line and two status lines.
func (m *Model) bodyHeight() int { return max(m.h-3, 1) }

// View draws the tabs, the active screen (or the help, or why there is no data) and
// the status bar.
func (m *Model) View() tea.View {
	v := tea.NewView(safe.Styled(m.Render())) // the one gate between data and the terminal
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = safe.Text(m.title())
	return v
}

// Render is the frame as a string (View without the terminal modes), for goldens.
func (m *Model) Render() string {
	if m.w == 0 || m.h == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(m.tabs() + "\n")
	body := ""
	switch {
	case m.showHelp:
		body = m.st.Title.Render("Keys") + "\n\n" + m.help.FullHelpView(m.km.FullHelp()) +
			"\n\n" + m.st.Dim.Render("Screens: :overview :nodes :peers :routes :pools :flows :doctor (a unique prefix is enough). Any key closes this help.")
	case m.data == nil && m.loading:
		body = m.loadingPanel()
	case m.data == nil && m.loadErr != nil:
		body = m.st.Err.Render("Could not collect: "+m.loadErr.Error()) + "\n\n" +
			m.st.Dim.Render("r retries; --demo or --from FILE work without a cluster.")
	default:
		body = m.screens[m.active].View()
	}
	b.WriteString(fit(body, m.w, m.bodyHeight()) + "\n")
	b.WriteString(ansi.Truncate(m.statusLine(), m.w, "…") + "\n")
	b.WriteString(ansi.Truncate(m.hintLine(), m.w, "…"))
	return b.String()
}

// fit pads or cuts s to exactly h lines of at most w cells.
func fit(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, w, "…")
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

func (m *Model) tabs() string {
	parts := []string{m.st.Title.Render("bgpnet")}
	for i, l := range screenLabels {
		label := fmt.Sprintf("%d %s", i+1, l)
		if i == m.active {
			parts = append(parts, m.st.TabActive.Render(label))
		} else {
			parts = append(parts, m.st.Tab.Render(label))
		}
	}
	line := strings.Join(parts, "")
	if ansi.StringWidth(line) > m.w { // narrow: numbers only, the active one named
		parts = parts[:1]
		for i, l := range screenLabels {
			if i == m.active {
				parts = append(parts, m.st.TabActive.Render(fmt.Sprintf("%d %s", i+1, l)))
			} else {
				parts = append(parts, m.st.Tab.Render(fmt.Sprint(i+1)))
			}
		}
		line = strings.Join(parts, "")
	}
	return ansi.Truncate(line, m.w, "…")
}

// statusLine is the jump prompt, a flash, the collection's progress, or the sources'
// health and where the data comes from.
func (m *Model) statusLine() string {
	switch {
	case m.jumping:
		return m.st.Filter.Render(":" + m.jump + "█")
	case m.flash.Text != "" && m.flash.Err:
		return m.st.FlashErr.Render(m.flash.Text)
	case m.flash.Text != "":
		return m.st.Flash.Render(m.flash.Text)
	case m.loading:
		pending, done := m.sources()
		var last []string
		for _, st := range done {
			last = append(last, m.st.For(screens.StatusTone(st)).Render(st.Name+" "+st.Display()))
		}
		if len(last) > 4 {
			last = last[len(last)-4:]
		}
		return m.spin.View() + " " + m.st.StatusBar.Render(fmt.Sprintf("collecting… %d sources read, %d in progress", len(done), len(pending))) + "  " + strings.Join(last, "  ")
	case m.data == nil:
		return ""
	}
	return m.sourcesLine(m.data.Snap)
}

// sourcesLine summarises the sources: counts by status and the ones not read fully.
func (m *Model) sourcesLine(s *model.Snapshot) string {
	var okN int
	var bad []string
	for _, src := range s.Sources {
		switch {
		case src.Status == model.StatusOK && !src.Incomplete():
			okN++
		case src.Status == model.StatusSkipped || src.Status == model.StatusNotInstalled:
		default:
			bad = append(bad, m.st.For(screens.StatusTone(src)).Render(src.Name+" "+src.Display()))
		}
	}
	sort.Strings(bad)
	line := m.st.OK.Render(fmt.Sprintf("● %d sources ok", okN))
	if len(bad) > 0 {
		line += "  " + strings.Join(bad, "  ")
	}
	origin := m.data.Origin
	if !s.CollectedAt.IsZero() {
		origin += " · " + s.CollectedAt.Format("15:04:05")
	}
	return line + m.st.Dim.Render("  "+origin)
}

// hintLine is the short help: the screen's keys then the global ones.
func (m *Model) hintLine() string {
	bs := append(m.screens[m.active].Help(), m.km.NextScreen, m.km.Refresh, m.km.Help, m.km.Quit)
	return m.help.ShortHelpView(bs)
}

// sources splits the collection's progress into the sources still being read (in the
// order they started) and those done (in the order they finished).
func (m *Model) sources() (pending []string, done []model.SourceStatus) {
	finished := map[string]bool{}
	for _, st := range m.progress {
		if st.Status != "" {
			finished[st.Name] = true
			done = append(done, st)
		}
	}
	seen := map[string]bool{}
	for _, st := range m.progress {
		if st.Status == "" && !finished[st.Name] && !seen[st.Name] {
			seen[st.Name] = true
			pending = append(pending, st.Name)
		}
	}
	return pending, done
}

// loadingPanel is the first collection: a spinner per source still being read, then
// each source's status as it finishes.
func (m *Model) loadingPanel() string {
	pending, done := m.sources()
	var b strings.Builder
	b.WriteString(m.st.Title.Render("Collecting") + "\n\n")
	for _, name := range pending {
		b.WriteString("  " + m.spin.View() + " " + name + m.st.Dim.Render("  reading…") + "\n")
	}
	for _, st := range done {
		line := "  " + m.st.For(screens.StatusTone(st)).Render("● "+st.Name+" "+st.Display())
		if st.Message != "" && st.Status != model.StatusOK {
			line += m.st.Dim.Render("  " + st.Message)
		}
		b.WriteString(line + "\n")
	}
	if len(pending) == 0 && len(done) == 0 {
		b.WriteString("  " + m.spin.View() + " starting…\n")
	}
	b.WriteString("\n" + m.st.Dim.Render("q quits at any time; a source that hangs is cut off by --timeout."))
	return b.String()
}
