// SPDX-License-Identifier: Apache-2.0

package agent

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	spdystream "k8s.io/apimachinery/pkg/util/httpstream/spdy"
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
// back to WebSocket when the upgrade fails (or a proxy in between refuses SPDY). Made
// with NewKubeExecutor it shares one TLS configuration with a session cache across its
// execs, so each new exec connection resumes the TLS session instead of a full
// handshake (the API server then skips verifying the client certificate again).
type KubeExecutor struct {
	Config *rest.Config
	Client kubernetes.Interface
	tls    *tls.Config
}

// NewKubeExecutor returns an executor whose exec connections share TLS sessions.
func NewKubeExecutor(cfg *rest.Config, client kubernetes.Interface) (KubeExecutor, error) {
	t, err := rest.TLSConfigFor(cfg)
	if err != nil {
		return KubeExecutor{}, fmt.Errorf("TLS configuration for exec: %w", err)
	}
	if t != nil {
		t.ClientSessionCache = tls.NewLRUClientSessionCache(0)
	}
	return KubeExecutor{Config: cfg, Client: client, tls: t}, nil
}

// spdyExecutor returns the SPDY executor of one exec: over the shared TLS configuration
// when there is one, else as kubectl builds it.
func (k KubeExecutor) spdyExecutor(u *url.URL) (remotecommand.Executor, error) {
	if k.tls == nil {
		return remotecommand.NewSPDYExecutor(k.Config, http.MethodPost, u)
	}
	proxy := http.ProxyFromEnvironment
	if k.Config.Proxy != nil {
		proxy = k.Config.Proxy
	}
	upgrader, err := spdystream.NewRoundTripperWithConfig(spdystream.RoundTripperConfig{TLS: k.tls, Proxier: proxy, PingPeriod: 5 * time.Second})
	if err != nil {
		return nil, err
	}
	wrapped, err := rest.HTTPWrappersForConfig(k.Config, upgrader)
	if err != nil {
		return nil, err
	}
	return remotecommand.NewSPDYExecutorForTransports(wrapped, upgrader, http.MethodPost, u)
}

// Exec implements Executor.
func (k KubeExecutor) Exec(ctx context.Context, namespace, pod, container string, command []string) ([]byte, []byte, error) {
	req := k.Client.CoreV1().RESTClient().Post().Resource("pods").Namespace(namespace).Name(pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Container: container, Command: command, Stdout: true, Stderr: true}, scheme.ParameterCodec)
	spdy, err := k.spdyExecutor(req.URL())
	if err != nil {
		return nil, nil, fmt.Errorf("exec in %s/%s: %w", namespace, pod, err)
	}
	out, errOut := newStdout(), newStderr()
	err = spdy.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: out, Stderr: errOut})
	if err != nil && spdyRefused(err) {
		// SPDY refused (a proxy, or a server without it): the same exec over WebSocket,
		// built only now so that the common case does not pay for it
		ws, werr := remotecommand.NewWebSocketExecutor(k.Config, http.MethodGet, req.URL().String())
		if werr != nil {
			return nil, nil, fmt.Errorf("exec in %s/%s: %w", namespace, pod, werr)
		}
		out, errOut = newStdout(), newStderr()
		err = ws.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: out, Stderr: errOut})
	}
	// on a timeout the stream goroutines may still be writing: take copies under the lock
	if out.tooLarge() {
		return nil, errOut.copy(), fmt.Errorf("exec %v in %s/%s: stdout larger than %d MiB: not read", command, namespace, pod, maxExecStdout>>20)
	}
	if err != nil {
		return out.copy(), errOut.copy(), fmt.Errorf("exec %v in %s/%s: %w", command, namespace, pod, err)
	}
	return out.copy(), errOut.copy(), nil
}

// Bounds of an exec's output: the agent's peers and routes as JSON are a few MiB even
// on a large cluster; stderr is only read for its message.
const (
	maxExecStdout = 64 << 20
	maxExecStderr = 64 << 10
)

// errOutputTooLarge fails the stream of an exec whose stdout exceeds its bound.
var errOutputTooLarge = errors.New("output too large")

// lockedBuffer is a bytes.Buffer safe for the stream goroutines that write it and the
// caller that reads it after StreamWithContext returned early. It holds at most max
// bytes: beyond, a head buffer (stderr) drops the rest and says so, any other fails the
// write and remembers it (stdout: a cut output is never decoded as if whole).
type lockedBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	max     int
	head    bool
	over    bool
	dropped int
}

func newStdout() *lockedBuffer { return &lockedBuffer{max: maxExecStdout} }
func newStderr() *lockedBuffer { return &lockedBuffer{max: maxExecStderr, head: true} }

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.max > 0 && b.buf.Len()+len(p) > b.max {
		if !b.head {
			b.over = true
			return 0, errOutputTooLarge
		}
		keep := max(b.max-b.buf.Len(), 0)
		b.buf.Write(p[:keep])
		b.dropped += len(p) - keep
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) copy() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := bytes.Clone(b.buf.Bytes())
	if b.dropped > 0 {
		out = fmt.Appendf(out, " … (%d more bytes not kept)", b.dropped)
	}
	return out
}

func (b *lockedBuffer) tooLarge() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.over
}

// spdyRefused reports whether an exec failed because SPDY itself was refused (a proxy or
// a server without it), not because of the exec: the SPDY round tripper reports a non-101
// answer as "unable to upgrade connection: <body>", also for 403 and 404, which the
// WebSocket attempt would only repeat less clearly.
func spdyRefused(err error) bool {
	if httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err) {
		return true
	}
	msg := strings.ToLower(err.Error())
	if !strings.Contains(msg, "unable to upgrade connection") {
		return false
	}
	for _, m := range []string{"forbidden", "not found", "unauthorized", "container not found", "does not have a host assigned"} {
		if strings.Contains(msg, m) {
			return false
		}
	}
	return true
}
