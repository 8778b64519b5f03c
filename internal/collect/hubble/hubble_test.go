// SPDX-License-Identifier: Apache-2.0

package hubble

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/testenv"
	flowpb "github.com/cilium/cilium/api/v1/flow"
	observerpb "github.com/cilium/cilium/api/v1/observer"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

var t0 = time.Date(2026, 11, 21, 23, 55, 0, 0, time.UTC)

func tcpFlow(sec int, src, dst string, dport uint32, v flowpb.Verdict, reason flowpb.DropReason) *flowpb.Flow {
	return &flowpb.Flow{
		Time: timestamppb.New(t0.Add(time.Duration(sec) * time.Second)), Verdict: v, DropReasonDesc: reason, NodeName: "kind-worker2",
		IP:               &flowpb.IP{Source: src, Destination: dst, IpVersion: flowpb.IPVersion_IPv4},
		L4:               &flowpb.Layer4{Protocol: &flowpb.Layer4_TCP{TCP: &flowpb.TCP{SourcePort: 40001, DestinationPort: dport, Flags: &flowpb.TCPFlags{SYN: true}}}},
		Source:           &flowpb.Endpoint{Identity: 2, Labels: []string{"reserved:world"}},
		Destination:      &flowpb.Endpoint{Namespace: "default", PodName: "web-7d9c-x", Labels: []string{"k8s:app=web"}},
		TrafficDirection: flowpb.TrafficDirection_INGRESS, IsReply: wrapperspb.Bool(false),
	}
}

// Recorded flows (cf. the lab's hubble-dropped-flow.json): traffic to VIP 198.51.100.10.
func recorded() []*flowpb.Flow {
	icmp := tcpFlow(3, "203.0.113.9", "198.51.100.10", 0, flowpb.Verdict_DROPPED, flowpb.DropReason_SERVICE_BACKEND_NOT_FOUND)
	icmp.L4 = &flowpb.Layer4{Protocol: &flowpb.Layer4_ICMPv4{ICMPv4: &flowpb.ICMPv4{Type: 8}}}
	return []*flowpb.Flow{
		tcpFlow(0, "203.0.113.50", "198.51.100.10", 80, flowpb.Verdict_FORWARDED, flowpb.DropReason_DROP_REASON_UNKNOWN),
		tcpFlow(1, "203.0.113.51", "198.51.100.10", 80, flowpb.Verdict_DROPPED, flowpb.DropReason_POLICY_DENIED),
		tcpFlow(2, "192.0.2.11", "192.0.2.1", 179, flowpb.Verdict_FORWARDED, flowpb.DropReason_DROP_REASON_UNKNOWN),
		icmp,
	}
}

func collectAll(t *testing.T, addr string, q Query) []model.Flow {
	t.Helper()
	conn, err := Dial(addr, TLSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var got []model.Flow
	err = Stream(ctx, observerpb.NewObserverClient(conn), q.Request(t0.Add(time.Hour)), func(f model.Flow) error {
		got = append(got, f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestQueryAgainstObserverServer(t *testing.T) {
	h := testenv.StartHubble(t, recorded())
	drops := collectAll(t, h.Addr, Query{IPs: []string{"198.51.100.10"}, Verdicts: []flowpb.Verdict{flowpb.Verdict_DROPPED}})
	if len(drops) != 2 || drops[0].DropReason != "POLICY_DENIED" || drops[1].DropReason != "SERVICE_BACKEND_NOT_FOUND" || drops[1].Protocol != "ICMPv4" {
		t.Fatalf("drops to the VIP: %+v", drops)
	}
	f := drops[0]
	if f.Source != "203.0.113.51" || f.DestinationPort != 80 || f.SourceName != "reserved:world" || f.DestinationName != "default/web-7d9c-x" ||
		f.Flags != "SYN" || f.Node != "kind-worker2" || f.Direction != "INGRESS" || !f.Time.Equal(t0.Add(time.Second)) {
		t.Errorf("flow: %+v", f)
	}
	bgp := collectAll(t, h.Addr, Query{Ports: []string{"179"}, Protocol: "tcp"})
	if len(bgp) != 1 || bgp[0].DestinationPort != 179 {
		t.Errorf("BGP flows: %+v", bgp)
	}
	if last := collectAll(t, h.Addr, Query{Last: 2}); len(last) != 2 || last[1].Protocol != "ICMPv4" {
		t.Errorf("--last 2: %+v", last)
	}
	if cidr := collectAll(t, h.Addr, Query{IPs: []string{"192.0.2.0/24"}}); len(cidr) != 1 {
		t.Errorf("CIDR filter: %+v", cidr)
	}
}

func TestFollow(t *testing.T) {
	h := testenv.StartHubble(t, recorded()[:1])
	conn, err := Dial(h.Addr, TLSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan model.Flow, 4)
	done := make(chan error, 1)
	go func() {
		done <- Stream(ctx, observerpb.NewObserverClient(conn), Query{Follow: true}.Request(t0), func(f model.Flow) error {
			got <- f
			return nil
		})
	}()
	<-got // the recorded one
	h.Add(recorded()[1])
	select {
	case f := <-got:
		if f.DropReason != "POLICY_DENIED" {
			t.Errorf("followed flow: %+v", f)
		}
	case <-ctx.Done():
		t.Fatal("followed flow never arrived")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("a cancelled follow ends without error: %v", err)
	}
}

func TestDialTLSErrors(t *testing.T) {
	if _, err := Dial("127.0.0.1:1", TLSOptions{Enabled: true, CAFile: "/nonexistent/ca.pem"}); err == nil || !strings.Contains(err.Error(), "Hubble CA") {
		t.Errorf("missing CA: %v", err)
	}
	if _, err := Dial("tls://127.0.0.1:1", TLSOptions{CertFile: "/nonexistent/c.pem", KeyFile: "/nonexistent/k.pem"}); err == nil {
		t.Error("missing client certificate accepted")
	}
}

// TestMessageBound: a message beyond MaxMessage fails the stream with an error that
// says so; the flows before it were delivered.
func TestMessageBound(t *testing.T) {
	huge := tcpFlow(9, "203.0.113.9", "198.51.100.10", 80, flowpb.Verdict_DROPPED, flowpb.DropReason_POLICY_DENIED)
	huge.Source.Labels = []string{strings.Repeat("x", MaxMessage)}
	h := testenv.StartHubble(t, append(recorded()[:1], huge))
	conn, err := Dial(h.Addr, TLSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	n := 0
	err = Stream(context.Background(), observerpb.NewObserverClient(conn), Query{}.Request(t0.Add(time.Hour)), func(model.Flow) error { n++; return nil })
	if err == nil || !strings.Contains(err.Error(), "larger than max") || n != 1 {
		t.Errorf("after %d flows: %v, want the oversized message refused", n, err)
	}
}
