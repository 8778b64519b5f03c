// SPDX-License-Identifier: Apache-2.0

package checks

import (
	"fmt"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func reconcileCheck() Check {
	return Check{
		ID: "reconcile-error-tears-down-router", Title: "An invalid selector makes the agent shut down BGP", Severity: Error, Layer: LayerSessions,
		Uses:     []string{model.SourcePeeringPolicies, model.SourceClusterConfigs, model.SourceAdvertisements, model.SourcePeerConfigs, model.SourceNodeConfigs},
		Versions: "all (condition in BGPv2)",
		Detects:  "label selectors the agent cannot parse (In/NotIn with no values, bad operators) in BGP objects, and condition cilium.io/BGPReconcileError",
		Fixes:    "give In/NotIn at least one value; to match everything use NotIn [never-used-value]",
		Explain: `A label selector with operator In or NotIn and an empty values list is invalid. BGPv1 agents then
log "Encountered error reconciling virtual router with local ASN …, shutting down this server" and
drop every session of the virtual router; BGPv2 agents report cilium.io/BGPReconcileError on the
CiliumBGPNodeConfig. The CRD schema does not catch it, so the object is accepted. The documented
match-everything idiom is {key: somekey, operator: NotIn, values: [never-used-value]}.
References: https://github.com/cilium/cilium/issues/23280 ; CRD const BGPInstanceConditionReconcileError`,
		Run: runReconcileError,
	}
}

// selectorSite is a label selector somewhere in a BGP object.
type selectorSite struct {
	obj   model.Ref
	rv    string
	field string
	sel   *metav1.LabelSelector
	src   string
}

func bgpSelectors(s *model.Snapshot) []selectorSite {
	var out []selectorSite
	for _, pp := range s.BGP.PeeringPolicies {
		out = append(out, selectorSite{pp.Ref(), pp.ResourceVersion, "spec.nodeSelector", pp.NodeSelector, model.SourcePeeringPolicies})
		for i, vr := range pp.VirtualRouters {
			out = append(out, selectorSite{pp.Ref(), pp.ResourceVersion, fmt.Sprintf("spec.virtualRouters[%d].serviceSelector", i), vr.ServiceSelector, model.SourcePeeringPolicies})
			out = append(out, selectorSite{pp.Ref(), pp.ResourceVersion, fmt.Sprintf("spec.virtualRouters[%d].podIPPoolSelector", i), vr.PodIPPoolSelector, model.SourcePeeringPolicies})
		}
	}
	for _, cc := range s.BGP.ClusterConfigs {
		out = append(out, selectorSite{cc.Ref(), cc.ResourceVersion, "spec.nodeSelector", cc.NodeSelector, model.SourceClusterConfigs})
	}
	for _, adv := range s.BGP.Advertisements {
		for i, e := range adv.Advertisements {
			out = append(out, selectorSite{adv.Ref(), adv.ResourceVersion, fmt.Sprintf("spec.advertisements[%d].selector", i), e.Selector, model.SourceAdvertisements})
		}
	}
	for _, pc := range s.BGP.PeerConfigs {
		for i, f := range pc.Families {
			out = append(out, selectorSite{pc.Ref(), pc.ResourceVersion, fmt.Sprintf("spec.families[%d].advertisements", i), f.Advertisements, model.SourcePeerConfigs})
		}
	}
	return out
}

func runReconcileError(in *Input) []Finding {
	var out []Finding
	for _, site := range bgpSelectors(in.S) {
		if site.sel == nil {
			continue
		}
		if _, err := metav1.LabelSelectorAsSelector(site.sel); err != nil {
			f := Finding{
				Subject:  site.obj,
				Message:  fmt.Sprintf("%s of %s is not a valid label selector (%v): the agent fails to reconcile and shuts this BGP configuration down", site.field, site.obj, err),
				Evidence: []Evidence{ev(site.src, ref(site.obj), site.field, model.SelectorString(site.sel)+": "+err.Error(), "a valid label selector")},
			}
			if site.obj.Kind == model.KindPeeringPolicy {
				f.Message = fmt.Sprintf("%s of %s is not a valid label selector (%v): BGPv1 agents shut the whole virtual router down and drop its sessions", site.field, site.obj, err)
			}
			out = append(out, f)
		}
	}
	for _, nc := range in.S.BGP.NodeConfigs {
		if cond := conditionTrue(nc.Conditions, "cilium.io/BGPReconcileError"); cond != nil {
			out = append(out, Finding{
				Subject:  nc.Ref(),
				Message:  fmt.Sprintf("the agent on node %s reports a BGP reconcile error: %s", nc.Name, cond.Message),
				Evidence: []Evidence{ev(model.SourceNodeConfigs, ref(nc.Ref()), "status.conditions[cilium.io/BGPReconcileError]", "True: "+cond.Reason, "False")},
			})
		}
	}
	return out
}
