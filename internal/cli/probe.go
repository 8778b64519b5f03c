// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"bufio"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/probe"
	"github.com/bgpnet/kubectl-bgpnet/internal/safe"
	"github.com/spf13/cobra"
)

type probeOptions struct {
	*GlobalOptions
	target  string
	ports   []int
	pmtu    []string
	noPMTU  bool
	timeout time.Duration
	count   int
	output  string
	yes     bool
}

func newProbeCmd(g *GlobalOptions) *cobra.Command {
	o := &probeOptions{GlobalOptions: g}
	cmd := &cobra.Command{
		Use:   "probe [SERVICE|VIP]",
		Short: "Probe VIPs from here: ping, TCP connect to each Service port, path MTU to a pod",
		Long: `Probe, from the machine bgpnet runs on, what users test by hand, and explain it: an ICMP
echo to each VIP of a Service (namespace/name), of the Service owning a VIP, or of every
LoadBalancer Service; a TCP connect to each of its TCP ports; and, with native routing, the
path MTU to one of its backends (echoes with don't-fragment set, largest first).

"ICMP: no reply, TCP 80: open" is how a healthy Cilium VIP looks: Cilium answers a VIP only
on the Service's ports. ICMP uses an unprivileged socket where net.ipv4.ping_group_range
allows it, a raw one as root, and says so when neither is possible. With --port the target
can be any address, even without a cluster.

Probes only touch addresses that are yours: --demo is refused (its addresses are made up
and may belong to real hosts on your network), and with --from the addresses read from
the file are listed and probed only once you confirm (or with --yes).`,
		Example: `  kubectl bgpnet probe web/frontend
  kubectl bgpnet probe 198.51.100.10
  kubectl bgpnet probe 203.0.113.7 --port 443          # any address, no cluster needed
  kubectl bgpnet probe web/frontend --from cluster.json -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.target = args[0]
			}
			if err := o.Validate(); err != nil {
				return invalid(err)
			}
			return o.Run(cmd)
		},
	}
	f := cmd.Flags()
	f.IntSliceVar(&o.ports, "port", nil, "TCP ports to connect to (default: the Service's TCP ports)")
	f.StringSliceVar(&o.pmtu, "pmtu", nil, "probe the path MTU to these addresses (default: a backend of each Service, with native routing)")
	f.BoolVar(&o.noPMTU, "no-pmtu", false, "skip the path-MTU probe")
	f.DurationVar(&o.timeout, "probe-timeout", 2*time.Second, "time limit for each probe")
	f.IntVar(&o.count, "count", 3, "ICMP echo requests per VIP")
	f.StringVarP(&o.output, "output", "o", "text", "output format: text or json")
	f.BoolVarP(&o.yes, "yes", "y", false, "with --from: probe the addresses read from the file without asking")
	return cmd
}

// Validate checks the flags.
func (o *probeOptions) Validate() error {
	if err := oneOf("output", o.output, "text", "json"); err != nil {
		return err
	}
	for _, p := range o.ports {
		if p < 1 || p > 65535 {
			return fmt.Errorf("--port %d: want 1-65535", p)
		}
	}
	for _, a := range o.pmtu {
		if _, err := netip.ParseAddr(a); err != nil {
			return fmt.Errorf("--pmtu %q: %w", a, err)
		}
	}
	if err := inRange("count", o.count, 1, 1000); err != nil {
		return err
	}
	if err := positive("probe-timeout", o.timeout); err != nil {
		return err
	}
	if o.Demo {
		return errors.New("probe sends packets, and the demo's addresses are made up (they may belong to real hosts on your network): run it on a live cluster, or give an address of yours with --port")
	}
	return nil
}

// Run resolves the targets and probes them.
func (o *probeOptions) Run(cmd *cobra.Command) error {
	addr, isAddr := netip.ParseAddr(o.target)
	var s *model.Snapshot
	if !(isAddr == nil && len(o.ports) > 0) {
		stop := spin(o.ErrOut, "collecting…")
		snap, err := o.Snapshot(cmd.Context())
		stop()
		if err != nil {
			return fmt.Errorf("%w (to probe an address without the cluster, give --port)", err)
		}
		s = snap
	}
	targets, pmtu, err := o.targets(s, addr, isAddr == nil)
	if err != nil {
		return err
	}
	if s != nil && o.From != "" {
		if err := o.confirm(targets, pmtu); err != nil {
			return err
		}
	}
	stop := spin(o.ErrOut, "probing…")
	results, paths := probe.Run(cmd.Context(), targets, probe.Options{Timeout: o.timeout, Count: o.count, PMTU: pmtu})
	stop()
	if o.output == "json" {
		b, err := json.MarshalIndent(map[string]any{"targets": results, "pathMTU": paths}, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(o.Out, string(b))
		return err
	}
	return o.text(results, paths)
}

// confirm lists the addresses read from a file and asks before anything is sent: a
// file can name any address, and only the user knows whether it is theirs.
func (o *probeOptions) confirm(targets []probe.Target, pmtu []netip.Addr) error {
	var addrs []string
	for _, t := range targets {
		addrs = append(addrs, t.Addr.String())
	}
	for _, a := range pmtu {
		addrs = append(addrs, a.String()+" (path MTU)")
	}
	fmt.Fprintf(o.ErrOut, "These addresses come from %s; probe will send ICMP echoes and TCP connects to:\n  %s\n",
		safe.Text(o.From), strings.Join(addrs, "\n  "))
	if o.yes {
		return nil
	}
	fmt.Fprint(o.ErrOut, "Are they yours to probe? [y/N] ")
	answer, _ := bufio.NewReader(o.In).ReadString('\n')
	if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
		return &ExitError{Code: exitBroken, Err: errors.New("not confirmed: nothing was sent (--yes confirms in scripts)")}
	}
	return nil
}

// targets turns the argument into addresses and ports, and picks path-MTU addresses.
func (o *probeOptions) targets(s *model.Snapshot, addr netip.Addr, isAddr bool) ([]probe.Target, []netip.Addr, error) {
	var svcs []*model.Service
	if s != nil {
		for i := range s.Services {
			svc := &s.Services[i]
			switch {
			case o.target == "":
				if svc.Type == "LoadBalancer" && len(svc.Ingress) > 0 {
					svcs = append(svcs, svc)
				}
			case isAddr:
				for _, ip := range serviceIPs(svc) {
					if ip == addr.String() {
						svcs = append(svcs, svc)
					}
				}
			case svc.Namespace+"/"+svc.Name == o.target:
				svcs = append(svcs, svc)
			}
		}
	}
	var targets []probe.Target
	var pmtu []netip.Addr
	seen := map[netip.Addr]bool{}
	for _, a := range o.pmtu {
		pmtu = append(pmtu, netip.MustParseAddr(a))
	}
	for _, svc := range svcs {
		t := probe.Target{Service: svc.Namespace + "/" + svc.Name, Ports: o.ports}
		if len(o.ports) == 0 {
			for _, p := range svc.Ports {
				if strings.EqualFold(p.Protocol, "UDP") {
					t.UDPPorts = append(t.UDPPorts, int(p.Port))
				} else if p.Protocol == "" || strings.EqualFold(p.Protocol, "TCP") {
					t.Ports = append(t.Ports, int(p.Port))
				}
			}
		}
		for _, ip := range serviceIPs(svc) {
			a, err := netip.ParseAddr(ip)
			if err != nil || (isAddr && a != addr) {
				continue
			}
			t.Addr = a
			targets = append(targets, t)
		}
		if len(o.pmtu) == 0 && !o.noPMTU && s.Cilium.Config.NativeRouting() {
			if b, ok := podBackend(s, svc); ok && !seen[b] {
				seen[b] = true
				pmtu = append(pmtu, b)
			}
		}
	}
	switch {
	case len(targets) > 0:
	case isAddr && len(o.ports) > 0:
		targets = []probe.Target{{Addr: addr, Ports: o.ports}}
	case isAddr:
		return nil, nil, fmt.Errorf("no Service has the address %s: give --port to probe it anyway", addr)
	case o.target != "":
		return nil, nil, fmt.Errorf("no Service %s with an address (want namespace/name or an IP)", o.target)
	default:
		return nil, nil, fmt.Errorf("no LoadBalancer Service has an address yet")
	}
	return targets, pmtu, nil
}

// serviceIPs are the addresses a Service is reached on from outside.
func serviceIPs(svc *model.Service) []string {
	var out []string
	for _, ing := range svc.Ingress {
		if ing.IP != "" {
			out = append(out, ing.IP)
		}
	}
	return append(out, svc.ExternalIPs...)
}

// podBackend picks a ready backend address inside a node's PodCIDR.
func podBackend(s *model.Snapshot, svc *model.Service) (netip.Addr, bool) {
	var cidrs []netip.Prefix
	for _, n := range s.Nodes {
		cidrs = append(cidrs, n.AllPodCIDRs()...)
	}
	for _, b := range svc.Endpoints.Backends {
		if !b.Ready {
			continue
		}
		for _, ip := range b.Addresses {
			a, err := netip.ParseAddr(ip)
			if err != nil {
				continue
			}
			for _, c := range cidrs {
				if c.Contains(a) {
					return a, true
				}
			}
		}
	}
	return netip.Addr{}, false
}

func (o *probeOptions) text(results []probe.Result, paths []probe.PMTUResult) error {
	var rows [][]string
	for _, r := range results {
		svc := cmp.Or(r.Target.Service, "-")
		rtt := "-"
		if r.ICMP == probe.Reply {
			rtt = r.ICMPRTT.Round(time.Microsecond).String()
		}
		rows = append(rows, []string{r.Target.Addr.String(), svc, "ICMP echo", string(r.ICMP), rtt})
		for _, p := range r.TCP {
			rtt := "-"
			if p.Outcome == probe.Open || p.Outcome == probe.Refused {
				rtt = p.RTT.Round(time.Microsecond).String()
			}
			rows = append(rows, []string{r.Target.Addr.String(), svc, "TCP " + strconv.Itoa(p.Port), string(p.Outcome), rtt})
		}
	}
	if err := table(o.Out, []string{"ADDRESS", "SERVICE", "PROBE", "RESULT", "TIME"}, rows); err != nil {
		return err
	}
	for _, r := range results {
		for _, e := range r.Explanation {
			fmt.Fprintf(o.Out, "  %s: %s\n", r.Target.Addr, e)
		}
	}
	if len(paths) > 0 {
		sort.Slice(paths, func(i, j int) bool { return paths[i].Addr.Less(paths[j].Addr) })
		fmt.Fprintln(o.Out, "\nPATH MTU (echo with don't-fragment set)")
		for _, p := range paths {
			mtu := "-"
			if p.MTU > 0 {
				mtu = strconv.Itoa(p.MTU)
			}
			fmt.Fprintf(o.Out, "  %s  %s  %s %s\n", p.Addr, mtu, p.Outcome, p.Detail)
		}
	}
	return nil
}
