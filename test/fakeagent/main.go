// SPDX-License-Identifier: Apache-2.0

// Command fakeagent stands in for cilium-dbg inside kwok "pods", where no Cilium agent
// can run. It answers the commands bgpnet execs from a state file written by the test
// (BGPNET_AGENT_STATE), so the exec path, the decoders and the per-node statuses are
// exercised end to end through a real API server:
//
//	{"mode": "rest|shell-only|disabled|garbage|hang", "peers": [...models.BgpPeer...],
//	 "shellPeers": [...instances...], "routes": {"ipv4": [...], "ipv6": [...]}}
//
// In mode "gobgp" the answers are live instead: the state of the real GoBGP speaker in
// network namespace "netns" (the lab's node), translated by internal/testenv/gobgpagent;
// "peerNames" maps peer addresses to the names the BGP configuration gives them.
// A speaker that does not answer makes the command fail as an agent without its BGP
// control plane does.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/testenv/gobgpagent"
)

type state struct {
	Mode       string                     `json:"mode"`
	Peers      json.RawMessage            `json:"peers"`
	ShellPeers json.RawMessage            `json:"shellPeers"`
	Routes     map[string]json.RawMessage `json:"routes"`
	Netns      string                     `json:"netns"`
	Port       int                        `json:"port"`
	PeerNames  map[string]string          `json:"peerNames"`
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	path := os.Getenv("BGPNET_AGENT_STATE")
	raw, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "fakeagent: read state %q: %v\n", path, err)
		return 1
	}
	var s state
	if err := json.Unmarshal(raw, &s); err != nil {
		fmt.Fprintf(os.Stderr, "fakeagent: state %s: %v\n", path, err)
		return 1
	}
	cmd := strings.Join(args, " ")
	switch s.Mode {
	case "disabled":
		fmt.Println("BGP Control Plane is disabled") // the real agent answers this on stdout, exit 0
		return 0
	case "garbage":
		fmt.Println("level=info msg=\"x\" {[ this is not json")
		return 0
	case "hang":
		time.Sleep(10 * time.Minute)
		return 0
	case "gobgp":
		return live(s, args)
	}
	switch {
	case strings.HasPrefix(cmd, "bgp peers"):
		if s.Mode == "shell-only" {
			fmt.Fprintln(os.Stderr, `Error: unknown command "peers" for "cilium-dbg bgp"`)
			return 1
		}
		return emit(s.Peers)
	case strings.HasPrefix(cmd, "shell -- bgp/peers"):
		return emit(s.ShellPeers)
	case strings.HasPrefix(cmd, "bgp routes advertised"):
		if len(args) < 4 {
			fmt.Fprintln(os.Stderr, "Error: missing afi")
			return 1
		}
		return emit(s.Routes[args[3]])
	}
	fmt.Fprintf(os.Stderr, "fakeagent: unsupported command %q\n", cmd)
	return 1
}

func emit(b json.RawMessage) int {
	if len(b) == 0 {
		b = json.RawMessage("[]")
	}
	fmt.Println(string(b))
	return 0
}

// live answers from the GoBGP speaker in s.Netns.
func live(s state, args []string) int {
	cli := gobgpagent.Netns(s.Netns, s.Port)
	var v any
	var err error
	cmd := strings.Join(args, " ")
	switch {
	case strings.HasPrefix(cmd, "bgp peers"):
		peers, perr := gobgpagent.Peers(cli, time.Now())
		for _, p := range peers {
			p.Name = s.PeerNames[p.PeerAddress]
		}
		v, err = peers, perr
	case strings.HasPrefix(cmd, "bgp routes advertised") && len(args) >= 4:
		v, err = gobgpagent.Routes(cli, args[3], time.Now())
	default:
		fmt.Fprintf(os.Stderr, "fakeagent: unsupported command %q\n", cmd)
		return 1
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "Error: cannot get BGP state from the speaker: %v\n", err)
		return 1
	}
	b, err := json.Marshal(v)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return emit(b)
}
