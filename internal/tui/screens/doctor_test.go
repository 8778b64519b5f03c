// SPDX-License-Identifier: Apache-2.0

//go:build unix

package screens

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/msgs"
)

// w never writes into, or replaces, whatever already has the fix file's name (a link,
// a FIFO, a file), and says why when it cannot write at all.
func TestWriteFix(t *testing.T) {
	f := checks.Finding{ID: "node-label-near-miss", Subject: model.Ref{Kind: "Node", Name: "nuc-2"}}
	const base = "bgpnet-fix-node-label-near-miss-nuc-2"
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  string // the file written, or the error's text
		err   bool
	}{
		{"empty dir", func(*testing.T, string) {}, base + ".txt", false},
		{"dangling link", func(t *testing.T, dir string) {
			if err := os.Symlink(filepath.Join(t.TempDir(), "elsewhere"), filepath.Join(dir, base+".txt")); err != nil {
				t.Fatal(err)
			}
		}, base + "-2.txt", false},
		{"FIFO and file", func(t *testing.T, dir string) {
			if err := syscall.Mkfifo(filepath.Join(dir, base+".txt"), 0o600); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			if err := os.WriteFile(filepath.Join(dir, base+"-2.txt"), []byte("mine"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, base + "-3.txt", false},
		{"missing dir", func(t *testing.T, dir string) {
			if err := os.Remove(dir); err != nil {
				t.Fatal(err)
			}
		}, base + ".txt: create a file in ", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "fixes")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			tt.setup(t, dir)
			before, _ := os.ReadDir(dir)
			msg, _ := writeFix(dir, f)().(msgs.FlashMsg)
			if msg.Err != tt.err || !strings.Contains(msg.Text, tt.want) {
				t.Fatalf("flash %+v, want %q (error %v)", msg, tt.want, tt.err)
			}
			if tt.err {
				return
			}
			b, err := os.ReadFile(filepath.Join(dir, tt.want))
			if err != nil || !strings.HasPrefix(string(b), "# fix") && len(f.Fixes) > 0 {
				t.Errorf("%s: %v %q", tt.want, err, b)
			}
			after, _ := os.ReadDir(dir)
			if len(after) != len(before)+1 {
				t.Errorf("dir holds %d entries, want %d (a temporary file left?)", len(after), len(before)+1)
			}
			if b, _ := os.ReadFile(filepath.Join(dir, base+"-2.txt")); tt.name == "FIFO and file" && string(b) != "mine" {
				t.Errorf("an existing file was replaced: %q", b)
			}
		})
	}
}
