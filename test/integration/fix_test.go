// SPDX-License-Identifier: Apache-2.0

package integration

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/cli"
	"github.com/bgpnet/kubectl-bgpnet/internal/fix"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/testenv"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/restmapper"
)

// fixable is the healthy scenario broken five ways, one per kind of fix: node-b's label
// has a value typo (label a node), the advertisement's label no longer matches the
// PeerConfig (label it back), tor-v6 lost its peerConfigRef (JSON patch adding it),
// tor-v4 references a PeerConfig that does not exist (create it), and a second pool
// overlaps the first (split it).
func fixable(t *testing.T) string {
	base := readTestdata(t, "scenarios/healthy.yaml")
	for _, r := range [][2]string{
		{"metadata: {name: node-b, labels: {bgp: enabled}}", "metadata: {name: node-b, labels: {bgp: Enabled}}"},
		{"metadata: {name: everything, labels: {advertise: bgp}}", "metadata: {name: everything, labels: {advertise: bgp4}}"},
		{`- {name: tor-v6, peerAddress: "fd00:10::1", peerASN: 65000, peerConfigRef: {name: tor}}`, `- {name: tor-v6, peerAddress: "fd00:10::1", peerASN: 65000}`},
		{"- {name: tor-v4, peerAddress: 10.0.0.1, peerASN: 65000, peerConfigRef: {name: tor}}", "- {name: tor-v4, peerAddress: 10.0.0.1, peerASN: 65000, peerConfigRef: {name: edge-routers}}"},
	} {
		if !strings.Contains(base, r[0]) {
			t.Fatalf("healthy.yaml no longer has %q", r[0])
		}
		base = strings.Replace(base, r[0], r[1], 1)
	}
	return base + `---
apiVersion: cilium.io/v2
kind: CiliumLoadBalancerIPPool
metadata: {name: extra}
spec:
  blocks: [{start: 198.51.100.250, stop: 198.51.101.9}]
`
}

// fixIDs are the checks the fixable scenario breaks.
var fixIDs = []string{"node-label-near-miss", "advert-label-selector-mismatch", "peerconfig-missing-or-no-advertisements", "lbipam-pool-conflict"}

// onRead runs fn the first time the reader is read (the confirmation prompt), then
// answers "y".
type onRead struct {
	once sync.Once
	fn   func()
	r    io.Reader
}

func (o *onRead) Read(p []byte) (int, error) {
	o.once.Do(o.fn)
	return o.r.Read(p)
}

func runFixCmd(t *testing.T, kubeconfig string, in io.Reader, args ...string) (int, string) {
	t.Helper()
	var out, errOut strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := cli.Execute(ctx, genericiooptions.IOStreams{In: in, Out: &out, ErrOut: &errOut},
		append([]string{"--kubeconfig", kubeconfig, "fix", "--hubble", "never", "--agents", "never"}, args...))
	return code, out.String() + errOut.String()
}

// TestFixApply repairs the fixable scenario with `fix --apply` against the real API
// server: refused while someone edits the object after the dry-run, refused for a
// user who may not patch, nothing applied when the dry-run fails, and then every
// fix applied with its finding gone.
func TestFixApply(t *testing.T) {
	if testenv.AssetsDir() == "" {
		t.Skip("integration test skipped: no test assets; run `make test`")
	}
	env := testenv.Start(t, testenv.Options{Flavor: testenv.Cilium120})
	env.Seed(t, readTestdata(t, "scenarios/common.yaml"))
	env.Seed(t, fixable(t))
	kc := testenv.Kubeconfig(t, env.Config)
	core := kubernetes.NewForConfigOrDie(env.Config)
	ctx := t.Context()

	d := doctorJSON(t, kc)
	for _, id := range fixIDs {
		if !d.has(id) {
			t.Fatalf("the scenario lacks %s: %v", id, d.ids())
		}
	}

	t.Run("someone edits the node after the dry-run", func(t *testing.T) {
		in := &onRead{r: strings.NewReader("y\n"), fn: func() {
			n, err := core.CoreV1().Nodes().Get(ctx, "node-b", metav1.GetOptions{})
			if err == nil {
				n.Labels["team"] = "net"
				_, err = core.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{})
			}
			if err != nil {
				t.Error(err)
			}
		}}
		code, out := runFixCmd(t, kc, in, "node-label-near-miss", "--apply")
		if code != 1 || !strings.Contains(out, "refused") || !strings.Contains(out, "changed since the snapshot") {
			t.Errorf("exit %d:\n%s", code, out)
		}
		n, _ := core.CoreV1().Nodes().Get(ctx, "node-b", metav1.GetOptions{})
		if n.Labels["bgp"] != "Enabled" || n.Labels["team"] != "net" {
			t.Errorf("node-b labels after a refused apply: %v", n.Labels)
		}
	})

	t.Run("a user who may not patch", func(t *testing.T) {
		admin := core.RbacV1()
		if _, err := admin.ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "bgpnet-reader"},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"get", "list", "watch"}}}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := admin.ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "bgpnet-reader"},
			Subjects: []rbacv1.Subject{{Kind: "User", Name: "reader", APIGroup: "rbac.authorization.k8s.io"}},
			RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "bgpnet-reader"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		code, out := runFixCmd(t, testenv.Kubeconfig(t, env.User(t, "reader")), strings.NewReader(""), "node-label-near-miss", "--apply", "--yes")
		if code != 1 || !strings.Contains(out, "forbidden") || !strings.Contains(out, `cannot patch resource "nodes"`) {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})

	t.Run("a dry-run the server rejects applies nothing", func(t *testing.T) {
		pool, err := dynamic.NewForConfigOrDie(env.Config).Resource(poolGVR).Get(ctx, "vips", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ap := fix.Applier{Dyn: dynamic.NewForConfigOrDie(env.Config), Mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(core.Discovery()))}
		bad := fix.MergePatch(model.Ref{Kind: model.KindLBPool, APIVersion: "cilium.io/v2", Name: "vips"}, pool.GetResourceVersion(),
			map[string]any{"spec": map[string]any{"blocks": "not a list"}})
		if _, err := ap.Plan(ctx, bad); err == nil || !strings.Contains(err.Error(), "dry-run patch CiliumLoadBalancerIPPool vips") {
			t.Errorf("plan of an invalid patch: %v", err)
		}
		after, _ := dynamic.NewForConfigOrDie(env.Config).Resource(poolGVR).Get(ctx, "vips", metav1.GetOptions{})
		if after.GetResourceVersion() != pool.GetResourceVersion() {
			t.Error("the pool changed")
		}
	})

	t.Run("everything", func(t *testing.T) {
		code, out := runFixCmd(t, kc, strings.NewReader(""), "--all", "--apply", "--yes")
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		for _, want := range []string{"fixed: node-label-near-miss Node/node-b is gone", "fixed: advert-label-selector-mismatch",
			"fixed: peerconfig-missing-or-no-advertisements CiliumBGPClusterConfig/tor is gone", "fixed: lbipam-pool-conflict", "field manager kubectl-bgpnet"} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		d := doctorJSON(t, kc)
		for _, id := range fixIDs {
			if d.has(id) {
				t.Errorf("%s still found after fix --all --apply", id)
			}
		}
		pc, err := dynamic.NewForConfigOrDie(env.Config).Resource(peerConfigGVR).Get(ctx, "edge-routers", metav1.GetOptions{})
		if err != nil {
			t.Fatalf("the missing PeerConfig was not created: %v", err)
		}
		if m := pc.GetManagedFields(); len(m) == 0 || m[0].Manager != fix.FieldManager {
			t.Errorf("managed fields: %+v", m)
		}
	})

	t.Run("a missing advertisement is created", func(t *testing.T) {
		advs := dynamic.NewForConfigOrDie(env.Config).Resource(schema.GroupVersionResource{Group: "cilium.io", Version: "v2", Resource: "ciliumbgpadvertisements"})
		if err := advs.Delete(ctx, "everything", metav1.DeleteOptions{}); err != nil { // the test deletes; bgpnet never does
			t.Fatal(err)
		}
		code, out := runFixCmd(t, kc, strings.NewReader(""), "advert-label-selector-mismatch", "--apply", "--yes")
		if code != 0 || !strings.Contains(out, "Create CiliumBGPAdvertisement bgp-advertisements") || !strings.Contains(out, "fixed: advert-label-selector-mismatch") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		adv, err := advs.Get(ctx, "bgp-advertisements", metav1.GetOptions{})
		if err != nil || adv.GetLabels()["advertise"] != "bgp" {
			t.Errorf("created advertisement: %v %v", adv, err)
		}
		if doctorJSON(t, kc).has("advert-label-selector-mismatch") {
			t.Error("still found")
		}
	})
}

var (
	poolGVR       = schema.GroupVersionResource{Group: "cilium.io", Version: "v2", Resource: "ciliumloadbalancerippools"}
	peerConfigGVR = schema.GroupVersionResource{Group: "cilium.io", Version: "v2", Resource: "ciliumbgppeerconfigs"}
)

// doctorFindings is doctor's JSON, reduced to the finding IDs.
type doctorFindings struct {
	Findings []struct{ ID string }
}

func (d doctorFindings) has(id string) bool {
	for _, f := range d.Findings {
		if f.ID == id {
			return true
		}
	}
	return false
}

func (d doctorFindings) ids() []string {
	var out []string
	for _, f := range d.Findings {
		out = append(out, f.ID)
	}
	return out
}

func doctorJSON(t *testing.T, kubeconfig string) doctorFindings {
	t.Helper()
	_, out, errOut := runCLI(t, "--kubeconfig", kubeconfig, "doctor", "-o", "json", "--fail-on", "never", "--hubble", "never", "--agents", "never")
	var d doctorFindings
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("doctor: %v\n%s%s", err, out, errOut)
	}
	return d
}
