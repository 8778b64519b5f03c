// SPDX-License-Identifier: Apache-2.0

package app

import (
	"context"
	"flag"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/snapshot"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/msgs"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/screens"
	"github.com/charmbracelet/x/ansi"
)

// updating reports -update (the flag is registered by x/exp/golden, which teatest uses).
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// demoLoader serves the embedded demo snapshot, like --demo.
type demoLoader struct{}

func (demoLoader) Load(ctx context.Context, progress func(model.SourceStatus)) (*msgs.Data, error) {
	s, err := snapshot.Demo()
	if err != nil {
		return nil, err
	}
	for _, st := range s.Sources {
		progress(st)
	}
	return &msgs.Data{Snap: s, Result: checks.Run(s, checks.All()), Origin: "demo snapshot"}, nil
}

// run executes a command (and batches, sequences) and feeds what it returns back to
// the model, as the program would — except ticks and waits, which are dropped.
func feed(t *testing.T, m *Model, cmd tea.Cmd, depth int) {
	t.Helper()
	if cmd == nil || depth > 8 {
		return
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(300 * time.Millisecond):
		return // a tick or a wait: not part of the step
	}
	switch msg := msg.(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			feed(t, m, c, depth+1)
		}
		return
	case nil:
		return
	}
	_, next := m.Update(msg)
	feed(t, m, next, depth+1)
}

// newDemo returns a model of the given size with the demo loaded.
func newDemo(t *testing.T, w, h int) *Model {
	t.Helper()
	dark := true
	m := New(Options{Loader: demoLoader{}, Dark: &dark})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	feed(t, m, m.startLoad(), 0)
	for i := 0; m.data == nil && i < 100; i++ { // the loader reports sources, then the data
		feed(t, m, waitLoad(m.loadCh), 0)
	}
	if m.data == nil {
		t.Fatal("the demo did not load")
	}
	return m
}

func press(t *testing.T, m *Model, keys ...string) {
	t.Helper()
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		case "tab":
			msg = tea.KeyPressMsg{Code: tea.KeyTab}
		case "down":
			msg = tea.KeyPressMsg{Code: tea.KeyDown}
		case "backspace":
			msg = tea.KeyPressMsg{Code: tea.KeyBackspace}
		default:
			r := []rune(k)[0]
			msg = tea.KeyPressMsg{Code: r, Text: k}
		}
		_, cmd := m.Update(msg)
		feed(t, m, cmd, 0)
	}
}

func screenText(m *Model) string { return ansi.Strip(m.Render()) }

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if updating() {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./internal/tui/app -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (go test ./internal/tui/app -update):\n%s", name, got)
	}
}

// Every screen on the demo, at 80×24 and 160×48, as text.
func TestScreensGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		m := newDemo(t, size[0], size[1])
		for i := range m.screens {
			press(t, m, fmt.Sprint(i+1))
			got := screenText(m)
			if lines := strings.Count(got, "\n") + 1; lines != size[1] {
				t.Errorf("screen %d at %dx%d: %d lines", i+1, size[0], size[1], lines)
			}
			for n, l := range strings.Split(got, "\n") {
				if w := ansi.StringWidth(l); w > size[0] {
					t.Errorf("screen %d at %dx%d: line %d is %d wide", i+1, size[0], size[1], n, w)
				}
			}
			golden(t, fmt.Sprintf("%d-%s-%dx%d", i+1, m.screens[i].Name(), size[0], size[1]), got)
		}
	}
}

func TestNavigationFilterDrillDown(t *testing.T) {
	m := newDemo(t, 120, 30)
	if m.screens[m.active].Name() != "overview" {
		t.Fatalf("starts on %s", m.screens[m.active].Name())
	}
	// tab and number keys switch; esc goes back along the stack
	press(t, m, "tab")
	if got := m.screens[m.active].Name(); got != "nodes" {
		t.Errorf("tab: %s", got)
	}
	press(t, m, "7", "3", "esc")
	if got := m.screens[m.active].Name(); got != "doctor" {
		t.Errorf("7, 3, esc: %s, want doctor", got)
	}
	// :jump by unique prefix
	press(t, m, ":", "r", "o", "enter")
	if got := m.screens[m.active].Name(); got != "routes" {
		t.Errorf(":ro: %s", got)
	}
	// filter on the doctor table; q is typed into the filter, not quitting
	press(t, m, "7", "/", "g", "r", "a", "f", "a", "n", "a", "q")
	if !strings.Contains(screenText(m), "/grafanaq") {
		t.Fatalf("filter prompt missing:\n%s", screenText(m))
	}
	press(t, m, "backspace", "enter")
	text := screenText(m)
	if !strings.Contains(text, "lbipam-no-matching-pool") || strings.Contains(text, "session-not-established") || !strings.Contains(text, "1 of 11") {
		t.Errorf("filtered doctor table:\n%s", text)
	}
	// enter opens the finding; s jumps to its subject (the Service on Pools & Services)
	press(t, m, "enter")
	if text := screenText(m); !strings.Contains(text, "Evidence") || !strings.Contains(text, "kubectl") {
		t.Errorf("finding detail:\n%s", text)
	}
	press(t, m, "s")
	if got := m.screens[m.active].Name(); got != "pools" || !strings.Contains(screenText(m), "Service dev/grafana") {
		t.Errorf("subject: on %s\n%s", got, screenText(m))
	}
	// esc closes the detail, then returns to the doctor
	press(t, m, "esc", "esc")
	if got := m.screens[m.active].Name(); got != "doctor" {
		t.Errorf("back: %s", got)
	}
	// a node's routes: nodes screen, select nuc-2, o → routes scoped to the node
	press(t, m, "2", "down", "o")
	if got := m.screens[m.active].Name(); got != "routes" || !strings.Contains(screenText(m), "advertised by node nuc-2") {
		t.Errorf("node routes: on %s\n%s", got, screenText(m))
	}
	press(t, m, "esc")
	if strings.Contains(screenText(m), "advertised by node") {
		t.Error("esc did not drop the node scope")
	}
	// help overlay, closed by any key
	press(t, m, "?")
	if !strings.Contains(screenText(m), "Keys") {
		t.Error("no help")
	}
	press(t, m, "x")
	if m.showHelp {
		t.Error("help still shown")
	}
}

// countingLoader counts loads and serves the demo.
type countingLoader struct{ n *int }

func (c countingLoader) Load(ctx context.Context, p func(model.SourceStatus)) (*msgs.Data, error) {
	*c.n++
	return demoLoader{}.Load(ctx, p)
}

func TestRefresh(t *testing.T) {
	n := 0
	dark := false
	m := New(Options{Loader: countingLoader{&n}, Dark: &dark})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	feed(t, m, m.startLoad(), 0)
	for i := 0; m.loading && i < 100; i++ {
		feed(t, m, waitLoad(m.loadCh), 0)
	}
	press(t, m, "3", "down")
	sel := screenText(m)
	press(t, m, "r")
	for i := 0; m.loading && i < 100; i++ {
		feed(t, m, waitLoad(m.loadCh), 0)
	}
	if n != 2 {
		t.Fatalf("loads = %d, want 2", n)
	}
	if got := screenText(m); got != sel {
		t.Errorf("the cursor did not stay on its row across the refresh:\n%s\nvs\n%s", sel, got)
	}
}

// hangingLoader never returns until its context ends: a source that hangs.
type hangingLoader struct{}

func (hangingLoader) Load(ctx context.Context, p func(model.SourceStatus)) (*msgs.Data, error) {
	p(model.SourceStatus{Name: model.SourceNodes})
	p(model.SourceStatus{Name: model.SourceServices})
	p(model.SourceStatus{Name: model.SourceNodes, Status: model.StatusOK})
	<-ctx.Done()
	return nil, ctx.Err()
}

// A hanging collection never blocks input: screens switch, help opens, q quits at once.
func TestHangingSourceNeverBlocksInput(t *testing.T) {
	m := New(Options{Loader: hangingLoader{}})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	feed(t, m, m.startLoad(), 0)
	for range 3 { // nodes and services start, nodes finishes
		feed(t, m, waitLoad(m.loadCh), 0)
	}
	if text := screenText(m); !strings.Contains(text, "collecting… 1 sources read, 1 in progress") || !strings.Contains(text, "● nodes ok") ||
		!strings.Contains(text, "services  reading…") {
		t.Errorf("status bar while loading:\n%s", screenText(m))
	}
	for _, k := range []string{"2", "3", "?", "x", "/"} {
		start := time.Now()
		press(t, m, k)
		if d := time.Since(start); d > time.Second {
			t.Errorf("key %q took %s", k, d)
		}
	}
	if !strings.Contains(screenText(m), "collecting…") {
		t.Errorf("empty table without a reason:\n%s", screenText(m))
	}
	_, cmd := m.Update(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	if cmd == nil {
		t.Fatal("ctrl+c returned no command")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("ctrl+c did not quit")
	}
	if m.ctx.Err() == nil {
		t.Error("quitting did not cancel the collection")
	}
}

func TestMouseWheelAndResize(t *testing.T) {
	m := newDemo(t, 80, 10)
	press(t, m, "7")
	if strings.Contains(screenText(m), "INFO") {
		t.Fatalf("the small window already shows the info findings:\n%s", screenText(m))
	}
	for range 3 {
		_, cmd := m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
		feed(t, m, cmd, 0)
	}
	if !strings.Contains(screenText(m), "INFO") {
		t.Errorf("the wheel did not scroll:\n%s", screenText(m))
	}
	for _, size := range [][2]int{{50, 12}, {200, 60}, {80, 24}} {
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		for i := range m.screens {
			press(t, m, fmt.Sprint(i+1))
			lines := strings.Split(screenText(m), "\n")
			if len(lines) != size[1] {
				t.Errorf("screen %d at %v: %d lines", i+1, size, len(lines))
			}
			for n, l := range lines {
				if ansi.StringWidth(l) > size[0] {
					t.Errorf("screen %d at %v: line %d is %d wide", i+1, size, n, ansi.StringWidth(l))
				}
			}
		}
	}
}

func TestThemeFromTerminalBackground(t *testing.T) {
	m := New(Options{Loader: demoLoader{}})
	if m.Init() == nil {
		t.Fatal("no init command")
	}
	m.Update(tea.BackgroundColorMsg{Color: color.White})
	if m.st.Dark {
		t.Error("a white background kept the dark theme")
	}
	m.Update(tea.BackgroundColorMsg{Color: color.Black})
	if !m.st.Dark {
		t.Error("a black background kept the light theme")
	}
}

// The README's screenshot is the Overview golden file: kept in sync.
func TestREADMEScreenshot(t *testing.T) {
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	shot, err := os.ReadFile("testdata/1-overview-80x24.golden")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```text\n"+strings.TrimRight(string(shot), "\n")+"\n```") {
		t.Error("README.md's TUI screenshot differs from testdata/1-overview-80x24.golden: paste the golden file into it")
	}
}

// w writes the open finding's fixes to a new file (never over an existing one).
func TestDoctorWritesFix(t *testing.T) {
	dir := t.TempDir()
	dark := true
	m := New(Options{Loader: demoLoader{}, Dark: &dark, Doctor: screens.DoctorOptions{WriteDir: dir}})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	feed(t, m, m.startLoad(), 0)
	for i := 0; m.data == nil && i < 100; i++ {
		feed(t, m, waitLoad(m.loadCh), 0)
	}
	press(t, m, "7", "/", "n", "e", "a", "r", "-", "m", "i", "s", "s", "enter", "enter", "w", "w")
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 2 {
		t.Fatalf("files written: %v; status: %s", files, screenText(m))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil || !strings.Contains(string(b), "kubectl label node nuc-2 bgp-enabled=true bgp_enabled-") || !strings.HasPrefix(string(b), "# fix 1: ") {
			t.Errorf("%s: %v\n%s", f, err, b)
		}
		if st, _ := os.Stat(f); st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v", f, st.Mode())
		}
	}
	if !strings.Contains(screenText(m), "wrote "+filepath.Join(dir, "bgpnet-fix-node-label-near-miss-nuc-2-2.txt")) {
		t.Errorf("status bar:\n%s", screenText(m))
	}
}

// flappingLoader serves the demo as a live cluster whose pi-cp → gw-v6 session comes
// up on the second collection and goes down again on the third.
type flappingLoader struct{ n *int }

func (l flappingLoader) Load(ctx context.Context, progress func(model.SourceStatus)) (*msgs.Data, error) {
	*l.n++
	s, err := snapshot.Demo()
	if err != nil {
		return nil, err
	}
	s.CollectedAt = s.CollectedAt.Add(time.Duration(*l.n) * 30 * time.Second)
	if *l.n == 2 {
		for i := range s.BGP.NodeConfigs {
			for j := range s.BGP.NodeConfigs[i].Status {
				for k := range s.BGP.NodeConfigs[i].Status[j].Peers {
					if p := &s.BGP.NodeConfigs[i].Status[j].Peers[k]; s.BGP.NodeConfigs[i].Name == "pi-cp" && p.Name == "gw-v6" {
						p.PeeringState = "established"
					}
				}
			}
		}
	}
	return &msgs.Data{Snap: s, Result: checks.Run(s, checks.All()), Live: true, Origin: "cluster test"}, nil
}

// The Peers screen keeps what it saw between refreshes: the session that came up and
// went down again is marked ↓1 and its detail lists both changes.
func TestPeersHistoryAcrossRefreshes(t *testing.T) {
	n := 0
	dark := true
	m := New(Options{Loader: flappingLoader{&n}, Dark: &dark})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
	for range 3 {
		if n > 0 {
			press(t, m, "r")
		} else {
			feed(t, m, m.startLoad(), 0)
		}
		for i := 0; (m.loading || m.data == nil) && i < 100; i++ {
			feed(t, m, waitLoad(m.loadCh), 0)
		}
	}
	if n != 3 {
		t.Fatalf("loads = %d, want 3", n)
	}
	press(t, m, "3")
	if got := screenText(m); !strings.Contains(got, "active ↓1") {
		t.Errorf("peers screen lacks the flap mark:\n%s", got)
	}
	press(t, m, "/")
	for _, r := range "gw-v6" {
		press(t, m, string(r))
	}
	press(t, m, "enter")
	for i := 0; i < 8 && !strings.Contains(screenText(m), "Seen while watching"); i++ {
		press(t, m, "down")
		press(t, m, "enter")
	}
	got := screenText(m)
	for _, want := range []string{"Seen while watching", "active → established", "established → active"} {
		if !strings.Contains(got, want) {
			t.Errorf("session detail lacks %q:\n%s", want, got)
		}
	}
}
