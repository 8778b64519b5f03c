// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func runIn(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Execute(context.Background(), genericiooptions.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}, args)
	return code, out.String(), errOut.String()
}

// loopbackSnapshot is the demo with one Service whose VIP is 127.0.0.1 and which
// listens on no port: probing it touches only this machine.
func loopbackSnapshot(t *testing.T) (string, string) {
	t.Helper()
	_, out, _ := run(t, "snapshot", "--demo", "-o", "json")
	var s model.Snapshot
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	var svc *model.Service
	for i := range s.Services {
		if s.Services[i].Type == "LoadBalancer" {
			svc = &s.Services[i]
			break
		}
	}
	svc.Ingress = []model.IngressIP{{IP: "127.0.0.1"}}
	svc.ExternalIPs = nil
	svc.Ports = []model.ServicePort{{Protocol: "TCP", Port: 9}}
	b, _ := json.Marshal(&s)
	p := filepath.Join(t.TempDir(), "s.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p, svc.Namespace + "/" + svc.Name
}

// probe sends packets only to addresses that are the user's.
func TestProbeOnlyTheUsersAddresses(t *testing.T) {
	code, out, errOut := run(t, "probe", "--demo")
	if code != 2 || !strings.Contains(errOut, "made up") || out != "" {
		t.Errorf("probe --demo: %d %q %q", code, out, errOut)
	}
	file, svc := loopbackSnapshot(t)
	for _, answer := range []string{"", "n\n", "no\n", "whatever\n"} {
		code, out, errOut := runIn(t, answer, "probe", svc, "--from", file, "--no-pmtu", "--count", "1", "--probe-timeout", "200ms")
		if code != 2 || !strings.Contains(errOut, "127.0.0.1") || !strings.Contains(errOut, "nothing was sent") || out != "" {
			t.Errorf("answer %q: %d %q %q", answer, code, out, errOut)
		}
	}
	for _, tc := range []struct {
		stdin string
		args  []string
	}{{"y\n", nil}, {"", []string{"--yes"}}} {
		args := append([]string{"probe", svc, "--from", file, "--no-pmtu", "--count", "1", "--probe-timeout", "200ms", "-o", "json"}, tc.args...)
		code, out, errOut := runIn(t, tc.stdin, args...)
		if code != 0 || !strings.Contains(out, `"127.0.0.1"`) || !strings.Contains(errOut, "127.0.0.1") {
			t.Errorf("confirmed %q %v: %d %q %q", tc.stdin, tc.args, code, out, errOut)
		}
	}
}
