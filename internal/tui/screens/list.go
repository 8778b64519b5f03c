// SPDX-License-Identifier: Apache-2.0

package screens

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/components/pane"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/components/table"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/keys"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/msgs"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/styles"
)

// list is a table screen with a detail pane behind enter: the shape of most screens.
// The screen supplies rows, the detail text of a row, and its own keys.
type list struct {
	Common
	name     string
	tbl      table.Model
	detail   pane.Model
	inDetail bool
	openKey  string
	// rows builds the table from the data; empty explains an empty table.
	rows func(d *msgs.Data) (rows []table.Row, empty string)
	// detailOf renders a row's detail pane (nil: no detail).
	detailOf func(key string) string
	// action handles a screen key on the selected row (nil cmd and false: not handled).
	action func(msg tea.KeyPressMsg, row table.Row) (tea.Cmd, bool)
	// focusKey maps a drill-down reference to a row key ("" when the screen has none).
	focusKey func(ref model.Ref) string
	// caption is the line above the table (what is shown, its scope); default: a count.
	caption func() string
	// unfocus drops a drill-down scope on esc (false: there was none).
	unfocus func() bool
	// focus applies a drill-down reference as a scope (rebuilding rows); false: no scope.
	focus func(ref model.Ref) bool
	help  []key.Binding
}

func newList(st *styles.Styles, km *keys.KeyMap, name string, cols ...table.Column) *list {
	l := &list{Common: Common{St: st, KM: km}, name: name, tbl: table.New(st, km, cols...), detail: pane.New(km)}
	l.tbl.Empty = l.loading()
	return l
}

func (l *list) Name() string { return l.name }

func (l *list) SetData(d *msgs.Data) {
	l.Data = d
	if d == nil || d.Snap == nil {
		l.tbl.SetRows(nil)
		l.tbl.Empty = l.loading()
		return
	}
	rows, empty := l.rows(d)
	l.tbl.Empty = empty
	l.tbl.SetRows(rows)
	if l.inDetail && l.detailOf != nil {
		l.detail.SetContent(l.detailOf(l.openKey))
	}
}

func (l *list) SetSize(w, h int) {
	l.W, l.H = w, h
	l.tbl.SetSize(w, h-1)
	l.detail.SetSize(w, h)
}

func (l *list) Focus(ref model.Ref, filter string) {
	l.inDetail = false
	if filter != "" {
		l.tbl.SetFilter(filter)
	}
	if ref.Name != "" && l.focus != nil && l.focus(ref) {
		l.SetData(l.Data)
		return
	}
	if ref.Name != "" && l.focusKey != nil {
		if k := l.focusKey(ref); k != "" && l.tbl.Select(k) {
			l.open() // a drill-down shows the object itself
		}
	}
}

// open shows the detail pane of the selected row.
func (l *list) open() bool {
	r, ok := l.tbl.Selected()
	if !ok || l.detailOf == nil {
		return false
	}
	l.inDetail, l.openKey = true, r.Key
	l.detail.SetContent(l.detailOf(r.Key))
	return true
}

func (l *list) Update(msg tea.Msg) (Screen, tea.Cmd) {
	var cmd tea.Cmd
	if k, ok := msg.(tea.KeyPressMsg); ok && !l.tbl.Editing() {
		row, _ := l.tbl.Selected()
		if l.inDetail {
			row.Key = l.openKey
		}
		if l.action != nil {
			if c, handled := l.action(k, row); handled {
				return l, c
			}
		}
		if !l.inDetail && key.Matches(k, l.KM.Enter) && l.open() {
			return l, nil
		}
	}
	if l.inDetail {
		l.detail, cmd = l.detail.Update(msg)
	} else {
		l.tbl, cmd = l.tbl.Update(msg)
	}
	return l, cmd
}

func (l *list) View() string {
	if l.inDetail {
		return l.detail.View()
	}
	c := ""
	if l.caption != nil {
		c = l.caption()
	} else if l.Data != nil {
		c = fmt.Sprintf("%d %s", l.tbl.Total(), l.name)
	}
	return l.St.Dim.Render(c) + "\n" + l.tbl.View()
}

func (l *list) Capturing() bool { return !l.inDetail && l.tbl.Editing() }

func (l *list) Back() bool {
	if l.inDetail {
		l.inDetail = false
		return true
	}
	if l.tbl.Filter() != "" {
		l.tbl.SetFilter("")
		return true
	}
	if l.unfocus != nil && l.unfocus() {
		l.SetData(l.Data)
		return true
	}
	return false
}

func (l *list) Help() []key.Binding {
	if l.inDetail {
		return append([]key.Binding{l.KM.Back}, l.help...)
	}
	return append([]key.Binding{l.KM.Enter, l.KM.Filter}, l.help...)
}
