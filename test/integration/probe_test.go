// SPDX-License-Identifier: Apache-2.0

package integration

import (
	"encoding/json"
	"net/netip"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bgpnet/kubectl-bgpnet/internal/probe"
	"github.com/bgpnet/kubectl-bgpnet/internal/testenv"
)

// TestProbe saves the lab's snapshot, then runs the real binary inside a client
// namespace: `probe web/frontend --from snapshot` resolves the VIP, its port and a
// backend, finds the VIP serving TCP 80 while ignoring ping (as a Cilium VIP does) and
// the path MTU to the backend limited to 1400 by the link in front of it.
func TestProbe(t *testing.T) {
	if testenv.AssetsDir() == "" {
		t.Skip("integration test skipped: no test assets; run `make test`")
	}
	lab := testenv.StartLab(t, testenv.LabOptions{})
	snap := filepath.Join(t.TempDir(), "lab.json")
	if code, _, errOut := runCLI(t, "--kubeconfig", lab.Kubeconfig, "snapshot", "--output-file", snap); code != 0 {
		t.Fatalf("snapshot: %s", errOut)
	}
	bin := filepath.Join(t.TempDir(), "kubectl-bgpnet")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/bgpnet/kubectl-bgpnet/cmd/kubectl-bgpnet").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	pn := testenv.StartProbeNet(t, netip.MustParseAddr(lab.VIP), netip.MustParseAddr("10.244.1.20"), 80, 1400)

	out, err := exec.Command("ip", "netns", "exec", pn.Client, bin, "probe", "web/frontend", "--from", snap, "--yes", "-o", "json",
		"--count", "2", "--probe-timeout", "1s").Output()
	if err != nil {
		t.Fatalf("probe: %v\n%s", err, out)
	}
	var doc struct {
		Targets []probe.Result     `json:"targets"`
		PathMTU []probe.PMTUResult `json:"pathMTU"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(doc.Targets) != 1 {
		t.Fatalf("targets: %s", out)
	}
	r := doc.Targets[0]
	if r.Target.Service != "web/frontend" || r.ICMP != probe.NoReply || len(r.TCP) != 1 || r.TCP[0].Port != 80 || r.TCP[0].Outcome != probe.Open {
		t.Errorf("VIP probe: %+v", r)
	}
	if !strings.Contains(strings.Join(r.Explanation, "\n"), "ICMP: no reply — expected") {
		t.Errorf("explanation: %v", r.Explanation)
	}
	if len(doc.PathMTU) != 1 || doc.PathMTU[0].Addr.String() != "10.244.1.20" || doc.PathMTU[0].MTU != 1400 {
		t.Errorf("path MTU: %+v", doc.PathMTU)
	}

	// an address without a Service, no cluster: only with --port; a closed port is refused
	out, err = exec.Command("ip", "netns", "exec", pn.Client, bin, "probe", lab.VIP, "--port", "80", "--port", "81", "--no-pmtu", "--count", "1",
		"--probe-timeout", "1s").CombinedOutput()
	text := string(out)
	if err != nil || !strings.Contains(text, "TCP 80     open") || !strings.Contains(text, "TCP 81     refused") {
		t.Errorf("probe by address: %v\n%s", err, text)
	}
}
