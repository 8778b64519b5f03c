// SPDX-License-Identifier: Apache-2.0

package views

import (
	"testing"
	"time"
)

func TestPeerHistory(t *testing.T) {
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	row := func(peer, state string, up time.Duration) PeerRow {
		return PeerRow{Node: "n1", Instance: "i", Peer: peer, State: state, Uptime: up}
	}
	var h PeerHistory
	h = h.Record(nil, []PeerRow{row("a", "established", time.Hour), row("b", "active", 0)}, time.Time{}, t0)
	if len(h) != 0 {
		t.Errorf("the first collection is the baseline, not a change: %v", h)
	}
	t1 := t0.Add(30 * time.Second)
	h = h.Record([]PeerRow{row("a", "established", time.Hour), row("b", "active", 0)},
		[]PeerRow{row("a", "established", 5*time.Second), row("b", "established", 2*time.Second), row("c", "idle", 0)}, t0, t1)
	t2 := t1.Add(30 * time.Second)
	h = h.Record([]PeerRow{row("a", "established", 5*time.Second), row("b", "established", 2*time.Second), row("c", "idle", 0)},
		[]PeerRow{row("a", "established", 35*time.Second), row("b", "idle", 0)}, t1, t2)
	if got := h["n1/i/a"]; len(got) != 1 || !got[0].Reset || !got[0].Down() {
		t.Errorf("a re-established between two collections (uptime 1h → 5s), then ran on: %+v", got)
	}
	if got := h["n1/i/b"]; len(got) != 2 || got[0].From != "active" || got[0].To != "established" || got[0].Down() || !got[1].Down() {
		t.Errorf("b came up then went down: %+v", got)
	}
	if got := h["n1/i/c"]; len(got) != 2 || got[0].From != "" || got[1].To != "" {
		t.Errorf("c appeared then was gone: %+v", got)
	}
	if h.Downs("n1/i/b") != 1 || h.Downs("n1/i/a") != 1 {
		t.Errorf("downs: a %d, b %d", h.Downs("n1/i/a"), h.Downs("n1/i/b"))
	}
	for range HistoryLen + 5 {
		h = h.Record([]PeerRow{row("b", "idle", 0)}, []PeerRow{row("b", "active", 0)}, t2, t2)
		h = h.Record([]PeerRow{row("b", "active", 0)}, []PeerRow{row("b", "idle", 0)}, t2, t2)
	}
	if len(h["n1/i/b"]) != HistoryLen {
		t.Errorf("history is bounded: %d", len(h["n1/i/b"]))
	}
}
