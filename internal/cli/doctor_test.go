// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bgpnet/kubectl-bgpnet/internal/snapshot"
)

func TestDoctorExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		code int
	}{
		{[]string{"doctor", "--demo"}, 1},                                    // the demo has errors
		{[]string{"doctor", "--demo", "--fail-on", "never"}, 0},              // report only
		{[]string{"doctor", "--demo", "--check", "lbipam-first-last-ip"}, 0}, // info only
		{[]string{"doctor", "--demo", "--check", "lbipam-first-last-ip", "--fail-on", "info"}, 1},
		{[]string{"doctor", "--demo", "--check", "no-such-check"}, 2}, // cannot run
		{[]string{"doctor", "--demo", "-o", "pdf"}, 2},
		{[]string{"doctor", "--from", "/nonexistent/snap.json"}, 2},
	}
	for _, tt := range tests {
		if code, _, errOut := run(t, tt.args...); code != tt.code {
			t.Errorf("%v: exit %d, want %d (stderr %q)", tt.args, code, tt.code, errOut)
		}
	}
}

func TestDoctorFindingsAreNotPrintedAsErrors(t *testing.T) {
	code, out, errOut := run(t, "doctor", "--demo", "-o", "json")
	if code != 1 || errOut != "" {
		t.Errorf("exit %d, stderr %q: findings are the report, not an error", code, errOut)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("-o json: %v", err)
	}
}

func TestDoctorTextAndFormats(t *testing.T) {
	_, out, _ := run(t, "doctor", "--demo")
	for _, want := range []string{"ERROR (", "[node-label-near-miss]", "$ kubectl label node nuc-2 bgp-enabled=true bgp_enabled-", "checks ran"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q", want)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour codes written to a non-terminal")
	}
	if _, out, _ := run(t, "doctor", "--demo", "--color", "always"); !strings.Contains(out, "\x1b[") {
		t.Error("--color always must colour")
	}
	for _, format := range []string{"yaml", "markdown", "junit"} {
		if _, out, _ := run(t, "doctor", "--demo", "-o", format); len(out) < 100 {
			t.Errorf("-o %s: %q", format, out)
		}
	}
}

func TestDoctorExplainAndList(t *testing.T) {
	code, out, _ := run(t, "doctor", "--explain", "service-advert-missing-selector")
	if code != 0 || !strings.Contains(out, "cilium/cilium/issues/33076") || !strings.Contains(out, "never-used-value") {
		t.Errorf("--explain: %d %q", code, out)
	}
	code, _, errOut := run(t, "doctor", "--explain", "service-advert-missing-selectr")
	if code != 2 || !strings.Contains(errOut, `did you mean "service-advert-missing-selector"`) {
		t.Errorf("--explain typo: %d %q", code, errOut)
	}
	code, out, _ = run(t, "doctor", "--list")
	if code != 0 || !strings.Contains(out, "etp-local-withdrawal") || strings.Count(out, "\n") < 36 {
		t.Errorf("--list: %d %q", code, out)
	}
}

// A snapshot whose sources were not read reports the checks as skipped, not passed.
func TestDoctorSkipsUnreadSources(t *testing.T) {
	s, err := snapshot.Demo()
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Sources {
		if s.Sources[i].Name == "services" {
			s.Sources[i].Status, s.Sources[i].Message = "forbidden", `services is forbidden: User "alice" cannot list`
		}
	}
	path := filepath.Join(t.TempDir(), "snap.json")
	f, _ := os.Create(path)
	if err := snapshot.Encode(f, s, snapshot.JSON); err != nil {
		t.Fatal(err)
	}
	f.Close()
	_, out, _ := run(t, "doctor", "--from", path, "-o", "json", "--fail-on", "never")
	var doc struct {
		Findings []struct{ ID string }
		Skipped  []struct{ ID, Reason string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	skipped := map[string]string{}
	for _, sk := range doc.Skipped {
		skipped[sk.ID] = sk.Reason
	}
	if r := skipped["service-not-matched-by-advert"]; !strings.Contains(r, "services is forbidden") {
		t.Errorf("service-not-matched-by-advert: skipped reason %q", r)
	}
	for _, f := range doc.Findings {
		if f.ID == "service-not-matched-by-advert" || f.ID == "lbipam-no-matching-pool" {
			t.Errorf("%s ran although services were not read", f.ID)
		}
	}
}

func TestDoctorFromBrokenSysdump(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cilium-sysdump-20261122-101500.zip")
	if err := os.WriteFile(path, []byte("PK\x03\x04 cut short"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := run(t, "doctor", "--from", path)
	if code != 2 || !strings.Contains(errOut, "sysdump "+path+": not a readable zip archive") {
		t.Errorf("exit %d, stderr %q: want 2 and an error naming the archive", code, errOut)
	}
}
