// SPDX-License-Identifier: Apache-2.0

package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// Seeder creates objects from YAML in a real API server, the way a user or controller
// would: create, then write the status subresource if the YAML carries a status.
type Seeder struct {
	dyn    dynamic.Interface
	mapper meta.RESTMapper
}

// NewSeeder returns a seeder acting with cfg.
func NewSeeder(cfg *rest.Config) (*Seeder, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 500, 1000
	cfg.WarningHandler = rest.NoWarnings{}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Seeder{dyn: dyn, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))}, nil
}

// Seed creates every object of a multi-document YAML stream, in order.
func (e *Env) Seed(t TB, yamlText string) {
	t.Helper()
	s, err := NewSeeder(e.Config)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := Decode([]byte(yamlText))
	if err != nil {
		t.Fatalf("seed YAML: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for _, o := range objs {
		if err := s.Create(ctx, o); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
}

// Decode splits a YAML stream into objects, skipping empty documents.
func Decode(data []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*unstructured.Unstructured
	for {
		var obj map[string]any
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if len(obj) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: obj})
	}
}

// Create creates one object, then sets its status from the input if it has one.
func (s *Seeder) Create(ctx context.Context, o *unstructured.Unstructured) error {
	gvk := o.GroupVersionKind()
	m, err := s.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return fmt.Errorf("map %s: %w", gvk, err)
	}
	var ri dynamic.ResourceInterface = s.dyn.Resource(m.Resource)
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		ns := o.GetNamespace()
		if ns == "" {
			ns = metav1.NamespaceDefault
		}
		ri = s.dyn.Resource(m.Resource).Namespace(ns)
	}
	status, hasStatus := o.Object["status"]
	created, err := ri.Create(ctx, o, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create %s %s: %w", gvk.Kind, o.GetName(), err)
	}
	if !hasStatus {
		return nil
	}
	created.Object["status"] = status
	if _, err := ri.UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("update status of %s %s: %w", gvk.Kind, o.GetName(), err)
	}
	return nil
}
