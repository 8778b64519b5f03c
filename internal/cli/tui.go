// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/collect/hubble"
	"github.com/bgpnet/kubectl-bgpnet/internal/fix"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/app"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/msgs"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/screens"
	"github.com/spf13/cobra"
	"golang.org/x/term"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// tuiOptions are the terminal UI's flags (the root command without a subcommand).
type tuiOptions struct {
	*GlobalOptions
	sourceOptions
	refresh  time.Duration
	screen   string
	theme    string
	writeDir string
}

// addTUI makes the root command open the TUI and registers its flags.
func addTUI(cmd *cobra.Command, g *GlobalOptions) {
	o := &tuiOptions{GlobalOptions: g}
	g.tui = o
	cmd.Long += `

Without a subcommand it opens the terminal UI: an overview (sessions drawn between
peers and nodes, pools, findings), nodes, peers, routes, pools & services, live Hubble
flows and the doctor's findings with their fixes. ? lists the keys.`
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		if err := o.Complete(); err != nil {
			return invalid(err)
		}
		if err := o.Validate(); err != nil {
			return invalid(err)
		}
		return o.Run(cmd)
	}
	f := cmd.Flags()
	o.sourceOptions.addFlags(f)
	f.DurationVar(&o.refresh, "refresh", 0, "re-collect at this interval (e.g. 30s; 0: only on r)")
	f.StringVar(&o.screen, "screen", "overview", "the screen shown first: overview, nodes, peers, routes, pools, flows or doctor")
	f.StringVar(&o.theme, "theme", "auto", "colours for a dark or light terminal: auto, dark or light (NO_COLOR turns colours off)")
	f.StringVar(&o.writeDir, "fix-dir", ".", "directory the doctor screen writes fixes to (w)")
}

// Complete has nothing to resolve beyond what Validate reads (the router list).
func (o *tuiOptions) Complete() error { return nil }

// Validate checks the flags and reads the router list.
func (o *tuiOptions) Validate() error {
	if err := o.sourceOptions.validate(); err != nil {
		return err
	}
	if err := oneOf("theme", o.theme, "auto", "dark", "light"); err != nil {
		return err
	}
	if o.refresh < 0 || (o.refresh > 0 && o.refresh < time.Second) {
		return fmt.Errorf("--refresh must be 0 or at least 1s, got %s", o.refresh)
	}
	return nil
}

// live reports whether the data comes from a cluster.
func (o *tuiOptions) live() bool { return !o.Demo && o.From == "" }

// Run starts the program on the terminal.
func (o *tuiOptions) Run(cmd *cobra.Command) error {
	in, inOK := o.In.(*os.File)
	out, outOK := o.Out.(*os.File)
	if !inOK || !outOK || !term.IsTerminal(int(out.Fd())) || !term.IsTerminal(int(in.Fd())) {
		return errors.New("kubectl bgpnet opens a terminal UI and needs a terminal; for scripts and CI use kubectl bgpnet doctor (or snapshot, peers, routes …)")
	}
	m, err := o.model()
	if err != nil {
		return err
	}
	_, err = tea.NewProgram(m, tea.WithContext(cmd.Context()), tea.WithInput(in), tea.WithOutput(out)).Run()
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		return fmt.Errorf("terminal UI: %w", err)
	}
	return nil
}

// model builds the root model (the clients first: built once, before anything runs
// concurrently).
func (o *tuiOptions) model() (*app.Model, error) {
	if o.live() {
		if _, err := o.kube(); err != nil {
			return nil, err
		}
	}
	return app.New(o.appOptions()), nil
}

// NewTUI parses args as `kubectl bgpnet [flags]` would and returns the terminal UI's
// model without starting it, for callers that run the program themselves (the
// integration tests drive it against the live lab). close releases what it opened.
func NewTUI(streams genericiooptions.IOStreams, args []string) (m *app.Model, close func(), err error) {
	g := &GlobalOptions{IOStreams: streams}
	cmd := NewRootCmd(g)
	if err := cmd.ParseFlags(args); err != nil {
		return nil, nil, err
	}
	if err := g.setup(); err != nil {
		return nil, nil, err
	}
	o := g.tui
	if err := o.Complete(); err != nil {
		return nil, g.close, err
	}
	if err := o.Validate(); err != nil {
		return nil, g.close, err
	}
	m, err = o.model()
	return m, g.close, err
}

func (o *tuiOptions) appOptions() app.Options {
	ao := app.Options{Loader: tuiLoader{o}, Refresh: o.refresh, Screen: o.screen,
		Doctor: screens.DoctorOptions{WriteDir: o.writeDir}}
	if o.live() && o.flows != "never" {
		ao.Flows = tuiFlows{o}
	}
	if o.live() {
		ao.Doctor.Fixer = fixer{o.GlobalOptions}
	}
	switch o.theme {
	case "dark", "light":
		dark := o.theme == "dark"
		ao.Dark = &dark
	}
	return ao
}

// tuiLoader collects for the TUI: the snapshot with the agents' sessions and routes,
// recent drops from Hubble and the routers, reporting each source as it finishes.
type tuiLoader struct{ o *tuiOptions }

// Load implements app.Loader.
func (l tuiLoader) Load(ctx context.Context, progress func(model.SourceStatus)) (*msgs.Data, error) {
	o := l.o
	o.progress = progress
	defer func() { o.progress = nil }()
	ao := o.agents
	ao.Routes = true // the Routes screen shows what every agent advertises
	if o.live() {
		progress(model.SourceStatus{Name: model.SourceAgents})
	}
	s, err := o.SnapshotWithAgents(ctx, ao)
	if err != nil {
		return nil, err
	}
	report := func(names ...string) {
		for _, n := range names {
			if st, ok := s.Source(n); ok {
				progress(st)
			}
		}
	}
	report(model.SourceAgents, model.SourceAgentRoutes)
	if o.live() && o.flows == "auto" {
		progress(model.SourceStatus{Name: model.SourceHubble})
		o.addRecentDrops(ctx, s, o.hubble)
		report(model.SourceHubble)
	}
	if len(o.routerSpecs) > 0 {
		progress(model.SourceStatus{Name: model.SourceRouters})
	}
	o.routers.collectRouters(ctx, s, o.routerSpecs)
	report(model.SourceRouters)
	origin := "demo snapshot"
	switch {
	case o.From != "":
		origin = "snapshot " + o.From
		if s.Origin == "sysdump" {
			origin = "sysdump " + o.From
		}
	case o.live():
		origin = "cluster " + s.Cluster.Context
	}
	return &msgs.Data{Snap: s, Result: checks.Run(s, checks.All()), Live: o.live(), Origin: origin}, nil
}

// tuiFlows streams Hubble flows for the Flows screen.
type tuiFlows struct{ o *tuiOptions }

// Flows implements screens.FlowStreamer.
func (f tuiFlows) Flows(ctx context.Context, q screens.FlowQuery, emit func(model.Flow)) error {
	client, closeConn, err := f.o.hubbleClient(ctx, f.o.hubble)
	if err != nil {
		return err
	}
	defer closeConn()
	hq := hubble.Query{IPs: q.IPs, Follow: true, Last: 200}
	return hubble.Stream(ctx, client, hq.Request(time.Now()), func(fl model.Flow) error {
		emit(fl)
		return nil
	})
}

// fixer applies fixes from the TUI through the same Applier as `fix --apply`.
type fixer struct{ g *GlobalOptions }

// Plan implements screens.Fixer.
func (f fixer) Plan(ctx context.Context, p fix.Proposal) (*fix.Plan, error) {
	ap, err := f.g.applier()
	if err != nil {
		return nil, err
	}
	return ap.Plan(ctx, p)
}

// Apply implements screens.Fixer.
func (f fixer) Apply(ctx context.Context, plan *fix.Plan) error {
	ap, err := f.g.applier()
	if err != nil {
		return err
	}
	return ap.Apply(ctx, plan)
}
