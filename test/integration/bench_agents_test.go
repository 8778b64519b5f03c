// SPDX-License-Identifier: Apache-2.0

package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/collect/agent"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/testenv"
	"github.com/bgpnet/kubectl-bgpnet/internal/views"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
)

// p3Nodes is the scale of the P3 benchmark: BGP nodes, each with an agent pod.
const p3Nodes = 200

// p3Cluster seeds p3Nodes kwok nodes selected by one ClusterConfig, their NodeConfigs
// with status (one established session each), and a Running agent pod per node whose
// cilium-dbg answers `bgp peers -o json` with a recorded GoBGP lab answer.
func p3Cluster(b *testing.B) (*testenv.Env, string) {
	env := testenv.Start(b, testenv.Options{Flavor: testenv.Cilium120})
	k := env.StartKwok(b, testenv.BuildFakeAgent(b))
	var y strings.Builder
	y.WriteString(`apiVersion: v1
kind: ConfigMap
metadata: {name: cilium-config, namespace: kube-system}
data: {enable-bgp-control-plane: "true", ipam: kubernetes, routing-mode: native, ipv4-native-routing-cidr: 10.0.0.0/8}
---
apiVersion: cilium.io/v2
kind: CiliumBGPClusterConfig
metadata: {name: racks}
spec:
  nodeSelector: {matchLabels: {bgp: enabled}}
  bgpInstances: [{name: tor, localASN: 64512, peers: [{name: rtr, peerAddress: 192.0.2.1, peerASN: 64513, peerConfigRef: {name: rtr}}]}]
---
apiVersion: cilium.io/v2
kind: CiliumBGPPeerConfig
metadata: {name: rtr}
spec: {families: [{afi: ipv4, safi: unicast}]}
`)
	var nodes []testenv.BulkNode
	var names []string
	for i := range p3Nodes {
		name := fmt.Sprintf("node-%03d", i)
		names = append(names, name)
		nodes = append(nodes, testenv.BulkNode{Name: name, Labels: map[string]string{"bgp": "enabled"},
			InternalIP: fmt.Sprintf("10.1.%d.%d", i/250, i%250+1), PodCIDR: fmt.Sprintf("10.%d.%d.0/24", 100+i/256, i%256)})
		fmt.Fprintf(&y, `---
apiVersion: cilium.io/v2
kind: CiliumBGPNodeConfig
metadata: {name: %s}
spec:
  bgpInstances: [{name: tor, localASN: 64512, peers: [{name: rtr, peerAddress: 192.0.2.1, peerASN: 64513}]}]
status:
  bgpInstances: [{name: tor, localASN: 64512, peers: [{name: rtr, peerAddress: 192.0.2.1, peerASN: 64513, peeringState: established, establishedTime: "2026-11-20T08:00:00Z", routeCount: [{afi: ipv4, safi: unicast, received: 0, advertised: 2}]}]}]
`, name)
	}
	env.Seed(b, y.String())
	k.AddNodes(b, nodes)
	raw, err := os.ReadFile(filepath.Join("..", "..", "internal", "collect", "agent", "testdata", "peers-gobgp-lab.json"))
	if err != nil {
		b.Fatal(err)
	}
	state, _ := json.Marshal(map[string]any{"mode": "rest", "peers": json.RawMessage(raw)})
	statePath := filepath.Join(b.TempDir(), "agent.json")
	if err := os.WriteFile(statePath, state, 0o644); err != nil {
		b.Fatal(err)
	}
	k.AddAgentPods(b, "kube-system", names, map[string]string{"BGPNET_AGENT_STATE": statePath})
	return env, testenv.Kubeconfig(b, env.Config)
}

// peersRows runs `kubectl bgpnet peers -o json` with extra flags and returns its rows.
func peersRows(b *testing.B, kubeconfig string, extra ...string) []views.PeerRow {
	code, out, errOut := runCLI(b, append([]string{"--kubeconfig", kubeconfig, "peers", "-o", "json"}, extra...)...)
	if code != 0 {
		b.Fatalf("peers %v: %d %s", extra, code, errOut)
	}
	var doc struct {
		Peers []views.PeerRow `json:"peers"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		b.Fatal(err)
	}
	return doc.Peers
}

// unboundedExec is the baseline: cilium-cli's strategy for `cilium bgp peers` — one
// goroutine per agent pod, all at once, under one overall context and no per-pod limit.
func unboundedExec(ctx context.Context, core kubernetes.Interface, ex agent.Executor) (ok int, err error) {
	pods, err := core.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{LabelSelector: "k8s-app=cilium"})
	if err != nil {
		return 0, err
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []error
	for _, p := range pods.Items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, _, err := ex.Exec(ctx, p.Namespace, p.Name, "cilium-agent", []string{"cilium-dbg", "bgp", "peers", "-o", "json"})
			if err == nil {
				_, err = agent.DecodePeers(out)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", p.Name, err))
			} else {
				ok++
			}
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return ok, errs[0]
	}
	return ok, nil
}

// ciliumCLIExecutor execs as cilium-cli does: remotecommand.NewSPDYExecutor per exec.
type ciliumCLIExecutor struct {
	cfg  *rest.Config
	core kubernetes.Interface
}

func (c ciliumCLIExecutor) Exec(ctx context.Context, namespace, pod, container string, command []string) ([]byte, []byte, error) {
	req := c.core.CoreV1().RESTClient().Post().Resource("pods").Namespace(namespace).Name(pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Container: container, Command: command, Stdout: true, Stderr: true}, scheme.ParameterCodec)
	ex, err := remotecommand.NewSPDYExecutor(c.cfg, http.MethodPost, req.URL())
	if err != nil {
		return nil, nil, err
	}
	var out, errOut bytes.Buffer
	err = ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: &out, Stderr: &errOut})
	return out.Bytes(), errOut.Bytes(), err
}

// BenchmarkP3PeersAtScale compares, on 200 kwok nodes with agent pods, the three ways
// to get every node's sessions: CiliumBGPNodeConfig status (the default when present),
// exec into every agent with bgpnet's bounded concurrency (16), and the unbounded
// goroutine-per-pod exec of cilium-cli. Targets: status ≥10× faster than exec; bounded
// never slower than unbounded.
func BenchmarkP3PeersAtScale(b *testing.B) {
	env, kc := p3Cluster(b)
	cfg := rest.CopyConfig(env.Config)
	cfg.QPS, cfg.Burst = 50, 100
	core := kubernetes.NewForConfigOrDie(cfg)
	// bgpnet's executor (shared TLS sessions) and cilium-cli's (a new SPDY executor,
	// full TLS handshake, per exec: k8s.Client.ExecInPodWithStderr)
	ex, err := agent.NewKubeExecutor(cfg, core)
	if err != nil {
		b.Fatal(err)
	}
	plain := ciliumCLIExecutor{cfg: cfg, core: core}
	ctx := context.Background()

	// kwok picks the ClusterExec up asynchronously: wait until every agent answers (bounded)
	for deadline := time.Now().Add(2 * time.Minute); ; {
		nodes, st := agent.Collect(ctx, core, ex, agent.Options{Concurrency: 16})
		if st.Status == model.StatusOK && st.Failed == 0 && len(nodes) == p3Nodes {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("agents not answering: %+v", st)
		}
		time.Sleep(time.Second)
	}

	var crd, cliExec time.Duration
	execs := map[string]time.Duration{}
	runs := []struct {
		name string
		run  func() (int, error)
	}{
		{"bounded", func() (int, error) {
			nodes, st := agent.Collect(ctx, core, ex, agent.Options{Concurrency: 16})
			if st.Failed > 0 {
				return len(nodes) - st.Failed, fmt.Errorf("%s", st.Message)
			}
			return len(nodes), nil
		}},
		{"unbounded-cilium-cli", func() (int, error) { return unboundedExec(ctx, core, plain) }},
		{"unbounded-same-executor", func() (int, error) { return unboundedExec(ctx, core, ex) }},
	}
	iter := 0
	for b.Loop() {
		start := time.Now()
		rows := peersRows(b, kc)
		crd += time.Since(start)
		if len(rows) != p3Nodes || rows[0].Source != views.FromNodeConfig {
			b.Fatalf("status path: %d rows, first %+v", len(rows), rows[0])
		}

		start = time.Now()
		rows = peersRows(b, kc, "--agents", "always")
		cliExec += time.Since(start)
		if len(rows) != p3Nodes || rows[0].Source != views.FromAgent {
			b.Fatalf("exec path: %d rows, first %+v", len(rows), rows[0])
		}

		// the exec strategies take turns going first, so none always runs on a cooler
		// (or warmer) API server
		for j := range runs {
			r := runs[(iter+j)%len(runs)]
			start := time.Now()
			ok, err := r.run()
			execs[r.name] += time.Since(start)
			if err != nil || ok != p3Nodes {
				b.Fatalf("%s exec: %d ok, %v", r.name, ok, err)
			}
		}
		iter++
	}
	n := float64(b.N)
	ms := func(d time.Duration) float64 { return float64(d.Milliseconds()) / n }
	b.ReportMetric(ms(crd), "status-ms")
	b.ReportMetric(ms(cliExec), "exec-ms")
	b.ReportMetric(float64(cliExec)/float64(crd), "exec/status")
	b.ReportMetric(ms(execs["bounded"]), "bounded-exec-ms")
	b.ReportMetric(ms(execs["unbounded-cilium-cli"]), "unbounded-cilium-cli-ms")
	b.ReportMetric(ms(execs["unbounded-same-executor"]), "unbounded-same-executor-ms")
	b.ReportMetric(float64(execs["bounded"])/float64(execs["unbounded-cilium-cli"]), "bounded/cilium-cli")
	b.ReportMetric(float64(execs["bounded"])/float64(execs["unbounded-same-executor"]), "bounded/unbounded-same")
}
