// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/collect/hubble"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	flowpb "github.com/cilium/cilium/api/v1/flow"
	observerpb "github.com/cilium/cilium/api/v1/observer"
	"github.com/spf13/pflag"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// HubbleOptions say how to reach Hubble.
type HubbleOptions struct {
	Server string
	TLS    hubble.TLSOptions
	// Timeout bounds connecting and, for doctor, reading the recent drops.
	Timeout time.Duration
}

func (h *HubbleOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&h.Server, "hubble-server", "", "Hubble observer address (host:port, tls:// for TLS); default: port-forward to the hubble-relay Service")
	fs.BoolVar(&h.TLS.Enabled, "hubble-tls", false, "use TLS to the Hubble server")
	fs.StringVar(&h.TLS.CAFile, "hubble-tls-ca", "", "CA certificate to verify the Hubble server")
	fs.StringVar(&h.TLS.CertFile, "hubble-tls-client-cert", "", "client certificate for mutual TLS")
	fs.StringVar(&h.TLS.KeyFile, "hubble-tls-client-key", "", "client key for mutual TLS")
	fs.StringVar(&h.TLS.ServerName, "hubble-tls-server-name", "", "server name to verify (e.g. instance.hubble-relay.cilium.io)")
	fs.BoolVar(&h.TLS.Insecure, "hubble-tls-insecure", false, "do not verify the Hubble server certificate")
	fs.DurationVar(&h.Timeout, "hubble-timeout", 10*time.Second, "time limit to reach Hubble (and, for doctor, to read recent drops)")
}

func (h *HubbleOptions) validate() error {
	return positive("hubble-timeout", h.Timeout)
}

// hubbleClient connects to Hubble: the given server, or a port-forward to the
// hubble-relay Service in the Cilium namespace. The connection ends with ctx.
func (g *GlobalOptions) hubbleClient(ctx context.Context, h HubbleOptions) (observerpb.ObserverClient, func(), error) {
	addr := h.Server
	if addr == "" {
		kc, err := g.kube()
		if err != nil {
			return nil, nil, err
		}
		// the forward lives as long as ctx; only setting it up is bounded by the timeout
		type result struct {
			addr string
			err  error
		}
		done := make(chan result, 1)
		go func() {
			a, err := hubble.PortForward(ctx, kc.cfg, kc.core, g.CiliumNamespace, "hubble-relay")
			done <- result{a, err}
		}()
		var fwd string
		select {
		case r := <-done:
			fwd, err = r.addr, r.err
		case <-time.After(h.Timeout):
			err = fmt.Errorf("port-forward not ready within %s: %w", h.Timeout, context.DeadlineExceeded)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("reach hubble-relay in %s (or pass --hubble-server): %w", g.CiliumNamespace, err)
		}
		addr = fwd
	}
	conn, err := hubble.Dial(addr, h.TLS)
	if err != nil {
		return nil, nil, err
	}
	return observerpb.NewObserverClient(conn), func() { _ = conn.Close() }, nil
}

// vipQuery selects flows from or to every LoadBalancer, external and ingress IP of the snapshot.
func vipQuery(s *model.Snapshot) []string {
	seen := map[string]bool{}
	var ips []string
	add := func(ip string) {
		if _, err := netip.ParseAddr(ip); err == nil && !seen[ip] {
			seen[ip] = true
			ips = append(ips, ip)
		}
	}
	for _, svc := range s.Services {
		for _, in := range svc.Ingress {
			add(in.IP)
		}
		for _, ip := range svc.ExternalIPs {
			add(ip)
		}
	}
	return ips
}

// addRecentDrops reads recent dropped flows towards the VIPs into the snapshot, for
// doctor; the outcome is the "hubble" source.
func (g *GlobalOptions) addRecentDrops(ctx context.Context, s *model.Snapshot, h HubbleOptions) {
	st := model.SourceStatus{Name: model.SourceHubble}
	defer func() { s.Sources = append(s.Sources, st) }()
	ips := vipQuery(s)
	if len(ips) == 0 {
		st.Status, st.Message = model.StatusSkipped, "no LoadBalancer or external IPs to look at"
		return
	}
	ctx, cancel := context.WithTimeout(ctx, h.Timeout)
	defer cancel()
	client, closeConn, err := g.hubbleClient(ctx, h)
	if err != nil {
		st.Status, st.Message = hubbleStatus(err), err.Error()
		return
	}
	defer closeConn()
	q := hubble.Query{IPs: ips, Verdicts: []flowpb.Verdict{flowpb.Verdict_DROPPED}, Last: 2000}
	err = hubble.Stream(ctx, client, q.Request(time.Now()), func(f model.Flow) error {
		st.Count++
		s.Flows = append(s.Flows, f)
		return nil
	})
	if err != nil {
		st.Status, st.Message = hubbleStatus(err), err.Error()
		return
	}
	st.Status = model.StatusOK
}

func hubbleStatus(err error) model.Status {
	switch {
	case apierrors.IsNotFound(err):
		return model.StatusNotInstalled
	case apierrors.IsForbidden(err):
		return model.StatusForbidden
	case errors.Is(err, context.DeadlineExceeded):
		return model.StatusTimeout
	}
	return model.StatusError
}
