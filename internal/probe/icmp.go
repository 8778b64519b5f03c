// SPDX-License-Identifier: Apache-2.0

package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// ErrICMPNotPermitted means neither an unprivileged ICMP socket (the kernel's
// net.ipv4.ping_group_range must include the user's group) nor a raw one (root or
// CAP_NET_RAW) could be opened.
var ErrICMPNotPermitted = errors.New("ICMP needs net.ipv4.ping_group_range to include your group (sysctl), or root/CAP_NET_RAW")

// pinger is an ICMP echo socket: datagram (unprivileged) when the kernel allows it,
// raw otherwise. With dontFragment the kernel sets DF and neither fragments nor uses a
// cached path MTU (IP_PMTUDISC_PROBE), so oversized echoes are lost on the path.
type pinger struct {
	conn net.PacketConn
	v6   bool
	raw  bool
	id   int
}

func (p *pinger) Close() error { return p.conn.Close() }

// echo sends one echo request with size bytes of payload to dst and waits for its
// reply until timeout. It returns the round trip, or ok=false when nothing came back.
func (p *pinger) echo(ctx context.Context, dst netip.Addr, seq, size int, timeout time.Duration) (time.Duration, bool, error) {
	var typ icmp.Type = ipv4.ICMPTypeEcho
	proto := 1
	if p.v6 {
		typ, proto = ipv6.ICMPTypeEchoRequest, 58
	}
	msg := icmp.Message{Type: typ, Body: &icmp.Echo{ID: p.id, Seq: seq, Data: make([]byte, size)}}
	b, err := msg.Marshal(nil)
	if err != nil {
		return 0, false, err
	}
	var to net.Addr = &net.IPAddr{IP: dst.AsSlice()}
	if !p.raw {
		to = &net.UDPAddr{IP: dst.AsSlice()}
	}
	start := time.Now()
	if _, err := p.conn.WriteTo(b, to); err != nil {
		if errors.Is(err, syscall.EMSGSIZE) {
			return 0, false, nil // larger than the local interface allows with DF
		}
		return 0, false, fmt.Errorf("send echo to %s: %w", dst, err)
	}
	deadline := start.Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	buf := make([]byte, 65536)
	for {
		if err := p.conn.SetReadDeadline(deadline); err != nil {
			return 0, false, err
		}
		n, from, err := p.conn.ReadFrom(buf)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return 0, false, nil
			}
			if errors.Is(err, syscall.EMSGSIZE) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH) {
				return 0, false, nil
			}
			return 0, false, fmt.Errorf("read echo reply from %s: %w", dst, err)
		}
		if !sameIP(from, dst) {
			continue
		}
		reply, err := icmp.ParseMessage(proto, buf[:n])
		if err != nil {
			continue
		}
		e, ok := reply.Body.(*icmp.Echo)
		if !ok || e.Seq != seq || (p.raw && e.ID != p.id) {
			continue // another reply, or an error message about someone else's packet
		}
		if reply.Type == ipv4.ICMPTypeEchoReply || reply.Type == ipv6.ICMPTypeEchoReply {
			return time.Since(start), true, nil
		}
	}
}

func sameIP(a net.Addr, b netip.Addr) bool {
	var ip net.IP
	switch v := a.(type) {
	case *net.IPAddr:
		ip = v.IP
	case *net.UDPAddr:
		ip = v.IP
	default:
		return false
	}
	got, ok := netip.AddrFromSlice(ip)
	return ok && got.Unmap() == b.Unmap()
}
