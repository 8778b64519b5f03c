// SPDX-License-Identifier: Apache-2.0

package diagram

import (
	"bytes"
	"encoding/xml"
	"flag"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/snapshot"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func demo(t *testing.T) Graph {
	t.Helper()
	s, err := snapshot.Demo()
	if err != nil {
		t.Fatal(err)
	}
	return Build(s, 10)
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./internal/diagram -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test ./internal/diagram -update):\n%s", path, got)
	}
}

func TestDemoDiagrams(t *testing.T) {
	g := demo(t)
	if len(g.Nodes) != 2 || len(g.Peers) != 2 || len(g.Sessions) != 4 || len(g.Pools) != 2 {
		t.Fatalf("graph: %d nodes, %d peers, %d sessions, %d pools", len(g.Nodes), len(g.Peers), len(g.Sessions), len(g.Pools))
	}
	down := 0
	for _, s := range g.Sessions {
		if !s.Up() {
			down++
		}
	}
	if down != 1 {
		t.Errorf("the demo has one session down (pi-cp to fd00:1::1), got %d", down)
	}
	var m, d bytes.Buffer
	if err := Mermaid(&m, g); err != nil {
		t.Fatal(err)
	}
	if err := DOT(&d, g); err != nil {
		t.Fatal(err)
	}
	golden(t, "demo.mmd", m.Bytes())
	golden(t, "demo.dot", d.Bytes())
}

// TestDOTRenders feeds the DOT output to Graphviz: it must be accepted and the SVG
// must carry every node, peer and pool.
func TestDOTRenders(t *testing.T) {
	dot, err := exec.LookPath("dot")
	if err != nil {
		if os.Getenv("BGPNET_TEST_ASSETS") != "" {
			t.Fatal("graphviz's dot is missing; hack/deps.sh installs it")
		}
		t.Skip("graphviz's dot is not installed (make test installs it)")
	}
	g := demo(t)
	g.Title = `quotes " and \ backslash`
	g.Pools[0].Name = `we"ird`
	var in bytes.Buffer
	if err := DOT(&in, g); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(dot, "-Tsvg")
	cmd.Stdin = &in
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("dot rejected the output: %v\n%s\n%s", err, errOut.String(), in.String())
	}
	var texts []string
	dec := xml.NewDecoder(&out)
	inText := false
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch e := tok.(type) {
		case xml.StartElement:
			inText = e.Name.Local == "text"
		case xml.CharData:
			if inText {
				texts = append(texts, string(e))
			}
		}
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{"nuc-1", "pi-cp", "192.168.1.1", "fd00:1::1", "active", "established", `pool we"ird`, `quotes " and \ backslash`, "media/jellyfin 192.168.10.1"} {
		if !strings.Contains(all, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
}

func TestBuildCapsAndEscapes(t *testing.T) {
	s := &model.Snapshot{Cluster: model.Cluster{Context: `prod "eu"`}}
	s.Pools = []model.LBPool{{ObjectMeta: model.ObjectMeta{Name: "vips"}}}
	cidr := netip.MustParsePrefix("10.0.0.0/24")
	s.Pools[0].Blocks = []model.PoolBlock{{CIDR: &cidr}}
	for i := range 25 {
		s.Services = append(s.Services, model.Service{ObjectMeta: model.ObjectMeta{Namespace: "ns", Name: "svc" + strconv.Itoa(i)},
			Type: "LoadBalancer", Ingress: []model.IngressIP{{IP: "10.0.0." + strconv.Itoa(i+1)}}})
	}
	g := Build(s, 3)
	if p := g.Pools[0]; len(p.VIPs) != 3 || p.More != 22 {
		t.Errorf("pool lists %d addresses and counts %d more", len(p.VIPs), p.More)
	}
	var m bytes.Buffer
	if err := Mermaid(&m, g); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.String(), "title: prod #quot;eu#quot;") || !strings.Contains(m.String(), "… 22 more") {
		t.Errorf("mermaid:\n%s", m.String())
	}
}
