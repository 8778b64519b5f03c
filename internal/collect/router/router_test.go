// SPDX-License-Identifier: Apache-2.0

package router

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/safe"
)

// overlay reads saved outputs from the first directory that has them: a scenario
// directory with only the outputs that differ, over the healthy base.
type overlay []string

func (o overlay) Describe() string { return "testdata" }

func (o overlay) Run(ctx context.Context, c Command) ([]byte, error) {
	var err error
	for _, d := range o {
		var out []byte
		if out, err = (Dir{Path: d}).Run(ctx, c); err == nil {
			return out, nil
		}
	}
	return nil, err
}

func neighbor(t *testing.T, v model.RouterView, addr string) model.RouterNeighbor {
	t.Helper()
	for _, n := range v.Neighbors {
		if n.Address == addr {
			return n
		}
	}
	t.Fatalf("no neighbor %s in %+v", addr, v.Neighbors)
	return model.RouterNeighbor{}
}

func TestFRRHealthy(t *testing.T) {
	v := Collect(context.Background(), "frr", "tor", Dir{Path: "testdata/frr"})
	if v.Status != model.StatusOK || len(v.Problems) != 0 {
		t.Fatalf("status %s %s problems %v", v.Status, v.Message, v.Problems)
	}
	if v.RouterID != "192.0.2.1" || v.ASN != 64513 || v.Version != "8.4.4" || v.ECMP != 8 {
		t.Errorf("router: id %s asn %d version %s ecmp %d", v.RouterID, v.ASN, v.Version, v.ECMP)
	}
	n := neighbor(t, v, "192.0.2.11")
	if !n.Established || n.RemoteASN != 64512 || n.Description != "node1" || n.PrefixesReceived != 2 || n.PrefixesAccepted != 2 ||
		n.HoldTime != 9 || n.Keepalive != 3 || !slices.Equal(n.Families, []string{"ipv4-unicast"}) || n.PolicyBlocked {
		t.Errorf("node1 neighbor: %+v", n)
	}
	var vipPaths, best int
	for _, r := range v.Routes {
		if r.Prefix.String() == "198.51.100.10/32" {
			vipPaths++
			if r.Best {
				best++
			}
		}
	}
	if vipPaths != 2 || best != 1 {
		t.Errorf("VIP paths %d best %d: %+v", vipPaths, best, v.Routes)
	}
	var vip model.FIBRoute
	for _, f := range v.FIB {
		if f.Prefix.String() == "198.51.100.10/32" {
			vip = f
		}
	}
	if !slices.Equal(vip.NextHops, []string{"192.0.2.11", "192.0.2.12"}) || len(v.FIB) != 3 {
		t.Errorf("FIB: %+v", v.FIB)
	}
}

func TestFRRFaults(t *testing.T) {
	// a router that expects another ASN from node1, and node2's speaker stopped
	v := Collect(context.Background(), "frr", "tor", overlay{"testdata/frr-broken", "testdata/frr"})
	n1, n2 := neighbor(t, v, "192.0.2.11"), neighbor(t, v, "192.0.2.12")
	if n1.Established || n1.RemoteASN != 64999 || !strings.Contains(n1.LastError, "Cease") {
		t.Errorf("node1: %+v", n1)
	}
	if n2.Established || n2.State != "Active" || n2.LastError != "Cease/Peer De-configured" || n2.HoldTime != 0 {
		t.Errorf("node2: %+v", n2)
	}
	// RFC 8212: established, every route discarded for want of a policy
	v = Collect(context.Background(), "frr", "tor", overlay{"testdata/frr-requires-policy", "testdata/frr"})
	n1 = neighbor(t, v, "192.0.2.11")
	if !n1.Established || !n1.PolicyBlocked || n1.PrefixesAccepted != 0 || n1.PeerGroup != "CILIUM" {
		t.Errorf("requires-policy: %+v", n1)
	}
	// policies, prefix limit, next-hop-self, BFD
	v = Collect(context.Background(), "frr", "tor", overlay{"testdata/frr-policy", "testdata/frr"})
	n1, n2 = neighbor(t, v, "192.0.2.11"), neighbor(t, v, "192.0.2.12")
	if n1.ImportFilter != "route-map RM-IN" || n1.MaxPrefix != 100 || !n1.NextHopSelf || n1.BFD {
		t.Errorf("node1 policies: %+v", n1)
	}
	if n2.ImportFilter != "prefix-list PL-IN" || !n2.BFD {
		t.Errorf("node2 policies: %+v", n2)
	}
}

func TestBIRDHealthyAndBroken(t *testing.T) {
	v := Collect(context.Background(), "bird", "tor", Dir{Path: "testdata/bird"})
	if v.Status != model.StatusOK || len(v.Problems) != 0 {
		t.Fatalf("status %s %s problems %v", v.Status, v.Message, v.Problems)
	}
	if v.RouterID != "192.0.2.1" || v.ASN != 64513 || v.Version != "2.0.12" {
		t.Errorf("router: %+v", v)
	}
	n := neighbor(t, v, "192.0.2.11")
	if !n.Established || n.Name != "node1" || n.RemoteASN != 64512 || n.HoldTime != 9 || n.PrefixesAccepted != 2 ||
		n.ImportFilter != "ACCEPT" || n.ExportFilter != "REJECT" || !slices.Equal(n.Families, []string{"ipv4-unicast"}) {
		t.Errorf("node1: %+v", n)
	}
	var paths []string
	for _, r := range v.Routes {
		if r.Prefix.String() == "198.51.100.10/32" {
			paths = append(paths, r.From)
		}
	}
	if !slices.Equal(paths, []string{"192.0.2.11", "192.0.2.12"}) {
		t.Errorf("VIP paths from %v", paths)
	}
	for _, f := range v.FIB {
		if f.Prefix.String() == "198.51.100.10/32" && len(f.NextHops) != 2 {
			t.Errorf("VIP in the kernel with %v", f.NextHops)
		}
	}
	if len(v.FIB) != 3 {
		t.Errorf("FIB: %+v", v.FIB)
	}

	v = Collect(context.Background(), "bird", "tor", overlay{"testdata/bird-broken", "testdata/bird"})
	n1, n2 := neighbor(t, v, "192.0.2.11"), neighbor(t, v, "192.0.2.12")
	if n1.Established || n1.State != "Idle" || n1.LastError != "BGP Error: Bad peer AS" || n1.RemoteASN != 64999 {
		t.Errorf("node1: %+v", n1)
	}
	if n2.State != "Active" || n2.LastError != "Socket: Connection refused" {
		t.Errorf("node2: %+v", n2)
	}
}

// Bad router output is an error naming the command, never a panic, and the rest of
// the view survives where it can.
func TestBadOutput(t *testing.T) {
	dir := t.TempDir()
	write := func(c Command, s string) {
		if err := os.WriteFile(filepath.Join(dir, c.FileName()), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sum := Command{Tool: "vtysh", Show: "show bgp summary json"}
	write(sum, `{"ipv4Unicast":{"routerId":"192.0.2.1","peers":{"192.0.2.11":{"remoteAs":"x`)
	v := Collect(context.Background(), "frr", "", Dir{Path: dir})
	if v.Status != model.StatusError || !strings.Contains(v.Message, "vtysh show bgp summary json") {
		t.Errorf("truncated summary: %s %q", v.Status, v.Message)
	}
	write(sum, "% Unknown command: show bgp summary json\n")
	v = Collect(context.Background(), "frr", "", Dir{Path: dir})
	if v.Status != model.StatusError || !strings.Contains(v.Message, "not JSON") {
		t.Errorf("FRR error text: %s %q", v.Status, v.Message)
	}
	write(sum, `{"ipv4Unicast":{"routerId":"192.0.2.1","as":64513,"peers":{}}}`)
	write(Command{Tool: "vtysh", Show: "show bgp neighbors json"}, `[1,2`)
	v = Collect(context.Background(), "frr", "", Dir{Path: dir})
	if v.Status != model.StatusOK || len(v.Problems) < 2 || !strings.Contains(strings.Join(v.Problems, "\n"), "show bgp neighbors json") {
		t.Errorf("partial FRR view: %s %v", v.Status, v.Problems)
	}

	protos := Command{Tool: "birdc", Show: "show protocols all"}
	write(protos, "Unable to connect to server control socket (/run/bird/bird.ctl): No such file or directory\n")
	v = Collect(context.Background(), "bird", "", Dir{Path: dir})
	if v.Status != model.StatusError || !strings.Contains(v.Message, "Unable to connect") {
		t.Errorf("BIRD without daemon: %s %q", v.Status, v.Message)
	}
	write(protos, "BIRD 2.0.12 ready.\n    indented first\n")
	v = Collect(context.Background(), "bird", "", Dir{Path: dir})
	if v.Status != model.StatusError || !strings.Contains(v.Message, "line 2") {
		t.Errorf("BIRD garbage: %s %q", v.Status, v.Message)
	}
}

func TestAllowlistAndPrefix(t *testing.T) {
	for _, c := range []Command{{"vtysh", "configure terminal"}, {"vtysh", "show bgp summary json; reload"}, {"birdc", "configure"},
		{"birdc", "show route export kernel1; down"}, {"sh", "show version"}} {
		if Allowed(c) {
			t.Errorf("%q allowed", c)
		}
		if _, err := (Exec{}).Run(context.Background(), c); err == nil || !strings.Contains(err.Error(), "refusing") {
			t.Errorf("%q run: %v", c, err)
		}
	}
	e := Exec{Prefix: ParsePrefix("ip netns exec rtr")}
	if got := strings.Join(e.argv(Command{"vtysh", "show bgp summary json"}), " "); got != "ip netns exec rtr vtysh -c show bgp summary json" {
		t.Errorf("argv: %s", got)
	}
	e = Exec{Prefix: ParsePrefix("ip netns exec rtr birdc -s /run/x.ctl")}
	if got := strings.Join(e.argv(Command{"birdc", "show protocols all"}), " "); got != "ip netns exec rtr birdc -s /run/x.ctl show protocols all" {
		t.Errorf("argv with the tool in the prefix: %s", got)
	}
	// a real process: output cap and failure message
	e = Exec{Prefix: []string{"sh", "-c", "yes | head -c 100000; false", "x"}, MaxBytes: 1000}
	if _, err := e.Run(context.Background(), Command{"vtysh", "show version"}); err == nil || !strings.Contains(err.Error(), "larger than 1000") {
		t.Errorf("cap: %v", err)
	}
}

// A reflected iBGP route whose next hop BIRD cannot resolve is kept as "unreachable"
// (real output of the lab's spine): not a valid path.
func TestBIRDUnreachableNextHop(t *testing.T) {
	out, err := os.ReadFile("testdata/bird-ibgp/birdc-show-route-all.txt")
	if err != nil {
		t.Fatal(err)
	}
	routes, err := parseBirdRoutes(Command{Tool: "birdc", Show: "show route all"}, out)
	if err != nil {
		t.Fatal(err)
	}
	var unreachable []string
	for _, r := range routes {
		if r.Unreachable {
			unreachable = append(unreachable, r.Prefix.String()+" via "+r.NextHop+" from "+r.Proto)
		}
	}
	want := []string{"10.244.1.0/24 via 192.0.2.11 from rtr", "10.244.2.0/24 via 192.0.2.12 from rtr", "198.51.100.10/32 via 192.0.2.11 from rtr"}
	if !slices.Equal(unreachable, want) || len(routes) != 4 {
		t.Errorf("unreachable = %q of %d routes, want %q of 4", unreachable, len(routes), want)
	}
}

// An ssh prefix: OpenSSH joins the words after the destination into one line that the
// remote shell splits again. A stub ssh doing exactly that (options, destination, then
// `sh -c "$*"`) must deliver `-c 'show bgp summary json'` to vtysh as one argument.
func TestSSHPrefixQuotesTheRemoteCommand(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("precondition: /bin/sh is not installed")
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "args")
	ssh := `#!/bin/sh
while [ $# -gt 0 ]; do case "$1" in -p|-o|-i|-l) shift 2;; -*) shift;; *) break;; esac; done
shift # the destination
exec /bin/sh -c "$*"
`
	tool := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > " + safe.Quote(log) + "\necho '{}'\n"
	for name, body := range map[string]string{"ssh": ssh, "vtysh": tool, "birdc": tool, "sudo": "#!/bin/sh\nexec \"$@\"\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", dir+":/usr/bin:/bin")
	for _, tc := range []struct {
		prefix string
		cmd    Command
		want   []string
	}{
		{"ssh -p 2222 admin@gw sudo", Command{"vtysh", "show bgp summary json"}, []string{"-c", "show bgp summary json"}},
		{"ssh gw", Command{"vtysh", "show ip route json"}, []string{"-c", "show ip route json"}},
		{"ssh gw sudo vtysh --vty_socket /run/frr", Command{"vtysh", "show bgp neighbors json"}, []string{"--vty_socket", "/run/frr", "-c", "show bgp neighbors json"}},
		{"ssh gw", Command{"birdc", "show protocols all"}, []string{"show", "protocols", "all"}},
	} {
		if _, err := (Exec{Prefix: ParsePrefix(tc.prefix)}).Run(context.Background(), tc.cmd); err != nil {
			t.Fatalf("%s: %v", tc.prefix, err)
		}
		b, err := os.ReadFile(log)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"); !slices.Equal(got, tc.want) {
			t.Errorf("%s %s: the tool received %q, want %q", tc.prefix, tc.cmd, got, tc.want)
		}
	}
}
