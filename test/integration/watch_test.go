// SPDX-License-Identifier: Apache-2.0

package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/cli"
	"github.com/bgpnet/kubectl-bgpnet/internal/collect/kube"
	"github.com/bgpnet/kubectl-bgpnet/internal/testenv"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/dynamic"
)

// sessionEvents decodes the JSON lines the command has written so far.
func sessionEvents(t *testing.T, s *lockedWriter) []kube.SessionEvent {
	t.Helper()
	var out []kube.SessionEvent
	for _, line := range strings.Split(strings.TrimSpace(s.String()), "\n") {
		if line == "" {
			continue
		}
		var e kube.SessionEvent
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("watch -o json line %q: %v", line, err)
		}
		out = append(out, e)
	}
	return out
}

// TestWatchSessions runs `kubectl bgpnet watch -o json` against a real API server and
// changes CiliumBGPNodeConfig status under it: a session coming up, one re-established
// between two updates (a flap), and a node whose NodeConfig is deleted.
func TestWatchSessions(t *testing.T) {
	env := startHomelab(t, testenv.Options{Flavor: testenv.Cilium120}, readTestdata(t, "homelab-bgpv2.yaml"))
	kc := testenv.Kubeconfig(t, env.Config)
	dyn, err := dynamic.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	ncs := dyn.Resource(schema.GroupVersionResource{Group: "cilium.io", Version: "v2", Resource: "ciliumbgpnodeconfigs"})

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, errOut := &lockedWriter{}, &lockedWriter{}
	done := make(chan int, 1)
	go func() {
		done <- cli.Execute(ctx, genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: out, ErrOut: errOut}, []string{"--kubeconfig", kc, "watch", "-o", "json"})
	}()
	waitFor := func(what string, ok func([]kube.SessionEvent) bool) {
		t.Helper()
		for range 100 { // bounded: 20 s
			if ok(sessionEvents(t, out)) {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Fatalf("no %s in:\n%s\nstderr: %s", what, out.String(), errOut.String())
	}
	has := func(evs []kube.SessionEvent, node, peer string, pred func(kube.SessionEvent) bool) bool {
		for _, e := range evs {
			if e.Node == node && e.Peer == peer && pred(e) {
				return true
			}
		}
		return false
	}
	waitFor("initial state of pi-cp gw-v6", func(evs []kube.SessionEvent) bool {
		return has(evs, "pi-cp", "gw-v6", func(e kube.SessionEvent) bool { return e.Initial && e.To == "active" })
	})

	setPeer := func(node, peer string, fn func(p map[string]any)) {
		t.Helper()
		u, err := ncs.Get(ctx, node, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		insts, _, _ := unstructured.NestedSlice(u.Object, "status", "bgpInstances")
		for _, in := range insts {
			peers, _ := in.(map[string]any)["peers"].([]any)
			for _, p := range peers {
				if pm := p.(map[string]any); pm["name"] == peer {
					fn(pm)
				}
			}
		}
		if err := unstructured.SetNestedSlice(u.Object, insts, "status", "bgpInstances"); err != nil {
			t.Fatal(err)
		}
		if _, err := ncs.UpdateStatus(ctx, u, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	setPeer("pi-cp", "gw-v6", func(p map[string]any) {
		p["peeringState"], p["establishedTime"] = "established", time.Now().UTC().Format(time.RFC3339)
	})
	setPeer("nuc-1", "gw-v4", func(p map[string]any) { p["establishedTime"] = time.Now().UTC().Format(time.RFC3339) })
	if err := ncs.Delete(ctx, "nuc-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitFor("the session gone with nuc-1's NodeConfig", func(evs []kube.SessionEvent) bool {
		return has(evs, "nuc-1", "gw-v6", func(e kube.SessionEvent) bool { return e.To == "" && e.From != "" })
	})
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("watch exited %d: %s", code, errOut.String())
	}
	evs := sessionEvents(t, out)
	if !has(evs, "pi-cp", "gw-v6", func(e kube.SessionEvent) bool { return !e.Initial && e.From == "active" && e.To == "established" }) {
		t.Errorf("no active → established for pi-cp gw-v6:\n%s", out.String())
	}
	if !has(evs, "nuc-1", "gw-v4", func(e kube.SessionEvent) bool { return e.Reset && e.Down() }) {
		t.Errorf("no flap (re-established) for nuc-1 gw-v4:\n%s", out.String())
	}
	if has(evs, "pi-cp", "gw-v4", func(e kube.SessionEvent) bool { return !e.Initial }) {
		t.Errorf("an unchanged session was reported as changed:\n%s", out.String())
	}
}

// Without the BGPv2 CRDs watch says there is nothing to follow and what to use instead.
func TestWatchWithoutBGPv2(t *testing.T) {
	env := testenv.Start(t, testenv.Options{Flavor: testenv.NoCilium})
	code, _, errOut := runCLI(t, "--kubeconfig", testenv.Kubeconfig(t, env.Config), "watch", "--for", "5s")
	if code == 0 || !strings.Contains(errOut, "BGPv2 is not installed") || !strings.Contains(errOut, "peers --agents always") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
