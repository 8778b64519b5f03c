// SPDX-License-Identifier: Apache-2.0

package kube

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// ParseCiliumConfig types the keys of ConfigMap cilium-config that checks read. The raw
// map is kept whole; a value that does not parse is listed in Invalid and left unset.
func ParseCiliumConfig(data map[string]string) model.CiliumConfig {
	c := model.CiliumConfig{Present: true, Raw: data}
	p := cfgParser{data: data, cfg: &c}

	c.EnableBGPControlPlane = p.bool("enable-bgp-control-plane")
	c.EnableBGPControlPlaneStatusReport = p.bool("enable-bgp-control-plane-status-report")
	c.BGPSecretsNamespace = data["bgp-secrets-namespace"]
	c.BGPRouterIDAllocationMode = data["bgp-router-id-allocation-mode"]
	c.BGPRouterIDAllocationIPPool = data["bgp-router-id-allocation-ip-pool"]
	c.EnableBGPLegacyOriginAttribute = p.bool("enable-bgp-legacy-origin-attribute")
	c.BGPAnnounceLBIP = p.bool("bgp-announce-lb-ip")
	c.BGPAnnouncePodCIDR = p.bool("bgp-announce-pod-cidr")

	c.EnableIPv4 = p.bool("enable-ipv4")
	c.EnableIPv6 = p.bool("enable-ipv6")
	c.IPAM = data["ipam"]
	c.ClusterPoolIPv4 = p.prefixes("cluster-pool-ipv4-cidr")
	c.ClusterPoolIPv6 = p.prefixes("cluster-pool-ipv6-cidr")
	c.DefaultLBServiceIP = data["default-lb-service-ipam"]

	c.RoutingMode = data["routing-mode"]
	c.Tunnel = data["tunnel"]
	c.TunnelProtocol = data["tunnel-protocol"]
	c.IPv4NativeRoutingCIDR = p.prefix("ipv4-native-routing-cidr")
	if c.IPv4NativeRoutingCIDR == nil {
		c.IPv4NativeRoutingCIDR = p.prefix("native-routing-cidr") // pre-1.10 name
	}
	c.IPv6NativeRoutingCIDR = p.prefix("ipv6-native-routing-cidr")
	c.EnableIPv4Masquerade = p.bool("enable-ipv4-masquerade")
	c.EnableIPv6Masquerade = p.bool("enable-ipv6-masquerade")
	c.EnableBPFMasquerade = p.bool("enable-bpf-masquerade")
	c.EnableIPMasqAgent = p.bool("enable-ip-masq-agent")
	c.AutoDirectNodeRoutes = p.bool("auto-direct-node-routes")
	c.DirectRoutingSkipUnreachable = p.bool("direct-routing-skip-unreachable")
	c.MTU = p.int("mtu")

	c.KubeProxyReplacement = data["kube-proxy-replacement"]
	c.BPFLBMode = data["bpf-lb-mode"]
	c.BPFLBDSRDispatch = data["bpf-lb-dsr-dispatch"]
	c.BPFLBAcceleration = data["bpf-lb-acceleration"]
	c.BPFLBExternalClusterIP = p.bool("bpf-lb-external-clusterip")
	c.BPFLBSock = p.bool("bpf-lb-sock")
	c.BPFLBSockHostNSOnly = p.bool("bpf-lb-sock-hostns-only")
	c.EnableExternalIPs = p.bool("enable-external-ips")
	c.EnableHostPort = p.bool("enable-host-port")
	c.EnableNodePort = p.bool("enable-node-port")

	c.EnableL2Announcements = p.bool("enable-l2-announcements")
	c.L2AnnouncementsLeaseDur = data["l2-announcements-lease-duration"]
	c.L2AnnouncementsRenewDL = data["l2-announcements-renew-deadline"]
	c.L2AnnouncementsRetryPeriod = data["l2-announcements-retry-period"]
	c.EnableIPv6NDP = p.bool("enable-ipv6-ndp")
	c.IPv6McastDevice = data["ipv6-mcast-device"]
	c.EnableHostFirewall = p.bool("enable-host-firewall")
	c.EnableHubble = p.bool("enable-hubble")
	c.HubbleListenAddress = data["hubble-listen-address"]
	c.BPFCTGlobalTCPMax = p.int("bpf-ct-global-tcp-max")
	c.BPFCTGlobalAnyMax = p.int("bpf-ct-global-any-max")
	c.BPFNATGlobalMax = p.int("bpf-nat-global-max")
	c.BPFMapDynamicSizeRatio = data["bpf-map-dynamic-size-ratio"]
	return c
}

type cfgParser struct {
	data map[string]string
	cfg  *model.CiliumConfig
}

func (p cfgParser) invalid(key string, err error) {
	if p.cfg.Invalid == nil {
		p.cfg.Invalid = map[string]string{}
	}
	p.cfg.Invalid[key] = err.Error()
}

func (p cfgParser) bool(key string) *bool {
	v, ok := p.data[key]
	if !ok || strings.TrimSpace(v) == "" {
		return nil
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		p.invalid(key, fmt.Errorf("%q is not a boolean", v))
		return nil
	}
	return &b
}

func (p cfgParser) int(key string) *int {
	v, ok := p.data[key]
	if !ok || strings.TrimSpace(v) == "" {
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		p.invalid(key, fmt.Errorf("%q is not an integer", v))
		return nil
	}
	return &n
}

func (p cfgParser) prefix(key string) *netip.Prefix {
	v, ok := p.data[key]
	if !ok || strings.TrimSpace(v) == "" {
		return nil
	}
	pfx, err := netip.ParsePrefix(strings.TrimSpace(v))
	if err != nil {
		p.invalid(key, err)
		return nil
	}
	return &pfx
}

// prefixes parses a list separated by spaces or commas (Cilium accepts both).
func (p cfgParser) prefixes(key string) []netip.Prefix {
	v, ok := p.data[key]
	if !ok {
		return nil
	}
	var out []netip.Prefix
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
		pfx, err := netip.ParsePrefix(f)
		if err != nil {
			p.invalid(key, err)
			return nil
		}
		out = append(out, pfx)
	}
	return out
}
