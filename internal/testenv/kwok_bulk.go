// SPDX-License-Identifier: Apache-2.0

package testenv

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
)

var clusterExecGVR = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "clusterexecs"}

// BulkNode describes one node of AddNodes.
type BulkNode struct {
	Name       string
	Labels     map[string]string
	InternalIP string
	PodCIDR    string
}

// AddNodes creates many kwok nodes at once (16 concurrent creates) and waits, with one
// LIST per poll, until all are Ready.
func (k *Kwok) AddNodes(t TB, nodes []BulkNode) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	for _, bn := range nodes {
		g.Go(func() error {
			n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: bn.Name, Labels: bn.Labels, Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"}}}
			if bn.PodCIDR != "" {
				n.Spec.PodCIDR, n.Spec.PodCIDRs = bn.PodCIDR, []string{bn.PodCIDR}
			}
			n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: bn.InternalIP}, {Type: corev1.NodeHostName, Address: "127.0.0.1"}}
			if _, err := k.core.CoreV1().Nodes().Create(gctx, n, metav1.CreateOptions{}); err != nil {
				return fmt.Errorf("create node %s: %w", bn.Name, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
		list, err := k.core.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		ready := 0
		for _, n := range list.Items {
			for _, c := range n.Status.Conditions {
				if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
					ready++
				}
			}
		}
		return ready >= len(nodes), nil
	})
	if err != nil {
		t.Fatalf("%d nodes not Ready: %v", len(nodes), err)
	}
}

// AddAgentPods creates one agent pod per node (as the cilium DaemonSet would), makes
// exec into any pod of namespace run with env (one kwok ClusterExec), and waits until
// all pods are Running.
func (k *Kwok) AddAgentPods(t TB, namespace string, nodes []string, env map[string]string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	_, err := k.core.CoreV1().ServiceAccounts(namespace).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "cilium"}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	var envs []any
	for _, key := range sortedKeys(env) {
		envs = append(envs, map[string]any{"name": key, "value": env[key]})
	}
	ce := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "ClusterExec",
		"metadata": map[string]any{"name": "cilium-agents-" + namespace},
		"spec": map[string]any{
			"selector": map[string]any{"matchNamespaces": []any{namespace}},
			"execs":    []any{map[string]any{"containers": []any{"cilium-agent"}, "local": map[string]any{"workDir": "/tmp", "envs": envs}}},
		},
	}}
	if _, err := k.dyn.Resource(clusterExecGVR).Create(ctx, ce, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create kwok ClusterExec: %v", err)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16)
	no := false
	for _, node := range nodes {
		g.Go(func() error {
			pod := &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: "cilium-" + node, Namespace: namespace, Labels: map[string]string{"k8s-app": "cilium"}},
				Spec: corev1.PodSpec{NodeName: node, ServiceAccountName: "cilium", AutomountServiceAccountToken: &no, HostNetwork: true,
					Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
					Containers:  []corev1.Container{{Name: "cilium-agent", Image: "quay.io/cilium/cilium:v1.20.2"}}},
			}
			if _, err := k.core.CoreV1().Pods(namespace).Create(gctx, pod, metav1.CreateOptions{}); err != nil {
				return fmt.Errorf("create pod %s: %w", pod.Name, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
		list, err := k.core.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: "k8s-app=cilium"})
		if err != nil {
			return false, nil
		}
		running := 0
		for _, p := range list.Items {
			if p.Status.Phase == corev1.PodRunning {
				running++
			}
		}
		return running >= len(nodes), nil
	})
	if err != nil {
		t.Fatalf("%d agent pods not Running: %v", len(nodes), err)
	}
}
