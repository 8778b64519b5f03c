// SPDX-License-Identifier: Apache-2.0

//go:build !linux

package probe

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/net/icmp"
)

// ErrPMTUUnsupported: the don't-fragment probes need Linux socket options.
var ErrPMTUUnsupported = errors.New("path MTU probing needs Linux (IP_MTU_DISCOVER)")

// newPinger opens an ICMP socket: unprivileged datagram where the OS offers it
// (macOS), raw otherwise. Path MTU probing (dontFragment) is Linux-only.
func newPinger(v6, dontFragment bool) (*pinger, error) {
	if dontFragment {
		return nil, ErrPMTUUnsupported
	}
	dgram, raw := "udp4", "ip4:icmp"
	if v6 {
		dgram, raw = "udp6", "ip6:ipv6-icmp"
	}
	if c, err := icmp.ListenPacket(dgram, ""); err == nil {
		return &pinger{conn: c, v6: v6, id: os.Getpid() & 0xffff}, nil
	}
	c, err := icmp.ListenPacket(raw, "")
	if err != nil {
		if errors.Is(err, os.ErrPermission) {
			return nil, ErrICMPNotPermitted
		}
		return nil, fmt.Errorf("ICMP socket: %w", err)
	}
	return &pinger{conn: c, v6: v6, raw: true, id: os.Getpid() & 0xffff}, nil
}
