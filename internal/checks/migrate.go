// SPDX-License-Identifier: Apache-2.0

package checks

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// migratePeeringPolicy translates a BGPv1 policy into the BGPv2 objects that do the
// same (the mapping of the catalogue's bgpv1-removed-in-1-19): one ClusterConfig, a
// PeerConfig per neighbor and an Advertisement per virtual router. notes lists what
// cannot be translated mechanically.
func migratePeeringPolicy(pp model.PeeringPolicy) (objs []map[string]any, notes []string) {
	var instances []any
	var pcs, advs []map[string]any
	for _, vr := range pp.VirtualRouters {
		advName := fmt.Sprintf("%s-%d", pp.Name, vr.LocalASN)
		var peers []any
		for _, nb := range vr.Neighbors {
			addr := strings.TrimSpace(nb.PeerAddress)
			if p, err := netip.ParsePrefix(addr); err == nil {
				addr = p.Addr().String() // v1 wants CIDR notation, v2 a plain address
			}
			pcName := fmt.Sprintf("%s-%d-%s", pp.Name, vr.LocalASN, dnsLabel(addr))
			peers = append(peers, map[string]any{
				"name": dnsLabel("peer-" + addr), "peerAddress": addr, "peerASN": nb.PeerASN,
				"peerConfigRef": map[string]any{"name": pcName},
			})
			pcs = append(pcs, peerConfigFromNeighbor(pcName, advName, nb))
			if len(nb.AdvertisedPathAttributes) > 0 {
				notes = append(notes, fmt.Sprintf("neighbor %s has advertisedPathAttributes: set them as attributes of the entries of CiliumBGPAdvertisement %s by hand", nb.PeerAddress, advName))
			}
		}
		instances = append(instances, map[string]any{"name": fmt.Sprintf("instance-%d", vr.LocalASN), "localASN": vr.LocalASN, "peers": peers})
		if adv := advertisementFromRouter(advName, vr); adv != nil {
			advs = append(advs, adv)
		}
	}
	spec := map[string]any{"bgpInstances": instances}
	if pp.NodeSelector != nil {
		spec["nodeSelector"] = selectorMap(pp.NodeSelector)
	}
	objs = append(objs, map[string]any{
		"apiVersion": "cilium.io/v2", "kind": model.KindClusterConfig,
		"metadata": map[string]any{"name": pp.Name}, "spec": spec,
	})
	objs = append(objs, pcs...)
	objs = append(objs, advs...)
	return objs, notes
}

func peerConfigFromNeighbor(name, advLabel string, nb model.Neighbor) map[string]any {
	spec := map[string]any{}
	timers := map[string]any{}
	if nb.ConnectRetryTimeSeconds != nil {
		timers["connectRetryTimeSeconds"] = *nb.ConnectRetryTimeSeconds
	}
	if nb.HoldTimeSeconds != nil {
		timers["holdTimeSeconds"] = *nb.HoldTimeSeconds
	}
	if nb.KeepAliveTimeSeconds != nil {
		timers["keepAliveTimeSeconds"] = *nb.KeepAliveTimeSeconds
	}
	if len(timers) > 0 {
		spec["timers"] = timers
	}
	if nb.EBGPMultihopTTL != nil && *nb.EBGPMultihopTTL > 1 {
		spec["ebgpMultihop"] = *nb.EBGPMultihopTTL
	}
	if nb.GracefulRestart != nil {
		gr := map[string]any{"enabled": nb.GracefulRestart.Enabled}
		if nb.GracefulRestart.RestartTimeSeconds != nil {
			gr["restartTimeSeconds"] = *nb.GracefulRestart.RestartTimeSeconds
		}
		spec["gracefulRestart"] = gr
	}
	if nb.AuthSecretRef != "" {
		spec["authSecretRef"] = nb.AuthSecretRef
	}
	if nb.PeerPort != nil && *nb.PeerPort != 179 {
		spec["transport"] = map[string]any{"peerPort": *nb.PeerPort}
	}
	families := nb.Families
	if len(families) == 0 {
		families = []model.Family{{AFI: "ipv4", SAFI: "unicast"}, {AFI: "ipv6", SAFI: "unicast"}}
	}
	var fams []any
	for _, f := range families {
		fams = append(fams, map[string]any{"afi": f.AFI, "safi": f.SAFI,
			"advertisements": map[string]any{"matchLabels": map[string]any{"advertise": advLabel}}})
	}
	spec["families"] = fams
	return map[string]any{"apiVersion": "cilium.io/v2", "kind": model.KindPeerConfig, "metadata": map[string]any{"name": name}, "spec": spec}
}

// advertisementFromRouter carries a virtual router's exports over; nil if it exports nothing.
func advertisementFromRouter(name string, vr model.VirtualRouter) map[string]any {
	var entries []any
	if vr.ExportPodCIDR != nil && *vr.ExportPodCIDR {
		entries = append(entries, map[string]any{"advertisementType": "PodCIDR"})
	}
	if vr.ServiceSelector != nil {
		addrs := vr.ServiceAdvertisements
		if len(addrs) == 0 {
			addrs = []string{"LoadBalancerIP"} // the v1 default
		}
		var as []any
		for _, a := range addrs {
			as = append(as, a)
		}
		entries = append(entries, map[string]any{"advertisementType": "Service", "service": map[string]any{"addresses": as},
			"selector": selectorMap(vr.ServiceSelector)})
	}
	if vr.PodIPPoolSelector != nil {
		entries = append(entries, map[string]any{"advertisementType": "CiliumPodIPPool", "selector": selectorMap(vr.PodIPPoolSelector)})
	}
	if len(entries) == 0 {
		return nil
	}
	return map[string]any{"apiVersion": "cilium.io/v2", "kind": model.KindAdvertisement,
		"metadata": map[string]any{"name": name, "labels": map[string]any{"advertise": name}},
		"spec":     map[string]any{"advertisements": entries}}
}

// selectorMap renders a label selector as plain data for a manifest.
func selectorMap(sel *metav1.LabelSelector) map[string]any {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(sel)
	if err != nil {
		return map[string]any{}
	}
	return m
}

// dnsLabel turns an address or name into something usable in object and peer names.
func dnsLabel(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteRune('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	if len(out) > 63 {
		out = strings.Trim(out[:63], "-")
	}
	return out
}
