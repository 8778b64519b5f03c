// SPDX-License-Identifier: Apache-2.0

package probe

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
)

// newPinger opens the ICMP socket: datagram when net.ipv4.ping_group_range allows it,
// raw otherwise; dontFragment sets IP(V6)_PMTUDISC_PROBE (DF, no cached path MTU).
func newPinger(v6, dontFragment bool) (*pinger, error) {
	family, proto := syscall.AF_INET, syscall.IPPROTO_ICMP
	if v6 {
		family, proto = syscall.AF_INET6, syscall.IPPROTO_ICMPV6
	}
	raw := false
	fd, err := syscall.Socket(family, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, proto)
	if err != nil {
		if fd, err = syscall.Socket(family, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, proto); err != nil {
			if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
				return nil, ErrICMPNotPermitted
			}
			return nil, fmt.Errorf("ICMP socket: %w", err)
		}
		raw = true
	}
	if dontFragment {
		var serr error
		if v6 {
			serr = syscall.SetsockoptInt(fd, syscall.IPPROTO_IPV6, syscall.IPV6_MTU_DISCOVER, 3 /* IPV6_PMTUDISC_PROBE */)
		} else {
			serr = syscall.SetsockoptInt(fd, syscall.IPPROTO_IP, syscall.IP_MTU_DISCOVER, 3 /* IP_PMTUDISC_PROBE */)
		}
		if serr != nil {
			syscall.Close(fd)
			return nil, fmt.Errorf("set don't-fragment: %w", serr)
		}
	}
	f := os.NewFile(uintptr(fd), "icmp")
	conn, err := net.FilePacketConn(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("ICMP socket: %w", err)
	}
	return &pinger{conn: conn, v6: v6, raw: raw, id: os.Getpid() & 0xffff}, nil
}
