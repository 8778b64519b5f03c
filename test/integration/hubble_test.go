// SPDX-License-Identifier: Apache-2.0

package integration

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/testenv"
	flowpb "github.com/cilium/cilium/api/v1/flow"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// recordedDrops are flows towards jellyfin's VIP (192.168.10.1): a ping, a connection
// refused by policy, one forwarded, and a BGP keepalive.
func recordedDrops() []*flowpb.Flow {
	now := time.Now()
	mk := func(sec int, dst string, dport uint32, v flowpb.Verdict, r flowpb.DropReason) *flowpb.Flow {
		return &flowpb.Flow{
			Time: timestamppb.New(now.Add(time.Duration(-60+sec) * time.Second)), Verdict: v, DropReasonDesc: r, NodeName: "nuc-1",
			IP:     &flowpb.IP{Source: "203.0.113.51", Destination: dst, IpVersion: flowpb.IPVersion_IPv4},
			L4:     &flowpb.Layer4{Protocol: &flowpb.Layer4_TCP{TCP: &flowpb.TCP{SourcePort: 40001, DestinationPort: dport, Flags: &flowpb.TCPFlags{SYN: true}}}},
			Source: &flowpb.Endpoint{Identity: 2, Labels: []string{"reserved:world"}},
		}
	}
	ping := mk(1, "192.168.10.1", 0, flowpb.Verdict_DROPPED, flowpb.DropReason_SERVICE_BACKEND_NOT_FOUND)
	ping.L4 = &flowpb.Layer4{Protocol: &flowpb.Layer4_ICMPv4{ICMPv4: &flowpb.ICMPv4{Type: 8}}}
	return []*flowpb.Flow{
		ping,
		mk(2, "192.168.10.1", 8096, flowpb.Verdict_DROPPED, flowpb.DropReason_POLICY_DENIED),
		mk(3, "192.168.10.1", 8096, flowpb.Verdict_FORWARDED, flowpb.DropReason_DROP_REASON_UNKNOWN),
		mk(4, "192.168.1.1", 179, flowpb.Verdict_FORWARDED, flowpb.DropReason_DROP_REASON_UNKNOWN),
	}
}

// TestHubbleThroughPortForward reaches a real gRPC Hubble observer server the way a user
// does without flags: port-forward to the hubble-relay Service (kwok forwards the pod's
// grpc port to the server), then doctor reports the drops and flows streams them.
func TestHubbleThroughPortForward(t *testing.T) {
	env := startHomelab(t, testenv.Options{Flavor: testenv.Cilium120}, readTestdata(t, "homelab-bgpv2.yaml"))
	hub := testenv.StartHubble(t, recordedDrops())
	_, port, _ := strings.Cut(hub.Addr, ":")
	p, _ := strconv.Atoi(port)
	k := env.StartKwok(t, t.TempDir())
	k.AddNode(t, "relay-node", nil, "192.168.1.99")
	k.AddHubbleRelay(t, "kube-system", "relay-node", p)
	kc := testenv.Kubeconfig(t, env.Config)

	// kwok picks up the PortForward asynchronously: retry the first contact (bounded)
	var doc struct {
		Findings []struct {
			ID      string
			Subject struct{ Namespace, Name string }
			Message string
		}
		Skipped []struct{ ID, Reason string }
		Sources []struct{ Name, Status, Message string }
	}
	deadline := time.Now().Add(time.Minute)
	for {
		code, out, errOut := runCLI(t, "--kubeconfig", kc, "doctor", "-o", "json", "--fail-on", "never", "--agents", "never", "--hubble-timeout", "5s")
		if code != 0 {
			t.Fatalf("doctor: %d %s", code, errOut)
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		hubbleOK := false
		for _, s := range doc.Sources {
			hubbleOK = hubbleOK || s.Name == "hubble" && s.Status == "ok"
		}
		if hubbleOK || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	found := map[string]string{}
	for _, f := range doc.Findings {
		if f.Subject.Name == "jellyfin" {
			found[f.ID] = f.Message
		}
	}
	if !strings.Contains(found["drop-policy-denied"], "1 POLICY_DENIED drops") || !strings.Contains(found["drop-service-backend-not-found"], "SERVICE_BACKEND_NOT_FOUND") ||
		!strings.Contains(found["hubble-drop-summary"], "2 drops towards media/jellyfin") {
		t.Errorf("drop findings for jellyfin: %+v (sources %+v, skipped %+v)", found, doc.Sources, doc.Skipped)
	}

	// flows for the Service, through the same port-forward
	code, out, errOut := runCLI(t, "--kubeconfig", kc, "flows", "media/jellyfin", "--last", "0")
	if code != 0 {
		t.Fatalf("flows: %d %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "203.0.113.51:40001 (reserved:world) -> 192.168.10.1:8096 TCP SYN DROPPED (POLICY_DENIED)") {
		t.Errorf("flows media/jellyfin:\n%s", out)
	}
	code, out, _ = runCLI(t, "--kubeconfig", kc, "flows", "--bgp", "-o", "json", "--hubble-server", hub.Addr)
	var f struct{ DestinationPort int }
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &f); code != 0 || err != nil || f.DestinationPort != 179 {
		t.Errorf("flows --bgp via --hubble-server: %d %v %q", code, err, out)
	}
}
