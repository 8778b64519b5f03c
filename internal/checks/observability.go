// SPDX-License-Identifier: Apache-2.0

package checks

import (
	"cmp"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/fix"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// dropCheck describes a check over Hubble drops of some reasons towards the VIPs.
type dropCheck struct {
	id, title, detects, fixes, explain string
	reasons                            []string
	severity                           Severity
	advice                             func(svc string) []fix.Proposal
}

func observabilityChecks() []Check {
	out := []Check{{
		ID: "hubble-relay-unavailable", Title: "Flows could not be read from Hubble", Severity: Warning, Layer: LayerObservability,
		Also:  []SeverityCase{{Info, "Hubble is not installed (nothing was expected)"}},
		Needs: []string{model.SourceCiliumConfig}, Versions: "all",
		Detects: "hubble-relay missing, unreachable, forbidden or timing out while doctor looks for drops",
		Fixes:   "`--set hubble.enabled=true --set hubble.relay.enabled=true`, or pass --hubble-server",
		Explain: `doctor reads recent drops towards the VIPs from hubble-relay (port-forward to the hubble-relay
Service, like the hubble CLI, or --hubble-server). Without it the drop checks are skipped: they
report nothing, which is not the same as "no drops". hubble-relay is optional in the Helm chart
(hubble.relay.enabled) and needs Hubble on the agents (hubble.enabled).
References: cilium-cli PR 928 ; https://github.com/cilium/hubble/issues/1356`,
		Run: runHubbleUnavailable,
	}}
	for _, d := range []dropCheck{
		{id: "drop-service-backend-not-found", title: "Traffic to a VIP finds no backend", severity: Error,
			reasons: []string{"SERVICE_BACKEND_NOT_FOUND"},
			detects: "Hubble drops SERVICE_BACKEND_NOT_FOUND (158) towards a Service's VIP",
			fixes:   "check the Service's ports and ready endpoints; ICMP and unknown ports to a VIP are dropped by design (1.19+)",
			explain: `Cilium's load balancer found no backend for (VIP, protocol, port): the Service has no ready
endpoint (on this node with externalTrafficPolicy Local), or the packet is for a port or protocol
the Service does not expose — since 1.19 (PR #40684) ping and unknown ports to a VIP are dropped
with this reason instead of looping.
References: https://github.com/cilium/cilium/issues/16399 ; https://github.com/cilium/hubble/issues/1451 ; https://github.com/cilium/cilium/pull/40684`},
		{id: "drop-policy-denied", title: "A network policy drops traffic to a VIP's backends", severity: Error,
			reasons: []string{"POLICY_DENIED", "POLICY_DENY"},
			detects: "Hubble drops POLICY_DENIED (133) / POLICY_DENY (181) of traffic to a Service's VIP",
			fixes:   "allow the clients (often reserved:world, or the node IPs with SNAT) in the backends' ingress policy",
			explain: `The VIP traffic reached the backend and an ingress policy refused it. North-south traffic
arrives from reserved:world (or from the node, with SNAT), which policies written for in-cluster
clients do not allow.
References: flow.proto DropReason ; https://github.com/cilium/cilium/issues/16261`},
		{id: "drop-ct-map-insertion-failed", title: "Conntrack or NAT tables are full", severity: Warning,
			reasons: []string{"CT_MAP_INSERTION_FAILED", "NO_MAPPING_FOR_NAT_MASQUERADE"},
			detects: "Hubble drops CT_MAP_INSERTION_FAILED (155) or NO_MAPPING_FOR_NAT_MASQUERADE (167) towards a VIP",
			fixes:   "raise bpf.ctTcpMax / bpf.ctAnyMax / bpf.natMax or bpf.mapDynamicSizeRatio",
			explain: `The connection tracking (or NAT) map had no room for a new entry: sporadic drops of new
connections under load or with many short-lived connections.
References: https://github.com/cilium/cilium/issues/24177 ; https://github.com/cilium/cilium/issues/35010`},
		{id: "drop-fib-lookup-failed-unroutable", title: "Replies or forwarded packets have no route", severity: Warning,
			reasons: []string{"FIB_LOOKUP_FAILED", "STALE_OR_UNROUTABLE_IP"},
			detects: "Hubble drops FIB_LOOKUP_FAILED (169) or STALE_OR_UNROUTABLE_IP (151) around a VIP",
			fixes:   "add the missing route on the node (or advertise PodCIDRs), or fix the stale address",
			explain: `The datapath looked up where to send a packet and found no route (or the address is stale):
typical for VIP traffic from the node hosting the backend, or replies towards clients only reachable
through a router the node has no route to.
References: https://github.com/cilium/cilium/issues/23434`},
	} {
		out = append(out, d.check())
	}
	out = append(out, Check{
		ID: "hubble-drop-summary", Title: "Drops towards the VIPs, by Service and reason", Severity: Info, Layer: LayerObservability,
		Needs: []string{model.SourceHubble, model.SourceServices}, Versions: "all",
		Detects: "every drop Hubble reported towards a VIP, counted per Service and reason",
		Fixes:   "see the drop-* findings; `kubectl bgpnet flows SERVICE --verdict dropped` shows the flows",
		Explain: `A summary of the recent drops towards each Service's VIPs (the last 2000 dropped flows Hubble
returns for those addresses), so reasons without a check of their own are not lost.
References: flow.proto DropReason`,
		Run: runDropSummary,
	})
	return out
}

func (d dropCheck) check() Check {
	return Check{
		ID: d.id, Title: d.title, Severity: d.severity, Layer: LayerObservability,
		Needs: []string{model.SourceHubble, model.SourceServices}, Versions: "all",
		Detects: d.detects, Fixes: d.fixes, Explain: d.explain,
		Run: func(in *Input) []Finding { return runDrops(in, d) },
	}
}

// dropsByService groups the dropped flows by the Service owning their VIP.
func (in *Input) dropsByService() map[*model.Service][]model.Flow {
	if in.drops != nil {
		return in.drops
	}
	in.drops = map[*model.Service][]model.Flow{}
	// the addresses drops were seen for: usually a few, so Services are only looked up
	// against them (no index over every Service's addresses)
	seen := map[string]bool{}
	for _, f := range in.S.Flows {
		if f.Verdict == "DROPPED" {
			seen[f.Destination], seen[f.Source] = true, true
		}
	}
	if len(seen) == 0 {
		return in.drops
	}
	byIP := map[string]*model.Service{}
	for i := range in.S.Services {
		svc := &in.S.Services[i]
		for _, ing := range svc.Ingress {
			if seen[ing.IP] {
				byIP[ing.IP] = svc
			}
		}
		for _, ip := range svc.ExternalIPs {
			if seen[ip] {
				byIP[ip] = svc
			}
		}
	}
	for _, f := range in.S.Flows {
		if f.Verdict != "DROPPED" {
			continue
		}
		svc := byIP[f.Destination]
		if svc == nil {
			svc = byIP[f.Source]
		}
		if svc != nil {
			in.drops[svc] = append(in.drops[svc], f)
		}
	}
	return in.drops
}

func runDrops(in *Input, d dropCheck) []Finding {
	var out []Finding
	for svc, flows := range in.dropsByService() {
		var hit []model.Flow
		for _, f := range flows {
			for _, r := range d.reasons {
				if f.DropReason == r {
					hit = append(hit, f)
				}
			}
		}
		if len(hit) == 0 {
			continue
		}
		sample := hit[len(hit)-1]
		f := Finding{
			Severity: d.severity, Subject: svc.Ref(),
			Message: fmt.Sprintf("Hubble saw %d %s drops of traffic to Service %s/%s (%s), e.g. %s %s -> %s on %s",
				len(hit), strings.Join(uniqueReasons(hit), "/"), svc.Namespace, svc.Name, ingressIPs(svc),
				sample.Protocol, hostPort(sample.Source, sample.SourcePort, sample.Protocol), hostPort(sample.Destination, sample.DestinationPort, sample.Protocol), cmp.Or(sample.Node, "-")),
			Evidence: []Evidence{ev(model.SourceHubble, ref(svc.Ref()), "flows[verdict=DROPPED].drop_reason_desc", strings.Join(uniqueReasons(hit), ","), "no drops")},
		}
		if d.id == "drop-service-backend-not-found" {
			f.Details = append(f.Details, serviceBackendHints(svc, hit)...)
		}
		f.Fixes = append(f.Fixes, fixCommand(fix.RiskLow, "Look at the dropped flows",
			"Streams the drops as they happen, with endpoints and reasons.",
			kubectl("bgpnet", "flows", svc.Namespace+"/"+svc.Name, "--verdict", "dropped", "--follow")))
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Subject.String() < out[j].Subject.String() })
	return out
}

// serviceBackendHints says which dropped packets the Service could never answer.
func serviceBackendHints(svc *model.Service, flows []model.Flow) []string {
	ports := map[string]bool{}
	for _, p := range svc.Ports {
		ports[fmt.Sprintf("%s/%d", p.Protocol, p.Port)] = true
	}
	var other, icmp int
	for _, f := range flows {
		switch {
		case strings.HasPrefix(f.Protocol, "ICMP"):
			icmp++
		case !ports[fmt.Sprintf("%s/%d", f.Protocol, f.DestinationPort)]:
			other++
		}
	}
	var out []string
	if icmp > 0 {
		out = append(out, fmt.Sprintf("%d of them are ICMP (ping): Cilium never answers ping to a VIP — expected, see icmp-or-unknown-port-to-lb-vip", icmp))
	}
	if other > 0 {
		out = append(out, fmt.Sprintf("%d of them go to ports the Service does not expose (it has %s)", other, strings.Join(sortedMapKeys(ports), ", ")))
	}
	if rest := len(flows) - icmp - other; rest > 0 {
		out = append(out, fmt.Sprintf("%d of them go to a Service port: it has %d ready endpoints (%s); with externalTrafficPolicy %s a node without a local endpoint drops",
			rest, svc.Endpoints.Ready, orNone(sortedMapKeys(svc.Endpoints.ReadyByNode)), cmp.Or(svc.ExternalTrafficPolicy, "-")))
	}
	return out
}

func uniqueReasons(fs []model.Flow) []string {
	seen := map[string]bool{}
	var out []string
	for _, f := range fs {
		if !seen[f.DropReason] {
			seen[f.DropReason] = true
			out = append(out, f.DropReason)
		}
	}
	sort.Strings(out)
	return out
}

func runHubbleUnavailable(in *Input) []Finding {
	st, ok := in.S.Source(model.SourceHubble)
	if !ok || st.Status == model.StatusOK || st.Status == model.StatusSkipped {
		return nil
	}
	f := Finding{
		Subject:  clusterRef("hubble"),
		Message:  fmt.Sprintf("Hubble flows could not be read (%s: %s): the drop checks are skipped, which says nothing about drops", st.Status, st.Message),
		Evidence: []Evidence{ev(model.SourceHubble, nil, "", string(st.Status)+": "+st.Message, "ok"), cfgEv(in.S, "enable-hubble", `"true"`)},
		Fixes: []fix.Proposal{fix.Helm(ciliumNS(in.S), false, fix.HelmValue{Path: "hubble.enabled", Value: true}, fix.HelmValue{Path: "hubble.relay.enabled", Value: true}).
			With("Enable Hubble and hubble-relay", "Or point doctor at an existing server with --hubble-server (and the --hubble-tls-* flags).")},
	}
	if st.Status == model.StatusNotInstalled {
		f.Severity = Info
		f.Message = fmt.Sprintf("hubble-relay is not installed (%s): the drop checks are skipped, which says nothing about drops", st.Message)
	}
	if st.Status == model.StatusForbidden {
		f.Fixes = []fix.Proposal{fixCommand(fix.RiskLow, "Grant port-forward to hubble-relay",
			"bgpnet needs get on services and create on pods/portforward in the Cilium namespace.",
			kubectl("auth", "can-i", "create", "pods/portforward", "-n", ciliumNS(in.S)))}
	}
	return []Finding{f}
}

func runDropSummary(in *Input) []Finding {
	var out []Finding
	for svc, flows := range in.dropsByService() {
		counts := map[string]int{}
		for _, f := range flows {
			counts[f.DropReason]++
		}
		var parts []string
		for _, r := range sortedMapKeys(counts) {
			parts = append(parts, fmt.Sprintf("%s %d", r, counts[r]))
		}
		out = append(out, Finding{
			Subject:  svc.Ref(),
			Message:  fmt.Sprintf("%d drops towards %s/%s (%s): %s", len(flows), svc.Namespace, svc.Name, ingressIPs(svc), strings.Join(parts, ", ")),
			Evidence: []Evidence{ev(model.SourceHubble, ref(svc.Ref()), "flows[verdict=DROPPED]", fmt.Sprint(len(flows)), "")},
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Subject.String() < out[j].Subject.String() })
	return out
}

// hostPort renders an endpoint of a flow: "ip:port", or the bare IP for ICMP and other
// protocols without ports.
func hostPort(ip string, port uint32, proto string) string {
	if port == 0 || strings.HasPrefix(proto, "ICMP") {
		return ip
	}
	return net.JoinHostPort(ip, strconv.FormatUint(uint64(port), 10))
}
