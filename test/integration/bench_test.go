// SPDX-License-Identifier: Apache-2.0

package integration

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/cli"
	"github.com/bgpnet/kubectl-bgpnet/internal/testenv"
	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/pager"
)

// The scale of the P1 benchmark.
const (
	scaleNodes    = 1000
	scaleServices = 5000
	scalePools    = 50
)

// envBenchChild makes the test binary run one measured operation as a child process,
// so that its peak RSS is its own (see TestMain).
const envBenchChild = "BGPNET_BENCH_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(envBenchChild); mode != "" {
		os.Exit(benchChild(mode, os.Getenv("KUBECONFIG")))
	}
	os.Exit(m.Run())
}

// benchChild runs one operation against the cluster of kubeconfig and prints its wall time.
func benchChild(mode, kubeconfig string) int {
	start := time.Now()
	var err error
	switch mode {
	case "snapshot":
		// the real command, JSON encoding included
		var errOut bytes.Buffer
		code := cli.Execute(context.Background(), genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: discard{}, ErrOut: &errOut},
			[]string{"--kubeconfig", kubeconfig, "snapshot", "-o", "json"})
		if code != 0 {
			err = fmt.Errorf("snapshot exited %d: %s", code, errOut.String())
		}
	case "bare":
		err = bareLists(kubeconfig)
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(time.Since(start).Nanoseconds())
	return 0
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// bareLists is the baseline: the same kinds the snapshot reads, as plain paginated
// LISTs (500 per page) with the same client settings, one kind after the other, with
// every page decoded and the full list kept in memory, as `kubectl get -o json` does.
func bareLists(kubeconfig string) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = 50, 100
	cfg.WarningHandler = rest.NoWarnings{}
	pcfg := rest.CopyConfig(cfg)
	pcfg.ContentType = runtime.ContentTypeProtobuf
	core, err := kubernetes.NewForConfig(pcfg)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ctx := context.Background()
	type listFn = func(context.Context, metav1.ListOptions) (runtime.Object, error)
	lists := []listFn{
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return core.CoreV1().Nodes().List(ctx, o)
		},
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return core.CoreV1().Services("").List(ctx, o)
		},
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return core.DiscoveryV1().EndpointSlices("").List(ctx, o)
		},
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return core.AppsV1().DaemonSets("kube-system").List(ctx, o)
		},
		func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return core.AppsV1().Deployments("kube-system").List(ctx, o)
		},
	}
	for _, r := range []string{"ciliumbgpnodeconfigs", "ciliumbgpclusterconfigs", "ciliumbgppeerconfigs", "ciliumbgpadvertisements",
		"ciliumbgpnodeconfigoverrides", "ciliumloadbalancerippools", "ciliumnodes"} {
		ri := dyn.Resource(schema.GroupVersionResource{Group: "cilium.io", Version: "v2", Resource: r})
		lists = append(lists, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) { return ri.List(ctx, o) })
	}
	for _, r := range []string{"ciliumbgppeeringpolicies", "ciliuml2announcementpolicies"} {
		ri := dyn.Resource(schema.GroupVersionResource{Group: "cilium.io", Version: "v2alpha1", Resource: r})
		lists = append(lists, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) { return ri.List(ctx, o) })
	}
	var kept []runtime.Object
	for _, l := range lists {
		p := pager.New(pager.ListPageFunc(l))
		p.PageSize = 500
		obj, _, err := p.List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		kept = append(kept, obj)
	}
	if _, err := core.CoreV1().ConfigMaps("kube-system").Get(ctx, "cilium-config", metav1.GetOptions{}); err != nil {
		return err
	}
	goruntime.KeepAlive(kept)
	return nil
}

// requestLog is a reverse proxy in front of the API server that records every request.
type requestLog struct {
	mu   sync.Mutex
	reqs []string
}

func (l *requestLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.reqs
	l.reqs = nil
	return out
}

func countingProxy(tb testing.TB, cfg *rest.Config) (string, *requestLog) {
	log := &requestLog{}
	url := adminProxy(tb, cfg, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		log.mu.Lock()
		log.reqs = append(log.reqs, r.Method+" "+r.URL.RequestURI())
		log.mu.Unlock()
		next.ServeHTTP(w, r)
	})
	return url, log
}

// perObjectGets returns the GETs that read one named object other than the single
// cilium-config ConfigMap: what "no per-object GETs in loops" forbids.
func perObjectGets(reqs []string) []string {
	var out []string
	for _, r := range reqs {
		path, query, _ := strings.Cut(strings.TrimPrefix(r, "GET "), "?")
		if !strings.HasPrefix(r, "GET ") || strings.Contains(query, "limit=") || path == "/version" ||
			strings.HasPrefix(path, "/apis/cilium.io/v2") && strings.Count(path, "/") == 3 ||
			strings.HasSuffix(path, "/configmaps/cilium-config") {
			continue
		}
		out = append(out, r)
	}
	return out
}

type childResult struct {
	wall     time.Duration
	rssBytes int64
	requests int
}

func runChild(b *testing.B, mode, kubeconfig string, log *requestLog) childResult {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envBenchChild+"="+mode, "KUBECONFIG="+kubeconfig)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("%s child: %v: %s", mode, err, stderr.String())
	}
	var ns int64
	if _, err := fmt.Sscan(string(out), &ns); err != nil {
		b.Fatalf("%s child output %q", mode, out)
	}
	reqs := log.take()
	if mode == "snapshot" {
		if bad := perObjectGets(reqs); len(bad) > 0 {
			b.Errorf("snapshot made %d per-object requests, e.g. %v", len(bad), bad[:min(3, len(bad))])
		}
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return childResult{wall: time.Duration(ns), rssBytes: ru.Maxrss * 1024, requests: len(reqs)}
}

// BenchmarkSnapshotAtScale is the P1 baseline: a real API server holding 1000 nodes,
// 1000 CiliumBGPNodeConfigs with status, 5000 LoadBalancer Services with
// EndpointSlices and 50 pools. Each iteration runs, in child processes, the bare LISTs
// of the same kinds and then `kubectl bgpnet snapshot -o json`, and reports the wall
// time of both, their ratio, the request counts and the peak RSS of each.
func BenchmarkSnapshotAtScale(b *testing.B) {
	env := testenv.Start(b, testenv.Options{Flavor: testenv.Cilium120, BGPv1: true, APIServerFlags: homelabAPIServerFlags})
	start := time.Now()
	seedScale(b, env.Config)
	b.Logf("seeded %d nodes, %d node configs, %d services + endpoint slices, %d pools in %s",
		scaleNodes, scaleNodes, scaleServices, scalePools, time.Since(start).Round(time.Second))
	proxy, log := countingProxy(b, env.Config)
	kubeconfig := testenv.Kubeconfig(b, &rest.Config{Host: proxy})

	var bare, snap []childResult
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		bare = append(bare, runChild(b, "bare", kubeconfig, log))
		snap = append(snap, runChild(b, "snapshot", kubeconfig, log))
	}
	b.StopTimer()
	mb, ms := median(bare), median(snap)
	b.ReportMetric(float64(ms.wall.Milliseconds()), "snapshot-ms")
	b.ReportMetric(float64(mb.wall.Milliseconds()), "bare-ms")
	b.ReportMetric(float64(ms.wall)/float64(mb.wall), "time-ratio")
	b.ReportMetric(float64(ms.requests), "snapshot-requests")
	b.ReportMetric(float64(mb.requests), "bare-requests")
	b.ReportMetric(float64(ms.rssBytes)/(1<<20), "snapshot-peakRSS-MiB")
	b.ReportMetric(float64(mb.rssBytes)/(1<<20), "bare-peakRSS-MiB")
}

// median returns, field by field, the median of the results.
func median(rs []childResult) childResult {
	pick := func(f func(childResult) int64) int64 {
		vs := make([]int64, len(rs))
		for i, r := range rs {
			vs[i] = f(r)
		}
		slices.Sort(vs)
		return vs[len(vs)/2]
	}
	return childResult{
		wall:     time.Duration(pick(func(r childResult) int64 { return int64(r.wall) })),
		rssBytes: pick(func(r childResult) int64 { return r.rssBytes }),
		requests: int(pick(func(r childResult) int64 { return int64(r.requests) })),
	}
}

// seedScale writes the benchmark cluster with 16 parallel writers.
func seedScale(tb testing.TB, cfg *rest.Config) {
	tb.Helper()
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 5000, 5000
	cfg.WarningHandler = rest.NoWarnings{}
	core := kubernetes.NewForConfigOrDie(cfg)
	dyn := dynamic.NewForConfigOrDie(cfg)
	ctx := context.Background()
	ncs := dyn.Resource(schema.GroupVersionResource{Group: "cilium.io", Version: "v2", Resource: "ciliumbgpnodeconfigs"})
	pools := dyn.Resource(schema.GroupVersionResource{Group: "cilium.io", Version: "v2", Resource: "ciliumloadbalancerippools"})
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cilium-config", Namespace: "kube-system"},
		Data: map[string]string{"enable-bgp-control-plane": "true", "routing-mode": "native", "ipam": "kubernetes"}}
	if _, err := core.CoreV1().ConfigMaps("kube-system").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		tb.Fatal(err)
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for i := range scaleNodes {
		g.Go(func() error {
			name := fmt.Sprintf("node-%04d", i)
			n := &corev1.Node{
				ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"bgp-enabled": "true", "rack": fmt.Sprintf("r%02d", i%40)}},
				Spec:       corev1.NodeSpec{PodCIDR: fmt.Sprintf("10.%d.%d.0/24", 100+i/256, i%256)},
			}
			n.Spec.PodCIDRs = []string{n.Spec.PodCIDR}
			created, err := core.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
			if err != nil {
				return err
			}
			created.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: fmt.Sprintf("172.16.%d.%d", i/250, i%250+1)}}
			created.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
			if _, err := core.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
				return err
			}
			nc := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "cilium.io/v2", "kind": "CiliumBGPNodeConfig", "metadata": map[string]any{"name": name},
				"spec": map[string]any{"bgpInstances": []any{map[string]any{"name": "instance-64512", "localASN": int64(64512),
					"peers": []any{map[string]any{"name": "tor", "peerAddress": "172.16.255.1", "peerASN": int64(64513), "peerConfigRef": map[string]any{"name": "tor"}}}}}},
			}}
			cnc, err := ncs.Create(ctx, nc, metav1.CreateOptions{})
			if err != nil {
				return err
			}
			cnc.Object["status"] = map[string]any{"bgpInstances": []any{map[string]any{"name": "instance-64512", "localASN": int64(64512),
				"peers": []any{map[string]any{"name": "tor", "peerAddress": "172.16.255.1", "peerASN": int64(64513), "peeringState": "established",
					"establishedTime": "2026-11-20T08:00:00Z", "timers": map[string]any{"appliedHoldTimeSeconds": int64(90), "appliedKeepaliveSeconds": int64(30)},
					"routeCount": []any{map[string]any{"afi": "ipv4", "safi": "unicast", "received": int64(1), "advertised": int64(120)}}}}}}}
			_, err = ncs.UpdateStatus(ctx, cnc, metav1.UpdateOptions{})
			return err
		})
	}
	for i := range scalePools {
		g.Go(func() error {
			p := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "cilium.io/v2", "kind": "CiliumLoadBalancerIPPool", "metadata": map[string]any{"name": fmt.Sprintf("pool-%02d", i)},
				"spec": map[string]any{"blocks": []any{map[string]any{"cidr": fmt.Sprintf("198.%d.%d.0/24", 18+i/256, i%256)}},
					"serviceSelector": map[string]any{"matchLabels": map[string]any{"pool": fmt.Sprintf("p%02d", i)}}},
			}}
			_, err := pools.Create(ctx, p, metav1.CreateOptions{})
			return err
		})
	}
	noNodePorts := false
	for i := range scaleServices {
		g.Go(func() error {
			name, pool := fmt.Sprintf("svc-%04d", i), i%scalePools
			svc := &corev1.Service{
				ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"pool": fmt.Sprintf("p%02d", pool), "app": name}},
				Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, AllocateLoadBalancerNodePorts: &noNodePorts,
					Selector: map[string]string{"app": name}, Ports: []corev1.ServicePort{{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}}},
			}
			created, err := core.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{})
			if err != nil {
				return err
			}
			created.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: fmt.Sprintf("198.%d.%d.%d", 18+pool/256, pool%256, i/scalePools+1)}}
			if _, err := core.CoreV1().Services("default").UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
				return err
			}
			node := fmt.Sprintf("node-%04d", i%scaleNodes)
			ready := true
			es := &discoveryv1.EndpointSlice{
				ObjectMeta:  metav1.ObjectMeta{Name: name + "-abcde", Namespace: "default", Labels: map[string]string{discoveryv1.LabelServiceName: name}},
				AddressType: discoveryv1.AddressTypeIPv4,
				Endpoints: []discoveryv1.Endpoint{{Addresses: []string{fmt.Sprintf("10.%d.%d.10", 100+(i%scaleNodes)/256, (i%scaleNodes)%256)},
					NodeName: &node, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}},
			}
			_, err = core.DiscoveryV1().EndpointSlices("default").Create(ctx, es, metav1.CreateOptions{})
			return err
		})
	}
	if err := g.Wait(); err != nil {
		tb.Fatalf("seed: %v", err)
	}
}
