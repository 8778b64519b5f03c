// SPDX-License-Identifier: Apache-2.0

package routerconfig

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/snapshot"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func demo(t *testing.T) *model.Snapshot {
	t.Helper()
	s, err := snapshot.Demo()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The demo homelab's configuration for its FRR gateway and for BIRD, compared with
// golden files (go test -update to accept changes). That they load into real FRR and
// BIRD and filter as intended is tested against the lab (test/integration).
func TestGolden(t *testing.T) {
	for _, flavor := range []string{"frr", "bird"} {
		got, err := Generate(demo(t), Options{Flavor: flavor})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", "demo."+flavor+".conf")
		if *update {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("%s differs from %s (go test -update to accept):\n%s", flavor, path, got)
		}
	}
}

func TestPlan(t *testing.T) {
	s := demo(t)
	got, err := Generate(s, Options{Flavor: "frr"})
	if err != nil {
		t.Fatal(err)
	}
	// nuc-2 is not selected for BGP: neither a neighbor nor its PodCIDR accepted;
	// the pool range 10.20.0.10-10.20.0.20 is accepted exactly
	for _, bad := range []string{"192.168.1.12", "10.42.2.0/24", "no bgp ebgp-requires-policy"} {
		if strings.Contains(got, bad) {
			t.Errorf("config contains %q", bad)
		}
	}
	for _, want := range []string{"permit 10.20.0.10/31 ge 32", "permit 10.20.0.20/32 ge 32", "neighbor 192.168.1.10 peer-group CILIUM", "maximum-paths 2"} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %q", want)
		}
	}
	// iBGP design: the router reflects
	s.BGP.ClusterConfigs[0].Instances[0].LocalASN = ptr(int64(64513))
	got, _ = Generate(s, Options{Flavor: "frr"})
	if !strings.Contains(got, "neighbor CILIUM route-reflector-client") || !strings.Contains(got, "maximum-paths ibgp 2") {
		t.Errorf("iBGP config:\n%s", got)
	}
	got, _ = Generate(s, Options{Flavor: "bird"})
	if !strings.Contains(got, "rr client;") {
		t.Errorf("iBGP BIRD config:\n%s", got)
	}

	for _, c := range []struct {
		name string
		opts Options
		edit func(*model.Snapshot)
		want string
	}{
		{"other router", Options{Flavor: "frr", RouterASN: 65000}, nil, "no BGP node peers with this router"},
		{"bad router id", Options{Flavor: "bird", RouterID: "fd00::1"}, nil, "want an IPv4 address"},
		{"two ASNs", Options{Flavor: "frr"}, func(s *model.Snapshot) {
			s.BGP.ClusterConfigs[0].Instances[0].Peers[1].PeerASN = ptr(int64(65001))
		}, "pass --router-asn"},
		{"flavor", Options{Flavor: "junos"}, nil, `flavor "junos"`},
	} {
		s := demo(t)
		if c.edit != nil {
			c.edit(s)
		}
		if _, err := Generate(s, c.opts); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

func ptr[T any](v T) *T { return &v }
