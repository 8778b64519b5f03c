// SPDX-License-Identifier: Apache-2.0

package router

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// slow answers every command after delay, counting how many run at once.
type slow struct {
	Runner
	delay         time.Duration
	running, peak atomic.Int32
}

func (s *slow) Run(ctx context.Context, c Command) ([]byte, error) {
	n := s.running.Add(1)
	defer s.running.Add(-1)
	for p := s.peak.Load(); n > p && !s.peak.CompareAndSwap(p, n); p = s.peak.Load() {
	}
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return s.Runner.Run(ctx, c)
}

// TestCollectConcurrent: a router's commands run at once (at most maxParallel), so
// reading one takes about as long as its slowest command, not the sum of all.
func TestCollectConcurrent(t *testing.T) {
	for _, tc := range []struct{ kind, dir string }{{"frr", "testdata/frr"}, {"bird", "testdata/bird"}} {
		t.Run(tc.kind, func(t *testing.T) {
			r := &slow{Runner: Dir{Path: tc.dir}, delay: 300 * time.Millisecond}
			start := time.Now()
			v := Collect(context.Background(), tc.kind, "r", r)
			elapsed := time.Since(start)
			if v.Status != model.StatusOK || len(v.Problems) != 0 {
				t.Fatalf("%s %s %v", v.Status, v.Message, v.Problems)
			}
			// FRR: 8 commands in 2 rounds; BIRD: 3 at once, then the kernel exports
			if elapsed > 1200*time.Millisecond || r.peak.Load() > maxParallel || r.peak.Load() < 2 {
				t.Errorf("took %s with %d commands at once", elapsed, r.peak.Load())
			}
		})
	}
}

// TestCollectDeadline: under one deadline, a router whose commands never answer is
// an error within about that deadline, and no command outlives Collect.
func TestCollectDeadline(t *testing.T) {
	r := &slow{Runner: Dir{Path: "testdata/frr"}, delay: time.Hour}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	v := Collect(ctx, "frr", "r", r)
	if elapsed := time.Since(start); elapsed > time.Second || v.Status != model.StatusError || r.running.Load() != 0 {
		t.Errorf("after %s: %s %q, %d commands still running", elapsed, v.Status, v.Message, r.running.Load())
	}
}

func TestDirTooLarge(t *testing.T) {
	dir := t.TempDir()
	c := Command{Tool: "vtysh", Show: "show version"}
	f, err := os.Create(filepath.Join(dir, c.FileName()))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(maxSaved + 1); err != nil { // sparse: nothing written
		t.Fatal(err)
	}
	f.Close()
	if _, err := (Dir{Path: dir}).Run(context.Background(), c); err == nil || !strings.Contains(err.Error(), "larger than 64 MiB") {
		t.Errorf("a saved output beyond the limit: %v, want an error, not a cut output", err)
	}
}
