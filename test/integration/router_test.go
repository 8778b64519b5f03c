// SPDX-License-Identifier: Apache-2.0

package integration

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/collect/router"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/testenv"
)

// waitRouter re-reads the router until cond holds (at most 40 s).
func waitRouter(t *testing.T, kind string, r router.Runner, what string, cond func(model.RouterView) bool) model.RouterView {
	t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for {
		v := router.Collect(context.Background(), kind, "tor", r)
		if cond(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not seen within 40s: %+v", what, v)
		}
		time.Sleep(time.Second)
	}
}

func routerNeighbor(v model.RouterView, addr string) model.RouterNeighbor {
	for _, n := range v.Neighbors {
		if n.Address == addr {
			return n
		}
	}
	return model.RouterNeighbor{}
}

// TestRouterSource reads real FRR and BIRD routers peering with GoBGP speakers in
// network namespaces, through the same command prefix a user gives (--router-cmd),
// saves and re-reads their outputs, and sees an ASN mismatch appear.
func TestRouterSource(t *testing.T) {
	if testenv.AssetsDir() == "" {
		t.Skip("integration test skipped: no test assets; run `make test`")
	}
	for _, kind := range router.Kinds {
		t.Run(kind, func(t *testing.T) {
			nl := testenv.StartNetLab(t, testenv.NetLabOptions{Router: kind, Nodes: testenv.LabNodes, Listen: true})
			if err := nl.WaitEstablished(30 * time.Second); err != nil {
				t.Fatal(err)
			}
			run := router.Exec{Prefix: nl.RouterCommand(), Timeout: 10 * time.Second}
			v := waitRouter(t, kind, run, "both VIP paths installed", func(v model.RouterView) bool {
				for _, f := range v.FIB {
					if f.Prefix.String() == "198.51.100.10/32" && len(f.NextHops) == 2 {
						return true
					}
				}
				return false
			})
			if v.Status != model.StatusOK || len(v.Problems) != 0 || v.ASN != 64513 || v.RouterID != "192.0.2.1" {
				t.Fatalf("view: %s %s %v asn %d id %s", v.Status, v.Message, v.Problems, v.ASN, v.RouterID)
			}
			for _, n := range v.Neighbors {
				if !n.Established || n.RemoteASN != 64512 || n.PrefixesAccepted != 2 || !slices.Contains(n.Families, "ipv4-unicast") {
					t.Errorf("neighbor %+v", n)
				}
			}
			var prefixes []string
			for _, f := range v.FIB {
				prefixes = append(prefixes, f.Prefix.String())
			}
			if !slices.Equal(prefixes, []string{"10.244.1.0/24", "10.244.2.0/24", "198.51.100.10/32"}) {
				t.Errorf("FIB prefixes %v", prefixes)
			}

			// capture, then the same view from the saved outputs
			dir := t.TempDir()
			failed, err := router.Capture(context.Background(), kind, run, dir)
			if err != nil || len(failed) != 0 {
				t.Fatalf("capture: %v %v", err, failed)
			}
			saved := router.Collect(context.Background(), kind, "tor", router.Dir{Path: dir})
			if saved.Status != model.StatusOK || len(saved.Neighbors) != 2 || len(saved.FIB) != len(v.FIB) {
				t.Errorf("from the capture: %+v", saved)
			}

			// the router expects another ASN from node1: it refuses node1's OPEN
			if err := nl.SetRouterPeerASN("node1", 64999); err != nil {
				t.Fatal(err)
			}
			v = waitRouter(t, kind, run, "node1 refused", func(v model.RouterView) bool {
				n := routerNeighbor(v, "192.0.2.11")
				return !n.Established && strings.Contains(strings.ToLower(n.LastError), "bad peer as")
			})
			if n := routerNeighbor(v, "192.0.2.11"); n.RemoteASN != 64999 {
				t.Errorf("node1 after the change: %+v", n)
			}
			if n := routerNeighbor(v, "192.0.2.12"); !n.Established {
				t.Errorf("node2 should be unaffected: %+v", n)
			}
		})
	}
}
