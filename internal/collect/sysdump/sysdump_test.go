// SPDX-License-Identifier: Apache-2.0

package sysdump

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/testenv"
	flowpb "github.com/cilium/cilium/api/v1/flow"
	observerpb "github.com/cilium/cilium/api/v1/observer"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// files renders a small cluster as cilium-cli's sysdump writes it.
func files(t testing.TB, l2 bool, image string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	put := func(name string, o runtime.Object) {
		data, err := testenv.SysdumpYAML(o)
		if err != nil {
			t.Fatal(err)
		}
		out[name+"-"+testenv.SysdumpTime+".yaml"] = data
	}
	put("k8s-nodes", &corev1.NodeList{Items: []corev1.Node{
		{ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{"bgp": "on"}},
			Status: corev1.NodeStatus{Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "192.168.1.11"}}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "n2", Labels: map[string]string{"bgp": "off"}},
			Status: corev1.NodeStatus{Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "192.168.1.12"}}}},
	}})
	put("k8s-services", &corev1.ServiceList{Items: []corev1.Service{{
		ObjectMeta: metav1.ObjectMeta{Namespace: "web", Name: "front", Labels: map[string]string{"app": "front"}},
		Spec:       corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Ports: []corev1.ServicePort{{Protocol: "TCP", Port: 80}}},
		Status:     corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{{IP: "10.0.10.1"}}}},
	}}})
	put("cilium-configmap", &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "cilium", Name: "cilium-config"},
		Data: map[string]string{"enable-bgp-control-plane": "true", "enable-l2-announcements": fmt.Sprint(l2)}})
	put("cilium-daemonset", &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Namespace: "cilium", Name: "cilium"},
		Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"k8s-app": "cilium"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "cilium-agent", Image: image}}}}},
		Status: appsv1.DaemonSetStatus{DesiredNumberScheduled: 2, NumberReady: 2}})
	put("k8s-pods", &corev1.PodList{Items: []corev1.Pod{{
		ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "kube-proxy-abcde", Labels: map[string]string{"k8s-app": "kube-proxy"},
			OwnerReferences: []metav1.OwnerReference{{Kind: "DaemonSet", Name: "kube-proxy", APIVersion: "apps/v1", UID: "1"}}},
		Spec:   corev1.PodSpec{Containers: []corev1.Container{{Name: "kube-proxy", Image: "registry.k8s.io/kube-proxy:v1.34.0"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	}}})
	cc := &unstructured.UnstructuredList{Object: map[string]any{"apiVersion": "cilium.io/v2", "kind": "CiliumBGPClusterConfigList"}}
	cc.Items = append(cc.Items, unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "cilium.io/v2", "kind": "CiliumBGPClusterConfig", "metadata": map[string]any{"name": "tor"},
		"spec": map[string]any{"nodeSelector": map[string]any{"matchLabels": map[string]any{"bgp": "on"}},
			"bgpInstances": []any{map[string]any{"name": "i", "localASN": int64(64512), "peers": []any{
				map[string]any{"name": "gw", "peerAddress": "192.168.1.1", "peerASN": int64(64513)}}}}},
	}})
	put("ciliumbgpclusterconfigs", cc)
	pools := &unstructured.UnstructuredList{Object: map[string]any{"apiVersion": "cilium.io/v2", "kind": "CiliumLoadBalancerIPPoolList"}}
	pools.Items = append(pools.Items, unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "cilium.io/v2", "kind": "CiliumLoadBalancerIPPool", "metadata": map[string]any{"name": "vips"},
		"spec": map[string]any{"blocks": []any{map[string]any{"cidr": "10.0.10.0/24"}}},
	}})
	put("ciliumloadbalancerippools", pools)
	out["cilium-sysdump.log"] = []byte("⚠️ failed to collect ciliumbgpnodeconfigoverrides: the server could not find the requested resource (get ciliumbgpnodeconfigoverrides.cilium.io)\n")
	return out
}

func zipOf(t testing.TB, fs map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := testenv.WriteSysdumpZip(&b, fs); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func read(t *testing.T, data []byte, limits Limits) (*model.Snapshot, error) {
	t.Helper()
	return ReadArchive(bytes.NewReader(data), int64(len(data)), "test.zip", limits)
}

func TestReadSysdump(t *testing.T) {
	s, err := read(t, zipOf(t, files(t, false, "quay.io/cilium/cilium:v1.19.2@sha256:abc")), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	if s.Origin != "sysdump" || s.CollectedAt.Format("20060102-150405") != testenv.SysdumpTime || s.Cluster.CiliumNamespace != "cilium" {
		t.Errorf("origin %q, collected %s, cilium namespace %q", s.Origin, s.CollectedAt, s.Cluster.CiliumNamespace)
	}
	if len(s.Nodes) != 2 || s.Nodes[0].Labels["bgp"] != "on" || s.Nodes[0].InternalIPs[0].String() != "192.168.1.11" {
		t.Errorf("nodes: %+v", s.Nodes)
	}
	if len(s.Services) != 1 || s.Services[0].Ingress[0].IP != "10.0.10.1" {
		t.Errorf("services: %+v", s.Services)
	}
	if s.Cilium.Version != "1.19.2" || !model.Bool(s.Cilium.Config.EnableBGPControlPlane, false) {
		t.Errorf("cilium %q, config %+v", s.Cilium.Version, s.Cilium.Config)
	}
	if !s.KubeProxy.Present || s.KubeProxy.DaemonSet.Ready != 1 {
		t.Errorf("kube-proxy from its pods: %+v", s.KubeProxy)
	}
	if len(s.BGP.ClusterConfigs) != 1 || s.BGP.ClusterConfigs[0].APIVersion != "cilium.io/v2" || len(s.Pools) != 1 {
		t.Errorf("cluster configs %+v, pools %+v", s.BGP.ClusterConfigs, s.Pools)
	}
	want := map[string]model.Status{
		model.SourceNodes: model.StatusOK, model.SourceServices: model.StatusOK, model.SourceClusterConfigs: model.StatusOK,
		model.SourcePools: model.StatusOK, model.SourceDaemonSets: model.StatusOK,
		model.SourceEndpointSlices:     model.StatusSkipped,      // no file
		model.SourceNodeConfigOverride: model.StatusNotInstalled, // the log says so
		model.SourcePeeringPolicies:    model.StatusNotInstalled, // removed in 1.19
		model.SourceL2Policies:         model.StatusNotInstalled, // L2 announcements off
		model.SourceAgents:             model.StatusSkipped,
	}
	for name, st := range want {
		if got, _ := s.Source(name); got.Status != st {
			t.Errorf("source %s: %s (%s), want %s", name, got.Status, got.Message, st)
		}
	}
	if got, _ := s.Source(model.SourceNodes); !strings.Contains(got.Message, "k8s-nodes-"+testenv.SysdumpTime+".yaml") || got.Count != 2 {
		t.Errorf("nodes source should name its file and count: %+v", got)
	}
}

func TestReadSysdumpWhatItCannotKnow(t *testing.T) {
	fs := files(t, true, "quay.io/cilium/cilium:v1.18.4")
	delete(fs, "cilium-sysdump.log")
	s, err := read(t, zipOf(t, fs), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		model.SourceL2Policies:         "does not collect",                        // enabled, but not in a sysdump
		model.SourcePeeringPolicies:    "no ciliumbgppeeringpolicies-<time>.yaml", // 1.18: could exist
		model.SourceNodeConfigOverride: "no ciliumbgpnodeconfigoverrides",
	} {
		if got, _ := s.Source(name); got.Status != model.StatusSkipped || !strings.Contains(got.Message, want) {
			t.Errorf("source %s: %s %q, want skipped with %q", name, got.Status, got.Message, want)
		}
	}
}

func TestReadSysdumpBadFile(t *testing.T) {
	fs := files(t, false, "quay.io/cilium/cilium:v1.19.2")
	fs["k8s-services-"+testenv.SysdumpTime+".yaml"] = []byte("items: [\n  - {metadata: {name: x}\n")
	fs["ciliumloadbalancerippools-"+testenv.SysdumpTime+".yaml"] = []byte(`apiVersion: cilium.io/v2
kind: CiliumLoadBalancerIPPoolList
items:
- apiVersion: cilium.io/v2
  kind: CiliumLoadBalancerIPPool
  metadata: {name: broken}
  spec: {blocks: "not a list"}
- apiVersion: cilium.io/v2
  kind: CiliumLoadBalancerIPPool
  metadata: {name: good}
  spec: {blocks: [{cidr: 10.0.10.0/24}]}
`)
	s, err := read(t, zipOf(t, fs), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	svc, _ := s.Source(model.SourceServices)
	if svc.Status != model.StatusError || !strings.Contains(svc.Message, "k8s-services-"+testenv.SysdumpTime+".yaml") {
		t.Errorf("malformed Services file: %+v", svc)
	}
	if nodes, _ := s.Source(model.SourceNodes); nodes.Status != model.StatusOK || len(s.Nodes) != 2 {
		t.Errorf("the other files are still read: %+v", nodes)
	}
	pools, _ := s.Source(model.SourcePools)
	if len(s.Pools) != 1 || s.Pools[0].Name != "good" || len(pools.ObjectErrors) != 1 || pools.ObjectErrors[0].Name != "broken" {
		t.Errorf("a malformed object is named, the others kept: pools %+v, errors %+v", s.Pools, pools.ObjectErrors)
	}
}

func TestReadSysdumpHostile(t *testing.T) {
	small := Limits{Entries: 50, Entry: 64 << 10, Total: 256 << 10}
	bomb := func(n int) map[string][]byte {
		fs := files(t, false, "quay.io/cilium/cilium:v1.19.2")
		fs["k8s-pods-"+testenv.SysdumpTime+".yaml"] = bytes.Repeat([]byte("#"), n)
		return fs
	}
	many := map[string][]byte{}
	for i := range 60 {
		many[fmt.Sprintf("f%d.txt", i)] = nil
	}
	var lying bytes.Buffer
	zw := zip.NewWriter(&lying)
	w, _ := zw.CreateRaw(&zip.FileHeader{Name: "k8s-nodes-" + testenv.SysdumpTime + ".yaml", Method: zip.Store, CompressedSize64: 3, UncompressedSize64: 3, CRC32: 1})
	_, _ = w.Write([]byte("abc"))
	_ = zw.Close()
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"not a zip", []byte("apiVersion: v1\nkind: List\n"), "not a readable zip archive"},
		{"empty zip", zipOf(t, map[string][]byte{}), "not a cilium sysdump"},
		{"other zip", zipOf(t, map[string][]byte{"../../etc/passwd": []byte("root")}), "not a cilium sysdump"},
		{"too many entries", zipOf(t, many), "60 entries"},
		{"truncated", zipOf(t, files(t, false, "x"))[:300], "not a readable zip archive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := read(t, tc.data, small)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "test.zip") {
				t.Errorf("error %v, want one naming test.zip with %q", err, tc.want)
			}
		})
	}
	// an entry beyond the limits fails its source, names itself, and the rest is read
	for _, tc := range []struct {
		name   string
		fs     map[string][]byte
		limits Limits
		src    string
		want   string
	}{
		{"entry too large", bomb(100 << 10), small, model.SourceDaemonSets, "more than the 64 KiB allowed"},
		{"archive too large", bomb(60 << 10), Limits{Entries: 50, Entry: 64 << 10, Total: 40 << 10}, model.SourceDaemonSets, "more than 40 KiB in all"},
		{"no object", bomb(10), small, model.SourceDaemonSets, "no object in it"},
		{"CRC mismatch", nil, small, model.SourceNodes, "checksum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := lying.Bytes()
			if tc.fs != nil {
				data = zipOf(t, tc.fs)
			}
			s, err := read(t, data, tc.limits)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := s.Source(tc.src)
			if !strings.Contains(st.Message, tc.want) {
				t.Errorf("source %s: %s %q, want %q", tc.src, st.Status, st.Message, tc.want)
			}
		})
	}
}

// FuzzReadArchive feeds arbitrary bytes and mutated sysdumps: never a panic, and
// either an error naming the input or a snapshot.
func FuzzReadArchive(f *testing.F) {
	// small seeds: the fuzzer minimises every new input, and a whole sysdump takes long
	f.Add(zipOf(f, map[string][]byte{"k8s-nodes-" + testenv.SysdumpTime + ".yaml": []byte("apiVersion: v1\nkind: NodeList\nitems:\n- metadata: {name: n1}\n")}))
	f.Add(zipOf(f, map[string][]byte{"cilium-configmap-" + testenv.SysdumpTime + ".yaml": []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config}\ndata: {a: b}\n"),
		"cilium-sysdump.log": []byte("failed to collect ciliumnodes: forbidden\n")}))
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ReadArchive(bytes.NewReader(data), int64(len(data)), "fuzz.zip", Limits{Entries: 100, Entry: 1 << 20, Total: 4 << 20})
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.zip") {
				t.Errorf("error does not name the input: %v", err)
			}
			return
		}
		if s == nil || s.Origin != "sysdump" {
			t.Errorf("no snapshot and no error")
		}
	})
}

// flowLines renders flows as `hubble observe -o jsonpb` prints them: a GetFlowsResponse
// per line.
func flowLines(t *testing.T, rs ...*observerpb.GetFlowsResponse) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, r := range rs {
		line, err := protojson.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func flowTo(dst string, v flowpb.Verdict) *observerpb.GetFlowsResponse {
	return &observerpb.GetFlowsResponse{NodeName: "n1", Time: timestamppb.Now(), ResponseTypes: &observerpb.GetFlowsResponse_Flow{Flow: &flowpb.Flow{
		Verdict: v, DropReasonDesc: flowpb.DropReason_SERVICE_BACKEND_NOT_FOUND, NodeName: "n1",
		IP: &flowpb.IP{Source: "203.0.113.7", Destination: dst, IpVersion: flowpb.IPVersion_IPv4},
		L4: &flowpb.Layer4{Protocol: &flowpb.Layer4_TCP{TCP: &flowpb.TCP{SourcePort: 40000, DestinationPort: 81}}},
	}}}
}

func TestReadSysdumpFlows(t *testing.T) {
	fs := files(t, false, "quay.io/cilium/cilium:v1.19.2")
	good := flowLines(t, flowTo("10.0.10.1", flowpb.Verdict_DROPPED), flowTo("10.0.10.1", flowpb.Verdict_FORWARDED),
		flowTo("10.244.1.5", flowpb.Verdict_DROPPED),
		&observerpb.GetFlowsResponse{NodeName: "n1", ResponseTypes: &observerpb.GetFlowsResponse_LostEvents{LostEvents: &observerpb.LostEvent{NumEventsLost: 3}}})
	fs["hubble-flows-cilium-a1b2c-"+testenv.SysdumpTime+".json"] = append(good, []byte("{\"flow\": {\"verdict\": 7\n")...)
	fs["hubble-flows-cilium-d3e4f-"+testenv.SysdumpTime+".json"] = []byte("level=info msg=\"not a flow\"\n")
	s, err := read(t, zipOf(t, fs), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := s.Source(model.SourceHubble)
	if st.Status != model.StatusOK || st.Count != 1 || st.Failed != 1 || st.Display() != "partial" || !strings.Contains(st.Message, "3 flows in 1 hubble-flows files") ||
		!strings.Contains(st.Message, "not read: hubble-flows-cilium-d3e4f-"+testenv.SysdumpTime+".json: no line is a Hubble flow") {
		t.Errorf("hubble source: %+v", st)
	}
	if len(s.Flows) != 1 || s.Flows[0].Destination != "10.0.10.1" || s.Flows[0].DropReason != "SERVICE_BACKEND_NOT_FOUND" || s.Flows[0].DestinationPort != 81 {
		t.Errorf("flows: %+v", s.Flows)
	}
	delete(fs, "hubble-flows-cilium-a1b2c-"+testenv.SysdumpTime+".json")
	s, _ = read(t, zipOf(t, fs), DefaultLimits)
	if st, _ := s.Source(model.SourceHubble); st.Status != model.StatusError {
		t.Errorf("only an unreadable flow file: %+v", st)
	}
	delete(fs, "hubble-flows-cilium-d3e4f-"+testenv.SysdumpTime+".json")
	s, _ = read(t, zipOf(t, fs), DefaultLimits)
	if st, _ := s.Source(model.SourceHubble); st.Status != model.StatusSkipped {
		t.Errorf("no flow file: %+v", st)
	}
}

// bugtool packs files the way cilium-bugtool does: a gzipped tar of one directory.
func bugtool(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: "cilium-bugtool-20261122-101512/" + name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReadSysdumpAgents(t *testing.T) {
	fs := files(t, false, "quay.io/cilium/cilium:v1.20.2")
	pods := &corev1.PodList{Items: []corev1.Pod{
		{ObjectMeta: metav1.ObjectMeta{Namespace: "cilium", Name: "cilium-a1b2c", Labels: map[string]string{"k8s-app": "cilium"}}, Spec: corev1.PodSpec{NodeName: "n1"}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "cilium", Name: "cilium-d3e4f", Labels: map[string]string{"k8s-app": "cilium"}}, Spec: corev1.PodSpec{NodeName: "n2"}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "cilium", Name: "cilium-g5h6i", Labels: map[string]string{"k8s-app": "cilium"}}, Spec: corev1.PodSpec{NodeName: "n3"}},
	}}
	data, err := testenv.SysdumpYAML(pods)
	if err != nil {
		t.Fatal(err)
	}
	fs["k8s-pods-"+testenv.SysdumpTime+".yaml"] = data
	md := "# cilium-dbg shell -- bgp/peers -f detailed\n\n```\nInstance: i\n  Peer: gw\n    Address: 192.168.1.1\n    Port: 179\n    PeerAsn: 64513\n    LocalAsn: 64512\n    Session State: established\n    Uptime: 5m0s\n    Address Families:\n      ipv4/unicast:\n        Received Routes: 1\n        Accepted Routes: 1\n        Advertised Routes: 2\n```\n"
	fs["cilium-bugtool-cilium-a1b2c-"+testenv.SysdumpTime+".tar.gz"] = bugtool(t, map[string]string{
		"cmd/cilium-dbg-shell----bgp-peers--f-detailed.md": md, "cmd/cilium-dbg-status---verbose.md": "# cilium-dbg status --verbose\n",
		"cmd/cilium-dbg-shell----bgp-routes--a-out-ipv4-unicast.md": "# cilium-dbg shell -- bgp/routes -a out ipv4 unicast\n\n```\n" +
			"Instance   Peer   Prefix            NextHop        Age\ni          gw     10.0.10.1/32      192.168.1.11   5m0s\n                  10.244.1.0/24     192.168.1.11   5m0s\n```\n"})
	fs["cilium-bugtool-cilium-d3e4f-"+testenv.SysdumpTime+".tar.gz"] = bugtool(t, map[string]string{
		"cmd/cilium-dbg-shell----bgp-peers--f-detailed.md": "# cilium-dbg shell -- bgp/peers -f detailed\n\n```\nBGP Control Plane is disabled\n```\n"})
	fs["cilium-bugtool-cilium-zzzzz-"+testenv.SysdumpTime+".tar.gz"] = []byte("\x1f\x8b broken")
	fs["cilium-bugtool-cilium-g5h6i-"+testenv.SysdumpTime+".tar.gz"] = bugtool(t, map[string]string{"cmd/cilium-dbg-status.md": "ok"})[:40]
	s, err := read(t, zipOf(t, fs), DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := s.Source(model.SourceAgents)
	if st.Status != model.StatusOK || st.Count != 4 || st.Failed != 3 || !strings.Contains(st.Message, "from 4 cilium-bugtool archives") {
		t.Errorf("agents source: %+v", st)
	}
	byPod := map[string]model.AgentNode{}
	for _, n := range s.Agents {
		byPod[n.Pod] = n
	}
	if n := byPod["cilium-a1b2c"]; n.Node != "n1" || n.Status != model.StatusOK || len(n.Peers) != 1 || n.Peers[0].PeerAddress != "192.168.1.1" ||
		n.Peers[0].State != "established" || n.Peers[0].Families[0].Advertised != 2 || !strings.Contains(n.Via, "cmd/cilium-dbg-shell----bgp-peers--f-detailed.md") {
		t.Errorf("agent n1: %+v", n)
	}
	if n := byPod["cilium-d3e4f"]; n.Node != "n2" || n.Status != model.StatusNotInstalled {
		t.Errorf("agent with BGP off: %+v", n)
	}
	if n := byPod["cilium-zzzzz"]; n.Status != model.StatusError || !strings.Contains(n.Message, "not in k8s-pods") {
		t.Errorf("agent of an unknown pod: %+v", n)
	}
	if n := byPod["cilium-g5h6i"]; n.Status != model.StatusError || !strings.Contains(n.Message, "cilium-bugtool-cilium-g5h6i-"+testenv.SysdumpTime+".tar.gz") {
		t.Errorf("a truncated archive: %+v", n)
	}
	if n := byPod["cilium-a1b2c"]; len(n.Routes) != 2 || n.Routes[0].Peer != "192.168.1.1" || n.Routes[0].Prefix.String() != "10.0.10.1/32" {
		t.Errorf("routes of n1, to the peer's address: %+v", n.Routes)
	}
	if r, _ := s.Source(model.SourceAgentRoutes); r.Status != model.StatusOK || r.Count != 2 || !strings.Contains(r.Message, "from 1 of 4") {
		t.Errorf("agent routes: %+v", r)
	}
}

// repeated streams n bytes of chunk repeated into w, without holding them.
func repeated(t *testing.T, w io.Writer, chunk string, n int) {
	t.Helper()
	buf := []byte(strings.Repeat(chunk, 64<<10/len(chunk)))
	for n > 0 {
		k := min(n, len(buf))
		if _, err := w.Write(buf[:k]); err != nil {
			t.Fatal(err)
		}
		n -= k
	}
}

// bombZip is the sysdump of files plus one member streamed by write, deflated.
func bombZip(t *testing.T, fs map[string][]byte, name string, write func(io.Writer)) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for n, data := range fs {
		w, err := zw.Create("cilium-sysdump-" + testenv.SysdumpTime + "/" + n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "cilium-sysdump-" + testenv.SysdumpTime + "/" + name, Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	write(w)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestReadSysdumpBombs: members that expand far beyond their size fail their source
// within seconds and a bounded amount of memory; the rest of the sysdump is read.
func TestReadSysdumpBombs(t *testing.T) {
	if testing.Short() {
		t.Skip("compresses 500 MiB")
	}
	pods := "k8s-pods-" + testenv.SysdumpTime + ".yaml"
	laughs := "apiVersion: v1\nkind: PodList\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
	for i := 1; len(laughs) < 1<<20; i++ {
		laughs += fmt.Sprintf("l%d: &l%d [*l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d, *l%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	agentPods, err := testenv.SysdumpYAML(&corev1.PodList{Items: []corev1.Pod{
		{ObjectMeta: metav1.ObjectMeta{Namespace: "cilium", Name: "cilium-a1b2c"}, Spec: corev1.PodSpec{NodeName: "n1"}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		member string
		write  func(io.Writer)
		source string
		want   string
	}{
		{"250 MiB of YAML in a 250 KB member", pods, func(w io.Writer) {
			_, _ = io.WriteString(w, "apiVersion: v1\nkind: PodList\nitems:\n")
			repeated(t, w, "- {}\n", 250<<20)
		}, model.SourceDaemonSets, "decompresses to more than 200 times its"},
		{"1 MiB of aliases", pods, func(w io.Writer) { _, _ = io.WriteString(w, laughs) },
			model.SourceDaemonSets, pods + ": YAML aliases expand it beyond its size"},
		{"250 MiB inside a bugtool archive", "cilium-bugtool-cilium-a1b2c-" + testenv.SysdumpTime + ".tar.gz", func(w io.Writer) {
			gz, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
			tw := tar.NewWriter(gz)
			_ = tw.WriteHeader(&tar.Header{Name: "cilium-bugtool-x/junk", Mode: 0o644, Size: 250 << 20, Typeflag: tar.TypeReg})
			repeated(t, tw, "\x00", 250<<20)
			_ = tw.Close()
			_ = gz.Close()
		}, model.SourceAgents, "decompresses to more than 200 times its"},
		{"a command output beyond 16 MiB", "cilium-bugtool-cilium-a1b2c-" + testenv.SysdumpTime + ".tar.gz", func(w io.Writer) {
			gz := gzip.NewWriter(w)
			tw := tar.NewWriter(gz)
			_ = tw.WriteHeader(&tar.Header{Name: "cilium-bugtool-x/cmd/" + peerOutputs[0], Mode: 0o644, Size: 17 << 20, Typeflag: tar.TypeReg})
			noise := make([]byte, 17<<20) // does not compress: only the size limit applies
			for i := range noise {
				noise[i] = "0123456789abcdef"[rand.IntN(16)]
			}
			_, _ = tw.Write(noise)
			_ = tw.Close()
			_ = gz.Close()
		}, model.SourceAgents, "larger than 16 MiB: not read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := files(t, false, "quay.io/cilium/cilium:v1.19.2")
			if tc.source == model.SourceAgents {
				fs[pods] = agentPods
			} else {
				delete(fs, pods)
			}
			data := bombZip(t, fs, tc.member, tc.write)
			goruntime.GC()
			var before, after goruntime.MemStats
			goruntime.ReadMemStats(&before)
			start := time.Now()
			s, err := read(t, data, DefaultLimits)
			elapsed := time.Since(start)
			goruntime.ReadMemStats(&after)
			t.Logf("%d KiB zip: read in %s, %d MiB allocated", len(data)>>10, elapsed.Round(time.Millisecond), (after.TotalAlloc-before.TotalAlloc)>>20)
			if err != nil {
				t.Fatal(err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 160<<20 || elapsed > 10*time.Second {
				t.Errorf("took %s and allocated %d MiB", elapsed, alloc>>20)
			}
			st, _ := s.Source(tc.source)
			msg := st.Message
			if tc.source == model.SourceAgents && len(s.Agents) == 1 {
				msg = s.Agents[0].Message // the source names the agent, the agent the cause
			}
			if st.Display() == "ok" || !strings.Contains(msg, tc.want) {
				t.Errorf("source %s: %s %q, want %q", tc.source, st.Display(), msg, tc.want)
			}
			if nodes, _ := s.Source(model.SourceNodes); nodes.Status != model.StatusOK || len(s.Nodes) != 2 {
				t.Errorf("the other files are still read: %+v", nodes)
			}
		})
	}
}
