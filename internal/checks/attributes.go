// SPDX-License-Identifier: Apache-2.0

package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/fix"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// attributeChecks are the catalogue modes about the path attributes of advertisements.
func attributeChecks() []Check {
	advs := []string{model.SourceClusterConfigs, model.SourcePeerConfigs, model.SourceAdvertisements}
	return []Check{
		{
			ID: "path-attributes-not-effective", Title: "A local preference is set for eBGP peers, which ignore it", Severity: Warning, Layer: LayerAdverts,
			Needs: advs, Versions: "1.16+ (BGPv2 attributes)",
			Detects: "Advertisements with attributes.localPreference selected by PeerConfig families of eBGP sessions",
			Fixes:   "tag the routes with a community and set the local preference in the router's import policy",
			Explain: `LOCAL_PREF is an iBGP attribute: it is never sent to an eBGP peer, so an Advertisement's
attributes.localPreference has no effect on sessions whose peer AS differs from the node's ("As Local
Preference is only valid for iBGP peers, this value will be ignored for eBGP peers", Cilium docs). To
prefer some nodes from outside, attach a community and match it in the router's import policy (or
prepend the AS path there).
References: Cilium docs BGPv2 (BGP Attributes) ; https://github.com/cilium/cilium/issues/40585`,
			Run: runLocalPrefOverEBGP,
		},
		{
			ID: "overlapping-advertisements-pre-1-18", Title: "A Service is selected by several advertisements with different attributes (before 1.18)", Severity: Warning, Layer: LayerAdverts,
			Needs: append([]string{model.SourceServices}, advs...), Versions: "≤1.17",
			Detects: "LoadBalancer Services matched by two or more Service advertisements in use whose attributes differ, on Cilium before 1.18",
			Fixes:   "make the selectors disjoint, or upgrade to 1.18 (attributes are merged)",
			Explain: `Before Cilium 1.18 a route matched by several advertisements got the attributes of the last match
only: communities and local preference of the others were silently dropped. 1.18 unions the
communities and takes the highest local preference.
References: https://github.com/cilium/cilium/issues/35721 ; https://github.com/cilium/cilium/issues/33076`,
			Run: runOverlappingAdverts,
		},
	}
}

func runLocalPrefOverEBGP(in *Input) []Finding {
	s := in.S
	byName := map[string]*model.Advertisement{}
	for i := range s.BGP.Advertisements {
		byName[s.BGP.Advertisements[i].Name] = &s.BGP.Advertisements[i]
	}
	peersOf := map[string][]string{} // advertisement → eBGP sessions using it
	for _, v := range in.Views() {
		for _, inst := range v.Instances {
			for _, p := range inst.Peers {
				if inst.LocalASN == 0 || p.PeerASN == 0 || inst.LocalASN == p.PeerASN {
					continue
				}
				for _, f := range p.Families {
					for _, a := range f.Advertisements {
						if adv, ok := byName[a.Name]; ok && localPref(adv) != nil {
							name := v.Node + "/" + p.Name
							if !slices.Contains(peersOf[a.Name], name) {
								peersOf[a.Name] = append(peersOf[a.Name], name)
							}
						}
					}
				}
			}
		}
	}
	var out []Finding
	for _, name := range sortedMapKeys(peersOf) {
		adv := byName[name]
		lp := localPref(adv)
		f := Finding{
			Subject: adv.Ref(),
			Message: fmt.Sprintf("Advertisement %s sets local preference %d, but it goes to eBGP sessions (%s), which never carry LOCAL_PREF: it has no effect there",
				adv.Name, *lp, listSome(peersOf[name], maxListed)),
			Evidence: []Evidence{ev(model.SourceAdvertisements, ref(adv.Ref()), "spec.advertisements[].attributes.localPreference", fmt.Sprint(*lp), "only for iBGP peers")},
			Fixes: []fix.Proposal{routerCommand(fix.RiskMedium, "Use a community and set the preference on the router (FRR)",
				"Add a community to the advertisement's attributes (e.g. 64512:200) and match it in the router's import route-map.",
				vtysh("configure terminal", "bgp community-list standard CILIUM-PREFER permit 64512:200", "route-map CILIUM-IN permit 5", "match community CILIUM-PREFER", "set local-preference "+fmt.Sprint(*lp)))},
		}
		out = append(out, f)
	}
	return out
}

// localPref returns the first local preference an advertisement's entries set.
func localPref(adv *model.Advertisement) *int64 {
	for _, e := range adv.Advertisements {
		if e.Attributes != nil && e.Attributes.LocalPreference != nil {
			return e.Attributes.LocalPreference
		}
	}
	return nil
}

func runOverlappingAdverts(in *Input) []Finding {
	if !in.Version.Known || !in.Version.Before(1, 18) {
		return nil
	}
	var entries []advEntry
	for _, e := range in.serviceEntries() {
		if slices.Contains(e.addresses(), "LoadBalancerIP") {
			entries = append(entries, e)
		}
	}
	if len(entries) < 2 {
		return nil
	}
	groups := map[string][]string{} // entries matched together → Services
	var keys []string
	facts := in.lbFacts()
	for i, svc := range in.LBServices() {
		if !facts[i].has(factCilium | factIngress) {
			continue
		}
		var matched []advEntry
		for _, e := range entries {
			if ok, _ := in.Selects(e.entry.Selector, in.ServiceLabels(svc), model.NilMatchesNothing); ok {
				matched = append(matched, e)
			}
		}
		if len(matched) < 2 || sameAttributes(matched) {
			continue
		}
		var names []string
		for _, e := range matched {
			names = append(names, fmt.Sprintf("%s[%d]", e.adv.Name, e.index))
		}
		k := strings.Join(names, ", ")
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], svc.Namespace+"/"+svc.Name)
	}
	slices.Sort(keys)
	var out []Finding
	for _, k := range keys {
		svcs := groups[k]
		out = append(out, Finding{
			Subject: clusterRef("advertisements"),
			Message: fmt.Sprintf("%d %s (%s) %s selected by the advertisements %s with different attributes: before 1.18 only the last match's attributes are sent",
				len(svcs), plural(len(svcs), "Service", "Services"), listSome(svcs, maxListed), plural(len(svcs), "is", "are"), k),
			Evidence: []Evidence{ev(model.SourceDaemonSets, nil, "cilium agent image", in.Version.String(), "1.18 or later merges attributes")},
			Fixes: []fix.Proposal{fixCommand(fix.RiskLow, "Make the advertisements' Service selectors disjoint",
				"Or upgrade to Cilium 1.18, which unions communities and keeps the highest local preference.",
				kubectl("get", "ciliumbgpadvertisements", "-o", "yaml")+"   "+comment("compare the selectors of "+k))},
		})
	}
	return out
}

// sameAttributes reports whether every entry carries the same attributes.
func sameAttributes(es []advEntry) bool {
	first := attrString(es[0].entry.Attributes)
	for _, e := range es[1:] {
		if attrString(e.entry.Attributes) != first {
			return false
		}
	}
	return true
}

func attrString(a *model.Attributes) string {
	if a == nil {
		return ""
	}
	var b strings.Builder
	if a.LocalPreference != nil {
		fmt.Fprintf(&b, "lp=%d ", *a.LocalPreference)
	}
	if a.Communities != nil {
		fmt.Fprintf(&b, "c=%v", *a.Communities)
	}
	return b.String()
}
