// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/collect/kube"
	"github.com/spf13/cobra"
)

type watchOptions struct {
	*GlobalOptions
	duration time.Duration
	node     string
	format   string
}

func newWatchCmd(g *GlobalOptions) *cobra.Command {
	o := &watchOptions{GlobalOptions: g}
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Follow BGP sessions as they change: every state change and flap, with a per-session summary at the end",
		Long: `Print every session's state, then every change as CiliumBGPNodeConfig status reports it:
active → established, established → idle, a session that disappears, and a session that was
re-established between two status updates (its established time moved: it flapped faster
than the status was written). Stops after --for, or on Ctrl-C, with a summary of how often
each session went down. Needs a cluster (not --from/--demo) and the status reporting that
is on by default (enable-bgp-control-plane-status-report).`,
		Example: `  kubectl bgpnet watch
  kubectl bgpnet watch --for 1h --node worker-2
  kubectl bgpnet watch -o json > sessions.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return invalid(err)
			}
			return o.Run(cmd)
		},
	}
	cmd.Flags().DurationVar(&o.duration, "for", 0, "stop after this long (default: until Ctrl-C)")
	cmd.Flags().StringVar(&o.node, "node", "", "only this node")
	cmd.Flags().StringVarP(&o.format, "output", "o", "text", "output format: text, or json (one event per line)")
	return cmd
}

// Validate checks the flags.
func (o *watchOptions) Validate() error {
	if o.Demo || o.From != "" {
		return errors.New("watch follows a live cluster: --demo and --from have nothing to watch")
	}
	if o.duration < 0 {
		return errors.New("--for must not be negative")
	}
	return oneOf("output", o.format, "text", "json")
}

// Run watches until --for passes or the command is interrupted.
func (o *watchOptions) Run(cmd *cobra.Command) error {
	kc, err := o.kube()
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	if o.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	}
	p := newEventPrinter(o.Out, o.format)
	err = kube.WatchSessions(ctx, kc.dyn, func(e kube.SessionEvent) {
		if o.node == "" || e.Node == o.node {
			p.print(e)
		}
	})
	p.summary()
	return err
}

// eventPrinter writes session events as they come and sums up the flaps at the end.
type eventPrinter struct {
	mu    sync.Mutex
	w     io.Writer
	json  bool
	downs map[string]int
	last  map[string]kube.SessionEvent
}

func newEventPrinter(w io.Writer, format string) *eventPrinter {
	return &eventPrinter{w: w, json: format == "json", downs: map[string]int{}, last: map[string]kube.SessionEvent{}}
}

func sessionName(e kube.SessionEvent) string {
	return fmt.Sprintf("%s %s/%s %s", e.Node, e.Instance, e.Peer, e.PeerAddress)
}

// print writes one event (a line each, flushed at once: this is a live stream).
func (p *eventPrinter) print(e kube.SessionEvent) {
	p.mu.Lock()
	defer p.mu.Unlock()
	name := sessionName(e)
	p.last[name] = e
	if !e.Initial && e.Down() {
		p.downs[name]++
	}
	if p.json {
		b, _ := json.Marshal(e)
		fmt.Fprintf(p.w, "%s\n", b)
		return
	}
	change := e.From + " → " + e.To
	switch {
	case e.Initial:
		change = "now " + e.To
	case e.From == "":
		change = "new, " + e.To
	case e.To == "":
		change = "gone (was " + e.From + ")"
	case e.Reset:
		change = e.To + " → " + e.To + " (re-established between two updates: it flapped)"
	}
	// a live stream: one line per event, no table to align across lines
	fmt.Fprintf(p.w, "%s  %s  %s/%s (%s)  %s\n", e.Time.Local().Format("15:04:05"), e.Node, e.Instance, e.Peer, e.PeerAddress, change)
}

// summary lists, in text mode, how often each session went down while watched.
func (p *eventPrinter) summary() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.json {
		return
	}
	if len(p.downs) == 0 {
		fmt.Fprintf(p.w, "\nNo session went down while watched (%d sessions).\n", len(p.last))
		return
	}
	names := make([]string, 0, len(p.downs))
	for n := range p.downs {
		names = append(names, n)
	}
	sort.Strings(names)
	var lines []string
	for _, n := range names {
		lines = append(lines, fmt.Sprintf("  %s: down %d×, now %s", n, p.downs[n], cmp.Or(p.last[n].To, "gone")))
	}
	fmt.Fprintf(p.w, "\nSessions that went down while watched:\n%s\n", strings.Join(lines, "\n"))
}
