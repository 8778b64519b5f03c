// SPDX-License-Identifier: Apache-2.0

//go:build unix

package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func TestWrite(t *testing.T) {
	boom := errors.New("boom")
	content := func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }
	tests := []struct {
		name string
		// setup prepares dir and returns the path to write
		setup func(t *testing.T, dir string) string
		write func(io.Writer) error
		// wantErr is a substring of the error, "" for success
		wantErr string
		// wantMode is the file's permission afterwards (success only)
		wantMode fs.FileMode
		// keep is what path holds afterwards when the write was refused or failed
		keep string
	}{
		{name: "new file", setup: func(t *testing.T, dir string) string { return filepath.Join(dir, "snap.json") },
			write: content, wantMode: 0o600},
		{name: "regular file keeps its mode", setup: func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "snap.json")
			writeFile(t, p, "old", 0o640)
			return p
		}, write: content, wantMode: 0o640},
		{name: "write error leaves the old file and no temporary file", setup: func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "snap.json")
			writeFile(t, p, "old", 0o644)
			return p
		}, write: func(w io.Writer) error { _, _ = io.WriteString(w, "half"); return boom }, wantErr: "boom", keep: "old"},
		{name: "write error on a new file leaves nothing", setup: func(t *testing.T, dir string) string {
			return filepath.Join(dir, "snap.json")
		}, write: func(io.Writer) error { return boom }, wantErr: "boom"},
		{name: "FIFO refused", setup: func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "fifo")
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			return p
		}, write: content, wantErr: "not a regular file (a FIFO)"},
		{name: "/dev/null refused", setup: func(t *testing.T, dir string) string { return os.DevNull },
			write: content, wantErr: "/dev/null: not a regular file (a character device)"},
		{name: "symlink to elsewhere refused", setup: func(t *testing.T, dir string) string {
			target := filepath.Join(t.TempDir(), "elsewhere")
			writeFile(t, target, "old", 0o600)
			p := filepath.Join(dir, "link")
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			return p
		}, write: content, wantErr: "is a symbolic link (to ", keep: "old"},
		{name: "dangling symlink refused", setup: func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "link")
			if err := os.Symlink(filepath.Join(dir, "missing"), p); err != nil {
				t.Fatal(err)
			}
			return p
		}, write: content, wantErr: "is a symbolic link"},
		{name: "directory refused", setup: func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "sub")
			if err := os.Mkdir(p, 0o700); err != nil {
				t.Fatal(err)
			}
			return p
		}, write: content, wantErr: "is a directory"},
		{name: "missing directory", setup: func(t *testing.T, dir string) string { return filepath.Join(dir, "no", "snap.json") },
			write: content, wantErr: "no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tt.setup(t, dir)
			before := names(t, dir)
			err := Write(path, 0o600, tt.write)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if b, _ := os.ReadFile(path); string(b) != "new" {
					t.Errorf("content %q", b)
				}
				if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != tt.wantMode {
					t.Errorf("mode %v (%v), want %v", fi.Mode().Perm(), err, tt.wantMode)
				}
				if got := names(t, dir); !slices.Equal(got, []string{filepath.Base(path)}) {
					t.Errorf("directory holds %v", got)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %v, want one naming %s and containing %q", err, path, tt.wantErr)
			}
			if got := names(t, dir); !slices.Equal(got, before) {
				t.Errorf("directory holds %v after the error, before %v: a temporary file was left behind", got, before)
			}
			if tt.keep != "" {
				if b, _ := os.ReadFile(path); string(b) != tt.keep {
					t.Errorf("%s now holds %q, want %q", path, b, tt.keep)
				}
			}
		})
	}
}

func writeFile(t *testing.T, path, content string, mode fs.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // past the umask
		t.Fatal(err)
	}
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	file, link := filepath.Join(dir, "f"), filepath.Join(dir, "l")
	writeFile(t, file, "x", 0o600)
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		file: "", filepath.Join(dir, "new"): "", link: "is a symbolic link", os.DevNull: "not a regular file", dir: "is a directory",
	} {
		err := Check(path)
		if (want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("Check(%s) = %v, want %q", path, err, want)
		}
	}
}
