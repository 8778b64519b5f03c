// SPDX-License-Identifier: Apache-2.0

// Package diagram draws the BGP picture of a snapshot — the upstream peers, the nodes
// with their sessions to them, and the LB-IPAM pools with the Services holding their
// addresses — as Mermaid or Graphviz DOT, for a wiki page, an issue or a review
// (cilium/cilium-cli#2600 asks for it from a sysdump). It is pure: snapshot in, text out.
package diagram

import (
	"cmp"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/views"
)

// Graph is what a diagram shows.
type Graph struct {
	Title    string
	Peers    []Peer
	Nodes    []Node
	Sessions []Session
	Pools    []Pool
}

// Peer is the far end of sessions: one address and AS.
type Peer struct {
	ID      string
	Address string
	ASN     int64
	// Router is the name of the router read (--router) that is this peer, if any.
	Router string
}

// Node is a Kubernetes node with BGP sessions.
type Node struct {
	ID      string
	Name    string
	Address string
	ASN     int64
}

// Session is one node's session to a peer.
type Session struct {
	From, To string // node and peer IDs
	State    string
	// Source says where the state came from (views.FromAgent, …).
	Source string
}

// Up reports whether the session is established.
func (s Session) Up() bool { return strings.EqualFold(s.State, "established") }

// Pool is an LB-IPAM pool with the addresses it handed out.
type Pool struct {
	ID     string
	Name   string
	Blocks []string
	VIPs   []string // "ns/name 10.0.10.1"
	// More counts the addresses not listed.
	More     int
	Disabled bool
}

// Build derives the graph of a snapshot; each pool lists at most maxVIPs addresses.
func Build(s *model.Snapshot, maxVIPs int) Graph {
	g := Graph{Title: cmp.Or(s.Cluster.Context, s.Origin, "cluster")}
	peerID := map[string]string{}
	nodeID := map[string]string{}
	nodes := model.IndexBy(s.Nodes, func(n *model.Node) string { return n.Name })
	for _, r := range views.Peers(s) {
		pk := r.PeerAddress + "|" + strconv.FormatInt(r.PeerASN, 10)
		if _, ok := peerID[pk]; !ok {
			peerID[pk] = "peer" + strconv.Itoa(len(g.Peers))
			g.Peers = append(g.Peers, Peer{ID: peerID[pk], Address: r.PeerAddress, ASN: r.PeerASN, Router: routerName(s, r.PeerAddress, r.PeerASN)})
		}
		if _, ok := nodeID[r.Node]; !ok {
			nodeID[r.Node] = "node" + strconv.Itoa(len(g.Nodes))
			n := Node{ID: nodeID[r.Node], Name: r.Node, ASN: r.LocalASN}
			if kn, ok := nodes[r.Node]; ok && len(kn.InternalIPs) > 0 {
				n.Address = kn.InternalIPs[0].String()
			}
			g.Nodes = append(g.Nodes, n)
		}
		g.Sessions = append(g.Sessions, Session{From: nodeID[r.Node], To: peerID[pk], State: cmp.Or(r.State, "unknown"), Source: r.Source})
	}
	ix := model.NewPoolIndex(s.Pools)
	vips := map[*model.LBPool][]string{}
	for i := range s.Services {
		svc := &s.Services[i]
		for _, ing := range svc.Ingress {
			if a, err := netip.ParseAddr(ing.IP); err == nil {
				if b, ok := ix.First(a); ok {
					vips[b.Pool] = append(vips[b.Pool], svc.Namespace+"/"+svc.Name+" "+a.String())
				}
			}
		}
	}
	for i := range s.Pools {
		p := &s.Pools[i]
		pool := Pool{ID: "pool" + strconv.Itoa(i), Name: p.Name, Disabled: p.Disabled}
		for _, b := range p.Blocks {
			pool.Blocks = append(pool.Blocks, b.String())
		}
		all := vips[p]
		slices.Sort(all)
		pool.VIPs = all[:min(len(all), maxVIPs)]
		pool.More = len(all) - len(pool.VIPs)
		g.Pools = append(g.Pools, pool)
	}
	return g
}

// routerName names the router read that is the peer: the one whose router ID is the
// address or that has it as an address, else the only router of that AS.
func routerName(s *model.Snapshot, addr string, asn int64) string {
	var sameAS []string
	for _, r := range s.Routers {
		if r.RouterID == addr {
			return r.Name
		}
		if r.ASN == asn && r.ASN != 0 {
			sameAS = append(sameAS, r.Name)
		}
	}
	if len(sameAS) == 1 {
		return sameAS[0]
	}
	return ""
}

// label texts of the elements, shared by both formats.
func (p Peer) label() []string {
	l := []string{cmp.Or(p.Router, "peer"), p.Address, "AS " + strconv.FormatInt(p.ASN, 10)}
	return l
}

func (n Node) label() []string {
	l := []string{n.Name}
	if n.Address != "" {
		l = append(l, n.Address)
	}
	return append(l, "AS "+strconv.FormatInt(n.ASN, 10))
}

func (p Pool) label() []string {
	l := []string{"pool " + p.Name}
	if p.Disabled {
		l[0] += " (disabled)"
	}
	l = append(l, strings.Join(p.Blocks, ", "))
	l = append(l, p.VIPs...)
	if p.More > 0 {
		l = append(l, fmt.Sprintf("… %d more", p.More))
	}
	return l
}

// Mermaid writes the graph as a Mermaid flowchart: nodes left, peers right, pools
// below; established sessions green, others red and dashed.
func Mermaid(w io.Writer, g Graph) error {
	var b strings.Builder
	b.WriteString("---\ntitle: " + mermaidText(g.Title) + "\n---\nflowchart LR\n")
	b.WriteString("  classDef bgppeer fill:#eef,stroke:#446\n  classDef k8snode fill:#efe,stroke:#464\n  classDef lbpool fill:#ffe,stroke:#664\n")
	b.WriteString("  subgraph cluster[\"Kubernetes nodes\"]\n")
	for _, n := range g.Nodes {
		fmt.Fprintf(&b, "    %s[\"%s\"]:::k8snode\n", n.ID, mermaidLines(n.label()))
	}
	b.WriteString("  end\n")
	for _, p := range g.Peers {
		fmt.Fprintf(&b, "  %s([\"%s\"]):::bgppeer\n", p.ID, mermaidLines(p.label()))
	}
	for i, s := range g.Sessions {
		arrow := "-->"
		if !s.Up() {
			arrow = "-.->"
		}
		fmt.Fprintf(&b, "  %s %s|%s| %s\n", s.From, arrow, mermaidText(s.State), s.To)
		color := "#2a2"
		if !s.Up() {
			color = "#c22"
		}
		fmt.Fprintf(&b, "  linkStyle %d stroke:%s\n", i, color)
	}
	if len(g.Pools) > 0 {
		b.WriteString("  subgraph lbipam[\"LB-IPAM pools\"]\n")
		for _, p := range g.Pools {
			fmt.Fprintf(&b, "    %s[\"%s\"]:::lbpool\n", p.ID, mermaidLines(p.label()))
		}
		b.WriteString("  end\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mermaidText escapes what would end a quoted label or start markup.
func mermaidText(s string) string {
	r := strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;", "|", "#124;", "\n", " ")
	return r.Replace(s)
}

func mermaidLines(lines []string) string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = mermaidText(l)
	}
	return strings.Join(out, "<br/>")
}

// DOT writes the graph for Graphviz (`dot -Tsvg`).
func DOT(w io.Writer, g Graph) error {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph bgpnet {\n  label=%s;\n  labelloc=t;\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\"];\n", dotQuote(g.Title))
	b.WriteString("  subgraph cluster_nodes {\n    label=\"Kubernetes nodes\";\n")
	for _, n := range g.Nodes {
		fmt.Fprintf(&b, "    %s [label=%s, fillcolor=\"#eeffee\"];\n", n.ID, dotQuote(strings.Join(n.label(), "\n")))
	}
	b.WriteString("  }\n")
	for _, p := range g.Peers {
		fmt.Fprintf(&b, "  %s [label=%s, shape=ellipse, fillcolor=\"#eeeeff\"];\n", p.ID, dotQuote(strings.Join(p.label(), "\n")))
	}
	for _, s := range g.Sessions {
		color, style := "\"#22aa22\"", "solid"
		if !s.Up() {
			color, style = "\"#cc2222\"", "dashed"
		}
		fmt.Fprintf(&b, "  %s -> %s [label=%s, color=%s, fontcolor=%s, style=%s];\n", s.From, s.To, dotQuote(s.State), color, color, style)
	}
	if len(g.Pools) > 0 {
		b.WriteString("  subgraph cluster_pools {\n    label=\"LB-IPAM pools\";\n")
		for _, p := range g.Pools {
			fmt.Fprintf(&b, "    %s [label=%s, shape=note, fillcolor=\"#ffffee\"];\n", p.ID, dotQuote(strings.Join(p.label(), "\n")))
		}
		b.WriteString("  }\n")
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// dotQuote quotes a DOT string; newlines become centred line breaks.
func dotQuote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	s = strings.ReplaceAll(s, "\n", `\n`)
	return `"` + s + `"`
}
