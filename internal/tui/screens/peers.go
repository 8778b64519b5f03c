// SPDX-License-Identifier: Apache-2.0

package screens

import (
	"fmt"
	"net/netip"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/components/table"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/keys"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/msgs"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/styles"
	"github.com/bgpnet/kubectl-bgpnet/internal/views"
)

// routerSide is a router's view of one node's session.
type routerSide struct {
	router string
	nb     model.RouterNeighbor
}

// routerSides indexes the routers' neighbors by node and address family.
func routerSides(s *model.Snapshot) map[string]routerSide {
	addrs := map[netip.Addr]string{}
	for _, n := range s.Nodes {
		for _, a := range n.InternalIPs {
			addrs[a.Unmap()] = n.Name
		}
	}
	out := map[string]routerSide{}
	for _, r := range s.Routers {
		for _, nb := range r.Neighbors {
			a, err := netip.ParseAddr(nb.Address)
			if err != nil {
				continue
			}
			if node, ok := addrs[a.Unmap()]; ok {
				out[fmt.Sprintf("%s|%v", node, a.Unmap().Is4())] = routerSide{router: r.Name, nb: nb}
			}
		}
	}
	return out
}

// NewPeers is the Peers screen: every session per node and peer, with the router's
// view when a router was read.
func NewPeers(st *styles.Styles, km *keys.KeyMap) Screen {
	l := newList(st, km, "peers",
		table.Column{Title: "NODE"}, table.Column{Title: "PEER"}, table.Column{Title: "ADDRESS"}, table.Column{Title: "AS"},
		table.Column{Title: "STATE"}, table.Column{Title: "UP"}, table.Column{Title: "FAMILIES RX/TX", Flex: true},
		table.Column{Title: "ROUTER SEES"}, table.Column{Title: "FROM"})
	var rows []views.PeerRow
	var sides map[string]routerSide
	side := func(p views.PeerRow) (routerSide, bool) {
		a, err := netip.ParseAddr(p.PeerAddress)
		if err != nil {
			return routerSide{}, false
		}
		rs, ok := sides[fmt.Sprintf("%s|%v", p.Node, a.Unmap().Is4())]
		return rs, ok
	}
	l.rows = func(d *msgs.Data) ([]table.Row, string) {
		rows, sides = d.Peers, routerSides(d.Snap)
		out := make([]table.Row, 0, len(rows))
		for _, p := range rows {
			var fams []string
			for _, f := range p.Families {
				fams = append(fams, f.String())
			}
			rsText, rsTone := "-", styles.Faint
			if rs, ok := side(p); ok {
				rsText, rsTone = rs.router+": "+rs.nb.State, StateTone(rs.nb.State)
			}
			state := p.State
			if n := d.History.Downs(p.Key()); n > 0 {
				state += fmt.Sprintf(" ↓%d", n) // went down n times while watched
			}
			out = append(out, table.Row{Key: p.Key(),
				Cells: []string{p.Node, p.Peer, p.PeerAddress, fmt.Sprint(p.PeerASN), state, age(p.Uptime), strings.Join(fams, "  "), rsText, p.Source},
				Tones: []styles.Tone{0, 0, 0, 0, StateTone(p.State), 0, 0, rsTone, styles.Faint}})
		}
		empty := "no BGP session is configured (no ClusterConfig or PeeringPolicy selects a node)"
		if n := sourceNote(d.Snap, model.SourceNodeConfigs, model.SourceClusterConfigs, model.SourceAgents); n != "" {
			empty += "; " + n
		}
		return out, empty
	}
	l.detailOf = func(k string) string {
		var p views.PeerRow
		for _, x := range rows {
			if x.Key() == k {
				p = x
			}
		}
		var b strings.Builder
		b.WriteString(st.Title.Render(fmt.Sprintf("Session %s → %s (%s)", p.Node, p.Peer, p.PeerAddress)) + "\n\n")
		var fams []string
		for _, f := range p.Families {
			fams = append(fams, fmt.Sprintf("%s received %d advertised %d", f.Name, f.Received, f.Advertised))
		}
		b.WriteString(kv(st, "state", st.For(StateTone(p.State)).Render(p.State), "uptime", age(p.Uptime), "local AS", fmt.Sprint(p.LocalASN),
			"peer AS", fmt.Sprint(p.PeerASN), "instance", p.Instance, "families", strings.Join(fams, "; "),
			"hold/keepalive", fmt.Sprintf("%d/%d s", p.AppliedHold, p.AppliedKeepalive), "graceful rst", fmt.Sprint(p.GracefulRestart),
			"capabilities", strings.Join(p.Capabilities, ", "), "state from", p.Source) + "\n\n")
		b.WriteString(st.Section.Render("The router's view") + "\n")
		if rs, ok := side(p); ok {
			n := rs.nb
			b.WriteString(kv(st, "router", rs.router, "neighbor", n.Address+" "+n.Description, "state", st.For(StateTone(n.State)).Render(n.State),
				"remote AS", fmt.Sprint(n.RemoteASN), "prefixes", fmt.Sprintf("received %d, accepted %d, sent %d", n.PrefixesReceived, n.PrefixesAccepted, n.PrefixesSent),
				"import/export", n.ImportFilter+" / "+n.ExportFilter, "families", strings.Join(n.Families, ", "), "last error", n.LastError) + "\n")
			if n.PolicyBlocked {
				b.WriteString(st.Err.Render("  FRR discards this neighbor's routes: no inbound policy (RFC 8212)") + "\n")
			}
		} else if len(l.Data.Snap.Routers) == 0 {
			b.WriteString(st.Dim.Render("  no router read (--router frr|bird --router-cmd …)") + "\n")
		} else {
			b.WriteString(st.Err.Render("  the router(s) read have no neighbor for this node") + "\n")
		}
		if l.Data.Live {
			b.WriteString("\n" + st.Section.Render("Seen while watching") + "\n")
			b.WriteString(historyLines(st, l.Data.History[k]) + "\n")
		}
		b.WriteString("\n" + st.Section.Render("Findings") + "\n")
		b.WriteString(findingLines(st, findingsAbout(l.Data, func(ref model.Ref) bool {
			return ref.Kind == "BGPPeer" && ref.Name == k
		})))
		b.WriteString("\n\n" + st.Dim.Render("o: routes of "+p.Node+"   esc: back"))
		return b.String()
	}
	l.action = func(k tea.KeyPressMsg, row table.Row) (tea.Cmd, bool) {
		if row.Key != "" && key.Matches(k, km.Routes) {
			return msgs.Navigate("routes", model.Ref{Kind: "Node", Name: strings.SplitN(row.Key, "/", 2)[0]}, ""), true
		}
		return nil, false
	}
	l.focusKey = func(ref model.Ref) string {
		if ref.Kind == "BGPPeer" {
			return ref.Name
		}
		for _, p := range rows {
			if p.Node == ref.Name {
				return p.Key()
			}
		}
		return ""
	}
	l.help = []key.Binding{km.Routes}
	return l
}

// historyLines renders a session's changes, newest last.
func historyLines(st *styles.Styles, changes []views.PeerChange) string {
	if len(changes) == 0 {
		return st.Dim.Render("  no change since bgpnet started (each refresh is compared with the one before)")
	}
	var lines []string
	for _, c := range changes {
		text := c.From + " → " + c.To
		switch {
		case c.From == "":
			text = "appeared, " + c.To
		case c.To == "":
			text = "gone (was " + c.From + ")"
		case c.Reset:
			text = "re-established between two refreshes (flapped)"
		}
		tone := styles.Good
		if c.Down() || c.To == "" {
			tone = styles.Bad
		}
		lines = append(lines, "  "+c.At.Local().Format("15:04:05")+"  "+st.For(tone).Render(text))
	}
	return strings.Join(lines, "\n")
}
