// SPDX-License-Identifier: Apache-2.0

// Package msgs holds the messages that cross screens, and the data every screen reads.
package msgs

import (
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/views"
)

// Data is what the screens show: one snapshot and the findings over it. Screens treat
// it as read-only; a refresh replaces it.
type Data struct {
	Snap   *model.Snapshot
	Result checks.Result
	// Live is true when the snapshot came from a cluster (refresh re-reads it, flows
	// can stream); false for --from and --demo.
	Live bool
	// Origin names where the snapshot came from, for the header.
	Origin string
	// Started is when the collection began (set by the root): data collected before a
	// change was made cannot show its effect.
	Started time.Time
	// Peers are the sessions of Snap (views.Peers), derived once per collection by the
	// root for every screen that lists them.
	Peers []views.PeerRow
	// History holds the session changes seen between the collections of this run (set
	// by the root; live data only).
	History views.PeerHistory
}

// DataMsg delivers a new snapshot (or the error that prevented one) to every screen.
type DataMsg struct {
	Data *Data
	Err  error
}

// SourceMsg reports one source finished while a snapshot is being collected.
type SourceMsg struct{ Status model.SourceStatus }

// NavigateMsg switches to a screen, optionally focusing one object there (drill-down)
// or filtering its table.
type NavigateMsg struct {
	Screen string
	Focus  model.Ref
	Filter string
}

// FlashMsg shows a short note in the status bar.
type FlashMsg struct {
	Text string
	Err  bool
}

// FlowsMsg delivers a batch of flows from the live stream (Gen says which stream: a
// batch of a stream since replaced is dropped).
type FlowsMsg struct {
	Gen   int
	Flows []model.Flow
	Err   error
	Done  bool
}

// RefreshMsg asks the root to collect again (after a fix was applied).
type RefreshMsg struct{}

// Refresh is a command that asks for a new collection.
func Refresh() tea.Cmd { return func() tea.Msg { return RefreshMsg{} } }

// Flash is a command that shows a note in the status bar.
func Flash(text string, isErr bool) tea.Cmd {
	return func() tea.Msg { return FlashMsg{Text: text, Err: isErr} }
}

// Navigate is a command that switches screens.
func Navigate(screen string, focus model.Ref, filter string) tea.Cmd {
	return func() tea.Msg { return NavigateMsg{Screen: screen, Focus: focus, Filter: filter} }
}
