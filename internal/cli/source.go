// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/collect/agent"
	"github.com/bgpnet/kubectl-bgpnet/internal/views"
	"github.com/spf13/pflag"

	"github.com/bgpnet/kubectl-bgpnet/internal/collect/kube"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/snapshot"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Snapshot returns the snapshot every command works on: the embedded demo (--demo), a
// saved file (--from) or a live collection from the cluster of the kubeconfig.
func (g *GlobalOptions) Snapshot(ctx context.Context) (*model.Snapshot, error) {
	switch {
	case g.Demo:
		g.Logger.Debug("using the embedded demo snapshot")
		return snapshot.Demo()
	case g.From != "":
		g.Logger.Debug("loading snapshot file or sysdump", "path", g.From)
		return loadFrom(ctx, g.From, g.In)
	}
	g.Logger.Debug("collecting from the cluster", "ciliumNamespace", g.CiliumNamespace, "timeout", g.Timeout)
	return g.collect(ctx)
}

// kubeClients are the clients of one command run, built once.
type kubeClients struct {
	cfg  *rest.Config
	core kubernetes.Interface
	dyn  dynamic.Interface
}

func (g *GlobalOptions) kube() (*kubeClients, error) {
	if g.clients != nil {
		return g.clients, nil
	}
	cfg, err := g.ConfigFlags.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig (or use --demo / --from FILE): %w", err)
	}
	core, dyn, err := newClients(cfg, g.Logger)
	if err != nil {
		return nil, err
	}
	g.clients = &kubeClients{cfg: cfg, core: core, dyn: dyn}
	return g.clients, nil
}

func (g *GlobalOptions) collect(ctx context.Context) (*model.Snapshot, error) {
	kc, err := g.kube()
	if err != nil {
		return nil, err
	}
	cfg, core, dyn := kc.cfg, kc.core, kc.dyn
	s, err := kube.New(core, dyn, kube.Options{
		CiliumNamespace: g.CiliumNamespace,
		Timeout:         g.Timeout,
		Logger:          g.Logger,
		Progress:        g.progress,
	}).Read(ctx)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("collection interrupted: %w", err)
	}
	var notAPI *kube.NotAPIServerError
	if errors.As(err, &notAPI) {
		return nil, &ExitError{Code: exitBroken, Err: fmt.Errorf("not a Kubernetes API server at %s: %s", cfg.Host, notAPI.Reason)}
	}
	if nothingRead(s) {
		disc, _ := s.Source(model.SourceDiscovery)
		return nil, &ExitError{Code: exitBroken, Err: fmt.Errorf("could not read anything from the Kubernetes API at %s: %s", cfg.Host, disc.Message)}
	}
	s.Cluster.Server = cfg.Host
	if raw, err := g.ConfigFlags.ToRawKubeConfigLoader().RawConfig(); err == nil {
		s.Cluster.Context = raw.CurrentContext
		if c := g.ConfigFlags.Context; c != nil && *c != "" {
			s.Cluster.Context = *c
		}
	}
	return s, nil
}

// AgentOptions say whether and how to read the agents' live view.
type AgentOptions struct {
	// Mode: "auto" execs only into the agents of BGP nodes whose session state is not
	// in CiliumBGPNodeConfig status, "always" into every agent, "never" into none.
	Mode        string
	Concurrency int
	Timeout     time.Duration
	// Routes also reads each agent's advertised routes (implies exec into every agent).
	Routes bool
	// RoutesWhereExec reads the advertised routes from the agents exec'd anyway (doctor:
	// the live checks then cover the nodes whose sessions come from the agents).
	RoutesWhereExec bool
	// Socket reads the local agent's API on this unix socket instead of exec (on a node).
	Socket string
}

// addFlags registers the agent flags on a command.
func (a *AgentOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&a.Mode, "agents", "auto", "read the agents' live state by exec: auto (only where CiliumBGPNodeConfig status is missing), always or never")
	fs.IntVar(&a.Concurrency, "agent-concurrency", 16, "agents queried at once")
	fs.DurationVar(&a.Timeout, "agent-timeout", 20*time.Second, "time limit for each agent")
	fs.StringVar(&a.Socket, "agent-socket", "", "read the local agent's API on this unix socket instead of exec (when running on a node, e.g. "+agent.DefaultSocket+")")
}

func (a *AgentOptions) validate() error {
	if err := oneOf("agents", a.Mode, "auto", "always", "never"); err != nil {
		return err
	}
	if err := inRange("agent-concurrency", a.Concurrency, 1, maxConcurrency); err != nil {
		return err
	}
	return positive("agent-timeout", a.Timeout)
}

// SnapshotWithAgents returns the snapshot plus, for a live cluster, the agents' view
// as the options ask (a saved or demo snapshot keeps whatever it holds).
func (g *GlobalOptions) SnapshotWithAgents(ctx context.Context, ao AgentOptions) (*model.Snapshot, error) {
	s, err := g.Snapshot(ctx)
	if err != nil || g.Demo || g.From != "" {
		return s, err
	}
	if ao.Socket != "" {
		node, _ := os.Hostname()
		a := agent.FromSocket(ctx, ao.Socket, node, true, ao.Timeout)
		st := model.SourceStatus{Name: model.SourceAgents, Status: a.Status, Message: a.Message, Count: 1}
		s.Agents = []model.AgentNode{a}
		s.Sources = append(s.Sources, st, routesStatus(st, s.Agents, true))
		return s, nil
	}
	var nodes []string
	switch {
	case ao.Mode == "never":
		s.Sources = append(s.Sources, model.SourceStatus{Name: model.SourceAgents, Status: model.StatusSkipped, Message: "--agents never"},
			model.SourceStatus{Name: model.SourceAgentRoutes, Status: model.StatusSkipped, Message: "--agents never"})
		return s, nil
	case ao.Mode == "always":
		// every agent; routes only for the commands that use them (routes, doctor, snapshot)
	case ao.Mode == "auto" && !ao.Routes:
		nodes = views.NodesNeedingAgents(s)
		if len(nodes) == 0 {
			s.Sources = append(s.Sources, model.SourceStatus{Name: model.SourceAgents, Status: model.StatusSkipped,
				Message: "not needed: every BGP node reports its sessions in CiliumBGPNodeConfig status (--agents always to exec anyway)"},
				model.SourceStatus{Name: model.SourceAgentRoutes, Status: model.StatusSkipped, Message: "not needed: no agent was asked (--agents always to exec anyway)"})
			return s, nil
		}
	}
	kc, err := g.kube()
	if err != nil {
		return nil, err
	}
	routes := ao.Routes || ao.RoutesWhereExec
	ex, err := agent.NewKubeExecutor(kc.cfg, kc.core)
	if err != nil {
		return nil, err
	}
	agents, st := agent.Collect(ctx, kc.core, ex, agent.Options{
		Namespace: g.CiliumNamespace, Concurrency: ao.Concurrency, Timeout: ao.Timeout, Routes: routes, Nodes: nodes, Logger: g.Logger,
	})
	s.Agents = agents
	rs := routesStatus(st, agents, routes)
	if routes && nodes != nil && rs.Status == model.StatusOK && rs.Message == "" {
		rs.Message = fmt.Sprintf("read only from the agents of the %d BGP nodes without CiliumBGPNodeConfig status", len(nodes))
	}
	s.Sources = append(s.Sources, st, rs)
	return s, nil
}

// routesStatus derives the status of the advertised routes from the agent collection.
func routesStatus(st model.SourceStatus, agents []model.AgentNode, asked bool) model.SourceStatus {
	rs := model.SourceStatus{Name: model.SourceAgentRoutes, Status: st.Status, Message: st.Message, Failed: st.Failed}
	if !asked {
		rs.Status, rs.Message, rs.Failed = model.StatusSkipped, "advertised routes not read (kubectl bgpnet routes or doctor read them)", 0
		return rs
	}
	for _, a := range agents {
		rs.Count += len(a.Routes)
	}
	return rs
}

// nothingRead reports whether no source but discovery was read: an unreachable API
// server, a rejected credential, a server answering 404 to every core kind (the Cilium
// kinds are then "not installed" by discovery alone, without a request). Partial
// failures are data; total failure is an error.
func nothingRead(s *model.Snapshot) bool {
	for _, src := range s.Sources {
		if src.Name != model.SourceDiscovery && src.Status == model.StatusOK {
			return false
		}
	}
	return true
}

// newClients builds the typed client (protobuf, the cheapest encoding for core kinds)
// and the dynamic client (JSON; CRDs have no protobuf) from one REST config.
func newClients(cfg *rest.Config, log *slog.Logger) (kubernetes.Interface, dynamic.Interface, error) {
	cfg = rest.CopyConfig(cfg)
	// a snapshot is a burst of ~16 LISTs plus their pages; don't throttle it client-side
	cfg.QPS, cfg.Burst = 50, 100
	cfg.WarningHandlerWithContext = logWarnings{log}
	pcfg := rest.CopyConfig(cfg)
	pcfg.ContentType = runtime.ContentTypeProtobuf
	pcfg.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	core, err := kubernetes.NewForConfig(pcfg)
	if err != nil {
		return nil, nil, fmt.Errorf("create Kubernetes client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("create dynamic client: %w", err)
	}
	return core, dyn, nil
}

// logWarnings sends API server warnings (deprecated v2alpha1 kinds, …) to the log
// instead of stderr: reading an old API version on purpose is not the user's problem.
type logWarnings struct{ log *slog.Logger }

func (l logWarnings) HandleWarningHeaderWithContext(ctx context.Context, code int, _ string, message string) {
	if code == 299 && message != "" {
		l.log.InfoContext(ctx, "API server warning", "warning", message)
	}
}
