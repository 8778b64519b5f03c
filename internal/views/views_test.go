// SPDX-License-Identifier: Apache-2.0

package views

import (
	"net/netip"
	"testing"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/snapshot"
)

func demo(t *testing.T) *model.Snapshot {
	t.Helper()
	s, err := snapshot.Demo()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPeersFromStatusAgentAndConfig(t *testing.T) {
	s := demo(t)
	rows := Peers(s)
	if len(rows) != 4 || rows[0].Source != FromNodeConfig || rows[3].State != "active" || rows[0].Uptime == 0 {
		t.Fatalf("demo peers: %+v", rows)
	}
	// no status for pi-cp: the agent's view is used, and without it the configuration
	s.BGP.NodeConfigs = s.BGP.NodeConfigs[:1] // nuc-1 only
	s.Agents = []model.AgentNode{{Node: "pi-cp", Status: model.StatusOK, Peers: []model.AgentPeer{{Instance: "instance-64512", Name: "gw-v4", PeerAddress: "192.168.1.1", State: "established"}}}}
	rows = Peers(s)
	var fromAgent, fromConfig int
	for _, r := range rows {
		switch r.Source {
		case FromAgent:
			fromAgent++
		case FromConfig:
			fromConfig++
		}
	}
	if fromAgent != 1 || fromConfig != 0 {
		t.Errorf("agent rows %d, config rows %d: %+v", fromAgent, fromConfig, rows)
	}
	s.Agents = nil
	for _, r := range Peers(s) {
		if r.Node == "pi-cp" && (r.Source != FromConfig || r.State != "unknown") {
			t.Errorf("without status or agent: %+v", r)
		}
	}
	if got := NodesNeedingAgents(s); len(got) != 1 || got[0] != "pi-cp" {
		t.Errorf("nodes needing agents: %v", got)
	}
	// status reporting off: what is left in the status is stale, every node needs its agent
	off := false
	s.Cilium.Config.EnableBGPControlPlaneStatusReport = &off
	if got := NodesNeedingAgents(s); len(got) != 2 {
		t.Errorf("nodes needing agents with status reporting off: %v", got)
	}
	// the agent's models.BgpPeer carries no instance name and maybe no peer name: both
	// come from the configuration, matched by local ASN and peer address
	s.Agents = []model.AgentNode{{Node: "nuc-1", Status: model.StatusOK, Peers: []model.AgentPeer{{Instance: "asn-64512", LocalASN: 64512, PeerAddress: "192.168.1.1", State: "idle"}}}}
	for _, r := range Peers(s) {
		if r.Node == "nuc-1" && (r.Source != FromAgent || r.Instance != "instance-64512" || r.Peer != "gw-v4" || r.State != "idle") {
			t.Errorf("agent row named after the configuration: %+v", r)
		}
	}
}

func TestPoolsAndNodes(t *testing.T) {
	s := demo(t)
	pools := Pools(s, true)
	if len(pools) != 2 || pools[0].Pool != "internal" || pools[0].Used != 1 || pools[0].Total != "11" || pools[0].Free != "10" ||
		pools[1].Used != 3 || len(pools[1].Services) != 2 || pools[1].Total != "32" {
		t.Errorf("pools: %+v", pools)
	}
	nodes := Nodes(s)
	if len(nodes) != 3 || nodes[2].Node != "pi-cp" || nodes[2].Sessions != 2 || nodes[2].Established != 1 || len(nodes[1].SelectedBy) != 0 {
		t.Errorf("nodes: %+v", nodes)
	}
}

func TestRoutesProvenance(t *testing.T) {
	s := demo(t)
	route := func(p string) model.AgentRoute {
		return model.AgentRoute{Peer: "192.168.1.1", Prefix: netip.MustParsePrefix(p), NextHops: []netip.Addr{netip.MustParseAddr("192.168.1.11")}, Best: true}
	}
	s.Agents = []model.AgentNode{{Node: "nuc-1", Status: model.StatusOK, Routes: []model.AgentRoute{
		route("10.42.1.0/24"), route("192.168.10.1/32"), route("203.0.113.7/32"), route("192.168.1.50/32"),
	}}}
	rows := Routes(s, RouteFilter{})
	want := map[string]string{
		"10.42.1.0/24":    "PodCIDR of nuc-1",
		"192.168.10.1/32": "Service media/jellyfin (LoadBalancerIP, pool public, adv lb-services)",
		"203.0.113.7/32":  "unknown",
		"192.168.1.50/32": "Service default/legacy-web (ExternalIP)",
	}
	if len(rows) != 4 {
		t.Fatalf("rows: %+v", rows)
	}
	for _, r := range rows {
		if got := r.Provenance.String(); got != want[r.Prefix] {
			t.Errorf("%s: %q, want %q", r.Prefix, got, want[r.Prefix])
		}
	}
	p := netip.MustParsePrefix("192.168.10.0/24")
	if got := Routes(s, RouteFilter{Prefix: &p}); len(got) != 1 {
		t.Errorf("--prefix filter: %+v", got)
	}
	if got := Routes(s, RouteFilter{Service: "media/jellyfin"}); len(got) != 1 {
		t.Errorf("--service filter: %+v", got)
	}
	if got := Routes(s, RouteFilter{Node: "pi-cp"}); len(got) != 0 {
		t.Errorf("--node filter: %+v", got)
	}
}

// Each advertised prefix is followed into the router to the first stage where it is lost.
func TestFollowToRouters(t *testing.T) {
	p := netip.MustParsePrefix
	s := &model.Snapshot{
		Nodes: []model.Node{{Name: "n1", InternalIPs: []netip.Addr{netip.MustParseAddr("192.0.2.11")}},
			{Name: "n2", InternalIPs: []netip.Addr{netip.MustParseAddr("192.0.2.12")}},
			{Name: "n3", InternalIPs: []netip.Addr{netip.MustParseAddr("192.0.2.13")}}},
		Routers: []model.RouterView{{Name: "tor", Status: model.StatusOK,
			Neighbors: []model.RouterNeighbor{{Address: "192.0.2.11", Established: true}, {Address: "192.0.2.12", State: "Active", LastError: "Bad Peer AS"}},
			Routes: []model.RouterRoute{{Prefix: p("10.1.0.0/24"), From: "192.0.2.11", Best: true, Valid: true},
				{Prefix: p("198.51.100.10/32"), From: "192.0.2.11", Best: true, Valid: true},
				{Prefix: p("198.51.100.11/32"), From: "192.0.2.11", Valid: true},
				{Prefix: p("198.51.100.12/32"), From: "192.0.2.11", Best: true, Valid: true}},
			FIB: []model.FIBRoute{{Prefix: p("10.1.0.0/24"), NextHops: []string{"192.0.2.11"}}, {Prefix: p("198.51.100.10/32"), NextHops: []string{"192.0.2.11", "192.0.2.14"}},
				{Prefix: p("198.51.100.11/32"), NextHops: []string{"192.0.2.99"}}}}},
	}
	rows := []RouteRow{{Node: "n1", Prefix: "10.1.0.0/24"}, {Node: "n1", Prefix: "198.51.100.10/32"}, {Node: "n1", Prefix: "198.51.100.11/32"},
		{Node: "n1", Prefix: "198.51.100.12/32"}, {Node: "n1", Prefix: "198.51.100.13/32"}, {Node: "n2", Prefix: "10.2.0.0/24"}, {Node: "n3", Prefix: "10.3.0.0/24"}}
	FollowToRouters(s, rows)
	want := []string{"installed (1 next hop)", "installed (2 next hops)", "lost: received, not selected", "lost: selected, not installed",
		"lost: not accepted (import filter)", "lost: session down (Bad Peer AS)", "lost: router has no neighbor for the node"}
	for i, r := range rows {
		if got := r.Router.String(); got != want[i] {
			t.Errorf("%s %s: %q, want %q", r.Node, r.Prefix, got, want[i])
		}
	}
	s.Routers[0].Neighbors[0].PolicyBlocked = true
	FollowToRouters(s, rows[:1])
	if rows[0].Router.Stage != "policy-discarded" {
		t.Errorf("RFC 8212: %+v", rows[0].Router)
	}
}
