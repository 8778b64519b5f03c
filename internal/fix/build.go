// SPDX-License-Identifier: Apache-2.0

package fix

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/safe"
	"sigs.k8s.io/yaml"
)

// resourceName is how kubectl names a kind on the command line.
func resourceName(kind string) string { return strings.ToLower(kind) }

// nsFlag renders "-n ns " for namespaced objects.
func nsFlag(ref model.Ref) string {
	if ref.Namespace == "" {
		return ""
	}
	return " -n " + shellQuote(ref.Namespace)
}

// shellQuote is safe.Quote: every value from the cluster reaches a command through it.
func shellQuote(s string) string { return safe.Quote(s) }

// Label sets (and removes) labels on an object: a merge patch of metadata.labels
// rendered as `kubectl label`. current holds the object's labels, to add --overwrite
// only when a label changes value.
func Label(target model.Ref, resourceVersion string, current, set map[string]string, remove []string) Proposal {
	labels := map[string]any{}
	args := []string{"kubectl label " + resourceName(target.Kind) + " " + shellQuote(target.Name) + nsFlag(target)}
	overwrite := false
	for _, k := range sortedKeys(set) {
		labels[k] = set[k]
		args = append(args, shellQuote(k+"="+set[k]))
		if v, ok := current[k]; ok && v != set[k] {
			overwrite = true
		}
	}
	for _, k := range remove {
		labels[k] = nil
		args = append(args, shellQuote(k+"-"))
	}
	if overwrite {
		args = append(args, "--overwrite")
	}
	return Proposal{
		Kind: KindPatch, Target: &target, ResourceVersion: resourceVersion, Risk: RiskLow,
		Patch:    map[string]any{"metadata": map[string]any{"labels": labels}},
		Commands: []string{strings.Join(args, " ")},
	}
}

// MergePatch changes fields of an existing object with a JSON merge patch.
func MergePatch(target model.Ref, resourceVersion string, patch map[string]any) Proposal {
	b, err := safe.JSON(patch)
	if err != nil {
		b = []byte("{}") // unreachable for the maps checks build
	}
	return Proposal{
		Kind: KindPatch, Target: &target, ResourceVersion: resourceVersion, Risk: RiskLow, Patch: patch,
		Commands: []string{fmt.Sprintf("kubectl patch %s %s%s --type=merge -p %s",
			resourceName(target.Kind), shellQuote(target.Name), nsFlag(target), shellQuote(string(b)))},
	}
}

// JSONPatch edits an existing object with RFC 6902 operations; include "test"
// operations so the patch fails instead of editing the wrong list item.
func JSONPatch(target model.Ref, resourceVersion string, ops ...JSONPatchOp) Proposal {
	b, err := safe.JSON(ops)
	if err != nil {
		b = []byte("[]")
	}
	return Proposal{
		Kind: KindJSONPatch, Target: &target, ResourceVersion: resourceVersion, Risk: RiskLow, JSONPatch: ops,
		Commands: []string{fmt.Sprintf("kubectl patch %s %s%s --type=json -p %s",
			resourceName(target.Kind), shellQuote(target.Name), nsFlag(target), shellQuote(string(b)))},
	}
}

// Create proposes a new object from a complete manifest (apiVersion, kind, metadata, spec).
func Create(obj map[string]any) Proposal {
	ref := model.Ref{}
	ref.APIVersion, _ = obj["apiVersion"].(string)
	ref.Kind, _ = obj["kind"].(string)
	if md, ok := obj["metadata"].(map[string]any); ok {
		ref.Name, _ = md["name"].(string)
		ref.Namespace, _ = md["namespace"].(string)
	}
	return Proposal{
		Kind: KindCreate, Target: &ref, Risk: RiskLow, Object: obj,
		Commands: []string{hereDoc("kubectl create -f -", strings.TrimRight(mustYAML(obj), "\n"))},
	}
}

// hereDoc feeds body to cmd through a quoted here-document (no expansion inside) whose
// delimiter is a line that does not occur in body, so the body cannot end it early.
func hereDoc(cmd, body string) string {
	delim := "EOF"
	for i := 1; slices.Contains(strings.Split(body, "\n"), delim); i++ {
		delim = fmt.Sprintf("EOF%d", i)
	}
	return cmd + " <<'" + delim + "'\n" + body + "\n" + delim
}

// Helm changes values of the Cilium Helm release in namespace ns. restart adds the
// rollout restarts most cilium-config changes need to take effect.
func Helm(ns string, restart bool, values ...HelmValue) Proposal {
	cmd := "helm upgrade cilium cilium/cilium -n " + shellQuote(ns) + " --reuse-values"
	for _, f := range HelmSetFlags(values) {
		cmd += " " + f
	}
	cmds := []string{cmd}
	risk := RiskMedium
	if restart {
		cmds = append(cmds, "kubectl -n "+shellQuote(ns)+" rollout restart daemonset/cilium deployment/cilium-operator")
		risk = RiskHigh
	}
	return Proposal{Kind: KindHelm, Risk: risk, Helm: values, Commands: cmds}
}

// Command is a step to run by hand.
func Command(risk Risk, cmds ...string) Proposal {
	return Proposal{Kind: KindCommand, Risk: risk, Commands: cmds}
}

// With sets the title and explanation of a proposal.
func (p Proposal) With(title, explanation string) Proposal {
	p.Title, p.Explanation = title, explanation
	return p
}

// WithRisk overrides the risk of a proposal.
func (p Proposal) WithRisk(r Risk) Proposal {
	p.Risk = r
	return p
}

// HelmSetFlags renders values as --set flags; strings that YAML would read as another
// type ("true", "1500") use --set-string so cilium-config gets the string.
func HelmSetFlags(values []HelmValue) []string {
	var out []string
	for _, v := range values {
		flag := "--set"
		s := fmt.Sprint(v.Value)
		if str, ok := v.Value.(string); ok {
			var probe any
			if yaml.Unmarshal([]byte(str), &probe) != nil || fmt.Sprint(probe) != str || isNonString(probe) {
				flag = "--set-string"
			}
		}
		out = append(out, flag+" "+shellQuote(v.Path+"="+s))
	}
	return out
}

func isNonString(v any) bool {
	_, isStr := v.(string)
	return v != nil && !isStr
}

// HelmValuesYAML renders values as a values.yaml fragment.
func HelmValuesYAML(values []HelmValue) string {
	root := map[string]any{}
	for _, v := range values {
		parts := strings.Split(v.Path, ".")
		m := root
		for _, p := range parts[:len(parts)-1] {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		m[parts[len(parts)-1]] = v.Value
	}
	return mustYAML(root)
}

// YAML renders the data of a proposal: the object to create, the merge patch, or the
// Helm values fragment; "" for plain commands.
func (p Proposal) YAML() string {
	switch p.Kind {
	case KindCreate:
		return mustYAML(p.Object)
	case KindPatch:
		return mustYAML(p.Patch)
	case KindJSONPatch:
		return mustYAML(p.JSONPatch)
	case KindHelm:
		return HelmValuesYAML(p.Helm)
	}
	return ""
}

// mustYAML renders v with safe.YAML: strings that are not plain words are quoted so
// the document is also inert in a shell.
func mustYAML(v any) string {
	b, err := safe.YAML(v)
	if err != nil {
		return fmt.Sprintf("# cannot render: %v\n", err) // unreachable for plain maps
	}
	return string(b)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
