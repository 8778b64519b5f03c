// SPDX-License-Identifier: Apache-2.0

package kube

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Dump is a cluster's objects read from a file instead of the API server (a cilium
// sysdump): for each source, the objects it holds, or the status saying why it holds
// none. Assemble turns it into a snapshot with the same decoding as a live collection.
type Dump struct {
	// Origin names where the objects come from ("sysdump").
	Origin string
	// CollectedAt is when the dump was taken.
	CollectedAt time.Time
	// CiliumNamespace is where the agent and cilium-config were found.
	CiliumNamespace string
	// Sources holds one entry per source name (model.SourceNodes, …); a source without
	// an entry is reported as skipped.
	Sources map[string]DumpSource
}

// DumpSource is what a dump holds for one source.
type DumpSource struct {
	// Status is ok when Items were read; otherwise it says why there are none.
	Status model.Status
	// Message says where the items came from, or what went wrong.
	Message string
	// APIVersion is the Cilium API version the objects were written at, if known.
	APIVersion string
	Items      []unstructured.Unstructured
	// Failed counts what the source should hold but could not be read (the status
	// stays ok, the source shows as partial).
	Failed int
}

// dumpSources are the sources a dump can fill, in the order of a live collection.
func dumpSources() []string {
	out := []string{model.SourceNodes, model.SourceCiliumConfig, model.SourceDaemonSets, model.SourceDeployments,
		model.SourceServices, model.SourceEndpointSlices}
	for _, k := range ciliumKinds {
		out = append(out, k.source)
	}
	return out
}

// Assemble decodes a dump into a snapshot. Objects that cannot be decoded are listed
// as object errors of their source, as in a live collection; nothing is dropped silently.
func Assemble(d Dump) *model.Snapshot {
	r := &run{
		Collector: &Collector{opts: Options{CiliumNamespace: d.CiliumNamespace}.withDefaults()},
		snap: &model.Snapshot{
			SchemaVersion: model.SchemaVersion,
			CollectedAt:   d.CollectedAt.UTC().Truncate(time.Second),
			Origin:        d.Origin,
		},
		ciliumPods: map[string][]netip.Prefix{},
		endpoints:  map[string]*model.ServiceEndpoints{},
	}
	r.snap.Cluster.CiliumNamespace = r.opts.CiliumNamespace
	kinds := map[string]ciliumKind{}
	for _, k := range ciliumKinds {
		kinds[k.source] = k
	}
	for _, name := range dumpSources() {
		ds, ok := d.Sources[name]
		st := model.SourceStatus{Name: name, Status: ds.Status, Message: ds.Message, APIVersion: ds.APIVersion, Failed: ds.Failed}
		if !ok {
			st.Status, st.Message = model.StatusSkipped, "not in the "+d.Origin
		}
		if st.Status == model.StatusOK {
			for i := range ds.Items {
				if err := r.addDumped(name, kinds, &ds.Items[i], &st); err != nil {
					u := &ds.Items[i]
					st.ObjectErrors = append(st.ObjectErrors, model.ObjectError{Namespace: u.GetNamespace(), Name: u.GetName(), Error: err.Error()})
				}
			}
		}
		r.snap.Sources = append(r.snap.Sources, st)
	}
	r.join()
	return r.snap
}

// addDumped decodes one dumped object with the handler of its source.
func (r *run) addDumped(source string, kinds map[string]ciliumKind, u *unstructured.Unstructured, st *model.SourceStatus) error {
	if k, ok := kinds[source]; ok {
		r.addCilium(k, u, st)
		return nil
	}
	switch source {
	case model.SourceNodes:
		var n corev1.Node
		return typed(u, &n, func() { r.addNode(&n, st) })
	case model.SourceCiliumConfig:
		var cm corev1.ConfigMap
		return typed(u, &cm, func() { r.setCiliumConfig(&cm, st) })
	case model.SourceDaemonSets:
		var ds appsv1.DaemonSet
		return typed(u, &ds, func() { r.addDaemonSet(&ds, st) })
	case model.SourceDeployments:
		var dep appsv1.Deployment
		return typed(u, &dep, func() { r.addDeployment(&dep, st) })
	case model.SourceServices:
		var s corev1.Service
		return typed(u, &s, func() { r.addService(&s, st) })
	case model.SourceEndpointSlices:
		var es discoveryv1.EndpointSlice
		return typed(u, &es, func() { r.addEndpointSlice(&es, st) })
	}
	return fmt.Errorf("no decoder for source %s", source)
}

// typed converts u into out and, if that worked, calls add.
func typed(u *unstructured.Unstructured, out any, add func()) error {
	if err := fromUnstructured(u, out); err != nil {
		return err
	}
	add()
	return nil
}
