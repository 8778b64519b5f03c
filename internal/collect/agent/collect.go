// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Options tune the agent collection.
type Options struct {
	Namespace   string        // the Cilium namespace (default kube-system)
	Selector    string        // agent pod label selector (default k8s-app=cilium)
	Container   string        // agent container (default cilium-agent)
	Concurrency int           // agents queried at once (default 16)
	Timeout     time.Duration // per agent, all its commands together (default 20s)
	Retries     int           // retries of transient exec failures (default 2)
	// Routes also reads the advertised routes (ipv4 and ipv6 unicast).
	Routes bool
	// Nodes limits the collection to these nodes (all when empty).
	Nodes  []string
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Namespace == "" {
		o.Namespace = "kube-system"
	}
	if o.Selector == "" {
		o.Selector = "k8s-app=cilium"
	}
	if o.Container == "" {
		o.Container = "cilium-agent"
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if o.Timeout <= 0 {
		o.Timeout = 20 * time.Second
	}
	if o.Retries < 0 {
		o.Retries = 0
	} else if o.Retries == 0 {
		o.Retries = 2
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Commands tried in order for peers: the REST-backed form (1.14–1.20, deprecated in
// 1.20) and the hive shell form that replaces it.
var peerCommands = [][]string{
	{"cilium-dbg", "bgp", "peers", "-o", "json"},
	{"cilium-dbg", "shell", "--", "bgp/peers", "-f", "json"},
}

// Collect queries every agent pod (one LIST of the pods, then bounded concurrent
// execs) and returns one AgentNode per pod plus the status of the source as a whole.
func Collect(ctx context.Context, core kubernetes.Interface, ex Executor, opts Options) ([]model.AgentNode, model.SourceStatus) {
	o := opts.withDefaults()
	st := model.SourceStatus{Name: model.SourceAgents}
	pods, err := core.CoreV1().Pods(o.Namespace).List(ctx, metav1.ListOptions{LabelSelector: o.Selector})
	if err != nil {
		st.Status, st.Message = listStatus(err, o)
		return nil, st
	}
	var targets []corev1.Pod
	for _, p := range pods.Items {
		if p.Spec.NodeName == "" || (len(o.Nodes) > 0 && !contains(o.Nodes, p.Spec.NodeName)) {
			continue
		}
		targets = append(targets, p)
	}
	if len(targets) == 0 {
		st.Status = model.StatusNotInstalled
		st.Message = fmt.Sprintf("no Cilium agent pod (%s) in namespace %s", o.Selector, o.Namespace)
		return nil, st
	}
	nodes := make([]model.AgentNode, len(targets))
	g := new(errgroup.Group)
	g.SetLimit(o.Concurrency)
	for i, p := range targets {
		g.Go(func() error {
			nodes[i] = o.queryAgent(ctx, ex, p)
			return nil
		})
	}
	_ = g.Wait()
	sort.Slice(nodes, func(i, j int) bool { return nodes[i].Node < nodes[j].Node })
	st.Count = len(nodes)
	st.Status = model.StatusOK
	var bad []string
	for _, n := range nodes {
		if n.Status != model.StatusOK {
			bad = append(bad, fmt.Sprintf("%s: %s", n.Node, n.Status))
		}
	}
	if len(bad) > 0 {
		st.Failed = len(bad)
		st.Message = fmt.Sprintf("%d of %d agents did not answer fully (%s)", len(bad), len(nodes), strings.Join(bad, ", "))
		if len(bad) == len(nodes) {
			st.Status = worst(nodes)
		}
	}
	return nodes, st
}

func listStatus(err error, o Options) (model.Status, string) {
	switch {
	case apierrors.IsForbidden(err):
		return model.StatusForbidden, err.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return model.StatusTimeout, err.Error()
	}
	return model.StatusError, fmt.Sprintf("list agent pods (%s) in %s: %v", o.Selector, o.Namespace, err)
}

// worst returns the status shared by all failed agents, or error.
func worst(nodes []model.AgentNode) model.Status {
	s := nodes[0].Status
	for _, n := range nodes[1:] {
		if n.Status != s {
			return model.StatusError
		}
	}
	return s
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// queryAgent runs the commands of one agent under its own timeout.
func (o Options) queryAgent(parent context.Context, ex Executor, p corev1.Pod) model.AgentNode {
	n := model.AgentNode{Node: p.Spec.NodeName, Pod: p.Name}
	if p.Status.Phase != corev1.PodRunning {
		n.Status, n.Message = model.StatusError, fmt.Sprintf("agent pod %s is %s", p.Name, p.Status.Phase)
		return n
	}
	ctx, cancel := context.WithTimeout(parent, o.Timeout)
	defer cancel()
	start := time.Now()
	var lastErr error
	for _, cmd := range peerCommands {
		out, err := o.run(ctx, ex, p, cmd)
		if err == nil {
			n.Peers, err = DecodePeers(out)
		}
		if err == nil {
			n.Via = "exec " + strings.Join(cmd, " ")
			lastErr = nil
			break
		}
		lastErr = err
		if errors.Is(err, ErrBGPDisabled) || ctx.Err() != nil || !unknownCommand(err) {
			break
		}
	}
	if lastErr != nil {
		n.Status, n.Message = execStatus(ctx, lastErr, o.Timeout)
		return n
	}
	if o.Routes {
		for _, afi := range []string{"ipv4", "ipv6"} {
			out, err := o.run(ctx, ex, p, []string{"cilium-dbg", "bgp", "routes", "advertised", afi, "unicast", "-o", "json"})
			var routes []model.AgentRoute
			if err == nil {
				routes, err = DecodeRoutes(out)
			}
			if err != nil && !isEmptyRoutes(out) {
				n.Status, n.Message = execStatus(ctx, fmt.Errorf("advertised %s routes: %w", afi, err), o.Timeout)
				return n
			}
			n.Routes = append(n.Routes, routes...)
		}
	}
	n.Status = model.StatusOK
	o.Logger.Debug("agent queried", "node", n.Node, "pod", p.Name, "peers", len(n.Peers), "routes", len(n.Routes), "duration", time.Since(start).Round(time.Millisecond))
	return n
}

// isEmptyRoutes accepts the agent's answer when there is nothing advertised.
func isEmptyRoutes(out []byte) bool {
	t := bytes.TrimSpace(out)
	return bytes.Equal(t, []byte("[]")) || bytes.Equal(t, []byte("null"))
}

// run execs one command, retrying transient failures of the exec path itself.
func (o Options) run(ctx context.Context, ex Executor, p corev1.Pod, cmd []string) ([]byte, error) {
	var err error
	for attempt := 0; attempt <= o.Retries; attempt++ {
		var out, errOut []byte
		out, errOut, err = ex.Exec(ctx, p.Namespace, p.Name, o.Container, cmd)
		if err == nil {
			return out, nil
		}
		if len(bytes.TrimSpace(errOut)) > 0 {
			err = fmt.Errorf("%w: stderr %s", err, quote(errOut))
		}
		if !transient(err) || ctx.Err() != nil {
			return nil, err
		}
		o.Logger.Debug("transient exec failure, retrying", "pod", p.Name, "attempt", attempt+1, "error", err)
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(time.Duration(attempt+1) * 200 * time.Millisecond):
		}
	}
	return nil, err
}

// transient recognises exec-proxy blips worth a retry (the same list as cilium-cli's
// IsTransientExecError).
func transient(err error) bool {
	s := err.Error()
	for _, m := range []string{"i/o timeout", "error dialing backend", "unable to upgrade connection", "TLS handshake timeout",
		"502", "503", "504", "connection reset by peer"} {
		if strings.Contains(s, m) {
			return true
		}
	}
	return false
}

// unknownCommand recognises a cilium-dbg that lacks a subcommand (so the next form is tried).
func unknownCommand(err error) bool {
	s := err.Error()
	return strings.Contains(s, "unknown command") || strings.Contains(s, "unknown flag") ||
		strings.Contains(s, "not found") || strings.Contains(s, "deprecated")
}

// execStatus classifies the failure of one agent.
func execStatus(ctx context.Context, err error, timeout time.Duration) (model.Status, string) {
	switch {
	case errors.Is(err, ErrBGPDisabled):
		return model.StatusNotInstalled, err.Error()
	case apierrors.IsForbidden(err) || strings.Contains(err.Error(), "forbidden"):
		return model.StatusForbidden, err.Error()
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		return model.StatusTimeout, fmt.Sprintf("no answer within %s: %v", timeout, err)
	}
	return model.StatusError, err.Error()
}
