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

	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/testenv"
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
			opts := sc.opts
			opts.APIServerFlags = homelabAPIServerFlags
			env := testenv.Start(t, opts)
			for _, f := range sc.files {
				env.Seed(t, readTestdata(t, f))
			}
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
