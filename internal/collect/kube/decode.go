// SPDX-License-Identifier: Apache-2.0

package kube

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/jsonutil"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The wire* types mirror the parts of the Cilium CRD schemas bgpnet reads. They are
// decoded tolerantly: unknown fields are ignored, absent ones stay zero. The field
// names are the union of cilium.io/v2 and v2alpha1 (1.16–1.20).

type wireConditions struct {
	Conditions []metav1.Condition `json:"conditions"`
}

type wireAutoDiscovery struct {
	Mode           string `json:"mode"`
	DefaultGateway *struct {
		AddressFamily string `json:"addressFamily"`
	} `json:"defaultGateway"`
}

type wirePeer struct {
	Name          string               `json:"name"`
	PeerAddress   string               `json:"peerAddress"`
	PeerASN       *int64               `json:"peerASN"`
	AutoDiscovery *wireAutoDiscovery   `json:"autoDiscovery"`
	LocalAddress  string               `json:"localAddress"`
	LocalPort     *int32               `json:"localPort"`
	PeerConfigRef *model.PeerConfigRef `json:"peerConfigRef"`
}

type wireInstance struct {
	Name      string     `json:"name"`
	LocalASN  *int64     `json:"localASN"`
	LocalPort *int32     `json:"localPort"`
	RouterID  string     `json:"routerID"`
	Peers     []wirePeer `json:"peers"`
}

type wireClusterConfig struct {
	Spec struct {
		NodeSelector *metav1.LabelSelector `json:"nodeSelector"`
		BGPInstances []wireInstance        `json:"bgpInstances"`
	} `json:"spec"`
	Status wireConditions `json:"status"`
}

type wirePeerConfig struct {
	Spec struct {
		Transport       *model.Transport       `json:"transport"`
		Timers          *model.Timers          `json:"timers"`
		AuthSecretRef   *string                `json:"authSecretRef"`
		GracefulRestart *model.GracefulRestart `json:"gracefulRestart"`
		EBGPMultihop    *int32                 `json:"ebgpMultihop"`
		Families        []model.Family         `json:"families"`
	} `json:"spec"`
	Status wireConditions `json:"status"`
}

type wireAdvertisement struct {
	Spec struct {
		Advertisements []struct {
			Type      string                      `json:"advertisementType"`
			Service   *model.ServiceAdvertisement `json:"service"`
			Selector  *metav1.LabelSelector       `json:"selector"`
			Interface *struct {
				Name string `json:"name"`
			} `json:"interface"`
			Attributes *model.Attributes `json:"attributes"`
		} `json:"advertisements"`
	} `json:"spec"`
}

type wireNodeConfig struct {
	Spec struct {
		BGPInstances []wireInstance `json:"bgpInstances"`
	} `json:"spec"`
	Status struct {
		BGPInstances []struct {
			Name     string `json:"name"`
			LocalASN *int64 `json:"localASN"`
			Peers    []struct {
				Name            string             `json:"name"`
				PeerAddress     string             `json:"peerAddress"`
				PeerASN         *int64             `json:"peerASN"`
				PeeringState    string             `json:"peeringState"`
				EstablishedTime string             `json:"establishedTime"`
				Timers          *model.PeerTimers  `json:"timers"`
				RouteCount      []model.RouteCount `json:"routeCount"`
			} `json:"peers"`
		} `json:"bgpInstances"`
		Conditions []metav1.Condition `json:"conditions"`
	} `json:"status"`
}

type wirePeeringPolicy struct {
	Spec struct {
		NodeSelector   *metav1.LabelSelector `json:"nodeSelector"`
		VirtualRouters []model.VirtualRouter `json:"virtualRouters"`
	} `json:"spec"`
	Status wireConditions `json:"status"`
}

type wireBlock struct {
	CIDR  string `json:"cidr"`
	Start string `json:"start"`
	Stop  string `json:"stop"`
}

type wirePool struct {
	Spec struct {
		Blocks            []wireBlock           `json:"blocks"`
		CIDRs             []wireBlock           `json:"cidrs"`
		ServiceSelector   *metav1.LabelSelector `json:"serviceSelector"`
		Disabled          bool                  `json:"disabled"`
		AllowFirstLastIPs string                `json:"allowFirstLastIPs"`
	} `json:"spec"`
	Status wireConditions `json:"status"`
}

type wireL2Policy struct {
	Spec struct {
		NodeSelector    *metav1.LabelSelector `json:"nodeSelector"`
		ServiceSelector *metav1.LabelSelector `json:"serviceSelector"`
		Interfaces      []string              `json:"interfaces"`
		ExternalIPs     bool                  `json:"externalIPs"`
		LoadBalancerIPs bool                  `json:"loadBalancerIPs"`
	} `json:"spec"`
	Status wireConditions `json:"status"`
}

type wireCiliumNode struct {
	Spec struct {
		IPAM struct {
			PodCIDRs []string `json:"podCIDRs"`
		} `json:"ipam"`
	} `json:"spec"`
}

// fromUnstructured decodes u into out through JSON, so that a malformed object becomes
// an error naming the field ("field spec.bgpInstances.localASN: expected int64, …").
func fromUnstructured(u *unstructured.Unstructured, out any) error {
	data, err := json.Marshal(u.Object)
	if err != nil {
		return fmt.Errorf("malformed object: %w", err)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("malformed object: %w", jsonutil.Describe(err))
	}
	return nil
}

// metaOf keeps the metadata bgpnet needs; APIVersion is the version the object was read at.
func metaOf(u *unstructured.Unstructured, kind string) model.ObjectMeta {
	m := model.ObjectMeta{
		APIVersion:      u.GetAPIVersion(),
		Kind:            kind,
		Name:            u.GetName(),
		Namespace:       u.GetNamespace(),
		UID:             string(u.GetUID()),
		ResourceVersion: u.GetResourceVersion(),
		Generation:      u.GetGeneration(),
		Labels:          u.GetLabels(),
	}
	if ts := u.GetCreationTimestamp(); !ts.IsZero() {
		t := ts.UTC()
		m.CreationTimestamp = &t
	}
	return m
}

func autoDiscovery(w *wireAutoDiscovery) *model.AutoDiscovery {
	if w == nil {
		return nil
	}
	ad := &model.AutoDiscovery{Mode: w.Mode}
	if w.DefaultGateway != nil {
		ad.AddressFamily = w.DefaultGateway.AddressFamily
	}
	return ad
}

func decodeClusterConfig(u *unstructured.Unstructured) (model.ClusterConfig, error) {
	var w wireClusterConfig
	if err := fromUnstructured(u, &w); err != nil {
		return model.ClusterConfig{}, err
	}
	cc := model.ClusterConfig{ObjectMeta: metaOf(u, model.KindClusterConfig), NodeSelector: w.Spec.NodeSelector, Conditions: w.Status.Conditions}
	for _, wi := range w.Spec.BGPInstances {
		ci := model.ClusterInstance{Name: wi.Name, LocalASN: wi.LocalASN, LocalPort: wi.LocalPort, Peers: []model.ClusterPeer{}}
		for _, wp := range wi.Peers {
			ci.Peers = append(ci.Peers, model.ClusterPeer{
				Name: wp.Name, PeerAddress: wp.PeerAddress, PeerASN: wp.PeerASN,
				AutoDiscovery: autoDiscovery(wp.AutoDiscovery), PeerConfigRef: wp.PeerConfigRef,
			})
		}
		cc.Instances = append(cc.Instances, ci)
	}
	return cc, nil
}

func decodePeerConfig(u *unstructured.Unstructured) (model.PeerConfig, error) {
	var w wirePeerConfig
	if err := fromUnstructured(u, &w); err != nil {
		return model.PeerConfig{}, err
	}
	pc := model.PeerConfig{
		ObjectMeta: metaOf(u, model.KindPeerConfig),
		Transport:  w.Spec.Transport, Timers: w.Spec.Timers, GracefulRestart: w.Spec.GracefulRestart,
		EBGPMultihop: w.Spec.EBGPMultihop, Families: w.Spec.Families, Conditions: w.Status.Conditions,
	}
	if w.Spec.AuthSecretRef != nil {
		pc.AuthSecretRef = *w.Spec.AuthSecretRef
	}
	return pc, nil
}

func decodeAdvertisement(u *unstructured.Unstructured) (model.Advertisement, error) {
	var w wireAdvertisement
	if err := fromUnstructured(u, &w); err != nil {
		return model.Advertisement{}, err
	}
	adv := model.Advertisement{ObjectMeta: metaOf(u, model.KindAdvertisement), Advertisements: []model.AdvertisementEntry{}}
	for _, e := range w.Spec.Advertisements {
		ae := model.AdvertisementEntry{Type: e.Type, Service: e.Service, Selector: e.Selector, Attributes: e.Attributes}
		if e.Interface != nil {
			ae.Interface = e.Interface.Name
		}
		adv.Advertisements = append(adv.Advertisements, ae)
	}
	return adv, nil
}

func decodeNodeConfigOverride(u *unstructured.Unstructured) (model.NodeConfigOverride, error) {
	var w wireClusterConfig // same spec shape: bgpInstances[] with peers[]
	if err := fromUnstructured(u, &w); err != nil {
		return model.NodeConfigOverride{}, err
	}
	ovr := model.NodeConfigOverride{ObjectMeta: metaOf(u, model.KindNodeConfigOverride), Instances: []model.OverrideInstance{}}
	for _, wi := range w.Spec.BGPInstances {
		oi := model.OverrideInstance{Name: wi.Name, LocalASN: wi.LocalASN, RouterID: wi.RouterID, LocalPort: wi.LocalPort}
		for _, wp := range wi.Peers {
			oi.Peers = append(oi.Peers, model.OverridePeer{Name: wp.Name, LocalAddress: wp.LocalAddress, LocalPort: wp.LocalPort})
		}
		ovr.Instances = append(ovr.Instances, oi)
	}
	return ovr, nil
}

func decodeNodeConfig(u *unstructured.Unstructured) (model.NodeConfig, error) {
	var w wireNodeConfig
	if err := fromUnstructured(u, &w); err != nil {
		return model.NodeConfig{}, err
	}
	nc := model.NodeConfig{ObjectMeta: metaOf(u, model.KindNodeConfig), Instances: []model.NodeInstance{}, Conditions: w.Status.Conditions}
	for _, wi := range w.Spec.BGPInstances {
		ni := model.NodeInstance{Name: wi.Name, LocalASN: wi.LocalASN, RouterID: wi.RouterID, LocalPort: wi.LocalPort, Peers: []model.NodePeer{}}
		for _, wp := range wi.Peers {
			ni.Peers = append(ni.Peers, model.NodePeer{
				Name: wp.Name, PeerAddress: wp.PeerAddress, PeerASN: wp.PeerASN, AutoDiscovery: autoDiscovery(wp.AutoDiscovery),
				LocalAddress: wp.LocalAddress, PeerConfigRef: wp.PeerConfigRef,
			})
		}
		nc.Instances = append(nc.Instances, ni)
	}
	for _, si := range w.Status.BGPInstances {
		st := model.NodeInstanceStatus{Name: si.Name, LocalASN: si.LocalASN, Peers: []model.PeerStatus{}}
		for _, sp := range si.Peers {
			ps := model.PeerStatus{
				Name: sp.Name, PeerAddress: sp.PeerAddress, PeerASN: sp.PeerASN, PeeringState: sp.PeeringState,
				Timers: sp.Timers, RouteCount: sp.RouteCount,
			}
			if t, err := time.Parse(time.RFC3339, sp.EstablishedTime); err == nil {
				t = t.UTC()
				ps.EstablishedTime = &t
			}
			st.Peers = append(st.Peers, ps)
		}
		nc.Status = append(nc.Status, st)
	}
	return nc, nil
}

func decodePeeringPolicy(u *unstructured.Unstructured) (model.PeeringPolicy, error) {
	var w wirePeeringPolicy
	if err := fromUnstructured(u, &w); err != nil {
		return model.PeeringPolicy{}, err
	}
	vrs := w.Spec.VirtualRouters
	if vrs == nil {
		vrs = []model.VirtualRouter{}
	}
	return model.PeeringPolicy{ObjectMeta: metaOf(u, model.KindPeeringPolicy), NodeSelector: w.Spec.NodeSelector, VirtualRouters: vrs, Conditions: w.Status.Conditions}, nil
}

func decodePool(u *unstructured.Unstructured) (model.LBPool, error) {
	var w wirePool
	if err := fromUnstructured(u, &w); err != nil {
		return model.LBPool{}, err
	}
	p := model.LBPool{
		ObjectMeta: metaOf(u, model.KindLBPool), Blocks: parseBlocks(w.Spec.Blocks), ServiceSelector: w.Spec.ServiceSelector,
		Disabled: w.Spec.Disabled, AllowFirstLastIPs: w.Spec.AllowFirstLastIPs, Conditions: w.Status.Conditions,
	}
	if len(w.Spec.CIDRs) > 0 {
		p.LegacyCIDRs = parseBlocks(w.Spec.CIDRs)
	}
	return p, nil
}

// parseBlocks parses pool blocks; an invalid block is kept with its error.
func parseBlocks(ws []wireBlock) []model.PoolBlock {
	out := []model.PoolBlock{}
	for _, wb := range ws {
		out = append(out, parseBlock(wb))
	}
	return out
}

func parseBlock(wb wireBlock) model.PoolBlock {
	var b model.PoolBlock
	fail := func(raw string, err error) model.PoolBlock {
		return model.PoolBlock{Raw: raw, Error: err.Error()}
	}
	switch {
	case wb.CIDR != "":
		p, err := netip.ParsePrefix(wb.CIDR)
		if err != nil {
			return fail(wb.CIDR, err)
		}
		b.CIDR = &p
	case wb.Start != "":
		raw := wb.Start + "-" + wb.Stop
		start, err := netip.ParseAddr(wb.Start)
		if err != nil {
			return fail(raw, fmt.Errorf("start: %w", err))
		}
		b.Start = &start
		if wb.Stop != "" {
			stop, err := netip.ParseAddr(wb.Stop)
			if err != nil {
				return fail(raw, fmt.Errorf("stop: %w", err))
			}
			if stop.Is4() != start.Is4() || stop.Less(start) {
				return fail(raw, fmt.Errorf("stop %s is before start %s or of another family", stop, start))
			}
			b.Stop = &stop
		}
	default:
		return model.PoolBlock{Error: "block has neither cidr nor start"}
	}
	return b
}

func decodeL2Policy(u *unstructured.Unstructured) (model.L2Policy, error) {
	var w wireL2Policy
	if err := fromUnstructured(u, &w); err != nil {
		return model.L2Policy{}, err
	}
	return model.L2Policy{
		ObjectMeta: metaOf(u, model.KindL2Policy), NodeSelector: w.Spec.NodeSelector, ServiceSelector: w.Spec.ServiceSelector,
		Interfaces: w.Spec.Interfaces, ExternalIPs: w.Spec.ExternalIPs, LoadBalancerIPs: w.Spec.LoadBalancerIPs, Conditions: w.Status.Conditions,
	}, nil
}

// decodeCiliumNode returns the node name and its Cilium-allocated PodCIDRs.
func decodeCiliumNode(u *unstructured.Unstructured) (string, []netip.Prefix, error) {
	var w wireCiliumNode
	if err := fromUnstructured(u, &w); err != nil {
		return "", nil, err
	}
	var cidrs []netip.Prefix
	for _, c := range w.Spec.IPAM.PodCIDRs {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return "", nil, fmt.Errorf("podCIDR %q: %w", c, err)
		}
		cidrs = append(cidrs, p)
	}
	return u.GetName(), cidrs, nil
}
