// SPDX-License-Identifier: Apache-2.0

package checks

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/fix"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

func versionChecks() []Check {
	return []Check{
		{
			ID: "bgp-cp-not-enabled", Title: "BGP objects exist but the BGP control plane is off", Severity: Error, Layer: LayerVersion,
			Needs: []string{model.SourceCiliumConfig}, Uses: []string{model.SourceClusterConfigs, model.SourcePeeringPolicies},
			Versions: "all (1.12+)",
			Detects:  "`enable-bgp-control-plane` is not true while BGP objects exist, or it is true while the BGP CRDs are missing",
			Fixes:    "`helm upgrade … --set bgpControlPlane.enabled=true`, then restart agent and operator",
			Explain: `Cilium registers its BGP CRDs and runs the BGP controllers only when cilium-config has
enable-bgp-control-plane: "true" (Helm bgpControlPlane.enabled). Without it,
CiliumBGPClusterConfig/PeeringPolicy objects are ignored: no CiliumBGPNodeConfig is written and
no session starts. The flag needs an agent and operator restart. The reverse also happens: the
flag is on but the CRDs were never created (cilium#47193, helm template installs), so nothing can
be configured.
References: https://github.com/cilium/cilium/issues/47193 ; docs bgp-control-plane.rst`,
			Run: runBGPCPNotEnabled,
		},
		{
			ID: "bgpv1-removed-in-1-19", Title: "BGPv1 CiliumBGPPeeringPolicy is deprecated (1.18) or removed (1.19+)", Severity: Error, Layer: LayerVersion,
			Also:  []SeverityCase{{Warning, "the agents run 1.18 (deprecated, still working) or their version is unknown"}},
			Needs: []string{model.SourceDaemonSets}, Uses: []string{model.SourcePeeringPolicies}, Versions: "deprecated 1.18, removed 1.19",
			Detects: "CiliumBGPPeeringPolicy objects on an agent ≥1.18 (or of unknown version)",
			Fixes:   "the equivalent CiliumBGPClusterConfig, CiliumBGPPeerConfig and CiliumBGPAdvertisement objects, generated",
			Explain: `BGPv1 (CiliumBGPPeeringPolicy) was deprecated in Cilium 1.18 (PR #38397) and removed with its
agent implementation in 1.19 (PR #42278): after the upgrade all its sessions disappear and
"no matches for kind CiliumBGPPeeringPolicy" is all that is left. Migration is manual:
virtualRouters[].localASN becomes a ClusterConfig instance, neighbors become peers (peerAddress
without the /32 mask) with a PeerConfig for timers, multihop, graceful restart and password, and
exportPodCIDR / serviceSelector become CiliumBGPAdvertisements. Apply the v2 objects, verify,
then delete the policy — while both exist the policy wins (v1-and-v2-configured-together).
References: https://github.com/cilium/cilium/pull/42278 ; https://github.com/cilium/cilium/pull/38397 ; https://github.com/cilium/cilium/issues/42290`,
			Run: runBGPv1Removed,
		},
		{
			ID: "v1-and-v2-configured-together", Title: "A node is selected by both a BGPv1 policy and a BGPv2 ClusterConfig", Severity: Error, Layer: LayerVersion,
			Needs: []string{model.SourceNodes}, Uses: []string{model.SourcePeeringPolicies, model.SourceClusterConfigs}, Versions: "1.16–1.18",
			Detects: "nodes matched by a CiliumBGPPeeringPolicy and a CiliumBGPClusterConfig",
			Fixes:   "remove the PeeringPolicy (or narrow its nodeSelector) once the v2 configuration is in place",
			Explain: `"The CiliumBGPPeeringPolicy and CiliumBGPClusterConfig should not be used together. If both
resources are present and Cilium agent matches with both based on the node selector,
CiliumBGPPeeringPolicy will take precedence." (Cilium docs.) Edits to the v2 objects then have no
effect on those nodes.
References: docs bgp-control-plane-v2.rst ; GiganticMinecraft/seichi_infra PR 2110`,
			Run: runV1AndV2Together,
		},
		{
			ID: "legacy-metallb-bgp-config", Title: "The removed MetalLB-based BGP integration is configured", Severity: Warning, Layer: LayerVersion,
			Also: []SeverityCase{{Error, "the agents run 1.17 or later, which ignore the MetalLB-based BGP, and the BGP control plane is off"},
				{Info, "the agents run a version before 1.12, where it is the only BGP Cilium has"}},
			Needs: []string{model.SourceCiliumConfig}, Versions: "the only BGP before 1.12, deprecated 1.14, removed 1.17",
			Detects: "cilium-config keys bgp-announce-lb-ip / bgp-announce-pod-cidr / bgp-config-path",
			Fixes:   "drop the bgp.* Helm values and use bgpControlPlane.enabled with BGP CRDs",
			Explain: `Helm values bgp.enabled / bgp.announce.loadbalancerIP / bgp.announce.podCIDR drive the old
MetalLB-based integration (cilium-config bgp-announce-lb-ip, bgp-announce-pod-cidr, bgp-config-path
and a ConfigMap bgp-config). It was deprecated in 1.14 and removed in 1.17: on newer versions the
keys do nothing and nothing announces the LoadBalancer IPs; on older ones the operator fails to
mount the missing bgp-config ConfigMap. It is often confused with bgpControlPlane.enabled.
References: https://github.com/cilium/cilium/issues/36729 ; https://github.com/cilium/cilium/pull/36191 ; https://github.com/cilium/cilium/pull/36306`,
			Run: runLegacyMetalLB,
		},
		{
			ID: "bgp-status-report-disabled", Title: "Agents do not report BGP session status", Severity: Warning, Layer: LayerVersion,
			Needs: []string{model.SourceCiliumConfig}, Uses: []string{model.SourceNodeConfigs}, Versions: "1.17+",
			Detects: "`enable-bgp-control-plane-status-report` is false, so CiliumBGPNodeConfig status stays empty",
			Fixes:   "`--set bgpControlPlane.statusReport.enabled=true`",
			Explain: `The agent writes per-peer state into CiliumBGPNodeConfig status only when cilium-config has
enable-bgp-control-plane-status-report: "true" (Helm bgpControlPlane.statusReport.enabled,
default true); when disabled it clears the status and the operator removes the conditions of
the BGP objects. Anything that reads the CRDs — including this doctor — then cannot see
sessions; the session checks report nothing rather than "all fine".
References: cilium PR #36134 ; docs bgp-control-plane-operation.rst`,
			Run: runStatusReportDisabled,
		},
		{
			ID: "router-id-missing-or-duplicate", Title: "BGP router ID missing or shared by several nodes", Severity: Error, Layer: LayerVersion,
			Also:  []SeverityCase{{Warning, "the agent version is unknown"}},
			Needs: []string{model.SourceCiliumConfig, model.SourceNodeConfigs, model.SourceDaemonSets}, Versions: "manual ≤1.17; automatic 1.18+",
			Detects: "IPv6-only agents without a router ID before 1.18, or the same routerID on several CiliumBGPNodeConfigs",
			Fixes:   "a routerID per node in a CiliumBGPNodeConfigOverride, or routerIDAllocation ip-pool mode",
			Explain: `The BGP router ID defaults to the node's IPv4 address. With IPv4 disabled, Cilium before 1.18
cannot pick one and the instance does not start (cilium#22052); 1.18 derives one from the
cilium_host MAC (PR #36451) and 1.19 can allocate from an IP pool. Two nodes with the same
router ID (NAT'd VMs, cloned nodes) make the router refuse the OPEN ("Bad BGP Identifier") or
drop iBGP routes.
References: https://github.com/cilium/cilium/issues/22052 ; https://github.com/cilium/cilium/issues/30333 ; https://github.com/cilium/cilium/pull/36451`,
			Run: runRouterID,
		},
		{
			ID: "address-family-disabled-in-cilium", Title: "An address family is used by BGP or LB-IPAM but disabled in Cilium", Severity: Warning, Layer: LayerVersion,
			Needs: []string{model.SourceCiliumConfig}, Uses: []string{model.SourcePools, model.SourcePeerConfigs, model.SourceClusterConfigs},
			Versions: "all",
			Detects:  "IPv6 (or IPv4) pool blocks, peer families or peer addresses while enable-ipv6 (enable-ipv4) is false",
			Fixes:    "`--set ipv6.enabled=true` (with an IPv6 PodCIDR) or drop the family",
			Explain: `"The BGP Control Plane can only advertise the route of the address family that the Cilium is
configured to use" (Cilium docs): with enable-ipv6 false, IPv6 pool blocks hand out nothing and
IPv6 families carry nothing, even when the router has the IPv6 session up. LB-IPAM likewise only
allocates IPv6 VIPs when IPv6 is enabled.
References: docs bgp-control-plane.rst ; https://github.com/cilium/cilium/pull/30345`,
			Run: runFamilyDisabled,
		},
		{
			ID: "kube-proxy-coexistence", Title: "kube-proxy runs although Cilium replaces it", Severity: Warning, Layer: LayerVersion,
			Needs: []string{model.SourceCiliumConfig, model.SourceDaemonSets}, Versions: "all",
			Detects: "a kube-proxy DaemonSet while kube-proxy-replacement is true",
			Fixes:   "delete the kube-proxy DaemonSet and flush its iptables rules on every node",
			Explain: `With kubeProxyReplacement=true Cilium handles Services in eBPF; a kube-proxy left running
keeps programming KUBE-SVC/KUBE-NODEPORTS iptables rules, so VIP and NodePort behaviour depends on
which one sees the packet first. Stale rules survive even after the DaemonSet is gone.
References: https://github.com/cilium/cilium/pull/47204 ; https://github.com/cilium/cilium/issues/43206`,
			Run: runKubeProxyCoexistence,
		},
	}
}

// bgpObjects lists what BGP configuration exists, for evidence.
func bgpObjects(s *model.Snapshot) []string {
	var out []string
	for _, cc := range s.BGP.ClusterConfigs {
		out = append(out, cc.Ref().String())
	}
	for _, pp := range s.BGP.PeeringPolicies {
		out = append(out, pp.Ref().String())
	}
	return out
}

func runBGPCPNotEnabled(in *Input) []Finding {
	s := in.S
	c := s.Cilium.Config
	objs := bgpObjects(s)
	enabled := model.Bool(c.EnableBGPControlPlane, false)
	enable := fix.Helm(ciliumNS(s), true, fix.HelmValue{Path: "bgpControlPlane.enabled", Value: true}).
		With("Enable the BGP control plane", "Registers the BGP CRDs and controllers; the agents and the operator must restart to pick it up, which resets every session once.")
	switch {
	case !enabled && len(objs) > 0:
		return []Finding{{
			Subject:  clusterRef("bgp-control-plane"),
			Message:  fmt.Sprintf("%d BGP %s exist but enable-bgp-control-plane is not \"true\": Cilium ignores them", len(objs), plural(len(objs), "object", "objects")),
			Evidence: []Evidence{cfgEv(s, "enable-bgp-control-plane", `"true"`), ev(model.SourceClusterConfigs, nil, "", strings.Join(objs, ", "), "")},
			Fixes:    []fix.Proposal{enable},
		}}
	case enabled && statusOf(s, model.SourceClusterConfigs) == model.StatusNotInstalled && statusOf(s, model.SourcePeeringPolicies) == model.StatusNotInstalled:
		return []Finding{{
			Subject: clusterRef("bgp-control-plane"),
			Message: "enable-bgp-control-plane is \"true\" but no BGP CRD is installed: nothing can be configured (cilium#47193)",
			Evidence: []Evidence{cfgEv(s, "enable-bgp-control-plane", `"true"`),
				ev(model.SourceDiscovery, nil, "", "ciliumbgpclusterconfigs and ciliumbgppeeringpolicies not served", "ciliumbgpclusterconfigs.cilium.io served")},
			Fixes: []fix.Proposal{fix.Command(fix.RiskHigh, kubectl("-n", ciliumNS(s), "rollout", "restart", "deployment/cilium-operator")).
				With("Restart the operator so it registers the CRDs", "The operator creates Cilium's CRDs at start-up; templated installs sometimes skip them (cilium#47193). If they still do not appear, install them from the Cilium chart's CRD directory of your version.")},
		}}
	}
	return nil
}

// statusOf returns a source's status.
func statusOf(s *model.Snapshot, name string) model.Status {
	st, _ := s.Source(name)
	return st.Status
}

func runBGPv1Removed(in *Input) []Finding {
	s := in.S
	var out []Finding
	for _, pp := range s.BGP.PeeringPolicies {
		var sev Severity
		var msg string
		switch {
		case in.Version.AtLeast(1, 19):
			sev, msg = Error, fmt.Sprintf("Cilium %s no longer implements CiliumBGPPeeringPolicy (removed in 1.19): its sessions do not exist", in.Version)
		case in.Version.AtLeast(1, 18):
			sev, msg = Warning, fmt.Sprintf("CiliumBGPPeeringPolicy is deprecated in Cilium %s and removed in 1.19: migrate before upgrading", in.Version)
		case !in.Version.Known:
			sev, msg = Warning, "CiliumBGPPeeringPolicy is removed in Cilium 1.19 and the agent version could not be determined: if the agents run 1.19+, these sessions do not exist"
		default:
			continue // BGPv1 is current before 1.18
		}
		objs, notes := migratePeeringPolicy(pp)
		f := Finding{
			Severity: sev, Subject: pp.Ref(), Message: msg, Details: notes,
			Evidence: []Evidence{
				ev(model.SourcePeeringPolicies, ref(pp.Ref()), "", "exists", "no CiliumBGPPeeringPolicy on Cilium ≥1.19"),
				ev(model.SourceDaemonSets, nil, "cilium agent image", orUnknown(in.Version), ""),
			},
		}
		for _, o := range objs {
			f.Fixes = append(f.Fixes, fixCreate(o, "Create the BGPv2 equivalent", "Apply all generated objects, check `kubectl get ciliumbgpnodeconfigs`, then remove the policy: while both exist the policy wins."))
		}
		f.Fixes = append(f.Fixes, fixCommand(fixRiskHigh, "Remove the policy once the v2 sessions are up",
			"Deleting the policy drops its sessions; do it after the BGPv2 configuration has established them.",
			kubectl("delete", "ciliumbgppeeringpolicy", pp.Name)))
		out = append(out, f)
	}
	return out
}

func orUnknown(v Version) string {
	if !v.Known {
		return "unknown: " + v.Raw
	}
	return v.String()
}

func runV1AndV2Together(in *Input) []Finding {
	var out []Finding
	for _, v := range in.Views() {
		var v1, v2 []string
		for _, r := range v.SelectedBy {
			if r.Kind == model.KindPeeringPolicy {
				v1 = append(v1, r.Name)
			} else {
				v2 = append(v2, r.Name)
			}
		}
		if len(v1) == 0 || len(v2) == 0 {
			continue
		}
		f := Finding{
			Subject: nodeRef(v.Node),
			Message: fmt.Sprintf("node %s is selected by CiliumBGPPeeringPolicy %s and CiliumBGPClusterConfig %s: the BGPv1 policy wins and the v2 configuration is ignored here",
				v.Node, joinSorted(v1), joinSorted(v2)),
			Evidence: []Evidence{ev(model.SourcePeeringPolicies, nil, "spec.nodeSelector", "selects "+v.Node, "not both v1 and v2")},
		}
		for _, name := range v1 {
			f.Fixes = append(f.Fixes, fixCommand(fixRiskHigh, "Remove the BGPv1 policy",
				"The v2 configuration takes over on the nodes the policy selected; sessions reset once.",
				kubectl("delete", "ciliumbgppeeringpolicy", name)))
		}
		out = append(out, f)
	}
	return out
}

func runLegacyMetalLB(in *Input) []Finding {
	s := in.S
	var keys []string
	for _, k := range []string{"bgp-announce-lb-ip", "bgp-announce-pod-cidr", "bgp-config-path"} {
		v, ok := s.Cilium.Config.Raw[k]
		if ok && v != "" && v != "false" {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	f := Finding{Subject: clusterRef("bgp-control-plane"), Message: "the MetalLB-based BGP integration (removed in 1.17) is configured: " + strings.Join(keys, ", ")}
	for _, k := range keys {
		f.Evidence = append(f.Evidence, cfgEv(s, k, "<unset>"))
	}
	off := []fix.HelmValue{{Path: "bgp.enabled", Value: false}, {Path: "bgp.announce.loadbalancerIP", Value: false}, {Path: "bgp.announce.podCIDR", Value: false}}
	cpOn := model.Bool(s.Cilium.Config.EnableBGPControlPlane, false)
	switch {
	case in.Version.Before(1, 12):
		// no BGP control plane exists yet: this is Cilium's BGP, and the fix is an upgrade
		f.Severity = Info
		f.Message = fmt.Sprintf("BGP runs through the MetalLB-based integration (%s), the only BGP Cilium %s has: it is deprecated from 1.14 and removed in 1.17, so plan the move before upgrading past 1.16",
			strings.Join(keys, ", "), in.Version)
		f.Fixes = []fix.Proposal{fixCommand(fix.RiskHigh, "Plan the move to the BGP control plane",
			"Cilium "+in.Version.String()+" has no BGP control plane, so no Helm value or resource can replace the integration here: upgrade first, one minor release at a time.",
			comment("upgrade Cilium minor by minor to 1.16 (the last release that still runs the MetalLB-based BGP),\nthen describe the peers with CiliumBGPClusterConfig/PeerConfig/Advertisement and the VIPs with\nCiliumLoadBalancerIPPools, set bgpControlPlane.enabled=true and bgp.enabled=false, and only then go past 1.16"))}
		return []Finding{f}
	case in.Version.AtLeast(1, 17) && cpOn:
		f.Message += fmt.Sprintf("; Cilium %s ignores these keys and the BGP control plane announces what its resources say: they are leftovers that mislead", in.Version)
		f.Fixes = []fix.Proposal{fix.Helm(ciliumNS(s), true, off...).
			With("Remove the old integration's values", "The BGP control plane is already on; this only clears the ignored keys.")}
		return []Finding{f}
	case in.Version.AtLeast(1, 17):
		f.Severity = Error
		f.Message += fmt.Sprintf("; Cilium %s ignores it and the BGP control plane is off, so nothing announces these addresses", in.Version)
	}
	f.Fixes = []fix.Proposal{fix.Helm(ciliumNS(s), true, append(off, fix.HelmValue{Path: "bgpControlPlane.enabled", Value: true})...).
		With("Switch to the BGP control plane", "Turns the old integration off and the BGP control plane on; then describe the peers with CiliumBGPClusterConfig/PeerConfig/Advertisement and the VIPs with CiliumLoadBalancerIPPools.")}
	return []Finding{f}
}

func runStatusReportDisabled(in *Input) []Finding {
	s := in.S
	c := s.Cilium.Config
	if !model.Bool(c.EnableBGPControlPlane, false) || model.Bool(c.EnableBGPControlPlaneStatusReport, true) {
		return nil
	}
	return []Finding{{
		Subject:  clusterRef("bgp-control-plane"),
		Message:  "BGP status reporting is off: CiliumBGPNodeConfig status is empty, so session state cannot be read from the API",
		Evidence: []Evidence{cfgEv(s, "enable-bgp-control-plane-status-report", `"true"`)},
		Fixes: []fix.Proposal{fix.Helm(ciliumNS(s), true, fix.HelmValue{Path: "bgpControlPlane.statusReport.enabled", Value: true}).
			With("Turn status reporting back on", "The agents then write per-peer state (and the operator conditions) into the BGP objects.")},
	}}
}

func runRouterID(in *Input) []Finding {
	s := in.S
	var out []Finding
	// duplicates across the router IDs the operator rendered
	owners := map[string][]string{}
	for _, nc := range s.BGP.NodeConfigs {
		for _, inst := range nc.Instances {
			if inst.RouterID != "" {
				key := inst.Name + "\x00" + inst.RouterID
				owners[key] = append(owners[key], nc.Name)
			}
		}
	}
	for _, key := range sortedMapKeys(owners) {
		nodes := owners[key]
		if len(nodes) < 2 {
			continue
		}
		inst, id, _ := strings.Cut(key, "\x00")
		f := Finding{
			Subject: model.Ref{Kind: "RouterID", Name: id},
			Message: fmt.Sprintf("router ID %s is used by %d nodes (%s) in instance %s: peers reject the duplicate OPEN (Bad BGP Identifier)", id, len(nodes), joinSorted(nodes), inst),
		}
		for _, n := range nodes {
			f.Evidence = append(f.Evidence, ev(model.SourceNodeConfigs, &model.Ref{Kind: model.KindNodeConfig, Name: n}, "spec.bgpInstances[name="+inst+"].routerID", id, "unique per node"))
		}
		f.Fixes = append(f.Fixes, routerIDOverrideFix(in, nodes[1:], inst)...)
		out = append(out, f)
	}
	// IPv6-only before automatic allocation
	if !model.Bool(s.Cilium.Config.EnableIPv4, true) && !in.Version.AtLeast(1, 18) {
		for _, nc := range s.BGP.NodeConfigs {
			for _, inst := range nc.Instances {
				if inst.RouterID != "" {
					continue
				}
				f := Finding{
					Subject:  nc.Ref(),
					Message:  fmt.Sprintf("IPv4 is disabled and instance %s of node %s has no router ID: before Cilium 1.18 the instance cannot start (agent version %s)", inst.Name, nc.Name, in.Version),
					Evidence: []Evidence{cfgEv(s, "enable-ipv4", `"true" or a routerID per node`), ev(model.SourceNodeConfigs, ref(nc.Ref()), "spec.bgpInstances[name="+inst.Name+"].routerID", "<unset>", "an IPv4-formatted router ID")},
					Fixes:    routerIDOverrideFix(in, []string{nc.Name}, inst.Name),
				}
				if !in.Version.Known {
					f.Severity = Warning
					f.Message = fmt.Sprintf("IPv4 is disabled and instance %s of node %s has no router ID: Cilium before 1.18 cannot start it, and the agent version is unknown", inst.Name, nc.Name)
				}
				out = append(out, f)
			}
		}
	}
	return out
}

// routerIDOverrideFix proposes a distinct router ID per node through an override,
// derived from the node's IPv4 InternalIP or, failing that, a 10.255.0.0/16 address.
func routerIDOverrideFix(in *Input, nodes []string, instance string) []fix.Proposal {
	var out []fix.Proposal
	for i, n := range nodes {
		id := fmt.Sprintf("10.255.%d.%d", (i+1)/250, (i+1)%250+1)
		if node, ok := in.Node(n); ok {
			for _, a := range node.InternalIPs {
				if a.Is4() {
					id = a.String()
					break
				}
			}
		}
		obj := map[string]any{"apiVersion": "cilium.io/v2", "kind": model.KindNodeConfigOverride, "metadata": map[string]any{"name": n},
			"spec": map[string]any{"bgpInstances": []any{map[string]any{"name": instance, "routerID": id}}}}
		p := fixCreate(obj, "Give node "+n+" its own router ID", "The override must be named after the node and the instance; the session resets once.")
		if hasOverride(in.S, n) {
			p = fix.MergePatch(model.Ref{Kind: model.KindNodeConfigOverride, APIVersion: "cilium.io/v2", Name: n}, overrideRV(in.S, n),
				map[string]any{"spec": obj["spec"]}).With("Set the router ID in the existing override of "+n, "Note: a merge patch replaces the bgpInstances list; keep the other entries of the override.")
			p.Risk = fix.RiskMedium
		}
		out = append(out, p)
	}
	return out
}

func hasOverride(s *model.Snapshot, node string) bool { return overrideRV(s, node) != "" }

func overrideRV(s *model.Snapshot, node string) string {
	for _, o := range s.BGP.NodeConfigOverrides {
		if o.Name == node {
			if o.ResourceVersion == "" {
				return "unknown"
			}
			return o.ResourceVersion
		}
	}
	return ""
}

func runFamilyDisabled(in *Input) []Finding {
	s := in.S
	c := s.Cilium.Config
	var out []Finding
	for _, fam := range []struct {
		afi, key, helm string
		enabled        bool
		is             func(a netip.Addr) bool
	}{
		{"ipv4", "enable-ipv4", "ipv4.enabled", model.Bool(c.EnableIPv4, true), func(a netip.Addr) bool { return a.Is4() }},
		{"ipv6", "enable-ipv6", "ipv6.enabled", model.Bool(c.EnableIPv6, false), func(a netip.Addr) bool { return a.Is6() }},
	} {
		if fam.enabled {
			continue
		}
		var uses []Evidence
		for _, p := range s.Pools {
			for _, b := range p.Blocks {
				if first, _, ok := b.Range(); ok && fam.is(first) {
					uses = append(uses, ev(model.SourcePools, ref(p.Ref()), "spec.blocks", b.String(), "no "+fam.afi+" block while "+fam.key+" is false"))
				}
			}
		}
		for _, pc := range s.BGP.PeerConfigs {
			for _, f := range pc.Families {
				if f.AFI == fam.afi && f.Advertisements != nil {
					uses = append(uses, ev(model.SourcePeerConfigs, ref(pc.Ref()), "spec.families", f.AFI+"/"+f.SAFI, ""))
				}
			}
		}
		if len(uses) == 0 {
			continue
		}
		out = append(out, Finding{
			Subject:  clusterRef(fam.afi),
			Message:  fmt.Sprintf("%s is disabled in Cilium but %d %s use it: nothing is allocated or advertised for %s", fam.afi, len(uses), plural(len(uses), "object", "objects"), fam.afi),
			Evidence: append([]Evidence{cfgEv(s, fam.key, `"true"`)}, uses...),
			Fixes: []fix.Proposal{fix.Helm(ciliumNS(s), true, fix.HelmValue{Path: fam.helm, Value: true}).
				With("Enable "+fam.afi+" in Cilium", "Also needs "+fam.afi+" PodCIDRs from the IPAM mode; changing address families restarts all agents and is disruptive — plan it. Otherwise remove the "+fam.afi+" blocks and families.")},
		})
	}
	return out
}

func runKubeProxyCoexistence(in *Input) []Finding {
	s := in.S
	kpr := strings.ToLower(s.Cilium.Config.KubeProxyReplacement)
	if !s.KubeProxy.Present || (kpr != "true" && kpr != "strict") {
		return nil
	}
	ds := s.KubeProxy.DaemonSet
	return []Finding{{
		Subject: model.Ref{Kind: "DaemonSet", Namespace: ds.Namespace, Name: ds.Name},
		Message: fmt.Sprintf("kube-proxy (DaemonSet %s/%s) runs while Cilium replaces it: both program Services", ds.Namespace, ds.Name),
		Evidence: []Evidence{cfgEv(s, "kube-proxy-replacement", `"true" without kube-proxy`),
			ev(model.SourceDaemonSets, &model.Ref{Kind: "DaemonSet", Namespace: ds.Namespace, Name: ds.Name}, "status.numberReady", fmt.Sprint(ds.Ready), "absent")},
		Fixes: []fix.Proposal{fixCommand(fixRiskHigh, "Remove kube-proxy and its rules",
			"Run the iptables clean-up on every node after the DaemonSet is gone; Services are briefly handled by Cilium alone, which is the configured state.",
			kubectl("-n", ds.Namespace, "delete", "daemonset", ds.Name),
			comment("then on every node (not here):\niptables-save | grep -v KUBE | iptables-restore\nip6tables-save | grep -v KUBE | ip6tables-restore"))},
	}}
}
