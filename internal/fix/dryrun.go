// SPDX-License-Identifier: Apache-2.0

package fix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

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

// FieldManager is the field manager bgpnet applies changes as.
const FieldManager = "kubectl-bgpnet"

// ErrConflict says the object changed since the snapshot the proposal was made from.
var ErrConflict = errors.New("changed since the snapshot")

// ErrNotKubernetes says a proposal is not a Kubernetes change (commands, Helm values,
// router configuration): bgpnet prints those and never runs them.
var ErrNotKubernetes = errors.New("not a Kubernetes change: run it by hand")

// Applier sends Kubernetes proposals to the API server: a dry-run first (Plan), then,
// only when asked, the change itself (Apply) with the same preconditions.
type Applier struct {
	Dyn    dynamic.Interface
	Mapper meta.RESTMapper
}

// Plan is a proposal checked by a server-side dry-run: what it changes and the diff.
type Plan struct {
	Proposal Proposal
	// What names the object ("Node nuc-2", "CiliumLoadBalancerIPPool public").
	What string
	// Diff is the unified diff of the object now → after the change ("" for none).
	Diff string
	// Before and After are the object now and after the change, as YAML without the
	// fields the server maintains ("" before a create).
	Before, After string
	ri            dynamic.ResourceInterface
	name          string
	body          []byte
	pt            types.PatchType
}

// Changes reports whether the dry-run found anything to change.
func (p *Plan) Changes() bool { return p.Diff != "" }

// prepare resolves the proposal's target and builds the request with its precondition:
// the snapshot's resourceVersion inside the patch (merge patch) or as a leading test
// operation (JSON patch), so the server refuses it if the object changed meanwhile.
func (a Applier) prepare(p Proposal) (*Plan, error) {
	var gvk schema.GroupVersionKind
	var name, ns string
	switch p.Kind {
	case KindPatch, KindJSONPatch:
		if p.Target == nil {
			return nil, errors.New("the patch names no target")
		}
		apiVersion := p.Target.APIVersion
		if apiVersion == "" {
			apiVersion = "v1"
		}
		gvk = schema.FromAPIVersionAndKind(apiVersion, p.Target.Kind)
		name, ns = p.Target.Name, p.Target.Namespace
	case KindCreate:
		u := unstructured.Unstructured{Object: p.Object}
		gvk, name, ns = u.GroupVersionKind(), u.GetName(), u.GetNamespace()
	default:
		return nil, fmt.Errorf("a %s fix is %w", p.Kind, ErrNotKubernetes)
	}
	if gvk.Group == "" && gvk.Kind == "Secret" {
		return nil, errors.New("bgpnet never changes Secrets")
	}
	m, err := a.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", gvk, err)
	}
	plan := &Plan{Proposal: p, name: name, What: gvk.Kind + " " + name}
	plan.ri = a.Dyn.Resource(m.Resource)
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		plan.ri = a.Dyn.Resource(m.Resource).Namespace(ns)
		plan.What = gvk.Kind + " " + ns + "/" + name
	}
	switch p.Kind {
	case KindPatch:
		patch := deepCopyMap(p.Patch)
		if p.ResourceVersion != "" {
			md, _ := patch["metadata"].(map[string]any)
			if md == nil {
				md = map[string]any{}
			}
			md["resourceVersion"] = p.ResourceVersion
			patch["metadata"] = md
		}
		plan.pt = types.MergePatchType
		plan.body, err = json.Marshal(patch)
	case KindJSONPatch:
		ops := []any{}
		if p.ResourceVersion != "" {
			ops = append(ops, map[string]any{"op": "test", "path": "/metadata/resourceVersion", "value": p.ResourceVersion})
		}
		for _, op := range p.JSONPatch {
			ops = append(ops, op)
		}
		plan.pt = types.JSONPatchType
		plan.body, err = json.Marshal(ops)
	}
	if err != nil {
		return nil, fmt.Errorf("encode the change of %s: %w", plan.What, err)
	}
	return plan, nil
}

func deepCopyMap(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	if out == nil {
		out = map[string]any{}
	}
	return out
}

// Plan runs the proposal as a server-side dry-run (dryRun=All) and returns the diff.
// It refuses when the object changed since the snapshot or, for a create, exists.
func (a Applier) Plan(ctx context.Context, p Proposal) (*Plan, error) {
	plan, err := a.prepare(p)
	if err != nil {
		return nil, err
	}
	before, after, err := a.send(ctx, plan, true)
	if err != nil {
		return nil, err
	}
	if plan.Before, err = render(before); err != nil {
		return nil, err
	}
	if plan.After, err = render(after); err != nil {
		return nil, err
	}
	if plan.Before != plan.After {
		plan.Diff = udiff.Unified(plan.What+" (now)", plan.What+" (after the fix)", plan.Before, plan.After)
	}
	return plan, nil
}

// Apply makes the change a Plan dry-ran, as field manager kubectl-bgpnet, with the same
// precondition: if the object changed since the snapshot, the server refuses it.
func (a Applier) Apply(ctx context.Context, plan *Plan) error {
	_, _, err := a.send(ctx, plan, false)
	return err
}

// send reads the object (patches) and sends the request, dry or for real.
func (a Applier) send(ctx context.Context, plan *Plan, dry bool) (before, after *unstructured.Unstructured, err error) {
	p := plan.Proposal
	opts := metav1.PatchOptions{FieldManager: FieldManager}
	copts := metav1.CreateOptions{FieldManager: FieldManager}
	verb := "patch"
	if dry {
		opts.DryRun, copts.DryRun = []string{metav1.DryRunAll}, []string{metav1.DryRunAll}
		verb = "dry-run " + verb
	}
	if p.Kind == KindCreate {
		after, err = plan.ri.Create(ctx, &unstructured.Unstructured{Object: deepCopyMap(p.Object)}, copts)
		switch {
		case apierrors.IsAlreadyExists(err):
			return nil, nil, fmt.Errorf("%s already exists: refusing to create it", plan.What)
		case err != nil:
			return nil, nil, fmt.Errorf("%s create %s: %w", map[bool]string{true: "dry-run", false: "apply"}[dry], plan.What, err)
		}
		return nil, after, nil
	}
	before, err = plan.ri.Get(ctx, plan.name, metav1.GetOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("get %s: %w", plan.What, err)
	}
	if p.ResourceVersion != "" && before.GetResourceVersion() != p.ResourceVersion {
		return nil, nil, fmt.Errorf("%s %w (resourceVersion %s, now %s): collect again and review the new finding", plan.What, ErrConflict, p.ResourceVersion, before.GetResourceVersion())
	}
	after, err = plan.ri.Patch(ctx, plan.name, plan.pt, plan.body, opts)
	switch {
	case apierrors.IsConflict(err), plan.pt == types.JSONPatchType && apierrors.IsInvalid(err) && p.ResourceVersion != "" && isTestFailure(err):
		return nil, nil, fmt.Errorf("%s %w: %v", plan.What, ErrConflict, err)
	case err != nil:
		return nil, nil, fmt.Errorf("%s %s: %w", verb, plan.What, err)
	}
	return before, after, nil
}

// isTestFailure recognises a failed JSON-patch test operation (the precondition).
func isTestFailure(err error) bool {
	var st apierrors.APIStatus
	if !errors.As(err, &st) {
		return false
	}
	msg := st.Status().Message
	return strings.Contains(msg, "testing value") || strings.Contains(msg, "test operation")
}

// DryRun is Plan for one proposal, returning only the diff (the TUI's first step).
func DryRun(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, p Proposal) (string, error) {
	plan, err := Applier{Dyn: dyn, Mapper: mapper}.Plan(ctx, p)
	if err != nil {
		return "", err
	}
	return plan.Diff, nil
}

// render is an object as YAML without the fields the server maintains ("" for none).
func render(u *unstructured.Unstructured) (string, error) {
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
