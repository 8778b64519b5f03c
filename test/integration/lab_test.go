// SPDX-License-Identifier: Apache-2.0

package integration

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/testenv"
	"github.com/bgpnet/kubectl-bgpnet/internal/views"
)

// labCLI runs bgpnet against the lab and decodes its JSON output into v.
func labCLI(t *testing.T, lab *testenv.Lab, v any, args ...string) {
	t.Helper()
	code, out, errOut := runCLI(t, append([]string{"--kubeconfig", lab.Kubeconfig}, args...)...)
	if code != 0 {
		t.Fatalf("%v exited %d: %s", args, code, errOut)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%v: decode: %v\n%s", args, err, out)
	}
}

type labPeers struct {
	Peers   []views.PeerRow      `json:"peers"`
	Sources []model.SourceStatus `json:"sources"`
}

type labDoctor struct {
	Findings []struct {
		ID       string
		Severity string
		Subject  struct{ Kind, Namespace, Name string }
		Message  string
		Details  []string
		Evidence []struct{ Source, Field, Observed string }
	}
	Sources []model.SourceStatus
}

func (d labDoctor) find(id, subjectName string) (string, bool) {
	for _, f := range d.Findings {
		if f.ID == id && (subjectName == "" || strings.Contains(f.Subject.Name, subjectName)) {
			return f.Severity + ": " + f.Message + " " + strings.Join(f.Details, " "), true
		}
	}
	return "", false
}

func (d labDoctor) ids() []string {
	var out []string
	for _, f := range d.Findings {
		out = append(out, f.ID+" "+f.Subject.Name)
	}
	return out
}

func peerState(ps labPeers, node string) views.PeerRow {
	for _, p := range ps.Peers {
		if p.Node == node {
			return p
		}
	}
	return views.PeerRow{}
}

// waitPeers re-reads peers until cond holds (the next "refresh"), at most 40 s.
func waitPeers(t *testing.T, lab *testenv.Lab, what string, cond func(labPeers) bool) labPeers {
	t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for {
		var ps labPeers
		labCLI(t, lab, &ps, "peers", "-o", "json")
		if cond(ps) {
			return ps
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not seen within 40s; last peers: %+v", what, ps)
		}
		time.Sleep(time.Second)
	}
}

// TestLiveLab runs the commands against the live lab — real GoBGP speakers peering with
// a real FRR router, seen through kwok agent pods — then breaks it the ways users do
// and checks that peers and doctor see each break on the next read.
func TestLiveLab(t *testing.T) {
	if testenv.AssetsDir() == "" {
		t.Skip("integration test skipped: no kube-apiserver/etcd assets; run `make test`")
	}
	lab := testenv.StartLab(t, testenv.LabOptions{})

	// peers: both sessions live, from the agents, named after the configuration
	var ps labPeers
	labCLI(t, lab, &ps, "peers", "-o", "json")
	if len(ps.Peers) != 2 {
		t.Fatalf("peers: %+v", ps)
	}
	for _, p := range ps.Peers {
		if p.State != "established" || p.Source != views.FromAgent || p.Instance != "lab" || p.Peer != "tor" ||
			p.LocalASN != 64512 || p.PeerASN != 64513 || len(p.Families) != 1 || p.Families[0].Advertised != 2 {
			t.Errorf("peer row: %+v", p)
		}
	}

	// routes: what the speakers really advertise, with provenance and decoded next hops
	var rs struct {
		Routes []views.RouteRow `json:"routes"`
	}
	labCLI(t, lab, &rs, "routes", "-o", "json")
	want := map[string]string{
		"node1 10.244.1.0/24 192.0.2.11":    "PodCIDR of node1",
		"node1 198.51.100.10/32 192.0.2.11": "Service web/frontend (LoadBalancerIP, pool lab-vips, adv lab)",
		"node2 10.244.2.0/24 192.0.2.12":    "PodCIDR of node2",
		"node2 198.51.100.10/32 192.0.2.12": "Service web/frontend (LoadBalancerIP, pool lab-vips, adv lab)",
	}
	got := map[string]string{}
	for _, r := range rs.Routes {
		got[fmt.Sprintf("%s %s %s", r.Node, r.Prefix, strings.Join(r.NextHops, ","))] = r.Provenance.String()
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("routes:\n got %v\nwant %v", got, want)
	}
	labCLI(t, lab, &rs, "routes", "-o", "json", "--node", "node2", "--service", "web/frontend")
	if len(rs.Routes) != 1 || rs.Routes[0].Prefix != "198.51.100.10/32" {
		t.Errorf("routes --node node2 --service web/frontend: %+v", rs.Routes)
	}

	// flows: the recorded traffic to the VIP, through the hubble-relay port-forward
	var flows []model.Flow
	for deadline := time.Now().Add(30 * time.Second); ; {
		code, out, errOut := runCLI(t, "--kubeconfig", lab.Kubeconfig, "flows", "web/frontend", "-o", "json", "--last", "0")
		flows = nil
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var f model.Flow
			if json.Unmarshal([]byte(line), &f) == nil {
				flows = append(flows, f)
			}
		}
		if code == 0 && len(flows) > 0 || time.Now().After(deadline) {
			if code != 0 {
				t.Fatalf("flows: %d %s", code, errOut)
			}
			break
		}
		time.Sleep(500 * time.Millisecond) // kwok picks the PortForward up asynchronously
	}
	var verdicts []string
	for _, f := range flows {
		verdicts = append(verdicts, f.Verdict+"/"+f.DropReason)
	}
	if len(flows) != 5 || !strings.Contains(strings.Join(verdicts, " "), "DROPPED/SERVICE_BACKEND_NOT_FOUND") {
		t.Errorf("flows web/frontend: %v", verdicts)
	}

	// doctor on the healthy lab: no session or advertisement finding, every source read
	var doc labDoctor
	labCLI(t, lab, &doc, "doctor", "-o", "json", "--fail-on", "never")
	for _, id := range []string{"session-not-established", "advertisement-mismatch", "address-family-not-negotiated"} {
		if msg, ok := doc.find(id, ""); ok {
			t.Errorf("healthy lab: %s: %s", id, msg)
		}
	}
	if _, ok := doc.find("drop-policy-denied", "frontend"); !ok {
		t.Errorf("healthy lab: the recorded policy drop is not reported: %v", doc.ids())
	}
	for _, s := range doc.Sources {
		if s.Incomplete() {
			t.Errorf("healthy lab: source %s %s: %s", s.Name, s.Display(), s.Message)
		}
	}

	t.Run("withdrawn VIP", func(t *testing.T) {
		if err := lab.Net.Withdraw("node2", lab.VIP+"/32"); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if err := lab.Net.Announce("node2", lab.VIP+"/32"); err != nil {
				t.Fatal(err)
			}
		}()
		var doc labDoctor
		labCLI(t, lab, &doc, "doctor", "-o", "json", "--fail-on", "never")
		msg, ok := doc.find("advertisement-mismatch", "tor")
		if !ok || !strings.Contains(msg, "node node2 should advertise 1 prefix") || !strings.Contains(msg, "198.51.100.10/32") {
			t.Errorf("advertisement-mismatch: %q (findings %v)", msg, doc.ids())
		}
	})

	t.Run("speaker stopped", func(t *testing.T) {
		if err := lab.Net.StopSpeaker("node2"); err != nil {
			t.Fatal(err)
		}
		ps := waitPeers(t, lab, "node2 down", func(ps labPeers) bool { return peerState(ps, "node2").State != "established" })
		if r := peerState(ps, "node2"); r.State != "unknown" || r.Source != views.FromConfig {
			t.Errorf("node2 after its speaker stopped: %+v", r)
		}
		if r := peerState(ps, "node1"); r.State != "established" {
			t.Errorf("node1 should be unaffected: %+v", r)
		}
		var doc labDoctor
		labCLI(t, lab, &doc, "doctor", "-o", "json", "--fail-on", "never")
		msg, ok := doc.find("session-not-established", "tor")
		if !ok || !strings.HasPrefix(msg, "warning: the state of session tor of node node2") || !strings.Contains(msg, "the agent did not answer") {
			t.Errorf("session-not-established: %q", msg)
		}
		incomplete := false
		for _, s := range doc.Sources {
			incomplete = incomplete || s.Name == model.SourceAgents && s.Failed == 1
		}
		if !incomplete {
			t.Errorf("doctor sources do not say the agents were read partially: %+v", doc.Sources)
		}
		up, err := lab.Net.Established()
		if err != nil || up["node2"] {
			t.Errorf("the router still sees node2: %v %v", up, err)
		}
		if err := lab.Net.StartSpeaker("node2"); err != nil {
			t.Fatal(err)
		}
		waitPeers(t, lab, "node2 back", func(ps labPeers) bool { return peerState(ps, "node2").State == "established" })
	})

	t.Run("router expects another ASN", func(t *testing.T) {
		if err := lab.Net.SetRouterPeerASN("node1", 64999); err != nil {
			t.Fatal(err)
		}
		ps := waitPeers(t, lab, "node1 down", func(ps labPeers) bool { return peerState(ps, "node1").State != "established" })
		if r := peerState(ps, "node1"); r.Source != views.FromAgent {
			t.Errorf("node1 state should come from its agent: %+v", r)
		}
		var doc labDoctor
		labCLI(t, lab, &doc, "doctor", "-o", "json", "--fail-on", "never")
		found := false
		for _, f := range doc.Findings {
			if f.ID == "session-not-established" && f.Severity == "error" && strings.Contains(f.Message, "node node1") {
				found = len(f.Evidence) > 0 && f.Evidence[0].Source == model.SourceAgents
			}
		}
		if !found {
			t.Errorf("no session-not-established error for node1 from the agent: %v", doc.ids())
		}
		if err := lab.Net.SetRouterPeerASN("node1", 64512); err != nil {
			t.Fatal(err)
		}
		waitPeers(t, lab, "node1 back", func(ps labPeers) bool { return peerState(ps, "node1").State == "established" })
	})
}
