// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/bgpwire"
	"github.com/bgpnet/kubectl-bgpnet/internal/jsonutil"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/cilium/cilium/api/v1/models"
)

// ErrBGPDisabled is what the agent answers when its BGP control plane is off: the plain
// text "BGP Control Plane is disabled" on stdout, exit status 0.
var ErrBGPDisabled = errors.New("BGP Control Plane is disabled on this agent")

// maxQuote is how much of unexpected output an error quotes.
const maxQuote = 120

// quote renders the first bytes of output for an error message.
func quote(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > maxQuote {
		return fmt.Sprintf("%q…", b[:maxQuote])
	}
	return fmt.Sprintf("%q", b)
}

// checkOutput rejects empty output and recognises the "disabled" answer.
func checkOutput(out []byte) ([]byte, error) {
	t := bytes.TrimSpace(out)
	if len(t) == 0 {
		return nil, errors.New("empty output")
	}
	if bytes.Contains(t, []byte("BGP Control Plane is disabled")) {
		return nil, ErrBGPDisabled
	}
	return t, nil
}

// shellInstance is one element of `cilium-dbg shell -- bgp/peers -f json` (1.20+):
// agent.InstancePeerStates with types.PeerState peers (durations in nanoseconds).
type shellInstance struct {
	Name  string `json:"name"`
	Peers []struct {
		Name         string `json:"name"`
		PeerAddress  string `json:"peer-address"`
		PeerPort     int64  `json:"peer-port"`
		PeerAsn      int64  `json:"peer-asn"`
		LocalAsn     int64  `json:"local-asn"`
		SessionState string `json:"session-state"`
		Uptime       int64  `json:"uptime-nanoseconds"`
		Families     []struct {
			Afi        string `json:"afi"`
			Safi       string `json:"safi"`
			Received   int64  `json:"received"`
			Accepted   int64  `json:"accepted"`
			Advertised int64  `json:"advertised"`
		} `json:"families"`
		Timers struct {
			AppliedHold          int64 `json:"applied-hold-nanoseconds"`
			AppliedKeepAlive     int64 `json:"applied-keep-alive-nanoseconds"`
			ConfiguredHold       int64 `json:"configured-hold-nanoseconds"`
			ConfiguredKeepAlive  int64 `json:"configured-keep-alive-nanoseconds"`
			ConnectRetryNanosecs int64 `json:"connect-retry-nanoseconds"`
		} `json:"timers"`
		EbgpMultihopTTL int64 `json:"ebgp-multihop-ttl"`
		GracefulRestart struct {
			Enabled     bool  `json:"enabled"`
			RestartTime int64 `json:"restart-time-nanoseconds"`
		} `json:"graceful-restart"`
		TCPPasswordEnabled bool `json:"tcp-password-enabled"`
	} `json:"peers"`
}

// DecodePeers reads the output of `cilium-dbg bgp peers -o json` (an array of
// models.BgpPeer) or of the 1.20 `cilium-dbg shell -- bgp/peers -f json` (an array of
// instances with peers). Garbage or truncated output is an error quoting its start.
func DecodePeers(out []byte) ([]model.AgentPeer, error) {
	t, err := checkOutput(out)
	if err != nil {
		return nil, err
	}
	var probe []map[string]json.RawMessage
	if err := json.Unmarshal(t, &probe); err != nil {
		return nil, fmt.Errorf("peers output is not a JSON array: %w; output starts %s", jsonutil.Describe(err), quote(t))
	}
	if len(probe) > 0 {
		if _, shell := probe[0]["peers"]; shell {
			return decodeShellPeers(t)
		}
	}
	var peers []*models.BgpPeer
	if err := json.Unmarshal(t, &peers); err != nil {
		return nil, fmt.Errorf("decode models.BgpPeer: %w; output starts %s", jsonutil.Describe(err), quote(t))
	}
	return convertPeers(peers), nil
}

// convertPeers maps the agent API's peers to the model.
func convertPeers(peers []*models.BgpPeer) []model.AgentPeer {
	out2 := make([]model.AgentPeer, 0, len(peers))
	for _, p := range peers {
		if p == nil {
			continue
		}
		ap := model.AgentPeer{
			Instance: fmt.Sprintf("asn-%d", p.LocalAsn), Name: p.Name, PeerAddress: p.PeerAddress, PeerPort: p.PeerPort,
			LocalASN: p.LocalAsn, PeerASN: p.PeerAsn, State: p.SessionState, Uptime: time.Duration(p.UptimeNanoseconds),
			AppliedHold: p.AppliedHoldTimeSeconds, AppliedKeepalive: p.AppliedKeepAliveTimeSeconds,
			ConfiguredHold: p.ConfiguredHoldTimeSeconds, ConfiguredKeepalive: p.ConfiguredKeepAliveTimeSeconds,
			ConnectRetry: p.ConnectRetryTimeSeconds, EBGPMultihopTTL: p.EbgpMultihopTTL, TCPPasswordEnabled: p.TCPPasswordEnabled,
		}
		if p.GracefulRestart != nil {
			ap.GracefulRestart, ap.GRRestartTime = p.GracefulRestart.Enabled, p.GracefulRestart.RestartTimeSeconds
		}
		for _, f := range p.Families {
			if f != nil {
				ap.Families = append(ap.Families, model.AgentFamily{AFI: f.Afi, SAFI: f.Safi, Received: f.Received, Accepted: f.Accepted, Advertised: f.Advertised})
			}
		}
		ap.LocalCapabilities = capabilities(p.LocalCapabilities)
		ap.RemoteCapabilities = capabilities(p.RemoteCapabilities)
		out2 = append(out2, ap)
	}
	return out2
}

func capabilities(cs []*models.BgpCapabilities) []string {
	var out []string
	for _, c := range cs {
		if c == nil || c.Capabilities == "" {
			continue
		}
		name, err := bgpwire.ParseCapability(c.Capabilities)
		if err != nil {
			name = "undecodable capability"
		}
		out = append(out, name)
	}
	return out
}

func decodeShellPeers(t []byte) ([]model.AgentPeer, error) {
	var insts []shellInstance
	if err := json.Unmarshal(t, &insts); err != nil {
		return nil, fmt.Errorf("decode bgp/peers instances: %w; output starts %s", jsonutil.Describe(err), quote(t))
	}
	var out []model.AgentPeer
	for _, in := range insts {
		for _, p := range in.Peers {
			ap := model.AgentPeer{
				Instance: in.Name, Name: p.Name, PeerAddress: p.PeerAddress, PeerPort: p.PeerPort, LocalASN: p.LocalAsn, PeerASN: p.PeerAsn,
				State: p.SessionState, Uptime: time.Duration(p.Uptime),
				AppliedHold: seconds(p.Timers.AppliedHold), AppliedKeepalive: seconds(p.Timers.AppliedKeepAlive),
				ConfiguredHold: seconds(p.Timers.ConfiguredHold), ConfiguredKeepalive: seconds(p.Timers.ConfiguredKeepAlive),
				ConnectRetry: seconds(p.Timers.ConnectRetryNanosecs), EBGPMultihopTTL: p.EbgpMultihopTTL,
				GracefulRestart: p.GracefulRestart.Enabled, GRRestartTime: seconds(p.GracefulRestart.RestartTime), TCPPasswordEnabled: p.TCPPasswordEnabled,
			}
			for _, f := range p.Families {
				ap.Families = append(ap.Families, model.AgentFamily{AFI: f.Afi, SAFI: f.Safi, Received: f.Received, Accepted: f.Accepted, Advertised: f.Advertised})
			}
			out = append(out, ap)
		}
	}
	return out, nil
}

func seconds(ns int64) int64 { return int64(time.Duration(ns) / time.Second) }

// DecodeRoutes reads `cilium-dbg bgp routes advertised <afi> unicast -o json` (an
// array of models.BgpRoute). Next hops, AS path and communities come from the path
// attributes; a path whose attributes do not decode keeps its prefix and the error.
func DecodeRoutes(out []byte) ([]model.AgentRoute, error) {
	t, err := checkOutput(out)
	if err != nil {
		return nil, err
	}
	var routes []*models.BgpRoute
	if err := json.Unmarshal(t, &routes); err != nil {
		return nil, fmt.Errorf("decode models.BgpRoute: %w; output starts %s", jsonutil.Describe(err), quote(t))
	}
	res, err := convertRoutes(routes)
	if err != nil {
		return nil, fmt.Errorf("%w; output starts %s", err, quote(t))
	}
	return res, nil
}

// convertRoutes maps the agent API's routes to the model, decoding path attributes.
func convertRoutes(routes []*models.BgpRoute) ([]model.AgentRoute, error) {
	var res []model.AgentRoute
	for _, r := range routes {
		if r == nil {
			continue
		}
		if r.Prefix == "" && len(r.Paths) == 0 {
			return nil, errors.New("element without prefix or paths: not a route")
		}
		prefix, perr := netip.ParsePrefix(strings.TrimSpace(r.Prefix))
		for _, p := range r.Paths {
			if p == nil {
				continue
			}
			ar := model.AgentRoute{Peer: r.Neighbor, RouterASN: r.RouterAsn, Prefix: prefix, Best: p.Best, Age: p.AgeNanoseconds}
			if perr != nil && p.Nlri != nil { // no usable prefix string: take it from the NLRI
				v6 := p.Family != nil && p.Family.Afi == "ipv6"
				if np, err := bgpwire.ParseNLRI(p.Nlri.Base64, v6); err == nil {
					ar.Prefix, perr = np, nil
				}
			}
			if perr != nil {
				return nil, fmt.Errorf("route with prefix %q: %w", r.Prefix, perr)
			}
			var enc []string
			for _, a := range p.PathAttributes {
				if a != nil {
					enc = append(enc, a.Base64)
				}
			}
			attrs, err := bgpwire.ParseAttributes(enc)
			ar.NextHops, ar.ASPath, ar.LocalPref = attrs.NextHops, attrs.ASPath, attrs.LocalPref
			ar.Communities = append(attrs.Communities, attrs.LargeCommunties...)
			if err != nil {
				ar.Error = err.Error()
			}
			res = append(res, ar)
		}
	}
	return res, nil
}
