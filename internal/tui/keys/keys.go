// SPDX-License-Identifier: Apache-2.0

// Package keys is the TUI's one KeyMap: every binding, with the help text `?` shows.
package keys

import "charm.land/bubbles/v2/key"

// KeyMap holds every key binding of the TUI.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Enter, Back                             key.Binding
	Filter, Refresh, Help, Quit             key.Binding
	NextScreen, PrevScreen, Jump            key.Binding
	Screens                                 []key.Binding // 1..7
	Copy, Write, Apply, Confirm             key.Binding   // fix panes
	Pause, Clear, Verdict                   key.Binding   // flows
	Routes, Flows                           key.Binding   // drill-down from a service or node
	Subject                                 key.Binding   // from a finding to its subject
}

// Default returns the default bindings.
func Default() *KeyMap {
	k := &KeyMap{
		Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:       key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:     key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown:   key.NewBinding(key.WithKeys("pgdown", "ctrl+f", "space"), key.WithHelp("pgdn", "page down")),
		Top:        key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "top")),
		Bottom:     key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "bottom")),
		Enter:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Back:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Filter:     key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Refresh:    key.NewBinding(key.WithKeys("r", "ctrl+r"), key.WithHelp("r", "refresh")),
		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:       key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		NextScreen: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next screen")),
		PrevScreen: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous screen")),
		Jump:       key.NewBinding(key.WithKeys(":"), key.WithHelp(":name", "jump to a screen")),
		Copy:       key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy fix (OSC 52)")),
		Write:      key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "write fix to a file")),
		Apply:      key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "dry-run the fix (then y applies)")),
		Confirm:    key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "apply the dry-run change")),
		Pause:      key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause/resume")),
		Clear:      key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "clear")),
		Verdict:    key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "verdict: all/dropped/forwarded")),
		Routes:     key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "its routes")),
		Flows:      key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "its flows")),
		Subject:    key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "go to subject")),
	}
	for i, name := range []string{"overview", "nodes", "peers", "routes", "pools", "flows", "doctor"} {
		n := string(rune('1' + i))
		k.Screens = append(k.Screens, key.NewBinding(key.WithKeys(n), key.WithHelp(n, name)))
	}
	return k
}

// ShortHelp is the one-line hint of the status bar.
func (k *KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.NextScreen, k.Enter, k.Back, k.Filter, k.Refresh, k.Help, k.Quit}
}

// FullHelp is the `?` overlay: navigation, screens, actions.
func (k *KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Enter, k.Back},
		append([]key.Binding{k.NextScreen, k.PrevScreen, k.Jump}, k.Screens...),
		{k.Filter, k.Refresh, k.Routes, k.Flows, k.Pause, k.Clear, k.Verdict, k.Help, k.Quit},
		{k.Subject, k.Copy, k.Write, k.Apply, k.Confirm},
	}
}
