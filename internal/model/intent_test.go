// SPDX-License-Identifier: Apache-2.0

package model

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func meta(kind, name string, labels map[string]string) ObjectMeta {
	return ObjectMeta{Kind: kind, APIVersion: "cilium.io/v2", Name: name, Labels: labels}
}

func TestResolveBGP(t *testing.T) {
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"bgp": "on"}}
	s := &Snapshot{
		Nodes: []Node{
			{Name: "b", Labels: map[string]string{"bgp": "on"}},
			{Name: "a", Labels: map[string]string{"bgp": "on", "v1": "yes"}},
			{Name: "c"},
		},
		BGP: BGP{
			ClusterConfigs: []ClusterConfig{{ObjectMeta: meta(KindClusterConfig, "cc", nil), NodeSelector: sel,
				Instances: []ClusterInstance{{Name: "i1", LocalASN: ptr(int64(65001)), Peers: []ClusterPeer{
					{Name: "tor", PeerAddress: "10.0.0.1", PeerASN: ptr(int64(65000)), PeerConfigRef: &PeerConfigRef{Name: "pc"}},
					{Name: "missing", PeerAddress: "10.0.0.2", PeerConfigRef: &PeerConfigRef{Name: "nope"}},
					{Name: "default", PeerAddress: "10.0.0.3"},
				}}}},
				{ObjectMeta: meta(KindClusterConfig, "broken", nil), NodeSelector: &metav1.LabelSelector{
					MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "x", Operator: "Bogus"}}}},
			},
			PeerConfigs: []PeerConfig{{ObjectMeta: meta(KindPeerConfig, "pc", nil), Families: []Family{
				{AFI: "ipv4", SAFI: "unicast", Advertisements: &metav1.LabelSelector{MatchLabels: map[string]string{"adv": "yes"}}},
				{AFI: "ipv6", SAFI: "unicast"}, // no selector: advertises nothing
			}}},
			Advertisements: []Advertisement{
				{ObjectMeta: meta(KindAdvertisement, "hit", map[string]string{"adv": "yes"})},
				{ObjectMeta: meta(KindAdvertisement, "miss", map[string]string{"adv": "no"})},
			},
			NodeConfigOverrides: []NodeConfigOverride{{ObjectMeta: meta(KindNodeConfigOverride, "a", nil), Instances: []OverrideInstance{
				{Name: "i1", RouterID: "1.1.1.1", LocalPort: ptr(int32(179)), Peers: []OverridePeer{{Name: "tor", LocalAddress: "10.0.0.10"}}}}}},
			NodeConfigs: []NodeConfig{{ObjectMeta: meta(KindNodeConfig, "a", nil), Status: []NodeInstanceStatus{
				{Name: "i1", Peers: []PeerStatus{{Name: "tor", PeeringState: "established"}}}}}},
			PeeringPolicies: []PeeringPolicy{{ObjectMeta: meta(KindPeeringPolicy, "v1", nil),
				NodeSelector:   &metav1.LabelSelector{MatchLabels: map[string]string{"v1": "yes"}},
				VirtualRouters: []VirtualRouter{{LocalASN: 65010, Neighbors: []Neighbor{{PeerAddress: "10.0.0.1/32", PeerASN: 65000}}}}}},
		},
	}
	views := s.ResolveBGP()
	if len(views) != 3 || views[0].Node != "a" || views[1].Node != "b" || views[2].Node != "c" {
		t.Fatalf("views not in node order: %+v", views)
	}
	a := views[0]
	if len(a.SelectedBy) != 2 || a.SelectedBy[0].Name != "cc" || a.SelectedBy[1].Kind != KindPeeringPolicy {
		t.Errorf("a selected by %+v", a.SelectedBy)
	}
	if len(a.Problems) != 1 {
		t.Errorf("the invalid selector of ClusterConfig broken must be reported: %v", a.Problems)
	}
	if a.NodeConfig == nil || a.NodeConfig.Name != "a" {
		t.Errorf("node config ref: %+v", a.NodeConfig)
	}
	i1 := a.Instances[0]
	if i1.LocalASN != 65001 || i1.RouterID != "1.1.1.1" || i1.LocalPort == nil || *i1.LocalPort != 179 {
		t.Errorf("override not applied: %+v", i1)
	}
	tor, missing, def := i1.Peers[0], i1.Peers[1], i1.Peers[2]
	if tor.LocalAddress != "10.0.0.10" || tor.Status == nil || tor.Status.PeeringState != "established" || tor.PeerConfig.APIVersion != "cilium.io/v2" {
		t.Errorf("tor: %+v", tor)
	}
	if len(tor.Families) != 2 || len(tor.Families[0].Advertisements) != 1 || tor.Families[0].Advertisements[0].Name != "hit" || len(tor.Families[1].Advertisements) != 0 {
		t.Errorf("tor families: %+v", tor.Families)
	}
	if !missing.PeerConfigMissing || missing.PeerConfig.Name != "nope" || len(missing.Families[0].Advertisements) != 0 {
		t.Errorf("missing PeerConfig: %+v", missing)
	}
	if def.PeerConfig != nil || len(def.Families) != 2 || len(def.Families[0].Advertisements) != 0 {
		t.Errorf("peer without PeerConfig uses default families and advertises nothing: %+v", def)
	}
	v1 := a.Instances[1]
	if v1.Name != "asn-65010" || v1.Source.Kind != KindPeeringPolicy || v1.Peers[0].PeerAddress != "10.0.0.1/32" || len(v1.Peers[0].Families) != 2 {
		t.Errorf("BGPv1 instance: %+v", v1)
	}
	if b := views[1]; len(b.SelectedBy) != 1 || b.Instances[0].RouterID != "" || b.Instances[0].Peers[0].Status != nil {
		t.Errorf("b: %+v", b)
	}
	if c := views[2]; len(c.SelectedBy) != 0 || len(c.Instances) != 0 {
		t.Errorf("c must not be selected: %+v", c)
	}
}

func TestNormalize(t *testing.T) {
	s := &Snapshot{Services: []Service{
		{ObjectMeta: ObjectMeta{Namespace: "b", Name: "a"}}, {ObjectMeta: ObjectMeta{Namespace: "a", Name: "z"}}, {ObjectMeta: ObjectMeta{Namespace: "a", Name: "b"}},
	}}
	s.Normalize()
	if s.Services[0].Name != "b" || s.Services[1].Name != "z" || s.Services[2].Namespace != "b" {
		t.Errorf("services not sorted: %+v", s.Services)
	}
	if s.Pools == nil || s.BGP.ClusterConfigs == nil || s.Nodes == nil || s.Sources == nil {
		t.Error("nil lists must become empty lists")
	}
}

func TestSourceOK(t *testing.T) {
	s := &Snapshot{Sources: []SourceStatus{{Name: "a", Status: StatusOK}, {Name: "b", Status: StatusForbidden}}}
	if !s.SourceOK("a") || s.SourceOK("a", "b") || s.SourceOK("never-collected") {
		t.Error("SourceOK: a source that is not ok, or was never collected, is not ok")
	}
	if st, ok := s.Source("never-collected"); ok || st.Status != StatusSkipped {
		t.Errorf("missing source: %+v", st)
	}
}
