// SPDX-License-Identifier: Apache-2.0

package checks

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/fix"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

func sessionChecks() []Check {
	return []Check{
		reconcileCheck(),
		{
			ID: "session-not-established", Title: "A BGP session is not established", Severity: Error, Layer: LayerSessions,
			Also:  []SeverityCase{{Warning, "the session's state is unknown: no status and no answer from the agent"}},
			Needs: []string{model.SourceNodes, model.SourceNodeConfigs, model.SourceCiliumConfig}, Uses: []string{model.SourcePeerConfigs, model.SourceClusterConfigs}, Optional: []string{model.SourceAgents, model.SourceRouters},
			Versions: "1.16+ (BGPv2 status; any version through the agents)",
			Detects:  "a peer whose CiliumBGPNodeConfig status (or, where there is none, the agent's live answer) is not established, with the likely causes ranked from the evidence",
			Fixes:    "depends on the cause: the ranked list says what to check first and what confirms it",
			Explain: `The agent reports each session's state in CiliumBGPNodeConfig status (idle, connect, active,
open_sent, open_confirm, established). A session that is not established carries nothing.
Which cause is likely depends on the pattern: if other nodes are established with the same peer
the router does not know this node (node-not-configured-on-router) or sees it from another source
address (wrong-source-address-multihomed); if no node reaches the peer, the address, TCP/179
filtering, multihop, MD5 or a passive router are the usual suspects; a session stuck in
open_sent/open_confirm got as far as OPEN, which points at ASN, router ID or capabilities.
Where the status is missing (status reporting off, BGPv1) the agents' live view is used; a
session whose agent does not answer is reported as unknown, never as fine.
References: docs bgp-control-plane-troubleshooting.rst ; https://github.com/cilium/cilium/issues/24737 ; ionfury/homelab PR 437 ; https://github.com/cilium/cilium/issues/29066`,
			Run: runSessionNotEstablished,
		},
		{
			ID: "timers-too-aggressive-or-unacceptable", Title: "BGP timers are aggressive, inconsistent, or not what was configured", Severity: Warning, Layer: LayerSessions,
			Also:  []SeverityCase{{Info, "the applied hold time differs from the configured one (the lower offer applies)"}},
			Needs: []string{model.SourcePeerConfigs}, Uses: []string{model.SourceNodeConfigs, model.SourcePeeringPolicies}, Optional: []string{model.SourceRouters}, Versions: "all",
			Detects: "hold time under 9 s, keepalive more than a third of the hold time, or applied timers (agent status or the router's view) that differ from the configured ones",
			Fixes:   "holdTimeSeconds 9 / keepAliveTimeSeconds 3 at the most aggressive, 90/30 by default",
			Explain: `BGP drops a session when nothing arrives for the hold time. A hold time of 3 s (the CRD minimum)
turns every agent CPU spike or API stall into a flap ("Hold Timer Expired", code 4/0) and a VIP
withdrawal; keepalives must come at least three times per hold time. The router may also offer a
smaller hold time, and the lower one wins: applied timers that differ from the configured ones
show that. Every change of hold or keepalive resets the session (CRD doc).
References: docs bgp-control-plane-v2.rst (Timers) ; onedr0p/home-ops PR 11393 ; metallb PR 678`,
			Run: runTimers,
		},
	}
}

// cause is one likely reason a session is down, with what would confirm it.
type cause struct {
	id, why, confirm string
}

// sessionState is what is known of one configured session, and where it comes from.
type sessionState struct {
	state  string // as reported; "" when nothing reports it
	source string // model.SourceNodeConfigs or model.SourceAgents
	// agentProblem explains why the agent, asked instead of the status, did not answer.
	agentProblem string
}

func (st sessionState) established() bool { return strings.EqualFold(st.state, "established") }

// stateOf returns the session's state from the agent's live answer when the agent was
// asked and answered, else from CiliumBGPNodeConfig status (when the agents report it),
// else why the agent could not tell.
func (in *Input) stateOf(node string, p model.EffectivePeer, statusReport bool) sessionState {
	a, asked := in.Agent(node)
	if asked && a.Status == model.StatusOK {
		for _, ap := range a.Peers {
			if ap.PeerAddress == p.PeerAddress {
				return sessionState{state: ap.State, source: model.SourceAgents}
			}
		}
		return sessionState{state: "not configured in the agent", source: model.SourceAgents}
	}
	if p.Status != nil && statusReport {
		return sessionState{state: p.Status.PeeringState, source: model.SourceNodeConfigs}
	}
	if asked {
		return sessionState{source: model.SourceAgents, agentProblem: fmt.Sprintf("%s: %s", a.Status, a.Message)}
	}
	return sessionState{}
}

func runSessionNotEstablished(in *Input) []Finding {
	s := in.S
	statusReport := model.Bool(s.Cilium.Config.EnableBGPControlPlaneStatusReport, true)
	// which nodes reach each peer address, to tell "this node" from "every node"
	up := map[string]int{}
	down := map[string]int{}
	for _, v := range in.Views() {
		for _, inst := range v.Instances {
			for _, p := range inst.Peers {
				st := in.stateOf(v.Node, p, statusReport)
				switch {
				case st.state == "":
				case st.established():
					up[p.PeerAddress]++
				default:
					down[p.PeerAddress]++
				}
			}
		}
	}
	var out []Finding
	for _, v := range in.Views() {
		for _, inst := range v.Instances {
			for _, p := range inst.Peers {
				st := in.stateOf(v.Node, p, statusReport)
				switch {
				case st.established():
					continue
				case st.source == "" && (!statusReport || v.NodeConfig == nil || inst.Source.Kind != model.KindClusterConfig):
					continue // nothing reports this session (BGPv1, or status off): bgp-status-report-disabled / the sources say so
				}
				out = append(out, sessionFinding(in, v, inst, p, st, up[p.PeerAddress], down[p.PeerAddress]))
			}
		}
	}
	return out
}

func sessionFinding(in *Input, v model.NodeBGP, inst model.EffectiveInstance, p model.EffectivePeer, st sessionState, upElsewhere, downTotal int) Finding {
	state := "not reported"
	if st.state != "" {
		state = st.state
	}
	f := Finding{
		Subject: peerRef(v.Node, inst.Name, p.Name),
		Message: fmt.Sprintf("session %s of node %s to %s (AS %d) is %s", p.Name, v.Node, peerAddr(p), p.PeerASN, state),
		Evidence: []Evidence{ev(model.SourceNodeConfigs, v.NodeConfig, fmt.Sprintf("status.bgpInstances[name=%s].peers[name=%s].peeringState", inst.Name, p.Name),
			state, "established")},
	}
	if st.source == model.SourceAgents {
		f.Evidence = []Evidence{ev(model.SourceAgents, ref(nodeRef(v.Node)), fmt.Sprintf("cilium-dbg bgp peers: peer %s session-state", peerAddr(p)), state, "established")}
	}
	switch {
	case st.agentProblem != "":
		f.Severity = Warning
		f.Message = fmt.Sprintf("the state of session %s of node %s to %s is unknown: the agent did not answer (%s)", p.Name, v.Node, peerAddr(p), st.agentProblem)
		f.Evidence[0].Observed = "no answer"
	case st.state == "":
		f.Severity = Warning
		f.Message = fmt.Sprintf("node %s reports no state for session %s to %s: the agent has not reconciled it (agent down, or the peer was just added)", v.Node, p.Name, peerAddr(p))
	}
	if rs, ok := in.routerSide(v.Node, p.PeerAddress); ok {
		// the router's side of the story comes first: it often names the cause outright
		switch n := rs.neighbor; {
		case n == nil:
			f.Details = append(f.Details, fmt.Sprintf("router %s has no neighbor %s (see node-not-configured-on-router)", rs.router.Name, rs.nodeAddr))
		default:
			line := fmt.Sprintf("router %s sees neighbor %s %s", rs.router.Name, n.Address, n.State)
			if n.LastError != "" {
				line += ", last error: " + n.LastError
			}
			f.Details = append(f.Details, line)
			f.Evidence = append(f.Evidence, ev(model.SourceRouters, ref(routerRef(rs.router.Name)), "neighbor "+n.Address+" state", n.State, "Established"))
		}
	}
	if st.agentProblem != "" {
		return f // nothing is known of the session itself: no causes to rank
	}
	pc := in.peerConfig(p)
	var causes []cause
	if upElsewhere > 0 {
		causes = append(causes,
			cause{"node-not-configured-on-router", fmt.Sprintf("%d other %s established with %s, so the peer is reachable and configured for them: the router probably lacks a neighbor for this node's address (%s)",
				upElsewhere, plural(upElsewhere, "session is", "sessions are"), peerAddr(p), nodeAddrs(in, v.Node)),
				"the router's neighbor list (FRR `show bgp summary`) has no entry for " + nodeAddrs(in, v.Node)},
			cause{"wrong-source-address-multihomed", "the node may open the session from another local address than the router expects",
				"on the node: `ip route get " + peerAddr(p) + "` shows the source address; compare with the router's neighbor"},
		)
	}
	norm := strings.ToLower(strings.ReplaceAll(state, "_", ""))
	opened := norm == "opensent" || norm == "openconfirm"
	if opened {
		causes = append(causes, cause{"asn-mismatch", fmt.Sprintf("OPEN messages were exchanged and the session still failed: the router's AS for this neighbor or its remote-as for %s (local AS %d) likely differs", v.Node, inst.LocalASN),
			"agent log `as number mismatch expected …`; FRR `show bgp neighbors " + peerAddr(p) + " json` lastNotificationReason"})
	}
	if pc != nil && pc.AuthSecretRef != "" {
		c := cause{"md5-password-mismatch", "TCP-MD5 is configured (authSecretRef " + pc.AuthSecretRef + "): a password mismatch, a password on one side only, or NAT in the path drops every SYN silently",
			"agent log `i/o timeout` with no OPEN; router configured with the same password; no NAT between node and router"}
		if cond := conditionTrue(pc.Conditions, "cilium.io/MissingAuthSecret"); cond != nil {
			c = cause{"md5-secret-missing-or-misplaced", "the PeerConfig's auth Secret cannot be found (condition MissingAuthSecret: " + cond.Message + "): the agent uses an empty password",
				"`kubectl -n " + secretsNS(in.S) + " get secret " + pc.AuthSecretRef + "` exists with a `password` key"}
			causes = append([]cause{c}, causes...)
		} else {
			causes = append(causes, c)
		}
	}
	if !opened {
		causes = append(causes,
			cause{"peer-unreachable-wrong-address", "the node cannot open TCP to " + peerAddr(p) + ":179 (wrong peerAddress, router not listening there, no route)",
				"agent log `dial tcp …:179: connect: connection refused` or `i/o timeout`; from the node `nc -vz " + peerAddr(p) + " 179`"},
			cause{"tcp179-filtered", "a firewall between node and router (host nftables, router zone policy, cloud security group, Cilium host firewall) drops BGP",
				"`tcpdump -ni any tcp port 179` on the node shows SYNs without SYN-ACK"})
	}
	if hops := multihopNeeded(in, v.Node, p); hops != "" && (pc == nil || pc.EBGPMultihop == nil || *pc.EBGPMultihop <= 1) && p.PeerASN != inst.LocalASN {
		causes = append(causes, cause{"ebgp-multihop-missing", "the peer " + hops + ", but eBGP packets leave with TTL 1 unless ebgpMultihop is set",
			"`ip route get " + peerAddr(p) + "` on the node shows a `via` gateway"})
	}
	if inst.LocalPort == nil {
		causes = append(causes, cause{"passive-passive-no-listener", "Cilium only dials out (no localPort on the instance): if the router is configured passive or only listens, nobody connects",
			"router neighbor configured `passive` (FRR neighbor JSON \"passive\": true) or a listen range only"})
	} else if *inst.LocalPort < 1024 {
		causes = append(causes, cause{"privileged-localport-without-cap", fmt.Sprintf("the instance listens on port %d, which needs CAP_NET_BIND_SERVICE in the agent", *inst.LocalPort),
			"agent log `bind: permission denied`; DaemonSet capabilities lack NET_BIND_SERVICE"})
	}
	if pc != nil && pc.Timers != nil && pc.Timers.HoldTimeSeconds != nil && *pc.Timers.HoldTimeSeconds < 9 {
		causes = append(causes, cause{"timers-too-aggressive-or-unacceptable", fmt.Sprintf("hold time %d s: the session may be flapping rather than down", *pc.Timers.HoldTimeSeconds),
			"establishedTime keeps moving; router `connectionsDropped` grows"})
	}
	for i, c := range causes {
		f.Details = append(f.Details, fmt.Sprintf("%d. %s — %s. Confirm: %s.", i+1, c.id, c.why, c.confirm))
	}
	if upElsewhere == 0 && downTotal > 1 {
		f.Details = append([]string{fmt.Sprintf("no node has an established session with %s (%d down): the problem is on the path to the peer or on the peer, not on this node", peerAddr(p), downTotal)}, f.Details...)
	}
	return f
}

func peerAddr(p model.EffectivePeer) string {
	if p.PeerAddress != "" {
		return p.PeerAddress
	}
	if p.AutoDiscovery != nil {
		return "auto-discovered (" + p.AutoDiscovery.Mode + ")"
	}
	return "?"
}

func nodeAddrs(in *Input, node string) string {
	n, ok := in.Node(node)
	if !ok || len(n.InternalIPs) == 0 {
		return "unknown"
	}
	var out []string
	for _, a := range n.InternalIPs {
		out = append(out, a.String())
	}
	return strings.Join(out, ", ")
}

// multihopNeeded says why the peer looks more than one hop away, or "".
// Without routing tables this is a heuristic: a peer outside the /24 (IPv4) or /64
// (IPv6) of every node address of its family is unlikely to be on-link.
func multihopNeeded(in *Input, node string, p model.EffectivePeer) string {
	peer, err := netip.ParseAddr(p.PeerAddress)
	if err != nil {
		return ""
	}
	n, ok := in.Node(node)
	if !ok {
		return ""
	}
	sameFamily := false
	for _, a := range n.InternalIPs {
		if a.Is4() != peer.Is4() {
			continue
		}
		sameFamily = true
		if onLinkGuess(a).Contains(peer) {
			return ""
		}
	}
	if !sameFamily {
		return ""
	}
	return "is outside the subnets of " + node + "'s addresses (" + nodeAddrs(in, node) + ")"
}

// onLinkGuess is the /24 or /64 around an address.
func onLinkGuess(a netip.Addr) netip.Prefix {
	bits := 64
	if a.Is4() {
		bits = 24
	}
	p, _ := a.Prefix(bits)
	return p
}

func secretsNS(s *model.Snapshot) string {
	if ns := s.Cilium.Config.BGPSecretsNamespace; ns != "" {
		return ns
	}
	return "kube-system"
}

// peerConfig returns the PeerConfig a peer references, if it exists.
func (in *Input) peerConfig(p model.EffectivePeer) *model.PeerConfig {
	if p.PeerConfig == nil || p.PeerConfigMissing {
		return nil
	}
	for i := range in.S.BGP.PeerConfigs {
		if in.S.BGP.PeerConfigs[i].Name == p.PeerConfig.Name {
			return &in.S.BGP.PeerConfigs[i]
		}
	}
	return nil
}

func runTimers(in *Input) []Finding {
	s := in.S
	var out []Finding
	for _, pc := range s.BGP.PeerConfigs {
		if pc.Timers == nil {
			continue
		}
		hold, keep := int32(90), int32(30)
		if pc.Timers.HoldTimeSeconds != nil {
			hold = *pc.Timers.HoldTimeSeconds
		}
		if pc.Timers.KeepAliveTimeSeconds != nil {
			keep = *pc.Timers.KeepAliveTimeSeconds
		}
		var problems []string
		if hold < 9 {
			problems = append(problems, fmt.Sprintf("hold time %d s is below 9 s: any agent stall of that length drops the session", hold))
		}
		if keep*3 > hold {
			problems = append(problems, fmt.Sprintf("keepalive %d s is more than a third of the hold time %d s: one lost keepalive can expire the hold timer", keep, hold))
		}
		if len(problems) == 0 {
			continue
		}
		out = append(out, Finding{
			Subject: pc.Ref(),
			Message: "CiliumBGPPeerConfig " + pc.Name + ": " + strings.Join(problems, "; "),
			Evidence: []Evidence{
				ev(model.SourcePeerConfigs, ref(pc.Ref()), "spec.timers.holdTimeSeconds", fmt.Sprint(hold), "≥ 9"),
				ev(model.SourcePeerConfigs, ref(pc.Ref()), "spec.timers.keepAliveTimeSeconds", fmt.Sprint(keep), fmt.Sprintf("≤ %d", max(hold/3, 1))),
			},
			Fixes: []fix.Proposal{fix.MergePatch(pc.Ref(), pc.ResourceVersion, map[string]any{"spec": map[string]any{"timers": map[string]any{
				"holdTimeSeconds": max(hold, 9), "keepAliveTimeSeconds": max(min(keep, max(hold, 9)/3), 1)}}}).
				WithRisk(fix.RiskMedium).With("Use 9/3 s timers or longer", "Changing hold or keepalive resets every session using this PeerConfig once.")},
		})
	}
	// applied timers that differ from the configured ones: the router imposed a lower hold time
	for _, v := range in.Views() {
		for _, inst := range v.Instances {
			for _, p := range inst.Peers {
				pc := in.peerConfig(p)
				if p.Status == nil || p.Status.Timers == nil || pc == nil || pc.Timers == nil || pc.Timers.HoldTimeSeconds == nil {
					continue
				}
				applied, configured := p.Status.Timers.AppliedHoldTimeSeconds, *pc.Timers.HoldTimeSeconds
				if applied == 0 || applied == configured {
					continue
				}
				out = append(out, Finding{
					Severity: Info,
					Subject:  peerRef(v.Node, inst.Name, p.Name),
					Message:  fmt.Sprintf("session %s of node %s runs with hold time %d s, configured %d s: the peer offered a different hold time and the lower one applies", p.Name, v.Node, applied, configured),
					Evidence: []Evidence{ev(model.SourceNodeConfigs, v.NodeConfig, "status…peers[name="+p.Name+"].timers.appliedHoldTimeSeconds", fmt.Sprint(applied), fmt.Sprint(configured))},
				})
			}
		}
	}
	// the same seen from the router, where the agents report no status
	for _, rs := range in.routerSessions() {
		pc := in.peerConfig(*rs.peer)
		if rs.neighbor == nil || !rs.neighbor.Established || rs.neighbor.HoldTime == 0 || rs.peer.Status != nil && rs.peer.Status.Timers != nil {
			continue
		}
		configured := int64(90)
		if pc != nil && pc.Timers != nil && pc.Timers.HoldTimeSeconds != nil {
			configured = int64(*pc.Timers.HoldTimeSeconds)
		}
		if rs.neighbor.HoldTime == configured {
			continue
		}
		out = append(out, Finding{
			Severity: Info,
			Subject:  peerRef(rs.node, rs.inst.Name, rs.peer.Name),
			Message: fmt.Sprintf("router %s runs the session with node %s with hold time %d s, Cilium is configured for %d s: the lower offer applies",
				rs.router.Name, rs.node, rs.neighbor.HoldTime, configured),
			Evidence: []Evidence{ev(model.SourceRouters, ref(routerRef(rs.router.Name)), "neighbor "+rs.neighbor.Address+" negotiated hold time", fmt.Sprint(rs.neighbor.HoldTime), fmt.Sprint(configured))},
		})
	}
	return out
}
