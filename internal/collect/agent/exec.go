// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
)

// Executor runs a command in a container and returns its output.
type Executor interface {
	Exec(ctx context.Context, namespace, pod, container string, command []string) (stdout, stderr []byte, err error)
}

// KubeExecutor execs through the API server like kubectl exec: SPDY first, falling
// back to WebSocket when the upgrade fails (or a proxy in between refuses SPDY).
type KubeExecutor struct {
	Config *rest.Config
	Client kubernetes.Interface
}

// Exec implements Executor.
func (k KubeExecutor) Exec(ctx context.Context, namespace, pod, container string, command []string) ([]byte, []byte, error) {
	req := k.Client.CoreV1().RESTClient().Post().Resource("pods").Namespace(namespace).Name(pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Container: container, Command: command, Stdout: true, Stderr: true}, scheme.ParameterCodec)
	spdy, err := remotecommand.NewSPDYExecutor(k.Config, http.MethodPost, req.URL())
	if err != nil {
		return nil, nil, fmt.Errorf("exec in %s/%s: %w", namespace, pod, err)
	}
	ws, err := remotecommand.NewWebSocketExecutor(k.Config, http.MethodGet, req.URL().String())
	if err != nil {
		return nil, nil, fmt.Errorf("exec in %s/%s: %w", namespace, pod, err)
	}
	ex, err := remotecommand.NewFallbackExecutor(spdy, ws, func(err error) bool {
		return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("exec in %s/%s: %w", namespace, pod, err)
	}
	var out, errOut bytes.Buffer
	if err := ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: &out, Stderr: &errOut}); err != nil {
		return out.Bytes(), errOut.Bytes(), fmt.Errorf("exec %v in %s/%s: %w", command, namespace, pod, err)
	}
	return out.Bytes(), errOut.Bytes(), nil
}
