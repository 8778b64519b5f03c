// SPDX-License-Identifier: Apache-2.0

package integration

import (
	"errors"
	"strings"
	"testing"

	"github.com/bgpnet/kubectl-bgpnet/internal/fix"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/testenv"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/restmapper"
)

// The TUI's "a" on a finding: the fix sent to a real API server with dryRun=All shows
// the diff and changes nothing; an object changed since the snapshot is refused.
func TestFixDryRun(t *testing.T) {
	if testenv.AssetsDir() == "" {
		t.Skip("integration test skipped: no test assets; run `make test`")
	}
	env := testenv.Start(t, testenv.Options{Flavor: testenv.Cilium120})
	env.Seed(t, `
apiVersion: v1
kind: Node
metadata: {name: nuc-2, labels: {bgp_enabled: "true"}}
`)
	core := kubernetes.NewForConfigOrDie(env.Config)
	dyn := dynamic.NewForConfigOrDie(env.Config)
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(core.Discovery()))
	node, err := core.CoreV1().Nodes().Get(t.Context(), "nuc-2", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ref := model.Ref{Kind: "Node", APIVersion: "v1", Name: "nuc-2"}
	p := fix.Label(ref, node.ResourceVersion, node.Labels, map[string]string{"bgp-enabled": "true"}, []string{"bgp_enabled"})
	diff, err := fix.DryRun(t.Context(), dyn, mapper, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"+    bgp-enabled: \"true\"", "-    bgp_enabled: \"true\"", "Node nuc-2 (now)"} {
		if !strings.Contains(diff, want) {
			t.Errorf("diff lacks %q:\n%s", want, diff)
		}
	}
	after, _ := core.CoreV1().Nodes().Get(t.Context(), "nuc-2", metav1.GetOptions{})
	if after.ResourceVersion != node.ResourceVersion || after.Labels["bgp_enabled"] != "true" || after.Labels["bgp-enabled"] != "" {
		t.Errorf("the dry-run changed the node: %v (rv %s → %s)", after.Labels, node.ResourceVersion, after.ResourceVersion)
	}

	// the node changes after the snapshot: refused, naming it
	node.Labels["other"] = "x"
	if _, err := core.CoreV1().Nodes().Update(t.Context(), node, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = fix.DryRun(t.Context(), dyn, mapper, p)
	if !errors.Is(err, fix.ErrConflict) || !strings.Contains(err.Error(), "Node nuc-2") {
		t.Errorf("stale proposal: %v", err)
	}

	// a create of something that exists is refused; a command fix is not a Kubernetes change
	c := fix.Create(map[string]any{"apiVersion": "v1", "kind": "Node", "metadata": map[string]any{"name": "nuc-2"}})
	if _, err := fix.DryRun(t.Context(), dyn, mapper, c); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("create existing: %v", err)
	}
	if _, err := fix.DryRun(t.Context(), dyn, mapper, fix.Command(fix.RiskLow, "vtysh -c x")); err == nil {
		t.Error("a command fix was dry-run")
	}
}
