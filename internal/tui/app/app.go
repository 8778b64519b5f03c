// SPDX-License-Identifier: Apache-2.0

// Package app is the TUI's root model: it owns the window size, the screens and the
// back stack, the global keys, the status bar and the one snapshot every screen reads.
// Everything slow (collection, flows, dry-runs) runs in commands; Update and View only
// move data.
package app

import (
	"context"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/keys"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/msgs"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/screens"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/styles"
	"github.com/bgpnet/kubectl-bgpnet/internal/views"
)

// Loader produces the data: a live collection, a saved snapshot or the demo. progress
// is called as each source finishes (possibly from several goroutines).
type Loader interface {
	Load(ctx context.Context, progress func(model.SourceStatus)) (*msgs.Data, error)
}

// Options configure the TUI.
type Options struct {
	Loader Loader
	// Refresh reloads the data at this interval (0: only on `r`).
	Refresh time.Duration
	Flows   screens.FlowStreamer
	Doctor  screens.DoctorOptions
	// Dark forces the theme; nil asks the terminal for its background.
	Dark *bool
	// Screen is the screen shown first (default overview).
	Screen string
}

// Model is the root model.
type Model struct {
	o       Options
	ctx     context.Context
	cancel  context.CancelFunc
	st      *styles.Styles
	km      *keys.KeyMap
	help    help.Model
	spin    spinner.Model
	screens []screens.Screen
	active  int
	back    []int
	w, h    int
	data    *msgs.Data
	// history is every session change seen between successive collections.
	history  views.PeerHistory
	loading  bool
	reload   bool // a refresh was asked for while collecting: collect again after
	loadCh   chan tea.Msg
	loadErr  error
	progress []model.SourceStatus
	flash    msgs.FlashMsg
	flashGen int
	showHelp bool
	jumping  bool
	jump     string
}

// loadStartedMsg hands the root the channel a collection reports on.
type loadStartedMsg struct{ ch chan tea.Msg }

// refreshMsg reloads the data (auto-refresh).
type refreshMsg struct{}

// flashDoneMsg clears the flash it belongs to.
type flashDoneMsg struct{ gen int }

// New returns the root model.
func New(o Options) *Model {
	ctx, cancel := context.WithCancel(context.Background())
	dark := true
	if o.Dark != nil {
		dark = *o.Dark
	}
	st, km := styles.New(dark), keys.Default()
	m := &Model{o: o, ctx: ctx, cancel: cancel, st: st, km: km, help: help.New(), spin: spinner.New(spinner.WithSpinner(spinner.MiniDot))}
	m.screens = []screens.Screen{
		screens.NewOverview(st, km), screens.NewNodes(st, km), screens.NewPeers(st, km), screens.NewRoutes(st, km),
		screens.NewServices(st, km), screens.NewFlows(st, km, screens.FlowsOptions{Stream: o.Flows, Context: ctx}),
		screens.NewDoctor(st, km, o.Doctor),
	}
	m.active = max(m.index(o.Screen), 0)
	return m
}

// Init starts the first collection and asks the terminal for its background.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.startLoad(), m.spin.Tick}
	if m.o.Dark == nil {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	return tea.Batch(cmds...)
}

// Update routes by message type: window, keys, loading and navigation here; every
// other message to the screens.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		for _, s := range m.screens {
			s.SetSize(m.w, m.bodyHeight())
		}
		return m, nil
	case tea.BackgroundColorMsg:
		m.setStyles(styles.New(msg.IsDark()))
		return m, nil
	case tea.KeyPressMsg:
		return m, m.key(msg)
	case tea.MouseWheelMsg:
		return m, m.toActive(msg)
	case loadStartedMsg:
		m.loadCh = msg.ch
		return m, waitLoad(msg.ch)
	case msgs.SourceMsg:
		m.progress = append(m.progress, msg.Status)
		return m, waitLoad(m.loadCh)
	case msgs.DataMsg:
		return m, m.loaded(msg)
	case refreshMsg, msgs.RefreshMsg:
		if m.loading {
			_, asked := msg.(msgs.RefreshMsg)
			m.reload = m.reload || asked // a change was made: the collection in flight predates it
			return m, nil
		}
		return m, tea.Batch(m.startLoad(), m.spin.Tick)
	case msgs.NavigateMsg:
		i := m.index(msg.Screen)
		if i < 0 {
			return m, msgs.Flash("no screen "+msg.Screen, true)
		}
		m.screens[i].Focus(msg.Focus, msg.Filter)
		return m, m.switchTo(i, true)
	case msgs.FlashMsg:
		m.flash, m.flashGen = msg, m.flashGen+1
		gen := m.flashGen
		return m, tea.Tick(6*time.Second, func(time.Time) tea.Msg { return flashDoneMsg{gen} })
	case flashDoneMsg:
		if msg.gen == m.flashGen {
			m.flash = msgs.FlashMsg{}
		}
		return m, nil
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		if !m.loading {
			return m, nil // stop ticking until the next collection
		}
		return m, cmd
	}
	return m, m.broadcast(msg)
}

// key handles the global keys unless a screen or the jump prompt takes the key.
func (m *Model) key(k tea.KeyPressMsg) tea.Cmd {
	switch {
	case m.jumping:
		return m.jumpKey(k)
	case k.String() == "ctrl+c":
		return m.quit()
	case m.showHelp:
		m.showHelp = key.Matches(k, m.km.Quit) // any other key closes the help
		if m.showHelp {
			return m.quit()
		}
		return nil
	case m.screens[m.active].Capturing():
		return m.toActive(k)
	case key.Matches(k, m.km.Quit):
		return m.quit()
	case key.Matches(k, m.km.Help):
		m.showHelp = true
	case key.Matches(k, m.km.Jump):
		m.jumping, m.jump = true, ""
	case key.Matches(k, m.km.NextScreen):
		return m.switchTo((m.active+1)%len(m.screens), false)
	case key.Matches(k, m.km.PrevScreen):
		return m.switchTo((m.active+len(m.screens)-1)%len(m.screens), false)
	case key.Matches(k, m.km.Refresh):
		if m.loading {
			return msgs.Flash("already collecting", false)
		}
		return tea.Batch(m.startLoad(), m.spin.Tick)
	case key.Matches(k, m.km.Back):
		if !m.screens[m.active].Back() && len(m.back) > 0 {
			prev := m.back[len(m.back)-1]
			m.back = m.back[:len(m.back)-1]
			return m.switchTo(prev, false)
		}
	default:
		for i, b := range m.km.Screens {
			if key.Matches(k, b) {
				return m.switchTo(i, true)
			}
		}
		return m.toActive(k)
	}
	return nil
}

// jumpKey edits the `:name` prompt.
func (m *Model) jumpKey(k tea.KeyPressMsg) tea.Cmd {
	switch k.String() {
	case "esc":
		m.jumping = false
	case "enter":
		m.jumping = false
		if i := m.index(m.jump); i >= 0 {
			return m.switchTo(i, true)
		}
		return msgs.Flash("no screen "+strings.TrimSpace(m.jump)+" (overview nodes peers routes pools flows doctor)", true)
	case "backspace":
		if r := []rune(m.jump); len(r) > 0 {
			m.jump = string(r[:len(r)-1])
		}
	default:
		m.jump += k.Text
	}
	return nil
}

// loaded installs a new snapshot (or reports why there is none) and schedules the
// next refresh.
func (m *Model) loaded(msg msgs.DataMsg) tea.Cmd {
	m.loading = false
	var cmds []tea.Cmd
	if msg.Err != nil {
		m.loadErr = msg.Err
		cmds = append(cmds, msgs.Flash("collection failed: "+msg.Err.Error(), true))
	} else {
		msg.Data.Peers = views.Peers(msg.Data.Snap)
		if m.data != nil && msg.Data.Live {
			m.history = m.history.Record(m.data.Peers, msg.Data.Peers, m.data.Snap.CollectedAt, msg.Data.Snap.CollectedAt)
		}
		msg.Data.History = m.history
		m.loadErr, m.data = nil, msg.Data
		for _, s := range m.screens {
			s.SetData(m.data)
		}
		cmds = append(cmds, m.toActive(screens.ShownMsg{Screen: m.screens[m.active].Name()}))
	}
	switch {
	case m.reload:
		m.reload = false
		cmds = append(cmds, m.startLoad(), m.spin.Tick)
	case m.o.Refresh > 0:
		cmds = append(cmds, tea.Tick(m.o.Refresh, func(time.Time) tea.Msg { return refreshMsg{} }))
	}
	return tea.Batch(cmds...)
}

func (m *Model) quit() tea.Cmd {
	m.cancel() // ends collections and streams in flight
	return tea.Quit
}

// switchTo shows screen i (push: remember the current one for esc).
func (m *Model) switchTo(i int, push bool) tea.Cmd {
	if i == m.active {
		return m.toActive(screens.ShownMsg{Screen: m.screens[i].Name()})
	}
	if push {
		m.back = append(m.back, m.active)
		if len(m.back) > 32 {
			m.back = m.back[1:]
		}
	}
	m.active = i
	return m.toActive(screens.ShownMsg{Screen: m.screens[i].Name()})
}

func (m *Model) toActive(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	m.screens[m.active], cmd = m.screens[m.active].Update(msg)
	return cmd
}

func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for i := range m.screens {
		var cmd tea.Cmd
		m.screens[i], cmd = m.screens[i].Update(msg)
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

// index finds a screen by name or unique prefix (-1: none).
func (m *Model) index(name string) int {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return -1
	}
	found := -1
	for i, s := range m.screens {
		switch {
		case s.Name() == name || (name == "services" && s.Name() == "pools"):
			return i
		case strings.HasPrefix(s.Name(), name) && found == -1:
			found = i
		case strings.HasPrefix(s.Name(), name):
			return -1 // ambiguous
		}
	}
	return found
}

func (m *Model) setStyles(st *styles.Styles) {
	*m.st = *st // screens share the pointer
}

// startLoad collects in the background; progress and the result arrive on a channel.
func (m *Model) startLoad() tea.Cmd {
	m.loading, m.progress = true, nil
	ctx, loader := m.ctx, m.o.Loader
	return func() tea.Msg {
		ch := make(chan tea.Msg, 64)
		go func() {
			started := time.Now()
			d, err := loader.Load(ctx, func(st model.SourceStatus) {
				select {
				case ch <- msgs.SourceMsg{Status: st}:
				case <-ctx.Done():
				}
			})
			if d != nil {
				d.Started = started
			}
			select {
			case ch <- msgs.DataMsg{Data: d, Err: err}:
			case <-ctx.Done():
			}
		}()
		return loadStartedMsg{ch: ch}
	}
}

func waitLoad(ch chan tea.Msg) tea.Cmd {
	if ch == nil {
		return nil
	}
	return func() tea.Msg { return <-ch }
}

// Title is the window title.
func (m *Model) title() string {
	if m.data == nil {
		return "kubectl bgpnet"
	}
	return "kubectl bgpnet · " + m.data.Origin
}
