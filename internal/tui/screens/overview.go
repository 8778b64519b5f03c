// SPDX-License-Identifier: Apache-2.0

package screens

import (
	"cmp"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/components/pane"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/components/topology"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/keys"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/msgs"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/styles"
	"github.com/bgpnet/kubectl-bgpnet/internal/views"
)

// overview is the first screen: the topology (peers ↔ nodes, sessions coloured by
// state), the pools' usage, the findings by severity and the sources' health.
type overview struct {
	Common
	body pane.Model
}

// NewOverview is the Overview screen.
func NewOverview(st *styles.Styles, km *keys.KeyMap) Screen {
	return &overview{Common: Common{St: st, KM: km}, body: pane.New(km)}
}

func (o *overview) Name() string { return "overview" }

func (o *overview) SetData(d *msgs.Data) {
	o.Data = d
	o.render()
}

func (o *overview) SetSize(w, h int) {
	o.W, o.H = w, h
	o.body.SetSize(w, h)
	o.render()
}

func (o *overview) Focus(model.Ref, string) {}
func (o *overview) Capturing() bool         { return false }
func (o *overview) Back() bool              { return false }
func (o *overview) Help() []key.Binding     { return nil }

func (o *overview) Update(msg tea.Msg) (Screen, tea.Cmd) {
	var cmd tea.Cmd
	o.body, cmd = o.body.Update(msg)
	return o, cmd
}

func (o *overview) View() string { return o.body.View() }

func (o *overview) render() {
	if o.Data == nil || o.Data.Snap == nil {
		o.body.SetContent(o.St.Dim.Render(o.loading()))
		return
	}
	s, st := o.Data.Snap, o.St
	var b strings.Builder
	b.WriteString(st.Section.Render("Sessions") + "\n")
	hubs := Hubs(s, o.Data.Peers)
	if len(hubs) == 0 {
		msg := "no BGP session is configured"
		if n := sourceNote(s, model.SourceClusterConfigs, model.SourceNodeConfigs, model.SourcePeeringPolicies); n != "" {
			msg += " (" + n + ")"
		}
		b.WriteString(st.Dim.Render("  "+msg) + "\n")
	} else {
		b.WriteString(topology.Render(st, hubs, o.W) + "\n")
	}

	b.WriteString("\n" + st.Section.Render("Pools") + "\n")
	pools := views.Pools(s, !checks.ParseVersion(s.Cilium.Version).Before(1, 16))
	if len(pools) == 0 {
		b.WriteString(st.Dim.Render("  no CiliumLoadBalancerIPPool") + "\n")
	}
	for _, p := range pools {
		total, _ := strconv.Atoi(p.Total)
		fmt.Fprintf(&b, "  %-16s %s %d/%s used  %s\n", p.Pool, Bar(st, p.Used, total, 20), p.Used, cmp.Or(p.Total, "-"), strings.Join(p.Blocks, ","))
	}

	b.WriteString("\n" + st.Section.Render("Findings") + "\n")
	c := o.Data.Result.Count()
	fmt.Fprintf(&b, "  %s  %s  %s  %s\n", st.Err.Render(fmt.Sprintf("%d errors", c[checks.Error])), st.Warn.Render(fmt.Sprintf("%d warnings", c[checks.Warning])),
		st.Info.Render(fmt.Sprintf("%d info", c[checks.Info])), st.Dim.Render(fmt.Sprintf("%d checks skipped (7: doctor)", len(o.Data.Result.Skipped))))
	shown := 0
	for _, sev := range []checks.Severity{checks.Error, checks.Warning} {
		for _, f := range o.Data.Result.Findings {
			if f.Severity == sev && shown < 5 {
				shown++
				fmt.Fprintf(&b, "  %s %s\n", st.For(SeverityTone(f.Severity)).Render("▪ "+f.ID), f.Message)
			}
		}
	}

	b.WriteString("\n" + st.Section.Render("Sources") + "\n  ")
	var parts []string
	for _, src := range s.Sources {
		parts = append(parts, st.For(StatusTone(src)).Render("● ")+src.Name+st.Dim.Render(" "+src.Display()))
	}
	b.WriteString(strings.Join(parts, "   "))
	o.body.Replace(b.String())
}

// Hubs groups the sessions of s (views.Peers) by peer into topology hubs: one per peer
// address, with the router read for it, and a spoke per node.
func Hubs(s *model.Snapshot, peers []views.PeerRow) []topology.Hub {
	sides := routerSides(s)
	type hubKey struct {
		addr string
		asn  int64
	}
	byPeer := map[hubKey][]views.PeerRow{}
	var order []hubKey
	for _, p := range peers {
		k := hubKey{p.PeerAddress, p.PeerASN}
		if _, ok := byPeer[k]; !ok {
			order = append(order, k)
		}
		byPeer[k] = append(byPeer[k], p)
	}
	sort.Slice(order, func(i, j int) bool { return order[i].addr < order[j].addr })
	var hubs []topology.Hub
	for _, k := range order {
		ps := byPeer[k]
		h := topology.Hub{Title: fmt.Sprintf("%s %s", ps[0].Peer, k.addr)}
		fams := map[string]bool{}
		for _, p := range ps {
			for _, f := range p.Families {
				fams[f.Name] = true
			}
		}
		var famList []string
		for f := range fams {
			famList = append(famList, f)
		}
		sort.Strings(famList)
		h.Lines = append(h.Lines, fmt.Sprintf("AS %d · %s", k.asn, cmp.Or(strings.Join(famList, " "), "-")))
		routers := map[string]bool{}
		up := 0
		for _, p := range ps {
			a, _ := netip.ParseAddr(p.PeerAddress)
			if rs, ok := sides[fmt.Sprintf("%s|%v", p.Node, a.Unmap().Is4())]; ok {
				routers[rs.router] = true
			}
			if strings.EqualFold(p.State, "established") {
				up++
			}
			label := fmt.Sprintf("%s  AS %d", p.Node, p.LocalASN)
			if p.Uptime > 0 {
				label += "  up " + age(p.Uptime)
			}
			h.Links = append(h.Links, topology.Link{Label: label, Edge: strings.ToLower(p.State), Tone: StateTone(p.State)})
		}
		line := fmt.Sprintf("%d/%d sessions established", up, len(ps))
		for r := range routers {
			line += " · router " + r + " read"
		}
		h.Lines = append(h.Lines, line)
		hubs = append(hubs, h)
	}
	return hubs
}
