// SPDX-License-Identifier: Apache-2.0

package checks

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/fix"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// moreChecks are the catalogue modes detected from the operator, LB-IPAM sharing,
// session transport and authentication.
func moreChecks() []Check {
	return []Check{
		{
			ID: "operator-not-reconciling-bgp", Title: "The operator does not render the BGP node configurations", Severity: Error, Layer: LayerNodes,
			Needs: []string{model.SourceNodes, model.SourceClusterConfigs, model.SourceNodeConfigs}, Uses: []string{model.SourceDeployments},
			Versions: "1.16+ (NodeConfig), all (LB-IPAM)",
			Detects:  "a cilium-operator with no ready replica, or nodes selected by a ClusterConfig that have no CiliumBGPNodeConfig",
			Fixes:    "bring the operator back (logs, RBAC for the BGP kinds, bgp-secrets-namespace); run two replicas",
			Explain: `In BGPv2 the operator renders one CiliumBGPNodeConfig per node a ClusterConfig selects, from the
ClusterConfig, PeerConfigs and NodeConfigOverrides; the agent configures only what is in it. LB-IPAM
allocation also runs in the operator. With the operator down (or crashing: 1.18.0–1.18.3 crashed
when bgp-secrets-namespace was unset; missing RBAC for ciliumbgppeerconfigs before PR #35527), new
nodes never get BGP and new LoadBalancer Services stay pending, while what exists keeps working.
References: docs bgp-control-plane-operation.rst (Cilium Operator Down) ; https://github.com/cilium/cilium/pull/35527 ; Cilium 1.18.4 release notes (#42425)`,
			Run: runOperatorNotReconciling,
		},
		{
			ID: "lbipam-sharing-key-not-shared", Title: "Services with one sharing key got different addresses", Severity: Warning, Layer: LayerLBIPAM,
			Needs: []string{model.SourceServices}, Versions: "1.15+",
			Detects: "Services with the same lbipam.cilium.io/sharing-key holding different addresses, with the reason (port clash, externalTrafficPolicy, namespaces)",
			Fixes:   "give them distinct ports, the same externalTrafficPolicy, and lbipam.cilium.io/sharing-cross-namespace on both",
			Explain: `Services with the same lbipam.cilium.io/sharing-key share one address only when they are
compatible: no port/protocol used by two of them, the same externalTrafficPolicy (and for Local,
the same backends), and across namespaces only with lbipam.cilium.io/sharing-cross-namespace on
both naming the other's namespace (or "*"). Otherwise LB-IPAM quietly gives each its own address.
The older io.cilium/lb-ipam-sharing-key lost the sharing after an operator restart (#30700).
References: https://github.com/cilium/cilium/pull/48867 ; https://github.com/cilium/cilium/issues/30700 ; https://github.com/cilium/cilium/issues/41947`,
			Run: runSharingKey,
		},
		{
			ID: "ebgp-multihop-missing", Title: "An eBGP peer is not on the node's subnet and multihop is not set", Severity: Warning, Layer: LayerSessions,
			Needs: []string{model.SourceNodes}, Uses: []string{model.SourceClusterConfigs, model.SourcePeeringPolicies, model.SourcePeerConfigs},
			Versions: "1.14+ (ebgpMultihop)",
			Detects:  "eBGP sessions not established whose peer address is outside the node's subnet (assumed /24, /64) with ebgpMultihop unset or 1",
			Fixes:    "ebgpMultihop on the PeerConfig (BGPv1: eBGPMultihopTTL), and ebgp-multihop on the router",
			Explain: `eBGP packets leave with TTL 1 unless multihop is configured, so a peer one router away — a
route server, a loopback, a router in another subnet — never sees the node's SYN (or the reply
dies on the way back); the session stays active. The router needs ebgp-multihop (or
disable-connected-check) too. bgpnet does not know the nodes' prefix lengths and assumes /24 and /64.
References: https://github.com/cilium/cilium/pull/25708 ; https://github.com/cilium/cilium/issues/21753 ; docs BGPv2 (eBGP multihop)`,
			Run: runEBGPMultihop,
		},
		{
			ID: "md5-secret-missing-or-misplaced", Title: "The TCP-MD5 secret of a PeerConfig cannot be resolved", Severity: Error, Layer: LayerSessions,
			Also:  []SeverityCase{{Warning, "on 1.19.2, whose MissingAuthSecret condition can be a false positive"}},
			Needs: []string{model.SourcePeerConfigs}, Uses: []string{model.SourceCiliumConfig},
			Versions: "1.14+ (condition 1.17+; false positive in 1.19.2)",
			Detects:  "PeerConfigs with authSecretRef whose condition MissingAuthSecret is true, or with no bgp-secrets-namespace configured",
			Fixes:    "create the Secret with a password key in the BGP secrets namespace, or set bgpControlPlane.secretsNamespace.name",
			Explain: `A PeerConfig's authSecretRef names a Secret in the BGP secrets namespace (bgp-secrets-namespace,
kube-system by the chart) whose "password" key is the TCP-MD5 password. When it cannot be read the
agent logs "Failed to fetch secret … (will continue with empty password)" and dials without a
password: a router that expects one drops every SYN silently. bgpnet never reads Secret data; it
reads the operator's condition cilium.io/MissingAuthSecret and the configuration. Cilium 1.19.2
sets that condition even where no secret is involved (#45435).
References: docs BGPv2 (MD5 password) ; https://github.com/cilium/cilium/pull/29375 ; https://github.com/cilium/cilium/issues/45435`,
			Run: runMD5Secret,
		},
		{
			ID: "privileged-localport-without-cap", Title: "A BGP instance listens below port 1024 without CAP_NET_BIND_SERVICE", Severity: Error, Layer: LayerSessions,
			Needs: []string{model.SourceDaemonSets, model.SourceNodeConfigs}, Uses: []string{model.SourcePeerConfigs},
			Versions: "1.16+",
			Detects:  "CiliumBGPNodeConfig instances (or v2alpha1 PeerConfig transports) with a localPort below 1024 while the agent container neither adds NET_BIND_SERVICE nor runs privileged",
			Fixes:    "add NET_BIND_SERVICE to the agent's capabilities, or use a port from 1024 up",
			Explain: `Binding a port below 1024 needs CAP_NET_BIND_SERVICE, and the capabilities the Cilium chart gives
the agent do not include it. An instance with localPort 179 then fails to listen, and its peers
disappear from cilium bgp peers while a high port works (#34248). In 1.16 an empty transport: {}
in a v2alpha1 PeerConfig defaulted localPort to 179 (#34016).
References: https://github.com/cilium/cilium/issues/34248 ; https://github.com/cilium/cilium/issues/41581 ; docs BGPv2 (localPort warning)`,
			Run: runPrivilegedPort,
		},
	}
}

func runPrivilegedPort(in *Input) []Finding {
	s := in.S
	agent := s.Cilium.Agent
	if agent == nil || agent.Privileged || slices.ContainsFunc(agent.Capabilities, func(c string) bool {
		return strings.EqualFold(strings.TrimPrefix(strings.ToUpper(c), "CAP_"), "NET_BIND_SERVICE")
	}) {
		return nil
	}
	if in.Version.Known && in.Version.Before(1, 16) {
		return nil
	}
	low := func(p *int32) bool { return p != nil && *p > 0 && *p < 1024 }
	agentRef := model.Ref{Kind: "DaemonSet", Namespace: agent.Namespace, Name: agent.Name}
	fixes := []fix.Proposal{
		fix.Helm(ciliumNS(s), true, fix.HelmValue{Path: "securityContext.capabilities.ciliumAgent",
			Value: "{CHOWN,KILL,NET_ADMIN,NET_RAW,IPC_LOCK,SYS_ADMIN,SYS_RESOURCE,DAC_OVERRIDE,FOWNER,SETGID,SETUID,NET_BIND_SERVICE}"}).
			With("Let the agent bind low ports", "The chart's default list plus NET_BIND_SERVICE; the agents restart."),
	}
	var out []Finding
	for _, nc := range s.BGP.NodeConfigs {
		var ports []string
		for _, inst := range nc.Instances {
			if low(inst.LocalPort) {
				ports = append(ports, fmt.Sprintf("%s:%d", inst.Name, *inst.LocalPort))
			}
		}
		if len(ports) == 0 {
			continue
		}
		out = append(out, Finding{
			Subject: nodeRef(nc.Name),
			Message: fmt.Sprintf("node %s listens for BGP on %s, below 1024, but the agent lacks CAP_NET_BIND_SERVICE: the listener fails and its peers disappear", nc.Name, strings.Join(ports, ", ")),
			Evidence: []Evidence{ev(model.SourceNodeConfigs, ref(nc.Ref()), "spec.bgpInstances[].localPort", strings.Join(ports, ", "), "≥ 1024, or NET_BIND_SERVICE"),
				ev(model.SourceDaemonSets, &agentRef, "securityContext.capabilities.add", cmp.Or(strings.Join(agent.Capabilities, ","), "<none>"), "NET_BIND_SERVICE")},
			Fixes: fixes,
		})
	}
	for _, pc := range s.BGP.PeerConfigs {
		if pc.Transport != nil && low(pc.Transport.LocalPort) {
			out = append(out, Finding{
				Subject: pc.Ref(),
				Message: fmt.Sprintf("PeerConfig %s sets transport.localPort %d (v2alpha1), below 1024, but the agent lacks CAP_NET_BIND_SERVICE", pc.Name, *pc.Transport.LocalPort),
				Evidence: []Evidence{ev(model.SourcePeerConfigs, ref(pc.Ref()), "spec.transport.localPort", fmt.Sprint(*pc.Transport.LocalPort), "≥ 1024, or NET_BIND_SERVICE"),
					ev(model.SourceDaemonSets, &agentRef, "securityContext.capabilities.add", cmp.Or(strings.Join(agent.Capabilities, ","), "<none>"), "NET_BIND_SERVICE")},
				Fixes: fixes,
			})
		}
	}
	return out
}

func runOperatorNotReconciling(in *Input) []Finding {
	s := in.S
	var missing []string
	for _, v := range in.Views() {
		if v.AwaitsNodeConfig() {
			missing = append(missing, v.Node)
		}
	}
	pending := 0
	for _, f := range in.lbFacts() {
		if f.pending() {
			pending++
		}
	}
	op := s.Cilium.Operator
	if op != nil && op.Desired > 0 && op.Ready == 0 {
		subject := model.Ref{Kind: "Deployment", Namespace: op.Namespace, Name: op.Name}
		return []Finding{{
			Subject: subject,
			Message: fmt.Sprintf("cilium-operator %s/%s has 0 of %d replicas ready: no CiliumBGPNodeConfig is rendered (%d selected %s without one) and LB-IPAM allocates nothing (%d %s pending)",
				op.Namespace, op.Name, op.Desired, len(missing), plural(len(missing), "node", "nodes"), pending, plural(pending, "Service", "Services")),
			Evidence: []Evidence{ev(model.SourceDeployments, &subject, "status.readyReplicas", "0", fmt.Sprint(op.Desired))},
			Fixes: []fix.Proposal{fixCommand(fix.RiskLow, "Find out why the operator is down",
				"Its events and logs say why (crash loop, RBAC, image pull); with two replicas one can be down.",
				kubectl("-n", op.Namespace, "describe", "deployment", op.Name),
				kubectl("-n", op.Namespace, "logs", "deployment/"+op.Name, "--previous")+" | grep -iE 'bgp|error' | tail -20"),
				fix.Helm(ciliumNS(s), true, fix.HelmValue{Path: "operator.replicas", Value: 2}).With("Run two operator replicas", "A leader takes over when one is down.")},
		}}
	}
	if len(missing) == 0 || in.Version.Known && in.Version.Before(1, 16) {
		return nil
	}
	why := "the operator has not rendered them"
	if op == nil {
		why = "no cilium-operator Deployment was found in " + ciliumNS(s)
	}
	return []Finding{{
		Subject: clusterRef("bgp-control-plane"),
		Message: fmt.Sprintf("%d %s selected by a CiliumBGPClusterConfig %s no CiliumBGPNodeConfig (%s): %s, so the agents there run no BGP",
			len(missing), plural(len(missing), "node", "nodes"), plural(len(missing), "has", "have"), listSome(missing, maxListed), why),
		Evidence: []Evidence{ev(model.SourceNodeConfigs, nil, "metadata.name", "none for "+listSome(missing, maxListed), "one per selected node")},
		Fixes: []fix.Proposal{fixCommand(fix.RiskLow, "Look at the operator's BGP reconciliation",
			"Errors rendering NodeConfigs name the object at fault (a PeerConfig it cannot read, an override, RBAC).",
			kubectl("-n", ciliumNS(s), "logs", "deployment/cilium-operator")+" | grep -i bgp | tail -20")},
	}}
}

// sharingKeys are the annotations that ask LB-IPAM to share an address.
var sharingKeys = []string{"lbipam.cilium.io/sharing-key", "io.cilium/lb-ipam-sharing-key"}

// sharingKey returns the Service's LB-IPAM sharing key, if any.
func sharingKey(svc *model.Service) string {
	for _, a := range sharingKeys {
		if k := svc.Annotations[a]; k != "" {
			return k
		}
	}
	return ""
}

func runSharingKey(in *Input) []Finding {
	groups := map[string][]*model.Service{}
	var keys []string
	facts := in.lbFacts()
	for i, svc := range in.LBServices() {
		if !facts[i].has(factSharing) {
			continue
		}
		k := sharingKey(svc)
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], svc)
	}
	slices.Sort(keys)
	var out []Finding
	for _, k := range keys {
		svcs := groups[k]
		if len(svcs) < 2 || shareOne(svcs) {
			continue
		}
		var names, addrs, reasons []string
		for _, svc := range svcs {
			names = append(names, svc.Namespace+"/"+svc.Name)
			addrs = append(addrs, svc.Namespace+"/"+svc.Name+" "+cmpIngress(svc))
		}
		reasons = sharingReasons(svcs)
		f := Finding{
			Subject: svcs[0].Ref(),
			Message: fmt.Sprintf("Services %s share sharing-key %q but hold different addresses (%s)", strings.Join(names, ", "), k, strings.Join(addrs, "; ")),
			Details: reasons,
		}
		for _, svc := range svcs {
			f.Evidence = append(f.Evidence, ev(model.SourceServices, ref(svc.Ref()), "status.loadBalancer.ingress", cmpIngress(svc), "the address of the others"))
		}
		for _, svc := range svcs {
			if svc.Annotations["io.cilium/lb-ipam-sharing-key"] != "" && svc.Annotations["lbipam.cilium.io/sharing-key"] == "" {
				f.Fixes = append(f.Fixes, fixCommand(fix.RiskLow, "Use the current sharing annotation on "+svc.Name,
					"The io.cilium/lb-ipam-sharing-key form lost the sharing after an operator restart (#30700).",
					kubectl("-n", svc.Namespace, "annotate", "service", svc.Name, "lbipam.cilium.io/sharing-key="+k, "io.cilium/lb-ipam-sharing-key-")))
			}
		}
		out = append(out, f)
	}
	return out
}

// shareOne reports whether every Service holds a common address.
func shareOne(svcs []*model.Service) bool {
	common := map[string]bool{}
	for _, ing := range svcs[0].Ingress {
		common[ing.IP] = true
	}
	for _, svc := range svcs[1:] {
		next := map[string]bool{}
		for _, ing := range svc.Ingress {
			if common[ing.IP] {
				next[ing.IP] = true
			}
		}
		common = next
	}
	return len(common) > 0
}

func cmpIngress(svc *model.Service) string {
	if len(svc.Ingress) == 0 {
		return "<pending>"
	}
	return ingressIPs(svc)
}

// sharingReasons says what keeps LB-IPAM from sharing.
func sharingReasons(svcs []*model.Service) []string {
	var out []string
	ports := map[string]string{}
	for _, svc := range svcs {
		for _, p := range svc.Ports {
			k := fmt.Sprintf("%s/%d", p.Protocol, p.Port)
			if other, ok := ports[k]; ok && other != svc.Namespace+"/"+svc.Name {
				out = append(out, fmt.Sprintf("port %s is used by both %s and %s/%s: ports must not clash", k, other, svc.Namespace, svc.Name))
			}
			ports[k] = svc.Namespace + "/" + svc.Name
		}
	}
	etp := map[string]bool{}
	for _, svc := range svcs {
		etp[cmp.Or(svc.ExternalTrafficPolicy, "Cluster")] = true
	}
	if len(etp) > 1 {
		out = append(out, "externalTrafficPolicy differs: Services sharing an address must use the same")
	}
	nss := map[string]bool{}
	for _, svc := range svcs {
		nss[svc.Namespace] = true
	}
	if len(nss) > 1 {
		for _, svc := range svcs {
			allowed := svc.Annotations["lbipam.cilium.io/sharing-cross-namespace"]
			for ns := range nss {
				if ns != svc.Namespace && allowed != "*" && !slices.Contains(strings.Split(allowed, ","), ns) {
					out = append(out, fmt.Sprintf("%s/%s does not allow sharing with namespace %s (lbipam.cilium.io/sharing-cross-namespace is %q; both Services need it)",
						svc.Namespace, svc.Name, ns, allowed))
				}
			}
		}
	}
	for _, svc := range svcs {
		if len(svc.Ingress) == 0 {
			out = append(out, svc.Namespace+"/"+svc.Name+" is still pending: its address may not be allocated yet")
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func runEBGPMultihop(in *Input) []Finding {
	statusReport := model.Bool(in.S.Cilium.Config.EnableBGPControlPlaneStatusReport, true)
	var out []Finding
	for _, v := range in.Views() {
		n, ok := in.Node(v.Node)
		if !ok {
			continue
		}
		for _, inst := range v.Instances {
			for _, p := range inst.Peers {
				peer, err := netip.ParseAddr(bareAddr(p.PeerAddress))
				if err != nil || inst.LocalASN == 0 || p.PeerASN == 0 || inst.LocalASN == p.PeerASN {
					continue // unparseable, or iBGP: multihop does not apply
				}
				if st := in.stateOf(v.Node, p, statusReport); st.established() {
					continue
				}
				onLink, sameFamily := false, false
				for _, a := range n.InternalIPs {
					if a.Is4() == peer.Is4() {
						sameFamily = true
						onLink = onLink || onLinkGuess(a).Contains(peer)
					}
				}
				if !sameFamily || onLink {
					continue
				}
				ttl, field, obj := int32(0), "", inst.Source
				pc := in.peerConfig(p)
				if pc != nil {
					obj, field = pc.Ref(), "spec.ebgpMultihop"
					if pc.EBGPMultihop != nil {
						ttl = *pc.EBGPMultihop
					}
				} else if inst.Source.Kind == model.KindPeeringPolicy {
					field = "spec.virtualRouters[].neighbors[].eBGPMultihopTTL"
					ttl = policyMultihop(in.S, inst, p)
				}
				if ttl > 1 {
					continue
				}
				f := Finding{
					Subject: peerRef(v.Node, inst.Name, p.Name),
					Message: fmt.Sprintf("eBGP peer %s (AS %d) is not on node %s's subnet and multihop is not set: the node's packets leave with TTL 1 and die one hop away",
						peer, p.PeerASN, v.Node),
					Evidence: []Evidence{ev(model.SourceNodes, ref(nodeRef(v.Node)), "status.addresses[InternalIP]", addrsOf(n.InternalIPs, peer.Is4()), "a subnet containing "+peer.String()+" (assumed /24, /64)")},
				}
				if field != "" {
					observed := "<unset>"
					if ttl != 0 {
						observed = fmt.Sprint(ttl)
					}
					f.Evidence = append(f.Evidence, ev(model.SourcePeerConfigs, ref(obj), field, observed, "the hop count to the peer, e.g. 4"))
				}
				if pc != nil {
					f.Fixes = append(f.Fixes, fix.MergePatch(pc.Ref(), pc.ResourceVersion, map[string]any{"spec": map[string]any{"ebgpMultihop": 4}}).
						WithRisk(fix.RiskMedium).With("Allow 4 hops to the peer", "The session is reset; set the real hop count if you know it."))
				}
				lines := []string{"configure terminal", fmt.Sprintf("router bgp %d", p.PeerASN)}
				for _, a := range n.InternalIPs {
					if a.Is4() == peer.Is4() {
						lines = append(lines, "neighbor "+a.String()+" ebgp-multihop 4")
					}
				}
				f.Fixes = append(f.Fixes, routerCommand(fix.RiskMedium, "Allow multihop on the router (FRR)", "The router sends with TTL 1 too.", vtysh(lines...)))
				out = append(out, f)
			}
		}
	}
	return out
}

// policyMultihop is the eBGPMultihopTTL of the BGPv1 neighbor behind a peer.
func policyMultihop(s *model.Snapshot, inst model.EffectiveInstance, p model.EffectivePeer) int32 {
	for _, pp := range s.BGP.PeeringPolicies {
		if pp.Name != inst.Source.Name {
			continue
		}
		for _, vr := range pp.VirtualRouters {
			for _, nb := range vr.Neighbors {
				if bareAddr(nb.PeerAddress) == bareAddr(p.PeerAddress) && nb.EBGPMultihopTTL != nil {
					return *nb.EBGPMultihopTTL
				}
			}
		}
	}
	return 0
}

// addrsOf joins a node's addresses of one family.
func addrsOf(as []netip.Addr, v4 bool) string {
	var out []string
	for _, a := range as {
		if a.Is4() == v4 {
			out = append(out, a.String())
		}
	}
	return strings.Join(out, ",")
}

func runMD5Secret(in *Input) []Finding {
	s := in.S
	var out []Finding
	nsUnset := s.Cilium.Config.Present && s.Cilium.Config.BGPSecretsNamespace == ""
	for i := range s.BGP.PeerConfigs {
		pc := &s.BGP.PeerConfigs[i]
		if pc.AuthSecretRef == "" {
			continue
		}
		cond := conditionTrue(pc.Conditions, "cilium.io/MissingAuthSecret")
		create := fixCommand(fix.RiskMedium, "Create the Secret (type the password in, it is not printed)",
			"The agent reads the key password; the router must use the same.",
			"read -rs BGP_PASSWORD && "+kubectl("-n", secretsNS(s), "create", "secret", "generic", pc.AuthSecretRef)+` --from-literal=password="$BGP_PASSWORD"`)
		switch {
		case cond != nil:
			f := Finding{
				Subject: pc.Ref(),
				Message: fmt.Sprintf("PeerConfig %s uses authSecretRef %q, which the operator cannot find in %s: its sessions run without the TCP-MD5 password", pc.Name, pc.AuthSecretRef, secretsNS(s)),
				Evidence: []Evidence{ev(model.SourcePeerConfigs, ref(pc.Ref()), "status.conditions[cilium.io/MissingAuthSecret]", "True: "+cond.Message, "False"),
					cfgEv(s, "bgp-secrets-namespace", "the namespace of "+pc.AuthSecretRef)},
				Fixes: []fix.Proposal{create},
			}
			if in.Version.Known && in.Version.String() == "1.19.2" {
				f.Severity = Warning
				f.Details = []string{"Cilium 1.19.2 sets MissingAuthSecret even where the secret exists (#45435): check the Secret before believing it"}
			}
			out = append(out, f)
		case nsUnset && (!in.Version.Known || !in.Version.Before(1, 16)):
			out = append(out, Finding{
				Subject:  pc.Ref(),
				Message:  fmt.Sprintf("PeerConfig %s uses authSecretRef %q but bgp-secrets-namespace is not set: the agent cannot read any BGP secret and dials without a password", pc.Name, pc.AuthSecretRef),
				Evidence: []Evidence{cfgEv(s, "bgp-secrets-namespace", "the namespace holding "+pc.AuthSecretRef)},
				Fixes: []fix.Proposal{fix.Helm(ciliumNS(s), true, fix.HelmValue{Path: "bgpControlPlane.secretsNamespace.name", Value: "kube-system"}).
					With("Set the BGP secrets namespace", "Then create the Secret there."), create},
			})
		}
	}
	return out
}
