// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/version"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	return runIn(t, "", args...)
}

func TestVersion(t *testing.T) {
	code, out, _ := run(t, "version", "-o", "json")
	var v version.Info
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v.Version != version.Version || v.GoVersion == "" {
		t.Errorf("version -o json: %d %q", code, out)
	}
	if code, out, _ := run(t, "version"); code != 0 || !strings.HasPrefix(out, "kubectl-bgpnet ") {
		t.Errorf("version: %d %q", code, out)
	}
	if code, _, errOut := run(t, "version", "-o", "xml"); code != 2 || !strings.Contains(errOut, `--output "xml": want one of text, json`) {
		t.Errorf("version -o xml: %d %q", code, errOut)
	}
}

func TestHelpReadsKubectlBgpnet(t *testing.T) {
	_, out, _ := run(t, "snapshot", "--help")
	if !strings.Contains(out, "kubectl bgpnet snapshot [flags]") || strings.Contains(out, "kubectl-bgpnet snapshot") {
		t.Errorf("usage should read `kubectl bgpnet snapshot`:\n%s", out)
	}
	for _, flag := range []string{"--kubeconfig", "--context", "--cilium-namespace", "--from", "--demo", "--timeout", "--log-file"} {
		if !strings.Contains(out, flag) {
			t.Errorf("help lacks global flag %s", flag)
		}
	}
}

func TestSnapshotDemo(t *testing.T) {
	code, out, errOut := run(t, "snapshot", "--demo", "-o", "json")
	var s model.Snapshot
	if code != 0 || errOut != "" || json.Unmarshal([]byte(out), &s) != nil {
		t.Fatalf("snapshot --demo -o json: %d, stderr %q", code, errOut)
	}
	if s.Origin != "demo" || len(s.Nodes) != 3 || len(s.BGP.ClusterConfigs) != 1 {
		t.Errorf("demo snapshot: %+v", s)
	}
	code, out, _ = run(t, "snapshot", "--demo")
	if code != 0 || !strings.Contains(out, "SESSIONS (CiliumBGPNodeConfig status)") {
		t.Errorf("summary: %d\n%s", code, out)
	}
}

func TestSnapshotOutputFileAndFrom(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"snap.json", "snap.yaml"} {
		path := filepath.Join(dir, name)
		code, out, errOut := run(t, "snapshot", "--demo", "--output-file", path)
		if code != 0 || out != "" {
			t.Fatalf("--output-file: %d stdout %q stderr %q", code, out, errOut)
		}
		raw, _ := os.ReadFile(path)
		if isJSON := json.Valid(raw); isJSON != strings.HasSuffix(name, ".json") {
			t.Errorf("%s: format follows the extension, JSON=%v", name, isJSON)
		}
		code, out, errOut = run(t, "snapshot", "--from", path, "-o", "json")
		var s model.Snapshot
		if code != 0 || json.Unmarshal([]byte(out), &s) != nil || s.Origin != "file" || len(s.Services) != 5 {
			t.Errorf("--from %s: %d %q", name, code, errOut)
		}
	}
}

// --output-file replaces only a regular file, keeping its mode; anything else is
// refused before collecting, with exit 2 and the path named.
func TestSnapshotOutputFileRefused(t *testing.T) {
	dir := t.TempDir()
	kept := filepath.Join(dir, "kept.json")
	if err := os.WriteFile(kept, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(kept, 0o640); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run(t, "snapshot", "--demo", "--output-file", kept); code != 0 {
		t.Fatalf("regular file: exit %d %q", code, errOut)
	}
	if fi, err := os.Stat(kept); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("mode after --output-file: %v %v, want 0640", fi.Mode(), err)
	}
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(filepath.Join(t.TempDir(), "elsewhere.json"), link); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		os.DevNull: "--output-file: write /dev/null: not a regular file",
		link:       "--output-file: write " + link + ": it is a symbolic link",
		dir:        "it is a directory",
	} {
		code, out, errOut := run(t, "snapshot", "--demo", "--output-file", path)
		if code != 2 || out != "" || !strings.Contains(errOut, want) {
			t.Errorf("--output-file %s: exit %d, stdout %q, stderr %q; want 2 and %q", path, code, out, errOut, want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("%s holds %d entries, want the file and the link", dir, len(entries))
	}
}

func TestSnapshotErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"schemaVersion": 7}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"snapshot", "--from", filepath.Join(dir, "missing.json")}, "open snapshot"},
		{[]string{"snapshot", "--from", bad}, "written by a newer bgpnet (schemaVersion 7"},
		{[]string{"snapshot", "--demo", "--from", bad}, "[demo from] were all set"},
		{[]string{"snapshot", "--demo", "-o", "table"}, `--output "table"`},
		{[]string{"snapshot", "--demo", "--timeout", "0s"}, "--timeout must be positive"},
		{[]string{"snapshot", "--demo", "--log-level", "loud"}, `--log-level "loud"`},
		{[]string{"snapshot", "--kubeconfig", filepath.Join(dir, "nokubeconfig")}, "--demo / --from FILE"},
	}
	for _, tt := range tests {
		code, out, errOut := run(t, tt.args...)
		if code == 0 || out != "" || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want an error containing %q", tt.args, code, out, errOut, tt.want)
		}
	}
}

// An API server that cannot be reached at all is an error naming it, not a snapshot
// full of failed sources.
func TestSnapshotUnreachableCluster(t *testing.T) {
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`
	if err := os.WriteFile(kc, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "--kubeconfig", kc, "snapshot", "--timeout", "5s")
	if code != 2 || out != "" || !strings.Contains(errOut, "could not read anything from the Kubernetes API at https://127.0.0.1:1") ||
		!strings.Contains(errOut, "connection refused") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestCiliumNamespaceFromEnv(t *testing.T) {
	t.Setenv(EnvCiliumNamespace, "cilium")
	g := &GlobalOptions{IOStreams: genericiooptions.NewTestIOStreamsDiscard()}
	cmd := NewRootCmd(g)
	if err := cmd.ParseFlags(nil); err != nil {
		t.Fatal(err)
	}
	if g.CiliumNamespace != "cilium" {
		t.Errorf("--cilium-namespace default = %q, want the value of %s", g.CiliumNamespace, EnvCiliumNamespace)
	}
}

// Logs go to --log-file, never into stdout.
func TestLogFile(t *testing.T) {
	log := filepath.Join(t.TempDir(), "bgpnet.log")
	code, out, errOut := run(t, "snapshot", "--demo", "-o", "json", "--log-file", log, "--log-level", "debug")
	if code != 0 || !json.Valid([]byte(out)) || errOut != "" {
		t.Errorf("logs leaked: stdout valid JSON %v, stderr %q", json.Valid([]byte(out)), errOut)
	}
	if b, err := os.ReadFile(log); err != nil || !strings.Contains(string(b), "using the embedded demo snapshot") {
		t.Errorf("log file: %q, %v", b, err)
	}
	// without --log-file, logs go to stderr, still never to stdout
	code, out, errOut = run(t, "snapshot", "--demo", "-o", "json", "--log-level", "debug")
	if code != 0 || !json.Valid([]byte(out)) || !strings.Contains(errOut, "level=DEBUG") {
		t.Errorf("stderr logging: stdout valid JSON %v, stderr %q", json.Valid([]byte(out)), errOut)
	}
}
