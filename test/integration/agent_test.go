// SPDX-License-Identifier: Apache-2.0

package integration

import (
	"context"
	"encoding/json"
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
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// agentState writes the fake agent's state file for one node.
func agentState(t *testing.T, dir, node string, state map[string]any) string {
	t.Helper()
	b, err := json.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, node+".json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func rawFile(t *testing.T, path string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return json.RawMessage(b)
}

// TestAgentCollection execs into agent pods through the real API server and kwok: each
// node's agent answers differently, and each gets its own status.
func TestAgentCollection(t *testing.T) {
	env := testenv.Start(t, testenv.Options{Flavor: testenv.Cilium120})
	k := env.StartKwok(t, testenv.BuildFakeAgent(t))
	dir := t.TempDir()
	agentData := filepath.Join("..", "..", "internal", "collect", "agent", "testdata")
	states := map[string]map[string]any{
		"rest":     {"mode": "rest", "peers": rawFile(t, filepath.Join(agentData, "peers-gobgp-lab.json")), "routes": map[string]any{"ipv4": rawFile(t, filepath.Join(agentData, "routes-advertised-ipv4.json"))}},
		"shell":    {"mode": "shell-only", "shellPeers": rawFile(t, filepath.Join(agentData, "peers-1.20-shell.json"))},
		"disabled": {"mode": "disabled"},
		"garbage":  {"mode": "garbage"},
		"hang":     {"mode": "hang"},
	}
	for i, node := range []string{"rest", "shell", "disabled", "garbage", "hang"} {
		k.AddNode(t, node, map[string]string{"bgp": "on"}, "192.0.2."+string(rune('1'+i)))
		k.AddAgentPod(t, "kube-system", node, map[string]string{"BGPNET_AGENT_STATE": agentState(t, dir, node, states[node])})
	}
	core := kubernetes.NewForConfigOrDie(env.Config)
	ex := agent.KubeExecutor{Config: env.Config, Client: core}
	opts := agent.Options{Timeout: 4 * time.Second, Routes: true, Retries: 1}

	// kwok picks up the Exec objects asynchronously: wait until the first agent answers
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := wait.PollUntilContextTimeout(ctx, 300*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		nodes, _ := agent.Collect(ctx, core, ex, agent.Options{Timeout: 3 * time.Second, Nodes: []string{"rest"}})
		return len(nodes) == 1 && nodes[0].Status == model.StatusOK, nil
	})
	if err != nil {
		t.Fatalf("kwok exec never became ready: %v", err)
	}

	start := time.Now()
	nodes, st := agent.Collect(ctx, core, ex, opts)
	elapsed := time.Since(start)
	byNode := map[string]model.AgentNode{}
	for _, n := range nodes {
		byNode[n.Node] = n
	}
	if st.Status != model.StatusOK || st.Count != 5 || !strings.Contains(st.Message, "3 of 5 agents") {
		t.Errorf("source status: %+v", st)
	}
	if n := byNode["rest"]; n.Status != model.StatusOK || n.Via != "exec cilium-dbg bgp peers -o json" || len(n.Peers) != 1 || n.Peers[0].State != "established" ||
		len(n.Routes) != 2 || n.Routes[0].NextHops[0].String() != "10.0.1.2" {
		t.Errorf("rest agent: %+v", n)
	}
	if n := byNode["shell"]; n.Status != model.StatusOK || !strings.Contains(n.Via, "shell -- bgp/peers") || len(n.Peers) != 2 || n.Peers[0].Instance != "instance-65001" {
		t.Errorf("1.20 shell agent: %+v", n)
	}
	if n := byNode["disabled"]; n.Status != model.StatusNotInstalled || !strings.Contains(n.Message, "disabled") {
		t.Errorf("disabled agent: %+v", n)
	}
	if n := byNode["garbage"]; n.Status != model.StatusError || !strings.Contains(n.Message, `level=info`) {
		t.Errorf("garbage agent: %+v", n)
	}
	if n := byNode["hang"]; n.Status != model.StatusTimeout || !strings.Contains(n.Message, "4s") {
		t.Errorf("hanging agent: %+v", n)
	}
	// the hanging agent costs its own timeout, not the others' (bounded, concurrent)
	if elapsed > 30*time.Second {
		t.Errorf("collection took %s with a 4s per-agent timeout", elapsed)
	}

	// the peers command shows the agents' sessions, says where they came from, and lists
	// the agents that failed after the table
	kc := testenv.Kubeconfig(t, env.Config)
	code, out, errOut := runCLI(t, "--kubeconfig", kc, "peers", "--agents", "always", "--agent-timeout", "4s", "-o", "json")
	if code != 0 {
		t.Fatalf("peers: %d %s", code, errOut)
	}
	var doc struct {
		Peers []struct {
			Node, Peer, State, Source string
		}
		Sources []struct{ Name, Status, Message string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Peers) != 3 || doc.Peers[0].Node != "rest" || doc.Peers[0].Source != "agent" || doc.Peers[0].State != "established" || doc.Peers[2].State != "active" {
		t.Errorf("peers rows: %+v", doc.Peers)
	}
	problems := map[string]string{}
	for _, s := range doc.Sources {
		problems[s.Name] = s.Status
	}
	if problems["agent hang"] != "timeout" || problems["agent garbage"] != "error" || problems["agent disabled"] != "not-installed" {
		t.Errorf("problems listed: %+v", doc.Sources)
	}
	_, text, _ := runCLI(t, "--kubeconfig", kc, "peers", "--agents", "always", "--agent-timeout", "4s")
	if !strings.Contains(text, "Not read completely:") || !strings.Contains(text, "agent hang: timeout") {
		t.Errorf("table output:\n%s", text)
	}

	// routes: decoded next hops and provenance through the whole CLI path
	code, out, errOut = runCLI(t, "--kubeconfig", kc, "routes", "--node", "rest", "--agent-timeout", "4s", "-o", "json")
	var rdoc struct {
		Routes []struct {
			Node, Prefix string
			NextHops     []string
			Provenance   struct{ Kind string }
		}
	}
	if err := json.Unmarshal([]byte(out), &rdoc); code != 0 || err != nil {
		t.Fatalf("routes: %d %v %s", code, err, errOut)
	}
	if len(rdoc.Routes) != 2 || rdoc.Routes[0].Prefix != "10.1.0.0/24" || rdoc.Routes[0].NextHops[0] != "10.0.1.2" || rdoc.Routes[0].Provenance.Kind != "unknown" {
		t.Errorf("routes: %+v", rdoc.Routes)
	}

	// a user who may list pods but not exec: every agent forbidden, said so
	admin := kubernetes.NewForConfigOrDie(env.Config)
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "pods-read", Namespace: "kube-system"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}}}
	if _, err := admin.RbacV1().Roles("kube-system").Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "pods-read", Namespace: "kube-system"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "pods-read"},
		Subjects: []rbacv1.Subject{{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: "viewer"}}}
	if _, err := admin.RbacV1().RoleBindings("kube-system").Create(ctx, rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	viewer := env.User(t, "viewer")
	vcore := kubernetes.NewForConfigOrDie(viewer)
	nodes, st = agent.Collect(ctx, vcore, agent.KubeExecutor{Config: viewer, Client: vcore}, agent.Options{Timeout: 4 * time.Second, Nodes: []string{"rest", "shell"}})
	if st.Status != model.StatusForbidden || len(nodes) != 2 || nodes[0].Status != model.StatusForbidden {
		t.Errorf("without pods/exec: %+v %+v", st, nodes)
	}

	// bgpnet's executor (TLS sessions shared across execs) reads the same answers
	shared, err := agent.NewKubeExecutor(env.Config, core)
	if err != nil {
		t.Fatal(err)
	}
	nodes, _ = agent.Collect(ctx, core, shared, agent.Options{Timeout: 4 * time.Second, Nodes: []string{"rest", "shell"}})
	if len(nodes) != 2 || nodes[0].Status != model.StatusOK || nodes[1].Status != model.StatusOK {
		t.Errorf("shared-TLS executor: %+v", nodes)
	}

	// a proxy in between that refuses SPDY upgrades: the exec falls back to WebSocket
	var mu sync.Mutex
	seen := map[string]int{}
	proxy := adminProxy(t, env.Config, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		up := strings.ToLower(r.Header.Get("Upgrade"))
		mu.Lock()
		seen[up]++
		mu.Unlock()
		if strings.Contains(up, "spdy") {
			http.Error(w, "this proxy does not speak SPDY", http.StatusBadRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
	pcfg := &rest.Config{Host: proxy}
	pcore := kubernetes.NewForConfigOrDie(pcfg)
	pex, err := agent.NewKubeExecutor(pcfg, pcore)
	if err != nil {
		t.Fatal(err)
	}
	nodes, _ = agent.Collect(ctx, pcore, pex, agent.Options{Timeout: 10 * time.Second, Nodes: []string{"rest"}})
	if len(nodes) != 1 || nodes[0].Status != model.StatusOK || len(nodes[0].Peers) != 1 {
		t.Errorf("exec through a SPDY-refusing proxy: %+v", nodes)
	}
	mu.Lock()
	defer mu.Unlock()
	if seen["spdy/3.1"] == 0 || seen["websocket"] == 0 {
		t.Errorf("upgrades the proxy saw: %v (want a SPDY attempt, then WebSocket)", seen)
	}
}
