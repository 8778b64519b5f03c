// SPDX-License-Identifier: Apache-2.0

package testenv

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	flowpb "github.com/cilium/cilium/api/v1/flow"
	"google.golang.org/protobuf/types/known/timestamppb"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

//go:embed labdata/lab.yaml
var labYAML string

// LabOptions configure StartLab.
type LabOptions struct {
	// Dir receives kubeconfig and the agents' state files (default: a test temp dir).
	Dir string
	// AgentDir holds the cilium-dbg stand-in (default: BuildFakeAgent).
	AgentDir string
	// Router is "frr" (default) or "bird".
	Router string
	// CiliumLike makes the speakers dial out only, as Cilium does (6–10 s to
	// Established instead of about 2 s).
	CiliumLike bool
	// IBGP makes the fabric an iBGP design: the nodes use the router's ASN (64513, in
	// the ClusterConfig too) and a spine (BIRD) peers iBGP with the router behind it.
	IBGP bool
}

// Lab is the live lab: a real API server with Cilium's CRDs and the lab's objects; kwok
// nodes node1..node3 with Running agent pods whose cilium-dbg reports the live state of
// GoBGP speakers (one network namespace per BGP node) peering with a real FRR or BIRD
// router; and a real Hubble observer server behind the hubble-relay Service.
type Lab struct {
	Env        *Env
	Kwok       *Kwok
	Net        *NetLab
	Hubble     *HubbleServer
	Kubeconfig string
	// VIP is the LoadBalancer IP of web/frontend, advertised by node1 and node2.
	VIP string
}

// LabNodes are the lab's BGP nodes: address on the router's /24 and what their speaker
// advertises (PodCIDR and the VIP, as Cilium would for the lab's advertisement).
var LabNodes = []NetLabNode{
	{Name: "node1", Address: "192.0.2.11", Prefixes: []string{"10.244.1.0/24", "198.51.100.10/32"}},
	{Name: "node2", Address: "192.0.2.12", Prefixes: []string{"10.244.2.0/24", "198.51.100.10/32"}},
}

// StartLab starts the live lab; everything stops when t ends. It returns once both
// sessions are Established.
func StartLab(t TB, o LabOptions) *Lab {
	t.Helper()
	if o.Dir == "" {
		o.Dir = t.TempDir()
	}
	if o.AgentDir == "" {
		o.AgentDir = BuildFakeAgent(t)
	}
	if miss := NetLabMissing(o.Router); miss != "" {
		t.Fatalf("the lab needs %s (hack/test.sh installs frr, bird2 and gobgpd; run as root)", miss)
	}
	env := Start(t, Options{Flavor: Cilium120})
	netDir, err := NewNetLabDir()
	if err != nil {
		t.Fatal(err)
	}
	no := NetLabOptions{Dir: netDir, Router: o.Router, Nodes: LabNodes, Listen: !o.CiliumLike}
	seed := labYAML
	if o.IBGP {
		no.NodeASN, no.Spine = 64513, true
		seed = strings.ReplaceAll(seed, "localASN: 64512", "localASN: 64513")
	}
	nl := StartNetLab(t, no)
	k := env.StartKwok(t, o.AgentDir)
	env.Seed(t, seed)

	nodes := []struct{ name, ip, cidr, bgp string }{
		{"node1", "192.0.2.11", "10.244.1.0/24", "enabled"},
		{"node2", "192.0.2.12", "10.244.2.0/24", "enabled"},
		{"node3", "192.0.2.13", "10.244.3.0/24", ""},
	}
	for _, n := range nodes {
		labels := map[string]string{"kubernetes.io/hostname": n.name}
		if n.bgp != "" {
			labels["bgp"] = n.bgp
		}
		k.AddNode(t, n.name, labels, n.ip)
		k.SetPodCIDR(t, n.name, n.cidr)
		st := map[string]any{"mode": "rest", "peers": []any{}}
		if ns, ok := nl.Namespaces[n.name]; ok {
			st = map[string]any{"mode": "gobgp", "netns": ns, "port": GoBGPAPIPort, "peerNames": map[string]string{nl.RouterIP: "tor"}}
		}
		path := filepath.Join(o.Dir, "agent-"+n.name+".json")
		b, _ := json.Marshal(st)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		k.AddAgentPod(t, "kube-system", n.name, map[string]string{"BGPNET_AGENT_STATE": path})
	}

	hub := StartHubble(t, LabFlows(time.Now()))
	_, port, _ := net.SplitHostPort(hub.Addr)
	p, _ := strconv.Atoi(port)
	k.AddHubbleRelay(t, "kube-system", "node3", p)

	kc := filepath.Join(o.Dir, "kubeconfig")
	b, err := os.ReadFile(Kubeconfig(t, env.Config))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kc, b, 0o600); err != nil {
		t.Fatal(err)
	}
	timeout := 30 * time.Second
	if o.CiliumLike {
		timeout = 60 * time.Second
	}
	if err := nl.WaitEstablished(timeout); err != nil {
		t.Fatalf("lab: %v", err)
	}
	return &Lab{Env: env, Kwok: k, Net: nl, Hubble: hub, Kubeconfig: kc, VIP: "198.51.100.10"}
}

// SetPodCIDR sets a node's spec.podCIDR(s), as the controller-manager's IPAM would.
func (k *Kwok) SetPodCIDR(t TB, node, cidr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	patch := fmt.Sprintf(`{"spec":{"podCIDR":%q,"podCIDRs":[%q]}}`, cidr, cidr)
	if _, err := k.core.CoreV1().Nodes().Patch(ctx, node, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatalf("set podCIDR of node %s: %v", node, err)
	}
}

// LabFlows are the flows the lab's Hubble server replays, ending at now: web traffic to
// the VIP that works, a ping to the VIP dropped as SERVICE_BACKEND_NOT_FOUND (1.19+), a
// connection refused by policy, and the BGP sessions' own TCP/179 packets.
func LabFlows(now time.Time) []*flowpb.Flow {
	mk := func(ago int, node, src, dst string, sport, dport uint32, v flowpb.Verdict, r flowpb.DropReason) *flowpb.Flow {
		return &flowpb.Flow{
			Time: timestamppb.New(now.Add(-time.Duration(ago) * time.Second)), Verdict: v, DropReasonDesc: r, NodeName: node,
			IP:     &flowpb.IP{Source: src, Destination: dst, IpVersion: flowpb.IPVersion_IPv4},
			L4:     &flowpb.Layer4{Protocol: &flowpb.Layer4_TCP{TCP: &flowpb.TCP{SourcePort: sport, DestinationPort: dport, Flags: &flowpb.TCPFlags{SYN: true}}}},
			Source: &flowpb.Endpoint{Identity: 2, Labels: []string{"reserved:world"}}, TrafficDirection: flowpb.TrafficDirection_INGRESS,
			Destination: &flowpb.Endpoint{Identity: 4242, Namespace: "web", Labels: []string{"k8s:app=frontend"}},
		}
	}
	ping := mk(50, "node1", "203.0.113.51", "198.51.100.10", 0, 0, flowpb.Verdict_DROPPED, flowpb.DropReason_SERVICE_BACKEND_NOT_FOUND)
	ping.L4 = &flowpb.Layer4{Protocol: &flowpb.Layer4_ICMPv4{ICMPv4: &flowpb.ICMPv4{Type: 8}}}
	ping.Destination = nil
	bgp := func(ago int, node, addr string) *flowpb.Flow {
		f := mk(ago, node, addr, "192.0.2.1", 40179, 179, flowpb.Verdict_FORWARDED, flowpb.DropReason_DROP_REASON_UNKNOWN)
		f.Source, f.Destination = &flowpb.Endpoint{Identity: 1, Labels: []string{"reserved:host"}}, &flowpb.Endpoint{Identity: 2, Labels: []string{"reserved:world"}}
		f.TrafficDirection = flowpb.TrafficDirection_EGRESS
		f.L4.GetTCP().Flags = &flowpb.TCPFlags{ACK: true, PSH: true}
		return f
	}
	return []*flowpb.Flow{
		bgp(58, "node1", "192.0.2.11"),
		bgp(57, "node2", "192.0.2.12"),
		mk(55, "node1", "203.0.113.50", "198.51.100.10", 51000, 80, flowpb.Verdict_FORWARDED, flowpb.DropReason_DROP_REASON_UNKNOWN),
		mk(54, "node2", "203.0.113.50", "198.51.100.10", 51001, 80, flowpb.Verdict_FORWARDED, flowpb.DropReason_DROP_REASON_UNKNOWN),
		ping,
		mk(45, "node2", "203.0.113.66", "198.51.100.10", 52000, 80, flowpb.Verdict_DROPPED, flowpb.DropReason_POLICY_DENIED),
		mk(40, "node1", "203.0.113.50", "198.51.100.10", 51002, 80, flowpb.Verdict_FORWARDED, flowpb.DropReason_DROP_REASON_UNKNOWN),
		bgp(3, "node1", "192.0.2.11"),
	}
}
