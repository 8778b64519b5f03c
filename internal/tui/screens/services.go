// SPDX-License-Identifier: Apache-2.0

package screens

import (
	"cmp"
	"fmt"
	"sort"
	"strconv"
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

// Bar renders a usage bar of width w: used of total (total 0: unknown).
func Bar(st *styles.Styles, used, total, w int) string {
	if total <= 0 || w <= 0 {
		return st.Dim.Render(strings.Repeat("·", max(w, 0)))
	}
	full := min(w, (used*w+total-1)/total)
	return st.BarFull.Render(strings.Repeat("█", full)) + st.BarEmpty.Render(strings.Repeat("░", w-full))
}

// pendingReason is why a LoadBalancer Service has no address ("" when it has one).
func pendingReason(svc *model.Service) string {
	if len(svc.Ingress) > 0 || svc.Type != "LoadBalancer" {
		return ""
	}
	for _, c := range svc.Conditions {
		if (c.Type == "cilium.io/IPAMRequestSatisfied" || c.Type == "io.cilium/lb-ipam-request-satisfied") && c.Status == "False" {
			return c.Reason
		}
	}
	return "no address yet"
}

// serviceIPs are a Service's LoadBalancer ingress IPs and external IPs.
func serviceIPs(svc *model.Service) []string {
	var out []string
	for _, in := range svc.Ingress {
		if in.IP != "" {
			out = append(out, in.IP)
		}
	}
	return append(out, svc.ExternalIPs...)
}

// servicesScreen is Pools & Services: the pools' usage as bars above the Services
// with their VIPs, pool, the nodes advertising them and why one is pending.
type servicesScreen struct {
	*list
	pools []views.PoolRow
}

// NewServices is the Pools & Services screen.
func NewServices(st *styles.Styles, km *keys.KeyMap) Screen {
	l := newList(st, km, "pools",
		table.Column{Title: "SERVICE"}, table.Column{Title: "TYPE"}, table.Column{Title: "VIPS", Max: 40}, table.Column{Title: "POOL"},
		table.Column{Title: "ADVERTISEMENT"}, table.Column{Title: "ADVERTISED BY", Flex: true}, table.Column{Title: "STATUS"})
	s := &servicesScreen{list: l}
	byKey := map[string]*model.Service{}
	l.rows = func(d *msgs.Data) ([]table.Row, string) {
		s.pools = views.Pools(d.Snap, !checks.ParseVersion(d.Snap.Cilium.Version).Before(1, 16))
		poolOf := map[string]string{}
		for _, p := range s.pools {
			for _, svc := range p.Services {
				poolOf[svc] = p.Pool
			}
		}
		advertisedBy := map[string]map[string]bool{}
		for _, r := range views.Routes(d.Snap, views.RouteFilter{}) {
			if r.Provenance.Service != "" {
				if advertisedBy[r.Provenance.Service] == nil {
					advertisedBy[r.Provenance.Service] = map[string]bool{}
				}
				advertisedBy[r.Provenance.Service][r.Node] = true
			}
		}
		routesKnown := d.Snap.SourceOK(model.SourceAgentRoutes)
		advFor := views.AdvertisementFor(d.Snap)
		byKey = map[string]*model.Service{}
		var out []table.Row
		for i := range d.Snap.Services {
			svc := &d.Snap.Services[i]
			name := svc.Namespace + "/" + svc.Name
			byKey[name] = svc
			vips := serviceIPs(svc)
			var nodes []string
			for n := range advertisedBy[name] {
				nodes = append(nodes, n)
			}
			sort.Strings(nodes)
			adv, advTone := strings.Join(nodes, ","), styles.Neutral
			if adv == "" && routesKnown {
				adv, advTone = "no node", styles.Caution
			} else if adv == "" {
				adv, advTone = "? (not read)", styles.Faint
			}
			addrType := "LoadBalancerIP"
			if svc.Type != "LoadBalancer" {
				addrType = "ExternalIP"
			}
			adName, adTone := advFor(svc, addrType), styles.Neutral
			if adName == "" {
				adName, adTone = "none selects it", styles.Caution
			}
			status, stTone := "ok", styles.Good
			if r := pendingReason(svc); r != "" {
				status, stTone = "pending: "+r, styles.Bad
			}
			out = append(out, table.Row{Key: name, Cells: []string{name, svc.Type, cmp.Or(strings.Join(vips, ","), "-"), cmp.Or(poolOf[name], "-"), adName, adv, status},
				Tones: []styles.Tone{0, 0, 0, 0, adTone, advTone, stTone}})
		}
		empty := "no LoadBalancer Service"
		if n := sourceNote(d.Snap, model.SourceServices); n != "" {
			empty += ": " + n
		}
		return out, empty
	}
	l.detailOf = func(k string) string {
		svc := byKey[k]
		if svc == nil {
			return ""
		}
		var b strings.Builder
		b.WriteString(st.Title.Render("Service "+k) + "\n\n")
		var ports []string
		for _, p := range svc.Ports {
			ports = append(ports, fmt.Sprintf("%s/%d", p.Protocol, p.Port))
		}
		vips := serviceIPs(svc)
		addrType := "LoadBalancerIP"
		if svc.Type != "LoadBalancer" {
			addrType = "ExternalIP"
		}
		b.WriteString(kv(st, "type", svc.Type, "VIPs", strings.Join(vips, ", "), "ports", strings.Join(ports, ", "),
			"advertisement", views.AdvertisementFor(l.Data.Snap)(svc, addrType),
			"traffic policy", svc.ExternalTrafficPolicy, "backends", fmt.Sprintf("%d ready of %d", svc.Endpoints.Ready, svc.Endpoints.Total),
			"pending", pendingReason(svc)) + "\n\n")
		b.WriteString(st.Section.Render("Findings") + "\n")
		b.WriteString(findingLines(st, findingsAbout(l.Data, func(ref model.Ref) bool {
			return ref.Kind == model.KindService && ref.Namespace == svc.Namespace && ref.Name == svc.Name
		})))
		b.WriteString("\n\n" + st.Dim.Render("o: its routes   f: its flows   esc: back"))
		return b.String()
	}
	l.action = func(k tea.KeyPressMsg, row table.Row) (tea.Cmd, bool) {
		svc := byKey[row.Key]
		if svc == nil {
			return nil, false
		}
		ref := model.Ref{Kind: model.KindService, Namespace: svc.Namespace, Name: svc.Name}
		switch {
		case key.Matches(k, km.Routes):
			return msgs.Navigate("routes", ref, ""), true
		case key.Matches(k, km.Flows):
			return msgs.Navigate("flows", ref, ""), true
		}
		return nil, false
	}
	l.focusKey = func(ref model.Ref) string { return ref.Namespace + "/" + ref.Name }
	l.caption = func() string {
		c := fmt.Sprintf("%d Services with a LoadBalancer or external IP", l.tbl.Total())
		if l.Data != nil && !l.Data.Snap.SourceOK(model.SourceAgentRoutes) {
			c += " — ADVERTISED BY needs the agents' routes (not read: " + sourceNote(l.Data.Snap, model.SourceAgentRoutes) + ")"
		}
		return c
	}
	l.help = []key.Binding{km.Routes, km.Flows}
	return s
}

// poolLines is the height of the pools block.
func (s *servicesScreen) poolLines() int {
	if s.inDetail {
		return 0
	}
	return min(len(s.pools)+2, max(s.H/3, 3))
}

func (s *servicesScreen) SetData(d *msgs.Data) {
	s.list.SetData(d)
	s.SetSize(s.W, s.H)
}

func (s *servicesScreen) SetSize(w, h int) {
	s.list.SetSize(w, h)
	s.tbl.SetSize(w, h-1-s.poolLines())
}

func (s *servicesScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	_, cmd := s.list.Update(msg)
	s.SetSize(s.W, s.H)
	return s, cmd
}

func (s *servicesScreen) View() string {
	if s.inDetail || s.Data == nil {
		return s.list.View()
	}
	var b strings.Builder
	b.WriteString(s.St.Section.Render("Pools") + "\n")
	lines := s.poolLines()
	if len(s.pools) == 0 {
		msg := "no CiliumLoadBalancerIPPool"
		if n := sourceNote(s.Data.Snap, model.SourcePools); n != "" {
			msg += ": " + n
		}
		b.WriteString(s.St.Dim.Render("  "+msg) + "\n")
	}
	for i, p := range s.pools {
		if i >= lines-2 {
			b.WriteString(s.St.Dim.Render(fmt.Sprintf("  … %d more", len(s.pools)-i)) + "\n")
			break
		}
		total, _ := strconv.Atoi(p.Total)
		state := ""
		if p.Disabled {
			state = s.St.Warn.Render(" disabled")
		}
		if p.Conflicting {
			state += s.St.Err.Render(" conflicting")
		}
		fmt.Fprintf(&b, "  %-16s %s %d/%s used  %s%s\n", p.Pool, Bar(s.St, p.Used, total, 20), p.Used, cmp.Or(p.Total, "-"),
			strings.Join(p.Blocks, ","), state)
	}
	for i := len(s.pools) + 1; i < lines-1; i++ {
		b.WriteString("\n")
	}
	return b.String() + s.list.View()
}
