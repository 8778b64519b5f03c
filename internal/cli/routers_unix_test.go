// SPDX-License-Identifier: Apache-2.0

//go:build unix

package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// TestCollectRoutersDeadline: several routers whose commands hang after the summary
// are all read under one --router-timeout (before: each of the 7 other commands had its
// own, one after the other), and are partial, not ok.
func TestCollectRoutersDeadline(t *testing.T) {
	hang := filepath.Join(t.TempDir(), "hang")
	if err := os.WriteFile(hang, []byte("#!/bin/sh\n[ \"$3\" = 'show bgp summary json' ] && echo '{}' && exit 0\nsleep 30 &\nsleep 30\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := RouterOptions{Kinds: []string{"frr", "frr", "frr"}, Cmds: []string{hang, hang, hang}, Timeout: 500 * time.Millisecond}
	specs, err := r.specs()
	if err != nil {
		t.Fatal(err)
	}
	s := &model.Snapshot{}
	start := time.Now()
	r.collectRouters(context.Background(), s, specs)
	elapsed := time.Since(start)
	st, _ := s.Source(model.SourceRouters)
	if elapsed > 1500*time.Millisecond || st.Display() != "partial" || st.Failed != 3 || len(s.Routers) != 3 {
		t.Errorf("after %s: %s %q, %d routers", elapsed, st.Display(), st.Message, len(s.Routers))
	}
	for _, v := range s.Routers {
		if v.Status != model.StatusOK || len(v.Problems) < 5 || !strings.Contains(v.Problems[0], "no answer within") {
			t.Errorf("router %s: %s %q %q", v.Name, v.Status, v.Message, v.Problems)
		}
	}
}
