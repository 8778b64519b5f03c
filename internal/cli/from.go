// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/bgpnet/kubectl-bgpnet/internal/collect/sysdump"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/snapshot"
)

// maxSpool bounds a sysdump read from a pipe, which is copied to a temporary file
// first (a zip needs random access).
const maxSpool = 4 << 30

// loadFrom reads the --from input: a snapshot (JSON or YAML) or a cilium sysdump (zip),
// from a file, a FIFO or stdin ("-"). The input is opened once and its format told from
// its first bytes without losing them. It returns when ctx ends, also while the input
// delivers nothing (a FIFO no one writes to).
func loadFrom(ctx context.Context, p string, stdin io.Reader) (*model.Snapshot, error) {
	type result struct {
		s   *model.Snapshot
		err error
	}
	var in fromInput
	done := make(chan result, 1)
	go func() {
		s, err := in.read(p, stdin)
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-ctx.Done():
		in.cancel() // unblocks a read of a FIFO; a blocked open or stdin read is left behind
		return nil, fmt.Errorf("read --from %s: interrupted: %w", p, context.Cause(ctx))
	}
}

// fromInput is the file being read, closed when the read is cancelled.
type fromInput struct {
	mu        sync.Mutex
	f         *os.File
	cancelled bool
}

// open opens p; it blocks on a FIFO until a writer opens it.
func (in *fromInput) open(p string) (*os.File, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("open snapshot: %w", err)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.cancelled {
		f.Close()
		return nil, fmt.Errorf("read --from %s: interrupted", p)
	}
	in.f = f
	return f, nil
}

func (in *fromInput) cancel() {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.cancelled = true
	if in.f != nil {
		in.f.Close()
	}
}

// read reads p (stdin for "-"): a regular file in place, anything else as a stream.
func (in *fromInput) read(p string, stdin io.Reader) (*model.Snapshot, error) {
	r, name := stdin, "stdin"
	if p != "-" {
		f, err := in.open(p)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			head := make([]byte, 4)
			if n, _ := f.ReadAt(head, 0); sysdump.IsZip(head[:n]) {
				return sysdump.ReadArchive(f, fi.Size(), p, sysdump.DefaultLimits)
			}
			return decodeSnapshot(f, p)
		}
		r, name = f, p
	}
	if r == nil {
		return nil, fmt.Errorf("read --from -: no standard input")
	}
	br := bufio.NewReader(r)
	if head, _ := br.Peek(4); sysdump.IsZip(head) {
		return spoolSysdump(br, name)
	}
	return decodeSnapshot(br, name)
}

// decodeSnapshot decodes a snapshot file.
func decodeSnapshot(r io.Reader, name string) (*model.Snapshot, error) {
	s, err := snapshot.Decode(r, name)
	if err != nil {
		return nil, err
	}
	s.Origin = "file"
	return s, nil
}

// spoolSysdump copies a sysdump from a stream to a temporary file and reads it there.
func spoolSysdump(r io.Reader, name string) (*model.Snapshot, error) {
	tmp, err := os.CreateTemp("", "bgpnet-sysdump-*.zip")
	if err != nil {
		return nil, fmt.Errorf("sysdump %s: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	n, err := io.Copy(tmp, io.LimitReader(r, maxSpool+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("sysdump %s: copy to %s: %w", name, tmp.Name(), err)
	case n > maxSpool:
		return nil, fmt.Errorf("sysdump %s: larger than %d GiB, more than a sysdump has: refusing to read it", name, maxSpool>>30)
	}
	return sysdump.ReadArchive(tmp, n, name, sysdump.DefaultLimits)
}
