// SPDX-License-Identifier: Apache-2.0

package model

import (
	"fmt"
	"slices"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// NodeBGP is the effective BGP configuration of one node, the same shape whether it
// comes from a BGPv1 CiliumBGPPeeringPolicy or BGPv2 ClusterConfig + PeerConfig +
// Advertisement + NodeConfigOverride objects, joined with what the agent reports.
type NodeBGP struct {
	Node string `json:"node"`
	// SelectedBy lists the ClusterConfigs and PeeringPolicies whose nodeSelector matches.
	SelectedBy []Ref               `json:"selectedBy,omitempty"`
	Instances  []EffectiveInstance `json:"instances,omitempty"`
	// NodeConfig is the node's CiliumBGPNodeConfig, if the operator wrote one.
	NodeConfig *Ref `json:"nodeConfig,omitempty"`
	// Problems are selector or reference errors found while resolving.
	Problems []string `json:"problems,omitempty"`
}

// AwaitsNodeConfig reports whether a BGPv2 ClusterConfig selects the node while no
// CiliumBGPNodeConfig exists for it: the operator has yet to render it (or cannot).
func (v NodeBGP) AwaitsNodeConfig() bool {
	return v.NodeConfig == nil && slices.ContainsFunc(v.SelectedBy, func(r Ref) bool { return r.Kind == KindClusterConfig })
}

// EffectiveInstance is one BGP instance (BGPv1: virtual router) running on a node.
type EffectiveInstance struct {
	Name      string          `json:"name"`
	Source    Ref             `json:"source"`
	LocalASN  int64           `json:"localASN"`
	RouterID  string          `json:"routerID,omitempty"`
	LocalPort *int32          `json:"localPort,omitempty"`
	Peers     []EffectivePeer `json:"peers"`
}

// EffectivePeer is one session a node should run.
type EffectivePeer struct {
	Name          string         `json:"name"`
	PeerAddress   string         `json:"peerAddress,omitempty"`
	PeerASN       int64          `json:"peerASN"`
	AutoDiscovery *AutoDiscovery `json:"autoDiscovery,omitempty"`
	LocalAddress  string         `json:"localAddress,omitempty"`
	// PeerConfig is the referenced CiliumBGPPeerConfig; PeerConfigMissing is set when the
	// reference points at nothing. Both are empty for BGPv1 and unreferenced peers.
	PeerConfig        *Ref `json:"peerConfig,omitempty"`
	PeerConfigMissing bool `json:"peerConfigMissing,omitempty"`
	// Families carries, for each AFI/SAFI, the Advertisements it selects (BGPv2).
	Families []EffectiveFamily `json:"families,omitempty"`
	// Status is the agent's report for this session, when there is one.
	Status *PeerStatus `json:"status,omitempty"`
}

// EffectiveFamily is an address family of a session and the advertisements it carries.
type EffectiveFamily struct {
	AFI            string `json:"afi"`
	SAFI           string `json:"safi"`
	Advertisements []Ref  `json:"advertisements,omitempty"`
}

// defaultFamilies are what Cilium negotiates when a peer has no PeerConfig families.
var defaultFamilies = []Family{{AFI: "ipv4", SAFI: "unicast"}, {AFI: "ipv6", SAFI: "unicast"}}

// ResolveBGP computes the effective BGP configuration of every node in the snapshot.
// It is pure and deterministic: nodes in name order, instances and peers in the
// order their configuration lists them.
func (s *Snapshot) ResolveBGP() []NodeBGP {
	out := make([]NodeBGP, 0, len(s.Nodes))
	pcs := map[string]*PeerConfig{}
	for i := range s.BGP.PeerConfigs {
		pcs[s.BGP.PeerConfigs[i].Name] = &s.BGP.PeerConfigs[i]
	}
	ovrs := map[string]*NodeConfigOverride{}
	for i := range s.BGP.NodeConfigOverrides {
		ovrs[s.BGP.NodeConfigOverrides[i].Name] = &s.BGP.NodeConfigOverrides[i]
	}
	ncs := map[string]*NodeConfig{}
	for i := range s.BGP.NodeConfigs {
		ncs[s.BGP.NodeConfigs[i].Name] = &s.BGP.NodeConfigs[i]
	}
	m := newMatcher()
	for _, n := range s.Nodes {
		nb := NodeBGP{Node: n.Name}
		for _, cc := range s.BGP.ClusterConfigs {
			ok, err := m.matches(cc.NodeSelector, n.Labels, NilMatchesAll)
			if err != nil {
				nb.Problems = append(nb.Problems, fmt.Sprintf("%s: %v", cc.Ref(), err))
				continue
			}
			if ok {
				nb.SelectedBy = append(nb.SelectedBy, cc.Ref())
				nb.Instances = append(nb.Instances, s.v2Instances(cc, ovrs[n.Name], pcs, m)...)
			}
		}
		for _, pp := range s.BGP.PeeringPolicies {
			ok, err := m.matches(pp.NodeSelector, n.Labels, NilMatchesAll)
			if err != nil {
				nb.Problems = append(nb.Problems, fmt.Sprintf("%s: %v", pp.Ref(), err))
				continue
			}
			if ok {
				nb.SelectedBy = append(nb.SelectedBy, pp.Ref())
				nb.Instances = append(nb.Instances, v1Instances(pp)...)
			}
		}
		if nc, ok := ncs[n.Name]; ok {
			ref := nc.Ref()
			nb.NodeConfig = &ref
			attachStatus(nb.Instances, nc)
		}
		out = append(out, nb)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Node < out[j].Node })
	return out
}

func (s *Snapshot) v2Instances(cc ClusterConfig, ovr *NodeConfigOverride, pcs map[string]*PeerConfig, m *matcher) []EffectiveInstance {
	var out []EffectiveInstance
	for _, ci := range cc.Instances {
		ei := EffectiveInstance{Name: ci.Name, Source: cc.Ref(), LocalPort: ci.LocalPort}
		if ci.LocalASN != nil {
			ei.LocalASN = *ci.LocalASN
		}
		var oi *OverrideInstance
		if ovr != nil {
			for i := range ovr.Instances {
				if ovr.Instances[i].Name == ci.Name {
					oi = &ovr.Instances[i]
				}
			}
		}
		if oi != nil {
			ei.RouterID = oi.RouterID
			if oi.LocalASN != nil {
				ei.LocalASN = *oi.LocalASN
			}
			if oi.LocalPort != nil {
				ei.LocalPort = oi.LocalPort
			}
		}
		for _, cp := range ci.Peers {
			ep := EffectivePeer{Name: cp.Name, PeerAddress: cp.PeerAddress, AutoDiscovery: cp.AutoDiscovery}
			if cp.PeerASN != nil {
				ep.PeerASN = *cp.PeerASN
			}
			if oi != nil {
				for _, op := range oi.Peers {
					if op.Name == cp.Name {
						ep.LocalAddress = op.LocalAddress
					}
				}
			}
			families := defaultFamilies
			if cp.PeerConfigRef != nil {
				ref := Ref{Kind: KindPeerConfig, Name: cp.PeerConfigRef.Name}
				if pc, ok := pcs[cp.PeerConfigRef.Name]; ok {
					ref = pc.Ref()
					if len(pc.Families) > 0 {
						families = pc.Families
					}
				} else {
					ep.PeerConfigMissing = true
				}
				ep.PeerConfig = &ref
			}
			for _, f := range families {
				ef := EffectiveFamily{AFI: f.AFI, SAFI: f.SAFI}
				if cp.PeerConfigRef != nil && !ep.PeerConfigMissing {
					ef.Advertisements = m.advertisements(s, f)
				}
				ep.Families = append(ep.Families, ef)
			}
			ei.Peers = append(ei.Peers, ep)
		}
		out = append(out, ei)
	}
	return out
}

// matcher caches compiled selectors and per-selector results for one resolution:
// thousands of nodes share a handful of selectors.
type matcher struct {
	compiled map[*metav1.LabelSelector]compiledSelector
	adverts  map[*metav1.LabelSelector][]Ref
}

type compiledSelector struct {
	sel labels.Selector
	err error
}

func newMatcher() *matcher {
	return &matcher{compiled: map[*metav1.LabelSelector]compiledSelector{}, adverts: map[*metav1.LabelSelector][]Ref{}}
}

func (m *matcher) matches(sel *metav1.LabelSelector, lbls map[string]string, nilMeans NilSelector) (bool, error) {
	if sel == nil {
		return bool(nilMeans), nil
	}
	c, ok := m.compiled[sel]
	if !ok {
		s, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil {
			err = fmt.Errorf("invalid label selector: %w", err)
		}
		c = compiledSelector{s, err}
		m.compiled[sel] = c
	}
	if c.err != nil {
		return false, c.err
	}
	return c.sel.Matches(labels.Set(lbls)), nil
}

// advertisements returns the Advertisements whose labels match the family's selector.
// A nil selector selects none: the family advertises nothing.
func (m *matcher) advertisements(s *Snapshot, f Family) []Ref {
	if f.Advertisements == nil {
		return nil
	}
	if refs, ok := m.adverts[f.Advertisements]; ok {
		return refs
	}
	var refs []Ref
	for _, adv := range s.BGP.Advertisements {
		if ok, err := m.matches(f.Advertisements, adv.Labels, NilMatchesNothing); err == nil && ok {
			refs = append(refs, adv.Ref())
		}
	}
	m.adverts[f.Advertisements] = refs
	return refs
}

func v1Instances(pp PeeringPolicy) []EffectiveInstance {
	var out []EffectiveInstance
	for _, vr := range pp.VirtualRouters {
		ei := EffectiveInstance{Name: fmt.Sprintf("asn-%d", vr.LocalASN), Source: pp.Ref(), LocalASN: vr.LocalASN}
		for _, nb := range vr.Neighbors {
			ep := EffectivePeer{Name: nb.PeerAddress, PeerAddress: nb.PeerAddress, PeerASN: nb.PeerASN}
			families := nb.Families
			if len(families) == 0 {
				families = defaultFamilies
			}
			for _, f := range families {
				ep.Families = append(ep.Families, EffectiveFamily{AFI: f.AFI, SAFI: f.SAFI})
			}
			ei.Peers = append(ei.Peers, ep)
		}
		out = append(out, ei)
	}
	return out
}

// attachStatus joins the agent's per-peer report (NodeConfig status) to the effective
// peers by instance and peer name; BGPv1 instances never match (no NodeConfig in v1).
func attachStatus(instances []EffectiveInstance, nc *NodeConfig) {
	for i := range instances {
		for _, si := range nc.Status {
			if si.Name != instances[i].Name {
				continue
			}
			for j := range instances[i].Peers {
				for k := range si.Peers {
					if si.Peers[k].Name == instances[i].Peers[j].Name {
						ps := si.Peers[k]
						instances[i].Peers[j].Status = &ps
					}
				}
			}
		}
	}
}
