// SPDX-License-Identifier: Apache-2.0

// Package table is the TUI's table: columns sized from their content, a cursor, a
// `/` filter, mouse-wheel scrolling, and rendering of the visible rows only, so ten
// thousand rows cost what a screenful does.
package table

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/bgpnet/kubectl-bgpnet/internal/safe"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/keys"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/styles"
	"github.com/charmbracelet/x/ansi"
)

// Column is one column: its title, and whether it takes the width left over (only
// one should; it is truncated first when the terminal is narrow).
type Column struct {
	Title string
	Flex  bool
	Max   int // cap on the content-derived width (0: none)
}

// Row is one row: Key identifies it across refreshes (the cursor follows it), Cells
// are plain text, Tones colour each cell (missing: neutral).
type Row struct {
	Key   string
	Cells []string
	Tones []styles.Tone
}

// Model is a table's state.
type Model struct {
	st      *styles.Styles
	km      *keys.KeyMap
	cols    []Column
	rows    []Row
	lower   []string // each row's cells joined and lowercased, for the filter
	view    []int    // indices of the rows that pass the filter
	widths  []int    // content width of each column over all rows
	cursor  int      // index into view
	offset  int      // first visible index into view
	width   int
	height  int
	filter  string
	editing bool
	// Empty explains an empty table ("no CiliumBGPNodeConfig: …"); never blank.
	Empty string
}

// New returns an empty table.
func New(st *styles.Styles, km *keys.KeyMap, cols ...Column) Model {
	m := Model{st: st, km: km, cols: cols, Empty: "nothing to show"}
	m.SetRows(nil)
	return m
}

// SetStyles replaces the styles (light/dark switch).
func (m *Model) SetStyles(st *styles.Styles) { m.st = st }

// SetRows replaces the rows; the cursor stays on the row with the same key.
func (m *Model) SetRows(rows []Row) {
	var selected string
	if r, ok := m.Selected(); ok {
		selected = r.Key
	}
	m.rows = rows
	m.lower = make([]string, len(rows))
	m.widths = make([]int, len(m.cols))
	for i, c := range m.cols {
		m.widths[i] = ansi.StringWidth(c.Title)
	}
	for i, r := range rows {
		for j, c := range r.Cells {
			r.Cells[j] = safe.Text(c) // cells are data: one line, no control sequences
		}
		m.lower[i] = strings.ToLower(strings.Join(r.Cells, " "))
		for j, c := range r.Cells {
			if j < len(m.widths) {
				m.widths[j] = max(m.widths[j], ansi.StringWidth(c))
			}
		}
	}
	for i, c := range m.cols {
		if c.Max > 0 {
			m.widths[i] = min(m.widths[i], c.Max)
		}
	}
	m.applyFilter()
	if selected == "" || !m.Select(selected) {
		m.clamp()
	}
}

// Len is the number of rows shown (after the filter); Total all rows.
func (m Model) Len() int   { return len(m.view) }
func (m Model) Total() int { return len(m.rows) }

// SetSize sets the table's outer size.
func (m *Model) SetSize(w, h int) {
	m.width, m.height = w, h
	m.clamp()
}

// Filter is the current filter text.
func (m Model) Filter() string { return m.filter }

// Editing reports whether the filter is being typed (keys go to it).
func (m Model) Editing() bool { return m.editing }

// SetFilter sets the filter text (case-insensitive substring of any cell).
func (m *Model) SetFilter(f string) {
	m.filter = f
	m.applyFilter()
	m.clamp()
}

func (m *Model) applyFilter() {
	m.view = m.view[:0]
	f := strings.ToLower(strings.TrimSpace(m.filter))
	for i := range m.rows {
		if f == "" || strings.Contains(m.lower[i], f) {
			m.view = append(m.view, i)
		}
	}
}

// Selected returns the row under the cursor.
func (m Model) Selected() (Row, bool) {
	if m.cursor < 0 || m.cursor >= len(m.view) {
		return Row{}, false
	}
	return m.rows[m.view[m.cursor]], true
}

// Select moves the cursor to the row with key k (clearing a filter that hides it).
func (m *Model) Select(k string) bool {
	for pass := 0; pass < 2; pass++ {
		for i, ri := range m.view {
			if m.rows[ri].Key == k {
				m.cursor = i
				m.clamp()
				return true
			}
		}
		if m.filter == "" {
			return false
		}
		m.SetFilter("")
	}
	return false
}

// bodyHeight is the number of row lines: the height less the header and filter lines.
func (m Model) bodyHeight() int {
	h := m.height - 1
	if m.editing || m.filter != "" {
		h--
	}
	return max(h, 1)
}

func (m *Model) clamp() {
	m.cursor = min(max(m.cursor, 0), max(len(m.view)-1, 0))
	bh := m.bodyHeight()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+bh {
		m.offset = m.cursor - bh + 1
	}
	m.offset = min(max(m.offset, 0), max(len(m.view)-bh, 0))
}

// Update handles navigation, the filter and the mouse wheel.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		if m.editing {
			return m.editFilter(msg), nil
		}
		switch {
		case key.Matches(msg, m.km.Up):
			m.cursor--
		case key.Matches(msg, m.km.Down):
			m.cursor++
		case key.Matches(msg, m.km.PageUp):
			m.cursor -= m.bodyHeight()
		case key.Matches(msg, m.km.PageDown):
			m.cursor += m.bodyHeight()
		case key.Matches(msg, m.km.Top):
			m.cursor = 0
		case key.Matches(msg, m.km.Bottom):
			m.cursor = len(m.view) - 1
		case key.Matches(msg, m.km.Filter):
			m.editing = true
		default:
			return m, nil
		}
		m.clamp()
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			m.cursor -= 3
		case tea.MouseWheelDown:
			m.cursor += 3
		}
		m.clamp()
	}
	return m, nil
}

// editFilter types into the filter: enter keeps it, esc clears it.
func (m Model) editFilter(msg tea.KeyPressMsg) Model {
	switch msg.String() {
	case "enter":
		m.editing = false
	case "esc":
		m.editing = false
		m.SetFilter("")
	case "backspace":
		if r := []rune(m.filter); len(r) > 0 {
			m.SetFilter(string(r[:len(r)-1]))
		}
	default:
		if msg.Text != "" {
			m.SetFilter(m.filter + msg.Text)
		}
	}
	m.clamp()
	return m
}

// colWidths fits the columns into the width: content widths; when too wide, the
// flex column gives way first (down to a third of the width), then the widest other
// columns (down to their title, at most 12 cells), then the flex column (down to 20);
// a flex column takes any width left over.
func (m Model) colWidths() []int {
	w := append([]int(nil), m.widths...)
	if len(w) == 0 || m.width <= 0 {
		return w
	}
	total := 2 * (len(w) - 1)
	for _, x := range w {
		total += x
	}
	flex := -1
	mins := make([]int, len(w))
	for i, c := range m.cols {
		mins[i] = min(max(ansi.StringWidth(c.Title), 4), 12)
		if c.Flex {
			flex, mins[i] = i, 20
		}
	}
	shrink := func(i, floor int) {
		if cut := min(total-m.width, w[i]-floor); cut > 0 {
			w[i] -= cut
			total -= cut
		}
	}
	if flex >= 0 { // the flex column gives way first, down to a third of the width
		shrink(flex, max(mins[flex], m.width*35/100))
	}
	for total > m.width {
		widest := -1
		for j := range w {
			if j != flex && w[j] > mins[j] && (widest < 0 || w[j] > w[widest]) {
				widest = j
			}
		}
		if widest < 0 {
			break
		}
		w[widest]-- // one cell at a time from the widest keeps the columns balanced
		total--
	}
	if flex >= 0 {
		shrink(flex, min(mins[flex], w[flex]))
	}
	for i := range w { // still too wide: everything down to 3 cells, from the right
		if total <= m.width {
			break
		}
		shrink(len(w)-1-i, 3)
	}
	if flex >= 0 && total < m.width {
		w[flex] += m.width - total
	}
	return w
}

func pad(s string, w int) string {
	if ansi.StringWidth(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", max(w-ansi.StringWidth(s), 0))
}

// View renders the header, the visible rows and the filter line.
func (m Model) View() string {
	var b strings.Builder
	w := m.colWidths()
	head := make([]string, len(m.cols))
	for i, c := range m.cols {
		head[i] = pad(c.Title, w[i])
	}
	b.WriteString(m.st.Header.Render(strings.TrimRight(strings.Join(head, "  "), " ")))
	lines := 1
	if len(m.view) == 0 {
		msg := m.Empty
		if len(m.rows) > 0 {
			msg = fmt.Sprintf("no row matches %q (%d rows; esc clears the filter)", m.filter, len(m.rows))
		}
		b.WriteString("\n" + m.st.Dim.Render(pad(msg, m.width)))
		lines++
	}
	end := min(m.offset+m.bodyHeight(), len(m.view))
	for vi := m.offset; vi < end; vi++ {
		r := m.rows[m.view[vi]]
		cells := make([]string, len(m.cols))
		for i := range m.cols {
			c := ""
			if i < len(r.Cells) {
				c = r.Cells[i]
			}
			cells[i] = pad(c, w[i])
		}
		b.WriteByte('\n')
		if vi == m.cursor {
			b.WriteString(m.st.Selected.Render(pad(strings.Join(cells, "  "), m.width)))
		} else {
			for i, c := range cells {
				if i > 0 {
					b.WriteString("  ")
				}
				t := styles.Neutral
				if i < len(r.Tones) {
					t = r.Tones[i]
				}
				b.WriteString(m.st.For(t).Render(c))
			}
		}
		lines++
	}
	for ; lines < m.height-boolInt(m.editing || m.filter != ""); lines++ {
		b.WriteByte('\n')
	}
	if m.editing || m.filter != "" {
		cursor := ""
		if m.editing {
			cursor = "█"
		}
		b.WriteString("\n" + m.st.Filter.Render("/"+m.filter+cursor) + m.st.Dim.Render(fmt.Sprintf("  %d of %d", len(m.view), len(m.rows))))
	}
	return b.String()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
