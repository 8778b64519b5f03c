// SPDX-License-Identifier: Apache-2.0

package checks

import (
	"net/netip"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func ptr[T any](v T) *T { return &v }

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func addr(s string) netip.Addr  { return netip.MustParseAddr(s) }

func cilium(kind, name string, labels map[string]string) model.ObjectMeta {
	return model.ObjectMeta{APIVersion: "cilium.io/v2", Kind: kind, Name: name, Labels: labels, ResourceVersion: "1"}
}

func sel(kv ...string) *metav1.LabelSelector {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return &metav1.LabelSelector{MatchLabels: m}
}

// healthy is a dual-stack BGPv2 cluster with nothing wrong: two nodes peering with a
// router over IPv4 and IPv6, PodCIDRs and LoadBalancer IPs advertised, one pool.
func healthy() *model.Snapshot {
	established := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	s := &model.Snapshot{
		SchemaVersion: model.SchemaVersion,
		CollectedAt:   established.Add(2 * time.Hour),
		Cluster:       model.Cluster{Context: "test", CiliumNamespace: "kube-system"},
		Cilium: model.Cilium{Version: "1.19.2", Agent: &model.Workload{Kind: "DaemonSet", Namespace: "kube-system", Name: "cilium"},
			Config: model.CiliumConfig{Present: true,
				Raw: map[string]string{"enable-bgp-control-plane": "true", "enable-ipv4": "true", "enable-ipv6": "true", "ipam": "kubernetes",
					"routing-mode": "native", "ipv4-native-routing-cidr": "10.42.0.0/16", "ipv6-native-routing-cidr": "fd00:42::/48",
					"kube-proxy-replacement": "true", "bpf-lb-mode": "snat"},
				EnableBGPControlPlane: ptr(true), EnableIPv4: ptr(true), EnableIPv6: ptr(true), IPAM: "kubernetes", RoutingMode: "native",
				IPv4NativeRoutingCIDR: ptr(pfx("10.42.0.0/16")), IPv6NativeRoutingCIDR: ptr(pfx("fd00:42::/48")),
				KubeProxyReplacement: "true", BPFLBMode: "snat"}},
		Nodes: []model.Node{
			{Name: "n1", ResourceVersion: "10", Labels: map[string]string{"bgp": "on"}, Ready: true, InternalIPs: []netip.Addr{addr("192.168.1.11"), addr("fd00:1::11")},
				PodCIDRs: []netip.Prefix{pfx("10.42.1.0/24"), pfx("fd00:42:0:1::/64")}},
			{Name: "n2", ResourceVersion: "11", Labels: map[string]string{"bgp": "on"}, Ready: true, InternalIPs: []netip.Addr{addr("192.168.1.12"), addr("fd00:1::12")},
				PodCIDRs: []netip.Prefix{pfx("10.42.2.0/24"), pfx("fd00:42:0:2::/64")}},
		},
		BGP: model.BGP{
			ClusterConfigs: []model.ClusterConfig{{ObjectMeta: cilium(model.KindClusterConfig, "cc", nil), NodeSelector: sel("bgp", "on"),
				Instances: []model.ClusterInstance{{Name: "i", LocalASN: ptr(int64(64512)), Peers: []model.ClusterPeer{
					{Name: "rtr4", PeerAddress: "192.168.1.1", PeerASN: ptr(int64(64513)), PeerConfigRef: &model.PeerConfigRef{Name: "pc"}},
					{Name: "rtr6", PeerAddress: "fd00:1::1", PeerASN: ptr(int64(64513)), PeerConfigRef: &model.PeerConfigRef{Name: "pc"}},
				}}}}},
			PeerConfigs: []model.PeerConfig{{ObjectMeta: cilium(model.KindPeerConfig, "pc", nil),
				Timers:   &model.Timers{HoldTimeSeconds: ptr(int32(90)), KeepAliveTimeSeconds: ptr(int32(30))},
				Families: []model.Family{{AFI: "ipv4", SAFI: "unicast", Advertisements: sel("advertise", "bgp")}, {AFI: "ipv6", SAFI: "unicast", Advertisements: sel("advertise", "bgp")}}}},
			Advertisements: []model.Advertisement{{ObjectMeta: cilium(model.KindAdvertisement, "adv", map[string]string{"advertise": "bgp"}),
				Advertisements: []model.AdvertisementEntry{{Type: "PodCIDR"},
					{Type: "Service", Service: &model.ServiceAdvertisement{Addresses: []string{"LoadBalancerIP"}}, Selector: sel("announce", "yes")}}}},
		},
		Pools: []model.LBPool{{ObjectMeta: cilium(model.KindLBPool, "pool", nil), AllowFirstLastIPs: "No",
			Blocks: []model.PoolBlock{{CIDR: ptr(pfx("198.51.100.0/24"))}, {CIDR: ptr(pfx("2001:db8:100::/120"))}}}},
		Services: []model.Service{{
			ObjectMeta: model.ObjectMeta{APIVersion: "v1", Kind: model.KindService, Namespace: "web", Name: "app", ResourceVersion: "5", Labels: map[string]string{"announce": "yes"}},
			Type:       "LoadBalancer", ExternalTrafficPolicy: "Cluster", IPFamilyPolicy: "PreferDualStack",
			Ports:     []model.ServicePort{{Protocol: "TCP", Port: 443}},
			Ingress:   []model.IngressIP{{IP: "198.51.100.10"}, {IP: "2001:db8:100::10"}},
			Endpoints: model.ServiceEndpoints{Slices: 1, Total: 2, Ready: 2, ReadyByNode: map[string]int{"n1": 1, "n2": 1}},
		}},
	}
	for _, n := range []string{"n1", "n2"} {
		nc := model.NodeConfig{ObjectMeta: cilium(model.KindNodeConfig, n, nil),
			Instances: []model.NodeInstance{{Name: "i", LocalASN: ptr(int64(64512))}},
			Status: []model.NodeInstanceStatus{{Name: "i", Peers: []model.PeerStatus{
				{Name: "rtr4", PeerAddress: "192.168.1.1", PeeringState: "established", EstablishedTime: &established, Timers: &model.PeerTimers{AppliedHoldTimeSeconds: 90, AppliedKeepaliveSeconds: 30}},
				{Name: "rtr6", PeerAddress: "fd00:1::1", PeeringState: "established", EstablishedTime: &established},
			}}}}
		s.BGP.NodeConfigs = append(s.BGP.NodeConfigs, nc)
	}
	s.Routers = []model.RouterView{healthyRouter()}
	for _, name := range []string{model.SourceRouters, model.SourceDiscovery, model.SourceNodes, model.SourceCiliumNodes, model.SourceCiliumConfig, model.SourceDaemonSets,
		model.SourceDeployments, model.SourceServices, model.SourceEndpointSlices, model.SourceNodeConfigs, model.SourceClusterConfigs,
		model.SourcePeerConfigs, model.SourceAdvertisements, model.SourceNodeConfigOverride, model.SourcePools, model.SourceL2Policies, model.SourceHubble, model.SourceAgents, model.SourceAgentRoutes} {
		s.Sources = append(s.Sources, model.SourceStatus{Name: name, Status: model.StatusOK})
	}
	s.Sources = append(s.Sources, model.SourceStatus{Name: model.SourcePeeringPolicies, Status: model.StatusNotInstalled})
	s.Normalize()
	return s
}

// healthyRouter is the FRR router the healthy cluster peers with: every node a
// neighbor, both families negotiated, every prefix received from both nodes where it
// should be, best, and installed (the VIPs with two next hops).
func healthyRouter() model.RouterView {
	r := model.RouterView{Name: "tor", Kind: "frr", Status: model.StatusOK, RouterID: "192.168.1.1", ASN: 64513}
	for _, a := range []string{"192.168.1.11", "192.168.1.12", "fd00:1::11", "fd00:1::12"} {
		r.Neighbors = append(r.Neighbors, model.RouterNeighbor{Address: a, RemoteASN: 64512, LocalASN: 64513, State: "Established", Established: true,
			PrefixesReceived: 2, PrefixesAccepted: 2, Families: []string{"ipv4-unicast", "ipv6-unicast"}, HoldTime: 90, Keepalive: 30,
			ImportFilter: "route-map CILIUM-IN", ExportFilter: "route-map CILIUM-OUT"})
	}
	route := func(p, from string, best bool) {
		r.Routes = append(r.Routes, model.RouterRoute{Prefix: pfx(p), From: from, NextHop: from, Best: best, Valid: true, ASPath: "64512"})
	}
	route("10.42.1.0/24", "192.168.1.11", true)
	route("10.42.2.0/24", "192.168.1.12", true)
	route("198.51.100.10/32", "192.168.1.11", true)
	route("198.51.100.10/32", "192.168.1.12", false)
	route("fd00:42:0:1::/64", "fd00:1::11", true)
	route("fd00:42:0:2::/64", "fd00:1::12", true)
	route("2001:db8:100::10/128", "fd00:1::11", true)
	route("2001:db8:100::10/128", "fd00:1::12", false)
	fib := func(p string, nh ...string) {
		r.FIB = append(r.FIB, model.FIBRoute{Prefix: pfx(p), Protocol: "bgp", NextHops: nh})
	}
	fib("10.42.1.0/24", "192.168.1.11")
	fib("10.42.2.0/24", "192.168.1.12")
	fib("198.51.100.10/32", "192.168.1.11", "192.168.1.12")
	fib("fd00:42:0:1::/64", "fd00:1::11")
	fib("fd00:42:0:2::/64", "fd00:1::12")
	fib("2001:db8:100::10/128", "fd00:1::11", "fd00:1::12")
	return r
}

// agentAdvertising makes n1's agent report what it advertises to the IPv4 router.
func agentAdvertising(s *model.Snapshot, prefixes ...string) {
	a := model.AgentNode{Node: "n1", Status: model.StatusOK}
	for _, p := range prefixes {
		a.Routes = append(a.Routes, model.AgentRoute{Peer: "192.168.1.1", Prefix: pfx(p)})
	}
	s.Agents = append(s.Agents, a)
}

// routerNeighbor returns the router's neighbor entry for addr.
func routerNeighbor(s *model.Snapshot, addr string) *model.RouterNeighbor {
	for i := range s.Routers[0].Neighbors {
		if s.Routers[0].Neighbors[i].Address == addr {
			return &s.Routers[0].Neighbors[i]
		}
	}
	panic("no neighbor " + addr)
}
