// SPDX-License-Identifier: Apache-2.0

package app

import (
	"bytes"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// The whole program on a virtual terminal: it loads the demo, goes through every
// screen and quits.
func TestProgramSmoke(t *testing.T) {
	dark := true
	tm := teatest.NewTestModel(t, New(Options{Loader: demoLoader{}, Dark: &dark}), teatest.WithInitialTermSize(120, 32))
	wait := func(s string) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
			teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	wait("established")
	for _, step := range []struct{ key, want string }{
		{"2", "SELECTED BY"}, {"3", "ROUTER SEES"}, {"4", "PROVENANCE"}, {"5", "ADVERTISED BY"},
		{"6", "flows recorded in the snapshot"}, {"7", "checks ran"}, {"1", "Sessions"},
	} {
		tm.Send(tea.KeyPressMsg{Code: rune(step.key[0]), Text: step.key})
		wait(step.want)
	}
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	tm.WaitFinished(t, teatest.WithFinalTimeout(2*time.Second))
}
