// SPDX-License-Identifier: Apache-2.0

package gobgpagent

import (
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/collect/agent"
)

// fakeCLI answers from files recorded in the BGP lab (FRR router, GoBGP 3.10 speakers).
func fakeCLI(t *testing.T) CLI {
	read := func(name string) []byte {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return func(args ...string) ([]byte, error) {
		switch strings.Join(args, " ") {
		case "neighbor -j":
			return read("gobgp-node1-neighbor.json"), nil
		case "neighbor 192.0.2.1 -j":
			return read("gobgp-node1-neighbor-detail.json"), nil
		case "neighbor 192.0.2.1 adj-out -a ipv4 -j":
			return read("gobgp-node1-adj-out.json"), nil
		}
		return nil, errors.New("unexpected command " + strings.Join(args, " "))
	}
}

// The translation is checked by the project's own decoder: what the stand-in prints must
// read back as the recorded session and routes.
func TestPeersAndRoutesReadBackThroughTheAgentDecoder(t *testing.T) {
	now := time.Unix(1795305692+90, 0)
	peers, err := Peers(fakeCLI(t), now)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(peers)
	got, err := agent.DecodePeers(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("peers = %+v", got)
	}
	p := got[0]
	if p.State != "established" || p.LocalASN != 64512 || p.PeerASN != 64513 || p.PeerAddress != "192.0.2.1" || p.Uptime != 90*time.Second {
		t.Errorf("peer = %+v", p)
	}
	if len(p.Families) != 1 || p.Families[0].AFI != "ipv4" || p.Families[0].Received != 3 || p.Families[0].Advertised != 2 {
		t.Errorf("families = %+v", p.Families)
	}
	for _, want := range []string{"multiprotocol ipv4-unicast", "4-octet-as 64513", "route-refresh", "graceful-restart"} {
		if !slices.Contains(p.RemoteCapabilities, want) {
			t.Errorf("remote capabilities %v lack %q", p.RemoteCapabilities, want)
		}
	}
	if !slices.Contains(p.LocalCapabilities, "4-octet-as 64512") {
		t.Errorf("local capabilities = %v", p.LocalCapabilities)
	}

	routes, err := Routes(fakeCLI(t), "ipv4", now)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(routes)
	rs, err := agent.DecodeRoutes(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 {
		t.Fatalf("routes = %+v", rs)
	}
	for _, r := range rs {
		if r.Error != "" || r.Peer != "192.0.2.1" || len(r.NextHops) != 1 || r.NextHops[0].String() != "192.0.2.11" || !slices.Equal(r.ASPath, []uint32{64512}) {
			t.Errorf("route = %+v", r)
		}
	}
	if rs[1].Prefix.String() != "198.51.100.10/32" || len(rs[1].Communities) != 1 || rs[1].Communities[0] != "64001:100" {
		t.Errorf("VIP route = %+v", rs[1])
	}
}

func TestSessionStates(t *testing.T) {
	for code, want := range map[int]string{1: "idle", 3: "active", 6: "established", 9: "unknown"} {
		var n Neighbor
		n.State.SessionState = code
		n.Timers.State.Uptime.Seconds = 100
		p := TranslatePeer(n, time.Unix(200, 0))
		if p.SessionState != want {
			t.Errorf("%d → %q, want %q", code, p.SessionState, want)
		}
		if (p.UptimeNanoseconds != 0) != (want == "established") {
			t.Errorf("%d: uptime %d", code, p.UptimeNanoseconds)
		}
	}
}
