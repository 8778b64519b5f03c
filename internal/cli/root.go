// SPDX-License-Identifier: Apache-2.0

// Package cli holds the cobra commands of kubectl bgpnet. Each command has an Options
// struct run as Complete → Validate → Run; engines live in other packages.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/safe"
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/klog/v2"

	// every auth provider kubeconfigs may name (exec, oidc, …)
	_ "k8s.io/client-go/plugin/pkg/client/auth"
)

// EnvCiliumNamespace overrides the default of --cilium-namespace, as in cilium-cli.
const EnvCiliumNamespace = "CILIUM_NAMESPACE"

// GlobalOptions are the flags every command shares.
type GlobalOptions struct {
	ConfigFlags     *genericclioptions.ConfigFlags
	CiliumNamespace string
	From            string
	Demo            bool
	Timeout         time.Duration
	LogFile         string
	LogLevel        string

	genericiooptions.IOStreams
	Logger  *slog.Logger
	closers []io.Closer
	clients *kubeClients
	// progress, when set, hears each Kubernetes source as it finishes (the TUI).
	progress func(model.SourceStatus)
	// tui holds the root command's own flags (the terminal UI).
	tui *tuiOptions
}

// ExitError carries a process exit code out of a command.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// Execute runs kubectl bgpnet with args and returns the process exit code.
func Execute(ctx context.Context, streams genericiooptions.IOStreams, args []string) int {
	g := &GlobalOptions{IOStreams: streams}
	defer g.close()
	cmd := NewRootCmd(g)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var ee *ExitError
	var found errFindings
	if !errors.As(err, &found) {
		fmt.Fprintf(streams.ErrOut, "Error: %s\n", safe.Lines(err.Error()))
	}
	if errors.As(err, &ee) {
		return ee.Code
	}
	return 1
}

// NewRootCmd builds the command tree around g.
func NewRootCmd(g *GlobalOptions) *cobra.Command {
	g.ConfigFlags = genericclioptions.NewConfigFlags(true)
	cmd := &cobra.Command{
		Use:   "kubectl-bgpnet",
		Short: "Troubleshoot Cilium BGP networking",
		Long: `kubectl bgpnet joins node labels, Cilium's BGP configuration, the agents' sessions and
routes, LB-IPAM pools and Services into one snapshot, explains what is broken and why,
and hands over the fix.`,
		Example: `  # summarise the BGP setup of the current cluster
  kubectl bgpnet snapshot

  # save a snapshot to inspect offline, then read it back
  kubectl bgpnet snapshot -o json --output-file cluster.json
  kubectl bgpnet snapshot --from cluster.json

  # the terminal UI (no subcommand), on the cluster or the demo
  kubectl bgpnet
  kubectl bgpnet --demo

  # try it without a cluster
  kubectl bgpnet snapshot --demo`,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl bgpnet"},
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return invalid(g.setup())
		},
		Args: cobra.NoArgs,
	}
	cmd.SetIn(g.In)
	cmd.SetOut(g.Out)
	cmd.SetErr(g.ErrOut)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return invalid(err) })

	fs := cmd.PersistentFlags()
	g.ConfigFlags.AddFlags(fs)
	ns := os.Getenv(EnvCiliumNamespace)
	if ns == "" {
		ns = "kube-system"
	}
	fs.StringVar(&g.CiliumNamespace, "cilium-namespace", ns, "namespace of the Cilium agent, operator and cilium-config (env "+EnvCiliumNamespace+")")
	fs.StringVar(&g.From, "from", "", "read a saved snapshot file (JSON or YAML) or a cilium sysdump zip instead of a cluster (- for stdin)")
	fs.BoolVar(&g.Demo, "demo", false, "use the embedded demo snapshot (a partly broken dual-stack homelab) instead of a cluster")
	fs.DurationVar(&g.Timeout, "timeout", 30*time.Second, "time limit for the whole collection from the cluster (every Kubernetes kind by one deadline)")
	fs.StringVar(&g.LogFile, "log-file", "", "write logs to this file instead of stderr")
	fs.StringVar(&g.LogLevel, "log-level", "warn", "log level: debug, info, warn or error")
	cmd.MarkFlagsMutuallyExclusive("from", "demo")
	addTUI(cmd, g)

	cmd.AddCommand(newDoctorCmd(g), newPeersCmd(g), newRoutesCmd(g), newPoolsCmd(g), newNodesCmd(g), newFlowsCmd(g), newRouterCmd(g), newRouterConfigCmd(g), newFixCmd(g), newProbeCmd(g), newSnapshotCmd(g), newDiagramCmd(g), newWhatIfCmd(g), newWatchCmd(g), newVersionCmd(g))
	return cmd
}

// setup validates the global flags and opens the log.
func (g *GlobalOptions) setup() error {
	if err := positive("timeout", g.Timeout); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(g.LogLevel)); err != nil {
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", g.LogLevel)
	}
	var w io.Writer = g.ErrOut
	if g.LogFile != "" {
		f, err := os.OpenFile(g.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("open --log-file: %w", err)
		}
		g.closers = append(g.closers, f)
		w = f
	}
	g.Logger = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
	// client-go reports through klog, e.g. a port-forward stream closing; that is
	// internal chatter: shown with --log-level debug only, never on a user's terminal
	klogSink.set(debugOnly{g.Logger.Handler()})
	return nil
}

// klog is process-global and read by client-go goroutines that may outlive a run (a
// port-forward closing): it is pointed once at klogSink, whose handler each run swaps
// atomically, so runs in one process (the tests) never race on klog's globals.
var (
	klogSink klogBridge
	klogOnce sync.Once
)

// klogBridge is an slog.Handler forwarding to the current run's handler.
type klogBridge struct {
	cur   atomic.Pointer[slog.Handler]
	attrs []slog.Attr
	group string
	root  *klogBridge
}

func (k *klogBridge) set(h slog.Handler) {
	k.cur.Store(&h)
	klogOnce.Do(func() { klog.SetSlogLogger(slog.New(&klogBridge{root: k})) })
}

func (k *klogBridge) handler() slog.Handler {
	if p := k.root.cur.Load(); p != nil {
		h := *p
		if k.group != "" {
			h = h.WithGroup(k.group)
		}
		if len(k.attrs) > 0 {
			h = h.WithAttrs(k.attrs)
		}
		return h
	}
	return slog.DiscardHandler
}

func (k *klogBridge) Enabled(ctx context.Context, l slog.Level) bool {
	return k.handler().Enabled(ctx, l)
}
func (k *klogBridge) Handle(ctx context.Context, r slog.Record) error {
	return k.handler().Handle(ctx, r)
}
func (k *klogBridge) WithAttrs(as []slog.Attr) slog.Handler {
	return &klogBridge{root: k.root, group: k.group, attrs: append(append([]slog.Attr(nil), k.attrs...), as...)}
}
func (k *klogBridge) WithGroup(n string) slog.Handler {
	return &klogBridge{root: k.root, group: n, attrs: k.attrs}
}

// debugOnly lowers every record to debug level.
type debugOnly struct{ slog.Handler }

func (d debugOnly) Enabled(ctx context.Context, _ slog.Level) bool {
	return d.Handler.Enabled(ctx, slog.LevelDebug)
}

func (d debugOnly) Handle(ctx context.Context, r slog.Record) error {
	if !d.Handler.Enabled(ctx, slog.LevelDebug) {
		return nil // logr calls Handle for errors without asking Enabled
	}
	r.Level = slog.LevelDebug
	return d.Handler.Handle(ctx, r)
}

func (d debugOnly) WithAttrs(as []slog.Attr) slog.Handler { return debugOnly{d.Handler.WithAttrs(as)} }
func (d debugOnly) WithGroup(n string) slog.Handler       { return debugOnly{d.Handler.WithGroup(n)} }

func (g *GlobalOptions) close() {
	for _, c := range g.closers {
		_ = c.Close()
	}
}

// oneOf validates an enumerated flag value.
func oneOf(flag, value string, allowed ...string) error {
	for _, a := range allowed {
		if value == a {
			return nil
		}
	}
	return fmt.Errorf("--%s %q: want one of %s", flag, value, strings.Join(allowed, ", "))
}
