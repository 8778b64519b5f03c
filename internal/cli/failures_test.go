// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/snapshot"
)

// kubeconfigFor writes a kubeconfig whose cluster is server.
func kubeconfigFor(t *testing.T, server string) string {
	t.Helper()
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "` + server + `"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`
	if err := os.WriteFile(kc, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return kc
}

// An endpoint that is not a Kubernetes API server (404, an HTML page, garbage) is named
// as such, exit 2, from every command, never a green run over "not installed" kinds.
func TestNotAnAPIServer(t *testing.T) {
	handlers := map[string]http.HandlerFunc{
		"404": http.NotFound,
		"html": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html><body><h1>It works!</h1></body></html>"))
		},
		"garbage": func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("\x00\x1b[2J\xfe garbage")) },
	}
	for name, h := range handlers {
		srv := httptest.NewServer(h)
		kc := kubeconfigFor(t, srv.URL)
		for _, args := range [][]string{
			{"doctor", "--fail-on", "never", "--hubble", "never"},
			{"doctor", "-o", "json", "--allow-partial", "--hubble", "never"},
			{"snapshot", "-o", "json"},
			{"peers"},
		} {
			code, out, errOut := run(t, append([]string{"--kubeconfig", kc, "--timeout", "5s"}, args...)...)
			if code != exitBroken || out != "" || !strings.Contains(errOut, "not a Kubernetes API server at "+srv.URL) {
				t.Errorf("%s %v: exit %d, stdout %q, stderr %q", name, args, code, out, errOut)
			}
			if strings.Contains(errOut, "\x1b") {
				t.Errorf("%s %v: the server's bytes reached the terminal: %q", name, args, errOut)
			}
		}
		srv.Close()
	}
}

// A server that passes /version but answers 404 for every kind has read nothing.
func TestCoreKinds404(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/version" {
			_, _ = w.Write([]byte(`{"major":"1","minor":"36","gitVersion":"v1.36.4"}`))
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	code, out, errOut := run(t, "--kubeconfig", kubeconfigFor(t, srv.URL), "doctor", "--fail-on", "never", "--hubble", "never")
	if code != exitBroken || out != "" || !strings.Contains(errOut, "could not read anything from the Kubernetes API at "+srv.URL) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// saveDemo writes the demo snapshot with the given sources' status changed.
func saveDemo(t *testing.T, status map[string]model.Status) string {
	t.Helper()
	s, err := snapshot.Demo()
	if err != nil {
		t.Fatal(err)
	}
	for i := range s.Sources {
		if st, ok := status[s.Sources[i].Name]; ok {
			s.Sources[i].Status, s.Sources[i].Message = st, s.Sources[i].Name+" is "+string(st)
		}
	}
	path := filepath.Join(t.TempDir(), "snap.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := snapshot.Encode(f, s, snapshot.JSON); err != nil {
		t.Fatal(err)
	}
	return path
}

// doctor exits 2 when nothing could be checked, whatever --fail-on says; only
// --allow-partial accepts such a run.
func TestDoctorNothingChecked(t *testing.T) {
	nodes := saveDemo(t, map[string]model.Status{model.SourceNodes: model.StatusForbidden})
	services := saveDemo(t, map[string]model.Status{model.SourceServices: model.StatusTimeout})
	bgp := saveDemo(t, map[string]model.Status{
		model.SourceClusterConfigs: model.StatusForbidden, model.SourcePeerConfigs: model.StatusForbidden,
		model.SourceAdvertisements: model.StatusForbidden, model.SourceNodeConfigOverride: model.StatusForbidden,
		model.SourceNodeConfigs: model.StatusForbidden, model.SourcePeeringPolicies: model.StatusForbidden,
	})
	clusterConfigs := saveDemo(t, map[string]model.Status{model.SourceClusterConfigs: model.StatusForbidden})
	tests := []struct {
		args []string
		code int
		want string // in stderr
	}{
		{[]string{"doctor", "--from", nodes}, 2, "nothing was checked: nodes forbidden (--allow-partial accepts such a run)"},
		{[]string{"doctor", "--from", nodes, "--fail-on", "never"}, 2, "nothing was checked: nodes forbidden"},
		{[]string{"doctor", "--from", nodes, "--fail-on", "never", "--allow-partial"}, 0, ""},
		{[]string{"doctor", "--from", nodes, "--allow-partial"}, 1, ""}, // the checks that ran found errors
		{[]string{"doctor", "--from", services, "--fail-on", "never"}, 2, "nothing was checked: services timeout"},
		{[]string{"doctor", "--from", bgp, "--fail-on", "never"}, 2, "no BGP kind could be read (forbidden)"},
		{[]string{"doctor", "--from", clusterConfigs, "--fail-on", "never"}, 0, ""}, // one kind unread: partial, not nothing
		{[]string{"doctor", "--from", nodes, "--check", "node-label-near-miss", "--fail-on", "never"}, 2, "no check ran (1 skipped); nodes forbidden"},
		{[]string{"fix", "--all", "--from", nodes, "--subject", "Node/nuc-2"}, 2, "no finding, but nothing was checked: nodes forbidden"},
	}
	for _, tt := range tests {
		code, out, errOut := run(t, tt.args...)
		if code != tt.code || (tt.want != "" && !strings.Contains(errOut, tt.want)) || (tt.want == "" && errOut != "") {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, errOut, tt.code, tt.want)
		}
		if tt.args[0] == "doctor" && tt.code == 2 && !strings.Contains(out, "nothing was checked (") {
			t.Errorf("%v: the report does not say nothing was checked:\n%s", tt.args, out)
		}
	}

	_, out, _ := run(t, "doctor", "--from", nodes, "-o", "json", "--fail-on", "never")
	var doc struct {
		NothingChecked bool   `json:"nothingChecked"`
		Reason         string `json:"nothingCheckedReason"`
		Findings       []any  `json:"findings"`
		Skipped        []any  `json:"skipped"`
		Sources        []any  `json:"sources"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || !doc.NothingChecked || doc.Reason != "nodes forbidden" || doc.Skipped == nil || doc.Sources == nil {
		t.Errorf("-o json: %v %+v", err, doc)
	}
}
