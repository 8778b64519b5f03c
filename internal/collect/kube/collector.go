// SPDX-License-Identifier: Apache-2.0

package kube

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"golang.org/x/sync/errgroup"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
)

// Options tune a collection.
type Options struct {
	// CiliumNamespace holds the agent, operator and cilium-config (default kube-system).
	CiliumNamespace string
	// Timeout bounds the whole collection (default 30s): discovery gets at most half
	// of it, and every source ends by the same deadline.
	Timeout time.Duration
	// Concurrency bounds how many sources are read at once (default 8).
	Concurrency int
	// PageSize is the LIST page size (default 500).
	PageSize int64
	// Logger receives progress and errors (default: discard).
	Logger *slog.Logger
	// Progress, when set, is called when a source starts (an empty Status) and with its
	// status as soon as it is done (from the collecting goroutines: it must be safe for
	// concurrent use).
	Progress func(model.SourceStatus)
}

func (o Options) withDefaults() Options {
	if o.CiliumNamespace == "" {
		o.CiliumNamespace = "kube-system"
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.PageSize <= 0 {
		o.PageSize = 500
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Collector reads a cluster into a model.Snapshot.
type Collector struct {
	core kubernetes.Interface
	dyn  dynamic.Interface
	opts Options
}

// New returns a collector over the given clients.
func New(core kubernetes.Interface, dyn dynamic.Interface, opts Options) *Collector {
	return &Collector{core: core, dyn: dyn, opts: opts.withDefaults()}
}

// run is the state of one collection: every task writes only its own fields.
type run struct {
	*Collector
	served     served // nil when discovery failed: try each version in turn
	snap       *model.Snapshot
	ciliumPods map[string][]netip.Prefix
	endpoints  map[string]*model.ServiceEndpoints // by namespace/name
}

type task struct {
	source string
	fn     func(ctx context.Context, st *model.SourceStatus) error
}

// Collect reads every source. It never fails as a whole: each source's outcome is in
// Snapshot.Sources, and whatever could be read is in the snapshot.
func (c *Collector) Collect(ctx context.Context) *model.Snapshot {
	s, _ := c.Read(ctx)
	return s
}

// Read is Collect that also fails, with a *NotAPIServerError, when discovery shows
// the endpoint is not a Kubernetes API server: then no other source is asked (each
// says why), since whatever it answers would be misread (a 404 as "not installed").
func (c *Collector) Read(ctx context.Context) (*model.Snapshot, error) {
	r := &run{
		Collector: c,
		snap: &model.Snapshot{
			SchemaVersion: model.SchemaVersion,
			CollectedAt:   time.Now().UTC().Truncate(time.Second),
			Origin:        "cluster",
			Cluster:       model.Cluster{CiliumNamespace: c.opts.CiliumNamespace},
		},
		ciliumPods: map[string][]netip.Prefix{},
		endpoints:  map[string]*model.ServiceEndpoints{},
	}
	// one deadline for everything: a blackhole, a slow server or a trickling body ends
	// the collection by then, however many requests and pages it takes
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	disc := model.SourceStatus{Name: model.SourceDiscovery}
	r.progress(disc)
	notAPI := r.timed(ctx, &disc, c.opts.Timeout/2, r.discover)
	r.progress(disc)

	tasks := []task{
		{model.SourceNodes, r.listNodes},
		{model.SourceCiliumConfig, r.getCiliumConfig},
		{model.SourceDaemonSets, r.listDaemonSets},
		{model.SourceDeployments, r.listDeployments},
		{model.SourceServices, r.listServices},
		{model.SourceEndpointSlices, r.listEndpointSlices},
	}
	for _, k := range ciliumKinds {
		tasks = append(tasks, task{k.source, r.ciliumTask(k)})
	}
	statuses := make([]model.SourceStatus, len(tasks))
	g := new(errgroup.Group)
	g.SetLimit(c.opts.Concurrency)
	for i, t := range tasks {
		statuses[i] = model.SourceStatus{Name: t.source}
		r.progress(statuses[i])
	}
	if notAPI != nil {
		for i := range statuses {
			statuses[i].Status, statuses[i].Message = model.StatusError, "not read: "+notAPI.Error()
			r.progress(statuses[i])
		}
		r.snap.Sources = append([]model.SourceStatus{disc}, statuses...)
		return r.snap, notAPI
	}
	for i, t := range tasks {
		g.Go(func() error {
			r.timed(ctx, &statuses[i], c.opts.Timeout, t.fn)
			r.progress(statuses[i])
			return nil
		})
	}
	_ = g.Wait() // tasks never return errors; their status says what happened
	r.snap.Sources = append([]model.SourceStatus{disc}, statuses...)
	r.join()
	return r.snap, nil
}

// progress reports a finished source to Options.Progress, if any.
func (r *run) progress(st model.SourceStatus) {
	if r.opts.Progress != nil {
		r.opts.Progress(st)
	}
}

// timed runs one source for at most budget (and not beyond parent's deadline) and
// classifies the outcome; it returns the error when it shows the endpoint is not a
// Kubernetes API server.
func (r *run) timed(parent context.Context, st *model.SourceStatus, budget time.Duration, fn func(context.Context, *model.SourceStatus) error) *NotAPIServerError {
	ctx, cancel := context.WithTimeout(parent, budget)
	defer cancel()
	start := time.Now()
	err := fn(ctx, st)
	if st.Status == "" || err != nil {
		st.Status, st.Message = classify(ctx, err, budget)
	}
	if len(st.ObjectErrors) > 0 && st.Message == "" {
		st.Message = fmt.Sprintf("%d object(s) could not be decoded", len(st.ObjectErrors))
	}
	r.opts.Logger.Debug("source read", "source", st.Name, "status", st.Status, "count", st.Count,
		"duration", time.Since(start).Round(time.Millisecond), "message", st.Message)
	var notAPI *NotAPIServerError
	if errors.As(err, &notAPI) {
		return notAPI
	}
	return nil
}

func (r *run) discover(ctx context.Context, st *model.SourceStatus) error {
	rc := r.core.Discovery().RESTClient()
	v, err := serverVersion(ctx, rc)
	if err != nil {
		return err
	}
	r.snap.Cluster.ServerVersion = v
	s, err := discoverCilium(ctx, rc)
	if err != nil {
		return err
	}
	r.served = s
	st.Count = len(s)
	return nil
}

// ciliumTask lists one Cilium kind at the newest version the server serves.
func (r *run) ciliumTask(k ciliumKind) func(context.Context, *model.SourceStatus) error {
	return func(ctx context.Context, st *model.SourceStatus) error {
		versions := k.versions
		if r.served != nil {
			versions = nil
			for _, v := range k.versions {
				if r.served.has(v, k.resource) {
					versions = append(versions, v)
				}
			}
			if len(versions) == 0 {
				st.Status = model.StatusNotInstalled
				st.Message = fmt.Sprintf("the API server does not serve %s.%s (CRD not installed)", k.resource, ciliumGroup)
				return nil
			}
		}
		var err error
		for _, v := range versions {
			st.APIVersion = ciliumGroup + "/" + v
			ri := r.dyn.Resource(k.gvr(v))
			err = eachItem(ctx, r.opts.PageSize, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
				return ri.List(ctx, o)
			}, func(obj runtime.Object) error {
				r.addCilium(k, obj.(*unstructured.Unstructured), st)
				return nil
			})
			if !apierrors.IsNotFound(err) || r.served != nil {
				break // without discovery, fall back to the next version only on 404
			}
		}
		if apierrors.IsNotFound(err) {
			st.APIVersion = ""
			st.Status = model.StatusNotInstalled
			st.Message = fmt.Sprintf("%s.%s not found at any of %v", k.resource, ciliumGroup, versions)
			return nil
		}
		return err
	}
}

// addCilium decodes one Cilium object, noting it in st if it cannot be decoded.
func (r *run) addCilium(k ciliumKind, u *unstructured.Unstructured, st *model.SourceStatus) {
	st.Count++
	if err := r.decodeCilium(k, u); err != nil {
		st.ObjectErrors = append(st.ObjectErrors, model.ObjectError{Namespace: u.GetNamespace(), Name: u.GetName(), Error: err.Error()})
	}
}

// decodeCilium decodes one Cilium object into the snapshot. Only the task of that
// kind calls it, so each slice has a single writer.
func (r *run) decodeCilium(k ciliumKind, u *unstructured.Unstructured) error {
	b := &r.snap.BGP
	switch k.source {
	case model.SourceClusterConfigs:
		return appendDecoded(&b.ClusterConfigs, u, decodeClusterConfig)
	case model.SourcePeerConfigs:
		return appendDecoded(&b.PeerConfigs, u, decodePeerConfig)
	case model.SourceAdvertisements:
		return appendDecoded(&b.Advertisements, u, decodeAdvertisement)
	case model.SourceNodeConfigOverride:
		return appendDecoded(&b.NodeConfigOverrides, u, decodeNodeConfigOverride)
	case model.SourceNodeConfigs:
		return appendDecoded(&b.NodeConfigs, u, decodeNodeConfig)
	case model.SourcePeeringPolicies:
		return appendDecoded(&b.PeeringPolicies, u, decodePeeringPolicy)
	case model.SourcePools:
		return appendDecoded(&r.snap.Pools, u, decodePool)
	case model.SourceL2Policies:
		return appendDecoded(&r.snap.L2Policies, u, decodeL2Policy)
	case model.SourceCiliumNodes:
		name, cidrs, err := decodeCiliumNode(u)
		if err == nil {
			r.ciliumPods[name] = cidrs
		}
		return err
	}
	return fmt.Errorf("no decoder for %s", k.kind)
}

func appendDecoded[T any](dst *[]T, u *unstructured.Unstructured, decode func(*unstructured.Unstructured) (T, error)) error {
	v, err := decode(u)
	if err != nil {
		return err
	}
	*dst = append(*dst, v)
	return nil
}

func (r *run) listNodes(ctx context.Context, st *model.SourceStatus) error {
	return eachItem(ctx, r.opts.PageSize, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
		return r.core.CoreV1().Nodes().List(ctx, o)
	}, func(obj runtime.Object) error {
		r.addNode(obj.(*corev1.Node), st)
		return nil
	})
}

// addNode decodes one Node into the snapshot.
func (r *run) addNode(node *corev1.Node, st *model.SourceStatus) {
	st.Count++
	n, problems := decodeNode(node)
	for _, p := range problems {
		st.ObjectErrors = append(st.ObjectErrors, model.ObjectError{Name: n.Name, Error: p})
	}
	r.snap.Nodes = append(r.snap.Nodes, n)
}

func (r *run) getCiliumConfig(ctx context.Context, st *model.SourceStatus) error {
	cm, err := r.core.CoreV1().ConfigMaps(r.opts.CiliumNamespace).Get(ctx, "cilium-config", metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		st.Status = model.StatusNotInstalled
		st.Message = fmt.Sprintf("ConfigMap %s/cilium-config not found (is Cilium installed in namespace %q?)", r.opts.CiliumNamespace, r.opts.CiliumNamespace)
		return nil
	}
	if err != nil {
		return fmt.Errorf("get ConfigMap %s/cilium-config: %w", r.opts.CiliumNamespace, err)
	}
	r.setCiliumConfig(cm, st)
	return nil
}

// setCiliumConfig parses the cilium-config ConfigMap into the snapshot.
func (r *run) setCiliumConfig(cm *corev1.ConfigMap, st *model.SourceStatus) {
	st.Count = 1
	r.snap.Cilium.Config = ParseCiliumConfig(cm.Data)
	if len(r.snap.Cilium.Config.Invalid) > 0 {
		st.Message = fmt.Sprintf("%d key(s) have invalid values", len(r.snap.Cilium.Config.Invalid))
	}
}

// listDaemonSets reads the Cilium namespace (agent) and kube-system (kube-proxy).
func (r *run) listDaemonSets(ctx context.Context, st *model.SourceStatus) error {
	for _, ns := range uniq(r.opts.CiliumNamespace, "kube-system") {
		err := eachItem(ctx, r.opts.PageSize, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			return r.core.AppsV1().DaemonSets(ns).List(ctx, o)
		}, func(obj runtime.Object) error {
			r.addDaemonSet(obj.(*appsv1.DaemonSet), st)
			return nil
		})
		if err != nil {
			return fmt.Errorf("list DaemonSets in %s: %w", ns, err)
		}
	}
	return nil
}

// addDaemonSet notes the agent, kube-proxy and k3s ServiceLB DaemonSets.
func (r *run) addDaemonSet(ds *appsv1.DaemonSet, st *model.SourceStatus) {
	st.Count++
	switch {
	case ds.Namespace == r.opts.CiliumNamespace && isCiliumAgent(ds):
		r.snap.Cilium.Agent = daemonSetWorkload(ds, "cilium-agent")
		r.snap.Cilium.Version = ImageVersion(r.snap.Cilium.Agent.Image)
	case isKubeProxy(ds):
		r.snap.KubeProxy = model.KubeProxy{Present: true, DaemonSet: daemonSetWorkload(ds, "kube-proxy")}
	case ds.Namespace == "kube-system" && strings.HasPrefix(ds.Name, "svclb-"):
		// k3s ServiceLB runs one DaemonSet per LoadBalancer Service
		r.snap.LBControllers = append(r.snap.LBControllers, *daemonSetWorkload(ds, ""))
	}
}

func (r *run) listDeployments(ctx context.Context, st *model.SourceStatus) error {
	ns := r.opts.CiliumNamespace
	err := eachItem(ctx, r.opts.PageSize, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
		return r.core.AppsV1().Deployments(ns).List(ctx, o)
	}, func(obj runtime.Object) error {
		r.addDeployment(obj.(*appsv1.Deployment), st)
		return nil
	})
	if err != nil {
		return fmt.Errorf("list Deployments in %s: %w", ns, err)
	}
	return nil
}

// addDeployment notes the operator and hubble-relay Deployments.
func (r *run) addDeployment(d *appsv1.Deployment, st *model.SourceStatus) {
	st.Count++
	switch {
	case d.Name == "cilium-operator" || d.Spec.Template.Labels["io.cilium/app"] == "operator":
		r.snap.Cilium.Operator = deploymentWorkload(d, "cilium-operator")
	case d.Name == "hubble-relay":
		r.snap.Cilium.HubbleRelay = deploymentWorkload(d, "hubble-relay")
	}
}

func (r *run) listServices(ctx context.Context, st *model.SourceStatus) error {
	return eachItem(ctx, r.opts.PageSize, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
		return r.core.CoreV1().Services(metav1.NamespaceAll).List(ctx, o)
	}, func(obj runtime.Object) error {
		r.addService(obj.(*corev1.Service), st)
		return nil
	})
}

// addService decodes one Service (the kinds BGP can advertise) into the snapshot.
func (r *run) addService(s *corev1.Service, st *model.SourceStatus) {
	st.Count++
	if wantService(s) {
		r.snap.Services = append(r.snap.Services, decodeService(s))
	}
}

func (r *run) listEndpointSlices(ctx context.Context, st *model.SourceStatus) error {
	return eachItem(ctx, r.opts.PageSize, func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
		return r.core.DiscoveryV1().EndpointSlices(metav1.NamespaceAll).List(ctx, o)
	}, func(obj runtime.Object) error {
		r.addEndpointSlice(obj.(*discoveryv1.EndpointSlice), st)
		return nil
	})
}

// addEndpointSlice adds one EndpointSlice to its Service's summary.
func (r *run) addEndpointSlice(es *discoveryv1.EndpointSlice, st *model.SourceStatus) {
	st.Count++
	svc := es.Labels[discoveryv1.LabelServiceName]
	if svc == "" {
		return
	}
	key := es.Namespace + "/" + svc
	e := r.endpoints[key]
	if e == nil {
		e = &model.ServiceEndpoints{}
		r.endpoints[key] = e
	}
	addEndpointSlice(e, es)
}

// join combines what the tasks read separately, once all of them are done.
func (r *run) join() {
	s := r.snap
	for i := range s.Nodes {
		if cidrs, ok := r.ciliumPods[s.Nodes[i].Name]; ok {
			s.Nodes[i].HasCiliumNode = true
			s.Nodes[i].CiliumPodCIDRs = cidrs
		}
	}
	for i := range s.Services {
		if e, ok := r.endpoints[s.Services[i].Namespace+"/"+s.Services[i].Name]; ok {
			s.Services[i].Endpoints = *e
		}
	}
	s.Normalize()
}

func uniq(xs ...string) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
