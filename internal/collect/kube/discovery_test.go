// SPDX-License-Identifier: Apache-2.0

package kube

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

const versionJSON = `{"major":"1","minor":"36","gitVersion":"v1.36.4"}`

// clientsFor are the clients of a test server at host.
func clientsFor(t *testing.T, host string) (kubernetes.Interface, dynamic.Interface) {
	t.Helper()
	cfg := &rest.Config{Host: host, QPS: 1000, Burst: 1000}
	core, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return core, dyn
}

// collectFrom reads a collection from an HTTP server on 127.0.0.1 answering with h.
func collectFrom(t *testing.T, h http.HandlerFunc) (*model.Snapshot, error) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	core, dyn := clientsFor(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return New(core, dyn, Options{Timeout: 5 * time.Second}).Read(ctx)
}

// A server that is not a Kubernetes API server is said to be one, and none of its
// answers is taken as "not installed".
func TestReadNotAnAPIServer(t *testing.T) {
	html := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<!doctype html><html><body>Welcome to nginx!</body></html>"))
	}
	tests := []struct {
		name string
		h    http.HandlerFunc
		want string
	}{
		{"404", http.NotFound, "GET /version answered 404 Not Found"},
		{"html", html, `GET /version answered 58 bytes that are not its JSON, starting "<!doctype html>`},
		{"garbage", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte("\x1b]0;pwned\x07\x00\xff garbage"))
		}, `starting "\x1b]0;pwned\a\x00\xff garbage"`},
		{"JSON that is no version", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"status":"ok"}`))
		}, "GET /version answered 15 bytes that are not its JSON"},
		{"html discovery", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/version" {
				_, _ = w.Write([]byte(versionJSON))
				return
			}
			html(w, r)
		}, "GET /apis/cilium.io/v2 answered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := collectFrom(t, tt.h)
			var notAPI *NotAPIServerError
			if !errors.As(err, &notAPI) || !strings.Contains(notAPI.Reason, tt.want) {
				t.Fatalf("Read: %v, want a NotAPIServerError containing %q", err, tt.want)
			}
			for _, src := range s.Sources {
				if src.Status != model.StatusError {
					t.Errorf("source %s: %s %q, want error", src.Name, src.Status, src.Message)
				}
			}
		})
	}
}

// A Kubernetes-looking server that answers 404 for nodes and Services has a broken
// core API: that is an error, not "not installed".
func TestReadCoreKind404(t *testing.T) {
	s, err := collectFrom(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/version" {
			_, _ = w.Write([]byte(versionJSON))
			return
		}
		http.NotFound(w, r)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{model.SourceNodes, model.SourceServices, model.SourceDaemonSets, model.SourceDeployments, model.SourceEndpointSlices} {
		src, _ := s.Source(name)
		if src.Status != model.StatusError || !strings.Contains(src.Message, "404 Not Found") {
			t.Errorf("%s: %s %q, want error (404)", name, src.Status, src.Message)
		}
	}
	if src, _ := s.Source(model.SourceClusterConfigs); src.Status != model.StatusNotInstalled {
		t.Errorf("a Cilium kind the server does not serve: %s, want not-installed", src.Status)
	}
	if src, _ := s.Source(model.SourceCiliumConfig); src.Status != model.StatusNotInstalled {
		t.Errorf("cilium-config: %s, want not-installed (a missing ConfigMap)", src.Status)
	}
}
