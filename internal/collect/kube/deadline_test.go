// SPDX-License-Identifier: Apache-2.0

package kube

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// hostile serves on 127.0.0.1 like a broken API server: "blackhole" accepts and never
// answers, "slow" answers every request with a 404 after delay, "trickle" sends the
// headers of a JSON answer and then a byte every 50ms.
func hostile(t *testing.T, kind string, delay time.Duration) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	if kind == "blackhole" {
		go func() {
			var conns []net.Conn
			for {
				c, err := l.Accept()
				if err != nil {
					for _, c := range conns {
						c.Close()
					}
					return
				}
				conns = append(conns, c) // held open, never read or answered
			}
		}()
	} else {
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			wait := func(d time.Duration) bool {
				select {
				case <-time.After(d):
					return true
				case <-done:
				case <-req.Context().Done():
				}
				return false
			}
			if kind == "slow" {
				if wait(delay) {
					http.NotFound(w, req)
				}
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			for _, b := range []byte(`{"kind":"Status","apiVersion":"v1"` + string(make([]byte, 10000))) {
				if !wait(50 * time.Millisecond) {
					return
				}
				_, _ = w.Write([]byte{b})
				w.(http.Flusher).Flush()
			}
		})}
		go func() { _ = srv.Serve(l) }()
	}
	t.Cleanup(func() {
		close(done)
		l.Close()
	})
	return "http://" + l.Addr().String()
}

// TestCollectDeadline: whatever the server does, a collection ends within about its
// timeout (before: discovery, then each wave of sources, each with the whole timeout),
// and every source says it timed out.
func TestCollectDeadline(t *testing.T) {
	const timeout = 1500 * time.Millisecond
	for _, kind := range []string{"blackhole", "slow", "trickle"} {
		t.Run(kind, func(t *testing.T) {
			core, dyn := clientsFor(t, hostile(t, kind, 600*time.Millisecond))
			start := time.Now()
			s := New(core, dyn, Options{Timeout: timeout}).Collect(context.Background())
			elapsed := time.Since(start)
			t.Logf("%s: collection ended after %s (timeout %s)", kind, elapsed.Round(time.Millisecond), timeout)
			if elapsed > timeout*12/10+300*time.Millisecond { // slack for a loaded machine

				t.Errorf("collection took %s, more than 1.2 × %s", elapsed, timeout)
			}
			for _, st := range s.Sources {
				if kind != "slow" && st.Status != model.StatusTimeout {
					t.Errorf("source %s: %s %q, want timeout", st.Name, st.Status, st.Message)
				}
			}
		})
	}
}
