// SPDX-License-Identifier: Apache-2.0

// Package screens holds the TUI's screens: small models behind one interface, each
// turning the shared data into a table or a picture, with its own detail pane.
package screens

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/keys"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/msgs"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/styles"
)

// Screen is one screen of the TUI.
type Screen interface {
	// Name is the screen's id for `:name` and NavigateMsg ("peers").
	Name() string
	// SetData gives the screen a new snapshot (nil while the first one loads).
	SetData(d *msgs.Data)
	SetSize(w, h int)
	// Focus selects an object (drill-down) and/or sets the table filter.
	Focus(ref model.Ref, filter string)
	Update(msg tea.Msg) (Screen, tea.Cmd)
	View() string
	// Capturing is true while the screen takes every key (a filter being typed), so
	// the global keys (q, 1-7, tab) go to it.
	Capturing() bool
	// Back leaves a detail pane; false when the screen has nothing to go back from.
	Back() bool
	// Help lists the screen's own keys for the status bar.
	Help() []key.Binding
}

// Common is what every screen embeds: styles, keys, size and data.
type Common struct {
	St   *styles.Styles
	KM   *keys.KeyMap
	W, H int
	Data *msgs.Data
}

// SetStyles replaces the styles (after the terminal reports its background).
func (c *Common) SetStyles(st *styles.Styles) { c.St = st }

// loading explains an empty screen while no data has arrived.
func (c *Common) loading() string {
	return "collecting… (each source's progress is in the status bar)"
}

// snap returns the snapshot, or nil while loading.
func (c *Common) snap() *model.Snapshot {
	if c.Data == nil {
		return nil
	}
	return c.Data.Snap
}

// sourceNote explains why a table built from these sources may be empty or partial:
// "" when they were all read.
func sourceNote(s *model.Snapshot, names ...string) string {
	var notes []string
	for _, n := range names {
		st, ok := s.Source(n)
		if !ok {
			notes = append(notes, n+" not collected")
			continue
		}
		if st.Status != model.StatusOK || st.Incomplete() {
			m := st.Display()
			if st.Message != "" {
				m += ": " + st.Message
			}
			notes = append(notes, n+" "+m)
		}
	}
	return strings.Join(notes, "; ")
}

// StateTone colours a BGP session state.
func StateTone(state string) styles.Tone {
	switch strings.ToLower(state) {
	case "established":
		return styles.Good
	case "idle", "active", "connect", "opensent", "openconfirm":
		return styles.Caution
	case "down", "error":
		return styles.Bad
	}
	return styles.Faint
}

// StatusTone colours a source status.
func StatusTone(st model.SourceStatus) styles.Tone {
	switch {
	case st.Status == model.StatusOK && st.Incomplete():
		return styles.Caution
	case st.Status == model.StatusOK:
		return styles.Good
	case st.Status == model.StatusSkipped, st.Status == model.StatusNotInstalled:
		return styles.Faint
	}
	return styles.Bad
}

// age renders a duration like kubectl (3h12m, 4d).
func age(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// refKey is a row key for an object reference.
func refKey(r model.Ref) string { return r.Kind + "/" + r.Namespace + "/" + r.Name }
