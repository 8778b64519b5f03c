// SPDX-License-Identifier: Apache-2.0

// Package atomicfile writes files so that a reader never sees a half-written one and
// nothing but a regular file is ever replaced.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Write writes path atomically: write fills a temporary file next to it, which is
// synced and renamed over path only once complete; on any error it is removed.
//
// An existing path must be a regular file, and keeps its permission bits (a new file
// gets perm). A device (/dev/null), a FIFO, a directory or a symbolic link is
// refused: renaming over it would replace the device node or the link itself, not
// write where it leads.
func Write(path string, perm fs.FileMode, write func(io.Writer) error) (err error) {
	fi, err := lstat(path)
	if err != nil {
		return err
	}
	if fi != nil {
		perm = fi.Mode().Perm()
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) { // name the directory, not the temporary file
			err = pe.Err
		}
		return fmt.Errorf("write %s: create a file in %s: %w", path, dir, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close() // a second Close after a failed one is harmless
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	syncDir(dir)
	return nil
}

// Check reports whether Write may write path: it does not exist yet or is a regular
// file. Commands call it before the work whose result they write.
func Check(path string) error {
	_, err := lstat(path)
	return err
}

// lstat returns path's info (nil when it does not exist) or why it must not be replaced.
func lstat(path string) (fs.FileInfo, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return fi, replaceable(path, fi)
}

// replaceable refuses to replace anything but a regular file.
func replaceable(path string, fi fs.FileInfo) error {
	m := fi.Mode()
	switch {
	case m.IsRegular():
		return nil
	case m&fs.ModeSymlink != 0:
		target, _ := os.Readlink(path)
		return fmt.Errorf("write %s: it is a symbolic link (to %s); give the path of the file itself", path, target)
	case m.IsDir():
		return fmt.Errorf("write %s: it is a directory", path)
	}
	return fmt.Errorf("write %s: not a regular file (%s), refusing to replace it", path, kind(m))
}

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "mode " + m.String()
}

// syncDir makes the rename durable; a directory that cannot be synced (some file
// systems, other platforms) leaves it as durable as the system makes it.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
