// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/collect/kube"
)

func TestEventPrinter(t *testing.T) {
	var b bytes.Buffer
	p := newEventPrinter(&b, "text")
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.Local)
	ev := kube.SessionEvent{Time: at, Node: "n1", Instance: "i", Peer: "gw", PeerAddress: "192.0.2.1"}
	for _, e := range []kube.SessionEvent{
		{To: "established", Initial: true}, {From: "established", To: "idle"}, {From: "idle", To: "established"},
		{From: "established", To: "established", Reset: true}, {From: "established"},
	} {
		e.Time, e.Node, e.Instance, e.Peer, e.PeerAddress = ev.Time, ev.Node, ev.Instance, ev.Peer, ev.PeerAddress
		p.print(e)
	}
	p.summary()
	want := []string{
		"10:00:00  n1  i/gw (192.0.2.1)  now established",
		"10:00:00  n1  i/gw (192.0.2.1)  established → idle",
		"10:00:00  n1  i/gw (192.0.2.1)  idle → established",
		"10:00:00  n1  i/gw (192.0.2.1)  established → established (re-established between two updates: it flapped)",
		"10:00:00  n1  i/gw (192.0.2.1)  gone (was established)",
		"Sessions that went down while watched:",
		"  n1 i/gw 192.0.2.1: down 3×, now gone",
	}
	for _, w := range want {
		if !strings.Contains(b.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, b.String())
		}
	}
	if code, _, errOut := run(t, "watch", "--demo"); code == 0 || !strings.Contains(errOut, "nothing to watch") {
		t.Errorf("watch --demo: exit %d, %q", code, errOut)
	}
}
