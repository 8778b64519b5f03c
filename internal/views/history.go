// SPDX-License-Identifier: Apache-2.0

package views

import (
	"strings"
	"time"
)

// PeerChange is a change of one session between two collections.
type PeerChange struct {
	At   time.Time `json:"at"`
	From string    `json:"from,omitempty"` // empty: the session appeared
	To   string    `json:"to,omitempty"`   // empty: the session is gone
	// Reset: established both times, but its uptime says it re-established in between.
	Reset bool `json:"reset,omitempty"`
}

// Down reports whether the change took the session down (or it flapped).
func (c PeerChange) Down() bool {
	return c.Reset || strings.EqualFold(c.From, "established") && !strings.EqualFold(c.To, "established")
}

// HistoryLen is how many changes are kept per session.
const HistoryLen = 20

// PeerHistory is what a long-running viewer has seen of each session, by
// node/instance/peer: the changes between successive collections.
type PeerHistory map[string][]PeerChange

// Key is the history's key of a row.
func (r PeerRow) Key() string { return r.Node + "/" + r.Instance + "/" + r.Peer }

// Record adds the changes from old to cur (two collections, cur taken at now) and
// returns the history. A session established both times whose uptime is shorter than
// the time between the collections re-established in between.
func (h PeerHistory) Record(old, cur []PeerRow, prevAt, now time.Time) PeerHistory {
	if h == nil {
		h = PeerHistory{}
	}
	before := map[string]PeerRow{}
	for _, r := range old {
		before[r.Key()] = r
	}
	add := func(k string, c PeerChange) {
		h[k] = append(h[k], c)
		if len(h[k]) > HistoryLen {
			h[k] = h[k][len(h[k])-HistoryLen:]
		}
	}
	seen := map[string]bool{}
	for _, r := range cur {
		k := r.Key()
		seen[k] = true
		o, ok := before[k]
		switch {
		case !ok:
			if old != nil {
				add(k, PeerChange{At: now, To: r.State})
			}
		case !strings.EqualFold(o.State, r.State):
			add(k, PeerChange{At: now, From: o.State, To: r.State})
		case strings.EqualFold(r.State, "established") && o.Uptime > 0 && r.Uptime > 0 && r.Uptime < now.Sub(prevAt)-time.Second && r.Uptime < o.Uptime:
			add(k, PeerChange{At: now, From: r.State, To: r.State, Reset: true})
		}
	}
	for k, o := range before {
		if !seen[k] {
			add(k, PeerChange{At: now, From: o.State})
		}
	}
	return h
}

// Downs counts the changes that took a session down.
func (h PeerHistory) Downs(key string) int {
	n := 0
	for _, c := range h[key] {
		if c.Down() {
			n++
		}
	}
	return n
}
