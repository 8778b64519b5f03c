// SPDX-License-Identifier: Apache-2.0

package screens

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/components/table"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/keys"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/msgs"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/styles"
	"github.com/bgpnet/kubectl-bgpnet/internal/views"
)

// stageTone colours how far a prefix got on the router.
func stageTone(r *views.RouterStage) styles.Tone {
	switch {
	case r == nil:
		return styles.Faint
	case r.Stage == "installed":
		return styles.Good
	}
	return styles.Bad
}

// NewRoutes is the Routes screen: every advertised path with its next hops, its
// provenance and, with a router read, the stage the router took it to. A node or a
// Service scopes it (drill-down); esc shows every route again.
func NewRoutes(st *styles.Styles, km *keys.KeyMap) Screen {
	l := newList(st, km, "routes",
		table.Column{Title: "NODE"}, table.Column{Title: "PEER"}, table.Column{Title: "PREFIX"}, table.Column{Title: "NEXT HOP", Max: 30},
		table.Column{Title: "PROVENANCE", Flex: true}, table.Column{Title: "ROUTER"})
	var scope views.RouteFilter
	var rows []views.RouteRow
	key := func(i int, r views.RouteRow) string { return fmt.Sprintf("%s|%s|%s|%d", r.Node, r.Peer, r.Prefix, i) }
	l.rows = func(d *msgs.Data) ([]table.Row, string) {
		rows = views.Routes(d.Snap, scope)
		views.FollowToRouters(d.Snap, rows)
		out := make([]table.Row, 0, len(rows))
		for i, r := range rows {
			stage := "-"
			if r.Router != nil {
				stage = r.Router.String()
			}
			nh := strings.Join(r.NextHops, ",")
			if r.Error != "" {
				nh = r.Error
			}
			out = append(out, table.Row{Key: key(i, r),
				Cells: []string{r.Node, cmp.Or(r.Peer, "-"), r.Prefix, cmp.Or(nh, "-"), r.Provenance.String(), stage},
				Tones: []styles.Tone{0, 0, 0, 0, 0, stageTone(r.Router)}})
		}
		empty := "no advertised route"
		if n := sourceNote(d.Snap, model.SourceAgentRoutes); n != "" {
			empty += ": " + n + " (the agents' routes are read live: kubectl bgpnet routes, or refresh against a cluster)"
		}
		return out, empty
	}
	l.caption = func() string {
		c := fmt.Sprintf("%d routes", l.tbl.Total())
		switch {
		case scope.Node != "":
			c += " advertised by node " + scope.Node + " (esc: all routes)"
		case scope.Service != "":
			c += " of Service " + scope.Service + " (esc: all routes)"
		}
		return c
	}
	l.focus = func(ref model.Ref) bool {
		switch ref.Kind {
		case "Node":
			scope = views.RouteFilter{Node: ref.Name}
		case model.KindService:
			scope = views.RouteFilter{Service: ref.Namespace + "/" + ref.Name}
		default:
			return false
		}
		return true
	}
	l.unfocus = func() bool {
		was := scope.Node != "" || scope.Service != ""
		scope = views.RouteFilter{}
		return was
	}
	l.detailOf = func(k string) string {
		var r views.RouteRow
		for i, x := range rows {
			if key(i, x) == k {
				r = x
			}
		}
		var b strings.Builder
		b.WriteString(st.Title.Render("Route "+r.Prefix) + "\n\n")
		b.WriteString(kv(st, "node", r.Node, "peer", r.Peer, "next hops", strings.Join(r.NextHops, ", "), "best", fmt.Sprint(r.Best),
			"provenance", r.Provenance.String(), "error", r.Error) + "\n\n")
		b.WriteString(st.Section.Render("On the router") + "\n")
		if r.Router == nil {
			b.WriteString(st.Dim.Render("  no router read (--router frr|bird --router-cmd …)"))
		} else {
			b.WriteString(kv(st, "router", r.Router.Router, "stage", st.For(stageTone(r.Router)).Render(r.Router.String()), "detail", r.Router.Detail))
		}
		return b.String()
	}
	return l
}
