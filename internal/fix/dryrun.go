// SPDX-License-Identifier: Apache-2.0

package fix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aymanbagabas/go-udiff"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"
)

// ErrConflict says the object changed since the snapshot the proposal was made from.
var ErrConflict = errors.New("changed since the snapshot")

// DryRun sends a Kubernetes proposal (merge patch, JSON patch or create) to the API
// server with dryRun=All and returns the unified diff between the object now and what
// the server would store. Nothing is changed. It refuses when the object changed since
// the snapshot (resourceVersion) or, for a create, already exists.
func DryRun(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, p Proposal) (string, error) {
	var target *unstructured.Unstructured
	var gvk schema.GroupVersionKind
	switch p.Kind {
	case KindPatch, KindJSONPatch:
		if p.Target == nil {
			return "", errors.New("the patch names no target")
		}
		gvk = schema.FromAPIVersionAndKind(orDefault(p.Target.APIVersion, "v1"), p.Target.Kind)
	case KindCreate:
		target = &unstructured.Unstructured{Object: p.Object}
		gvk = target.GroupVersionKind()
	default:
		return "", fmt.Errorf("a %s fix is not a Kubernetes change: run it by hand", p.Kind)
	}
	m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", gvk, err)
	}
	var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
	name, ns := "", ""
	if target != nil {
		name, ns = target.GetName(), target.GetNamespace()
	} else {
		name, ns = p.Target.Name, p.Target.Namespace
	}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		ri = dyn.Resource(m.Resource).Namespace(ns)
	}
	what := fmt.Sprintf("%s %s", gvk.Kind, name)
	if ns != "" {
		what = fmt.Sprintf("%s %s/%s", gvk.Kind, ns, name)
	}
	dry := []string{metav1.DryRunAll}
	if p.Kind == KindCreate {
		after, err := ri.Create(ctx, target, metav1.CreateOptions{DryRun: dry})
		if apierrors.IsAlreadyExists(err) {
			return "", fmt.Errorf("%s already exists: refusing to create it", what)
		}
		if err != nil {
			return "", fmt.Errorf("dry-run create %s: %w", what, err)
		}
		return diff(what, nil, after)
	}
	before, err := ri.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return "", fmt.Errorf("get %s: %w", what, err)
	}
	if p.ResourceVersion != "" && before.GetResourceVersion() != p.ResourceVersion {
		return "", fmt.Errorf("%s: %w (resourceVersion %s, now %s): refresh and look again", what, ErrConflict, p.ResourceVersion, before.GetResourceVersion())
	}
	pt, body := types.MergePatchType, any(p.Patch)
	if p.Kind == KindJSONPatch {
		pt, body = types.JSONPatchType, p.JSONPatch
	}
	data, err := json.Marshal(body)
	if err != nil {
		return "", fmt.Errorf("encode the patch of %s: %w", what, err)
	}
	after, err := ri.Patch(ctx, name, pt, data, metav1.PatchOptions{DryRun: dry})
	if apierrors.IsConflict(err) {
		return "", fmt.Errorf("%s: %w: %v", what, ErrConflict, err)
	}
	if err != nil {
		return "", fmt.Errorf("dry-run patch %s: %w", what, err)
	}
	return diff(what, before, after)
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// diff renders before → after as YAML without the fields the server maintains.
func diff(what string, before, after *unstructured.Unstructured) (string, error) {
	render := func(u *unstructured.Unstructured) (string, error) {
		if u == nil {
			return "", nil
		}
		c := u.DeepCopy()
		for _, f := range []string{"managedFields", "resourceVersion", "generation", "uid", "creationTimestamp"} {
			unstructured.RemoveNestedField(c.Object, "metadata", f)
		}
		b, err := yaml.Marshal(c.Object)
		return string(b), err
	}
	a, err := render(before)
	if err != nil {
		return "", err
	}
	b, err := render(after)
	if err != nil {
		return "", err
	}
	return udiff.Unified(what+" (now)", what+" (after the fix, dry-run)", a, b), nil
}
