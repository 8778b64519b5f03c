// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// agentAPI serves the agent's BGP endpoints on a unix socket, with models JSON.
func agentAPI(t *testing.T, h http.Handler) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cilium.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return path
}

func TestFromSocket(t *testing.T) {
	peers, routes := read(t, "peers-1.14-doc.json"), read(t, "routes-advertised-ipv4.json")
	var asked []string
	path := agentAPI(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.Path+"?"+r.URL.RawQuery)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/v1/bgp/peers":
			_, _ = w.Write(peers)
		case r.URL.Path == "/v1/bgp/routes" && r.URL.Query().Get("afi") == "ipv4":
			_, _ = w.Write(routes)
		case r.URL.Path == "/v1/bgp/routes":
			_, _ = w.Write([]byte("[]"))
		default:
			http.NotFound(w, r)
		}
	}))
	n := FromSocket(context.Background(), path, "node-1", true, 5*time.Second)
	if n.Status != model.StatusOK || len(n.Peers) != 1 || n.Peers[0].PeerAddress != "172.0.0.1" || len(n.Routes) != 2 || n.Routes[0].NextHops[0].String() != "10.0.1.2" {
		t.Fatalf("agent via socket: %+v", n)
	}
	if !strings.Contains(strings.Join(asked, " "), "table_type=advertised") {
		t.Errorf("route queries: %v", asked)
	}
}

func TestFromSocketFailures(t *testing.T) {
	disabled := agentAPI(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotImplemented)
		_, _ = w.Write([]byte(`"BGP Control Plane disabled"`))
	}))
	if n := FromSocket(context.Background(), disabled, "n", false, 5*time.Second); n.Status != model.StatusNotInstalled {
		t.Errorf("disabled: %+v", n)
	}
	hang := agentAPI(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	if n := FromSocket(context.Background(), hang, "n", false, 500*time.Millisecond); n.Status != model.StatusTimeout {
		t.Errorf("hanging agent: %+v", n)
	}
	if n := FromSocket(context.Background(), filepath.Join(t.TempDir(), "none.sock"), "n", false, time.Second); n.Status != model.StatusError || !strings.Contains(n.Message, "none.sock") {
		t.Errorf("no socket: %+v", n)
	}
	garbage := agentAPI(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{[`))
	}))
	if n := FromSocket(context.Background(), garbage, "n", false, time.Second); n.Status != model.StatusError {
		t.Errorf("garbage: %+v", n)
	}
}
