// SPDX-License-Identifier: Apache-2.0

package kube

import (
	"context"
	"encoding/json"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/rest"
)

// served maps "version/resource" to true for every cilium.io resource the server serves.
type served map[string]bool

func (s served) has(version, resource string) bool { return s[version+"/"+resource] }

// discoverCilium asks the server which cilium.io versions and resources it serves:
// one request per group version, not the whole discovery document. A group version
// the server does not know is simply absent; any other failure is returned.
func discoverCilium(ctx context.Context, rc rest.Interface) (served, error) {
	out := served{}
	for _, v := range []string{"v2", "v2alpha1"} {
		raw, err := rc.Get().AbsPath("/apis", ciliumGroup, v).SetHeader("Accept", "application/json").DoRaw(ctx)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return out, fmt.Errorf("discover %s/%s: %w", ciliumGroup, v, err)
		}
		var rl metav1.APIResourceList
		if err := json.Unmarshal(raw, &rl); err != nil || rl.GroupVersion == "" {
			return out, notJSON("/apis/"+ciliumGroup+"/"+v, raw)
		}
		for _, r := range rl.APIResources {
			out[v+"/"+r.Name] = true
		}
	}
	return out, nil
}

// NotAPIServerError says the endpoint answered, but not as a Kubernetes API server
// does: /version missing (404), or an HTML page or other non-JSON where discovery is.
type NotAPIServerError struct {
	// Reason says what it answered instead.
	Reason string
}

func (e *NotAPIServerError) Error() string { return "not a Kubernetes API server: " + e.Reason }

// notJSON describes an answer that is not the JSON a Kubernetes API server sends,
// quoting (escaped) only its start: it may be anything, including terminal controls.
func notJSON(path string, raw []byte) *NotAPIServerError {
	start := raw
	if len(start) > 40 {
		start = start[:40]
	}
	return &NotAPIServerError{Reason: fmt.Sprintf("GET %s answered %d bytes that are not its JSON, starting %q", path, len(raw), start)}
}

// serverVersion reads /version under ctx. Every Kubernetes API server serves it (to
// anonymous users too), so a 404 or a body that is not a version object means the
// endpoint is something else.
func serverVersion(ctx context.Context, rc rest.Interface) (string, error) {
	raw, err := rc.Get().AbsPath("/version").SetHeader("Accept", "application/json").DoRaw(ctx)
	if apierrors.IsNotFound(err) {
		return "", &NotAPIServerError{Reason: "GET /version answered 404 Not Found"}
	}
	if err != nil {
		return "", fmt.Errorf("read server version: %w", err)
	}
	var info version.Info
	if err := json.Unmarshal(raw, &info); err != nil || info.GitVersion == "" {
		return "", notJSON("/version", raw)
	}
	return info.GitVersion, nil
}
