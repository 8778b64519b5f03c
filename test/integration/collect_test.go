// SPDX-License-Identifier: Apache-2.0

package integration

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/testenv"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// startHomelab starts an API server of the given flavor seeded with the homelab.
func startHomelab(t *testing.T, opts testenv.Options, bgp string) *testenv.Env {
	t.Helper()
	opts.APIServerFlags = homelabAPIServerFlags
	env := testenv.Start(t, opts)
	env.Seed(t, readTestdata(t, "homelab-base.yaml"))
	if bgp != "" {
		env.Seed(t, bgp)
	}
	return env
}

func TestSnapshotBGPv2(t *testing.T) {
	env := startHomelab(t, testenv.Options{Flavor: testenv.Cilium120, BGPv1: true}, readTestdata(t, "homelab-bgpv2.yaml"))
	s := snapshotJSON(t, testenv.Kubeconfig(t, env.Config))

	wantSources(t, s, nil)
	for src, v := range map[string]string{
		model.SourceClusterConfigs: "cilium.io/v2", model.SourceNodeConfigs: "cilium.io/v2", model.SourcePools: "cilium.io/v2",
		model.SourcePeeringPolicies: "cilium.io/v2alpha1", model.SourceL2Policies: "cilium.io/v2alpha1",
	} {
		if got := source(t, s, src).APIVersion; got != v {
			t.Errorf("%s read at %q, want %q", src, got, v)
		}
	}
	if s.SchemaVersion != model.SchemaVersion || s.Cluster.Context != "test" || !strings.HasPrefix(s.Cluster.ServerVersion, "v1.36") {
		t.Errorf("header: schema %d context %q server %q", s.SchemaVersion, s.Cluster.Context, s.Cluster.ServerVersion)
	}

	// nodes: dual-stack addresses and PodCIDRs, from Node and CiliumNode
	if len(s.Nodes) != 3 {
		t.Fatalf("nodes: %d, want 3", len(s.Nodes))
	}
	pi, _ := s.Node("pi-cp")
	if pi == nil || !pi.Ready || !pi.HasCiliumNode ||
		!reflect.DeepEqual(pi.InternalIPs, []netip.Addr{netip.MustParseAddr("192.168.1.10"), netip.MustParseAddr("fd00:1::10")}) ||
		!reflect.DeepEqual(pi.PodCIDRs, []netip.Prefix{netip.MustParsePrefix("10.42.0.0/24"), netip.MustParsePrefix("fd00:42::/64")}) ||
		len(pi.CiliumPodCIDRs) != 2 || pi.Labels["bgp-enabled"] != "true" {
		t.Errorf("node pi-cp decoded wrong: %+v", pi)
	}

	// Cilium install and config
	c := s.Cilium
	if c.Version != "1.18.4" || c.Agent == nil || c.Agent.Ready != 3 || c.Operator == nil || c.HubbleRelay == nil || s.KubeProxy.Present {
		t.Errorf("cilium install: version %q agent %+v operator %+v relay %+v kube-proxy %v", c.Version, c.Agent, c.Operator, c.HubbleRelay, s.KubeProxy.Present)
	}
	cfg := c.Config
	if !model.Bool(cfg.EnableBGPControlPlane, false) || !cfg.NativeRouting() || cfg.IPv4NativeRoutingCIDR == nil ||
		cfg.IPv4NativeRoutingCIDR.String() != "10.42.0.0/16" || cfg.MTU == nil || *cfg.MTU != 1500 || cfg.BPFLBMode != "dsr" ||
		model.Bool(cfg.EnableIPv6Masquerade, true) || cfg.Raw["cluster-name"] != "homelab" || len(cfg.Invalid) != 0 {
		t.Errorf("cilium-config decoded wrong: %+v", cfg)
	}

	// BGP intent
	b := s.BGP
	if len(b.ClusterConfigs) != 1 || len(b.PeerConfigs) != 1 || len(b.Advertisements) != 2 || len(b.NodeConfigOverrides) != 1 ||
		len(b.NodeConfigs) != 2 || len(b.PeeringPolicies) != 0 {
		t.Fatalf("BGP object counts: cc %d pc %d adv %d ovr %d nc %d pp %d", len(b.ClusterConfigs), len(b.PeerConfigs),
			len(b.Advertisements), len(b.NodeConfigOverrides), len(b.NodeConfigs), len(b.PeeringPolicies))
	}
	cc := b.ClusterConfigs[0]
	if cc.APIVersion != "cilium.io/v2" || len(cc.Instances) != 1 || *cc.Instances[0].LocalASN != 64512 || len(cc.Instances[0].Peers) != 2 ||
		cc.Instances[0].Peers[1].PeerAddress != "fd00:1::1" || cc.Instances[0].Peers[1].PeerConfigRef.Name != "gw" ||
		cc.NodeSelector.MatchLabels["bgp-enabled"] != "true" {
		t.Errorf("cluster config decoded wrong: %+v", cc)
	}
	pc := b.PeerConfigs[0]
	if len(pc.Families) != 2 || pc.Families[1].AFI != "ipv6" || pc.Families[0].Advertisements.MatchLabels["advertise"] != "bgp" ||
		*pc.Timers.HoldTimeSeconds != 9 || !pc.GracefulRestart.Enabled {
		t.Errorf("peer config decoded wrong: %+v", pc)
	}
	if adv := b.Advertisements[0]; adv.Name != "lb-services" || adv.Advertisements[0].Type != "Service" ||
		adv.Advertisements[0].Service.Addresses[0] != "LoadBalancerIP" || adv.Advertisements[0].Selector.MatchExpressions[0].Key != "bgp.homelab/announce" ||
		adv.Advertisements[0].Attributes.Communities.Standard[0] != "64512:100" {
		t.Errorf("advertisement decoded wrong: %+v", adv)
	}
	if ovr := b.NodeConfigOverrides[0]; ovr.Name != "pi-cp" || ovr.Instances[0].RouterID != "192.168.1.10" || ovr.Instances[0].Peers[0].LocalAddress != "192.168.1.10" {
		t.Errorf("override decoded wrong: %+v", ovr)
	}
	nc := b.NodeConfigs[1] // nuc-1, pi-cp
	if nc.Name != "pi-cp" || len(nc.Status) != 1 || len(nc.Status[0].Peers) != 2 {
		t.Fatalf("node config decoded wrong: %+v", nc)
	}
	if p := nc.Status[0].Peers[0]; p.PeeringState != "established" || p.EstablishedTime == nil || p.EstablishedTime.Format(time.RFC3339) != "2026-11-20T08:12:45Z" ||
		p.Timers.AppliedHoldTimeSeconds != 9 || p.RouteCount[0].Advertised != 2 {
		t.Errorf("peer status decoded wrong: %+v", p)
	}

	// the normalised per-node view: nuc-2's label typo leaves it unselected
	views := s.ResolveBGP() // nuc-1, nuc-2, pi-cp
	if len(views[0].SelectedBy) != 1 || len(views[1].SelectedBy) != 0 || len(views[2].SelectedBy) != 1 {
		t.Errorf("selection: %+v", views)
	}
	gw6 := views[2].Instances[0].Peers[1]
	if gw6.Status == nil || gw6.Status.PeeringState != "active" || views[2].Instances[0].RouterID != "192.168.1.10" ||
		len(gw6.Families) != 2 || len(gw6.Families[0].Advertisements) != 1 || gw6.Families[0].Advertisements[0].Name != "lb-services" {
		t.Errorf("pi-cp effective config: %+v", views[2].Instances)
	}

	// LB-IPAM and L2
	if len(s.Pools) != 2 || len(s.L2Policies) != 1 {
		t.Fatalf("pools %d, l2 policies %d", len(s.Pools), len(s.L2Policies))
	}
	internal, public := s.Pools[0], s.Pools[1]
	if internal.Blocks[0].String() != "10.20.0.10-10.20.0.20" || internal.AllowFirstLastIPs != "No" ||
		len(public.Blocks) != 2 || public.Blocks[1].CIDR.String() != "2001:db8:10::/124" || len(public.Conditions) != 4 {
		t.Errorf("pools decoded wrong: %+v %+v", internal, public)
	}

	// Services: LoadBalancer and externalIPs only, with endpoints per node
	want := []string{"default/legacy-web", "dev/grafana", "home/home-assistant", "infra/pihole-dns", "media/jellyfin"}
	if got := serviceNames(s); !slices.Equal(got, want) {
		t.Fatalf("services %v, want %v", got, want)
	}
	jf := s.Services[4]
	if len(jf.Ingress) != 2 || jf.Ingress[1].IP != "2001:db8:10::1" || jf.IPFamilyPolicy != "PreferDualStack" ||
		len(jf.ClusterIPs) != 2 || jf.Endpoints.Slices != 2 || jf.Endpoints.ReadyByNode["nuc-1"] != 2 ||
		jf.Annotations["lbipam.cilium.io/sharing-key"] != "media" || len(jf.Annotations) != 1 || jf.Ports[0].NodePort != 31096 {
		t.Errorf("jellyfin decoded wrong: %+v", jf)
	}
	ph := s.Services[3]
	if ph.Endpoints.Total != 2 || ph.Endpoints.Ready != 1 || ph.Endpoints.ReadyByNode["pi-cp"] != 1 || len(ph.Ports) != 2 {
		t.Errorf("pihole endpoints: %+v", ph.Endpoints)
	}
	if gr := s.Services[1]; len(gr.Ingress) != 0 || gr.Conditions[0].Reason != "no_pool" {
		t.Errorf("grafana: %+v", gr)
	}
}

// The same objects written through the deprecated v2alpha1 API of a 1.20 cluster are
// read back at v2, with the same content.
func TestSnapshotWrittenAtV2Alpha1(t *testing.T) {
	bgp := readTestdata(t, "homelab-bgpv2.yaml")
	env := startHomelab(t, testenv.Options{Flavor: testenv.Cilium120}, toV2Alpha1(t, bgp))
	s := snapshotJSON(t, testenv.Kubeconfig(t, env.Config))
	wantSources(t, s, map[string]model.Status{model.SourcePeeringPolicies: model.StatusNotInstalled})
	if got := source(t, s, model.SourceClusterConfigs).APIVersion; got != "cilium.io/v2" {
		t.Errorf("cluster configs read at %s, want cilium.io/v2", got)
	}
	if len(s.BGP.ClusterConfigs) != 1 || len(s.BGP.NodeConfigs) != 2 || len(s.Pools) != 2 || len(s.BGP.Advertisements) != 2 {
		t.Fatalf("objects lost: %+v", s.BGP)
	}
	// v2alpha1 defaults peerConfigRef.kind/group; everything else reads back unchanged
	ref := s.BGP.ClusterConfigs[0].Instances[0].Peers[0].PeerConfigRef
	if ref.Name != "gw" {
		t.Errorf("peerConfigRef: %+v", ref)
	}
	if st := s.BGP.NodeConfigs[0].Status[0].Peers[1]; st.PeeringState != "established" || st.RouteCount[0].AFI != "ipv6" {
		t.Errorf("status lost: %+v", st)
	}
}

// A cluster whose CRDs serve only v2alpha1 (Cilium 1.16/1.17): the collector falls
// back and records the version each kind came from.
func TestSnapshotV2Alpha1OnlyCluster(t *testing.T) {
	bgp := toV2Alpha1(t, readTestdata(t, "homelab-bgpv2.yaml"))
	env := startHomelab(t, testenv.Options{Flavor: testenv.CiliumV2Alpha1Only}, bgp)
	s := snapshotJSON(t, testenv.Kubeconfig(t, env.Config))
	wantSources(t, s, map[string]model.Status{model.SourcePeeringPolicies: model.StatusNotInstalled})
	for _, src := range []string{model.SourceClusterConfigs, model.SourcePeerConfigs, model.SourceAdvertisements,
		model.SourceNodeConfigs, model.SourceNodeConfigOverride, model.SourcePools} {
		if got := source(t, s, src).APIVersion; got != "cilium.io/v2alpha1" {
			t.Errorf("%s read at %q, want cilium.io/v2alpha1", src, got)
		}
	}
	if cc := s.BGP.ClusterConfigs; len(cc) != 1 || cc[0].APIVersion != "cilium.io/v2alpha1" || cc[0].Instances[0].Peers[0].PeerConfigRef.Kind != "CiliumBGPPeerConfig" {
		t.Errorf("cluster config at v2alpha1: %+v", cc)
	}
	if len(s.BGP.NodeConfigs) != 2 || len(s.Pools) != 2 || s.Pools[1].APIVersion != "cilium.io/v2alpha1" {
		t.Errorf("node configs %d, pools %+v", len(s.BGP.NodeConfigs), s.Pools)
	}
}

func TestSnapshotBGPv1(t *testing.T) {
	env := startHomelab(t, testenv.Options{Flavor: testenv.Cilium120, BGPv1: true}, readTestdata(t, "bgpv1.yaml"))
	s := snapshotJSON(t, testenv.Kubeconfig(t, env.Config))
	wantSources(t, s, nil)
	pp := s.BGP.PeeringPolicies
	if len(pp) != 1 || pp[0].APIVersion != "cilium.io/v2alpha1" || len(pp[0].VirtualRouters) != 1 {
		t.Fatalf("peering policies: %+v", pp)
	}
	vr := pp[0].VirtualRouters[0]
	if vr.LocalASN != 64512 || !*vr.ExportPodCIDR || len(vr.Neighbors) != 2 || vr.Neighbors[0].PeerAddress != "192.168.1.1/32" ||
		*vr.Neighbors[0].HoldTimeSeconds != 90 || vr.Neighbors[0].Families[0].AFI != "ipv4" || vr.ServiceSelector.MatchExpressions[0].Values[0] != "public" {
		t.Errorf("virtual router decoded wrong: %+v", vr)
	}
	if len(s.BGP.ClusterConfigs) != 0 || len(s.Pools) != 1 || s.Pools[0].APIVersion != "cilium.io/v2" {
		t.Errorf("cc %d pools %+v", len(s.BGP.ClusterConfigs), s.Pools)
	}
	views := s.ResolveBGP() // nuc-1, nuc-2, pi-cp
	if len(views[0].SelectedBy) != 1 || views[0].SelectedBy[0].Kind != model.KindPeeringPolicy || views[0].Instances[0].LocalASN != 64512 ||
		len(views[0].Instances[0].Peers) != 2 || len(views[1].SelectedBy) != 0 || len(views[2].SelectedBy) != 1 {
		t.Errorf("BGPv1 normalised view: %+v", views)
	}
}

func TestSnapshotWithoutCilium(t *testing.T) {
	base := rewrite(t, readTestdata(t, "homelab-base.yaml"), func(o *unstructured.Unstructured) bool {
		return slices.Contains([]string{"Namespace", "Node", "Service", "EndpointSlice"}, o.GetKind())
	})
	env := testenv.Start(t, testenv.Options{Flavor: testenv.NoCilium, APIServerFlags: homelabAPIServerFlags})
	env.Seed(t, base)
	s := snapshotJSON(t, testenv.Kubeconfig(t, env.Config))
	want := map[string]model.Status{model.SourceCiliumConfig: model.StatusNotInstalled}
	for _, src := range []string{model.SourceCiliumNodes, model.SourcePeeringPolicies, model.SourceClusterConfigs, model.SourcePeerConfigs,
		model.SourceAdvertisements, model.SourceNodeConfigs, model.SourceNodeConfigOverride, model.SourcePools, model.SourceL2Policies} {
		want[src] = model.StatusNotInstalled
	}
	wantSources(t, s, want)
	if len(s.Nodes) != 3 || len(s.Services) != 5 || s.Cilium.Version != "" || s.Cilium.Config.Present {
		t.Errorf("nodes %d services %d cilium %+v", len(s.Nodes), len(s.Services), s.Cilium)
	}
}

// A user who may not read CiliumBGPNodeConfigs and Services: those two kinds are
// forbidden, everything else is still collected.
func TestSnapshotRBACRestricted(t *testing.T) {
	env := startHomelab(t, testenv.Options{Flavor: testenv.Cilium120, BGPv1: true}, readTestdata(t, "homelab-bgpv2.yaml"))
	admin := kubernetes.NewForConfigOrDie(env.Config)
	ctx := t.Context()
	role := &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "bgpnet-partial"},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"nodes", "configmaps"}, Verbs: []string{"get", "list"}},
			{APIGroups: []string{"apps"}, Resources: []string{"daemonsets", "deployments"}, Verbs: []string{"get", "list"}},
			{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: []string{"get", "list"}},
			{APIGroups: []string{"cilium.io"}, Resources: []string{
				"ciliumnodes", "ciliumbgppeeringpolicies", "ciliumbgpclusterconfigs", "ciliumbgppeerconfigs", "ciliumbgpadvertisements",
				"ciliumbgpnodeconfigoverrides", "ciliumloadbalancerippools", "ciliuml2announcementpolicies"}, Verbs: []string{"get", "list"}},
		},
	}
	if _, err := admin.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "bgpnet-partial"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "bgpnet-partial"},
		Subjects:   []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: "alice"}},
	}
	if _, err := admin.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	s := snapshotJSON(t, testenv.Kubeconfig(t, env.User(t, "alice")))
	wantSources(t, s, map[string]model.Status{model.SourceNodeConfigs: model.StatusForbidden, model.SourceServices: model.StatusForbidden})
	if msg := source(t, s, model.SourceServices).Message; !strings.Contains(msg, `"alice"`) || !strings.Contains(msg, "services") {
		t.Errorf("forbidden message should name the user and resource: %q", msg)
	}
	if len(s.BGP.NodeConfigs) != 0 || len(s.Services) != 0 || len(s.BGP.ClusterConfigs) != 1 || len(s.Nodes) != 3 || len(s.Pools) != 2 {
		t.Errorf("partial snapshot wrong: nc %d svc %d cc %d nodes %d pools %d", len(s.BGP.NodeConfigs), len(s.Services),
			len(s.BGP.ClusterConfigs), len(s.Nodes), len(s.Pools))
	}
}

// A LIST that hangs (a stuck aggregated API, an overloaded etcd) costs that kind its
// data, not the snapshot: the kind times out and the rest is collected.
func TestSnapshotSlowKindTimesOut(t *testing.T) {
	env := startHomelab(t, testenv.Options{Flavor: testenv.Cilium120, BGPv1: true}, readTestdata(t, "homelab-bgpv2.yaml"))
	proxy := hangingProxy(t, env.Config, "/ciliumbgpnodeconfigs")
	start := time.Now()
	s := snapshotJSON(t, testenv.Kubeconfig(t, &rest.Config{Host: proxy}), "--timeout", "2s")
	elapsed := time.Since(start)
	wantSources(t, s, map[string]model.Status{model.SourceNodeConfigs: model.StatusTimeout})
	if msg := source(t, s, model.SourceNodeConfigs).Message; !strings.Contains(msg, "2s") {
		t.Errorf("timeout message should give the limit: %q", msg)
	}
	if len(s.BGP.ClusterConfigs) != 1 || len(s.Services) != 5 {
		t.Errorf("other kinds lost: cc %d svc %d", len(s.BGP.ClusterConfigs), len(s.Services))
	}
	// the hang is cut at the per-kind timeout, not after some global client timeout
	if elapsed > 30*time.Second {
		t.Errorf("snapshot took %s with a 2s per-kind timeout", elapsed)
	}
}

// hangingProxy forwards to the API server with the admin's credentials, except that
// requests whose path contains hang never get an answer (until the client gives up).
func hangingProxy(t *testing.T, cfg *rest.Config, hang string) string {
	return adminProxy(t, cfg, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if strings.Contains(r.URL.Path, hang) {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Minute):
			}
			return
		}
		next.ServeHTTP(w, r)
	})
}

// adminProxy serves plain HTTP on loopback and forwards to the API server with the
// credentials of cfg; handle sees every request first.
func adminProxy(tb testing.TB, cfg *rest.Config, handle func(w http.ResponseWriter, r *http.Request, next http.Handler)) string {
	tb.Helper()
	target, err := url.Parse(cfg.Host)
	if err != nil {
		tb.Fatal(err)
	}
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = rt
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handle(w, r, rp) }))
	tb.Cleanup(srv.Close)
	return srv.URL
}

// An object the decoder cannot read (here: a ClusterConfig with a string ASN and a pool
// with a broken CIDR, stored under a lax schema) is reported on that object; the rest
// of its kind and every other kind are still collected.
func TestSnapshotMalformedObjects(t *testing.T) {
	env := startHomelab(t, testenv.Options{Flavor: testenv.Cilium120,
		Unvalidated: []string{"ciliumbgpclusterconfigs", "ciliumloadbalancerippools"}}, readTestdata(t, "homelab-bgpv2.yaml"))
	env.Seed(t, `
apiVersion: cilium.io/v2
kind: CiliumBGPClusterConfig
metadata: {name: broken}
spec:
  bgpInstances:
  - name: instance-1
    localASN: "sixty-four thousand"
---
apiVersion: cilium.io/v2
kind: CiliumLoadBalancerIPPool
metadata: {name: typo}
spec:
  blocks:
  - cidr: 192.168.300.0/24
  - {start: 10.9.0.20, stop: 10.9.0.10}
`)
	code, out, errOut := runCLI(t, "--kubeconfig", testenv.Kubeconfig(t, env.Config), "snapshot", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var s model.Snapshot
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	wantSources(t, &s, map[string]model.Status{model.SourcePeeringPolicies: model.StatusNotInstalled})
	st := source(t, &s, model.SourceClusterConfigs)
	if st.Count != 2 || len(st.ObjectErrors) != 1 || st.ObjectErrors[0].Name != "broken" || !strings.Contains(st.ObjectErrors[0].Error, "localASN") ||
		!strings.Contains(st.Message, "1 object(s) could not be decoded") {
		t.Errorf("cluster configs status: %+v", st)
	}
	if len(s.BGP.ClusterConfigs) != 1 || s.BGP.ClusterConfigs[0].Name != "homelab" {
		t.Errorf("the valid ClusterConfig must survive: %+v", s.BGP.ClusterConfigs)
	}
	// a bad block is kept as written, with its error, next to the good pools
	var typo *model.LBPool
	for i := range s.Pools {
		if s.Pools[i].Name == "typo" {
			typo = &s.Pools[i]
		}
	}
	if len(s.Pools) != 3 || typo == nil || typo.Blocks[0].Raw != "192.168.300.0/24" || typo.Blocks[0].Error == "" ||
		!strings.Contains(typo.Blocks[1].Error, "before start") {
		t.Errorf("pools: %+v", s.Pools)
	}
}
