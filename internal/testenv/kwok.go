// SPDX-License-Identifier: Apache-2.0

package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Kwok runs kwok against the test API server: nodes annotated kwok.x-k8s.io/node=fake
// become Ready, pods bound to them Running, and exec into them runs a local command
// found on kwok's PATH (the fake agent as cilium-dbg).
type Kwok struct {
	env  *Env
	core kubernetes.Interface
	dyn  dynamic.Interface
}

var (
	execGVR        = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "execs"}
	portForwardGVR = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "portforwards"}
)

// StartKwok starts kwok with binDir first on its PATH; it stops with the test.
func (e *Env) StartKwok(t TB, binDir string) *Kwok {
	t.Helper()
	if _, err := envtest.InstallCRDs(e.Config, envtest.CRDInstallOptions{Paths: []string{filepath.Join(e.Assets, "kwok-crds")}}); err != nil {
		t.Fatalf("install kwok CRDs: %v", err)
	}
	kubeconfig := Kubeconfig(t, e.Config)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	cmd := exec.Command(filepath.Join(e.Assets, "kwok"),
		"--kubeconfig="+kubeconfig,
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
		"--node-ip=127.0.0.1",
		fmt.Sprintf("--node-port=%d", port),
		fmt.Sprintf("--server-address=127.0.0.1:%d", port),
		"--cidr=10.244.0.0/16",
		"--enable-crds=Exec,ClusterExec,PortForward",
		"--config="+filepath.Join(e.Assets, "kwok-stages.yaml"))
	cmd.Env = append(os.Environ(), "PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	logf, err := os.Create(filepath.Join(t.TempDir(), "kwok.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start kwok: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
		_ = logf.Close()
	})
	return &Kwok{env: e, core: kubernetes.NewForConfigOrDie(e.Config), dyn: dynamic.NewForConfigOrDie(e.Config)}
}

// AddNode creates a kwok node with the given InternalIPs and labels and waits until it
// is Ready. Its Hostname address 127.0.0.1 routes exec to kwok.
func (k *Kwok) AddNode(t TB, name string, labels map[string]string, internalIPs ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"}}}
	for _, ip := range internalIPs {
		n.Status.Addresses = append(n.Status.Addresses, corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: ip})
	}
	n.Status.Addresses = append(n.Status.Addresses, corev1.NodeAddress{Type: corev1.NodeHostName, Address: "127.0.0.1"})
	if _, err := k.core.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create node %s: %v", name, err)
	}
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		got, err := k.core.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		for _, c := range got.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("node %s not Ready: %v", name, err)
	}
}

// AddAgentPod creates a Cilium agent pod (k8s-app=cilium, container cilium-agent) on
// node, whose exec runs with env, and waits until it is Running.
func (k *Kwok) AddAgentPod(t TB, namespace, node string, env map[string]string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// envtest has no controller-manager: the ServiceAccount admission needs the SA to exist
	_, err := k.core.CoreV1().ServiceAccounts(namespace).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "cilium"}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	name := "cilium-" + node
	no := false
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: map[string]string{"k8s-app": "cilium"}},
		Spec: corev1.PodSpec{NodeName: node, ServiceAccountName: "cilium", AutomountServiceAccountToken: &no, HostNetwork: true,
			Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			Containers:  []corev1.Container{{Name: "cilium-agent", Image: "quay.io/cilium/cilium:v1.18.4"}}},
	}
	if _, err := k.core.CoreV1().Pods(namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create pod %s: %v", name, err)
	}
	var envs []any
	for _, key := range sortedKeys(env) {
		envs = append(envs, map[string]any{"name": key, "value": env[key]})
	}
	ex := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "Exec",
		"metadata": map[string]any{"name": name, "namespace": namespace},
		"spec": map[string]any{"execs": []any{map[string]any{
			"containers": []any{"cilium-agent"},
			"local":      map[string]any{"workDir": os.TempDir(), "envs": envs},
		}}},
	}}
	if _, err := k.dyn.Resource(execGVR).Namespace(namespace).Create(ctx, ex, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create kwok Exec %s: %v", name, err)
	}
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := k.core.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodRunning, nil
	})
	if err != nil {
		t.Fatalf("pod %s not Running: %v", name, err)
	}
	return name
}

// BuildFakeAgent builds test/fakeagent as <dir>/cilium-dbg and returns dir.
func BuildFakeAgent(t TB) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "cilium-dbg"), "github.com/bgpnet/kubectl-bgpnet/test/fakeagent")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build fake agent: %v\n%s", err, out)
	}
	return dir
}

// AddHubbleRelay creates what a Cilium install has for hubble-relay — the Service (first
// port 80 → targetPort "grpc") and a pod with container port grpc/4245 on node — and
// makes kwok forward that pod's port to target ("127.0.0.1:port", e.g. a HubbleServer).
func (k *Kwok) AddHubbleRelay(t TB, namespace, node string, targetPort int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	labels := map[string]string{"k8s-app": "hubble-relay"}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "hubble-relay", Namespace: namespace, Labels: labels},
		Spec: corev1.ServiceSpec{Selector: labels, Ports: []corev1.ServicePort{
			{Name: "grpc", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString("grpc")}}},
	}
	if _, err := k.core.CoreV1().Services(namespace).Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create Service hubble-relay: %v", err)
	}
	_, err := k.core.CoreV1().ServiceAccounts(namespace).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "hubble-relay"}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	no := false
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "hubble-relay-0", Namespace: namespace, Labels: labels},
		Spec: corev1.PodSpec{NodeName: node, ServiceAccountName: "hubble-relay", AutomountServiceAccountToken: &no,
			Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
			Containers: []corev1.Container{{Name: "hubble-relay", Image: "quay.io/cilium/hubble-relay:v1.18.4",
				Ports: []corev1.ContainerPort{{Name: "grpc", ContainerPort: 4245, Protocol: corev1.ProtocolTCP}}}}},
	}
	if _, err := k.core.CoreV1().Pods(namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create hubble-relay pod: %v", err)
	}
	pf := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "PortForward",
		"metadata": map[string]any{"name": "hubble-relay-0", "namespace": namespace},
		"spec": map[string]any{"forwards": []any{map[string]any{
			"ports":  []any{int64(4245)},
			"target": map[string]any{"address": "127.0.0.1", "port": int64(targetPort)},
		}}},
	}}
	if _, err := k.dyn.Resource(portForwardGVR).Namespace(namespace).Create(ctx, pf, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create kwok PortForward: %v", err)
	}
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := k.core.CoreV1().Pods(namespace).Get(ctx, pod.Name, metav1.GetOptions{})
		return err == nil && p.Status.Phase == corev1.PodRunning, nil
	})
	if err != nil {
		t.Fatalf("hubble-relay pod not Running: %v", err)
	}
}
