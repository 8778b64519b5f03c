// SPDX-License-Identifier: Apache-2.0

//go:build unix

package router

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestExecBounds runs real processes: stderr is kept only up to maxStderr, and a
// timeout ends the command's whole process group, also what it left in the
// background holding its output open (without the group kill, Run would wait for
// WaitDelay).
func TestExecBounds(t *testing.T) {
	show := Command{Tool: "vtysh", Show: "show version"}
	e := Exec{Prefix: []string{"sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' e >&2; exit 1", "x"}}
	_, err := e.Run(context.Background(), show)
	if err == nil || len(err.Error()) > maxStderr+200 || !strings.Contains(err.Error(), "more bytes of stderr not kept") {
		t.Errorf("1 MB of stderr: %d bytes of error, %.100q", len(err.Error()), err)
	}
	e = Exec{Prefix: []string{"sh", "-c", "sleep 30 & sleep 30; wait", "x"}, Timeout: 300 * time.Millisecond}
	start := time.Now()
	_, err = e.Run(context.Background(), show)
	if elapsed := time.Since(start); elapsed > 900*time.Millisecond || err == nil || !strings.Contains(err.Error(), "no answer within 300ms") {
		t.Errorf("after %s: %v", elapsed, err)
	}
}
