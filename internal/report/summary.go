// SPDX-License-Identifier: Apache-2.0

// Package report renders snapshots and findings for humans and machines.
package report

import (
	"cmp"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/safe"
)

// Summary writes a human-readable overview of a snapshot: where it came from, the
// health of every source, and the nodes, BGP objects, sessions, pools and Services.
// A section whose source could not be read says so instead of looking empty.
func Summary(w io.Writer, s *model.Snapshot) error {
	p := &printer{w: w, s: s}
	p.header()
	p.sources()
	p.nodes()
	p.bgp()
	p.sessions()
	p.pools()
	p.services()
	return p.err
}

type printer struct {
	w   io.Writer
	s   *model.Snapshot
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

// textf is printf for a line whose string arguments are values read from the cluster
// or a file: each goes through safe.Text first.
func (p *printer) textf(format string, args ...any) {
	for i, a := range args {
		switch v := a.(type) {
		case string:
			args[i] = safe.Text(v)
		case fmt.Stringer:
			args[i] = safe.Text(v.String())
		}
	}
	p.printf(format, args...)
}

// table writes rows aligned in columns under a section title.
func (p *printer) table(title string, header []string, rows [][]string) {
	p.printf("\n%s\n", title)
	if p.err != nil {
		return
	}
	tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  "+strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, "  "+safe.Row(r))
	}
	p.err = tw.Flush()
}

// unavailable explains why a section has no data, or returns "" if its sources are ok.
func (p *printer) unavailable(sources ...string) string {
	var parts []string
	for _, n := range sources {
		if st, _ := p.s.Source(n); st.Status != model.StatusOK {
			parts = append(parts, fmt.Sprintf("%s %s", n, st.Status))
		}
	}
	return strings.Join(parts, ", ")
}

// unread names the sources that were not read, with their status ("daemonsets
// forbidden"), or returns "" when every one was read (or is known to be absent).
func (p *printer) unread(sources ...string) string {
	var parts []string
	for _, n := range sources {
		if st, _ := p.s.Source(n); st.Unread() {
			parts = append(parts, fmt.Sprintf("%s %s", n, st.Status))
		}
	}
	return strings.Join(parts, ", ")
}

// unknown is the value of something read from unread sources: "unknown (daemonsets
// forbidden)", or "" when they were read.
func (p *printer) unknown(sources ...string) string {
	if why := p.unread(sources...); why != "" {
		return "unknown (" + why + ")"
	}
	return ""
}

func (p *printer) section(title string, sources []string, header []string, rows [][]string, empty string) {
	if why := p.unavailable(sources...); why != "" {
		title += "  (incomplete: " + why + ")"
	}
	if len(rows) == 0 {
		if why := p.unread(sources...); why != "" {
			empty = "not read (" + why + ")" // no rows says nothing about what is there
		}
		p.textf("\n%s\n  %s\n", title, empty)
		return
	}
	p.table(title, header, rows)
}

func (p *printer) header() {
	s := p.s
	ctx := s.Cluster.Context
	if ctx == "" {
		ctx = "-"
	}
	p.textf("Snapshot   %s (origin %s), collected %s\n", ctx, cmp.Or(s.Origin, "-"), s.CollectedAt.UTC().Format(time.RFC3339))
	// the agent's DaemonSet gives Cilium's version; kube-proxy is absent only if the
	// DaemonSets were read and it was not among them
	ds := p.unknown(model.SourceDaemonSets)
	kubeProxy := cmp.Or(ds, "absent")
	if s.KubeProxy.Present {
		kubeProxy = "present"
	}
	p.textf("Cluster    Kubernetes %s, Cilium %s in namespace %s, kube-proxy %s\n",
		cmp.Or(s.Cluster.ServerVersion, p.unknown(model.SourceDiscovery), "-"), cmp.Or(s.Cilium.Version, ds, "-"), s.Cluster.CiliumNamespace, kubeProxy)
	c := s.Cilium.Config
	if !c.Present {
		p.textf("Config     cilium-config not read (%s)\n", cmp.Or(p.unavailable(model.SourceCiliumConfig), "-"))
		return
	}
	routing := "tunnel"
	if c.NativeRouting() {
		routing = "native"
	}
	p.textf("Config     BGP control plane %s, routing %s, IPAM %s, IPv4 %s, IPv6 %s, kube-proxy-replacement %s\n",
		onOff(c.EnableBGPControlPlane), routing, cmp.Or(c.IPAM, "-"), onOff(c.EnableIPv4), onOff(c.EnableIPv6), cmp.Or(c.KubeProxyReplacement, "-"))
}

func (p *printer) sources() {
	var rows [][]string
	for _, src := range p.s.Sources {
		msg := safe.Text(src.Message)
		if r := []rune(msg); len(r) > 90 {
			msg = string(r[:87]) + "..."
		}
		rows = append(rows, []string{src.Name, string(src.Status), cmp.Or(src.APIVersion, "-"), fmt.Sprint(src.Count), msg})
	}
	p.section("SOURCES", nil, []string{"SOURCE", "STATUS", "API VERSION", "OBJECTS", "MESSAGE"}, rows, "none")
}

func (p *printer) nodes() {
	views := map[string]model.NodeBGP{}
	for _, v := range p.s.ResolveBGP() {
		views[v.Node] = v
	}
	// "-" (selected by none) only when every kind that selects nodes was read
	none := "-"
	if p.unread(model.SourceClusterConfigs, model.SourcePeeringPolicies) != "" {
		none = "unknown"
	}
	var rows [][]string
	for _, n := range p.s.Nodes {
		v := views[n.Name]
		var sel []string
		for _, r := range v.SelectedBy {
			sel = append(sel, r.Name)
		}
		rows = append(rows, []string{n.Name, yesNo(n.Ready), addrs(n.InternalIPs), prefixes(n.AllPodCIDRs()), cmp.Or(strings.Join(sel, ","), none)})
	}
	p.section("NODES", []string{model.SourceNodes}, []string{"NODE", "READY", "INTERNAL IP", "POD CIDR", "BGP SELECTED BY"}, rows, "no nodes")
}

func (p *printer) bgp() {
	b := p.s.BGP
	var rows [][]string
	for _, cc := range b.ClusterConfigs {
		for _, in := range cc.Instances {
			for _, peer := range in.Peers {
				ref := "-"
				if peer.PeerConfigRef != nil {
					ref = peer.PeerConfigRef.Name
				}
				rows = append(rows, []string{cc.Name, cc.APIVersion, model.SelectorString(cc.NodeSelector), in.Name, asn(in.LocalASN),
					peer.Name, cmp.Or(peer.PeerAddress, "-"), asn(peer.PeerASN), ref})
			}
		}
	}
	for _, pp := range b.PeeringPolicies {
		for _, vr := range pp.VirtualRouters {
			for _, nb := range vr.Neighbors {
				rows = append(rows, []string{pp.Name, pp.APIVersion + " (BGPv1)", model.SelectorString(pp.NodeSelector), "-",
					fmt.Sprint(vr.LocalASN), "-", nb.PeerAddress, fmt.Sprint(nb.PeerASN), "(inline)"})
			}
		}
	}
	p.section("BGP PEERS (intent)", []string{model.SourceClusterConfigs, model.SourcePeeringPolicies},
		[]string{"CONFIG", "API", "NODE SELECTOR", "INSTANCE", "LOCAL ASN", "PEER", "ADDRESS", "PEER ASN", "PEER CONFIG"}, rows,
		"no CiliumBGPClusterConfig or CiliumBGPPeeringPolicy")

	rows = nil
	for _, pc := range b.PeerConfigs {
		var fams []string
		for _, f := range pc.Families {
			fams = append(fams, fmt.Sprintf("%s/%s adverts=%s", f.AFI, f.SAFI, model.SelectorString(f.Advertisements)))
		}
		rows = append(rows, []string{pc.Name, cmp.Or(strings.Join(fams, "; "), "-")})
	}
	p.section("PEER CONFIGS", []string{model.SourcePeerConfigs}, []string{"NAME", "FAMILIES"}, rows, "none")

	rows = nil
	for _, adv := range b.Advertisements {
		var what []string
		for _, e := range adv.Advertisements {
			item := e.Type
			if e.Service != nil {
				item += "(" + strings.Join(e.Service.Addresses, ",") + ")"
			}
			if e.Type == "Service" || e.Selector != nil {
				item += " selector=" + model.SelectorString(e.Selector)
			}
			what = append(what, item)
		}
		rows = append(rows, []string{adv.Name, labelString(adv.Labels), strings.Join(what, "; ")})
	}
	p.section("ADVERTISEMENTS", []string{model.SourceAdvertisements}, []string{"NAME", "LABELS", "ADVERTISES"}, rows, "none")
}

func (p *printer) sessions() {
	var rows [][]string
	for _, nc := range p.s.BGP.NodeConfigs {
		for _, in := range nc.Status {
			for _, peer := range in.Peers {
				up := "-"
				if peer.EstablishedTime != nil && strings.EqualFold(peer.PeeringState, "established") {
					up = p.s.CollectedAt.Sub(*peer.EstablishedTime).Round(time.Second).String()
				}
				var routes []string
				for _, rc := range peer.RouteCount {
					routes = append(routes, fmt.Sprintf("%s %d/%d", rc.AFI, rc.Received, rc.Advertised))
				}
				rows = append(rows, []string{nc.Name, in.Name, peer.Name, peer.PeerAddress, asn(peer.PeerASN),
					cmp.Or(peer.PeeringState, "-"), up, cmp.Or(strings.Join(routes, ", "), "-")})
			}
		}
	}
	p.section("SESSIONS (CiliumBGPNodeConfig status)", []string{model.SourceNodeConfigs},
		[]string{"NODE", "INSTANCE", "PEER", "ADDRESS", "PEER ASN", "STATE", "UP", "ROUTES RX/TX"}, rows, "no session status reported")
}

func (p *printer) pools() {
	var rows [][]string
	for _, pool := range p.s.Pools {
		var blocks []string
		for _, b := range pool.Blocks {
			blocks = append(blocks, b.String())
		}
		state := "enabled"
		if pool.Disabled {
			state = "disabled"
		}
		rows = append(rows, []string{pool.Name, strings.Join(blocks, ","), model.SelectorString(pool.ServiceSelector), state})
	}
	p.section("LB-IPAM POOLS", []string{model.SourcePools}, []string{"POOL", "BLOCKS", "SERVICE SELECTOR", "STATE"}, rows, "none")
}

func (p *printer) services() {
	// without the EndpointSlices no endpoint count is known, not zero
	endpointsRead := p.unread(model.SourceEndpointSlices) == ""
	var rows [][]string
	for _, svc := range p.s.Services {
		var vips []string
		for _, in := range svc.Ingress {
			vips = append(vips, in.IP)
		}
		vips = append(vips, svc.ExternalIPs...)
		vip := strings.Join(vips, ",")
		if vip == "" {
			vip = "<pending>"
		}
		class := "-"
		if svc.LoadBalancerClass != nil {
			class = *svc.LoadBalancerClass
		}
		var byNode []string
		for n, c := range svc.Endpoints.ReadyByNode {
			byNode = append(byNode, fmt.Sprintf("%s=%d", cmp.Or(n, "-"), c))
		}
		sort.Strings(byNode)
		ready, readyByNode := fmt.Sprintf("%d/%d", svc.Endpoints.Ready, svc.Endpoints.Total), cmp.Or(strings.Join(byNode, ","), "-")
		if !endpointsRead {
			ready, readyByNode = "?", "?"
		}
		rows = append(rows, []string{svc.Namespace + "/" + svc.Name, svc.Type, vip, cmp.Or(svc.ExternalTrafficPolicy, "-"), class,
			ready, readyByNode})
	}
	p.section("SERVICES", []string{model.SourceServices, model.SourceEndpointSlices},
		[]string{"SERVICE", "TYPE", "VIP", "ETP", "CLASS", "READY", "READY BY NODE"}, rows, "no LoadBalancer Services or Services with externalIPs")
}

func onOff(b *bool) string {
	switch {
	case b == nil:
		return "unset"
	case *b:
		return "on"
	}
	return "off"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func asn(v *int64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprint(*v)
}

func addrs(as []netip.Addr) string {
	var out []string
	for _, a := range as {
		out = append(out, a.String())
	}
	return cmp.Or(strings.Join(out, ","), "-")
}

func prefixes(ps []netip.Prefix) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return cmp.Or(strings.Join(out, ","), "-")
}

func labelString(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		out = append(out, k+"="+l[k])
	}
	return cmp.Or(strings.Join(out, ","), "-")
}
