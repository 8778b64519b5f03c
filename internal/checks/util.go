// SPDX-License-Identifier: Apache-2.0

package checks

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/fix"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/safe"
)

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// ev builds evidence about an object field.
func ev(source string, obj *model.Ref, field, observed, expected string) Evidence {
	return Evidence{Source: source, Object: obj, Field: field, Observed: observed, Expected: expected}
}

// ref returns a pointer to a copy of r, for Evidence.Object.
func ref(r model.Ref) *model.Ref { return &r }

// nodeRef refers to a node.
func nodeRef(name string) model.Ref {
	return model.Ref{Kind: model.KindNode, APIVersion: "v1", Name: name}
}

// peerRef names one BGP session of a node: node/instance/peer.
func peerRef(node, instance, peer string) model.Ref {
	return model.Ref{Kind: "BGPPeer", Name: node + "/" + instance + "/" + peer}
}

// clusterRef is the subject of cluster-wide findings.
func clusterRef(name string) model.Ref { return model.Ref{Kind: "Cluster", Name: name} }

// cfgRef is the cilium-config ConfigMap.
func cfgRef(ns string) *model.Ref {
	return &model.Ref{Kind: "ConfigMap", APIVersion: "v1", Namespace: ns, Name: "cilium-config"}
}

// cfgValue renders a cilium-config key as observed: its value or "<unset>".
func cfgValue(s *model.Snapshot, key string) string {
	if v, ok := s.Cilium.Config.Raw[key]; ok {
		return fmt.Sprintf("%q", v)
	}
	return "<unset>"
}

// cfgEv is evidence about one cilium-config key.
func cfgEv(s *model.Snapshot, key, expected string) Evidence {
	return ev(model.SourceCiliumConfig, cfgRef(s.Cluster.CiliumNamespace), "data."+key, cfgValue(s, key), expected)
}

// joinSorted renders a set of strings sorted and comma-separated.
func joinSorted(xs []string) string {
	s := append([]string{}, xs...)
	sort.Strings(s)
	return strings.Join(s, ", ")
}

// bareAddr drops the /32 or /128 that BGPv1 peer addresses carry (CIDR notation).
func bareAddr(s string) string { return strings.TrimSuffix(strings.TrimSuffix(s, "/32"), "/128") }

// maxListed is how many items a finding's message lists before it only counts them.
const maxListed = 10

// listSome joins the first max items and says how many there are in all if more.
func listSome(xs []string, max int) string {
	if len(xs) <= max {
		return strings.Join(xs, ", ")
	}
	return strings.Join(xs[:max], ", ") + fmt.Sprintf(", … (%d in all)", len(xs))
}

// plural picks the singular or plural word for n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// ciliumNS is the namespace of the Cilium release, for Helm and kubectl commands.
func ciliumNS(s *model.Snapshot) string {
	if s.Cluster.CiliumNamespace == "" {
		return "kube-system"
	}
	return s.Cluster.CiliumNamespace
}

// fixRiskHigh is shorthand for manual steps that disrupt traffic.
const fixRiskHigh = fix.RiskHigh

// fixCreate proposes creating obj.
func fixCreate(obj map[string]any, title, explanation string) fix.Proposal {
	return fix.Create(obj).With(title, explanation)
}

// fixCommand proposes commands to run by hand.
func fixCommand(risk fix.Risk, title, explanation string, cmds ...string) fix.Proposal {
	return fix.Command(risk, cmds...).With(title, explanation)
}

// routerCommand proposes commands to run on the upstream router.
func routerCommand(risk fix.Risk, title, explanation string, cmds ...string) fix.Proposal {
	p := fixCommand(risk, title, explanation, cmds...)
	p.On = fix.OnRouter
	return p
}

// nodeCommand proposes steps to take on the cluster's nodes (or k3s servers).
func nodeCommand(risk fix.Risk, title, explanation string, cmds ...string) fix.Proposal {
	p := fixCommand(risk, title, explanation, cmds...)
	p.On = fix.OnNode
	return p
}

// kubectl renders a kubectl command; every argument is quoted by safe.Quote, so a
// value from the cluster stays one argument however it is spelled.
func kubectl(args ...string) string {
	return safe.Command(append([]string{"kubectl"}, args...)...)
}

// vtysh renders an FRR vtysh command running each configuration line; a line cannot
// carry a newline (vtysh would run what follows as another command).
func vtysh(lines ...string) string {
	argv := []string{"vtysh"}
	for _, l := range lines {
		argv = append(argv, "-c", safe.Text(l))
	}
	return safe.Command(argv...)
}

// routerAddr returns the canonical spelling of an address read from a router or an
// agent, for router commands; ok is false when it is not an address at all.
func routerAddr(s string) (string, bool) {
	a, err := netip.ParseAddr(strings.Trim(strings.TrimSpace(s), "[]"))
	if err != nil {
		return "", false
	}
	return a.String(), true
}

// comment renders text as a shell comment line whose values cannot end it early.
func comment(text string) string { return safe.Comment(text) }

// sortedMapKeys returns the keys of m in order.
func sortedMapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// nodeAddrOf is the node's InternalIP of peer's family, as the router knows the node.
func nodeAddrOf(s *model.Snapshot, node, peer string) string {
	p, _ := netip.ParseAddr(peer)
	if n, ok := s.Node(node); ok {
		for _, a := range n.InternalIPs {
			if a.Is4() == p.Is4() {
				return a.String()
			}
		}
	}
	return "<address of " + safe.Text(node) + ">"
}
