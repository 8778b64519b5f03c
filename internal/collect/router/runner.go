// SPDX-License-Identifier: Apache-2.0

// Package router reads an upstream BGP router — FRR through vtysh, BIRD 2 through
// birdc — with read-only show commands only, and turns what it says into a
// model.RouterView: neighbors and their state, the BGP table, the routes installed.
package router

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/safe"
)

// Command is one show command for a router tool ("vtysh" or "birdc").
type Command struct {
	Tool string
	Show string
}

func (c Command) String() string { return c.Tool + " " + c.Show }

// FileName is where a saved output of c lives in a --router-dir directory, e.g.
// "vtysh-show-bgp-summary-json.txt".
func (c Command) FileName() string {
	return c.Tool + "-" + strings.ReplaceAll(c.Show, " ", "-") + ".txt"
}

// Runner runs a show command and returns its output.
type Runner interface {
	Run(ctx context.Context, c Command) ([]byte, error)
	// Describe says how the router is reached, for messages.
	Describe() string
}

// frrCommands and birdCommands are the only commands bgpnet ever sends; birdc's
// "show route export <protocol>" is allowed for protocol names BIRD reported.
var (
	frrCommands = []string{
		"show version", "show bgp summary json", "show bgp neighbors json", "show bgp ipv4 unicast json",
		"show bgp ipv6 unicast json", "show ip route json", "show ipv6 route json", "show running-config",
	}
	birdCommands   = []string{"show status", "show protocols all", "show route all"}
	birdExportShow = regexp.MustCompile(`^show route export [A-Za-z_][A-Za-z0-9_]*$`)
)

// Allowed reports whether c is one of the read-only commands bgpnet may run.
func Allowed(c Command) bool {
	switch c.Tool {
	case "vtysh":
		return slices.Contains(frrCommands, c.Show)
	case "birdc":
		return slices.Contains(birdCommands, c.Show) || birdExportShow.MatchString(c.Show)
	}
	return false
}

// Exec runs the tools as local processes, after an optional prefix that reaches the
// router: "ssh admin@gw sudo", "ip netns exec rtr", "kubectl exec -n net frr-0 --". When
// the prefix already names the tool (it contains a word "vtysh" or "birdc", maybe with
// options such as --vty_socket), the prefix is the whole command.
type Exec struct {
	Prefix []string
	// Timeout bounds each command (default 10s); MaxBytes caps its output (default 16 MiB).
	Timeout  time.Duration
	MaxBytes int64
}

// ParsePrefix splits a --router-cmd value into words (no shell: no quoting, no
// expansion).
func ParsePrefix(s string) []string { return strings.Fields(s) }

// Describe implements Runner.
func (e Exec) Describe() string {
	if len(e.Prefix) == 0 {
		return "local"
	}
	return strings.Join(e.Prefix, " ")
}

// argv builds the command line of c. Behind an ssh prefix the words bgpnet adds are
// shell-quoted: OpenSSH joins its arguments into one line for the remote shell, which
// would otherwise split `show bgp summary json` into four arguments of vtysh.
func (e Exec) argv(c Command) []string {
	argv := slices.Clone(e.Prefix)
	var add []string
	if !slices.ContainsFunc(argv, func(w string) bool { return filepath.Base(w) == c.Tool }) {
		add = append(add, c.Tool)
	}
	if c.Tool == "vtysh" {
		add = append(add, "-c", c.Show)
	} else {
		add = append(add, strings.Fields(c.Show)...)
	}
	if len(argv) > 0 && filepath.Base(argv[0]) == "ssh" {
		for i, w := range add {
			add[i] = safe.Quote(w)
		}
	}
	return append(argv, add...)
}

// Run implements Runner.
func (e Exec) Run(ctx context.Context, c Command) ([]byte, error) {
	if !Allowed(c) {
		return nil, fmt.Errorf("refusing to run %q: not one of the read-only show commands bgpnet uses", c)
	}
	timeout, max := e.Timeout, e.MaxBytes
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	if max <= 0 {
		max = 16 << 20
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	argv := e.argv(c)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	stderr := &head{max: maxStderr}
	out := &capped{max: max}
	cmd.Stdout, cmd.Stderr = out, stderr
	cmd.WaitDelay = time.Second
	ownGroup(cmd) // on timeout the whole group ends: ssh, sudo, vtysh and what they started
	err := cmd.Run()
	switch {
	case out.over:
		return nil, fmt.Errorf("%s: output larger than %d bytes", c, max)
	case ctx.Err() == context.DeadlineExceeded:
		return nil, fmt.Errorf("%s: no answer within %s", c, timeout)
	case err != nil:
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = strings.TrimSpace(firstLine(out.buf.String()))
		}
		return nil, fmt.Errorf("%s (via %s): %w: %s", c, e.Describe(), err, msg)
	}
	return out.buf.Bytes(), nil
}

// capped keeps at most max bytes and remembers that more came.
type capped struct {
	buf  bytes.Buffer
	max  int64
	over bool
}

func (c *capped) Write(p []byte) (int, error) {
	if int64(c.buf.Len()+len(p)) > c.max {
		c.over = true
		return 0, errors.New("output too large")
	}
	return c.buf.Write(p)
}

// maxStderr bounds the standard error kept of a command: enough for its message.
const maxStderr = 64 << 10

// head keeps the first max bytes written to it and says when more came; it never
// fails a write, so that a chatty command is not killed for its stderr.
type head struct {
	buf     bytes.Buffer
	max     int
	dropped int64
}

func (h *head) Write(p []byte) (int, error) {
	keep := min(len(p), h.max-h.buf.Len())
	h.buf.Write(p[:keep])
	h.dropped += int64(len(p) - keep)
	return len(p), nil
}

func (h *head) String() string {
	if h.dropped > 0 {
		return fmt.Sprintf("%s … (%d more bytes of stderr not kept)", h.buf.String(), h.dropped)
	}
	return h.buf.String()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// maxSaved bounds a saved output read by Dir.
const maxSaved = 64 << 20

// Dir reads saved outputs (written by `kubectl bgpnet router capture DIR`).
type Dir struct{ Path string }

// Describe implements Runner.
func (d Dir) Describe() string { return "saved outputs in " + d.Path }

// Run implements Runner.
func (d Dir) Run(_ context.Context, c Command) ([]byte, error) {
	if !Allowed(c) {
		return nil, fmt.Errorf("refusing %q: not one of the show commands bgpnet uses", c)
	}
	f, err := os.Open(filepath.Join(d.Path, c.FileName()))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSaved+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s: read %s: %w", c, c.FileName(), err)
	case len(b) > maxSaved:
		return nil, fmt.Errorf("%s: %s is larger than %d MiB: not read", c, c.FileName(), maxSaved>>20)
	}
	return b, nil
}
