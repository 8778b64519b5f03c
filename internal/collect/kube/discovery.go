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
		if err := json.Unmarshal(raw, &rl); err != nil {
			return out, fmt.Errorf("decode discovery of %s/%s: %w", ciliumGroup, v, err)
		}
		for _, r := range rl.APIResources {
			out[v+"/"+r.Name] = true
		}
	}
	return out, nil
}

// serverVersion reads /version under ctx.
func serverVersion(ctx context.Context, rc rest.Interface) (string, error) {
	raw, err := rc.Get().AbsPath("/version").SetHeader("Accept", "application/json").DoRaw(ctx)
	if err != nil {
		return "", fmt.Errorf("read server version: %w", err)
	}
	var info version.Info
	if err := json.Unmarshal(raw, &info); err != nil {
		return "", fmt.Errorf("decode server version: %w", err)
	}
	return info.GitVersion, nil
}
