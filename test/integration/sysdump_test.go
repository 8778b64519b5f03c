// SPDX-License-Identifier: Apache-2.0

package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/testenv"
	flowpb "github.com/cilium/cilium/api/v1/flow"
	observerpb "github.com/cilium/cilium/api/v1/observer"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// kubeProxy is a kube-proxy DaemonSet and one of its pods: a sysdump has no file for
// the DaemonSet, bgpnet sees it through the pod.
const kubeProxy = `
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: kube-proxy, namespace: kube-system, labels: {k8s-app: kube-proxy}}
spec:
  selector: {matchLabels: {k8s-app: kube-proxy}}
  template:
    metadata: {labels: {k8s-app: kube-proxy}}
    spec: {containers: [{name: kube-proxy, image: "registry.k8s.io/kube-proxy:v1.34.0"}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: kube-proxy-x7k2p
  namespace: kube-system
  labels: {k8s-app: kube-proxy}
  ownerReferences: [{apiVersion: apps/v1, kind: DaemonSet, name: kube-proxy, uid: 6f1b8f9e-0000-4000-8000-000000000001}]
spec: {containers: [{name: kube-proxy, image: "registry.k8s.io/kube-proxy:v1.34.0"}]}
`

// doctorReport is the part of `doctor -o json` compared here.
type doctorReport struct {
	Findings []checks.Finding `json:"findings"`
	Skipped  []checks.Skipped `json:"skipped"`
	Origin   string           `json:"origin"`
}

func doctorReportOf(t *testing.T, args ...string) doctorReport {
	t.Helper()
	code, out, errOut := runCLI(t, append(args, "doctor", "-o", "json", "--fail-on", "never")...)
	if code != 0 {
		t.Fatalf("doctor %v exited %d: %s", args, code, errOut)
	}
	var rep doctorReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("doctor -o json: %v", err)
	}
	return rep
}

// TestSysdumpMatchesLive seeds each scenario of the doctor suite into a real API
// server, writes a sysdump of it the way `cilium sysdump` does (the same listings and
// the same YAML printer), and checks that `doctor --from sysdump.zip` finds exactly
// what `doctor` finds live, for every check that can run on a sysdump; the checks it
// skips must say which source a sysdump lacks (L2 announcement policies).
func TestSysdumpMatchesLive(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			env := startScenario(t, sc.opts, sc.files)
			env.Seed(t, kubeProxy)
			kc := testenv.Kubeconfig(t, env.Config)
			live := doctorReportOf(t, "--kubeconfig", kc)

			files, err := testenv.Sysdump(context.Background(), env.Config, "kube-system")
			if err != nil {
				t.Fatal(err)
			}
			var zipped bytes.Buffer
			if err := testenv.WriteSysdumpZip(&zipped, files); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), "cilium-sysdump-"+testenv.SysdumpTime+".zip")
			if err := os.WriteFile(path, zipped.Bytes(), 0o600); err != nil {
				t.Fatal(err)
			}
			off := doctorReportOf(t, "--from", path)
			if off.Origin != "sysdump" {
				t.Errorf("origin %q", off.Origin)
			}

			skipped := map[string]string{}
			for _, sk := range off.Skipped {
				skipped[sk.ID] = sk.Reason
				if !slices.ContainsFunc(live.Skipped, func(l checks.Skipped) bool { return l.ID == sk.ID }) &&
					!strings.Contains(sk.Reason, "cilium sysdump does not collect") {
					t.Errorf("check %s runs live but not on the sysdump: %s", sk.ID, sk.Reason)
				}
			}
			key := func(f checks.Finding) string { return f.ID + " " + f.Subject.String() + ": " + f.Message }
			var want, got []string
			for _, f := range live.Findings {
				// Hubble is read live only: offline there is no relay to be unavailable
				if _, ok := skipped[f.ID]; !ok && f.ID != "hubble-relay-unavailable" {
					want = append(want, key(f))
				}
			}
			for _, f := range off.Findings {
				got = append(got, key(f))
			}
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(want, got) {
				t.Errorf("findings differ\nlive:\n  %s\nsysdump:\n  %s", strings.Join(want, "\n  "), strings.Join(got, "\n  "))
			}
			if !slices.ContainsFunc(off.Findings, func(f checks.Finding) bool { return f.ID == "kube-proxy-coexistence" }) &&
				slices.ContainsFunc(live.Findings, func(f checks.Finding) bool { return f.ID == "kube-proxy-coexistence" }) {
				t.Error("kube-proxy was not seen through its pod")
			}
		})
	}
}

// TestSysdumpHubbleDrops adds the Hubble flow files a sysdump takes from each agent
// (`hubble observe -o jsonpb`) to a sysdump of the healthy scenario: the drops towards
// a VIP are reported by doctor offline, the other flows are not.
func TestSysdumpHubbleDrops(t *testing.T) {
	env := startScenario(t, testenv.Options{Flavor: testenv.Cilium120}, []string{"scenarios/common.yaml", "scenarios/healthy.yaml"})
	files, err := testenv.Sysdump(context.Background(), env.Config, "kube-system")
	if err != nil {
		t.Fatal(err)
	}
	kc := testenv.Kubeconfig(t, env.Config)
	snap := snapshotJSON(t, kc)
	var vip string
	for _, svc := range snap.Services {
		if len(svc.Ingress) > 0 && vip == "" {
			vip = svc.Ingress[0].IP
		}
	}
	if vip == "" {
		t.Fatal("the healthy scenario has no VIP")
	}
	var lines bytes.Buffer
	for i, f := range []*flowpb.Flow{
		{Verdict: flowpb.Verdict_DROPPED, DropReasonDesc: flowpb.DropReason_SERVICE_BACKEND_NOT_FOUND, NodeName: "node1",
			IP: &flowpb.IP{Source: "203.0.113.9", Destination: vip}, L4: &flowpb.Layer4{Protocol: &flowpb.Layer4_TCP{TCP: &flowpb.TCP{SourcePort: 41000, DestinationPort: 8443}}}},
		{Verdict: flowpb.Verdict_FORWARDED, NodeName: "node1",
			IP: &flowpb.IP{Source: "203.0.113.9", Destination: vip}, L4: &flowpb.Layer4{Protocol: &flowpb.Layer4_TCP{TCP: &flowpb.TCP{SourcePort: 41001, DestinationPort: 443}}}},
	} {
		f.Time = timestamppb.New(time.Date(2026, 11, 22, 10, 14, i, 0, time.UTC))
		line, err := protojson.Marshal(&observerpb.GetFlowsResponse{NodeName: "node1", Time: f.Time, ResponseTypes: &observerpb.GetFlowsResponse_Flow{Flow: f}})
		if err != nil {
			t.Fatal(err)
		}
		lines.Write(append(line, '\n'))
	}
	files["hubble-flows-cilium-x1y2z-"+testenv.SysdumpTime+".json"] = lines.Bytes()
	var zipped bytes.Buffer
	if err := testenv.WriteSysdumpZip(&zipped, files); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "sysdump.zip")
	if err := os.WriteFile(path, zipped.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	rep := doctorReportOf(t, "--from", path)
	var drops []checks.Finding
	for _, f := range rep.Findings {
		if f.ID == "hubble-drop-summary" {
			drops = append(drops, f)
		}
	}
	if len(drops) != 1 || !strings.Contains(drops[0].Message+strings.Join(drops[0].Details, " "), "SERVICE_BACKEND_NOT_FOUND") {
		t.Errorf("want one hubble-drop-summary naming the reason, got %+v", drops)
	}
	if slices.ContainsFunc(rep.Skipped, func(s checks.Skipped) bool { return s.ID == "hubble-drop-summary" }) {
		t.Error("the drop check was skipped although the sysdump has flows")
	}
}
