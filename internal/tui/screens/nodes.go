// SPDX-License-Identifier: Apache-2.0

package screens

import (
	"cmp"
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/components/table"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/keys"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/msgs"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/styles"
	"github.com/bgpnet/kubectl-bgpnet/internal/views"
)

// NewNodes is the Nodes screen: addresses, which configuration selects each node (and
// near-misses), sessions; enter opens the node with its labels, sessions and findings.
func NewNodes(st *styles.Styles, km *keys.KeyMap) Screen {
	l := newList(st, km, "nodes",
		table.Column{Title: "NODE"}, table.Column{Title: "READY"}, table.Column{Title: "ADDRESSES", Max: 40},
		table.Column{Title: "POD CIDRS", Max: 40}, table.Column{Title: "SELECTED BY", Flex: true}, table.Column{Title: "SESSIONS"})
	var rows []views.NodeRow
	near := map[string]checks.Finding{} // node-label-near-miss findings by node
	l.rows = func(d *msgs.Data) ([]table.Row, string) {
		rows = views.Nodes(d.Snap)
		near = map[string]checks.Finding{}
		for _, f := range d.Result.Findings {
			if f.ID == "node-label-near-miss" && f.Subject.Kind == "Node" {
				near[f.Subject.Name] = f
			}
		}
		out := make([]table.Row, 0, len(rows))
		for _, r := range rows {
			ready, rt := "yes", styles.Good
			if !r.Ready {
				ready, rt = "no", styles.Bad
			}
			sess, stTone := "-", styles.Faint
			if r.Sessions > 0 {
				sess = fmt.Sprintf("%d/%d up", r.Established, r.Sessions)
				stTone = styles.Good
				if r.Established < r.Sessions {
					stTone = styles.Bad
				}
			}
			sel := strings.Join(r.SelectedBy, ", ")
			selTone := styles.Neutral
			if f, ok := near[r.Node]; ok && sel == "" {
				_, why, _ := strings.Cut(f.Message, "nearly is: ")
				sel, selTone = "near miss: "+cmp.Or(why, f.Message), styles.Caution
			} else if sel == "" {
				sel, selTone = "not selected", styles.Faint
			}
			out = append(out, table.Row{Key: r.Node,
				Cells: []string{r.Node, ready, strings.Join(r.InternalIPs, ","), strings.Join(r.PodCIDRs, ","), sel, sess},
				Tones: []styles.Tone{styles.Neutral, rt, styles.Neutral, styles.Neutral, selTone, stTone}})
		}
		empty := "no nodes"
		if n := sourceNote(d.Snap, model.SourceNodes); n != "" {
			empty = "no nodes: " + n
		}
		return out, empty
	}
	l.detailOf = func(name string) string {
		var r views.NodeRow
		for _, x := range rows {
			if x.Node == name {
				r = x
			}
		}
		var b strings.Builder
		b.WriteString(st.Title.Render("Node "+name) + "\n\n")
		b.WriteString(kv(st, "ready", fmt.Sprint(r.Ready), "addresses", strings.Join(r.InternalIPs, ", "),
			"pod CIDRs", strings.Join(r.PodCIDRs, ", "), "selected by", strings.Join(r.SelectedBy, ", ")) + "\n\n")
		if f, ok := near[name]; ok {
			b.WriteString(st.Warn.Render("Near miss: "+f.Message) + "\n")
			for _, p := range f.Fixes {
				for _, c := range p.Commands {
					b.WriteString("  " + st.Code.Render(c) + "\n")
				}
			}
			b.WriteString("\n")
		}
		b.WriteString(st.Section.Render("Labels") + "\n")
		var labels []string
		for k, v := range r.Labels {
			labels = append(labels, "  "+k+"="+v)
		}
		sort.Strings(labels)
		b.WriteString(cmp.Or(strings.Join(labels, "\n"), "-") + "\n\n")
		b.WriteString(st.Section.Render("Sessions") + "\n")
		n := 0
		for _, p := range l.Data.Peers {
			if p.Node == name {
				n++
				fmt.Fprintf(&b, "  %-12s %-26s AS %-6d %s\n", p.Peer, p.PeerAddress, p.PeerASN, st.For(StateTone(p.State)).Render(p.State))
			}
		}
		if n == 0 {
			b.WriteString(st.Dim.Render("  none: no BGP configuration selects this node") + "\n")
		}
		b.WriteString("\n" + st.Section.Render("Findings") + "\n")
		b.WriteString(findingLines(st, findingsAbout(l.Data, func(ref model.Ref) bool {
			return (ref.Kind == "Node" && ref.Name == name) || (ref.Kind == "BGPPeer" && strings.HasPrefix(ref.Name, name+"/")) ||
				(ref.Kind == model.KindNodeConfig && ref.Name == name)
		})))
		b.WriteString("\n\n" + st.Dim.Render("o: its routes   f: its flows   esc: back"))
		return b.String()
	}
	l.action = func(k tea.KeyPressMsg, row table.Row) (tea.Cmd, bool) {
		switch {
		case row.Key == "":
			return nil, false
		case key.Matches(k, km.Routes):
			return msgs.Navigate("routes", model.Ref{Kind: "Node", Name: row.Key}, ""), true
		case key.Matches(k, km.Flows):
			return msgs.Navigate("flows", model.Ref{Kind: "Node", Name: row.Key}, ""), true
		}
		return nil, false
	}
	l.focusKey = func(ref model.Ref) string {
		if ref.Kind == "BGPPeer" {
			return strings.SplitN(ref.Name, "/", 2)[0]
		}
		return ref.Name
	}
	l.help = []key.Binding{km.Routes, km.Flows}
	return l
}
