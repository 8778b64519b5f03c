// SPDX-License-Identifier: Apache-2.0

package hubble

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
)

// PortForward forwards a local port on 127.0.0.1 to the Service's backend, like
// `hubble --port-forward`: the Service's first port, mapped to the container port of a
// Running pod the Service selects. It returns the local address; the forward stops
// when ctx ends.
func PortForward(ctx context.Context, cfg *rest.Config, core kubernetes.Interface, namespace, service string) (string, error) {
	svc, err := core.CoreV1().Services(namespace).Get(ctx, service, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("get Service %s/%s: %w", namespace, service, err)
	}
	if len(svc.Spec.Ports) == 0 || len(svc.Spec.Selector) == 0 {
		return "", fmt.Errorf("Service %s/%s has no ports or no selector", namespace, service)
	}
	pods, err := core.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(svc.Spec.Selector).String()})
	if err != nil {
		return "", fmt.Errorf("list pods of Service %s/%s: %w", namespace, service, err)
	}
	var pod *corev1.Pod
	for i := range pods.Items {
		if pods.Items[i].Status.Phase == corev1.PodRunning && pods.Items[i].DeletionTimestamp == nil {
			pod = &pods.Items[i]
			break
		}
	}
	if pod == nil {
		return "", fmt.Errorf("no Running pod behind Service %s/%s", namespace, service)
	}
	port, err := containerPort(pod, svc.Spec.Ports[0])
	if err != nil {
		return "", fmt.Errorf("Service %s/%s: %w", namespace, service, err)
	}
	transport, upgrader, err := spdy.RoundTripperFor(cfg)
	if err != nil {
		return "", fmt.Errorf("port-forward to %s/%s: %w", namespace, pod.Name, err)
	}
	url := core.CoreV1().RESTClient().Post().Resource("pods").Namespace(namespace).Name(pod.Name).SubResource("portforward").URL()
	dialer := spdy.NewDialer(upgrader, &http.Client{Transport: transport}, http.MethodPost, url)
	ready := make(chan struct{})
	stop := make(chan struct{})
	fw, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{fmt.Sprintf("0:%d", port)}, stop, ready, io.Discard, io.Discard)
	if err != nil {
		return "", fmt.Errorf("port-forward to %s/%s: %w", namespace, pod.Name, err)
	}
	errc := make(chan error, 1)
	go func() { errc <- fw.ForwardPorts() }()
	go func() {
		<-ctx.Done()
		close(stop)
	}()
	select {
	case <-ready:
	case err := <-errc:
		return "", fmt.Errorf("port-forward to %s/%s:%d: %w", namespace, pod.Name, port, err)
	case <-ctx.Done():
		return "", ctx.Err()
	}
	ports, err := fw.GetPorts()
	if err != nil || len(ports) == 0 {
		return "", fmt.Errorf("port-forward to %s/%s: no local port: %v", namespace, pod.Name, err)
	}
	return fmt.Sprintf("127.0.0.1:%d", ports[0].Local), nil
}

// containerPort resolves a Service port's targetPort (number or name) in a pod.
func containerPort(pod *corev1.Pod, sp corev1.ServicePort) (int32, error) {
	tp := sp.TargetPort
	switch {
	case tp.Type == intstr.Int && tp.IntVal != 0:
		return tp.IntVal, nil
	case tp.Type == intstr.String && tp.StrVal != "":
		if n, err := strconv.Atoi(tp.StrVal); err == nil {
			return int32(n), nil
		}
		for _, c := range pod.Spec.Containers {
			for _, p := range c.Ports {
				if p.Name == tp.StrVal {
					return p.ContainerPort, nil
				}
			}
		}
		return 0, fmt.Errorf("no container port named %q in pod %s", tp.StrVal, pod.Name)
	}
	return sp.Port, nil // targetPort defaults to port
}
