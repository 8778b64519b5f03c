// SPDX-License-Identifier: Apache-2.0

package kube

import (
	"fmt"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

func status(peers ...model.PeerStatus) []model.NodeInstanceStatus {
	return []model.NodeInstanceStatus{{Name: "i", Peers: peers}}
}

func TestSessionDiff(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	t1, t2 := now.Add(-time.Hour), now.Add(-time.Minute)
	up := func(name string, at time.Time) model.PeerStatus {
		return model.PeerStatus{Name: name, PeerAddress: "192.0.2.1", PeeringState: "established", EstablishedTime: &at}
	}
	down := func(name, state string) model.PeerStatus {
		return model.PeerStatus{Name: name, PeerAddress: "192.0.2.1", PeeringState: state}
	}
	render := func(evs []SessionEvent) []string {
		var out []string
		for _, e := range evs {
			out = append(out, fmt.Sprintf("%s %s→%s initial=%v reset=%v down=%v", e.Peer, e.From, e.To, e.Initial, e.Reset, e.Down()))
		}
		return out
	}
	for _, tc := range []struct {
		name          string
		before, after []model.NodeInstanceStatus
		initial       bool
		want          []string
	}{
		{"first seen", nil, status(up("a", t1), down("b", "active")), true,
			[]string{"a →established initial=true reset=false down=false", "b →active initial=true reset=false down=true"}},
		{"goes down", status(up("a", t1)), status(down("a", "idle")), false, []string{"a established→idle initial=false reset=false down=true"}},
		{"comes up", status(down("a", "connect")), status(up("a", t2)), false, []string{"a connect→established initial=false reset=false down=false"}},
		{"flapped between updates", status(up("a", t1)), status(up("a", t2)), false, []string{"a established→established initial=false reset=true down=true"}},
		{"unchanged", status(up("a", t1)), status(up("a", t1)), false, nil},
		{"removed", status(up("a", t1)), nil, false, []string{"a established→ initial=false reset=false down=true"}},
		{"state unknown", status(down("a", "")), status(down("a", "active")), false, []string{"a unknown→active initial=false reset=false down=true"}},
	} {
		got := render(SessionDiff("n1", tc.before, tc.after, now, tc.initial))
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.name, got, tc.want)
		}
	}
}
