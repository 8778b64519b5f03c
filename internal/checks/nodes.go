// SPDX-License-Identifier: Apache-2.0

package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/fix"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func nodeChecks() []Check {
	return []Check{
		{
			ID: "nodeselector-matches-no-node", Title: "A BGP configuration selects no node", Severity: Error, Layer: LayerNodes,
			Also:  []SeverityCase{{Warning, "the operator's NoMatchingNode condition is stale (the selector matches nodes in this snapshot)"}},
			Needs: []string{model.SourceNodes}, Uses: []string{model.SourceClusterConfigs, model.SourcePeeringPolicies}, Versions: "all (condition 1.17+)",
			Detects: "a CiliumBGPClusterConfig or CiliumBGPPeeringPolicy whose nodeSelector matches no node (or condition cilium.io/NoMatchingNode)",
			Fixes:   "label the intended nodes, or correct the nodeSelector",
			Explain: `A ClusterConfig (or v1 PeeringPolicy) only runs on the nodes its nodeSelector matches. A label
typo, a label set in the node provisioning tool but never on the Node object, or one removed
during maintenance leaves it selecting nothing: "cilium bgp peers" prints nothing and no
CiliumBGPNodeConfig is written. Since 1.17 the operator also sets condition
cilium.io/NoMatchingNode on the ClusterConfig.
References: docs bgp-control-plane-troubleshooting.rst ; https://github.com/cilium/cilium/pull/36134 ; https://github.com/cilium/cilium/issues/24069`,
			Run: runNodeSelectorNoNode,
		},
		{
			ID: "multiple-peering-policies-per-node", Title: "Several BGPv1 policies select one node", Severity: Error, Layer: LayerNodes,
			Needs: []string{model.SourceNodes}, Uses: []string{model.SourcePeeringPolicies}, Versions: "1.12–1.18 (BGPv1)",
			Detects: "a node matched by more than one CiliumBGPPeeringPolicy",
			Fixes:   "make the policies' nodeSelectors disjoint",
			Explain: `Only one CiliumBGPPeeringPolicy may apply to a node. When a second one matches, the agent logs
"more then one CiliumBGPPeeringPolicy applies to this node" and clears all BGP state on the node:
existing sessions go down the moment the second policy is applied.
References: docs bgp-control-plane-troubleshooting.rst ; https://github.com/cilium/cilium/pull/30506`,
			Run: runMultiplePolicies,
		},
		{
			ID: "conflicting-clusterconfigs", Title: "Several BGPv2 ClusterConfigs select one node", Severity: Error, Layer: LayerNodes,
			Needs: []string{model.SourceNodes, model.SourceClusterConfigs}, Versions: "1.16+ (condition 1.17+)",
			Detects: "a node matched by more than one CiliumBGPClusterConfig (or condition cilium.io/ConflictingClusterConfig)",
			Fixes:   "make the nodeSelectors disjoint, or put the instances into one ClusterConfig",
			Explain: `A node may be selected by one CiliumBGPClusterConfig only; the operator uses one and ignores the
other for that node, setting cilium.io/ConflictingClusterConfig (1.17+). Put several instances
(up to 16) or peers into one ClusterConfig instead.
References: docs bgp-control-plane-operation.rst ; https://github.com/cilium/cilium/pull/36134`,
			Run: runConflictingCCs,
		},
		{
			ID: "nodeconfigoverride-name-mismatch", Title: "A CiliumBGPNodeConfigOverride matches nothing", Severity: Warning, Layer: LayerNodes,
			Needs: []string{model.SourceNodes, model.SourceNodeConfigOverride, model.SourceClusterConfigs}, Versions: "1.16+",
			Detects: "an override whose name is not a node, or whose instance/peer names are not in the ClusterConfig selecting that node",
			Fixes:   "rename the override after the node, and its instances and peers after the ClusterConfig's",
			Explain: `A CiliumBGPNodeConfigOverride applies to the node with the same name (there is no nodeRef since
PR #31598), and inside it bgpInstances[].name and peers[].name must equal the names in the
ClusterConfig. Anything else is silently ignored, so a custom routerID, localAddress or
localPort never takes effect (cilium#35066).
References: https://github.com/cilium/cilium/issues/35066 ; https://github.com/cilium/cilium/pull/31598`,
			Run: runOverrideMismatch,
		},
		{
			ID: "node-label-near-miss", Title: "A node almost matches a BGP node selector", Severity: Warning, Layer: LayerNodes,
			Needs: []string{model.SourceNodes}, Uses: []string{model.SourceClusterConfigs, model.SourcePeeringPolicies}, Versions: "all",
			Detects: "an unselected node whose labels differ from a selector by a key or value typo (bgp_enabled vs bgp-enabled, True vs true)",
			Fixes:   "the exact `kubectl label node` command that makes it match",
			Explain: `Node selectors compare label keys and values exactly. A node labelled bgp_enabled=true is not
selected by bgp-enabled=true, nor is "True" equal to "true"; the node then simply has no BGP, with
no error anywhere. This check looks, for every node no BGP configuration selects, for a selector
that one or two label edits away would select it, and gives the exact command.
References: docs bgp-control-plane-troubleshooting.rst (nodeSelector errors)`,
			Run: runLabelNearMiss,
		},
	}
}

// bgpConfig is a ClusterConfig or PeeringPolicy, for checks that treat both alike.
type bgpConfig struct {
	ref        model.Ref
	rv         string
	selector   *metav1.LabelSelector
	conditions []metav1.Condition
	source     string
}

func bgpConfigs(s *model.Snapshot) []bgpConfig {
	var out []bgpConfig
	for _, cc := range s.BGP.ClusterConfigs {
		out = append(out, bgpConfig{cc.Ref(), cc.ResourceVersion, cc.NodeSelector, cc.Conditions, model.SourceClusterConfigs})
	}
	for _, pp := range s.BGP.PeeringPolicies {
		out = append(out, bgpConfig{pp.Ref(), pp.ResourceVersion, pp.NodeSelector, pp.Conditions, model.SourcePeeringPolicies})
	}
	return out
}

// conditionTrue returns the condition of the given type if its status is True.
func conditionTrue(conds []metav1.Condition, types ...string) *metav1.Condition {
	for i := range conds {
		if slices.Contains(types, conds[i].Type) && conds[i].Status == metav1.ConditionTrue {
			return &conds[i]
		}
	}
	return nil
}

func runNodeSelectorNoNode(in *Input) []Finding {
	s := in.S
	selected := map[string]int{}
	for _, v := range in.Views() {
		for _, r := range v.SelectedBy {
			selected[r.String()]++
		}
	}
	var out []Finding
	for _, c := range bgpConfigs(s) {
		cond := conditionTrue(c.conditions, "cilium.io/NoMatchingNode")
		if selected[c.ref.String()] > 0 && cond == nil {
			continue
		}
		f := Finding{
			Subject: c.ref,
			Message: fmt.Sprintf("%s %s selects none of the %d nodes (nodeSelector %s): it runs nowhere", c.ref.Kind, c.ref.Name, len(s.Nodes), model.SelectorString(c.selector)),
			Evidence: []Evidence{ev(c.source, ref(c.ref), "spec.nodeSelector", model.SelectorString(c.selector),
				fmt.Sprintf("matches at least one of %d nodes", len(s.Nodes)))},
		}
		if cond != nil {
			f.Evidence = append(f.Evidence, ev(c.source, ref(c.ref), "status.conditions[cilium.io/NoMatchingNode]", "True: "+cond.Message, "False"))
			if selected[c.ref.String()] > 0 {
				f.Message = fmt.Sprintf("the operator reports %s %s matches no node, but its nodeSelector %s matches %d in this snapshot: the condition is stale or the labels just changed",
					c.ref.Kind, c.ref.Name, model.SelectorString(c.selector), selected[c.ref.String()])
				f.Severity = Warning
			}
		}
		// the near-miss check proposes the exact labels; here, point at it
		if miss := nearMissesFor(in, c); len(miss) > 0 {
			for _, m := range miss {
				f.Fixes = append(f.Fixes, m.fix)
			}
		}
		out = append(out, f)
	}
	return out
}

func runMultiplePolicies(in *Input) []Finding {
	return nodesSelectedTwice(in, model.KindPeeringPolicy, model.SourcePeeringPolicies)
}

func runConflictingCCs(in *Input) []Finding {
	out := nodesSelectedTwice(in, model.KindClusterConfig, model.SourceClusterConfigs)
	for _, cc := range in.S.BGP.ClusterConfigs {
		if cond := conditionTrue(cc.Conditions, "cilium.io/ConflictingClusterConfig"); cond != nil {
			out = append(out, Finding{
				Subject:  cc.Ref(),
				Message:  fmt.Sprintf("the operator reports CiliumBGPClusterConfig %s conflicts with another ClusterConfig: %s", cc.Name, cond.Message),
				Evidence: []Evidence{ev(model.SourceClusterConfigs, ref(cc.Ref()), "status.conditions[cilium.io/ConflictingClusterConfig]", "True", "False")},
			})
		}
	}
	return out
}

// nodesSelectedTwice reports nodes selected by more than one object of a kind.
func nodesSelectedTwice(in *Input, kind, source string) []Finding {
	var out []Finding
	for _, v := range in.Views() {
		var names []string
		for _, r := range v.SelectedBy {
			if r.Kind == kind {
				names = append(names, r.Name)
			}
		}
		if len(names) < 2 {
			continue
		}
		f := Finding{
			Subject: nodeRef(v.Node),
			Message: fmt.Sprintf("node %s is selected by %d %ss (%s): only one may apply", v.Node, len(names), kind, joinSorted(names)),
		}
		if kind == model.KindPeeringPolicy {
			f.Message += "; the agent clears all BGP state on this node"
		} else {
			f.Message += "; the operator ignores the others for this node"
		}
		for _, n := range names {
			f.Evidence = append(f.Evidence, ev(source, &model.Ref{Kind: kind, Name: n}, "spec.nodeSelector", "selects "+v.Node, "disjoint from the others"))
		}
		out = append(out, f)
	}
	return out
}

func runOverrideMismatch(in *Input) []Finding {
	s := in.S
	var out []Finding
	for _, o := range s.BGP.NodeConfigOverrides {
		if _, ok := in.Node(o.Name); !ok {
			f := Finding{
				Subject:  o.Ref(),
				Message:  fmt.Sprintf("CiliumBGPNodeConfigOverride %s is not named after any node: it applies nowhere", o.Name),
				Evidence: []Evidence{ev(model.SourceNodeConfigOverride, ref(o.Ref()), "metadata.name", o.Name, "the name of a node")},
			}
			if near := closest(o.Name, nodeNames(s)); near != "" {
				f.Message += fmt.Sprintf(" (did you mean node %s?)", near)
				f.Fixes = append(f.Fixes, renamedOverride(o, near))
			}
			out = append(out, f)
			continue
		}
		// the instances and peers of the ClusterConfig(s) selecting this node
		v := in.View(o.Name)
		insts := map[string][]string{}
		for _, inst := range v.Instances {
			if inst.Source.Kind != model.KindClusterConfig {
				continue
			}
			for _, p := range inst.Peers {
				insts[inst.Name] = append(insts[inst.Name], p.Name)
			}
			if _, ok := insts[inst.Name]; !ok {
				insts[inst.Name] = nil
			}
		}
		if len(insts) == 0 {
			out = append(out, Finding{
				Subject:  o.Ref(),
				Message:  fmt.Sprintf("CiliumBGPNodeConfigOverride %s: node %s is selected by no CiliumBGPClusterConfig, so the override has nothing to change", o.Name, o.Name),
				Evidence: []Evidence{ev(model.SourceClusterConfigs, nil, "spec.nodeSelector", "does not select "+o.Name, "selects "+o.Name)},
			})
			continue
		}
		for _, oi := range o.Instances {
			peers, ok := insts[oi.Name]
			if !ok {
				f := Finding{
					Subject:  o.Ref(),
					Message:  fmt.Sprintf("CiliumBGPNodeConfigOverride %s names instance %q, which the ClusterConfig of node %s does not have (%s): the override is ignored", o.Name, oi.Name, o.Name, joinSorted(sortedMapKeys(insts))),
					Evidence: []Evidence{ev(model.SourceNodeConfigOverride, ref(o.Ref()), "spec.bgpInstances[].name", oi.Name, "one of "+joinSorted(sortedMapKeys(insts)))},
				}
				if near := closest(oi.Name, sortedMapKeys(insts)); near != "" {
					f.Details = append(f.Details, fmt.Sprintf("closest instance name: %s", near))
				}
				out = append(out, f)
				continue
			}
			for _, op := range oi.Peers {
				if !slices.Contains(peers, op.Name) {
					out = append(out, Finding{
						Subject: o.Ref(),
						Message: fmt.Sprintf("CiliumBGPNodeConfigOverride %s, instance %s, names peer %q, which is not a peer of that instance (%s): its localAddress/localPort are ignored",
							o.Name, oi.Name, op.Name, joinSorted(peers)),
						Evidence: []Evidence{ev(model.SourceNodeConfigOverride, ref(o.Ref()), "spec.bgpInstances[name="+oi.Name+"].peers[].name", op.Name, "one of "+joinSorted(peers))},
					})
				}
			}
		}
	}
	return out
}

func renamedOverride(o model.NodeConfigOverride, node string) fix.Proposal {
	var insts []any
	for _, oi := range o.Instances {
		m := map[string]any{"name": oi.Name}
		if oi.RouterID != "" {
			m["routerID"] = oi.RouterID
		}
		if oi.LocalASN != nil {
			m["localASN"] = *oi.LocalASN
		}
		if oi.LocalPort != nil {
			m["localPort"] = *oi.LocalPort
		}
		var peers []any
		for _, p := range oi.Peers {
			pm := map[string]any{"name": p.Name}
			if p.LocalAddress != "" {
				pm["localAddress"] = p.LocalAddress
			}
			if p.LocalPort != nil {
				pm["localPort"] = *p.LocalPort
			}
			peers = append(peers, pm)
		}
		if len(peers) > 0 {
			m["peers"] = peers
		}
		insts = append(insts, m)
	}
	return fixCreate(map[string]any{"apiVersion": "cilium.io/v2", "kind": model.KindNodeConfigOverride,
		"metadata": map[string]any{"name": node}, "spec": map[string]any{"bgpInstances": insts}},
		"Recreate the override under the node's name", "Object names cannot change: create this copy, check it took effect in CiliumBGPNodeConfig "+node+", then delete "+o.Name+".")
}

func nodeNames(s *model.Snapshot) []string {
	out := make([]string, len(s.Nodes))
	for i, n := range s.Nodes {
		out[i] = n.Name
	}
	return out
}

// closest returns the candidate within edit distance 2 of s, if exactly one is closest.
func closest(s string, candidates []string) string {
	best, dist, ties := "", 3, 0
	for _, c := range candidates {
		d := editDistance(s, c)
		switch {
		case d < dist:
			best, dist, ties = c, d, 0
		case d == dist:
			ties++
		}
	}
	if ties > 0 {
		return ""
	}
	return best
}

// nearMiss is a node that a few label edits would make a selector select.
type nearMiss struct {
	node    string
	changes []string // human description of each edit
	fix     fix.Proposal
}

// nearMissesFor returns the unselected nodes that nearly match c's selector.
func nearMissesFor(in *Input, c bgpConfig) []nearMiss {
	if c.selector == nil || (len(c.selector.MatchLabels) == 0 && len(c.selector.MatchExpressions) == 0) {
		return nil // selects every node
	}
	var out []nearMiss
	for i := range in.S.Nodes {
		n := &in.S.Nodes[i]
		if v := in.nodeView(i); v != nil && len(v.SelectedBy) > 0 {
			continue
		}
		if m, ok := labelNearMiss(c.selector, n); ok {
			m.node = n.Name
			out = append(out, m)
		}
	}
	return out
}

// labelNearMiss works out which label edits would make sel select node, if each
// unmet requirement has a near-miss label on the node (key or value within edit
// distance 2, or equal after normalising case, '_' and '.').
func labelNearMiss(sel *metav1.LabelSelector, node *model.Node) (nearMiss, bool) {
	set := map[string]string{}
	var remove, changes []string
	for _, k := range sortedMapKeys(sel.MatchLabels) {
		want := sel.MatchLabels[k]
		if node.Labels[k] == want {
			continue
		}
		if have, ok := node.Labels[k]; ok {
			if !similarValue(have, want) {
				return nearMiss{}, false
			}
			set[k] = want
			changes = append(changes, fmt.Sprintf("value of %s is %q, the selector wants %q", k, have, want))
			continue
		}
		key, ok := similarKey(k, node.Labels)
		if !ok || !similarValue(node.Labels[key], want) {
			return nearMiss{}, false
		}
		set[k] = want
		remove = append(remove, key)
		changes = append(changes, fmt.Sprintf("label %s=%s, the selector wants %s=%s", key, node.Labels[key], k, want))
	}
	for _, e := range sel.MatchExpressions {
		switch e.Operator {
		case metav1.LabelSelectorOpIn, metav1.LabelSelectorOpExists:
			if have, ok := node.Labels[e.Key]; ok && (e.Operator == metav1.LabelSelectorOpExists || slices.Contains(e.Values, have)) {
				continue
			}
			key, ok := similarKey(e.Key, node.Labels)
			if !ok {
				if have, exists := node.Labels[e.Key]; exists {
					key = e.Key
					ok = slices.ContainsFunc(e.Values, func(v string) bool { return similarValue(have, v) })
				}
			}
			if !ok {
				return nearMiss{}, false
			}
			value := node.Labels[key]
			if e.Operator == metav1.LabelSelectorOpIn && !slices.Contains(e.Values, value) {
				i := slices.IndexFunc(e.Values, func(v string) bool { return similarValue(value, v) })
				if i < 0 {
					return nearMiss{}, false
				}
				value = e.Values[i]
			}
			set[e.Key] = value
			if key != e.Key {
				remove = append(remove, key)
			}
			changes = append(changes, fmt.Sprintf("label %s=%s, the selector wants %s %s %v", key, node.Labels[key], e.Key, e.Operator, e.Values))
		default:
			// NotIn/DoesNotExist are not near misses: they fail because a label exists
			if ok, _ := model.Matches(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{e}}, node.Labels, model.NilMatchesAll); !ok {
				return nearMiss{}, false
			}
		}
	}
	if len(set) == 0 {
		return nearMiss{}, false
	}
	p := fix.Label(nodeRef(node.Name), node.ResourceVersion, node.Labels, set, remove).
		With("Label node "+node.Name, strings.Join(changes, "; ")+". Selecting the node starts its BGP sessions.")
	return nearMiss{changes: changes, fix: p}, true
}

// normaliseLabel folds case and the separators people mix up.
func normaliseLabel(s string) string {
	return strings.NewReplacer("_", "-", ".", "-").Replace(strings.ToLower(s))
}

func similarKey(want string, have map[string]string) (string, bool) {
	var found []string
	for k := range have {
		if k == want {
			continue
		}
		if normaliseLabel(k) == normaliseLabel(want) || len(want) > 4 && editDistance(k, want) <= 2 {
			found = append(found, k)
		}
	}
	if len(found) != 1 {
		return "", false
	}
	return found[0], true
}

// truthy are the spellings of "yes" people put into label values.
var truthy = []string{"true", "yes", "on", "enabled", "enable", "1"}

func similarValue(have, want string) bool {
	if have == want || strings.EqualFold(strings.Trim(have, `"' `), strings.Trim(want, `"' `)) {
		return true
	}
	if slices.Contains(truthy, strings.ToLower(have)) && slices.Contains(truthy, strings.ToLower(want)) {
		return true
	}
	return len(want) > 3 && editDistance(have, want) <= 1
}

func runLabelNearMiss(in *Input) []Finding {
	var out []Finding
	for _, c := range bgpConfigs(in.S) {
		for _, m := range nearMissesFor(in, c) {
			f := Finding{
				Subject: nodeRef(m.node),
				Message: fmt.Sprintf("node %s is not selected by %s %s but nearly is: %s", m.node, c.ref.Kind, c.ref.Name, strings.Join(m.changes, "; ")),
				Evidence: []Evidence{
					ev(c.source, ref(c.ref), "spec.nodeSelector", model.SelectorString(c.selector), ""),
					ev(model.SourceNodes, ref(nodeRef(m.node)), "metadata.labels", labelString(in, m.node), model.SelectorString(c.selector)),
				},
				Fixes: []fix.Proposal{m.fix},
			}
			out = append(out, f)
		}
	}
	return out
}

func labelString(in *Input, node string) string {
	n, ok := in.Node(node)
	if !ok {
		return ""
	}
	var parts []string
	for _, k := range sortedMapKeys(n.Labels) {
		if strings.HasPrefix(k, "kubernetes.io/") || strings.HasPrefix(k, "node.kubernetes.io/") || strings.HasPrefix(k, "beta.kubernetes.io/") {
			continue
		}
		parts = append(parts, k+"="+n.Labels[k])
	}
	return strings.Join(parts, ",")
}
