// SPDX-License-Identifier: Apache-2.0

package integration

import (
	"context"
	"encoding/json"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/collect/router"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/testenv"
	"github.com/bgpnet/kubectl-bgpnet/internal/views"
)

// routerDoctor is the part of doctor's JSON these tests read.
type routerDoctor struct {
	Findings []struct {
		ID       string
		Severity string
		Subject  struct{ Kind, Name string }
		Message  string
		Details  []string
		Evidence []struct{ Source, Field, Observed string }
		Fixes    []struct{ Commands []string }
	}
	Sources []model.SourceStatus
}

// doctorWithRouter runs doctor against the lab with its router as the upstream router.
func doctorWithRouter(t *testing.T, lab *testenv.Lab) routerDoctor {
	t.Helper()
	code, out, errOut := runCLI(t, "--kubeconfig", lab.Kubeconfig, "doctor", "-o", "json", "--fail-on", "never", "--hubble", "never",
		"--router", lab.Net.Router, "--router-cmd", strings.Join(lab.Net.RouterCommand(), " "))
	if code != 0 {
		t.Fatalf("doctor: %d %s", code, errOut)
	}
	var d routerDoctor
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("doctor output: %v\n%s", err, out)
	}
	return d
}

// find returns the finding of id whose subject contains subject, and its text.
func (d routerDoctor) find(id, subject string) (int, string) {
	for i, f := range d.Findings {
		if f.ID == id && strings.Contains(f.Subject.Name, subject) {
			var ev []string
			for _, e := range f.Evidence {
				ev = append(ev, e.Source+" "+e.Field+" = "+e.Observed)
			}
			return i, f.Message + "\n" + strings.Join(f.Details, "\n") + "\n" + strings.Join(ev, "\n")
		}
	}
	return -1, ""
}

func (d routerDoctor) routerFindings() []string {
	var out []string
	for _, f := range d.Findings {
		for _, e := range f.Evidence {
			if e.Source == model.SourceRouters {
				out = append(out, f.ID+" "+f.Subject.Name+": "+f.Message)
				break
			}
		}
	}
	return out
}

// waitDoctor re-runs doctor until the finding appears (at most 40 s) and returns it.
func waitDoctor(t *testing.T, lab *testenv.Lab, id, subject string) (routerDoctor, int, string) {
	t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for {
		d := doctorWithRouter(t, lab)
		if i, text := d.find(id, subject); i >= 0 {
			return d, i, text
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s finding about %q within 40s; router findings: %v", id, subject, d.routerFindings())
		}
		time.Sleep(2 * time.Second)
	}
}

func vtysh(t *testing.T, lab *testenv.Lab, cmds ...string) {
	t.Helper()
	if out, err := lab.Net.Vtysh(cmds...); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
}

// runFix runs a fix command doctor generated for the router, exactly as written, with
// vtysh pointed at the lab's router.
func runFix(t *testing.T, lab *testenv.Lab, command string) {
	t.Helper()
	if !strings.HasPrefix(command, "vtysh ") {
		t.Fatalf("not a vtysh command: %s", command)
	}
	full := strings.Join(lab.Net.RouterCommand(), " ") + strings.TrimPrefix(command, "vtysh")
	if out, err := exec.Command("bash", "-c", full).CombinedOutput(); err != nil || strings.Contains(string(out), "% ") {
		t.Fatalf("fix %q: %v\n%s", full, err, out)
	}
}

// TestRouterFaultsFRR induces the router-side faults users hit, for real, on the lab's
// FRR router, and checks that doctor names each with the router's evidence — and that
// the fix it prints, run as printed, repairs the RFC 8212 case.
func TestRouterFaultsFRR(t *testing.T) {
	if testenv.AssetsDir() == "" {
		t.Skip("integration test skipped: no test assets; run `make test`")
	}
	lab := testenv.StartLab(t, testenv.LabOptions{})
	asn := "router bgp 64513"

	d := doctorWithRouter(t, lab)
	if rf := d.routerFindings(); len(rf) != 0 {
		t.Errorf("healthy lab, router findings: %v", rf)
	}
	for _, s := range d.Sources {
		if s.Name == model.SourceRouters && (s.Status != model.StatusOK || s.Incomplete()) {
			t.Errorf("routers source: %+v", s)
		}
	}

	t.Run("ebgp requires policy", func(t *testing.T) {
		vtysh(t, lab, "configure terminal", asn, "bgp ebgp-requires-policy")
		vtysh(t, lab, "clear bgp ipv4 unicast * soft")
		d, i, text := waitDoctor(t, lab, "frr-ebgp-requires-policy", "frr")
		if !strings.Contains(text, "192.0.2.11, 192.0.2.12") || !strings.Contains(text, "peerState = Policy") {
			t.Errorf("finding: %s", text)
		}
		// the printed fix keeps RFC 8212 on and makes FRR accept exactly the cluster's prefixes
		runFix(t, lab, d.Findings[i].Fixes[0].Commands[0])
		vtysh(t, lab, "clear bgp ipv4 unicast * soft")
		deadline := time.Now().Add(40 * time.Second)
		for {
			d := doctorWithRouter(t, lab)
			if i, _ := d.find("frr-ebgp-requires-policy", "frr"); i < 0 {
				if rf := d.routerFindings(); len(rf) != 0 {
					t.Errorf("after the fix: %v", rf)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the fix did not clear the finding")
			}
			time.Sleep(2 * time.Second)
		}
		vtysh(t, lab, "configure terminal", asn, "no bgp ebgp-requires-policy")
	})

	t.Run("node missing from the neighbor list", func(t *testing.T) {
		vtysh(t, lab, "configure terminal", asn, "no neighbor 192.0.2.12")
		_, _, text := waitDoctor(t, lab, "node-not-configured-on-router", "node2")
		if !strings.Contains(text, "router frr has no neighbor 192.0.2.12") {
			t.Errorf("finding: %s", text)
		}
		_, _, text = waitDoctor(t, lab, "session-not-established", "node2")
		if !strings.Contains(text, "router frr has no neighbor 192.0.2.12") {
			t.Errorf("session finding lacks the router's side: %s", text)
		}
		vtysh(t, lab, "configure terminal", asn, "neighbor 192.0.2.12 remote-as 64512", "neighbor 192.0.2.12 timers connect 5")
		if err := lab.Net.WaitEstablished(40*time.Second, "node2"); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("prefix list for PodCIDRs only", func(t *testing.T) {
		vtysh(t, lab, "configure terminal", "ip prefix-list PODS seq 10 permit 10.244.0.0/16 le 24", asn,
			"address-family ipv4 unicast", "neighbor 192.0.2.11 prefix-list PODS in")
		vtysh(t, lab, "clear bgp ipv4 unicast 192.0.2.11 soft in")
		_, _, text := waitDoctor(t, lab, "router-prefix-filter-or-max-prefix", "node1")
		if !strings.Contains(text, "not accepted: 198.51.100.10/32") || !strings.Contains(text, "prefix-list PODS") {
			t.Errorf("finding: %s", text)
		}
		// routes follows each prefix into the router: node1's VIP stops at the filter
		code, out, errOut := runCLI(t, "--kubeconfig", lab.Kubeconfig, "routes", "-o", "json", "--node", "node1",
			"--router", "frr", "--router-cmd", strings.Join(lab.Net.RouterCommand(), " "))
		var doc struct {
			Routes []views.RouteRow `json:"routes"`
		}
		if err := json.Unmarshal([]byte(out), &doc); code != 0 || err != nil {
			t.Fatalf("routes: %d %v %s", code, err, errOut)
		}
		stages := map[string]string{}
		for _, r := range doc.Routes {
			if r.Router != nil {
				stages[r.Prefix] = r.Router.Stage
			}
		}
		if stages["10.244.1.0/24"] != "installed" || stages["198.51.100.10/32"] != "not-accepted" {
			t.Errorf("route stages on the router: %v", stages)
		}
		vtysh(t, lab, "configure terminal", asn, "address-family ipv4 unicast", "no neighbor 192.0.2.11 prefix-list PODS in")
		vtysh(t, lab, "clear bgp ipv4 unicast 192.0.2.11 soft in")
	})

	t.Run("multipath off", func(t *testing.T) {
		vtysh(t, lab, "configure terminal", asn, "address-family ipv4 unicast", "maximum-paths 1")
		_, _, text := waitDoctor(t, lab, "ecmp-not-enabled-or-limit", "frr")
		if !strings.Contains(text, "198.51.100.10/32: 2 paths, 1 installed") {
			t.Errorf("finding: %s", text)
		}
		vtysh(t, lab, "configure terminal", asn, "address-family ipv4 unicast", "maximum-paths 8")
	})

	t.Run("router expects another ASN", func(t *testing.T) {
		if err := lab.Net.SetRouterPeerASN("node1", 64999); err != nil {
			t.Fatal(err)
		}
		_, _, text := waitDoctor(t, lab, "asn-mismatch", "node1")
		if !strings.Contains(text, "expects AS 64999") {
			t.Errorf("finding: %s", text)
		}
		if err := lab.Net.SetRouterPeerASN("node1", 64512); err != nil {
			t.Fatal(err)
		}
	})
}

// TestRouterFaultsBIRD: BIRD with RFC 8212's default (import none) keeps the sessions
// up and imports nothing; doctor says so from BIRD's own counters.
func TestRouterFaultsBIRD(t *testing.T) {
	if testenv.AssetsDir() == "" {
		t.Skip("integration test skipped: no test assets; run `make test`")
	}
	lab := testenv.StartLab(t, testenv.LabOptions{Router: "bird"})
	if rf := doctorWithRouter(t, lab).routerFindings(); len(rf) != 0 {
		t.Errorf("healthy BIRD lab, router findings: %v", rf)
	}
	if err := lab.Net.SetBirdImport("import none"); err != nil {
		t.Fatal(err)
	}
	_, _, text := waitDoctor(t, lab, "bird-or-mikrotik-default-deny-filters", "bird")
	if !strings.Contains(text, "imports nothing from 192.0.2.11") || !strings.Contains(text, "import filter REJECT") {
		t.Errorf("finding: %s", text)
	}
}

// routerPrefixes returns the prefixes the router holds from the nodes, and the next
// hops it installed for the VIP.
func routerPrefixes(t *testing.T, lab *testenv.Lab) ([]string, int) {
	t.Helper()
	v := router.Collect(context.Background(), lab.Net.Router, "tor", router.Exec{Prefix: lab.Net.RouterCommand()})
	if v.Status != model.StatusOK {
		t.Fatalf("router: %s %s", v.Status, v.Message)
	}
	set := map[string]bool{}
	for _, r := range v.Routes {
		set[r.Prefix.String()] = true
	}
	var out []string
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	vip := 0
	for _, f := range v.FIB {
		if f.Prefix.String() == lab.VIP+"/32" {
			vip = len(f.NextHops)
		}
	}
	return out, vip
}

// TestRouterConfigLoadsIntoRealRouters generates the router configuration from the
// lab's cluster, loads it into a fresh FRR and a fresh BIRD as a user would, and checks
// that the speakers establish, the cluster's prefixes are accepted and installed (the
// VIP on both next hops), and a prefix the cluster does not own is refused.
func TestRouterConfigLoadsIntoRealRouters(t *testing.T) {
	if testenv.AssetsDir() == "" {
		t.Skip("integration test skipped: no test assets; run `make test`")
	}
	for _, flavor := range router.Kinds {
		t.Run(flavor, func(t *testing.T) {
			lab := testenv.StartLab(t, testenv.LabOptions{Router: flavor})
			code, cfg, errOut := runCLI(t, "--kubeconfig", lab.Kubeconfig, "router-config", "--flavor", flavor)
			if code != 0 {
				t.Fatalf("router-config: %d %s", code, errOut)
			}
			if err := lab.Net.LoadRouterConfig(cfg); err != nil {
				t.Fatalf("%v\n%s", err, cfg)
			}
			// a prefix the cluster does not own, announced by node1's speaker
			if err := lab.Net.Announce("node1", "203.0.113.0/24"); err != nil {
				t.Fatal(err)
			}
			if err := lab.Net.WaitEstablished(60 * time.Second); err != nil {
				t.Fatalf("%v\n%s", err, cfg)
			}
			want := []string{"10.244.1.0/24", "10.244.2.0/24", "198.51.100.10/32"}
			deadline := time.Now().Add(40 * time.Second)
			for {
				got, vipHops := routerPrefixes(t, lab)
				if slices.Equal(got, want) && vipHops == 2 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("router holds %v (VIP next hops %d), want exactly %v with 2 next hops\n%s", got, vipHops, want, cfg)
				}
				time.Sleep(time.Second)
			}
			// and doctor, reading the router, finds nothing wrong on its side
			if rf := doctorWithRouter(t, lab).routerFindings(); len(rf) != 0 {
				t.Errorf("doctor with the generated configuration: %v", rf)
			}
			// with a router source, router-config prints a diff (FRR's running config)
			if flavor == "frr" {
				code, diff, errOut := runCLI(t, "--kubeconfig", lab.Kubeconfig, "router-config", "--flavor", "frr",
					"--router", "frr", "--router-cmd", strings.Join(lab.Net.RouterCommand(), " "))
				if code != 0 || !strings.HasPrefix(diff, "--- frr running-config") {
					t.Errorf("diff: %d %s\n%s", code, errOut, diff)
				}
			}
		})
	}
}
