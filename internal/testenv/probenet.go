// SPDX-License-Identifier: Apache-2.0

package testenv

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// ProbeNet is a small routed network in namespaces for probing VIPs and path MTU:
//
//	client ── mid ──(mtu 1500)── vip  (VIP on lo; TCP listener; ICMP echo ignored, like a Cilium VIP)
//	             └──(mtu PodMTU)─ pod  (a pod address on lo; answers ping)
//
// mid routes and sends "fragmentation needed" for packets too large for the pod link.
// Commands run inside client with Exec.
type ProbeNet struct {
	Client, Mid, VIPNS, PodNS string
	VIP, Pod                  netip.Addr
	Port                      int
}

// StartProbeNet builds the network, listens on VIP:port (TCP) inside the vip namespace
// and removes everything when t ends.
func StartProbeNet(t TB, vip, pod netip.Addr, port, podMTU int) *ProbeNet {
	t.Helper()
	if miss := NetLabMissing("frr"); miss != "" && os.Geteuid() != 0 {
		t.Fatalf("the probe network needs root and iproute2")
	}
	p := fmt.Sprintf("bgpnetp%d-", os.Getpid())
	n := &ProbeNet{Client: p + "client", Mid: p + "mid", VIPNS: p + "vip", PodNS: p + "pod", VIP: vip, Pod: pod, Port: port}
	t.Cleanup(func() {
		for _, ns := range []string{n.Client, n.Mid, n.VIPNS, n.PodNS} {
			_ = run("ip", "netns", "del", ns)
		}
	})
	mtu := strconv.Itoa(podMTU)
	cmds := [][]string{}
	for _, ns := range []string{n.Client, n.Mid, n.VIPNS, n.PodNS} {
		cmds = append(cmds, []string{"netns", "add", ns}, []string{"-n", ns, "link", "set", "lo", "up"})
	}
	link := func(a, aIf, aAddr, b, bIf, bAddr, mtu string) {
		cmds = append(cmds,
			[]string{"-n", a, "link", "add", aIf, "mtu", mtu, "type", "veth", "peer", "name", bIf, "mtu", mtu, "netns", b},
			[]string{"-n", a, "addr", "add", aAddr, "dev", aIf}, []string{"-n", a, "link", "set", aIf, "up"},
			[]string{"-n", b, "addr", "add", bAddr, "dev", bIf}, []string{"-n", b, "link", "set", bIf, "up"})
	}
	link(n.Client, "c0", "10.99.0.2/30", n.Mid, "m0", "10.99.0.1/30", "1500")
	link(n.Mid, "m1", "10.99.1.1/30", n.VIPNS, "v0", "10.99.1.2/30", "1500")
	link(n.Mid, "m2", "10.99.2.1/30", n.PodNS, "p0", "10.99.2.2/30", mtu)
	cmds = append(cmds,
		[]string{"-n", n.Client, "route", "add", "default", "via", "10.99.0.1"},
		[]string{"-n", n.VIPNS, "addr", "add", vip.String() + "/32", "dev", "lo"},
		[]string{"-n", n.VIPNS, "route", "add", "default", "via", "10.99.1.1"},
		[]string{"-n", n.PodNS, "addr", "add", pod.String() + "/32", "dev", "lo"},
		[]string{"-n", n.PodNS, "route", "add", "default", "via", "10.99.2.1"},
		[]string{"-n", n.Mid, "route", "add", vip.String() + "/32", "via", "10.99.1.2"},
		[]string{"-n", n.Mid, "route", "add", pod.String() + "/32", "via", "10.99.2.2"})
	for _, c := range cmds {
		if err := run("ip", c...); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []struct{ ns, key string }{{n.Mid, "net.ipv4.ip_forward=1"}, {n.VIPNS, "net.ipv4.icmp_echo_ignore_all=1"}} {
		if err := run("ip", "netns", "exec", s.ns, "sysctl", "-qw", s.key); err != nil {
			t.Fatal(err)
		}
	}
	l, err := listenIn(n.VIPNS, "tcp", net.JoinHostPort(vip.String(), strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	return n
}

// listenIn opens a listener inside network namespace ns: on a locked OS thread that
// enters ns and is discarded afterwards (the goroutine exits without unlocking), so no
// other goroutine ever runs in the wrong namespace.
func listenIn(ns, network, addr string) (net.Listener, error) {
	type result struct {
		l   net.Listener
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with this goroutine
		f, err := os.Open("/var/run/netns/" + ns)
		if err != nil {
			ch <- result{err: err}
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{err: fmt.Errorf("enter netns %s: %w", ns, err)}
			return
		}
		l, err := net.Listen(network, addr)
		ch <- result{l, err}
	}()
	r := <-ch
	return r.l, r.err
}
