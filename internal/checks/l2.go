// SPDX-License-Identifier: Apache-2.0

package checks

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/fix"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"k8s.io/apimachinery/pkg/labels"
)

func l2Checks() []Check {
	return []Check{
		{
			ID: "l2-prerequisites-missing", Title: "L2 announcements are configured but not enabled", Severity: Error, Layer: LayerL2,
			Needs: []string{model.SourceCiliumConfig, model.SourceL2Policies}, Versions: "1.14+",
			Detects: "CiliumL2AnnouncementPolicies while enable-l2-announcements or kube-proxy replacement (or externalIPs) is off",
			Fixes:   "`--set l2announcements.enabled=true --set kubeProxyReplacement=true` (and externalIPs.enabled)",
			Explain: `L2 announcements answer ARP (and, from 1.19, NDP) for VIPs. They need
l2announcements.enabled=true, kube-proxy replacement, the announcing interfaces among Cilium's
devices, and externalIPs.enabled for externalIPs. Without them the policies are accepted and
nothing answers: the VIP is assigned but unreachable.
References: docs l2-announcements.rst (Prerequisites, Troubleshooting)`,
			Run: runL2Prerequisites,
		},
		{
			ID: "l2-policy-not-matching", Title: "An L2 announcement policy announces nothing", Severity: Warning, Layer: LayerL2,
			Also:  []SeverityCase{{Error, "the policy's selector is refused by the operator, it announces no address type, or it selects no node"}},
			Needs: []string{model.SourceL2Policies, model.SourceServices, model.SourceNodes}, Versions: "1.14+",
			Detects: "policies with loadBalancerIPs and externalIPs both false, selecting no Service or no node, or flagged bad-service-selector; l2-announcer Services no policy selects",
			Fixes:   "set loadBalancerIPs: true and fix the selectors",
			Explain: `A CiliumL2AnnouncementPolicy announces nothing unless loadBalancerIPs or externalIPs is true —
both default to false — and only for the Services its serviceSelector and the nodes its
nodeSelector select. An invalid selector is reported with condition io.cilium/bad-service-selector.
No policy, no lease cilium-l2announce-<ns>-<svc>, no ARP answers.
References: docs l2-announcements.rst (Policies, Status, Troubleshooting)`,
			Run: runL2PolicyNotMatching,
		},
		{
			ID: "l2-etp-local-incompatible", Title: "L2-announced Service uses externalTrafficPolicy Local", Severity: Warning, Layer: LayerL2,
			Needs: []string{model.SourceL2Policies, model.SourceServices, model.SourceEndpointSlices}, Versions: "1.14+",
			Detects: "eTP=Local Services selected by an L2 announcement policy",
			Fixes:   "externalTrafficPolicy Cluster, or a nodeSelector limited to the nodes running the backends",
			Explain: `"L2 announcements isn't currently aware of [externalTrafficPolicy Local] and will announce the
service IP on all nodes matching policies." The node holding the lease may have no local
backend, and then drops every packet for the VIP.
References: docs l2-announcements.rst (Limitations)`,
			Run: runL2ETPLocal,
		},
		{
			ID: "l2-ipv6-ndp-gaps", Title: "IPv6 VIPs announced over L2 without working NDP", Severity: Error, Layer: LayerL2,
			Also:  []SeverityCase{{Warning, "the agent version is unknown, or no IPv6 multicast device is set"}},
			Needs: []string{model.SourceL2Policies, model.SourceServices, model.SourceCiliumConfig, model.SourceDaemonSets}, Versions: "unsupported ≤1.18; 1.19+ with enable-ipv6-ndp",
			Detects: "L2 policies covering Services with IPv6 addresses on Cilium <1.19, or without enable-ipv6-ndp / ipv6-mcast-device",
			Fixes:   "Cilium ≥1.19 with enable-ipv6-ndp and ipv6-mcast-device, or announce IPv6 VIPs over BGP",
			Explain: `L2 announcements answered only ARP (IPv4) before Cilium 1.19 (cilium#28985). 1.19 added NDP
(PR #39648), which needs cilium-config enable-ipv6-ndp: "true" and ipv6-mcast-device; early 1.19
releases also failed to join the solicited-node multicast group of the VIPs (#44311) or to send
the NA after a lease moved (#43530). Without it an IPv6 VIP gets no neighbor advertisement and is
unreachable on the LAN.
References: https://github.com/cilium/cilium/pull/39648 ; https://github.com/cilium/cilium/issues/44311 ; https://github.com/cilium/cilium/issues/43530`,
			Run: runL2IPv6NDP,
		},
	}
}

func runL2Prerequisites(in *Input) []Finding {
	s := in.S
	if len(s.L2Policies) == 0 {
		return nil
	}
	c := s.Cilium.Config
	var out []Finding
	var names []string
	extIPs := false
	for _, p := range s.L2Policies {
		names = append(names, p.Name)
		extIPs = extIPs || p.ExternalIPs
	}
	subject := clusterRef("l2-announcements")
	polEv := ev(model.SourceL2Policies, nil, "", joinSorted(names), "")
	if !model.Bool(c.EnableL2Announcements, false) {
		out = append(out, Finding{
			Subject:  subject,
			Message:  fmt.Sprintf("%d L2 announcement %s but enable-l2-announcements is not \"true\": no ARP/NDP answers for the VIPs", len(names), plural(len(names), "policy exists", "policies exist")),
			Evidence: []Evidence{cfgEv(s, "enable-l2-announcements", `"true"`), polEv},
			Fixes: []fix.Proposal{fix.Helm(ciliumNS(s), true, fix.HelmValue{Path: "l2announcements.enabled", Value: true}).
				With("Enable L2 announcements", "Size k8sClientRateLimit for the number of announced Services (about #services / leaseRenewDeadline QPS).")},
		})
	}
	if kpr := strings.ToLower(c.KubeProxyReplacement); kpr != "true" && kpr != "strict" {
		out = append(out, Finding{
			Subject:  subject,
			Message:  "L2 announcements need kube-proxy replacement, which is off",
			Evidence: []Evidence{cfgEv(s, "kube-proxy-replacement", `"true"`), polEv},
			Fixes: []fix.Proposal{fix.Helm(ciliumNS(s), true, fix.HelmValue{Path: "kubeProxyReplacement", Value: true}).
				With("Enable kube-proxy replacement", "A large change: remove kube-proxy afterwards and set k8sServiceHost/k8sServicePort; plan it.")},
		})
	}
	if extIPs && !model.Bool(c.EnableExternalIPs, false) {
		out = append(out, Finding{
			Severity: Warning,
			Subject:  subject,
			Message:  "an L2 policy announces externalIPs but Cilium's externalIPs support is off",
			Evidence: []Evidence{cfgEv(s, "enable-external-ips", `"true"`), polEv},
			Fixes: []fix.Proposal{fix.Helm(ciliumNS(s), true, fix.HelmValue{Path: "externalIPs.enabled", Value: true}).
				With("Enable externalIPs", "Cilium then handles traffic to Service externalIPs.")},
		})
	}
	return out
}

func runL2PolicyNotMatching(in *Input) []Finding {
	s := in.S
	var out []Finding
	for _, p := range s.L2Policies {
		f := Finding{Subject: p.Ref()}
		if cond := conditionTrue(p.Conditions, "io.cilium/bad-service-selector", "cilium.io/BadServiceSelector"); cond != nil {
			f.Severity = Error
			f.Message = fmt.Sprintf("L2 policy %s has an invalid service selector: %s", p.Name, cond.Message)
			f.Evidence = []Evidence{ev(model.SourceL2Policies, ref(p.Ref()), "status.conditions[io.cilium/bad-service-selector]", "True", "False")}
			out = append(out, f)
			continue
		}
		if !p.LoadBalancerIPs && !p.ExternalIPs {
			f.Severity = Error
			f.Message = fmt.Sprintf("L2 policy %s announces neither loadBalancerIPs nor externalIPs (both default to false): it announces nothing", p.Name)
			f.Evidence = []Evidence{ev(model.SourceL2Policies, ref(p.Ref()), "spec.loadBalancerIPs", "false", "true")}
			f.Fixes = []fix.Proposal{fix.MergePatch(p.Ref(), p.ResourceVersion, map[string]any{"spec": map[string]any{"loadBalancerIPs": true}}).
				With("Announce LoadBalancer IPs", "The selected Services' VIPs are then answered on the LAN.")}
			out = append(out, f)
			continue
		}
		nodes := 0
		for _, n := range s.Nodes {
			if ok, _ := in.Selects(p.NodeSelector, labels.Set(n.Labels), model.NilMatchesAll); ok {
				nodes++
			}
		}
		if nodes == 0 {
			f.Severity = Error
			f.Message = fmt.Sprintf("L2 policy %s selects no node (nodeSelector %s): nothing can announce", p.Name, model.SelectorString(p.NodeSelector))
			f.Evidence = []Evidence{ev(model.SourceL2Policies, ref(p.Ref()), "spec.nodeSelector", model.SelectorString(p.NodeSelector), "matches at least one node")}
			out = append(out, f)
			continue
		}
		svcs := 0
		for i := range s.Services {
			if ok, _ := in.Selects(p.ServiceSelector, in.ServiceLabels(&s.Services[i]), model.NilMatchesAll); ok {
				svcs++
			}
		}
		if svcs == 0 {
			f.Message = fmt.Sprintf("L2 policy %s selects no Service (serviceSelector %s)", p.Name, model.SelectorString(p.ServiceSelector))
			f.Evidence = []Evidence{ev(model.SourceL2Policies, ref(p.Ref()), "spec.serviceSelector", model.SelectorString(p.ServiceSelector), "matches a LoadBalancer Service")}
			out = append(out, f)
		}
	}
	facts := in.lbFacts()
	for i, svc := range in.LBServices() {
		if !facts[i].has(factL2Class) || facts[i].has(factL2) {
			continue
		}
		out = append(out, Finding{
			Subject:  svc.Ref(),
			Message:  fmt.Sprintf("Service %s/%s has class io.cilium/l2-announcer but no L2 policy announcing LoadBalancer IPs selects it", svc.Namespace, svc.Name),
			Evidence: []Evidence{ev(model.SourceServices, ref(svc.Ref()), "metadata.labels", labelsOf(svc.Labels), "selected by a CiliumL2AnnouncementPolicy with loadBalancerIPs: true")},
		})
	}
	return out
}

func runL2ETPLocal(in *Input) []Finding {
	var out []Finding
	facts := in.lbFacts()
	for i, svc := range in.LBServices() {
		if !facts[i].has(factETPLocal | factL2) {
			continue
		}
		out = append(out, Finding{
			Subject: svc.Ref(),
			Message: fmt.Sprintf("Service %s/%s uses externalTrafficPolicy Local and is L2-announced: the node holding the lease may have none of its backends (ready on: %s) and then drops the traffic",
				svc.Namespace, svc.Name, orNone(sortedMapKeys(svc.Endpoints.ReadyByNode))),
			Evidence: []Evidence{ev(model.SourceServices, ref(svc.Ref()), "spec.externalTrafficPolicy", "Local", "Cluster for L2-announced Services")},
			Fixes: []fix.Proposal{fix.MergePatch(svc.Ref(), svc.ResourceVersion, map[string]any{"spec": map[string]any{"externalTrafficPolicy": "Cluster"}}).
				WithRisk(fix.RiskMedium).With("Use externalTrafficPolicy Cluster", "The lease holder then forwards to any backend; the client source IP is SNATed.")},
		})
	}
	return out
}

func runL2IPv6NDP(in *Input) []Finding {
	s := in.S
	c := s.Cilium.Config
	var out []Finding
	facts := in.lbFacts()
	for i, svc := range in.LBServices() {
		if !facts[i].has(factL2 | factIngress) {
			continue
		}
		var v6 []string
		for _, ing := range svc.Ingress {
			if a, err := netip.ParseAddr(ing.IP); err == nil && a.Is6() {
				v6 = append(v6, ing.IP)
			}
		}
		if len(v6) == 0 {
			continue
		}
		f := Finding{Subject: svc.Ref(), Evidence: []Evidence{
			ev(model.SourceServices, ref(svc.Ref()), "status.loadBalancer.ingress", strings.Join(v6, ","), ""),
			ev(model.SourceDaemonSets, nil, "cilium agent image", orUnknown(in.Version), "≥ 1.19 for IPv6 L2 announcements"),
		}}
		ndpFix := fix.Helm(ciliumNS(s), true, fix.HelmValue{Path: "extraConfig.enable-ipv6-ndp", Value: "true"},
			fix.HelmValue{Path: "extraConfig.ipv6-mcast-device", Value: "eth0"}).
			With("Enable NDP answers", "Replace eth0 with the LAN interface; there is no first-class Helm value for these keys.")
		switch {
		case in.Version.Before(1, 19):
			f.Message = fmt.Sprintf("Service %s/%s has IPv6 VIP %s announced over L2, but Cilium %s answers no NDP for VIPs (IPv6 L2 announcements arrived in 1.19)", svc.Namespace, svc.Name, strings.Join(v6, ","), in.Version)
		case !model.Bool(c.EnableIPv6NDP, false):
			f.Message = fmt.Sprintf("Service %s/%s has IPv6 VIP %s announced over L2, but enable-ipv6-ndp is not \"true\": no neighbor advertisements are sent", svc.Namespace, svc.Name, strings.Join(v6, ","))
			f.Evidence = append(f.Evidence, cfgEv(s, "enable-ipv6-ndp", `"true"`))
			f.Fixes = []fix.Proposal{ndpFix}
			if !in.Version.Known {
				f.Severity = Warning
				f.Message += "; the agent version is unknown, and before 1.19 IPv6 L2 announcements do not exist at all"
			}
		case c.IPv6McastDevice == "":
			f.Severity = Warning
			f.Message = fmt.Sprintf("Service %s/%s has IPv6 VIP %s announced over L2 and ipv6-mcast-device is unset: NDP relies on auto-detecting the device", svc.Namespace, svc.Name, strings.Join(v6, ","))
			f.Evidence = append(f.Evidence, cfgEv(s, "ipv6-mcast-device", "the LAN interface"))
			f.Fixes = []fix.Proposal{ndpFix}
		default:
			continue
		}
		out = append(out, f)
	}
	return out
}
