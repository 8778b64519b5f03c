// SPDX-License-Identifier: Apache-2.0

package integration

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/collect/kube"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/snapshot"
	"github.com/bgpnet/kubectl-bgpnet/internal/testenv"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
)

var updateDemo = flag.Bool("update-demo", false, "rewrite internal/snapshot/demo.json from the seeded API server")

// demoCollectedAt is the moment the demo snapshot pretends to be taken: shortly after
// the homelab's sessions came up (testdata establishedTime 2026-11-20T08:12Z).
var demoCollectedAt = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// TestDemoSnapshot collects the homelab from a real API server and checks that the
// embedded demo snapshot is exactly that (up to what differs between runs: UIDs,
// resourceVersions, creation times). With -update-demo it rewrites the demo instead.
func TestDemoSnapshot(t *testing.T) {
	env := startHomelab(t, testenv.Options{Flavor: testenv.Cilium120, BGPv1: true}, readTestdata(t, "homelab-bgpv2.yaml"))
	core, err := kubernetes.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s := kube.New(core, dyn, kube.Options{}).Collect(ctx)
	for _, src := range s.Sources {
		if src.Status != model.StatusOK {
			t.Fatalf("source %s: %s %s", src.Name, src.Status, src.Message)
		}
	}
	normaliseDemo(s)
	var buf bytes.Buffer
	if err := snapshot.Encode(&buf, s, snapshot.JSON); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "internal", "snapshot", "demo.json")
	if *updateDemo {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes); rebuild to embed it", path, buf.Len())
		return
	}
	if got, want := buf.Bytes(), snapshot.DemoJSON(); !bytes.Equal(got, want) {
		line, g, w := firstDiff(got, want)
		t.Fatalf("embedded demo snapshot is stale (first difference at line %d: got %q, embedded %q); regenerate with\n"+
			"  go test ./test/integration -run TestDemoSnapshot -update-demo\nand commit internal/snapshot/demo.json", line, g, w)
	}
}

// firstDiff returns the first line number where a and b differ, and those lines.
func firstDiff(a, b []byte) (int, string, string) {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y []byte
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if !bytes.Equal(x, y) {
			return i + 1, string(x), string(y)
		}
	}
	return 0, "", ""
}

// normaliseDemo removes what differs between two collections of the same objects.
func normaliseDemo(s *model.Snapshot) {
	s.CollectedAt = demoCollectedAt
	s.Origin = ""
	s.Cluster.Context = "homelab"
	s.Cluster.Server = ""
	clear := func(m *model.ObjectMeta) {
		m.UID, m.ResourceVersion, m.CreationTimestamp = "", "", nil
	}
	for i := range s.Nodes {
		s.Nodes[i].ResourceVersion = ""
	}
	for i := range s.BGP.ClusterConfigs {
		clear(&s.BGP.ClusterConfigs[i].ObjectMeta)
	}
	for i := range s.BGP.PeerConfigs {
		clear(&s.BGP.PeerConfigs[i].ObjectMeta)
	}
	for i := range s.BGP.Advertisements {
		clear(&s.BGP.Advertisements[i].ObjectMeta)
	}
	for i := range s.BGP.NodeConfigOverrides {
		clear(&s.BGP.NodeConfigOverrides[i].ObjectMeta)
	}
	for i := range s.BGP.NodeConfigs {
		clear(&s.BGP.NodeConfigs[i].ObjectMeta)
	}
	for i := range s.BGP.PeeringPolicies {
		clear(&s.BGP.PeeringPolicies[i].ObjectMeta)
	}
	for i := range s.Pools {
		clear(&s.Pools[i].ObjectMeta)
	}
	for i := range s.L2Policies {
		clear(&s.L2Policies[i].ObjectMeta)
	}
	for i := range s.Services {
		clear(&s.Services[i].ObjectMeta)
	}
}
