// SPDX-License-Identifier: Apache-2.0

package kube

import (
	"net/netip"
	"regexp"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// coreMeta keeps the metadata bgpnet needs from a core object.
func coreMeta(om metav1.ObjectMeta, apiVersion, kind string) model.ObjectMeta {
	m := model.ObjectMeta{
		APIVersion: apiVersion, Kind: kind, Name: om.Name, Namespace: om.Namespace, UID: string(om.UID),
		ResourceVersion: om.ResourceVersion, Generation: om.Generation, Labels: om.Labels,
	}
	if !om.CreationTimestamp.IsZero() {
		t := om.CreationTimestamp.UTC()
		m.CreationTimestamp = &t
	}
	return m
}

// decodeNode converts a Node; unparsable addresses or CIDRs are skipped and reported.
func decodeNode(n *corev1.Node) (model.Node, []string) {
	var problems []string
	out := model.Node{Name: n.Name, ResourceVersion: n.ResourceVersion, Labels: n.Labels, Unschedulable: n.Spec.Unschedulable}
	for _, a := range n.Status.Addresses {
		if a.Type != corev1.NodeInternalIP && a.Type != corev1.NodeExternalIP {
			continue
		}
		ip, err := netip.ParseAddr(a.Address)
		if err != nil {
			problems = append(problems, "address "+a.Address+": "+err.Error())
			continue
		}
		if a.Type == corev1.NodeInternalIP {
			out.InternalIPs = append(out.InternalIPs, ip)
		} else {
			out.ExternalIPs = append(out.ExternalIPs, ip)
		}
	}
	cidrs := n.Spec.PodCIDRs
	if len(cidrs) == 0 && n.Spec.PodCIDR != "" {
		cidrs = []string{n.Spec.PodCIDR}
	}
	for _, c := range cidrs {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			problems = append(problems, "podCIDR "+c+": "+err.Error())
			continue
		}
		out.PodCIDRs = append(out.PodCIDRs, p)
	}
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			out.Ready = c.Status == corev1.ConditionTrue
		}
	}
	return out, problems
}

// wantService reports whether a Service matters to BGP: type LoadBalancer or externalIPs.
func wantService(s *corev1.Service) bool {
	return s.Spec.Type == corev1.ServiceTypeLoadBalancer || len(s.Spec.ExternalIPs) > 0
}

// ciliumAnnotation reports whether an annotation key belongs to Cilium (LB-IPAM, BGP, L2).
func ciliumAnnotation(key string) bool {
	return strings.Contains(key, "cilium.io/") || strings.HasPrefix(key, "io.cilium")
}

func decodeService(s *corev1.Service) model.Service {
	out := model.Service{
		ObjectMeta:                    coreMeta(s.ObjectMeta, "v1", model.KindService),
		Type:                          string(s.Spec.Type),
		ClusterIPs:                    s.Spec.ClusterIPs,
		ExternalIPs:                   s.Spec.ExternalIPs,
		LoadBalancerIP:                s.Spec.LoadBalancerIP,
		LoadBalancerClass:             s.Spec.LoadBalancerClass,
		ExternalTrafficPolicy:         string(s.Spec.ExternalTrafficPolicy),
		AllocateLoadBalancerNodePorts: s.Spec.AllocateLoadBalancerNodePorts,
		Selector:                      s.Spec.Selector,
		Conditions:                    s.Status.Conditions,
	}
	if s.Spec.InternalTrafficPolicy != nil {
		out.InternalTrafficPolicy = string(*s.Spec.InternalTrafficPolicy)
	}
	if s.Spec.IPFamilyPolicy != nil {
		out.IPFamilyPolicy = string(*s.Spec.IPFamilyPolicy)
	}
	for _, f := range s.Spec.IPFamilies {
		out.IPFamilies = append(out.IPFamilies, string(f))
	}
	for k, v := range s.Annotations {
		if ciliumAnnotation(k) {
			if out.Annotations == nil {
				out.Annotations = map[string]string{}
			}
			out.Annotations[k] = v
		}
	}
	for _, p := range s.Spec.Ports {
		out.Ports = append(out.Ports, model.ServicePort{
			Name: p.Name, Protocol: string(p.Protocol), Port: p.Port, NodePort: p.NodePort, TargetPort: p.TargetPort.String(),
		})
	}
	for _, in := range s.Status.LoadBalancer.Ingress {
		ing := model.IngressIP{IP: in.IP, Hostname: in.Hostname}
		if in.IPMode != nil {
			ing.IPMode = string(*in.IPMode)
		}
		out.Ingress = append(out.Ingress, ing)
	}
	return out
}

// addEndpointSlice folds one EndpointSlice into the summary of its Service.
// An endpoint whose ready condition is unset counts as ready (API semantics).
func addEndpointSlice(e *model.ServiceEndpoints, es *discoveryv1.EndpointSlice) {
	e.Slices++
	for _, ep := range es.Endpoints {
		ready := ep.Conditions.Ready == nil || *ep.Conditions.Ready
		node := ""
		if ep.NodeName != nil {
			node = *ep.NodeName
		}
		e.Total++
		if ready {
			e.Ready++
			if e.ReadyByNode == nil {
				e.ReadyByNode = map[string]int{}
			}
			e.ReadyByNode[node]++
		}
		e.Backends = append(e.Backends, model.Backend{Addresses: ep.Addresses, Node: node, Ready: ready})
	}
}

// versionTag matches a semantic version in an image tag: v1.16.5, 1.17.0-rc.1.
var versionTag = regexp.MustCompile(`^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$`)

// ImageVersion returns the Cilium version encoded in an image reference, or "".
func ImageVersion(image string) string {
	ref := image
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	slash := strings.LastIndex(ref, "/")
	colon := strings.LastIndex(ref, ":")
	if colon <= slash {
		return ""
	}
	if m := versionTag.FindStringSubmatch(ref[colon+1:]); m != nil {
		return m[1]
	}
	return ""
}

// containerImage returns the image of the named container, or of the first one.
func containerImage(spec corev1.PodSpec, name string) string {
	for _, c := range spec.Containers {
		if c.Name == name {
			return c.Image
		}
	}
	if len(spec.Containers) > 0 {
		return spec.Containers[0].Image
	}
	return ""
}

func daemonSetWorkload(ds *appsv1.DaemonSet, container string) *model.Workload {
	w := &model.Workload{
		Kind: "DaemonSet", Namespace: ds.Namespace, Name: ds.Name, Image: containerImage(ds.Spec.Template.Spec, container),
		Desired: ds.Status.DesiredNumberScheduled, Ready: ds.Status.NumberReady,
	}
	for _, c := range ds.Spec.Template.Spec.Containers {
		if c.Name != container || c.SecurityContext == nil {
			continue
		}
		w.Privileged = c.SecurityContext.Privileged != nil && *c.SecurityContext.Privileged
		if caps := c.SecurityContext.Capabilities; caps != nil {
			for _, cp := range caps.Add {
				w.Capabilities = append(w.Capabilities, string(cp))
			}
		}
	}
	return w
}

func deploymentWorkload(d *appsv1.Deployment, container string) *model.Workload {
	desired := int32(1)
	if d.Spec.Replicas != nil {
		desired = *d.Spec.Replicas
	}
	return &model.Workload{
		Kind: "Deployment", Namespace: d.Namespace, Name: d.Name, Image: containerImage(d.Spec.Template.Spec, container),
		Desired: desired, Ready: d.Status.ReadyReplicas,
	}
}

// isCiliumAgent recognises the agent DaemonSet by the helm/cilium-cli pod label or name.
func isCiliumAgent(ds *appsv1.DaemonSet) bool {
	return ds.Spec.Template.Labels["k8s-app"] == "cilium" || ds.Name == "cilium"
}

func isKubeProxy(ds *appsv1.DaemonSet) bool {
	return ds.Name == "kube-proxy" || ds.Labels["k8s-app"] == "kube-proxy" || ds.Spec.Template.Labels["k8s-app"] == "kube-proxy"
}
