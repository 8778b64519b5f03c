// SPDX-License-Identifier: Apache-2.0

package kube

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"
)

func obj(t *testing.T, y string) *unstructured.Unstructured {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	// integers as int64, as the API machinery decodes them
	if err := utiljson.Unmarshal(j, &u.Object); err != nil {
		t.Fatal(err)
	}
	return u
}

func TestDecodeClusterConfig(t *testing.T) {
	cc, err := decodeClusterConfig(obj(t, `
apiVersion: cilium.io/v2alpha1
kind: CiliumBGPClusterConfig
metadata: {name: cc, resourceVersion: "42", generation: 3, creationTimestamp: "2026-01-02T03:04:05Z"}
spec:
  futureField: ignored
  bgpInstances:
  - name: i
    localASN: 4200000000
    peers:
    - name: p
      peerASN: 65000
      autoDiscovery: {mode: DefaultGateway, defaultGateway: {addressFamily: ipv6}}
      peerConfigRef: {name: pc, kind: CiliumBGPPeerConfig, group: cilium.io}
status:
  conditions:
  - {type: cilium.io/NoMatchingNode, status: "True", reason: NoMatchingNode, message: none, lastTransitionTime: "2026-01-02T03:04:05Z"}
`))
	if err != nil {
		t.Fatal(err)
	}
	if cc.APIVersion != "cilium.io/v2alpha1" || cc.ResourceVersion != "42" || cc.Generation != 3 || cc.CreationTimestamp == nil {
		t.Errorf("meta: %+v", cc.ObjectMeta)
	}
	p := cc.Instances[0].Peers[0]
	if *cc.Instances[0].LocalASN != 4200000000 || p.AutoDiscovery.AddressFamily != "ipv6" || p.PeerConfigRef.Kind != "CiliumBGPPeerConfig" ||
		p.PeerAddress != "" || cc.NodeSelector != nil || cc.Conditions[0].Type != "cilium.io/NoMatchingNode" {
		t.Errorf("decoded: %+v", cc)
	}
}

func TestDecodeMalformedObjects(t *testing.T) {
	tests := []struct {
		name, yaml, want string
		decode           func(*unstructured.Unstructured) error
	}{
		{"string ASN", `{spec: {bgpInstances: [{name: i, localASN: "64512"}]}}`, "bgpInstances.localASN",
			func(u *unstructured.Unstructured) error { _, err := decodeClusterConfig(u); return err }},
		{"peers not a list", `{spec: {bgpInstances: [{name: i, peers: {name: p}}]}}`, "bgpInstances.peers",
			func(u *unstructured.Unstructured) error { _, err := decodeNodeConfigOverride(u); return err }},
		{"families not a list", `{spec: {families: ipv4}}`, "spec.families",
			func(u *unstructured.Unstructured) error { _, err := decodePeerConfig(u); return err }},
		{"route count as string", `{status: {bgpInstances: [{name: i, peers: [{name: p, routeCount: [{received: lots}]}]}]}}`, "received",
			func(u *unstructured.Unstructured) error { _, err := decodeNodeConfig(u); return err }},
		{"neighbors as map", `{spec: {virtualRouters: [{localASN: 1, neighbors: {a: b}}]}}`, "neighbors",
			func(u *unstructured.Unstructured) error { _, err := decodePeeringPolicy(u); return err }},
		{"disabled as string", `{spec: {disabled: "yes"}}`, "spec.disabled",
			func(u *unstructured.Unstructured) error { _, err := decodePool(u); return err }},
		{"interfaces as string", `{spec: {interfaces: eth0}}`, "spec.interfaces",
			func(u *unstructured.Unstructured) error { _, err := decodeL2Policy(u); return err }},
		{"advertisements not a list", `{spec: {advertisements: PodCIDR}}`, "spec.advertisements",
			func(u *unstructured.Unstructured) error { _, err := decodeAdvertisement(u); return err }},
		{"bad podCIDR", `{metadata: {name: n}, spec: {ipam: {podCIDRs: [not-a-cidr]}}}`, "not-a-cidr",
			func(u *unstructured.Unstructured) error { _, _, err := decodeCiliumNode(u); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.decode(obj(t, tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v should name %q", err, tt.want)
			}
		})
	}
}

func TestParseBlock(t *testing.T) {
	tests := []struct {
		in       wireBlock
		str, err string
	}{
		{wireBlock{CIDR: "192.168.10.0/28"}, "192.168.10.0/28", ""},
		{wireBlock{CIDR: "2001:db8::/64"}, "2001:db8::/64", ""},
		{wireBlock{Start: "10.0.0.1", Stop: "10.0.0.9"}, "10.0.0.1-10.0.0.9", ""},
		{wireBlock{Start: "10.0.0.1"}, "10.0.0.1", ""},
		{wireBlock{CIDR: "192.168.300.0/24"}, "192.168.300.0/24", "ParsePrefix"},
		{wireBlock{Start: "10.0.0.9", Stop: "10.0.0.1"}, "10.0.0.9-10.0.0.1", "before start"},
		{wireBlock{Start: "10.0.0.1", Stop: "::1"}, "10.0.0.1-::1", "another family"},
		{wireBlock{Start: "x", Stop: "10.0.0.1"}, "x-10.0.0.1", "start"},
		{wireBlock{}, "", "neither cidr nor start"},
	}
	for _, tt := range tests {
		b := parseBlock(tt.in)
		if b.String() != tt.str || !strings.Contains(b.Error, tt.err) || (tt.err == "") != (b.Error == "") {
			t.Errorf("parseBlock(%+v) = %q, error %q; want %q, error containing %q", tt.in, b.String(), b.Error, tt.str, tt.err)
		}
	}
}

func TestParseCiliumConfig(t *testing.T) {
	c := ParseCiliumConfig(map[string]string{
		"enable-bgp-control-plane": "true",
		"enable-ipv6":              "False",
		"mtu":                      "9000",
		"bpf-ct-global-tcp-max":    "lots",
		"native-routing-cidr":      "10.0.0.0/8", // pre-1.10 key
		"ipv6-native-routing-cidr": "fd00::/300",
		"cluster-pool-ipv4-cidr":   "10.0.0.0/16 10.1.0.0/16,10.2.0.0/16",
		"enable-l2-announcements":  "",
		"tunnel":                   "disabled",
	})
	if !*c.EnableBGPControlPlane || *c.EnableIPv6 || *c.MTU != 9000 || c.BPFCTGlobalTCPMax != nil || c.EnableL2Announcements != nil {
		t.Errorf("typed values wrong: %+v", c)
	}
	if c.IPv4NativeRoutingCIDR.String() != "10.0.0.0/8" || c.IPv6NativeRoutingCIDR != nil || len(c.ClusterPoolIPv4) != 3 || !c.NativeRouting() {
		t.Errorf("CIDRs wrong: %+v", c)
	}
	if len(c.Invalid) != 2 || c.Invalid["bpf-ct-global-tcp-max"] == "" || c.Invalid["ipv6-native-routing-cidr"] == "" {
		t.Errorf("invalid keys: %v", c.Invalid)
	}
	if c.Raw["mtu"] != "9000" || !c.Present {
		t.Error("the raw map must be kept")
	}
}
