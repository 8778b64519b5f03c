// SPDX-License-Identifier: Apache-2.0

// Package integration runs kubectl bgpnet against a real kube-apiserver (envtest) with
// Cilium's CRDs, seeded from testdata/*.yaml.
package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/cli"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/testenv"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/yaml"
)

// homelabAPIServerFlags give the test API server the homelab's dual-stack service ranges.
var homelabAPIServerFlags = map[string]string{"service-cluster-ip-range": "10.43.0.0/16,fd00:43::/112"}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// rewrite returns the YAML stream with fn applied to every object.
func rewrite(t *testing.T, yamlText string, fn func(*unstructured.Unstructured) bool) string {
	t.Helper()
	objs, err := testenv.Decode([]byte(yamlText))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, o := range objs {
		if !fn(o) {
			continue
		}
		b, err := yaml.Marshal(o.Object)
		if err != nil {
			t.Fatal(err)
		}
		out.WriteString("---\n")
		out.Write(b)
	}
	return out.String()
}

// toV2Alpha1 moves the BGPv2 and LB pool objects to cilium.io/v2alpha1, as written for
// Cilium 1.16/1.17.
func toV2Alpha1(t *testing.T, yamlText string) string {
	return rewrite(t, yamlText, func(o *unstructured.Unstructured) bool {
		switch o.GetKind() {
		case model.KindClusterConfig, model.KindPeerConfig, model.KindAdvertisement, model.KindNodeConfig,
			model.KindNodeConfigOverride, model.KindLBPool:
			o.SetAPIVersion("cilium.io/v2alpha1")
		}
		return true
	})
}

// runCLI runs kubectl bgpnet in-process and returns its exit code, stdout and stderr.
func runCLI(t testing.TB, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := cli.Execute(ctx, genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: &out, ErrOut: &errOut}, args)
	return code, out.String(), errOut.String()
}

// snapshotJSON runs `kubectl bgpnet snapshot -o json` against kubeconfig and decodes it.
func snapshotJSON(t *testing.T, kubeconfig string, extra ...string) *model.Snapshot {
	t.Helper()
	args := append([]string{"--kubeconfig", kubeconfig, "snapshot", "-o", "json"}, extra...)
	code, out, errOut := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("snapshot exited %d: %s", code, errOut)
	}
	var s model.Snapshot
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("decode snapshot output: %v\n%s", err, out)
	}
	return &s
}

// wantSources asserts the status of every named source; sources not named must be ok.
func wantSources(t *testing.T, s *model.Snapshot, want map[string]model.Status) {
	t.Helper()
	seen := map[string]bool{}
	for _, src := range s.Sources {
		seen[src.Name] = true
		exp, ok := want[src.Name]
		if !ok && (src.Name == model.SourceAgents || src.Name == model.SourceAgentRoutes) {
			continue // the agents' live view is tested on its own (agent_test.go)
		}
		if !ok {
			exp = model.StatusOK
		}
		if src.Status != exp {
			t.Errorf("source %s: status %s (%s), want %s", src.Name, src.Status, src.Message, exp)
		}
	}
	for _, n := range []string{model.SourceDiscovery, model.SourceNodes, model.SourceCiliumNodes, model.SourceCiliumConfig,
		model.SourceDaemonSets, model.SourceDeployments, model.SourcePeeringPolicies, model.SourceClusterConfigs,
		model.SourcePeerConfigs, model.SourceAdvertisements, model.SourceNodeConfigs, model.SourceNodeConfigOverride,
		model.SourcePools, model.SourceL2Policies, model.SourceServices, model.SourceEndpointSlices} {
		if !seen[n] {
			t.Errorf("source %s missing from snapshot", n)
		}
	}
}

func source(t *testing.T, s *model.Snapshot, name string) model.SourceStatus {
	t.Helper()
	st, ok := s.Source(name)
	if !ok {
		t.Fatalf("no source %s", name)
	}
	return st
}

func serviceNames(s *model.Snapshot) []string {
	var out []string
	for _, svc := range s.Services {
		out = append(out, svc.Namespace+"/"+svc.Name)
	}
	return out
}
