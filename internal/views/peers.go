// SPDX-License-Identifier: Apache-2.0

// Package views derives the tables bgpnet shows (peers, routes, pools, nodes) from a
// snapshot. It is pure: the CLI prints these rows and the TUI will show them.
package views

import (
	"cmp"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// Where a fact came from.
const (
	FromNodeConfig = "CiliumBGPNodeConfig"
	FromAgent      = "agent"
	FromConfig     = "config only"
)

// PeerRow is one session of one node.
type PeerRow struct {
	Node        string        `json:"node"`
	Instance    string        `json:"instance"`
	Peer        string        `json:"peer"`
	PeerAddress string        `json:"peerAddress"`
	LocalASN    int64         `json:"localASN"`
	PeerASN     int64         `json:"peerASN"`
	State       string        `json:"state"`
	Uptime      time.Duration `json:"uptimeNanoseconds,omitempty"`
	Families    []Family      `json:"families,omitempty"`
	// Source says where the state came from: CiliumBGPNodeConfig status, the agent, or
	// only the configuration (no state reported anywhere).
	Source           string   `json:"source"`
	AppliedHold      int64    `json:"appliedHoldTimeSeconds,omitempty"`
	AppliedKeepalive int64    `json:"appliedKeepaliveSeconds,omitempty"`
	GracefulRestart  bool     `json:"gracefulRestart,omitempty"`
	Capabilities     []string `json:"remoteCapabilities,omitempty"`
}

// Family is the route count of one address family.
type Family struct {
	Name       string `json:"family"`
	Received   int64  `json:"received"`
	Advertised int64  `json:"advertised"`
}

// String renders "ipv4/unicast 0/2".
func (f Family) String() string {
	return fmt.Sprintf("%s %d/%d", f.Name, f.Received, f.Advertised)
}

// Peers lists every session: from the agent when it was asked and answered (its live
// view is the freshest), else from CiliumBGPNodeConfig status, else from the
// configuration alone (state "unknown"). In the default --agents auto mode only the
// nodes without status are asked, so the status is preferred wherever it exists.
func Peers(s *model.Snapshot) []PeerRow {
	var rows []PeerRow
	trusted := statusTrusted(s)
	agents := model.IndexBy(s.Agents, func(a *model.AgentNode) string { return a.Node })
	for _, v := range s.ResolveBGP() {
		if a, ok := agents[v.Node]; ok && a.Status == model.StatusOK {
			for _, p := range a.Peers {
				inst, name := configuredNames(v, p)
				r := PeerRow{Node: v.Node, Instance: inst, Peer: name, PeerAddress: p.PeerAddress, LocalASN: p.LocalASN, PeerASN: p.PeerASN,
					State: p.State, Uptime: p.Uptime, Source: FromAgent, AppliedHold: p.AppliedHold, AppliedKeepalive: p.AppliedKeepalive,
					GracefulRestart: p.GracefulRestart, Capabilities: p.RemoteCapabilities}
				for _, f := range p.Families {
					r.Families = append(r.Families, Family{Name: f.AFI + "/" + f.SAFI, Received: f.Received, Advertised: f.Advertised})
				}
				rows = append(rows, r)
			}
			continue
		}
		fromStatus := false
		for _, inst := range v.Instances {
			for _, p := range inst.Peers {
				if p.Status == nil || !trusted {
					continue
				}
				fromStatus = true
				r := PeerRow{Node: v.Node, Instance: inst.Name, Peer: p.Name, PeerAddress: cmp.Or(p.Status.PeerAddress, p.PeerAddress),
					LocalASN: inst.LocalASN, PeerASN: p.PeerASN, State: p.Status.PeeringState, Source: FromNodeConfig}
				if p.Status.PeerASN != nil {
					r.PeerASN = *p.Status.PeerASN
				}
				if p.Status.EstablishedTime != nil && strings.EqualFold(r.State, "established") {
					r.Uptime = s.CollectedAt.Sub(*p.Status.EstablishedTime).Round(time.Second)
				}
				if t := p.Status.Timers; t != nil {
					r.AppliedHold, r.AppliedKeepalive = int64(t.AppliedHoldTimeSeconds), int64(t.AppliedKeepaliveSeconds)
				}
				for _, rc := range p.Status.RouteCount {
					r.Families = append(r.Families, Family{Name: rc.AFI + "/" + rc.SAFI, Received: int64(rc.Received), Advertised: int64(rc.Advertised)})
				}
				rows = append(rows, r)
			}
		}
		if fromStatus {
			continue
		}
		for _, inst := range v.Instances {
			for _, p := range inst.Peers {
				r := PeerRow{Node: v.Node, Instance: inst.Name, Peer: p.Name, PeerAddress: p.PeerAddress, LocalASN: inst.LocalASN, PeerASN: p.PeerASN,
					State: "unknown", Source: FromConfig}
				for _, f := range p.Families {
					r.Families = append(r.Families, Family{Name: f.AFI + "/" + f.SAFI})
				}
				rows = append(rows, r)
			}
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Node != rows[j].Node {
			return rows[i].Node < rows[j].Node
		}
		if rows[i].Instance != rows[j].Instance {
			return rows[i].Instance < rows[j].Instance
		}
		return rows[i].Peer < rows[j].Peer
	})
	return rows
}

// statusTrusted reports whether CiliumBGPNodeConfig status is current: with status
// reporting turned off (enable-bgp-control-plane-status-report=false) the agents stop
// writing it, and whatever is left there is stale.
func statusTrusted(s *model.Snapshot) bool {
	return model.Bool(s.Cilium.Config.EnableBGPControlPlaneStatusReport, true)
}

// configuredNames names an agent's session after the configuration: models.BgpPeer has
// no instance name (only the local ASN) and may lack the peer's name.
func configuredNames(v model.NodeBGP, p model.AgentPeer) (instance, peer string) {
	instance, peer = p.Instance, p.Name
	for _, inst := range v.Instances {
		if inst.LocalASN != p.LocalASN && inst.Name != p.Instance {
			continue
		}
		for _, cp := range inst.Peers {
			if cp.PeerAddress == p.PeerAddress {
				return inst.Name, cmp.Or(peer, cp.Name)
			}
		}
	}
	return instance, peer
}

// NodesNeedingAgents returns the BGP-selected nodes whose session state the API does
// not hold (no CiliumBGPNodeConfig status): only those need an exec into the agent.
func NodesNeedingAgents(s *model.Snapshot) []string {
	var out []string
	trusted := statusTrusted(s)
	for _, v := range s.ResolveBGP() {
		if len(v.SelectedBy) == 0 {
			continue
		}
		has := false
		for _, inst := range v.Instances {
			for _, p := range inst.Peers {
				has = has || p.Status != nil
			}
		}
		if !has || !trusted {
			out = append(out, v.Node)
		}
	}
	return out
}
