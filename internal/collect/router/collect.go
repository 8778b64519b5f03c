// SPDX-License-Identifier: Apache-2.0

package router

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// Kinds are the supported router daemons.
var Kinds = []string{"frr", "bird"}

// Collect reads one router of kind ("frr" or "bird") through r. The view's status says
// whether it could be read at all; Problems lists the commands that failed.
func Collect(ctx context.Context, kind, name string, r Runner) model.RouterView {
	v := model.RouterView{Name: name, Kind: kind, Via: r.Describe()}
	if v.Name == "" {
		v.Name = kind + " (" + r.Describe() + ")"
	}
	ctx, cancel := context.WithCancel(ctx)
	p := startPrefetch(ctx, r, Commands(kind))
	defer p.wait()
	defer cancel() // before the wait: commands no longer needed end now
	switch kind {
	case "frr":
		collectFRR(ctx, p, &v)
	case "bird":
		collectBIRD(ctx, p, &v)
	default:
		v.Status, v.Message = model.StatusError, fmt.Sprintf("unknown router kind %q (want frr or bird)", kind)
	}
	return v
}

// maxParallel bounds the commands run at once on one router (sshd refuses many
// unauthenticated connections at once: MaxStartups).
const maxParallel = 4

// prefetch runs a router's commands concurrently, at most maxParallel at once, so that
// reading a router takes about as long as its slowest command instead of the sum of
// all; Run returns a prefetched output, and runs any other command itself.
type prefetch struct {
	Runner
	results map[Command]*pending
	wg      sync.WaitGroup
}

// pending is the outcome of one prefetched command, ready once done is closed.
type pending struct {
	done chan struct{}
	out  []byte
	err  error
}

func startPrefetch(ctx context.Context, r Runner, cmds []Command) *prefetch {
	p := &prefetch{Runner: r, results: map[Command]*pending{}}
	for _, c := range cmds {
		p.results[c] = &pending{done: make(chan struct{})}
	}
	sem := make(chan struct{}, maxParallel)
	p.wg.Go(func() { // starts them in order: the summary is never queued behind the rest
		for _, c := range cmds {
			pd := p.results[c]
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				pd.err = fmt.Errorf("%s: not run: %w", c, context.Cause(ctx))
				close(pd.done)
				continue
			}
			p.wg.Go(func() {
				defer close(pd.done)
				defer func() { <-sem }()
				pd.out, pd.err = r.Run(ctx, c)
			})
		}
	})
	return p
}

// Run implements Runner.
func (p *prefetch) Run(ctx context.Context, c Command) ([]byte, error) {
	if pd, ok := p.results[c]; ok {
		<-pd.done
		return pd.out, pd.err
	}
	return p.Runner.Run(ctx, c)
}

// wait waits for the prefetched commands to end.
func (p *prefetch) wait() { p.wg.Wait() }

// Commands lists the show commands Capture saves for kind (BIRD's per-kernel-protocol
// exports are added once the protocols are known).
func Commands(kind string) []Command {
	var out []Command
	switch kind {
	case "frr":
		for _, s := range frrCommands {
			out = append(out, Command{Tool: "vtysh", Show: s})
		}
	case "bird":
		for _, s := range birdCommands {
			out = append(out, Command{Tool: "birdc", Show: s})
		}
	}
	return out
}

// Capture runs the commands of kind through r and saves each output in dir under
// Command.FileName, for --router-dir later. It returns the commands that failed.
func Capture(ctx context.Context, kind string, r Runner, dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var failed []string
	save := func(c Command) []byte {
		out, err := r.Run(ctx, c)
		if err != nil {
			failed = append(failed, err.Error())
			return nil
		}
		if err := os.WriteFile(filepath.Join(dir, c.FileName()), out, 0o644); err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", c, err))
		}
		return out
	}
	for _, c := range Commands(kind) {
		out := save(c)
		if kind == "bird" && c.Show == "show protocols all" && out != nil {
			if protos, err := parseBirdProtocols(c, out); err == nil {
				for _, p := range protos {
					if p.Proto == "Kernel" {
						save(Command{Tool: "birdc", Show: "show route export " + p.Name})
					}
				}
			}
		}
	}
	return failed, nil
}
