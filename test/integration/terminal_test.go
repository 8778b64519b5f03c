// SPDX-License-Identifier: Apache-2.0

package integration

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedWriter collects a process's output for polling.
type lockedWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *lockedWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestTUIInTerminal runs the real binary in a pseudo-terminal (util-linux script), as
// `kubectl bgpnet --demo` on a user's terminal: it draws, switches screens, honours
// NO_COLOR (and colours without it), and quits on q within a second.
func TestTUIInTerminal(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Fatal("this test needs script(1) from util-linux (bsdutils)")
	}
	bin := filepath.Join(t.TempDir(), "kubectl-bgpnet")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/bgpnet/kubectl-bgpnet/cmd/kubectl-bgpnet").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	run := func(t *testing.T, source string, env ...string) string {
		cmd := exec.Command("script", "-qfc", "stty cols 120 rows 32; exec "+bin+" "+source, "/dev/null")
		cmd.Env = append(os.Environ(), append([]string{"TERM=xterm-256color"}, env...)...)
		in, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		var out lockedWriter
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = cmd.Process.Kill() }()
		wait := func(s string) {
			t.Helper()
			deadline := time.Now().Add(20 * time.Second)
			for !strings.Contains(out.String(), s) {
				if time.Now().After(deadline) {
					t.Fatalf("%q not drawn within 20s:\n%q", s, out.String())
				}
				time.Sleep(50 * time.Millisecond)
			}
		}
		wait("Sessions")
		_, _ = io.WriteString(in, "7")
		wait("checks ran")
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		start := time.Now()
		_, _ = io.WriteString(in, "q")
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("exit: %v\n%s", err, out.String())
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("q took %s", d)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("q did not end the program within 5s")
		}
		return out.String()
	}
	t.Run("colours", func(t *testing.T) {
		if out := run(t, "--demo"); !strings.Contains(out, "\x1b[38;") {
			t.Errorf("no colour on a 256-colour terminal:\n%q", out)
		}
	})
	t.Run("from a saved snapshot", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "demo.json")
		if out, err := exec.Command(bin, "snapshot", "--demo", "-o", "json", "--output-file", file).CombinedOutput(); err != nil {
			t.Fatalf("save: %v\n%s", err, out)
		}
		if out := run(t, "--from "+file); !strings.Contains(out, "snapshot "+file) {
			t.Errorf("the status bar does not name the file:\n%q", out)
		}
	})
	t.Run("NO_COLOR", func(t *testing.T) {
		out := run(t, "--demo", "NO_COLOR=1")
		if i := strings.Index(out, "\x1b[38;"); i >= 0 {
			t.Errorf("a colour with NO_COLOR: %q", out[i:min(i+30, len(out))])
		}
	})
}
