// SPDX-License-Identifier: Apache-2.0

// Package probe tests, from where bgpnet runs, what users test by hand: does a VIP
// answer ping, does each Service port accept TCP, and how large a packet reaches a pod
// (path MTU with don't-fragment set). It explains each result the way the checks do.
package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"time"
)

// Target is an address to probe and the TCP ports it should answer on.
type Target struct {
	Addr    netip.Addr `json:"address"`
	Ports   []int      `json:"ports,omitempty"`
	Service string     `json:"service,omitempty"` // namespace/name, when a Service owns it
	// UDPPorts are listed but not probed (a UDP probe proves nothing without the
	// application's protocol).
	UDPPorts []int `json:"udpPorts,omitempty"`
}

// Options tune the probes.
type Options struct {
	Timeout time.Duration // per probe (default 2s)
	Count   int           // echo requests per target (default 3)
	// PMTU probes these addresses (pod IPs) with don't-fragment echoes.
	PMTU []netip.Addr
}

// Outcome names a probe's result.
type Outcome string

// Outcomes.
const (
	Reply      Outcome = "reply"       // ICMP echo answered
	NoReply    Outcome = "no-reply"    // ICMP echo unanswered
	Open       Outcome = "open"        // TCP connect succeeded
	Refused    Outcome = "refused"     // TCP RST: something on the path or host refused
	TimedOut   Outcome = "timeout"     // nothing came back
	Unreach    Outcome = "unreachable" // ICMP unreachable or no route locally
	NotProbed  Outcome = "not-probed"  // could not probe (permissions)
	ProbeError Outcome = "error"
)

// PortResult is one TCP port.
type PortResult struct {
	Port    int           `json:"port"`
	Outcome Outcome       `json:"outcome"`
	RTT     time.Duration `json:"rttNanoseconds,omitempty"`
	Detail  string        `json:"detail,omitempty"`
}

// Result is everything learnt about one target.
type Result struct {
	Target      Target        `json:"target"`
	ICMP        Outcome       `json:"icmp"`
	ICMPRTT     time.Duration `json:"icmpRttNanoseconds,omitempty"`
	ICMPDetail  string        `json:"icmpDetail,omitempty"`
	TCP         []PortResult  `json:"tcp,omitempty"`
	Explanation []string      `json:"explanation,omitempty"`
}

// PMTUResult is the path MTU found towards one address.
type PMTUResult struct {
	Addr    netip.Addr `json:"address"`
	MTU     int        `json:"mtu,omitempty"` // largest packet (IP header included) that got a reply
	Outcome Outcome    `json:"outcome"`
	Detail  string     `json:"detail,omitempty"`
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.Count <= 0 {
		o.Count = 3
	}
	return o
}

// Run probes every target (ICMP, then each TCP port) and, for Options.PMTU, the path MTU.
func Run(ctx context.Context, targets []Target, o Options) ([]Result, []PMTUResult) {
	o = o.withDefaults()
	results := make([]Result, 0, len(targets))
	for _, t := range targets {
		r := Result{Target: t}
		r.ICMP, r.ICMPRTT, r.ICMPDetail = ping(ctx, t.Addr, o)
		for _, port := range t.Ports {
			r.TCP = append(r.TCP, dialTCP(ctx, t.Addr, port, o.Timeout))
		}
		r.Explanation = explain(r)
		results = append(results, r)
	}
	var pmtu []PMTUResult
	for _, a := range o.PMTU {
		pmtu = append(pmtu, pathMTU(ctx, a, o))
	}
	return results, pmtu
}

func ping(ctx context.Context, a netip.Addr, o Options) (Outcome, time.Duration, string) {
	p, err := newPinger(a.Is6(), false)
	if err != nil {
		return NotProbed, 0, err.Error()
	}
	defer p.Close()
	for seq := 1; seq <= o.Count; seq++ {
		rtt, ok, err := p.echo(ctx, a, seq, 56, o.Timeout)
		if err != nil {
			return ProbeError, 0, err.Error()
		}
		if ok {
			return Reply, rtt, ""
		}
	}
	return NoReply, 0, fmt.Sprintf("%d echo requests, no reply within %s each", o.Count, o.Timeout)
}

func dialTCP(ctx context.Context, a netip.Addr, port int, timeout time.Duration) PortResult {
	r := PortResult{Port: port}
	d := net.Dialer{Timeout: timeout}
	start := time.Now()
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(a.String(), strconv.Itoa(port)))
	switch {
	case err == nil:
		r.Outcome, r.RTT = Open, time.Since(start)
		_ = c.Close()
	case errors.Is(err, syscall.ECONNREFUSED):
		r.Outcome, r.RTT = Refused, time.Since(start)
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		r.Outcome, r.Detail = Unreach, err.Error()
	default:
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			r.Outcome, r.Detail = TimedOut, fmt.Sprintf("no answer within %s", timeout)
		} else {
			r.Outcome, r.Detail = ProbeError, err.Error()
		}
	}
	return r
}

// pmtuSizes are the packet sizes tried, largest first: Ethernet, common overlays and
// tunnels (VXLAN, Geneve, WireGuard, PPPoE, IPsec), and the IPv6 minimum.
var pmtuSizes = []int{9000, 1500, 1492, 1480, 1450, 1440, 1420, 1400, 1380, 1350, 1300, 1280}

func pathMTU(ctx context.Context, a netip.Addr, o Options) PMTUResult {
	r := PMTUResult{Addr: a}
	p, err := newPinger(a.Is6(), true)
	if err != nil {
		r.Outcome, r.Detail = NotProbed, err.Error()
		return r
	}
	defer p.Close()
	header := 28 // IPv4 + ICMP
	if a.Is6() {
		header = 48
	}
	for i, size := range pmtuSizes {
		for try := 0; try < 2; try++ { // a lost packet is not a too-large packet
			_, ok, err := p.echo(ctx, a, 1000+i*2+try, size-header, o.Timeout)
			if err != nil {
				r.Outcome, r.Detail = ProbeError, err.Error()
				return r
			}
			if ok {
				r.MTU, r.Outcome = size, Reply
				if i > 0 {
					r.Detail = fmt.Sprintf("%d-byte packets with don't-fragment set are lost on the way", pmtuSizes[i-1])
				}
				return r
			}
		}
	}
	r.Outcome, r.Detail = NoReply, "no echo reply at any size: the address does not answer ping, or is unreachable"
	return r
}

// explain says what a result means for a Cilium VIP.
func explain(r Result) []string {
	var out []string
	open, closed := 0, 0
	for _, p := range r.TCP {
		switch p.Outcome {
		case Open:
			open++
		case Refused, TimedOut, Unreach:
			closed++
		}
	}
	switch {
	case r.ICMP == NoReply && open > 0:
		out = append(out, "ICMP: no reply — expected: Cilium answers a VIP only on the Service's ports (icmp-or-unknown-port-to-lb-vip); ping is not a health check for it")
	case r.ICMP == Reply && open > 0:
		out = append(out, "ICMP: reply — the VIP answers ping: kube-proxy (IPVS) or something else holds it, not only Cilium's load balancer")
	case r.ICMP == NoReply && closed > 0 && open == 0:
		out = append(out, "nothing answers: the VIP is likely not routed to a node (run `kubectl bgpnet doctor` with --router) or every port is filtered")
	}
	for _, p := range r.TCP {
		switch p.Outcome {
		case Refused:
			out = append(out, fmt.Sprintf("TCP %d refused: a node got the packet and no backend accepted it — check the Service's endpoints and targetPort (drop-service-backend-not-found)", p.Port))
		case TimedOut:
			out = append(out, fmt.Sprintf("TCP %d timed out: dropped on the way or by policy (drop-policy-denied), or the return path is asymmetric", p.Port))
		case Unreach:
			out = append(out, fmt.Sprintf("TCP %d unreachable: no route to the VIP from here — is it advertised and accepted by the router?", p.Port))
		}
	}
	if r.ICMP == NotProbed {
		out = append(out, "ICMP not probed: "+r.ICMPDetail)
	}
	if len(r.Target.UDPPorts) > 0 {
		out = append(out, fmt.Sprintf("UDP ports %v not probed", r.Target.UDPPorts))
	}
	return out
}
