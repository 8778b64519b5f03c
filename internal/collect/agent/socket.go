// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	clientapi "github.com/cilium/cilium/api/v1/client"
	"github.com/cilium/cilium/api/v1/client/bgp"
	runtimeclient "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
)

// DefaultSocket is where the agent serves its API on a node.
const DefaultSocket = "/var/run/cilium/cilium.sock"

// FromSocket reads the BGP view of the agent serving its REST API on a unix socket —
// for running bgpnet on a node (or in a debug pod with the socket mounted). node names
// the result.
func FromSocket(ctx context.Context, path, node string, routes bool, timeout time.Duration) model.AgentNode {
	n := model.AgentNode{Node: node, Via: "agent API on " + path}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	}}}
	api := clientapi.New(runtimeclient.NewWithClient("localhost", clientapi.DefaultBasePath, clientapi.DefaultSchemes, hc), strfmt.Default)
	peers, err := api.Bgp.GetBgpPeersContext(ctx, bgp.NewGetBgpPeersParams().WithContext(ctx))
	if err != nil {
		n.Status, n.Message = socketStatus(ctx, err, path, timeout)
		return n
	}
	n.Peers = convertPeers(peers.Payload)
	if routes {
		for _, afi := range []string{"ipv4", "ipv6"} {
			p := bgp.NewGetBgpRoutesParams().WithContext(ctx).WithTableType("advertised").WithAfi(afi).WithSafi("unicast")
			resp, err := api.Bgp.GetBgpRoutesContext(ctx, p)
			if err != nil {
				n.Status, n.Message = socketStatus(ctx, fmt.Errorf("advertised %s routes: %w", afi, err), path, timeout)
				return n
			}
			rs, err := convertRoutes(resp.Payload)
			if err != nil {
				n.Status, n.Message = model.StatusError, fmt.Sprintf("advertised %s routes: %v", afi, err)
				return n
			}
			n.Routes = append(n.Routes, rs...)
		}
	}
	n.Status = model.StatusOK
	return n
}

func socketStatus(ctx context.Context, err error, path string, timeout time.Duration) (model.Status, string) {
	var disabled *bgp.GetBgpPeersDisabled
	switch {
	case errors.As(err, &disabled) || strings.Contains(err.Error(), "isabled"):
		return model.StatusNotInstalled, ErrBGPDisabled.Error()
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return model.StatusTimeout, fmt.Sprintf("no answer from %s within %s: %v", path, timeout, err)
	}
	return model.StatusError, fmt.Sprintf("agent API on %s: %v", path, err)
}
