// SPDX-License-Identifier: Apache-2.0

package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/collect/router"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/testenv"
)

// TestRouterIBGPSplitHorizon builds an iBGP design for real: the nodes share the lab
// router's AS and a spine (BIRD) peers iBGP behind it. Doctor, reading both routers,
// says the router does not reflect the nodes' routes (the spine holds none of them); its
// printed fix, run as printed, makes the spine learn and install them. Taking
// next-hop-self away again leaves the spine with the nodes' unreachable next hops,
// which doctor names on the spine, and whose printed fix repairs it.
func TestRouterIBGPSplitHorizon(t *testing.T) {
	if testenv.AssetsDir() == "" {
		t.Skip("integration test skipped: no test assets; run `make test`")
	}
	lab := testenv.StartLab(t, testenv.LabOptions{IBGP: true})
	routers := filepath.Join(t.TempDir(), "routers.yaml")
	spec := map[string]any{"routers": []map[string]string{
		{"name": "leaf", "kind": "frr", "cmd": strings.Join(lab.Net.RouterCommand(), " ")},
		{"name": "spine", "kind": "bird", "cmd": strings.Join(lab.Net.SpineCommand(), " ")},
	}}
	b, _ := json.Marshal(spec)
	if err := os.WriteFile(routers, b, 0o644); err != nil {
		t.Fatal(err)
	}
	doctor := func() routerDoctor {
		t.Helper()
		code, out, errOut := runCLI(t, "--kubeconfig", lab.Kubeconfig, "doctor", "-o", "json", "--fail-on", "never", "--hubble", "never", "--routers", routers)
		if code != 0 {
			t.Fatalf("doctor: %d %s", code, errOut)
		}
		var d routerDoctor
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatalf("doctor output: %v\n%s", err, out)
		}
		return d
	}
	// wait re-runs doctor until present(d) holds (at most 40 s).
	wait := func(what string, present func(d routerDoctor) bool) routerDoctor {
		t.Helper()
		deadline := time.Now().Add(40 * time.Second)
		for {
			d := doctor()
			if present(d) {
				return d
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 40s; router findings: %v", what, d.routerFindings())
			}
			time.Sleep(2 * time.Second)
		}
	}
	const id = "ibgp-split-horizon-next-hop"
	has := func(subject string) func(d routerDoctor) bool {
		return func(d routerDoctor) bool { i, _ := d.find(id, subject); return i >= 0 }
	}
	spineRoutes := func() (valid, unreachable, installed int) {
		v := router.Collect(t.Context(), "bird", "spine", router.Exec{Prefix: lab.Net.SpineCommand(), Timeout: 10 * time.Second})
		if v.Status != model.StatusOK {
			t.Fatalf("spine: %s", v.Message)
		}
		for _, r := range v.Routes {
			if r.Valid {
				valid++
			} else {
				unreachable++
			}
		}
		return valid, unreachable, len(v.FIB)
	}

	// 1. the split horizon: the leaf does not reflect, the spine learns nothing
	d := wait("split horizon finding", has("leaf"))
	i, text := d.find(id, "leaf")
	t.Logf("leaf: %s", text)
	for _, want := range []string{"not a route reflector", "192.0.2.11, 192.0.2.12", "iBGP neighbor 100.64.0.2 (spine) never receives them",
		"router spine (read too) holds 0 of the 3 cluster prefixes leaf learned from the nodes"} {
		if !strings.Contains(text, want) {
			t.Errorf("finding lacks %q:\n%s", want, text)
		}
	}
	if v, u, _ := spineRoutes(); v+u != 0 {
		t.Fatalf("spine holds %d+%d routes before the fix", v, u)
	}
	for _, f := range d.Findings {
		if f.ID == "asn-mismatch" || f.ID == "node-not-configured-on-router" {
			t.Errorf("iBGP lab misread: %s %s", f.ID, f.Message)
		}
	}
	fix := d.Findings[i].Fixes[0].Commands[0]
	if !strings.Contains(fix, "route-reflector-client") || !strings.Contains(fix, "neighbor 100.64.0.2 next-hop-self force") {
		t.Fatalf("fix: %s", fix)
	}
	runFix(t, lab, fix)
	if err := lab.Net.WaitEstablished(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	d = wait("fixed", func(d routerDoctor) bool {
		v, _, fib := spineRoutes()
		return !has("leaf")(d) && !has("spine")(d) && v == 3 && fib == 3
	})
	if rf := d.routerFindings(); len(rf) != 0 {
		t.Errorf("after the fix: %v", rf)
	}

	// 2. reflected, but with the nodes' next hops: unreachable on the spine
	vtysh(t, lab, "configure terminal", "router bgp 64513", "address-family ipv4 unicast", "no neighbor 100.64.0.2 next-hop-self force")
	d = wait("next hop finding", has("spine"))
	i, text = d.find(id, "spine")
	t.Logf("spine: %s", text)
	if !strings.Contains(text, "holds 3 cluster routes whose next hop is a node address (192.0.2.11, 192.0.2.12) it cannot reach") {
		t.Errorf("finding: %s", text)
	}
	if v, u, _ := spineRoutes(); v != 0 || u != 3 {
		t.Errorf("spine: %d valid, %d unreachable; want 0, 3", v, u)
	}
	runFix(t, lab, d.Findings[i].Fixes[0].Commands[0])
	wait("next hop fixed", func(d routerDoctor) bool {
		v, _, _ := spineRoutes()
		return !has("spine")(d) && v == 3
	})
}
