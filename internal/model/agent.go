// SPDX-License-Identifier: Apache-2.0

package model

import (
	"net/netip"
	"time"
)

// Sources of the agents' live BGP view (exec or socket): the sessions, and the
// advertised routes (read only when asked for, e.g. by `routes` or --agents always).
const (
	SourceAgents      = "agents"
	SourceAgentRoutes = "agent-routes"
)

// AgentNode is what one Cilium agent reports live about its BGP speaker.
type AgentNode struct {
	Node string `json:"node"`
	Pod  string `json:"pod,omitempty"`
	// Status is this agent's own outcome: ok, error (the message quotes the output),
	// timeout, forbidden, or not-installed when the BGP control plane is disabled.
	Status  Status `json:"status"`
	Message string `json:"message,omitempty"`
	// Via says how the facts were obtained, e.g. "exec cilium-dbg bgp peers -o json".
	Via    string       `json:"via,omitempty"`
	Peers  []AgentPeer  `json:"peers,omitempty"`
	Routes []AgentRoute `json:"routes,omitempty"`
}

// AgentPeer is one session as the agent sees it (models.BgpPeer, or the 1.20 shell form).
type AgentPeer struct {
	// Instance is the BGP instance (1.20 shell form) or "asn-<local ASN>".
	Instance            string        `json:"instance,omitempty"`
	Name                string        `json:"name,omitempty"`
	PeerAddress         string        `json:"peerAddress"`
	PeerPort            int64         `json:"peerPort,omitempty"`
	LocalASN            int64         `json:"localASN"`
	PeerASN             int64         `json:"peerASN"`
	State               string        `json:"state"`
	Uptime              time.Duration `json:"uptimeNanoseconds,omitempty"`
	Families            []AgentFamily `json:"families,omitempty"`
	AppliedHold         int64         `json:"appliedHoldTimeSeconds,omitempty"`
	AppliedKeepalive    int64         `json:"appliedKeepaliveSeconds,omitempty"`
	ConfiguredHold      int64         `json:"configuredHoldTimeSeconds,omitempty"`
	ConfiguredKeepalive int64         `json:"configuredKeepaliveSeconds,omitempty"`
	ConnectRetry        int64         `json:"connectRetryTimeSeconds,omitempty"`
	EBGPMultihopTTL     int64         `json:"ebgpMultihopTTL,omitempty"`
	GracefulRestart     bool          `json:"gracefulRestart,omitempty"`
	GRRestartTime       int64         `json:"gracefulRestartTimeSeconds,omitempty"`
	TCPPasswordEnabled  bool          `json:"tcpPasswordEnabled,omitempty"`
	// LocalCapabilities and RemoteCapabilities are decoded names ("multiprotocol ipv6-unicast").
	LocalCapabilities  []string `json:"localCapabilities,omitempty"`
	RemoteCapabilities []string `json:"remoteCapabilities,omitempty"`
}

// AgentFamily counts the routes of one address family of a session.
type AgentFamily struct {
	AFI        string `json:"afi"`
	SAFI       string `json:"safi"`
	Received   int64  `json:"received"`
	Accepted   int64  `json:"accepted"`
	Advertised int64  `json:"advertised"`
}

// AgentRoute is one advertised path.
type AgentRoute struct {
	// Peer is the neighbor the path is advertised to (when the agent says).
	Peer      string       `json:"peer,omitempty"`
	RouterASN int64        `json:"routerASN,omitempty"`
	Prefix    netip.Prefix `json:"prefix"`
	NextHops  []netip.Addr `json:"nextHops,omitempty"`
	ASPath    []uint32     `json:"asPath,omitempty"`
	// Communities holds standard and large communities.
	Communities []string `json:"communities,omitempty"`
	LocalPref   *uint32  `json:"localPref,omitempty"`
	Best        bool     `json:"best,omitempty"`
	Age         int64    `json:"ageNanoseconds,omitempty"`
	// Error is set when the path attributes could not all be decoded.
	Error string `json:"error,omitempty"`
}

// Agent returns the live view of one node's agent, if collected.
func (s *Snapshot) Agent(node string) (*AgentNode, bool) {
	for i := range s.Agents {
		if s.Agents[i].Node == node {
			return &s.Agents[i], true
		}
	}
	return nil, false
}

// IndexBy maps key(x) to a pointer into xs, for lookups by name instead of linear scans.
func IndexBy[T any](xs []T, key func(*T) string) map[string]*T {
	out := make(map[string]*T, len(xs))
	for i := range xs {
		out[key(&xs[i])] = &xs[i]
	}
	return out
}
