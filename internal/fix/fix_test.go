// SPDX-License-Identifier: Apache-2.0

package fix

import (
	"strings"
	"testing"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

func TestLabel(t *testing.T) {
	p := Label(model.Ref{Kind: "Node", Name: "nuc-2"}, "42", map[string]string{"bgp-enabled": "false"},
		map[string]string{"bgp-enabled": "true"}, []string{"bgp_enabled"})
	if got, want := p.Commands[0], "kubectl label node nuc-2 bgp-enabled=true bgp_enabled- --overwrite"; got != want {
		t.Errorf("command %q, want %q", got, want)
	}
	labels := p.Patch["metadata"].(map[string]any)["labels"].(map[string]any)
	if labels["bgp-enabled"] != "true" || labels["bgp_enabled"] != nil || p.ResourceVersion != "42" || p.Kind != KindPatch {
		t.Errorf("patch %+v", p)
	}
	ns := Label(model.Ref{Kind: "Service", Namespace: "my ns", Name: "svc"}, "", nil, map[string]string{"a": "it's"}, nil)
	if got, want := ns.Commands[0], `kubectl label service svc -n 'my ns' 'a=it'\''s'`; got != want {
		t.Errorf("quoting: %q, want %q", got, want)
	}
}

func TestMergeAndJSONPatch(t *testing.T) {
	ref := model.Ref{Kind: "CiliumLoadBalancerIPPool", Name: "public"}
	p := MergePatch(ref, "7", map[string]any{"spec": map[string]any{"disabled": false}})
	if p.Commands[0] != `kubectl patch ciliumloadbalancerippool public --type=merge -p '{"spec":{"disabled":false}}'` {
		t.Errorf("merge patch command %q", p.Commands[0])
	}
	j := JSONPatch(ref, "7", JSONPatchOp{Op: "test", Path: "/spec/x", Value: false}, JSONPatchOp{Op: "add", Path: "/spec/y", Value: "v"})
	if !strings.Contains(j.Commands[0], `--type=json -p '[{"op":"test","path":"/spec/x","value":false},{"op":"add","path":"/spec/y","value":"v"}]'`) {
		t.Errorf("json patch command %q", j.Commands[0])
	}
	if !strings.Contains(j.YAML(), "op: test") {
		t.Errorf("json patch YAML %q", j.YAML())
	}
}

func TestCreate(t *testing.T) {
	p := Create(map[string]any{"apiVersion": "cilium.io/v2", "kind": "CiliumBGPPeerConfig", "metadata": map[string]any{"name": "gw"}, "spec": map[string]any{}})
	if p.Target.Kind != "CiliumBGPPeerConfig" || p.Target.Name != "gw" || p.Kind != KindCreate {
		t.Errorf("target %+v", p.Target)
	}
	if !strings.HasPrefix(p.Commands[0], "kubectl create -f - <<'EOF'\napiVersion: cilium.io/v2\n") || !strings.HasSuffix(p.Commands[0], "\nEOF") {
		t.Errorf("command %q", p.Commands[0])
	}
}

func TestHelm(t *testing.T) {
	p := Helm("cilium", true, HelmValue{Path: "bgpControlPlane.enabled", Value: true},
		HelmValue{Path: "extraConfig.enable-ipv6-ndp", Value: "true"}, HelmValue{Path: "ipv4NativeRoutingCIDR", Value: "10.42.0.0/16"},
		HelmValue{Path: "MTU", Value: 1450})
	want := "helm upgrade cilium cilium/cilium -n cilium --reuse-values --set bgpControlPlane.enabled=true " +
		"--set-string extraConfig.enable-ipv6-ndp=true --set ipv4NativeRoutingCIDR=10.42.0.0/16 --set MTU=1450"
	if p.Commands[0] != want {
		t.Errorf("helm command\n%q\nwant\n%q", p.Commands[0], want)
	}
	if p.Commands[1] != "kubectl -n cilium rollout restart daemonset/cilium deployment/cilium-operator" || p.Risk != RiskHigh {
		t.Errorf("restart: %v %s", p.Commands, p.Risk)
	}
	if y := p.YAML(); !strings.Contains(y, "bgpControlPlane:\n  enabled: true\n") || !strings.Contains(y, "enable-ipv6-ndp: \"true\"") {
		t.Errorf("values.yaml:\n%s", y)
	}
}
