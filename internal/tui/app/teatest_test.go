// SPDX-License-Identifier: Apache-2.0

package app

import (
	"bytes"
	"encoding/base64"
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

// c copies the open finding's fixes to the terminal's clipboard with OSC 52.
func TestDoctorCopiesFix(t *testing.T) {
	dark := true
	tm := teatest.NewTestModel(t, New(Options{Loader: demoLoader{}, Dark: &dark}), teatest.WithInitialTermSize(120, 40))
	var seen []byte
	wait := func(what string, cond func([]byte) bool) {
		t.Helper()
		teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
			seen = append(seen, b...)
			return cond(seen)
		}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	}
	wait("loaded", func(b []byte) bool { return bytes.Contains(b, []byte("established")) })
	for _, k := range "7/near-miss" {
		tm.Send(tea.KeyPressMsg{Code: k, Text: string(k)})
	}
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	tm.Send(tea.KeyPressMsg{Code: 'c', Text: "c"})
	wait("OSC 52", func(b []byte) bool {
		i := bytes.Index(b, []byte("\x1b]52;c;"))
		if i < 0 {
			return false
		}
		end := bytes.IndexAny(b[i+7:], "\a\x1b")
		if end < 0 {
			return false
		}
		text, err := base64.StdEncoding.DecodeString(string(b[i+7 : i+7+end]))
		return err == nil && bytes.Contains(text, []byte("kubectl label node nuc-2 bgp-enabled=true bgp_enabled-"))
	})
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	tm.WaitFinished(t, teatest.WithFinalTimeout(2*time.Second))
}
