// SPDX-License-Identifier: Apache-2.0

//go:build unix

package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/snapshot"
	"github.com/bgpnet/kubectl-bgpnet/internal/testenv"
)

// TestLoadFrom reads every kind of --from input, by path, through a FIFO and on stdin:
// not one byte may be lost to telling a snapshot from a sysdump.
func TestLoadFrom(t *testing.T) {
	demo, err := snapshot.Demo()
	if err != nil {
		t.Fatal(err)
	}
	var js, ys, zip bytes.Buffer
	if err := snapshot.Encode(&js, demo, snapshot.JSON); err != nil {
		t.Fatal(err)
	}
	if err := snapshot.Encode(&ys, demo, snapshot.YAML); err != nil {
		t.Fatal(err)
	}
	if err := testenv.WriteSysdumpZip(&zip, map[string][]byte{
		"k8s-nodes-" + testenv.SysdumpTime + ".yaml": []byte("apiVersion: v1\nkind: NodeList\nitems:\n- metadata: {name: n1}\n"),
	}); err != nil {
		t.Fatal(err)
	}
	for _, in := range []struct {
		name, origin string
		data         []byte
	}{{"json", "file", js.Bytes()}, {"yaml", "file", ys.Bytes()}, {"sysdump", "sysdump", zip.Bytes()}} {
		for _, how := range []string{"file", "fifo", "stdin"} {
			t.Run(in.name+" "+how, func(t *testing.T) {
				p := filepath.Join(t.TempDir(), "input")
				var stdin *bytes.Reader
				switch how {
				case "file":
					if err := os.WriteFile(p, in.data, 0o644); err != nil {
						t.Fatal(err)
					}
				case "fifo":
					if err := syscall.Mkfifo(p, 0o600); err != nil {
						t.Fatal(err)
					}
					go func() { _ = os.WriteFile(p, in.data, 0o600) }() // opens the FIFO for writing
				case "stdin":
					p, stdin = "-", bytes.NewReader(in.data)
				}
				s, err := loadFrom(context.Background(), p, stdin)
				if err != nil {
					t.Fatal(err)
				}
				if s.Origin != in.origin || len(s.Nodes) == 0 {
					t.Errorf("origin %q, %d nodes", s.Origin, len(s.Nodes))
				}
			})
		}
	}
}

// TestLoadFromCancelled: a FIFO that never delivers (no writer, or a writer that
// writes nothing) does not outlive the context.
func TestLoadFromCancelled(t *testing.T) {
	for _, writer := range []bool{false, true} {
		p := filepath.Join(t.TempDir(), "fifo")
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatal(err)
		}
		if writer {
			go func() {
				f, err := os.OpenFile(p, os.O_WRONLY, 0)
				if err == nil {
					time.Sleep(5 * time.Second)
					f.Close()
				}
			}()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		start := time.Now()
		_, err := loadFrom(ctx, p, nil)
		cancel()
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Errorf("writer %v: returned after %s", writer, elapsed)
		}
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), p) {
			t.Errorf("writer %v: error %v, want the deadline naming %s", writer, err, p)
		}
		// unblock the open left behind: the writer's, or the reader's without a writer
		mode := os.O_WRONLY
		if writer {
			mode = os.O_RDONLY
		}
		if f, err := os.OpenFile(p, mode|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	}
}
