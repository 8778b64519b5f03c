// SPDX-License-Identifier: Apache-2.0

package integration

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/fix"
	"github.com/bgpnet/kubectl-bgpnet/internal/testenv"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite the doctor golden files of the scenario suite")

// scenarios are the seed documents of the doctor suite, each seeded into its own API server.
var scenarios = []struct {
	name  string
	opts  testenv.Options
	files []string
}{
	{"000-dualstack-bgpv2", testenv.Options{Flavor: testenv.Cilium120, BGPv1: true}, []string{"homelab-base.yaml", "homelab-bgpv2.yaml"}},
	{"001-bgpv1-per-dc", testenv.Options{Flavor: testenv.Cilium120, BGPv1: true}, []string{"scenarios/common.yaml", "scenarios/001-bgpv1-per-dc.yaml"}},
	{"002-l2-announcements", testenv.Options{Flavor: testenv.Cilium120}, []string{"scenarios/common.yaml", "scenarios/002-l2-announcements.yaml"}},
	{"003-notin-selector", testenv.Options{Flavor: testenv.Cilium120, BGPv1: true}, []string{"scenarios/common.yaml", "scenarios/003-notin-selector.yaml"}},
	{"004-legacy-metallb", testenv.Options{Flavor: testenv.Cilium120}, []string{"scenarios/common.yaml", "scenarios/004-legacy-metallb.yaml"}},
	{"healthy", testenv.Options{Flavor: testenv.Cilium120}, []string{"scenarios/common.yaml", "scenarios/healthy.yaml"}},
}

// TestDoctorScenarios runs `kubectl bgpnet doctor` end to end against each seeded API
// server, compares the text report with its golden file, and applies every generated
// object and patch with a server-side dry run: what doctor proposes must be valid
// against the real CRD schemas.
func TestDoctorScenarios(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			env := startScenario(t, sc.opts, sc.files)
			kc := testenv.Kubeconfig(t, env.Config)

			code, text, errOut := runCLI(t, "--kubeconfig", kc, "doctor", "--color", "never", "--fail-on", "never")
			if code != 0 {
				t.Fatalf("doctor exited %d: %s", code, errOut)
			}
			golden := filepath.Join("testdata", "doctor", sc.name+".txt")
			if *updateGolden {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			} else if want, err := os.ReadFile(golden); err != nil || string(want) != text {
				line, g, w := firstDiff([]byte(text), want)
				t.Errorf("doctor output differs from %s at line %d:\n got: %s\nwant: %s\n(go test ./test/integration -run TestDoctorScenarios -update-golden)", golden, line, g, w)
			}

			_, out, _ := runCLI(t, "--kubeconfig", kc, "doctor", "-o", "json", "--fail-on", "never")
			var rep struct {
				Findings []checks.Finding `json:"findings"`
				Skipped  []checks.Skipped `json:"skipped"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatalf("doctor -o json: %v", err)
			}
			for _, sk := range rep.Skipped {
				// no hubble-relay, no agents and no router in the test cluster: only the
				// checks of flows, of the agents' live view and of the router may skip
				if !strings.Contains(sk.Reason, "source hubble is") && !strings.Contains(sk.Reason, "source agents is") &&
					!strings.Contains(sk.Reason, "source agent-routes is") && !strings.Contains(sk.Reason, "source routers is") {
					t.Errorf("check %s skipped on a fully readable cluster: %s", sk.ID, sk.Reason)
				}
			}
			if sc.name == "healthy" {
				for _, f := range rep.Findings {
					if f.Severity.Rank() >= checks.Warning.Rank() {
						t.Errorf("healthy cluster: %s %s: %s", f.ID, f.Subject, f.Message)
					}
				}
			} else if len(rep.Findings) == 0 {
				t.Error("a broken scenario produced no finding")
			}
			dryRunFixes(t, env, rep.Findings)
		})
	}
}

// startScenario starts an API server of the scenario's flavor seeded with its files.
func startScenario(t *testing.T, opts testenv.Options, files []string) *testenv.Env {
	t.Helper()
	opts.APIServerFlags = homelabAPIServerFlags
	env := testenv.Start(t, opts)
	for _, f := range files {
		env.Seed(t, readTestdata(t, f))
	}
	return env
}

// dryRunFixes applies every object and patch proposal with dryRun=All.
func dryRunFixes(t *testing.T, env *testenv.Env, findings []checks.Finding) {
	t.Helper()
	dyn := dynamic.NewForConfigOrDie(env.Config)
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(discovery.NewDiscoveryClientForConfigOrDie(env.Config)))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dry := []string{metav1.DryRunAll}
	n := 0
	for _, f := range findings {
		for _, p := range f.Fixes {
			if p.Target == nil || (p.Kind != fix.KindCreate && p.Kind != fix.KindPatch && p.Kind != fix.KindJSONPatch) {
				continue
			}
			gv, err := schema.ParseGroupVersion(p.Target.APIVersion)
			if err != nil || p.Target.APIVersion == "" {
				t.Errorf("%s: proposal %q has no usable apiVersion %q", f.ID, p.Title, p.Target.APIVersion)
				continue
			}
			m, err := mapper.RESTMapping(schema.GroupKind{Group: gv.Group, Kind: p.Target.Kind}, gv.Version)
			if err != nil {
				t.Errorf("%s: map %s: %v", f.ID, p.Target, err)
				continue
			}
			var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
			if p.Target.Namespace != "" {
				ri = dyn.Resource(m.Resource).Namespace(p.Target.Namespace)
			}
			switch p.Kind {
			case fix.KindCreate:
				_, err = ri.Create(ctx, &unstructured.Unstructured{Object: p.Object}, metav1.CreateOptions{DryRun: dry})
			case fix.KindPatch:
				var b []byte
				b, err = json.Marshal(p.Patch)
				if err == nil {
					_, err = ri.Patch(ctx, p.Target.Name, types.MergePatchType, b, metav1.PatchOptions{DryRun: dry})
				}
			case fix.KindJSONPatch:
				var b []byte
				b, err = json.Marshal(p.JSONPatch)
				if err == nil {
					_, err = ri.Patch(ctx, p.Target.Name, types.JSONPatchType, b, metav1.PatchOptions{DryRun: dry})
				}
			}
			if err != nil {
				t.Errorf("%s: dry-run of %q (%s %s) failed: %v", f.ID, p.Title, p.Kind, p.Target, err)
			}
			n++
		}
	}
	t.Logf("%d generated objects and patches passed a server-side dry run", n)
}
