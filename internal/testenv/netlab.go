// SPDX-License-Identifier: Apache-2.0

package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/collect/router"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/testenv/gobgpagent"
)

// NetLab is a BGP fabric in network namespaces, built like a Cilium cluster behind a
// top-of-rack router: one namespace per node running gobgpd (as Cilium embeds GoBGP),
// and a router namespace running FRR (zebra+bgpd) or BIRD 2 on a bridge. Everything
// lives inside namespaces the lab created (nothing is added to the host namespace), and
// its state is kept in Dir so another process can open and drive it (test/lab).
type NetLab struct {
	NetLabOptions
	// Namespaces maps node names and "router" to network namespace names.
	Namespaces map[string]string `json:"namespaces"`
}

// NetLabNode is one node of a NetLab.
type NetLabNode struct {
	Name    string `json:"name"`
	Address string `json:"address"` // IPv4 on the router's /24
	// ASN overrides NetLabOptions.NodeASN for this node's speaker.
	ASN uint32 `json:"asn,omitempty"`
	// RouterExpects overrides the ASN the router expects from this node (its
	// remote-as), to break the session on purpose; 0 means the speaker's ASN.
	RouterExpects uint32 `json:"routerExpects,omitempty"`
	// Prefixes are advertised by the node's speaker (PodCIDR, LoadBalancer VIPs…).
	Prefixes []string `json:"prefixes"`
}

// NetLabOptions configure a NetLab.
type NetLabOptions struct {
	// Prefix is prepended to every namespace name, so labs can run side by side.
	Prefix string `json:"prefix"`
	// Dir holds configurations, logs, pid files and the router's control sockets; it
	// must be traversable by the frr user (see NewNetLabDir).
	Dir string `json:"dir"`
	// Router is "frr" (default) or "bird".
	Router    string `json:"router"`
	RouterIP  string `json:"routerIP"`  // default 192.0.2.1 (on a /24)
	RouterASN uint32 `json:"routerASN"` // default 64513
	NodeASN   uint32 `json:"nodeASN"`   // default 64512
	// RequirePolicy keeps FRR's `bgp ebgp-requires-policy` (its default since 7.4):
	// sessions come up but every eBGP route is filtered.
	RequirePolicy bool         `json:"requirePolicy,omitempty"`
	Nodes         []NetLabNode `json:"nodes"`
	// BirdImport is the BIRD channels' import clause (default "import all").
	BirdImport string `json:"birdImport,omitempty"`
	// Listen makes gobgpd listen on 179 so the router's first connect succeeds (about
	// 2 s to Established); without it gobgpd only dials out as Cilium does (6–10 s).
	Listen bool `json:"listen,omitempty"`
	// Spine adds a second router behind the first (FRR only): BIRD 2 in its own
	// namespace, an iBGP neighbor of the router in RouterASN over a /30 (SpineLink),
	// importing everything. With NodeASN == RouterASN the fabric is an iBGP design and
	// the spine only learns the nodes' routes when the router reflects them.
	Spine bool `json:"spine,omitempty"`
}

// SpineLink is the /30 between the router (.1) and the spine (.2).
var SpineLink = [2]string{"100.64.0.1", "100.64.0.2"}

// GoBGPAPIPort is where each node's gobgpd serves its gRPC API, on 127.0.0.1 inside
// the node's namespace (`ip netns exec NS gobgp -p 50051 …`).
const GoBGPAPIPort = 50051

// NetLabMissing says what this machine lacks to run a NetLab ("" when nothing):
// root, iproute2, gobgpd/gobgp and the router daemon.
func NetLabMissing(router string) string {
	var miss []string
	if os.Geteuid() != 0 {
		miss = append(miss, "root")
	}
	bins := []string{"ip", "gobgpd", "gobgp"}
	switch router {
	case "bird":
		bins = append(bins, "bird", "birdc")
	default:
		bins = append(bins, "vtysh")
		if _, err := os.Stat("/usr/lib/frr/bgpd"); err != nil {
			miss = append(miss, "/usr/lib/frr/bgpd")
		}
	}
	for _, b := range bins {
		if _, err := exec.LookPath(b); err != nil {
			miss = append(miss, b)
		}
	}
	return strings.Join(miss, ", ")
}

// NewNetLabDir creates a run directory the FRR daemons (user frr) can use: under the
// system temp dir, mode 0755.
func NewNetLabDir() (string, error) {
	d, err := os.MkdirTemp("", "bgpnet-netlab-")
	if err != nil {
		return "", err
	}
	return d, os.Chmod(d, 0o755)
}

// StartNetLab builds the namespaces, starts the router and one speaker per node, and
// tears everything down when t ends. It does not wait for sessions: see WaitEstablished.
func StartNetLab(t TB, o NetLabOptions) *NetLab {
	t.Helper()
	if miss := NetLabMissing(o.Router); miss != "" {
		t.Fatalf("the BGP lab needs %s (hack/test.sh installs frr, bird2 and gobgpd; run as root)", miss)
	}
	if o.Dir == "" {
		d, err := NewNetLabDir()
		if err != nil {
			t.Fatal(err)
		}
		o.Dir = d
	}
	l, err := UpNetLab(o)
	if l != nil {
		t.Cleanup(func() {
			if err := l.Down(); err != nil {
				t.Logf("netlab down: %v", err)
			}
		})
	}
	if err != nil {
		t.Fatalf("netlab: %v", err)
	}
	return l
}

// UpNetLab is StartNetLab for callers that manage the lifetime themselves (call Down).
// On error the returned lab (if any) still needs Down.
func UpNetLab(o NetLabOptions) (*NetLab, error) {
	if o.Router == "" {
		o.Router = "frr"
	}
	if o.RouterIP == "" {
		o.RouterIP = "192.0.2.1"
	}
	if o.RouterASN == 0 {
		o.RouterASN = 64513
	}
	if o.NodeASN == 0 {
		o.NodeASN = 64512
	}
	if o.Prefix == "" {
		o.Prefix = fmt.Sprintf("bgpnet%d-", os.Getpid())
	}
	if o.Dir == "" {
		return nil, errors.New("netlab: no run directory")
	}
	o.Nodes = slices.Clone(o.Nodes) // the lab changes its nodes; never the caller's slice
	if o.Spine && o.Router != "frr" {
		return nil, errors.New("netlab: a spine needs the FRR router")
	}
	l := &NetLab{NetLabOptions: o, Namespaces: map[string]string{"router": o.Prefix + "rtr"}}
	if o.Spine {
		l.Namespaces["spine"] = o.Prefix + "spn"
	}
	for _, n := range o.Nodes {
		l.Namespaces[n.Name] = o.Prefix + n.Name
	}
	if err := l.save(); err != nil {
		return nil, err
	}
	if err := l.topology(); err != nil {
		return l, err
	}
	if err := l.startRouter(); err != nil {
		return l, err
	}
	if err := l.startSpine(); err != nil {
		return l, err
	}
	for _, n := range o.Nodes {
		if err := l.StartSpeaker(n.Name); err != nil {
			return l, err
		}
	}
	return l, nil
}

// OpenNetLab opens the lab whose run directory is dir (written by UpNetLab).
func OpenNetLab(dir string) (*NetLab, error) {
	b, err := os.ReadFile(filepath.Join(dir, "netlab.json"))
	if err != nil {
		return nil, fmt.Errorf("open netlab: %w", err)
	}
	var l NetLab
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("netlab state %s: %w", dir, err)
	}
	return &l, nil
}

func (l *NetLab) save() error {
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(l.Dir, "netlab.json"), b, 0o644)
}

// Node returns the node called name.
func (l *NetLab) Node(name string) (NetLabNode, error) {
	for _, n := range l.Nodes {
		if n.Name == name {
			return n, nil
		}
	}
	return NetLabNode{}, fmt.Errorf("netlab has no node %q", name)
}

func run(name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

func (l *NetLab) topology() error {
	rtr := l.Namespaces["router"]
	cmds := [][]string{{"netns", "add", rtr}, {"-n", rtr, "link", "set", "lo", "up"},
		{"-n", rtr, "link", "add", "br0", "type", "bridge"},
		{"-n", rtr, "addr", "add", l.RouterIP + "/24", "dev", "br0"},
		{"-n", rtr, "link", "set", "br0", "up"}}
	for i, n := range l.Nodes {
		ns, port := l.Namespaces[n.Name], fmt.Sprintf("n%dp", i+1)
		cmds = append(cmds, []string{"netns", "add", ns}, []string{"-n", ns, "link", "set", "lo", "up"},
			// created directly inside the namespaces: eth0 in the node, n<i>p on the bridge
			[]string{"-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", port, "netns", rtr},
			[]string{"-n", rtr, "link", "set", port, "master", "br0", "up"},
			[]string{"-n", ns, "addr", "add", n.Address + "/24", "dev", "eth0"},
			[]string{"-n", ns, "link", "set", "eth0", "up"},
			[]string{"-n", ns, "route", "add", "default", "via", l.RouterIP})
	}
	if spn := l.Namespaces["spine"]; spn != "" {
		cmds = append(cmds, []string{"netns", "add", spn}, []string{"-n", spn, "link", "set", "lo", "up"},
			[]string{"-n", spn, "link", "add", "eth0", "type", "veth", "peer", "name", "up0", "netns", rtr},
			[]string{"-n", rtr, "addr", "add", SpineLink[0] + "/30", "dev", "up0"},
			[]string{"-n", rtr, "link", "set", "up0", "up"},
			[]string{"-n", spn, "addr", "add", SpineLink[1] + "/30", "dev", "eth0"},
			[]string{"-n", spn, "link", "set", "eth0", "up"})
	}
	for _, c := range cmds {
		if err := run("ip", c...); err != nil {
			return err
		}
	}
	return nil
}

func (l *NetLab) spineDir() string { return filepath.Join(l.Dir, "spine") }

// startSpine starts the spine's BIRD (when the lab has one): an iBGP neighbor of the
// router that imports everything and installs it in its FIB.
func (l *NetLab) startSpine() error {
	if !l.Spine {
		return nil
	}
	d := l.spineDir()
	if err := os.MkdirAll(d, 0o755); err != nil {
		return err
	}
	conf := fmt.Sprintf(`log %q all;
router id %s;
protocol device {}
protocol direct { ipv4; interface "eth0"; }
protocol kernel { ipv4 { export where source = RTS_BGP; }; merge paths on; }
protocol bgp rtr {
  local %s as %d;
  neighbor %s as %d;
  description "leaf router";
  connect delay time 1;
  connect retry time 5;
  ipv4 { import all; export none; };
}
`, filepath.Join(d, "bird.log"), SpineLink[1], SpineLink[1], l.RouterASN, SpineLink[0], l.RouterASN)
	if err := os.WriteFile(filepath.Join(d, "bird.conf"), []byte(conf), 0o644); err != nil {
		return err
	}
	if err := run("ip", "netns", "exec", l.Namespaces["spine"], "bird", "-c", filepath.Join(d, "bird.conf"),
		"-s", filepath.Join(d, "bird.ctl"), "-P", filepath.Join(d, "bird.pid")); err != nil {
		return err
	}
	return waitFile(filepath.Join(d, "bird.ctl"))
}

// SpineCommand is the command prefix that reaches the spine's birdc (for --router-cmd).
func (l *NetLab) SpineCommand() []string {
	return []string{"ip", "netns", "exec", l.Namespaces["spine"], "birdc", "-s", filepath.Join(l.spineDir(), "bird.ctl")}
}

func (l *NetLab) routerDir() string { return filepath.Join(l.Dir, "rtr") }

func (l *NetLab) startRouter() error {
	d := l.routerDir()
	if err := os.MkdirAll(d, 0o755); err != nil {
		return err
	}
	if l.Router == "bird" {
		if err := os.WriteFile(filepath.Join(d, "bird.conf"), []byte(l.birdConf()), 0o644); err != nil {
			return err
		}
		if err := run("ip", "netns", "exec", l.Namespaces["router"], "bird", "-c", filepath.Join(d, "bird.conf"),
			"-s", filepath.Join(d, "bird.ctl"), "-P", filepath.Join(d, "bird.pid")); err != nil {
			return err
		}
		return waitFile(filepath.Join(d, "bird.ctl"))
	}
	if err := os.WriteFile(filepath.Join(d, "zebra.conf"), []byte("hostname rtr\nlog file "+filepath.Join(d, "zebra.log")+" informational\n"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(d, "bgpd.conf"), []byte(l.frrConf()), 0o644); err != nil {
		return err
	}
	if err := run("chown", "-R", "frr:frr", d); err != nil {
		return err
	}
	common := []string{"-z", filepath.Join(d, "zserv.api"), "--vty_socket", d, "-P", "0", "-u", "frr", "-g", "frr"}
	if err := run("ip", append([]string{"netns", "exec", l.Namespaces["router"], "/usr/lib/frr/zebra", "-d",
		"-f", filepath.Join(d, "zebra.conf"), "-i", filepath.Join(d, "zebra.pid")}, common...)...); err != nil {
		return err
	}
	if err := waitFile(filepath.Join(d, "zserv.api")); err != nil {
		return err
	}
	if err := run("ip", append([]string{"netns", "exec", l.Namespaces["router"], "/usr/lib/frr/bgpd", "-d",
		"-f", filepath.Join(d, "bgpd.conf"), "-i", filepath.Join(d, "bgpd.pid")}, common...)...); err != nil {
		return err
	}
	return waitFile(filepath.Join(d, "bgpd.vty"))
}

func waitFile(p string) error {
	for range 100 {
		if _, err := os.Stat(p); err == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("%s did not appear within 10s", p)
}

func (l *NetLab) nodeASN(n NetLabNode) uint32 {
	if n.ASN != 0 {
		return n.ASN
	}
	return l.NodeASN
}

// expectedASN is the remote-as the router configures for n.
func (l *NetLab) expectedASN(n NetLabNode) uint32 {
	if n.RouterExpects != 0 {
		return n.RouterExpects
	}
	return l.nodeASN(n)
}

// frrConf is bgpd.conf: one neighbor per node (no peer group, so one neighbor's
// remote-as can be changed at run time).
func (l *NetLab) frrConf() string {
	var b strings.Builder
	fmt.Fprintf(&b, "hostname rtr\nlog file %s informational\n!\nrouter bgp %d\n bgp router-id %s\n",
		filepath.Join(l.routerDir(), "bgpd.log"), l.RouterASN, l.RouterIP)
	if !l.RequirePolicy {
		b.WriteString(" no bgp ebgp-requires-policy\n")
	}
	b.WriteString(" no bgp network import-check\n")
	for _, n := range l.Nodes {
		fmt.Fprintf(&b, " neighbor %s remote-as %d\n neighbor %s description %s\n neighbor %s timers connect 5\n",
			n.Address, l.expectedASN(n), n.Address, n.Name, n.Address)
	}
	if l.Spine {
		fmt.Fprintf(&b, " neighbor %s remote-as %d\n neighbor %s description spine\n neighbor %s update-source %s\n",
			SpineLink[1], l.RouterASN, SpineLink[1], SpineLink[1], SpineLink[0])
	}
	b.WriteString(" !\n address-family ipv4 unicast\n  maximum-paths 8\n  maximum-paths ibgp 8\n exit-address-family\n!\n")
	return b.String()
}

// birdConf is BIRD 2's configuration. BIRD follows RFC 8212 (eBGP import/export none by
// default), so it imports everything explicitly, and installs the routes in its FIB.
func (l *NetLab) birdConf() string {
	var b strings.Builder
	fmt.Fprintf(&b, "log %q all;\nrouter id %s;\nprotocol device {}\nprotocol direct { ipv4; interface \"br0\"; }\n",
		filepath.Join(l.routerDir(), "bird.log"), l.RouterIP)
	b.WriteString("protocol kernel { ipv4 { export where source = RTS_BGP; }; merge paths on; }\n")
	imp := l.BirdImport
	if imp == "" {
		imp = "import all"
	}
	fmt.Fprintf(&b, "template bgp cilium {\n  local %s as %d;\n  connect delay time 1;\n  connect retry time 5;\n  ipv4 { %s; export none; };\n}\n",
		l.RouterIP, l.RouterASN, imp)
	for _, n := range l.Nodes {
		fmt.Fprintf(&b, "protocol bgp %s from cilium { neighbor %s as %d; description %q; }\n",
			strings.ReplaceAll(n.Name, "-", "_"), n.Address, l.expectedASN(n), n.Name)
	}
	return b.String()
}

func (l *NetLab) speakerDir(node string) string { return filepath.Join(l.Dir, "speakers", node) }

// StartSpeaker starts the node's gobgpd (configured like Cilium's: dial out only unless
// Listen) and injects its prefixes.
func (l *NetLab) StartSpeaker(node string) error {
	n, err := l.Node(node)
	if err != nil {
		return err
	}
	d := l.speakerDir(node)
	if err := os.MkdirAll(d, 0o755); err != nil {
		return err
	}
	port := -1
	if l.Listen {
		port = 179
	}
	conf := fmt.Sprintf(`[global.config]
  as = %d
  router-id = %q
  port = %d
[[neighbors]]
  [neighbors.config]
    neighbor-address = %q
    peer-as = %d
  [neighbors.transport.config]
    local-address = %q
  [neighbors.timers.config]
    connect-retry = 5
    hold-time = 9
    keepalive-interval = 3
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
`, l.nodeASN(n), n.Address, port, l.RouterIP, l.RouterASN, n.Address)
	if err := os.WriteFile(filepath.Join(d, "gobgpd.toml"), []byte(conf), 0o644); err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(d, "gobgpd.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command("ip", "netns", "exec", l.Namespaces[node], "gobgpd", "-f", filepath.Join(d, "gobgpd.toml"),
		"-t", "toml", "-p", "-l", "info", "--api-hosts", fmt.Sprintf("127.0.0.1:%d", GoBGPAPIPort), "--pprof-disable")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start gobgpd in %s: %w", l.Namespaces[node], err)
	}
	go func() { _ = cmd.Wait() }() // reap it when it exits, whoever stops it
	if err := os.WriteFile(filepath.Join(d, "gobgpd.pid"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644); err != nil {
		return err
	}
	var lastErr error
	for range 100 {
		if _, lastErr = l.GoBGP(node, "global"); lastErr == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if lastErr != nil {
		return fmt.Errorf("gobgpd in %s did not answer within 10s: %w", l.Namespaces[node], lastErr)
	}
	for _, p := range n.Prefixes {
		if err := l.Announce(node, p); err != nil {
			return err
		}
	}
	return nil
}

// StopSpeaker stops the node's gobgpd (SIGTERM, then SIGKILL after 5 s): its session
// drops and its agent stand-in can no longer reach it.
func (l *NetLab) StopSpeaker(node string) error {
	if _, err := l.Node(node); err != nil {
		return err
	}
	return stopPidFile(filepath.Join(l.speakerDir(node), "gobgpd.pid"))
}

// Announce adds prefix to the node speaker's RIB (advertised to the router).
func (l *NetLab) Announce(node, prefix string) error {
	_, err := l.GoBGP(node, "global", "rib", "-a", afiOf(prefix), "add", prefix)
	return err
}

// Withdraw removes prefix from the node speaker's RIB.
func (l *NetLab) Withdraw(node, prefix string) error {
	_, err := l.GoBGP(node, "global", "rib", "-a", afiOf(prefix), "del", prefix)
	return err
}

func afiOf(prefix string) string {
	if strings.Contains(prefix, ":") {
		return "ipv6"
	}
	return "ipv4"
}

// GoBGP runs the gobgp CLI against the node's speaker and returns its stdout.
func (l *NetLab) GoBGP(node string, args ...string) ([]byte, error) {
	ns, ok := l.Namespaces[node]
	if !ok || node == "router" {
		return nil, fmt.Errorf("netlab has no node %q", node)
	}
	return gobgpagent.Netns(ns, GoBGPAPIPort)(args...)
}

// Vtysh runs FRR commands on the router (vtysh -c … for each command).
func (l *NetLab) Vtysh(cmds ...string) ([]byte, error) {
	if l.Router != "frr" {
		return nil, errors.New("the lab router is not FRR")
	}
	args := []string{"--vty_socket", l.routerDir()}
	for _, c := range cmds {
		args = append(args, "-c", c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "vtysh", args...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("vtysh %s: %w: %s", strings.Join(cmds, "; "), err, bytes.TrimSpace(out))
	}
	return out, nil
}

// Birdc runs a BIRD CLI command on the router.
func (l *NetLab) Birdc(args ...string) ([]byte, error) {
	if l.Router != "bird" {
		return nil, errors.New("the lab router is not BIRD")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "birdc", append([]string{"-s", filepath.Join(l.routerDir(), "bird.ctl")}, args...)...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("birdc %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return out, nil
}

// RouterCommand is the command prefix that reaches the router's CLI, tool included
// (for bgpnet's --router-cmd): vtysh with the lab's socket directory, or birdc with
// the lab's control socket, inside the router's namespace.
func (l *NetLab) RouterCommand() []string {
	base := []string{"ip", "netns", "exec", l.Namespaces["router"]}
	if l.Router == "bird" {
		return append(base, "birdc", "-s", filepath.Join(l.routerDir(), "bird.ctl"))
	}
	return append(base, "vtysh", "--vty_socket", l.routerDir())
}

// SetRouterPeerASN changes the ASN the router expects from node (a misconfiguration:
// the router rejects the node's OPEN and the session stays down), and saves it.
func (l *NetLab) SetRouterPeerASN(node string, asn uint32) error {
	n, err := l.Node(node)
	if err != nil {
		return err
	}
	for i := range l.Nodes {
		if l.Nodes[i].Name == node {
			l.Nodes[i].RouterExpects = asn
		}
	}
	if err := l.save(); err != nil {
		return err
	}
	if l.Router == "bird" {
		if err := os.WriteFile(filepath.Join(l.routerDir(), "bird.conf"), []byte(l.birdConf()), 0o644); err != nil {
			return err
		}
		_, err := l.Birdc("configure")
		return err
	}
	_, err = l.Vtysh("configure terminal", fmt.Sprintf("router bgp %d", l.RouterASN), fmt.Sprintf("neighbor %s remote-as %d", n.Address, asn))
	return err
}

// LoadRouterConfig restarts the router daemons with cfg as their whole BGP
// configuration (FRR bgpd.conf, or bird.conf): what a user does with a generated one.
func (l *NetLab) LoadRouterConfig(cfg string) error {
	for _, p := range []string{"bgpd.pid", "bird.pid"} {
		if err := stopPidFile(filepath.Join(l.routerDir(), p)); err != nil {
			return err
		}
	}
	d := l.routerDir()
	if l.Router == "bird" {
		if err := os.WriteFile(filepath.Join(d, "bird.conf"), []byte(cfg), 0o644); err != nil {
			return err
		}
		_ = os.Remove(filepath.Join(d, "bird.ctl"))
		if out, err := exec.Command("ip", "netns", "exec", l.Namespaces["router"], "bird", "-p", "-c", filepath.Join(d, "bird.conf")).CombinedOutput(); err != nil {
			return fmt.Errorf("bird rejects the configuration: %v: %s", err, out)
		}
		if err := run("ip", "netns", "exec", l.Namespaces["router"], "bird", "-c", filepath.Join(d, "bird.conf"),
			"-s", filepath.Join(d, "bird.ctl"), "-P", filepath.Join(d, "bird.pid")); err != nil {
			return err
		}
		return waitFile(filepath.Join(d, "bird.ctl"))
	}
	cfg = "log file " + filepath.Join(d, "bgpd.log") + " informational\n" + cfg
	if err := os.WriteFile(filepath.Join(d, "bgpd.conf"), []byte(cfg), 0o644); err != nil {
		return err
	}
	_ = os.Remove(filepath.Join(d, "bgpd.vty"))
	if err := run("chown", "-R", "frr:frr", d); err != nil {
		return err
	}
	common := []string{"-z", filepath.Join(d, "zserv.api"), "--vty_socket", d, "-P", "0", "-u", "frr", "-g", "frr"}
	if err := run("ip", append([]string{"netns", "exec", l.Namespaces["router"], "/usr/lib/frr/bgpd", "-d",
		"-f", filepath.Join(d, "bgpd.conf"), "-i", filepath.Join(d, "bgpd.pid")}, common...)...); err != nil {
		return err
	}
	if err := waitFile(filepath.Join(d, "bgpd.vty")); err != nil {
		return err
	}
	// FRR accepts a configuration with errors line by line: refuse one that had any
	log, _ := os.ReadFile(filepath.Join(d, "bgpd.log"))
	for _, line := range strings.Split(string(log), "\n") {
		if strings.Contains(line, "Error") && strings.Contains(line, "config") {
			return fmt.Errorf("bgpd reported a configuration error: %s", line)
		}
	}
	return nil
}

// SetBirdImport changes the BIRD channels' import clause (e.g. "import none", BIRD's
// RFC 8212 default for eBGP) and reconfigures BIRD.
func (l *NetLab) SetBirdImport(clause string) error {
	l.BirdImport = clause
	if err := l.save(); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(l.routerDir(), "bird.conf"), []byte(l.birdConf()), 0o644); err != nil {
		return err
	}
	_, err := l.Birdc("configure")
	return err
}

// Established lists the nodes whose session the router sees Established, read the way
// bgpnet reads routers (whatever the router's configuration names its neighbors).
func (l *NetLab) Established() (map[string]bool, error) {
	v := router.Collect(context.Background(), l.Router, "lab", router.Exec{Prefix: l.RouterCommand(), Timeout: 10 * time.Second})
	if v.Status != model.StatusOK {
		return nil, fmt.Errorf("read the lab router: %s", v.Message)
	}
	up := map[string]bool{}
	for _, n := range l.Nodes {
		for _, nb := range v.Neighbors {
			if nb.Address == n.Address && nb.Established {
				up[n.Name] = true
			}
		}
	}
	return up, nil
}

// WaitEstablished waits until the router sees every listed node (all when none)
// Established, or timeout.
func (l *NetLab) WaitEstablished(timeout time.Duration, nodes ...string) error {
	if len(nodes) == 0 {
		for _, n := range l.Nodes {
			nodes = append(nodes, n.Name)
		}
	}
	deadline := time.Now().Add(timeout)
	for {
		up, err := l.Established()
		missing := []string{}
		for _, n := range nodes {
			if !up[n] {
				missing = append(missing, n)
			}
		}
		if err == nil && len(missing) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return err
			}
			return fmt.Errorf("sessions of %s not Established after %s", strings.Join(missing, ", "), timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Down stops every daemon, deletes the namespaces and removes the run directory.
func (l *NetLab) Down() error {
	var errs []error
	for _, n := range l.Nodes {
		errs = append(errs, stopPidFile(filepath.Join(l.speakerDir(n.Name), "gobgpd.pid")))
	}
	for _, p := range []string{"bgpd.pid", "zebra.pid", "bird.pid"} {
		errs = append(errs, stopPidFile(filepath.Join(l.routerDir(), p)))
	}
	errs = append(errs, stopPidFile(filepath.Join(l.spineDir(), "bird.pid")))
	for _, ns := range l.Namespaces {
		if err := exec.Command("ip", "netns", "pids", ns).Run(); err != nil {
			continue // no such namespace
		}
		// only processes this lab started live in its namespaces
		out, _ := exec.Command("ip", "netns", "pids", ns).Output()
		for _, f := range strings.Fields(string(out)) {
			if pid, err := strconv.Atoi(f); err == nil {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		errs = append(errs, run("ip", "netns", "del", ns))
	}
	errs = append(errs, os.RemoveAll(l.Dir))
	_ = os.Remove("/var/tmp/frr") // FRR creates it (crash-log directories); removed only when empty
	return errors.Join(errs...)
}

// stopPidFile stops the process named by a pid file: SIGTERM, SIGKILL after 5 s.
// A missing file or process is not an error.
func stopPidFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		return fmt.Errorf("pid file %s: bad content %q", path, b)
	}
	defer os.Remove(path)
	if !alive(pid) {
		return nil
	}
	_ = syscall.Kill(pid, syscall.SIGTERM)
	for range 50 {
		if !alive(pid) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	for range 20 {
		if !alive(pid) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("process %d (%s) did not exit", pid, path)
}

// alive reports whether pid runs (a zombie does not).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// "pid (comm) S …": the state follows the last ')'
	i := bytes.LastIndexByte(b, ')')
	return i < 0 || i+2 >= len(b) || b[i+2] != 'Z'
}
