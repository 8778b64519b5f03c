// SPDX-License-Identifier: Apache-2.0

package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/snapshot"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := bytes.Split(got, []byte("\n")), bytes.Split(want, []byte("\n"))
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w []byte
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if !bytes.Equal(g, w) {
				t.Errorf("%s differs from golden file at line %d (go test -update to accept):\n got: %s\nwant: %s", name, i+1, g, w)
				return
			}
		}
	}
}

func TestSummaryDemo(t *testing.T) {
	s, err := snapshot.Demo()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Summary(&buf, s); err != nil {
		t.Fatal(err)
	}
	golden(t, "demo-summary", buf.Bytes())
}

// A section whose source failed says so; it never looks like "nothing configured".
func TestSummaryIncompleteSources(t *testing.T) {
	s := &model.Snapshot{
		SchemaVersion: 1,
		Sources: []model.SourceStatus{
			{Name: model.SourceNodes, Status: model.StatusOK, Count: 0},
			{Name: model.SourceNodeConfigs, Status: model.StatusForbidden, Message: `ciliumbgpnodeconfigs.cilium.io is forbidden: User "alice" cannot list resource`},
			{Name: model.SourceServices, Status: model.StatusTimeout, Message: "no answer within 2s"},
			{Name: model.SourceCiliumConfig, Status: model.StatusNotInstalled, Message: "ConfigMap kube-system/cilium-config not found"},
		},
	}
	var buf bytes.Buffer
	if err := Summary(&buf, s); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"SESSIONS (CiliumBGPNodeConfig status)  (incomplete: ciliumbgpnodeconfigs forbidden)",
		"SERVICES  (incomplete: services timeout",
		"cilium-config not read (cilium-config not-installed)",
		"ciliumbgpnodeconfigs  forbidden",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "NODES  (incomplete") {
		t.Error("an ok source must not be reported incomplete")
	}
}

// docs/checks.md is generated from the registry and must stay in sync with it.
func TestChecksReference(t *testing.T) {
	var buf bytes.Buffer
	if err := ChecksReference(&buf, checks.All()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", "checks.md")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("docs/checks.md is out of date (%v): run go test ./internal/report -run TestChecksReference -update", err)
	}
}
