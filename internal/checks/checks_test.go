// SPDX-License-Identifier: Apache-2.0

package checks

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/fix"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// cases break the healthy cluster in one way each; every check has at least one, and
// the healthy cluster itself is the negative case of every check.
var cases = []struct {
	id      string
	name    string
	mutate  func(s *model.Snapshot)
	subject string   // substring of the finding's subject
	want    []string // substrings of the message, details or fix commands
	sev     Severity // if set, the expected severity
}{
	// version
	{id: "bgp-cp-not-enabled", name: "flag off", mutate: func(s *model.Snapshot) {
		s.Cilium.Config.EnableBGPControlPlane = ptr(false)
		s.Cilium.Config.Raw["enable-bgp-control-plane"] = "false"
	}, subject: "bgp-control-plane", want: []string{"--set bgpControlPlane.enabled=true", "Cilium ignores them"}},
	{id: "bgp-cp-not-enabled", name: "CRDs missing", mutate: func(s *model.Snapshot) {
		s.BGP.ClusterConfigs = nil
		setStatus(s, model.SourceClusterConfigs, model.StatusNotInstalled)
	}, subject: "bgp-control-plane", want: []string{"no BGP CRD is installed"}},
	{id: "bgpv1-removed-in-1-19", name: "policy on 1.19", mutate: func(s *model.Snapshot) { addPolicy(s, "v1", sel("old", "yes")) },
		subject: "CiliumBGPPeeringPolicy/v1", sev: Error, want: []string{"removed in 1.19", "kind: CiliumBGPClusterConfig", "peerAddress: 192.168.1.1\n", "advertisementType: PodCIDR"}},
	{id: "bgpv1-removed-in-1-19", name: "policy on 1.18", mutate: func(s *model.Snapshot) {
		s.Cilium.Version = "1.18.4"
		addPolicy(s, "v1", sel("old", "yes"))
	}, subject: "CiliumBGPPeeringPolicy/v1", sev: Warning, want: []string{"deprecated"}},
	{id: "bgpv1-removed-in-1-19", name: "unknown version", mutate: func(s *model.Snapshot) {
		s.Cilium.Version = ""
		addPolicy(s, "v1", sel("old", "yes"))
	}, subject: "CiliumBGPPeeringPolicy/v1", sev: Warning, want: []string{"could not be determined"}},
	{id: "v1-and-v2-configured-together", mutate: func(s *model.Snapshot) { addPolicy(s, "v1", sel("bgp", "on")) },
		subject: "Node/n1", want: []string{"BGPv1 policy wins", "kubectl delete ciliumbgppeeringpolicy v1"}},
	{id: "legacy-metallb-bgp-config", name: "leftover beside the control plane", mutate: func(s *model.Snapshot) { s.Cilium.Config.Raw["bgp-announce-lb-ip"] = "true" },
		subject: "bgp-control-plane", sev: Warning, want: []string{"bgp-announce-lb-ip", "--set bgp.enabled=false", "leftovers"}},
	{id: "legacy-metallb-bgp-config", name: "control plane off on 1.19", mutate: func(s *model.Snapshot) {
		s.Cilium.Config.Raw["bgp-announce-lb-ip"] = "true"
		s.Cilium.Config.EnableBGPControlPlane = ptr(false)
	}, subject: "bgp-control-plane", sev: Error, want: []string{"nothing announces these addresses", "--set bgpControlPlane.enabled=true"}},
	{id: "legacy-metallb-bgp-config", name: "Cilium 1.10", mutate: func(s *model.Snapshot) {
		s.Cilium.Version = "1.10.20"
		s.Cilium.Config.Raw["bgp-announce-lb-ip"] = "true"
		s.Cilium.Config.EnableBGPControlPlane = nil
	}, subject: "bgp-control-plane", sev: Info, want: []string{"the only BGP Cilium 1.10.20 has", "upgrade Cilium minor by minor"}},
	{id: "bgp-status-report-disabled", mutate: func(s *model.Snapshot) {
		s.Cilium.Config.EnableBGPControlPlaneStatusReport = ptr(false)
		s.Cilium.Config.Raw["enable-bgp-control-plane-status-report"] = "false"
	}, subject: "bgp-control-plane", want: []string{"statusReport.enabled=true"}},
	{id: "router-id-missing-or-duplicate", name: "duplicate", mutate: func(s *model.Snapshot) {
		s.BGP.NodeConfigs[0].Instances[0].RouterID = "10.0.0.1"
		s.BGP.NodeConfigs[1].Instances[0].RouterID = "10.0.0.1"
	}, subject: "RouterID/10.0.0.1", want: []string{"used by 2 nodes (n1, n2)", "routerID: 192.168.1.12"}},
	{id: "router-id-missing-or-duplicate", name: "IPv6-only before 1.18", mutate: func(s *model.Snapshot) {
		s.Cilium.Version = "1.17.3"
		s.Cilium.Config.EnableIPv4 = ptr(false)
	}, subject: "CiliumBGPNodeConfig/n1", want: []string{"cannot start"}},
	{id: "router-id-missing-or-duplicate", name: "IPv6-only, version unknown", mutate: func(s *model.Snapshot) {
		s.Cilium.Version = ""
		s.Cilium.Config.EnableIPv4 = ptr(false)
	}, subject: "CiliumBGPNodeConfig/n1", sev: Warning, want: []string{"the agent version is unknown"}},
	{id: "address-family-disabled-in-cilium", mutate: func(s *model.Snapshot) { s.Cilium.Config.EnableIPv6 = ptr(false) },
		subject: "Cluster/ipv6", want: []string{"2001:db8:100::/120", "--set ipv6.enabled=true"}},
	{id: "kube-proxy-coexistence", mutate: func(s *model.Snapshot) {
		s.KubeProxy = model.KubeProxy{Present: true, DaemonSet: &model.Workload{Kind: "DaemonSet", Namespace: "kube-system", Name: "kube-proxy", Ready: 2}}
	}, subject: "DaemonSet/kube-system/kube-proxy", want: []string{"kubectl -n kube-system delete daemonset kube-proxy"}},
	// nodes
	{id: "nodeselector-matches-no-node", mutate: func(s *model.Snapshot) { s.BGP.ClusterConfigs[0].NodeSelector = sel("bgp", "yes") },
		subject: "CiliumBGPClusterConfig/cc", want: []string{"selects none of the 2 nodes", "kubectl label node n1 bgp=yes --overwrite"}},
	{id: "nodeselector-matches-no-node", name: "stale condition", mutate: func(s *model.Snapshot) {
		s.BGP.ClusterConfigs[0].Conditions = []metav1.Condition{{Type: "cilium.io/NoMatchingNode", Status: metav1.ConditionTrue, Message: "No node matches"}}
	}, subject: "CiliumBGPClusterConfig/cc", sev: Warning, want: []string{"stale"}},
	{id: "multiple-peering-policies-per-node", mutate: func(s *model.Snapshot) {
		s.BGP.ClusterConfigs = nil
		addPolicy(s, "a", sel("bgp", "on"))
		addPolicy(s, "b", nil)
	}, subject: "Node/n1", want: []string{"selected by 2 CiliumBGPPeeringPolicys (a, b)"}},
	{id: "conflicting-clusterconfigs", mutate: func(s *model.Snapshot) {
		cc := s.BGP.ClusterConfigs[0]
		cc.ObjectMeta = cilium(model.KindClusterConfig, "cc2", nil)
		cc.NodeSelector = nil
		s.BGP.ClusterConfigs = append(s.BGP.ClusterConfigs, cc)
	}, subject: "Node/n2", want: []string{"cc, cc2"}},
	{id: "nodeconfigoverride-name-mismatch", name: "not a node", mutate: func(s *model.Snapshot) {
		s.BGP.NodeConfigOverrides = []model.NodeConfigOverride{{ObjectMeta: cilium(model.KindNodeConfigOverride, "n3", nil), Instances: []model.OverrideInstance{{Name: "i", RouterID: "1.1.1.1"}}}}
	}, subject: "CiliumBGPNodeConfigOverride/n3", want: []string{"not named after any node"}},
	{id: "nodeconfigoverride-name-mismatch", name: "instance and peer names", mutate: func(s *model.Snapshot) {
		s.BGP.NodeConfigOverrides = []model.NodeConfigOverride{{ObjectMeta: cilium(model.KindNodeConfigOverride, "n1", nil), Instances: []model.OverrideInstance{
			{Name: "instance-64512", RouterID: "1.1.1.1"}, {Name: "i", Peers: []model.OverridePeer{{Name: "rtr-4", LocalAddress: "192.168.1.11"}}}}}}
	}, subject: "CiliumBGPNodeConfigOverride/n1", want: []string{`names instance "instance-64512"`}},
	{id: "node-label-near-miss", name: "underscore key", mutate: func(s *model.Snapshot) { s.Nodes[1].Labels = map[string]string{"BGP": "on"} },
		subject: "Node/n2", want: []string{"kubectl label node n2 bgp=on BGP-"}},
	{id: "node-label-near-miss", name: "value True", mutate: func(s *model.Snapshot) {
		s.BGP.ClusterConfigs[0].NodeSelector = sel("bgp-enabled", "true")
		s.Nodes[0].Labels = map[string]string{"bgp-enabled": "true"}
		s.Nodes[1].Labels = map[string]string{"bgp_enabled": "True"}
	}, subject: "Node/n2", want: []string{"kubectl label node n2 bgp-enabled=true bgp_enabled-"}},
	// sessions
	{id: "session-not-established", name: "one node", mutate: func(s *model.Snapshot) { s.BGP.NodeConfigs[1].Status[0].Peers[0].PeeringState = "active" },
		subject: "BGPPeer/n2/i/rtr4", want: []string{"is active", "1. node-not-configured-on-router"}},
	{id: "session-not-established", name: "all nodes, OPEN seen, MD5", mutate: func(s *model.Snapshot) {
		for i := range s.BGP.NodeConfigs {
			s.BGP.NodeConfigs[i].Status[0].Peers[0].PeeringState = "open_confirm"
		}
		s.BGP.PeerConfigs[0].AuthSecretRef = "bgp-pw"
		s.BGP.PeerConfigs[0].Conditions = []metav1.Condition{{Type: "cilium.io/MissingAuthSecret", Status: metav1.ConditionTrue, Message: "secret not found"}}
	}, subject: "BGPPeer/n1/i/rtr4", want: []string{"no node has an established session", "1. md5-secret-missing-or-misplaced", "asn-mismatch"}},
	{id: "session-not-established", name: "the router's side", mutate: func(s *model.Snapshot) {
		s.BGP.NodeConfigs[0].Status[0].Peers[0].PeeringState = "active"
		n := routerNeighbor(s, "192.168.1.11")
		n.Established, n.State, n.LastError = false, "Idle", "OPEN Message Error/Bad Peer AS"
	}, subject: "BGPPeer/n1/i/rtr4", want: []string{"router tor sees neighbor 192.168.1.11 Idle, last error: OPEN Message Error/Bad Peer AS"}},
	{id: "session-not-established", name: "no status", mutate: func(s *model.Snapshot) { s.BGP.NodeConfigs[0].Status = nil },
		subject: "BGPPeer/n1/i/rtr6", sev: Warning, want: []string{"reports no state"}},
	{id: "session-not-established", name: "agent live state, no status", mutate: func(s *model.Snapshot) {
		s.BGP.NodeConfigs[0].Status = nil
		s.Agents = []model.AgentNode{{Node: "n1", Status: model.StatusOK, Peers: []model.AgentPeer{
			{PeerAddress: "192.168.1.1", State: "idle"}, {PeerAddress: "fd00::1", State: "established"}}}}
	}, subject: "BGPPeer/n1/i/rtr4", want: []string{"is idle", "cilium-dbg bgp peers: peer 192.168.1.1 session-state = idle"}},
	{id: "session-not-established", name: "agent does not answer, status reporting off", mutate: func(s *model.Snapshot) {
		s.Cilium.Config.EnableBGPControlPlaneStatusReport = ptr(false)
		s.Agents = []model.AgentNode{{Node: "n1", Status: model.StatusOK, Peers: []model.AgentPeer{
			{PeerAddress: "192.168.1.1", State: "established"}, {PeerAddress: "fd00::1", State: "established"}}},
			{Node: "n2", Status: model.StatusError, Message: "exec: exit status 1"}}
	}, subject: "BGPPeer/n2/i/rtr4", sev: Warning, want: []string{"unknown: the agent did not answer (error: exec: exit status 1)"}},
	// the router's side
	{id: "node-not-configured-on-router", name: "neighbor missing", mutate: func(s *model.Snapshot) {
		s.Routers[0].Neighbors = slices.DeleteFunc(s.Routers[0].Neighbors, func(n model.RouterNeighbor) bool { return n.Address == "192.168.1.12" })
	}, subject: "BGPPeer/n2/i/rtr4", want: []string{"router tor has no neighbor 192.168.1.12", "neighbor 192.168.1.12 remote-as 64512"}},
	{id: "node-not-configured-on-router", name: "IPv4 neighbor joins the IPv4 peer-group", mutate: func(s *model.Snapshot) {
		for i := range s.Routers[0].Neighbors {
			n := &s.Routers[0].Neighbors[i]
			n.PeerGroup = map[bool]string{true: "CILIUM-V6", false: "CILIUM"}[strings.Contains(n.Address, ":")]
		}
		s.Routers[0].Neighbors = slices.DeleteFunc(s.Routers[0].Neighbors, func(n model.RouterNeighbor) bool { return n.Address == "192.168.1.12" })
	}, subject: "BGPPeer/n2/i/rtr4", want: []string{"-c 'neighbor 192.168.1.12 peer-group CILIUM'"}},
	{id: "node-not-configured-on-router", name: "BIRD, other ranges do not cover", mutate: func(s *model.Snapshot) {
		s.Routers[0].Kind = "bird"
		s.Routers[0].Config = "bgp listen range 10.9.0.0/16 peer-group X\n"
		s.Routers[0].Neighbors = slices.DeleteFunc(s.Routers[0].Neighbors, func(n model.RouterNeighbor) bool { return n.Address == "fd00:1::11" })
	}, subject: "BGPPeer/n1/i/rtr6", want: []string{"protocol bgp n1_v6 from cilium6 { neighbor fd00:1::11 as 64512; description \"n1\"; }"}},
	{id: "asn-mismatch", name: "router expects another AS", mutate: func(s *model.Snapshot) {
		n := routerNeighbor(s, "192.168.1.11")
		n.RemoteASN, n.Established, n.State, n.LastError = 64999, false, "Idle", "OPEN Message Error/Bad Peer AS"
	}, subject: "BGPPeer/n1/i/rtr4", want: []string{"expects AS 64999", "Bad Peer AS", "neighbor 192.168.1.11 remote-as 64512"}},
	{id: "asn-mismatch", name: "BIRD expects another AS", mutate: func(s *model.Snapshot) {
		s.Routers[0].Kind = "bird"
		n := routerNeighbor(s, "192.168.1.11")
		n.Name, n.RemoteASN, n.Established, n.State, n.LastError = "n1_v4", 64999, false, "Idle", "Received: Bad peer AS"
	}, subject: "BGPPeer/n1/i/rtr4", want: []string{"expects AS 64999", "protocol bgp n1_v4 from cilium4 { neighbor 192.168.1.11 as 64512; }"}},
	{id: "asn-mismatch", name: "Cilium peers with the wrong AS", mutate: func(s *model.Snapshot) {
		s.BGP.ClusterConfigs[0].Instances[0].Peers[0].PeerASN = ptr(int64(65000))
	}, subject: "BGPPeer/n1/i/rtr4", want: []string{"peers with 192.168.1.1 as AS 65000, router tor is AS 64513"}},
	{id: "frr-ebgp-requires-policy", name: "Policy", mutate: func(s *model.Snapshot) {
		for _, a := range []string{"192.168.1.11", "192.168.1.12"} {
			n := routerNeighbor(s, a)
			n.PolicyBlocked, n.PrefixesAccepted, n.ImportFilter = true, 0, ""
		}
	}, subject: "Router/tor", want: []string{"2 neighbors (192.168.1.11, 192.168.1.12)", "ip prefix-list CILIUM-IN seq", "permit 198.51.100.0/24 ge 32", "permit 10.42.1.0/24'",
		"neighbor 192.168.1.11 route-map CILIUM-IN in", "ipv6 prefix-list CILIUM-IN-V6 seq 10 permit 2001:db8:100::/120 ge 128"}},
	{id: "bird-or-mikrotik-default-deny-filters", name: "import none", mutate: func(s *model.Snapshot) {
		s.Routers[0].Kind = "bird"
		n := routerNeighbor(s, "192.168.1.11")
		n.Name, n.ImportFilter, n.PrefixesAccepted = "n1", "REJECT", 0
	}, subject: "Router/tor", want: []string{"imports nothing from 192.168.1.11", "filter cilium_in", "198.51.100.0/24{32,32}", "birdc configure"}},
	{id: "router-prefix-filter-or-max-prefix", name: "le 24 drops the VIP", mutate: func(s *model.Snapshot) {
		agentAdvertising(s, "10.42.1.0/24", "198.51.100.10/32")
		s.Routers[0].Routes = slices.DeleteFunc(s.Routers[0].Routes, func(r model.RouterRoute) bool {
			return r.From == "192.168.1.11" && r.Prefix.Bits() == 32
		})
		routerNeighbor(s, "192.168.1.11").ImportFilter = "prefix-list PL-IN"
	}, subject: "BGPPeer/n1/i/rtr4", want: []string{"holds 1 of the 2 prefixes node n1 advertises", "not accepted: 198.51.100.10/32", "prefix-list PL-IN", "ge 32"}},
	{id: "bgp-rib-not-in-fib", name: "not installed", mutate: func(s *model.Snapshot) {
		s.Routers[0].FIB = slices.DeleteFunc(s.Routers[0].FIB, func(f model.FIBRoute) bool { return f.Prefix.String() == "10.42.2.0/24" })
	}, subject: "Router/tor", want: []string{"absent from the FIB: 10.42.2.0/24"}},
	{id: "ecmp-not-enabled-or-limit", name: "maximum-paths 1", mutate: func(s *model.Snapshot) {
		s.Routers[0].ECMP = 1
		for i := range s.Routers[0].FIB {
			s.Routers[0].FIB[i].NextHops = s.Routers[0].FIB[i].NextHops[:1]
		}
	}, subject: "Router/tor", want: []string{"198.51.100.10/32: 2 paths, 1 installed", "maximum-paths 16"}},
	{id: "ibgp-split-horizon-next-hop", name: "not a route reflector", mutate: func(s *model.Snapshot) { ibgpFabric(s, false, false, false) },
		subject: "Router/tor", want: []string{"not a route reflector for them: its iBGP neighbor 10.0.0.2 (spine) never receives them",
			"router spine (read too) holds 0 of the 3 cluster prefixes", "-c 'neighbor 192.168.1.11 route-reflector-client'",
			"-c 'address-family ipv6 unicast' -c 'neighbor fd00:1::11 route-reflector-client'", "-c 'neighbor 10.0.0.2 next-hop-self force'"}},
	{id: "ibgp-split-horizon-next-hop", name: "reflected with the node's next hop", mutate: func(s *model.Snapshot) { ibgpFabric(s, true, false, false) },
		subject: "Router/spine", want: []string{"holds 3 cluster routes whose next hop is a node address (192.168.1.11, 192.168.1.12)",
			"-c 'router bgp 64513' -c 'address-family ipv4 unicast' -c 'neighbor 10.0.0.2 next-hop-self force'"}},
	{id: "address-family-not-negotiated", name: "router negotiated IPv4 only", mutate: func(s *model.Snapshot) {
		routerNeighbor(s, "192.168.1.12").Families = []string{"ipv4-unicast"}
	}, subject: "BGPPeer/n2/i/rtr4", want: []string{"router tor did not negotiate ipv6-unicast with node n2", "address-family ipv6 unicast' -c 'neighbor 192.168.1.12 activate'"}},
	{id: "timers-too-aggressive-or-unacceptable", name: "router negotiated a lower hold", mutate: func(s *model.Snapshot) {
		for i := range s.BGP.NodeConfigs {
			s.BGP.NodeConfigs[i].Status[0].Peers[0].Timers = nil
		}
		routerNeighbor(s, "192.168.1.11").HoldTime = 30
	}, subject: "BGPPeer/n1/i/rtr4", sev: Info, want: []string{"router tor runs the session with node n1 with hold time 30 s, Cilium is configured for 90 s"}},
	{id: "bfd-required-by-router", name: "bfd on the neighbor", mutate: func(s *model.Snapshot) { routerNeighbor(s, "192.168.1.12").BFD = true },
		subject: "BGPPeer/n2/i/rtr4", want: []string{"runs BFD with 192.168.1.12", "no neighbor 192.168.1.12 bfd"}},
	{id: "timers-too-aggressive-or-unacceptable", name: "3/1", mutate: func(s *model.Snapshot) {
		s.BGP.PeerConfigs[0].Timers = &model.Timers{HoldTimeSeconds: ptr(int32(3)), KeepAliveTimeSeconds: ptr(int32(2))}
	}, subject: "CiliumBGPPeerConfig/pc", want: []string{"below 9 s", "more than a third", `"holdTimeSeconds":9`}},
	{id: "timers-too-aggressive-or-unacceptable", name: "router imposed", mutate: func(s *model.Snapshot) {
		s.BGP.NodeConfigs[0].Status[0].Peers[0].Timers.AppliedHoldTimeSeconds = 30
	}, subject: "BGPPeer/n1/i/rtr4", sev: Info, want: []string{"hold time 30 s, configured 90 s"}},
	{id: "reconcile-error-tears-down-router", name: "NotIn without values", mutate: func(s *model.Snapshot) {
		addPolicy(s, "v1", sel("old", "yes"))
		s.BGP.PeeringPolicies[0].VirtualRouters[0].ServiceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpNotIn}}}
	}, subject: "CiliumBGPPeeringPolicy/v1", want: []string{"shut the whole virtual router down", "values set can't be empty"}},
	{id: "reconcile-error-tears-down-router", name: "condition", mutate: func(s *model.Snapshot) {
		s.BGP.NodeConfigs[0].Conditions = []metav1.Condition{{Type: "cilium.io/BGPReconcileError", Status: metav1.ConditionTrue, Reason: "ReconcileError", Message: "boom"}}
	}, subject: "CiliumBGPNodeConfig/n1", want: []string{"reconcile error: boom"}},
	// advertisements
	{id: "advert-label-selector-mismatch", name: "family selects nothing", mutate: func(s *model.Snapshot) {
		s.BGP.PeerConfigs[0].Families[1].Advertisements = sel("advertise", "bgp6")
	}, subject: "CiliumBGPPeerConfig/pc", want: []string{"family ipv6/unicast", "kubectl label ciliumbgpadvertisement adv advertise=bgp6 --overwrite"}},
	{id: "advert-label-selector-mismatch", name: "no advertisement at all", mutate: func(s *model.Snapshot) { s.BGP.Advertisements = nil },
		subject: "CiliumBGPPeerConfig/pc", want: []string{"there is no CiliumBGPAdvertisement at all", "kind: CiliumBGPAdvertisement", "name: bgp-advertisements", "advertise: bgp", "advertisementType: PodCIDR"}},
	{id: "advert-label-selector-mismatch", name: "advertisement selected by nothing", mutate: func(s *model.Snapshot) {
		s.BGP.Advertisements = append(s.BGP.Advertisements, model.Advertisement{ObjectMeta: cilium(model.KindAdvertisement, "extra", map[string]string{"advertise": "bgp2"}),
			Advertisements: []model.AdvertisementEntry{{Type: "PodCIDR"}}})
	}, subject: "CiliumBGPAdvertisement/extra", sev: Warning, want: []string{"selected by no PeerConfig family"}},
	{id: "peerconfig-missing-or-no-advertisements", name: "no ref", mutate: func(s *model.Snapshot) { s.BGP.ClusterConfigs[0].Instances[0].Peers[1].PeerConfigRef = nil },
		subject: "CiliumBGPClusterConfig/cc", sev: Warning, want: []string{"no peerConfigRef", `"path":"/spec/bgpInstances/0/peers/1/peerConfigRef"`}},
	{id: "peerconfig-missing-or-no-advertisements", name: "missing", mutate: func(s *model.Snapshot) {
		s.BGP.ClusterConfigs[0].Instances[0].Peers[0].PeerConfigRef = &model.PeerConfigRef{Name: "pcc"}
	}, subject: "CiliumBGPClusterConfig/cc", sev: Error, want: []string{"pcc, which does not exist", `"value":"pc"`, "name: pcc"}},
	{id: "peerconfig-missing-or-no-advertisements", name: "family without selector", mutate: func(s *model.Snapshot) { s.BGP.PeerConfigs[0].Families[0].Advertisements = nil },
		subject: "CiliumBGPPeerConfig/pc", want: []string{"no advertisements selector"}},
	{id: "service-advert-missing-selector", mutate: func(s *model.Snapshot) { s.BGP.Advertisements[0].Advertisements[1].Selector = nil },
		subject: "CiliumBGPAdvertisement/adv", want: []string{"selects no Service", "never-used-value"}},
	{id: "service-not-matched-by-advert", mutate: func(s *model.Snapshot) { s.Services[0].Labels = map[string]string{"announce": "no"} },
		subject: "Service/web/app", want: []string{"not announced", "kubectl label service app -n web announce=yes --overwrite"}},
	{id: "podcidr-advert-unsupported-ipam", mutate: func(s *model.Snapshot) { s.Cilium.Config.IPAM = "multi-pool" },
		subject: "Cluster/ipam", want: []string{`IPAM mode "multi-pool"`, "advertisementType: CiliumPodIPPool"}},
	{id: "loadbalancerclass-mismatch", mutate: func(s *model.Snapshot) { s.Services[0].LoadBalancerClass = ptr("metallb") },
		subject: "Service/web/app", want: []string{`loadBalancerClass "metallb"`, "kubectl replace --force"}},
	{id: "loadbalancerclass-mismatch", name: "node IPAM", mutate: func(s *model.Snapshot) { s.Services[0].LoadBalancerClass = ptr("io.cilium/node") },
		subject: "Service/web/app", sev: Info, want: []string{"node IPAM"}},
	{id: "etp-local-withdrawal", name: "no BGP node", mutate: func(s *model.Snapshot) {
		s.Services[0].ExternalTrafficPolicy = "Local"
		s.Services[0].Endpoints.ReadyByNode = map[string]int{"n3": 2}
	}, subject: "Service/web/app", sev: Error, want: []string{"advertised by no node", `"externalTrafficPolicy":"Cluster"`}},
	{id: "etp-local-withdrawal", name: "no ready endpoint", mutate: func(s *model.Snapshot) {
		s.Services[0].ExternalTrafficPolicy = "Local"
		s.Services[0].Endpoints = model.ServiceEndpoints{}
	}, subject: "Service/web/app", sev: Error, want: []string{"withdrawn from every node"}},
	{id: "etp-local-withdrawal", name: "some off", mutate: func(s *model.Snapshot) {
		s.Services[0].ExternalTrafficPolicy = "Local"
		s.Services[0].Endpoints.ReadyByNode["n3"] = 1
	}, subject: "Service/web/app", sev: Warning, want: []string{"n3 (1)"}},
	{id: "wrong-service-address-type", name: "externalIPs not announced", mutate: func(s *model.Snapshot) {
		s.Services = append(s.Services, model.Service{ObjectMeta: model.ObjectMeta{Kind: model.KindService, Namespace: "web", Name: "ext", Labels: map[string]string{"announce": "yes"}},
			Type: "ClusterIP", ExternalIPs: []string{"192.0.2.7"}})
	}, subject: "Service/web/ext", want: []string{"does not announce ExternalIP", `"path":"/spec/advertisements/1/service/addresses/-"`}},
	{id: "wrong-service-address-type", name: "ClusterIP without external access", mutate: func(s *model.Snapshot) {
		s.BGP.Advertisements[0].Advertisements[1].Service.Addresses = append(s.BGP.Advertisements[0].Advertisements[1].Service.Addresses, "ClusterIP")
	}, subject: "CiliumBGPAdvertisement/adv", want: []string{"bpf.lbExternalClusterIP=true"}},
	// LB-IPAM
	{id: "lbipam-no-matching-pool", mutate: func(s *model.Snapshot) {
		s.Pools[0].ServiceSelector = sel("pool", "a")
		s.Services[0].Ingress = nil
	}, subject: "Service/web/app", want: []string{"no enabled CiliumLoadBalancerIPPool", "kubectl label service app -n web pool=a"}},
	{id: "lbipam-pool-exhausted", name: "full", mutate: func(s *model.Snapshot) {
		s.Pools[0].Blocks = []model.PoolBlock{{CIDR: ptr(pfx("198.51.100.10/32"))}}
		s.Services[0].Ingress = []model.IngressIP{{IP: "198.51.100.10"}}
	}, subject: "CiliumLoadBalancerIPPool/pool", sev: Error, want: []string{"no free address (1 of 1 used)"}},
	{id: "lbipam-pool-exhausted", name: "condition", mutate: func(s *model.Snapshot) {
		s.Pools[0].Conditions = []metav1.Condition{{Type: "cilium.io/IPsAvailable", Status: metav1.ConditionUnknown, Message: "0"}}
	}, subject: "CiliumLoadBalancerIPPool/pool", want: []string{"IPsAvailable"}},
	{id: "lbipam-pool-exhausted", name: "90 % used", mutate: func(s *model.Snapshot) {
		s.Pools[0].Blocks = []model.PoolBlock{{Start: ptr(addr("198.51.100.10")), Stop: ptr(addr("198.51.100.19"))}}
		s.Services[0].Ingress = nil
		for i := 10; i < 19; i++ {
			s.Services[0].Ingress = append(s.Services[0].Ingress, model.IngressIP{IP: fmt.Sprintf("198.51.100.%d", i)})
		}
	}, subject: "CiliumLoadBalancerIPPool/pool", sev: Warning, want: []string{"9 of 10"}},
	{id: "lbipam-pool-conflict", name: "computed", mutate: func(s *model.Snapshot) {
		s.Pools = append(s.Pools, model.LBPool{ObjectMeta: cilium(model.KindLBPool, "other", nil), Blocks: []model.PoolBlock{{CIDR: ptr(pfx("198.51.100.128/25"))}}})
	}, subject: "CiliumLoadBalancerIPPool/", want: []string{"overlaps block"}},
	{id: "lbipam-pool-conflict", name: "split the later pool", mutate: func(s *model.Snapshot) {
		later := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		om := cilium(model.KindLBPool, "other", nil)
		om.CreationTimestamp = &later
		s.Pools = append(s.Pools, model.LBPool{ObjectMeta: om, Blocks: []model.PoolBlock{{Start: ptr(netip.MustParseAddr("198.51.100.250")), Stop: ptr(netip.MustParseAddr("198.51.101.5"))}}})
	}, subject: "CiliumLoadBalancerIPPool/other", want: []string{"overlaps block", `"op":"replace","path":"/spec/blocks","value":[{"start":"198.51.101.0","stop":"198.51.101.5"}]`}},
	{id: "lbipam-pool-conflict", name: "condition only", mutate: func(s *model.Snapshot) {
		s.Pools[0].Conditions = []metav1.Condition{{Type: "io.cilium/conflict", Status: metav1.ConditionTrue, Reason: "cidr_overlap", Message: "overlaps"}}
	}, subject: "CiliumLoadBalancerIPPool/pool", want: []string{"marks pool pool conflicting"}},
	{id: "lbipam-pool-disabled", mutate: func(s *model.Snapshot) {
		s.Pools[0].Disabled = true
		s.Services[0].Ingress = nil
	}, subject: "CiliumLoadBalancerIPPool/pool", sev: Error, want: []string{"only pool for 1 pending Service", `"disabled":false`}},
	{id: "lbipam-pool-disabled", name: "nobody waits", mutate: func(s *model.Snapshot) { s.Pools[0].Disabled = true },
		subject: "CiliumLoadBalancerIPPool/pool", sev: Info, want: []string{"pool pool is disabled"}},
	{id: "lbipam-first-last-ip", name: "unset", mutate: func(s *model.Snapshot) { s.Pools[0].AllowFirstLastIPs = "" },
		subject: "CiliumLoadBalancerIPPool/pool", sev: Info, want: []string{"first and last address"}},
	{id: "lbipam-first-last-ip", name: "network address handed out", mutate: func(s *model.Snapshot) {
		s.Pools[0].AllowFirstLastIPs = "Yes"
		s.Services[0].Ingress = []model.IngressIP{{IP: "198.51.100.0"}}
	}, subject: "CiliumLoadBalancerIPPool/pool", sev: Warning, want: []string{"gave out 198.51.100.0"}},
	{id: "lbipam-requested-ip-unsatisfied", mutate: func(s *model.Snapshot) {
		s.Services[0].Annotations = map[string]string{"lbipam.cilium.io/ips": "203.0.113.9"}
	}, subject: "Service/web/app", want: []string{"203.0.113.9, which lies in no pool"}},
	{id: "lbipam-dual-stack-policy", mutate: func(s *model.Snapshot) {
		s.Services[0].IPFamilyPolicy = "RequireDualStack"
		s.Pools[0].Blocks = s.Pools[0].Blocks[:1]
	}, subject: "Service/web/app", sev: Error, want: []string{"IPv6 is not available"}},
	{id: "operator-not-reconciling-bgp", name: "operator down", mutate: func(s *model.Snapshot) {
		s.Cilium.Operator = &model.Workload{Kind: "Deployment", Namespace: "kube-system", Name: "cilium-operator", Desired: 2, Ready: 0}
		s.BGP.NodeConfigs = s.BGP.NodeConfigs[:1]
	}, subject: "Deployment/kube-system/cilium-operator", sev: Error, want: []string{"0 of 2 replicas ready", "1 selected node without one", "operator.replicas=2"}},
	{id: "operator-not-reconciling-bgp", name: "NodeConfig missing", mutate: func(s *model.Snapshot) {
		s.BGP.NodeConfigs = s.BGP.NodeConfigs[:1]
	}, subject: "bgp-control-plane", want: []string{"1 node selected by a CiliumBGPClusterConfig has no CiliumBGPNodeConfig (n2)", "no cilium-operator Deployment was found"}},
	{id: "lbipam-sharing-key-not-shared", name: "port clash", mutate: func(s *model.Snapshot) {
		s.Services[0].Annotations = map[string]string{"lbipam.cilium.io/sharing-key": "web"}
		other := s.Services[0]
		other.Name, other.Ingress = "app2", []model.IngressIP{{IP: "198.51.100.11"}}
		s.Services = append(s.Services, other)
	}, subject: "Service/web/app", want: []string{`share sharing-key "web" but hold different addresses`, "port TCP/443 is used by both web/app and web/app2"}},
	{id: "lbipam-sharing-key-not-shared", name: "other namespace, legacy key", mutate: func(s *model.Snapshot) {
		s.Services[0].Annotations = map[string]string{"lbipam.cilium.io/sharing-key": "web"}
		other := s.Services[0]
		other.Namespace, other.Name, other.Ingress = "shop", "front", []model.IngressIP{{IP: "198.51.100.12"}}
		other.Ports = []model.ServicePort{{Protocol: "TCP", Port: 80}}
		other.Annotations = map[string]string{"io.cilium/lb-ipam-sharing-key": "web"}
		s.Services = append(s.Services, other)
	}, want: []string{"does not allow sharing with namespace shop", "annotate service front lbipam.cilium.io/sharing-key=web io.cilium/lb-ipam-sharing-key-"}},
	{id: "ebgp-multihop-missing", name: "route server behind a router", mutate: func(s *model.Snapshot) {
		s.BGP.ClusterConfigs[0].Instances[0].Peers[0].PeerAddress = "10.99.0.1"
		for i := range s.BGP.NodeConfigs {
			s.BGP.NodeConfigs[i].Status[0].Peers[0].PeerAddress, s.BGP.NodeConfigs[i].Status[0].Peers[0].PeeringState = "10.99.0.1", "active"
		}
	}, subject: "BGPPeer/n1/i/rtr4", want: []string{"eBGP peer 10.99.0.1 (AS 64513) is not on node n1's subnet", `"spec":{"ebgpMultihop":4}`, "neighbor 192.168.1.11 ebgp-multihop 4"}},
	{id: "md5-secret-missing-or-misplaced", name: "secret not found", mutate: func(s *model.Snapshot) {
		s.Cilium.Version = "1.20.2"
		s.Cilium.Config.BGPSecretsNamespace = "kube-system"
		s.BGP.PeerConfigs[0].AuthSecretRef = "bgp-auth"
		s.BGP.PeerConfigs[0].Conditions = []metav1.Condition{{Type: "cilium.io/MissingAuthSecret", Status: metav1.ConditionTrue, Message: "Referenced auth secret \"bgp-auth\" is missing"}}
	}, subject: "CiliumBGPPeerConfig/pc", sev: Error, want: []string{`authSecretRef "bgp-auth", which the operator cannot find in kube-system`, "create secret generic bgp-auth"}},
	{id: "md5-secret-missing-or-misplaced", name: "1.19.2 false positive", mutate: func(s *model.Snapshot) {
		s.Cilium.Version = "1.19.2"
		s.Cilium.Config.BGPSecretsNamespace = "kube-system"
		s.BGP.PeerConfigs[0].AuthSecretRef = "bgp-auth"
		s.BGP.PeerConfigs[0].Conditions = []metav1.Condition{{Type: "cilium.io/MissingAuthSecret", Status: metav1.ConditionTrue}}
	}, sev: Warning, want: []string{"#45435"}},
	{id: "md5-secret-missing-or-misplaced", name: "no secrets namespace", mutate: func(s *model.Snapshot) {
		s.BGP.PeerConfigs[0].AuthSecretRef = "bgp-auth"
	}, subject: "CiliumBGPPeerConfig/pc", want: []string{"bgp-secrets-namespace is not set", "bgpControlPlane.secretsNamespace.name=kube-system"}},
	{id: "path-attributes-not-effective", name: "local-pref to eBGP", mutate: func(s *model.Snapshot) {
		s.BGP.Advertisements[0].Advertisements[1].Attributes = &model.Attributes{LocalPreference: ptr(int64(200))}
	}, subject: "CiliumBGPAdvertisement/adv", want: []string{"sets local preference 200", "n1/rtr4", "set local-preference 200"}},
	{id: "overlapping-advertisements-pre-1-18", name: "two advertisements, 1.17", mutate: func(s *model.Snapshot) {
		s.Cilium.Version = "1.17.6"
		second := s.BGP.Advertisements[0]
		second.Name = "adv-communities"
		second.Advertisements = []model.AdvertisementEntry{{Type: "Service", Service: &model.ServiceAdvertisement{Addresses: []string{"LoadBalancerIP"}},
			Selector: sel("announce", "yes"), Attributes: &model.Attributes{Communities: &model.Communities{Standard: []string{"64512:100"}}}}}
		s.BGP.Advertisements = append(s.BGP.Advertisements, second)
	}, subject: "advertisements", want: []string{"1 Service (web/app) is selected by the advertisements adv[1], adv-communities[0]", "before 1.18"}},
	{id: "privileged-localport-without-cap", name: "localPort 179", mutate: func(s *model.Snapshot) {
		s.Cilium.Agent.Capabilities = []string{"NET_ADMIN", "NET_RAW"}
		s.BGP.NodeConfigs[0].Instances[0].LocalPort = ptr(int32(179))
	}, subject: "Node/n1", sev: Error, want: []string{"listens for BGP on i:179", "NET_BIND_SERVICE}"}},
	{id: "privileged-localport-without-cap", name: "v2alpha1 transport", mutate: func(s *model.Snapshot) {
		s.BGP.PeerConfigs[0].Transport = &model.Transport{LocalPort: ptr(int32(179))}
	}, subject: "CiliumBGPPeerConfig/pc", want: []string{"transport.localPort 179"}},
	{id: "competing-lb-ipam-controllers", name: "k3s", mutate: func(s *model.Snapshot) {
		s.LBControllers = []model.Workload{{Kind: "DaemonSet", Namespace: "kube-system", Name: "svclb-app-1234"}}
	}, subject: "DaemonSet/kube-system/svclb-app-1234", want: []string{"k3s ServiceLB", "disable: [servicelb]"}},
	{id: "competing-lb-ipam-controllers", name: "foreign IP", mutate: func(s *model.Snapshot) {
		s.Services[0].Ingress = []model.IngressIP{{IP: "203.0.113.50"}}
	}, subject: "Service/web/app", want: []string{"lies in no CiliumLoadBalancerIPPool"}},
	{id: "competing-lb-ipam-controllers", name: "default-lb-service-ipam", mutate: func(s *model.Snapshot) { s.Cilium.Config.DefaultLBServiceIP = "nodeipam" },
		subject: "Cluster/lb-ipam", sev: Info, want: []string{`default-lb-service-ipam is "nodeipam"`}},
	{id: "lb-pool-overlaps-connected-subnet", mutate: func(s *model.Snapshot) {
		s.Pools[0].Blocks = []model.PoolBlock{{CIDR: ptr(pfx("192.168.1.240/28"))}}
		s.Services[0].Ingress = []model.IngressIP{{IP: "192.168.1.241"}}
	}, subject: "CiliumLoadBalancerIPPool/pool", want: []string{"192.168.1.0/24", "web/app"}},
	// L2
	{id: "l2-prerequisites-missing", mutate: func(s *model.Snapshot) { addL2(s, true) },
		subject: "Cluster/l2-announcements", want: []string{"enable-l2-announcements"}},
	{id: "l2-policy-not-matching", name: "announces nothing", mutate: func(s *model.Snapshot) { addL2(s, false) },
		subject: "CiliumL2AnnouncementPolicy/l2", want: []string{"announces nothing", `"loadBalancerIPs":true`}},
	{id: "l2-policy-not-matching", name: "no node", mutate: func(s *model.Snapshot) {
		addL2(s, true)
		s.L2Policies[0].NodeSelector = sel("l2", "yes")
	}, subject: "CiliumL2AnnouncementPolicy/l2", want: []string{"selects no node"}},
	{id: "l2-etp-local-incompatible", mutate: func(s *model.Snapshot) {
		addL2(s, true)
		s.Services[0].ExternalTrafficPolicy = "Local"
	}, subject: "Service/web/app", want: []string{"lease may have none of its backends"}},
	{id: "l2-ipv6-ndp-gaps", name: "before 1.19", mutate: func(s *model.Snapshot) {
		addL2(s, true)
		s.Cilium.Version = "1.18.2"
	}, subject: "Service/web/app", sev: Error, want: []string{"arrived in 1.19"}},
	{id: "l2-ipv6-ndp-gaps", name: "NDP off", mutate: func(s *model.Snapshot) { addL2(s, true) },
		subject: "Service/web/app", sev: Error, want: []string{"enable-ipv6-ndp", "--set-string extraConfig.enable-ipv6-ndp=true"}},
	// live state
	{id: "l2-ipv6-ndp-gaps", name: "NDP off, version unknown", mutate: func(s *model.Snapshot) {
		addL2(s, true)
		s.Cilium.Version = ""
	}, subject: "Service/web/app", sev: Warning, want: []string{"the agent version is unknown"}},
	{id: "cilium-does-not-install-learned-routes", mutate: func(s *model.Snapshot) {
		s.BGP.NodeConfigs[0].Status[0].Peers[0].RouteCount = []model.RouteCount{{AFI: "ipv4", SAFI: "unicast", Received: 3, Advertised: 2}}
	}, subject: "Cluster/bgp-control-plane", sev: Warning, want: []string{"node n1, peer rtr4: 3 routes received", "depends on the router routing the PodCIDRs"}},
	{id: "advertisement-mismatch", mutate: func(s *model.Snapshot) {
		s.Agents = []model.AgentNode{{Node: "n1", Pod: "cilium-abc", Status: model.StatusOK, Routes: []model.AgentRoute{
			{Peer: "192.168.1.1", Prefix: pfx("10.42.1.0/24")}, {Peer: "192.168.1.1", Prefix: pfx("203.0.113.1/32")}}}}
	}, subject: "BGPPeer/n1/i/rtr4", want: []string{"198.51.100.10/32 — Service web/app (advertisement adv)", "advertised but not expected: 203.0.113.1/32",
		"kubectl -n kube-system delete pod cilium-abc"}},
	{id: "address-family-not-negotiated", mutate: func(s *model.Snapshot) {
		s.Agents = []model.AgentNode{{Node: "n1", Status: model.StatusOK, Peers: []model.AgentPeer{{Instance: "i", Name: "rtr4", PeerAddress: "192.168.1.1",
			State: "established", RemoteCapabilities: []string{"multiprotocol ipv4-unicast", "route-refresh"}}}}}
	}, subject: "BGPPeer/n1/i/rtr4", want: []string{"did not negotiate ipv6-unicast", "address-family ipv6 unicast"}},
	{id: "etp-local-advertised-without-endpoint", mutate: func(s *model.Snapshot) {
		s.Services[0].ExternalTrafficPolicy = "Local"
		s.Services[0].Endpoints.ReadyByNode = map[string]int{"n2": 1}
		s.Agents = []model.AgentNode{{Node: "n1", Status: model.StatusOK, Routes: []model.AgentRoute{{Peer: "192.168.1.1", Prefix: pfx("198.51.100.10/32")}}}}
	}, subject: "Service/web/app", want: []string{"node n1 advertises 198.51.100.10/32", "endpoints[ready].nodeName = n2"}},
	// observability
	{id: "hubble-relay-unavailable", name: "not installed", mutate: func(s *model.Snapshot) {
		setStatus(s, model.SourceHubble, model.StatusNotInstalled)
	}, subject: "Cluster/hubble", sev: Info, want: []string{"hubble-relay is not installed", "--set hubble.relay.enabled=true"}},
	{id: "hubble-relay-unavailable", name: "unreachable", mutate: func(s *model.Snapshot) { setStatus(s, model.SourceHubble, model.StatusTimeout) },
		subject: "Cluster/hubble", sev: Warning, want: []string{"could not be read (timeout"}},
	{id: "drop-service-backend-not-found", mutate: func(s *model.Snapshot) {
		s.Flows = []model.Flow{drop("198.51.100.10", "ICMPv4", 0, "SERVICE_BACKEND_NOT_FOUND"), drop("198.51.100.10", "TCP", 8443, "SERVICE_BACKEND_NOT_FOUND"),
			drop("198.51.100.10", "TCP", 443, "SERVICE_BACKEND_NOT_FOUND")}
	}, subject: "Service/web/app", sev: Error, want: []string{"3 SERVICE_BACKEND_NOT_FOUND drops", "1 of them are ICMP", "ports the Service does not expose (it has TCP/443)",
		"go to a Service port", "kubectl bgpnet flows web/app --verdict dropped --follow"}},
	{id: "drop-policy-denied", mutate: func(s *model.Snapshot) { s.Flows = []model.Flow{drop("2001:db8:100::10", "TCP", 443, "POLICY_DENIED")} },
		subject: "Service/web/app", want: []string{"1 POLICY_DENIED drops"}},
	{id: "drop-ct-map-insertion-failed", mutate: func(s *model.Snapshot) {
		s.Flows = []model.Flow{drop("198.51.100.10", "TCP", 443, "CT_MAP_INSERTION_FAILED")}
	},
		subject: "Service/web/app", sev: Warning, want: []string{"CT_MAP_INSERTION_FAILED"}},
	{id: "drop-fib-lookup-failed-unroutable", mutate: func(s *model.Snapshot) {
		s.Flows = []model.Flow{drop("198.51.100.10", "TCP", 443, "FIB_LOOKUP_FAILED")}
	},
		subject: "Service/web/app", want: []string{"FIB_LOOKUP_FAILED"}},
	{id: "hubble-drop-summary", mutate: func(s *model.Snapshot) {
		s.Flows = []model.Flow{drop("198.51.100.10", "TCP", 443, "FIB_LOOKUP_FAILED"), drop("198.51.100.10", "UDP", 53, "UNSUPPORTED_L3_PROTOCOL")}
	}, subject: "Service/web/app", sev: Info, want: []string{"2 drops towards web/app", "FIB_LOOKUP_FAILED 1, UNSUPPORTED_L3_PROTOCOL 1"}},
	// datapath
	{id: "native-routing-cidr-masquerade", name: "missing IPv4", mutate: func(s *model.Snapshot) { s.Cilium.Config.IPv4NativeRoutingCIDR = nil },
		subject: "Cluster/masquerading", sev: Error, want: []string{"refuses to start", "--set ipv4NativeRoutingCIDR=10.42.0.0/22"}},
	{id: "native-routing-cidr-masquerade", name: "too narrow", mutate: func(s *model.Snapshot) {
		s.Cilium.Config.IPv4NativeRoutingCIDR = ptr(pfx("10.42.1.0/24"))
	}, subject: "Cluster/masquerading", sev: Warning, want: []string{"10.42.2.0/24 (n2)"}},
	{id: "no-return-route-without-masquerade", mutate: func(s *model.Snapshot) {
		s.Cilium.Config.EnableIPv6Masquerade = ptr(false)
		s.BGP.Advertisements[0].Advertisements = s.BGP.Advertisements[0].Advertisements[1:]
	}, subject: "Cluster/masquerading", want: []string{"fd00:42:0:1::/64", "--set enableIPv6Masquerade=true"}},
	{id: "mtu-overhead-dsr-tunnel-pmtu", name: "opt + UDP", mutate: func(s *model.Snapshot) {
		s.Cilium.Config.BPFLBMode = "dsr"
		s.Services[0].Ports = append(s.Services[0].Ports, model.ServicePort{Protocol: "UDP", Port: 443})
	}, subject: "Cluster/load-balancer", want: []string{"24 bytes to every UDP datagram", "web/app UDP/443", "loadBalancer.mode=hybrid"}},
	{id: "mtu-overhead-dsr-tunnel-pmtu", name: "geneve", mutate: func(s *model.Snapshot) {
		s.Cilium.Config.BPFLBMode = "dsr"
		s.Cilium.Config.BPFLBDSRDispatch = "geneve"
		s.Cilium.Config.MTU = ptr(1500)
	}, subject: "Cluster/load-balancer", want: []string{"geneve dispatch adds 82 bytes to every packet", "at least 1582"}},
	{id: "ipv6-pods-on-lan-need-ndp", mutate: func(s *model.Snapshot) { s.Nodes[0].PodCIDRs[1] = pfx("fd00:1::/64") },
		subject: "Node/n1", want: []string{"inside its own on-link prefix fd00:1::/64"}},
	{id: "icmp-or-unknown-port-to-lb-vip", mutate: func(s *model.Snapshot) {},
		subject: "Cluster/load-balancer", sev: Info, want: []string{"198.51.100.10 (web/app) answers TCP/443 only", "dropped (1.19+"}},
	{id: "auto-direct-node-routes-across-l3", mutate: func(s *model.Snapshot) {
		s.Cilium.Config.AutoDirectNodeRoutes = ptr(true)
		s.Nodes[1].InternalIPs[0] = addr("192.168.2.12")
	}, subject: "Cluster/routing", want: []string{"2 subnets", "directRoutingSkipUnreachable=true"}},
}

func drop(dst, proto string, port uint32, reason string) model.Flow {
	return model.Flow{Verdict: "DROPPED", DropReason: reason, Source: "203.0.113.9", SourcePort: 40000, Destination: dst, DestinationPort: port, Protocol: proto, Node: "n1"}
}

func setStatus(s *model.Snapshot, name string, st model.Status) {
	for i := range s.Sources {
		if s.Sources[i].Name == name {
			s.Sources[i].Status = st
		}
	}
}

func addPolicy(s *model.Snapshot, name string, nodeSel *metav1.LabelSelector) {
	setStatus(s, model.SourcePeeringPolicies, model.StatusOK)
	s.BGP.PeeringPolicies = append(s.BGP.PeeringPolicies, model.PeeringPolicy{
		ObjectMeta:   model.ObjectMeta{APIVersion: "cilium.io/v2alpha1", Kind: model.KindPeeringPolicy, Name: name},
		NodeSelector: nodeSel,
		VirtualRouters: []model.VirtualRouter{{LocalASN: 64512, ExportPodCIDR: ptr(true), Neighbors: []model.Neighbor{
			{PeerAddress: "192.168.1.1/32", PeerASN: 64513, HoldTimeSeconds: ptr(int32(9)), KeepAliveTimeSeconds: ptr(int32(3))}}}},
	})
}

func addL2(s *model.Snapshot, lbIPs bool) {
	s.L2Policies = append(s.L2Policies, model.L2Policy{ObjectMeta: cilium(model.KindL2Policy, "l2", nil), LoadBalancerIPs: lbIPs, ServiceSelector: sel("announce", "yes")})
}

// findingText is everything a user reads of a finding.
func findingText(f Finding) string {
	parts := append([]string{f.Message}, f.Details...)
	for _, e := range f.Evidence {
		parts = append(parts, e.Field+" = "+e.Observed)
	}
	for _, p := range f.Fixes {
		parts = append(parts, p.Commands...)
		parts = append(parts, p.YAML())
	}
	return strings.Join(parts, "\n")
}

func TestHealthyClusterHasNoWarnings(t *testing.T) {
	res := Run(healthy(), All())
	for _, f := range res.Findings {
		if f.Severity.Rank() >= Warning.Rank() {
			t.Errorf("healthy cluster: %s %s: %s", f.ID, f.Subject, f.Message)
		}
	}
	if len(res.Skipped) != 0 {
		t.Errorf("healthy cluster skipped checks: %+v", res.Skipped)
	}
}

func TestChecks(t *testing.T) {
	for _, tc := range cases {
		c, ok := Lookup(tc.id)
		if !ok {
			t.Fatalf("no check %s", tc.id)
		}
		t.Run(tc.id+"/"+tc.name, func(t *testing.T) {
			// negative: the healthy cluster has no finding of this check (the ICMP
			// information needs VIPs: without them it must stay silent too)
			base := healthy()
			if tc.id == "icmp-or-unknown-port-to-lb-vip" {
				base.Services = nil
			}
			if fs := Run(base, []Check{c}).Findings; len(fs) != 0 {
				t.Fatalf("healthy cluster: unexpected finding %s: %s", fs[0].Subject, fs[0].Message)
			}
			s := healthy()
			tc.mutate(s)
			s.Normalize()
			res := Run(s, []Check{c})
			if len(res.Skipped) > 0 {
				t.Fatalf("skipped: %s", res.Skipped[0].Reason)
			}
			var hit *Finding
			for i, f := range res.Findings {
				if strings.Contains(f.Subject.String(), tc.subject) {
					hit = &res.Findings[i]
					break
				}
			}
			if hit == nil {
				t.Fatalf("no finding about %q; got %s", tc.subject, describe(res.Findings))
			}
			if tc.sev != "" && hit.Severity != tc.sev {
				t.Errorf("severity %s, want %s", hit.Severity, tc.sev)
			}
			text := findingText(*hit)
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("finding lacks %q:\n%s", w, text)
				}
			}
			if hit.ID != tc.id || hit.Layer != c.Layer || len(hit.Evidence) == 0 {
				t.Errorf("finding shape: id %s layer %s evidence %d", hit.ID, hit.Layer, len(hit.Evidence))
			}
			for _, p := range hit.Fixes {
				if len(p.Commands) == 0 || p.Title == "" || p.Risk == "" {
					t.Errorf("fix without commands, title or risk: %+v", p)
				}
				if (p.Kind == fix.KindPatch || p.Kind == fix.KindJSONPatch) && p.Target == nil {
					t.Errorf("patch without target: %+v", p)
				}
			}
		})
	}
}

// A finding carries its check's default severity or one the check declares (Also),
// so --list tells the truth and the Prometheus series per severity stay stable; every
// declared case is reached by some case above.
func TestFindingSeverityIsDeclared(t *testing.T) {
	used := map[string]map[Severity]bool{}
	for _, tc := range cases {
		s := healthy()
		tc.mutate(s)
		s.Normalize()
		for _, f := range Run(s, All()).Findings {
			c, _ := Lookup(f.ID)
			if !slices.Contains(c.Severities(), f.Severity) {
				t.Errorf("%s (case %s/%s): finding of severity %s, the check declares %s", f.ID, tc.id, tc.name, f.Severity, c.SeverityText())
			}
			if used[f.ID] == nil {
				used[f.ID] = map[Severity]bool{}
			}
			used[f.ID][f.Severity] = true
		}
	}
	for _, c := range All() {
		for _, a := range c.Also {
			if a.Severity == c.Severity || a.When == "" {
				t.Errorf("%s: declared case %+v repeats the default or says not when", c.ID, a)
			}
			if !used[c.ID][a.Severity] {
				t.Errorf("%s: no case reaches its declared severity %s (%s)", c.ID, a.Severity, a.When)
			}
		}
	}
}

// The MSS clamp covers every pool block of each family and is never offered when only
// UDP is at stake (issue 13: it covered one pool, and was offered for UDP).
func TestMSSClampFix(t *testing.T) {
	c, _ := Lookup("mtu-overhead-dsr-tunnel-pmtu")
	s := healthy()
	s.Cilium.Config.BPFLBMode = "dsr"
	s.Services[0].Ports = []model.ServicePort{{Protocol: "UDP", Port: 53}}
	for _, f := range Run(s, []Check{c}).Findings {
		if strings.Contains(findingText(f), "TCPMSS") {
			t.Errorf("UDP only: an MSS clamp is offered:\n%s", findingText(f))
		}
	}
	s = healthy()
	s.Cilium.Config.BPFLBMode = "dsr"
	s.Cilium.Config.BPFLBDSRDispatch = "geneve"
	s.Pools = append(s.Pools, model.LBPool{ObjectMeta: cilium(model.KindLBPool, "internal", nil),
		Blocks: []model.PoolBlock{{Start: ptr(addr("10.20.0.10")), Stop: ptr(addr("10.20.0.20"))}}})
	fs := Run(s, []Check{c}).Findings
	if len(fs) != 1 {
		t.Fatalf("findings: %s", describe(fs))
	}
	text := findingText(fs[0])
	for _, w := range []string{
		"iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -d 198.51.100.0/24 -j TCPMSS --set-mss 1398",
		"iptables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -m iprange --dst-range 10.20.0.10-10.20.0.20 -j TCPMSS --set-mss 1398",
		"ip6tables -t mangle -A FORWARD -p tcp --tcp-flags SYN,RST SYN -d 2001:db8:100::/120 -j TCPMSS --set-mss 1358",
	} {
		if !strings.Contains(text, w) {
			t.Errorf("lacks %q:\n%s", w, text)
		}
	}
}

// On a Cilium without the BGP control plane no fix sets a value it lacks (issue 13).
func TestLegacyMetalLBOnOldCilium(t *testing.T) {
	s := healthy()
	s.Cilium.Version = "1.10.20"
	s.Cilium.Config.Raw["bgp-announce-lb-ip"] = "true"
	for _, f := range Run(s, All()).Findings {
		for _, p := range f.Fixes {
			for _, c := range p.Commands {
				if strings.Contains(c, "--set bgpControlPlane") {
					t.Errorf("%s proposes %q on 1.10", f.ID, c)
				}
			}
		}
	}
}

// Every check has at least one positive case above.
func TestEveryCheckIsTested(t *testing.T) {
	tested := map[string]bool{}
	for _, tc := range cases {
		tested[tc.id] = true
	}
	for _, c := range All() {
		if !tested[c.ID] {
			t.Errorf("check %s has no test case", c.ID)
		}
		if c.Explain == "" || c.Detects == "" || c.Fixes == "" || c.Title == "" || c.Versions == "" || !strings.Contains(c.Explain, "References:") {
			t.Errorf("check %s lacks documentation", c.ID)
		}
	}
}

func describe(fs []Finding) string {
	var parts []string
	for _, f := range fs {
		parts = append(parts, fmt.Sprintf("[%s %s: %s]", f.ID, f.Subject, f.Message))
	}
	if len(parts) == 0 {
		return "no findings"
	}
	return strings.Join(parts, " ")
}

// ibgpFabric turns the healthy cluster into an iBGP design (the nodes in the router's AS)
// with a spine router behind tor that was read too: rr makes the nodes route-reflector
// clients, nhs sets next-hop-self force towards the spine; the spine holds what tor
// would send it (nothing without rr, the node's next hop without nhs).
func ibgpFabric(s *model.Snapshot, rr, nhs, spineRoutesUsable bool) {
	r := &s.Routers[0]
	for i := range r.Neighbors {
		r.Neighbors[i].RemoteASN = 64513
		r.Neighbors[i].RouteReflectorClient = rr
	}
	r.Neighbors = append(r.Neighbors, model.RouterNeighbor{Address: "10.0.0.2", Description: "spine", RemoteASN: 64513, LocalASN: 64513,
		State: "Established", Established: true, NextHopSelf: nhs, Families: []string{"ipv4-unicast"}})
	spine := model.RouterView{Name: "spine", Kind: "bird", Status: model.StatusOK, RouterID: "10.0.0.2", ASN: 64513,
		Neighbors: []model.RouterNeighbor{{Address: "10.0.0.1", RemoteASN: 64513, LocalASN: 64513, State: "Established", Established: true}}}
	if rr {
		for _, rt := range r.Routes {
			if rt.Best && rt.Prefix.Addr().Is4() {
				nh := rt.NextHop
				if nhs {
					nh = "10.0.0.1"
				}
				spine.Routes = append(spine.Routes, model.RouterRoute{Prefix: rt.Prefix, From: "10.0.0.1", NextHop: nh, Best: true, Valid: nhs || spineRoutesUsable})
			}
		}
	}
	s.Routers = append(s.Routers, spine)
}

func TestIBGPHealthy(t *testing.T) {
	for _, tc := range []struct {
		name            string
		rr, nhs, usable bool
	}{{"reflector with next-hop-self", true, true, false}, {"reflector, spine reaches the nodes", true, false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			s := healthy()
			ibgpFabric(s, tc.rr, tc.nhs, tc.usable)
			for _, f := range Run(s, All()).Findings {
				if f.ID == "ibgp-split-horizon-next-hop" {
					t.Errorf("unexpected finding: %s", f.Message)
				}
			}
		})
	}
}
