// SPDX-License-Identifier: Apache-2.0

package checks

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/fix"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/safe"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// matchAllSelector is Cilium's documented "select everything" idiom for advertisement
// selectors, where an empty selector would select nothing (cilium#33076).
var matchAllSelector = map[string]any{"matchExpressions": []any{map[string]any{"key": "somekey", "operator": "NotIn", "values": []any{"never-used-value"}}}}

func advertChecks() []Check {
	advSources := []string{model.SourceAdvertisements, model.SourcePeerConfigs, model.SourceClusterConfigs, model.SourceNodes}
	return []Check{
		{
			ID: "advert-label-selector-mismatch", Title: "PeerConfig families and Advertisements do not select each other", Severity: Error, Layer: LayerAdverts,
			Also:  []SeverityCase{{Warning, "an Advertisement is selected by no PeerConfig family (nothing refers to it; the peers are not affected)"}},
			Needs: advSources, Versions: "1.16+ (BGPv2)",
			Detects: "a PeerConfig family whose advertisements selector matches no CiliumBGPAdvertisement, or an Advertisement no family selects",
			Fixes:   "label the Advertisement with the labels the family selects (or fix the selector)",
			Explain: `In BGPv2 a PeerConfig family advertises exactly the CiliumBGPAdvertisements whose metadata.labels
match its advertisements selector. A typo or a missing label selects nothing: the session is
established and Advertised stays 0. "Without matching advertisements, no prefix will be
advertised to the peer. Default configuration is to not advertise any prefix." (Cilium docs.)
References: docs bgp-control-plane-v2.rst (Address Families) ; https://github.com/cilium/cilium/issues/35121`,
			Run: runAdvertLabelMismatch,
		},
		{
			ID: "peerconfig-missing-or-no-advertisements", Title: "A peer uses the default PeerConfig, a missing one, or one that advertises nothing", Severity: Error, Layer: LayerAdverts,
			Also:  []SeverityCase{{Warning, "a peer has no peerConfigRef or a family has no advertisements selector (defaults apply; nothing is advertised there)"}},
			Needs: advSources, Versions: "1.16+ (condition 1.17+)",
			Detects: "peers without peerConfigRef, peerConfigRefs to missing PeerConfigs, PeerConfig families without advertisements",
			Fixes:   "create the PeerConfig, add peerConfigRef, add an advertisements selector to the family",
			Explain: `A ClusterConfig peer without peerConfigRef uses default settings: default timers, no multihop, no
password, and families without advertisements — the session comes up and advertises nothing. A
peerConfigRef to a PeerConfig that does not exist behaves the same, and the operator sets
cilium.io/MissingPeerConfigs on the ClusterConfig (1.17+).
References: https://github.com/cilium/cilium/pull/35527 ; docs bgp-control-plane-v2.rst`,
			Run: runPeerConfigMissing,
		},
		{
			ID: "service-advert-missing-selector", Title: "A Service advertisement without selector advertises nothing", Severity: Error, Layer: LayerAdverts,
			Needs: []string{model.SourceAdvertisements}, Versions: "1.16+",
			Detects: "an advertisementType: Service entry without selector",
			Fixes:   "add a selector; to select every Service use the NotIn never-used-value idiom",
			Explain: `For advertisementType Service an omitted selector selects no Service at all ("If not specified,
no objects … are selected"); PodCIDR entries need no selector, which is why PodCIDRs appear at the
router and LoadBalancer IPs do not. To advertise every Service use
matchExpressions: [{key: somekey, operator: NotIn, values: [never-used-value]}].
References: https://github.com/cilium/cilium/issues/33076 ; ionfury/homelab PR 236`,
			Run: runServiceAdvertMissingSelector,
		},
		{
			ID: "service-not-matched-by-advert", Title: "A LoadBalancer Service is not advertised by any Advertisement", Severity: Warning, Layer: LayerAdverts,
			Needs: append([]string{model.SourceServices}, advSources...), Uses: []string{model.SourceL2Policies}, Versions: "1.16+",
			Detects: "a Service with a LoadBalancer IP that no Service advertisement in use selects",
			Fixes:   "the `kubectl label service` command that makes an Advertisement select it",
			Explain: `A Service's VIP is advertised only if a CiliumBGPAdvertisement of type Service, selected by a
PeerConfig family in use, selects the Service by its labels (plus the special keys
io.kubernetes.service.name and io.kubernetes.service.namespace). Services Cilium generates for
Gateways and Ingresses carry none of the user's labels unless propagated (cilium#41680, #28576).
References: https://github.com/cilium/cilium/issues/41680 ; https://github.com/cilium/cilium/issues/28576 ; https://github.com/cilium/cilium/pull/34182`,
			Run: runServiceNotMatched,
		},
		{
			ID: "podcidr-advert-unsupported-ipam", Title: "PodCIDRs are advertised with an IPAM mode that has no per-node PodCIDR", Severity: Error, Layer: LayerAdverts,
			Needs: []string{model.SourceCiliumConfig}, Uses: []string{model.SourceAdvertisements, model.SourcePeeringPolicies}, Versions: "all",
			Detects: "PodCIDR advertisements (or exportPodCIDR) with ipam other than kubernetes or cluster-pool",
			Fixes:   "multi-pool: advertisementType CiliumPodIPPool; other IPAM modes: advertise Services only",
			Explain: `Only the kubernetes and cluster-pool IPAM modes give each node a PodCIDR that BGP can advertise.
With multi-pool, use advertisementType CiliumPodIPPool with a pool selector; cloud IPAM modes (ENI,
Azure, …) have no per-node range and the PodCIDR reconciler does nothing (PR #31181).
References: https://github.com/cilium/cilium/pull/31181 ; https://github.com/cilium/cilium/issues/26937 ; docs bgp-control-plane-v2.rst`,
			Run: runPodCIDRIPAM,
		},
		{
			ID: "loadbalancerclass-mismatch", Title: "A Service's loadBalancerClass is not handled by Cilium BGP", Severity: Warning, Layer: LayerAdverts,
			Also:  []SeverityCase{{Info, "the class is io.cilium/l2-announcer or io.cilium/node, which are Cilium's own"}},
			Needs: []string{model.SourceServices}, Uses: []string{model.SourceAdvertisements}, Versions: "1.13+",
			Detects: "LoadBalancer Services whose loadBalancerClass is neither unset nor io.cilium/bgp-control-plane",
			Fixes:   "recreate the Service without loadBalancerClass (the field is immutable)",
			Explain: `LB-IPAM "will ignore the service entirely, not even setting a condition" when
spec.loadBalancerClass names a class it does not handle, and BGP only announces Services whose
class is unset or io.cilium/bgp-control-plane (io.cilium/l2-announcer is for L2, io.cilium/node
for node IPAM). The field is immutable: the Service must be recreated.
References: docs lb-ipam.rst (LoadBalancerClass) ; docs bgp-control-plane-v2.rst`,
			Run: runLBClassMismatch,
		},
		{
			ID: "etp-local-withdrawal", Title: "externalTrafficPolicy Local leaves a VIP without advertising node", Severity: Error, Layer: LayerAdverts,
			Also:  []SeverityCase{{Warning, "some nodes with endpoints still advertise the VIP (capacity, not reachability, is lost)"}},
			Needs: []string{model.SourceServices, model.SourceEndpointSlices, model.SourceNodes}, Uses: []string{model.SourceClusterConfigs, model.SourcePeeringPolicies, model.SourceAdvertisements},
			Versions: "1.14+ (bugs 1.17–1.19)",
			Detects:  "eTP=Local Services whose ready endpoints run on no (or not only on) BGP-selected nodes",
			Fixes:    "run the backends on BGP nodes, or use externalTrafficPolicy Cluster",
			Explain: `With externalTrafficPolicy Local the BGP control plane advertises a VIP only from nodes that
have a ready local endpoint (since 1.14). When the backends run only on nodes BGP does not select
— or all backends are down — the VIP is withdrawn everywhere; the router has no route. Several
1.17–1.19 releases had related bugs (advertising from every node, or re-advertising before the
new endpoint was ready: cilium#44803, #45276).
References: https://github.com/cilium/cilium/issues/36816 ; https://github.com/cilium/cilium/issues/44803 ; https://github.com/cilium/cilium/issues/45276`,
			Run: runETPLocal,
		},
		{
			ID: "wrong-service-address-type", Title: "The advertised address types do not fit the Services", Severity: Warning, Layer: LayerAdverts,
			Needs: []string{model.SourceServices, model.SourceAdvertisements, model.SourceCiliumConfig}, Versions: "1.16+ (ClusterIP/ExternalIP)",
			Detects: "externalIPs not advertised because service.addresses lacks ExternalIP; ExternalIP/ClusterIP advertised while Cilium drops that traffic",
			Fixes:   "add the address type, or enable externalIPs / bpf.lbExternalClusterIP",
			Explain: `An advertisement's service.addresses lists which addresses of the selected Services are
announced: LoadBalancerIP, ExternalIP, ClusterIP. A Service using spec.externalIPs is not announced
by an advertisement listing only LoadBalancerIP. Conversely, announcing ExternalIPs needs
externalIPs.enabled (with kube-proxy replacement) and announcing ClusterIPs needs
bpf.lbExternalClusterIP, otherwise the traffic arrives and is dropped.
References: docs bgp-control-plane-v2.rst (Service Virtual IPs) ; https://github.com/cilium/cilium/pull/30963`,
			Run: runWrongAddressType,
		},
	}
}

// advertsInUse returns the names of Advertisements some peer family of some node
// selects (computed once).
func (in *Input) advertsInUse() map[string]bool {
	if in.inUse != nil {
		return in.inUse
	}
	used := map[string]bool{}
	in.inUse = used
	for _, v := range in.Views() {
		for _, inst := range v.Instances {
			for _, p := range inst.Peers {
				for _, f := range p.Families {
					for _, a := range f.Advertisements {
						used[a.Name] = true
					}
				}
			}
		}
	}
	return used
}

func runAdvertLabelMismatch(in *Input) []Finding {
	s := in.S
	var out []Finding
	type famSel struct {
		pc  *model.PeerConfig
		i   int
		sel *metav1.LabelSelector
	}
	var selectors []famSel
	for i := range s.BGP.PeerConfigs {
		pc := &s.BGP.PeerConfigs[i]
		for j, f := range pc.Families {
			if f.Advertisements == nil {
				continue // peerconfig-missing-or-no-advertisements
			}
			selectors = append(selectors, famSel{pc, j, f.Advertisements})
			var hits int
			for _, adv := range s.BGP.Advertisements {
				if ok, _ := in.Selects(f.Advertisements, labels.Set(adv.Labels), model.NilMatchesNothing); ok {
					hits++
				}
			}
			if hits > 0 {
				continue
			}
			fam := f.AFI + "/" + f.SAFI
			finding := Finding{
				Subject: pc.Ref(),
				Message: fmt.Sprintf("family %s of CiliumBGPPeerConfig %s selects advertisements %s, but no CiliumBGPAdvertisement has those labels: it advertises nothing",
					fam, pc.Name, model.SelectorString(f.Advertisements)),
				Evidence: []Evidence{ev(model.SourcePeerConfigs, ref(pc.Ref()), fmt.Sprintf("spec.families[%d].advertisements", j), model.SelectorString(f.Advertisements),
					"matches the labels of at least one CiliumBGPAdvertisement")},
			}
			for _, adv := range s.BGP.Advertisements {
				finding.Evidence = append(finding.Evidence, ev(model.SourceAdvertisements, ref(adv.Ref()), "metadata.labels", labelsOf(adv.Labels), model.SelectorString(f.Advertisements)))
				if p, ok := labelToMatch(adv.ObjectMeta, f.Advertisements); ok {
					finding.Fixes = append(finding.Fixes, p)
				}
			}
			if len(s.BGP.Advertisements) == 0 && len(f.Advertisements.MatchExpressions) == 0 && len(f.Advertisements.MatchLabels) > 0 {
				finding.Details = append(finding.Details, "there is no CiliumBGPAdvertisement at all")
				finding.Fixes = append(finding.Fixes, newAdvertisement(f.Advertisements.MatchLabels))
			}
			out = append(out, finding)
		}
	}
	used := in.advertsInUse()
	for _, adv := range s.BGP.Advertisements {
		if used[adv.Name] {
			continue
		}
		selectedByAny := false
		for _, fs := range selectors {
			if ok, _ := in.Selects(fs.sel, labels.Set(adv.Labels), model.NilMatchesNothing); ok {
				selectedByAny = true
			}
		}
		if selectedByAny {
			continue // selected by a PeerConfig no peer of a selected node uses: not a label problem
		}
		f := Finding{
			Severity: Warning,
			Subject:  adv.Ref(),
			Message:  fmt.Sprintf("CiliumBGPAdvertisement %s (labels %s) is selected by no PeerConfig family: what it describes is never advertised", adv.Name, labelsOf(adv.Labels)),
			Evidence: []Evidence{ev(model.SourceAdvertisements, ref(adv.Ref()), "metadata.labels", labelsOf(adv.Labels), "matched by a PeerConfig family's advertisements selector")},
		}
		for _, fs := range selectors {
			f.Evidence = append(f.Evidence, ev(model.SourcePeerConfigs, ref(fs.pc.Ref()), fmt.Sprintf("spec.families[%d].advertisements", fs.i), model.SelectorString(fs.sel), ""))
			if p, ok := labelToMatch(adv.ObjectMeta, fs.sel); ok && !slices.ContainsFunc(f.Fixes, func(q fix.Proposal) bool { return q.Commands[0] == p.Commands[0] }) {
				f.Fixes = append(f.Fixes, p)
			}
		}
		out = append(out, f)
	}
	return out
}

// labelToMatch proposes labels that make sel select an object, when sel is made of
// matchLabels and In expressions only.
func labelToMatch(meta model.ObjectMeta, sel *metav1.LabelSelector) (fix.Proposal, bool) {
	if sel == nil {
		return fix.Proposal{}, false
	}
	set := map[string]string{}
	for k, v := range sel.MatchLabels {
		if meta.Labels[k] != v {
			set[k] = v
		}
	}
	for _, e := range sel.MatchExpressions {
		switch e.Operator {
		case metav1.LabelSelectorOpIn:
			if !slices.Contains(e.Values, meta.Labels[e.Key]) && len(e.Values) > 0 {
				set[e.Key] = e.Values[0]
			}
		case metav1.LabelSelectorOpExists:
			if _, ok := meta.Labels[e.Key]; !ok {
				set[e.Key] = "true"
			}
		default:
			if ok, _ := model.Matches(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{e}}, meta.Labels, model.NilMatchesAll); !ok {
				return fix.Proposal{}, false
			}
		}
	}
	if len(set) == 0 {
		return fix.Proposal{}, false
	}
	var parts []string
	for _, k := range sortedMapKeys(set) {
		parts = append(parts, k+"="+set[k])
	}
	return fix.Label(meta.Ref(), meta.ResourceVersion, meta.Labels, set, nil).
		With("Label "+meta.Kind+" "+meta.Name+" "+strings.Join(parts, ","), "Makes selector "+model.SelectorString(sel)+" select it."), true
}

func labelsOf(l map[string]string) string {
	if len(l) == 0 {
		return "<none>"
	}
	var parts []string
	for _, k := range sortedMapKeys(l) {
		parts = append(parts, k+"="+l[k])
	}
	return strings.Join(parts, ",")
}

func runPeerConfigMissing(in *Input) []Finding {
	s := in.S
	var out []Finding
	pcs := map[string]*model.PeerConfig{}
	for i := range s.BGP.PeerConfigs {
		pcs[s.BGP.PeerConfigs[i].Name] = &s.BGP.PeerConfigs[i]
	}
	for _, cc := range s.BGP.ClusterConfigs {
		cond := conditionTrue(cc.Conditions, "cilium.io/MissingPeerConfigs")
		for i, inst := range cc.Instances {
			for j, p := range inst.Peers {
				path := fmt.Sprintf("/spec/bgpInstances/%d/peers/%d", i, j)
				switch {
				case p.PeerConfigRef == nil:
					f := Finding{
						Severity: Warning,
						Subject:  cc.Ref(),
						Message:  fmt.Sprintf("peer %s (%s) of instance %s in CiliumBGPClusterConfig %s has no peerConfigRef: it runs with default settings and advertises nothing", p.Name, cmp.Or(p.PeerAddress, "-"), inst.Name, cc.Name),
						Evidence: []Evidence{ev(model.SourceClusterConfigs, ref(cc.Ref()), fmt.Sprintf("spec.bgpInstances[%d].peers[%d].peerConfigRef", i, j), "<unset>", "the name of a CiliumBGPPeerConfig")},
					}
					if len(s.BGP.PeerConfigs) == 1 {
						pc := s.BGP.PeerConfigs[0]
						f.Fixes = append(f.Fixes, fix.JSONPatch(cc.Ref(), cc.ResourceVersion,
							fix.JSONPatchOp{Op: "test", Path: path + "/name", Value: p.Name},
							fix.JSONPatchOp{Op: "add", Path: path + "/peerConfigRef", Value: map[string]any{"name": pc.Name}}).
							WithRisk(fix.RiskMedium).With("Use CiliumBGPPeerConfig "+pc.Name+" for peer "+p.Name, "The session resets once and then advertises what "+pc.Name+" selects."))
					}
					out = append(out, f)
				case pcs[p.PeerConfigRef.Name] == nil:
					f := Finding{
						Subject: cc.Ref(),
						Message: fmt.Sprintf("peer %s of instance %s in CiliumBGPClusterConfig %s references CiliumBGPPeerConfig %s, which does not exist: the peer advertises nothing", p.Name, inst.Name, cc.Name, p.PeerConfigRef.Name),
						Evidence: []Evidence{ev(model.SourceClusterConfigs, ref(cc.Ref()), fmt.Sprintf("spec.bgpInstances[%d].peers[%d].peerConfigRef.name", i, j), p.PeerConfigRef.Name, "an existing CiliumBGPPeerConfig"),
							ev(model.SourcePeerConfigs, nil, "", fmt.Sprintf("%d PeerConfigs: %s", len(pcs), joinSorted(sortedMapKeys(pcs))), p.PeerConfigRef.Name)},
						Fixes: []fix.Proposal{fixCreate(newPeerConfig(s, p.PeerConfigRef.Name), "Create CiliumBGPPeerConfig "+p.PeerConfigRef.Name,
							"Default timers, IPv4 and IPv6 unicast, advertising the Advertisements labelled as shown; adjust before applying.")},
					}
					if cond != nil {
						f.Evidence = append(f.Evidence, ev(model.SourceClusterConfigs, ref(cc.Ref()), "status.conditions[cilium.io/MissingPeerConfigs]", "True: "+cond.Message, "False"))
					}
					if near := closest(p.PeerConfigRef.Name, sortedMapKeys(pcs)); near != "" {
						f.Fixes = append([]fix.Proposal{fix.JSONPatch(cc.Ref(), cc.ResourceVersion,
							fix.JSONPatchOp{Op: "test", Path: path + "/peerConfigRef/name", Value: p.PeerConfigRef.Name},
							fix.JSONPatchOp{Op: "replace", Path: path + "/peerConfigRef/name", Value: near}).
							WithRisk(fix.RiskMedium).With("Point peer "+p.Name+" at CiliumBGPPeerConfig "+near, "Looks like a typo of "+near+".")}, f.Fixes...)
					}
					out = append(out, f)
				}
			}
		}
	}
	for _, pc := range s.BGP.PeerConfigs {
		for j, f := range pc.Families {
			if f.Advertisements != nil {
				continue
			}
			out = append(out, Finding{
				Severity: Warning,
				Subject:  pc.Ref(),
				Message:  fmt.Sprintf("family %s/%s of CiliumBGPPeerConfig %s has no advertisements selector: nothing is advertised in this family", f.AFI, f.SAFI, pc.Name),
				Evidence: []Evidence{ev(model.SourcePeerConfigs, ref(pc.Ref()), fmt.Sprintf("spec.families[%d].advertisements", j), "<unset>", "a label selector over CiliumBGPAdvertisements")},
				Fixes: []fix.Proposal{fix.JSONPatch(pc.Ref(), pc.ResourceVersion,
					fix.JSONPatchOp{Op: "test", Path: fmt.Sprintf("/spec/families/%d/afi", j), Value: f.AFI},
					fix.JSONPatchOp{Op: "add", Path: fmt.Sprintf("/spec/families/%d/advertisements", j), Value: map[string]any{"matchLabels": advertLabels(s)}}).
					WithRisk(fix.RiskMedium).With("Advertise in "+f.AFI+"/"+f.SAFI, "Selects the Advertisements labelled "+labelsOf(stringMap(advertLabels(s)))+"; the session resets once.")},
			})
		}
	}
	return out
}

// advertLabels picks the labels new selectors should use: those of the existing
// Advertisements if they share one, else advertise=bgp.
func advertLabels(s *model.Snapshot) map[string]any {
	counts := map[string]int{}
	for _, a := range s.BGP.Advertisements {
		for k, v := range a.Labels {
			counts[k+"="+v]++
		}
	}
	for _, kv := range sortedMapKeys(counts) {
		if counts[kv] == len(s.BGP.Advertisements) && len(s.BGP.Advertisements) > 0 {
			k, v, _ := strings.Cut(kv, "=")
			return map[string]any{k: v}
		}
	}
	return map[string]any{"advertise": "bgp"}
}

// familyLabels is the advertisement selector the cluster's PeerConfig families use (the
// most common single matchLabels), so a new PeerConfig or Advertisement follows the
// convention instead of copying a label that is itself the mistake; advertLabels when
// no family selects by labels.
func familyLabels(s *model.Snapshot) map[string]any {
	counts := map[string]int{}
	for _, pc := range s.BGP.PeerConfigs {
		for _, f := range pc.Families {
			if sel := f.Advertisements; sel != nil && len(sel.MatchLabels) == 1 && len(sel.MatchExpressions) == 0 {
				for k, v := range sel.MatchLabels {
					counts[k+"="+v]++
				}
			}
		}
	}
	best, n := "", 0
	for _, kv := range sortedMapKeys(counts) {
		if counts[kv] > n {
			best, n = kv, counts[kv]
		}
	}
	if best == "" {
		return advertLabels(s)
	}
	k, v, _ := strings.Cut(best, "=")
	return map[string]any{k: v}
}

func stringMap(m map[string]any) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = fmt.Sprint(v)
	}
	return out
}

func newPeerConfig(s *model.Snapshot, name string) map[string]any {
	var fams []any
	for _, afi := range []string{"ipv4", "ipv6"} {
		fams = append(fams, map[string]any{"afi": afi, "safi": "unicast", "advertisements": map[string]any{"matchLabels": familyLabels(s)}})
	}
	return map[string]any{"apiVersion": "cilium.io/v2", "kind": model.KindPeerConfig, "metadata": map[string]any{"name": name},
		"spec": map[string]any{"families": fams}}
}

// newAdvertisement proposes the usual CiliumBGPAdvertisement, labelled as the
// PeerConfigs select: PodCIDRs and every Service's LoadBalancer IPs.
func newAdvertisement(lbls map[string]string) fix.Proposal {
	l := map[string]any{}
	for k, v := range lbls {
		l[k] = v
	}
	return fixCreate(map[string]any{"apiVersion": "cilium.io/v2", "kind": model.KindAdvertisement,
		"metadata": map[string]any{"name": "bgp-advertisements", "labels": l},
		"spec": map[string]any{"advertisements": []any{
			map[string]any{"advertisementType": "PodCIDR"},
			map[string]any{"advertisementType": "Service", "service": map[string]any{"addresses": []any{"LoadBalancerIP"}}, "selector": matchAllSelector},
		}}},
		"Create CiliumBGPAdvertisement bgp-advertisements", "Advertises the PodCIDRs and every Service's LoadBalancer IPs (the match-everything selector idiom); narrow the Service selector if only some should be announced.")
}

func runServiceAdvertMissingSelector(in *Input) []Finding {
	var out []Finding
	for _, adv := range in.S.BGP.Advertisements {
		for i, e := range adv.Advertisements {
			if e.Type != "Service" || e.Selector != nil {
				continue
			}
			out = append(out, Finding{
				Subject:  adv.Ref(),
				Message:  fmt.Sprintf("entry %d of CiliumBGPAdvertisement %s advertises Services but has no selector: it selects no Service (cilium#33076)", i, adv.Name),
				Evidence: []Evidence{ev(model.SourceAdvertisements, ref(adv.Ref()), fmt.Sprintf("spec.advertisements[%d].selector", i), "<unset>", "a label selector; <unset> selects nothing")},
				Fixes: []fix.Proposal{fix.JSONPatch(adv.Ref(), adv.ResourceVersion,
					fix.JSONPatchOp{Op: "test", Path: fmt.Sprintf("/spec/advertisements/%d/advertisementType", i), Value: "Service"},
					fix.JSONPatchOp{Op: "add", Path: fmt.Sprintf("/spec/advertisements/%d/selector", i), Value: matchAllSelector}).
					With("Advertise every Service", "Uses the documented match-everything idiom; narrow it with your own labels if only some Services should be announced.")},
			})
		}
	}
	return out
}

// serviceEntries returns the Service entries of Advertisements in use, by Advertisement.
func (in *Input) serviceEntries() []advEntry {
	used := in.advertsInUse()
	var out []advEntry
	for _, adv := range in.S.BGP.Advertisements {
		if !used[adv.Name] {
			continue
		}
		for i, e := range adv.Advertisements {
			if e.Type == "Service" {
				out = append(out, advEntry{adv: adv, index: i, entry: e})
			}
		}
	}
	return out
}

type advEntry struct {
	adv   model.Advertisement
	index int
	entry model.AdvertisementEntry
}

func (a advEntry) addresses() []string {
	if a.entry.Service == nil || len(a.entry.Service.Addresses) == 0 {
		return nil
	}
	return a.entry.Service.Addresses
}

// ciliumClass reports whether Cilium's BGP handles a LoadBalancer class.
func ciliumClass(c *string) bool { return c == nil || *c == "" || *c == "io.cilium/bgp-control-plane" }

// l2Announced reports whether an L2 policy announces the Service's LoadBalancer IP.
func (in *Input) l2Announced(svc *model.Service) bool {
	for _, p := range in.S.L2Policies {
		if !p.LoadBalancerIPs {
			continue
		}
		if ok, _ := in.Selects(p.ServiceSelector, in.ServiceLabels(svc), model.NilMatchesAll); ok {
			return true
		}
	}
	return false
}

func runServiceNotMatched(in *Input) []Finding {
	entries := in.serviceEntries()
	if len(entries) == 0 {
		return nil // nothing advertises Services: BGP is not used for VIPs here
	}
	var out []Finding
	facts := in.lbFacts()
	for i, svc := range in.LBServices() {
		if !facts[i].has(factIngress|factCilium) || facts[i]&(factL2|factAdvertised) != 0 {
			continue
		}
		f := Finding{
			Subject:  svc.Ref(),
			Message:  fmt.Sprintf("Service %s/%s has LoadBalancer IP %s but no advertisement in use selects it: the VIP is not announced over BGP", svc.Namespace, svc.Name, ingressIPs(svc)),
			Evidence: []Evidence{ev(model.SourceServices, ref(svc.Ref()), "metadata.labels", labelsOf(svc.Labels), "")},
		}
		for _, e := range entries {
			if !slices.Contains(e.addresses(), "LoadBalancerIP") || e.entry.Selector == nil {
				continue
			}
			f.Evidence = append(f.Evidence, ev(model.SourceAdvertisements, ref(e.adv.Ref()), fmt.Sprintf("spec.advertisements[%d].selector", e.index), model.SelectorString(e.entry.Selector), "selects "+svc.Namespace+"/"+svc.Name))
			if p, ok := labelToMatch(svc.ObjectMeta, e.entry.Selector); ok && !slices.ContainsFunc(f.Fixes, func(q fix.Proposal) bool { return q.Commands[0] == p.Commands[0] }) {
				f.Fixes = append(f.Fixes, p)
			}
		}
		out = append(out, f)
	}
	return out
}

func ingressIPs(svc *model.Service) string {
	var ips []string
	for _, i := range svc.Ingress {
		if i.IP != "" {
			ips = append(ips, i.IP)
		}
	}
	return strings.Join(ips, ", ")
}

func runPodCIDRIPAM(in *Input) []Finding {
	s := in.S
	ipam := s.Cilium.Config.IPAM
	if ipam == "" {
		ipam = "cluster-pool" // Cilium's default
	}
	if ipam == "kubernetes" || ipam == "cluster-pool" {
		return nil
	}
	var users []Evidence
	for _, adv := range s.BGP.Advertisements {
		for i, e := range adv.Advertisements {
			if e.Type == "PodCIDR" {
				users = append(users, ev(model.SourceAdvertisements, ref(adv.Ref()), fmt.Sprintf("spec.advertisements[%d].advertisementType", i), "PodCIDR", ""))
			}
		}
	}
	for _, pp := range s.BGP.PeeringPolicies {
		for i, vr := range pp.VirtualRouters {
			if vr.ExportPodCIDR != nil && *vr.ExportPodCIDR {
				users = append(users, ev(model.SourcePeeringPolicies, ref(pp.Ref()), fmt.Sprintf("spec.virtualRouters[%d].exportPodCIDR", i), "true", ""))
			}
		}
	}
	if len(users) == 0 {
		return nil
	}
	f := Finding{
		Subject:  clusterRef("ipam"),
		Message:  fmt.Sprintf("PodCIDRs are advertised but IPAM mode %q has no per-node PodCIDR: nothing is advertised", ipam),
		Evidence: append([]Evidence{cfgEv(s, "ipam", `"kubernetes" or "cluster-pool"`)}, users...),
	}
	if ipam == "multi-pool" {
		f.Details = []string{"with multi-pool, advertise the pools instead: advertisementType CiliumPodIPPool with a selector over CiliumPodIPPool labels (or the match-all NotIn idiom)"}
		f.Fixes = []fix.Proposal{fixCreate(map[string]any{"apiVersion": "cilium.io/v2", "kind": model.KindAdvertisement,
			"metadata": map[string]any{"name": "pod-ip-pools", "labels": familyLabels(s)},
			"spec":     map[string]any{"advertisements": []any{map[string]any{"advertisementType": "CiliumPodIPPool", "selector": matchAllSelector}}}},
			"Advertise the CiliumPodIPPools", "Selects every CiliumPodIPPool; the labels match what the PeerConfig families select.")}
	}
	return []Finding{f}
}

func runLBClassMismatch(in *Input) []Finding {
	var out []Finding
	facts := in.lbFacts()
	for i, svc := range in.LBServices() {
		if facts[i].has(factCilium) {
			continue
		}
		c := svc.LoadBalancerClass
		f := Finding{
			Subject:  svc.Ref(),
			Evidence: []Evidence{ev(model.SourceServices, ref(svc.Ref()), "spec.loadBalancerClass", *c, "<unset> or io.cilium/bgp-control-plane")},
		}
		switch *c {
		case l2AnnouncerClass:
			if len(in.serviceEntries()) == 0 {
				continue // an L2 cluster: the class is right
			}
			f.Severity = Info
			f.Message = fmt.Sprintf("Service %s/%s has class io.cilium/l2-announcer: it is announced by L2 only, never over BGP", svc.Namespace, svc.Name)
		case "io.cilium/node":
			f.Severity = Info
			f.Message = fmt.Sprintf("Service %s/%s uses node IPAM (class io.cilium/node): its IPs are node addresses, not BGP-announced VIPs", svc.Namespace, svc.Name)
		default:
			f.Message = fmt.Sprintf("Service %s/%s has loadBalancerClass %q: Cilium LB-IPAM ignores it (no IP, no condition) and BGP does not announce it", svc.Namespace, svc.Name, *c)
			f.Fixes = []fix.Proposal{fixCommand(fix.RiskHigh, "Recreate the Service without loadBalancerClass",
				"spec.loadBalancerClass is immutable; recreating the Service changes its ClusterIP and VIP, and clients see a short outage. Skip this if another controller is meant to serve the class.",
				kubectl("get", "service", "-n", svc.Namespace, svc.Name, "-o", "yaml")+" > "+safe.Quote(svc.Name+".yaml"),
				comment(fmt.Sprintf("remove spec.loadBalancerClass, spec.clusterIP(s) and status from %s.yaml, then:", svc.Name)),
				kubectl("replace", "--force", "-f", svc.Name+".yaml"))}
		}
		out = append(out, f)
	}
	return out
}

// bgpNodes returns the nodes some BGP configuration selects.
func (in *Input) bgpNodes() map[string]bool {
	out := map[string]bool{}
	for _, v := range in.Views() {
		if len(v.SelectedBy) > 0 {
			out[v.Node] = true
		}
	}
	return out
}

func runETPLocal(in *Input) []Finding {
	if len(in.S.BGP.ClusterConfigs) == 0 && len(in.S.BGP.PeeringPolicies) == 0 {
		return nil
	}
	bgp := in.bgpNodes()
	var out []Finding
	facts := in.lbFacts()
	for i, svc := range in.LBServices() {
		if !facts[i].has(factETPLocal|factIngress|factCilium) || facts[i].has(factL2) {
			continue
		}
		var on, off []string
		for _, n := range sortedMapKeys(svc.Endpoints.ReadyByNode) {
			if bgp[n] {
				on = append(on, n)
			} else {
				off = append(off, fmt.Sprintf("%s (%d)", cmp.Or(n, "-"), svc.Endpoints.ReadyByNode[n]))
			}
		}
		if len(off) == 0 && len(on) > 0 {
			continue
		}
		f := Finding{
			Subject: svc.Ref(),
			Evidence: []Evidence{
				ev(model.SourceServices, ref(svc.Ref()), "spec.externalTrafficPolicy", "Local", ""),
				ev(model.SourceEndpointSlices, ref(svc.Ref()), "endpoints[ready].nodeName", fmt.Sprintf("on BGP nodes: %s; elsewhere: %s", orNone(on), orNone(off)), "ready endpoints on BGP-selected nodes"),
			},
		}
		switch {
		case svc.Endpoints.Ready == 0:
			f.Message = fmt.Sprintf("Service %s/%s (externalTrafficPolicy Local) has no ready endpoint: its VIP %s is withdrawn from every node", svc.Namespace, svc.Name, ingressIPs(svc))
		case len(on) == 0:
			f.Message = fmt.Sprintf("Service %s/%s (externalTrafficPolicy Local) has ready endpoints only on nodes BGP does not select (%s): its VIP %s is advertised by no node",
				svc.Namespace, svc.Name, strings.Join(off, ", "), ingressIPs(svc))
		default:
			f.Severity = Warning
			f.Message = fmt.Sprintf("Service %s/%s (externalTrafficPolicy Local) has ready endpoints on nodes BGP does not select (%s): traffic only reaches the backends on %s",
				svc.Namespace, svc.Name, strings.Join(off, ", "), strings.Join(on, ", "))
		}
		f.Fixes = []fix.Proposal{fix.MergePatch(svc.Ref(), svc.ResourceVersion, map[string]any{"spec": map[string]any{"externalTrafficPolicy": "Cluster"}}).
			WithRisk(fix.RiskMedium).With("Use externalTrafficPolicy Cluster", "Every BGP node then advertises the VIP and forwards to any backend; the client source IP is no longer preserved (SNAT), unless DSR is used.")}
		out = append(out, f)
	}
	return out
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

func runWrongAddressType(in *Input) []Finding {
	s := in.S
	c := s.Cilium.Config
	var out []Finding
	entries := in.serviceEntries()
	for _, e := range entries {
		addrs := e.addresses()
		field := fmt.Sprintf("spec.advertisements[%d].service.addresses", e.index)
		if slices.Contains(addrs, "ExternalIP") && !model.Bool(c.EnableExternalIPs, false) && strings.EqualFold(c.KubeProxyReplacement, "true") {
			out = append(out, Finding{
				Subject:  e.adv.Ref(),
				Message:  fmt.Sprintf("CiliumBGPAdvertisement %s announces ExternalIPs but Cilium's externalIPs support is off: the traffic is routed to the nodes and dropped", e.adv.Name),
				Evidence: []Evidence{ev(model.SourceAdvertisements, ref(e.adv.Ref()), field, strings.Join(addrs, ","), ""), cfgEv(s, "enable-external-ips", `"true"`)},
				Fixes: []fix.Proposal{fix.Helm(ciliumNS(s), true, fix.HelmValue{Path: "externalIPs.enabled", Value: true}).
					With("Enable externalIPs in Cilium", "Cilium then load-balances traffic to Service externalIPs.")},
			})
		}
		if slices.Contains(addrs, "ClusterIP") && !model.Bool(c.BPFLBExternalClusterIP, false) {
			out = append(out, Finding{
				Subject:  e.adv.Ref(),
				Message:  fmt.Sprintf("CiliumBGPAdvertisement %s announces ClusterIPs but bpf-lb-external-clusterip is off: traffic from outside the cluster to them is dropped (IS_A_CLUSTERIP)", e.adv.Name),
				Evidence: []Evidence{ev(model.SourceAdvertisements, ref(e.adv.Ref()), field, strings.Join(addrs, ","), ""), cfgEv(s, "bpf-lb-external-clusterip", `"true"`)},
				Fixes: []fix.Proposal{fix.Helm(ciliumNS(s), true, fix.HelmValue{Path: "bpf.lbExternalClusterIP", Value: true}).
					With("Allow external access to ClusterIPs", "Exposes every ClusterIP to whoever can route to it; prefer LoadBalancer Services if that is not intended.")},
			})
		}
	}
	// Services with externalIPs selected only by entries that do not announce ExternalIP
	for i := range s.Services {
		svc := &s.Services[i]
		if len(svc.ExternalIPs) == 0 {
			continue
		}
		var selectedBy []advEntry
		announced := false
		for _, e := range entries {
			if ok, _ := in.Selects(e.entry.Selector, in.ServiceLabels(svc), model.NilMatchesNothing); ok {
				selectedBy = append(selectedBy, e)
				if slices.Contains(e.addresses(), "ExternalIP") {
					announced = true
				}
			}
		}
		if announced || len(selectedBy) == 0 {
			continue
		}
		e := selectedBy[0]
		path := fmt.Sprintf("/spec/advertisements/%d/service/addresses", e.index)
		out = append(out, Finding{
			Subject: svc.Ref(),
			Message: fmt.Sprintf("Service %s/%s uses externalIPs %s and is selected by CiliumBGPAdvertisement %s, which does not announce ExternalIP addresses", svc.Namespace, svc.Name, strings.Join(svc.ExternalIPs, ","), e.adv.Name),
			Evidence: []Evidence{ev(model.SourceServices, ref(svc.Ref()), "spec.externalIPs", strings.Join(svc.ExternalIPs, ","), ""),
				ev(model.SourceAdvertisements, ref(e.adv.Ref()), fmt.Sprintf("spec.advertisements[%d].service.addresses", e.index), strings.Join(e.addresses(), ","), "includes ExternalIP")},
			Fixes: []fix.Proposal{fix.JSONPatch(e.adv.Ref(), e.adv.ResourceVersion,
				fix.JSONPatchOp{Op: "test", Path: fmt.Sprintf("/spec/advertisements/%d/advertisementType", e.index), Value: "Service"},
				fix.JSONPatchOp{Op: "add", Path: path + "/-", Value: "ExternalIP"}).
				With("Announce ExternalIPs too", "Every Service this entry selects then has its externalIPs announced as well.")},
		})
	}
	return out
}
