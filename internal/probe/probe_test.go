// SPDX-License-Identifier: Apache-2.0

package probe

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// On loopback: ping answered, a listening port open, a closed one refused, and the
// explanation for each. (The VIP-that-drops-ICMP and path-MTU cases run in network
// namespaces in test/integration.)
func TestLoopback(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	open := l.Addr().(*net.TCPAddr).Port
	l2, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := l2.Addr().(*net.TCPAddr).Port
	l2.Close()

	res, pmtu := Run(context.Background(), []Target{{Addr: netip.MustParseAddr("127.0.0.1"), Ports: []int{open, closed}, UDPPorts: []int{53}}},
		Options{Timeout: time.Second, Count: 1, PMTU: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	r := res[0]
	if r.ICMP != Reply && r.ICMP != NotProbed {
		t.Errorf("ICMP to loopback: %s %s", r.ICMP, r.ICMPDetail)
	}
	if r.TCP[0].Outcome != Open || r.TCP[1].Outcome != Refused {
		t.Errorf("TCP: %+v", r.TCP)
	}
	text := strings.Join(r.Explanation, "\n")
	for _, want := range []string{"refused: a node got the packet", "UDP ports [53] not probed"} {
		if !strings.Contains(text, want) {
			t.Errorf("explanation lacks %q:\n%s", want, text)
		}
	}
	if pmtu[0].Outcome == Reply && pmtu[0].MTU != 9000 {
		t.Errorf("loopback path MTU: %+v", pmtu[0])
	}
}

func TestExplain(t *testing.T) {
	for _, c := range []struct {
		r    Result
		want string
	}{
		{Result{ICMP: NoReply, TCP: []PortResult{{Port: 80, Outcome: Open}}}, "ICMP: no reply — expected"},
		{Result{ICMP: Reply, TCP: []PortResult{{Port: 80, Outcome: Open}}}, "answers ping"},
		{Result{ICMP: NoReply, TCP: []PortResult{{Port: 80, Outcome: TimedOut}}}, "nothing answers"},
		{Result{ICMP: NotProbed, ICMPDetail: ErrICMPNotPermitted.Error()}, "ping_group_range"},
	} {
		if got := strings.Join(explain(c.r), "\n"); !strings.Contains(got, c.want) {
			t.Errorf("%+v: %q lacks %q", c.r, got, c.want)
		}
	}
}
