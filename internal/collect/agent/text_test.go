// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// detailed is `cilium-dbg shell -- bgp/peers -f detailed` of Cilium 1.20 as
// cilium-bugtool saves it (pkg/bgp/commands PrintPeerStatesDetailed, in Markdown).
const detailed = "# cilium-dbg shell -- bgp/peers -f detailed\n\n```\n" + `Instance: tor-65001
  Peer: gobgp-peer-1
    Address: 10.99.0.1
    Port: 179
    PeerAsn: 65010
    LocalAsn: 65001
    Session State: established
    Uptime: 1h2m3s
    Address Families:
      ipv4/unicast:
        Received Routes: 3
        Accepted Routes: 2
        Advertised Routes: 4
      ipv6/unicast:
        Received Routes: 0
        Accepted Routes: 0
        Advertised Routes: 1
    Timers:
      Hold Time:
        Configured: 1m30s
        Applied: 9s
      Keep Alive Time:
        Configured: 30s
        Applied: 3s
      Connect Retry Time: 2m0s
    Ebgp Multihop TTL: 1
    Graceful Restart:
      Enabled: true
      Restart Time: 2m0s
    Local Capabilities:
      multiprotocol:
        ipv4-unicast
      multiprotocol:
        ipv6-unicast
      route-refresh
      4-octet-as
    Remote Capabilities:
      multiprotocol:
        ipv4-unicast
      route-refresh
    TCP Password Enabled: true
  Peer: gobgp-peer-2
    Address: fd00:99::1
    Port: 179
    PeerAsn: 65010
    LocalAsn: 65001
    Session State: active
    Uptime: 0s
    Timers:
      Hold Time:
        Configured: 1m30s
        Applied: 0s
      Keep Alive Time:
        Configured: 30s
        Applied: 0s
      Connect Retry Time: 2m0s
    Ebgp Multihop TTL: 1
    Graceful Restart:
      Enabled: false
    TCP Password Enabled: false
` + "```\n"

// table prints peers the way `cilium-dbg bgp peers` of Cilium 1.18 does
// (pkg/bgpv1/api PrintBGPPeersTable through cilium-dbg's tab writer).
func table(t *testing.T) []byte {
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 5, 0, 3, ' ', 0)
	fmt.Fprintln(w, "Local AS\tPeer AS\tPeer Address\tSession\tUptime\tFamily\tReceived\tAdvertised")
	fmt.Fprintf(w, "%d\t%d\t%s:%d\t%s\t%s\t", 64512, 64513, "192.0.2.1", 179, "established", (3723 * time.Second).String())
	fmt.Fprintf(w, "%s/%s\t%d\t%d\n", "ipv4", "unicast", 3, 2)
	fmt.Fprint(w, strings.Repeat("\t", 5))
	fmt.Fprintf(w, "%s/%s\t%d\t%d\n", "ipv6", "unicast", 0, 1)
	fmt.Fprintf(w, "%d\t%d\t%s:%d\t%s\t%s\t", 64512, 64513, "fd00::1", 179, "active", "0s")
	fmt.Fprintf(w, "%s/%s\t%d\t%d\n", "ipv6", "unicast", 0, 0)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return []byte("# cilium-dbg bgp peers\n\n```\n" + b.String() + "```\n")
}

func TestDecodePeersText(t *testing.T) {
	peers, err := DecodePeersText([]byte(detailed))
	if err != nil {
		t.Fatal(err)
	}
	want := []model.AgentPeer{{
		Instance: "tor-65001", Name: "gobgp-peer-1", PeerAddress: "10.99.0.1", PeerPort: 179, LocalASN: 65001, PeerASN: 65010,
		State: "established", Uptime: time.Hour + 2*time.Minute + 3*time.Second,
		Families:    []model.AgentFamily{{AFI: "ipv4", SAFI: "unicast", Received: 3, Accepted: 2, Advertised: 4}, {AFI: "ipv6", SAFI: "unicast", Advertised: 1}},
		AppliedHold: 9, AppliedKeepalive: 3, ConfiguredHold: 90, ConfiguredKeepalive: 30, ConnectRetry: 120, EBGPMultihopTTL: 1,
		GracefulRestart: true, GRRestartTime: 120, TCPPasswordEnabled: true,
		LocalCapabilities:  []string{"multiprotocol ipv4-unicast", "multiprotocol ipv6-unicast", "route-refresh", "4-octet-as"},
		RemoteCapabilities: []string{"multiprotocol ipv4-unicast", "route-refresh"},
	}, {
		Instance: "tor-65001", Name: "gobgp-peer-2", PeerAddress: "fd00:99::1", PeerPort: 179, LocalASN: 65001, PeerASN: 65010, State: "active",
		ConfiguredHold: 90, ConfiguredKeepalive: 30, ConnectRetry: 120, EBGPMultihopTTL: 1,
	}}
	if got, exp := fmt.Sprintf("%+v", peers), fmt.Sprintf("%+v", want); got != exp {
		t.Errorf("detailed:\n got %s\nwant %s", got, exp)
	}

	peers, err = DecodePeersText(table(t))
	if err != nil {
		t.Fatal(err)
	}
	want = []model.AgentPeer{
		{Instance: "asn-64512", PeerAddress: "192.0.2.1", PeerPort: 179, LocalASN: 64512, PeerASN: 64513, State: "established", Uptime: 3723 * time.Second,
			Families: []model.AgentFamily{{AFI: "ipv4", SAFI: "unicast", Received: 3, Advertised: 2}, {AFI: "ipv6", SAFI: "unicast", Advertised: 1}}},
		{Instance: "asn-64512", PeerAddress: "fd00::1", PeerPort: 179, LocalASN: 64512, PeerASN: 64513, State: "active",
			Families: []model.AgentFamily{{AFI: "ipv6", SAFI: "unicast"}}},
	}
	if got, exp := fmt.Sprintf("%+v", peers), fmt.Sprintf("%+v", want); got != exp {
		t.Errorf("table:\n got %s\nwant %s", got, exp)
	}
	// the raw tab-separated form (no tab writer) reads the same
	raw := "Local AS\tPeer AS\tPeer Address\tSession\tUptime\tFamily\tReceived\tAdvertised\n64512\t64513\t192.0.2.1:179\testablished\t7s\tipv4/unicast\t3\t2\n"
	if peers, err := DecodePeersText([]byte(raw)); err != nil || len(peers) != 1 || peers[0].Uptime != 7*time.Second {
		t.Errorf("raw table: %+v %v", peers, err)
	}
}

func TestDecodePeersTextBroken(t *testing.T) {
	for name, in := range map[string]string{
		"empty":             "# cilium-dbg bgp peers\n\n```\n```\n",
		"agent error":       "Error: cannot get peers list: BGP control plane is disabled\n",
		"bad ASN":           "Local AS   Peer AS   Peer Address   Session   Family   Received   Advertised\nabc   1   192.0.2.1:179   active   ipv4/unicast   0   0\n",
		"bad address":       "Local AS   Peer AS   Peer Address   Session   Family   Received   Advertised\n1   1   nowhere   active   ipv4/unicast   0   0\n",
		"missing column":    "Local AS   Peer AS   Session\n1   2   active\n",
		"field before peer": "Instance: a\n    Address: 10.0.0.1\n",
		"bad number":        "Instance: a\n  Peer: p\n    Port: http\n",
		"bad duration":      "Instance: a\n  Peer: p\n    Uptime: forever\n",
	} {
		if _, err := DecodePeersText([]byte(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// FuzzDecodePeersText: never a panic on truncated or mangled text, and a table row is
// only accepted with an address and a port.
func FuzzDecodePeersText(f *testing.F) {
	f.Add([]byte(detailed))
	f.Add([]byte("Local AS\tPeer AS\tPeer Address\tSession\tUptime\tFamily\tReceived\tAdvertised\n64512\t64513\t192.0.2.1:179\testablished\t7s\tipv4/unicast\t3\t2\n\t\t\t\t\tipv6/unicast\t0\t1\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		peers, err := DecodePeersText(in)
		if err != nil || strings.HasPrefix(strings.TrimSpace(string(unfence(in))), "Instance:") {
			return
		}
		for _, p := range peers {
			if strings.HasPrefix(p.Instance, "asn-") {
				if _, perr := netip.ParseAddr(p.PeerAddress); perr != nil || p.PeerPort < 0 || p.PeerPort > 65535 {
					t.Errorf("table row accepted with address %q port %d", p.PeerAddress, p.PeerPort)
				}
			}
		}
	})
}

// routesTable writes rows through the tab writer settings cilium-dbg uses.
func routesTable(t *testing.T, header string, rows ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := tabwriter.NewWriter(&b, 5, 0, 3, ' ', 0)
	fmt.Fprintln(w, header)
	for _, r := range rows {
		fmt.Fprintln(w, r)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecodeRoutesText(t *testing.T) {
	// 1.20: pkg/bgp/commands, instance and peer blank when they repeat
	shell := routesTable(t, "Instance\tPeer\tPrefix\tNextHop\tAge",
		"tor-65001\tgobgp-peer-1\t10.244.0.0/24\t10.99.0.110\t1h2m3s",
		"\t\t10.96.50.104/32\t10.99.0.110\t5m0s",
		"\tgobgp-peer-2\t10.244.0.0/24\t10.99.0.110\t-",
		"tor-65002\tgobgp-peer-3\tfd00:10::/64\tfd00:99::110\t3s")
	routes, err := DecodeRoutesText(append([]byte("# cilium-dbg shell -- bgp/routes -a out ipv4 unicast\n\n```\n"), append(shell, "```\n"...)...))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range routes {
		got = append(got, fmt.Sprintf("%s %s %v %d", r.Peer, r.Prefix, r.NextHops, r.Age/int64(time.Second)))
	}
	want := []string{"gobgp-peer-1 10.244.0.0/24 [10.99.0.110] 3723", "gobgp-peer-1 10.96.50.104/32 [10.99.0.110] 300",
		"gobgp-peer-2 10.244.0.0/24 [10.99.0.110] 0", "gobgp-peer-3 fd00:10::/64 [fd00:99::110] 3"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("1.20 routes:\n got %q\nwant %q", got, want)
	}
	// 1.18: pkg/bgpv1/api PrintBGPRoutesTable with peer and age
	old := routesTable(t, "VRouter\tPeer\tPrefix\tNextHop\tAge\tAttrs",
		"64512\t192.0.2.1\t10.0.1.0/24\t192.0.2.10\t7s\t[{Origin: i} {Nexthop: 192.0.2.10}]",
		"64512\t192.0.2.1\t172.16.10.1/32\t192.0.2.10\t7s\t[{Origin: i} {Nexthop: 192.0.2.10} {Communities: 65000:100}]")
	routes, err = DecodeRoutesText(old)
	if err != nil {
		t.Fatal(err)
	}
	if len(routes) != 2 || routes[1].Peer != "192.0.2.1" || routes[1].RouterASN != 64512 || routes[1].Prefix.String() != "172.16.10.1/32" || routes[1].NextHops[0].String() != "192.0.2.10" {
		t.Errorf("1.18 routes: %+v", routes)
	}
	if r, err := DecodeRoutesText([]byte("# cilium-dbg bgp routes advertised ipv6 unicast\n\n```\n\n```\n")); err != nil || len(r) != 0 {
		t.Errorf("empty output: %v %v", r, err)
	}
	for name, in := range map[string]string{
		"bad prefix": "VRouter   Peer   Prefix   NextHop\n1   192.0.2.1   nonsense   192.0.2.10\n",
		"no columns": "Something else entirely\n",
		"bgp off":    "BGP Control Plane is disabled\n",
	} {
		if _, err := DecodeRoutesText([]byte(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// FuzzDecodeRoutesText: never a panic, and an accepted route has a valid prefix.
func FuzzDecodeRoutesText(f *testing.F) {
	f.Add([]byte("Instance   Peer   Prefix          NextHop      Age\ni          p      10.0.0.0/24     10.0.0.1     3s\n                  10.0.1.0/24     10.0.0.1     3s\n"))
	f.Add([]byte("VRouter\tPeer\tPrefix\tNextHop\tAge\tAttrs\n64512\t192.0.2.1\t10.0.1.0/24\t192.0.2.10\t7s\t[{Origin: i}]\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		routes, err := DecodeRoutesText(in)
		if err != nil {
			return
		}
		for _, r := range routes {
			if !r.Prefix.IsValid() {
				t.Errorf("route accepted with an invalid prefix: %+v", r)
			}
		}
	})
}
