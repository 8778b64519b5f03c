// SPDX-License-Identifier: Apache-2.0

package kube

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestImageVersion(t *testing.T) {
	for image, want := range map[string]string{
		"quay.io/cilium/cilium:v1.18.4@sha256:49d87a":          "1.18.4",
		"quay.io/cilium/cilium:v1.19.0-rc.1":                   "1.19.0-rc.1",
		"localhost:5000/cilium/cilium:1.16.5":                  "1.16.5",
		"localhost:5000/cilium/cilium":                         "",
		"quay.io/cilium/cilium@sha256:49d87af187eeeb9e9e3ec2b": "",
		"quay.io/cilium/cilium-ci:latest":                      "",
		"":                                                     "",
	} {
		if got := ImageVersion(image); got != want {
			t.Errorf("ImageVersion(%q) = %q, want %q", image, got, want)
		}
	}
}

func TestDecodeNode(t *testing.T) {
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{"a": "b"}},
		Spec:       corev1.NodeSpec{PodCIDR: "10.42.0.0/24"},
		Status: corev1.NodeStatus{
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: "192.168.1.10"}, {Type: corev1.NodeExternalIP, Address: "2001:db8::10"},
				{Type: corev1.NodeHostName, Address: "n1"}, {Type: corev1.NodeInternalIP, Address: "bogus"},
			},
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionFalse}},
		},
	}
	got, problems := decodeNode(n)
	if len(got.InternalIPs) != 1 || len(got.ExternalIPs) != 1 || len(got.PodCIDRs) != 1 || got.Ready || len(problems) != 1 {
		t.Errorf("decodeNode = %+v, problems %v", got, problems)
	}
}

func TestAddEndpointSlice(t *testing.T) {
	yes, no, node := true, false, "n1"
	var e model.ServiceEndpoints
	addEndpointSlice(&e, &discoveryv1.EndpointSlice{Endpoints: []discoveryv1.Endpoint{
		{Addresses: []string{"10.0.0.1"}, NodeName: &node, Conditions: discoveryv1.EndpointConditions{Ready: &yes}},
		{Addresses: []string{"10.0.0.2"}, NodeName: &node}, // unset ready means ready
		{Addresses: []string{"10.0.0.3"}, NodeName: &node, Conditions: discoveryv1.EndpointConditions{Ready: &no}},
		{Addresses: []string{"10.0.0.4"}},
	}})
	if e.Slices != 1 || e.Total != 4 || e.Ready != 3 || e.ReadyByNode["n1"] != 2 || e.ReadyByNode[""] != 1 || len(e.Backends) != 4 {
		t.Errorf("endpoints = %+v", e)
	}
}

func TestWantService(t *testing.T) {
	for _, tt := range []struct {
		spec corev1.ServiceSpec
		want bool
	}{
		{corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer}, true},
		{corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, ExternalIPs: []string{"1.2.3.4"}}, true},
		{corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort}, false},
		{corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP}, false},
	} {
		if got := wantService(&corev1.Service{Spec: tt.spec}); got != tt.want {
			t.Errorf("wantService(%+v) = %v", tt.spec, got)
		}
	}
}

func TestClassify(t *testing.T) {
	gr := schema.GroupResource{Group: "cilium.io", Resource: "ciliumbgpnodeconfigs"}
	expired, cancel := context.WithTimeout(context.Background(), -time.Second)
	defer cancel()
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want model.Status
	}{
		{"nil", context.Background(), nil, model.StatusOK},
		{"403", context.Background(), apierrors.NewForbidden(gr, "", errors.New("no")), model.StatusForbidden},
		{"wrapped 403", context.Background(), fmt.Errorf("list: %w", apierrors.NewForbidden(gr, "", errors.New("no"))), model.StatusForbidden},
		{"404", context.Background(), apierrors.NewNotFound(gr, ""), model.StatusError},
		{"own deadline", expired, errors.New("client rate limiter Wait returned an error"), model.StatusTimeout},
		{"server timeout", context.Background(), apierrors.NewTimeoutError("slow", 1), model.StatusTimeout},
		{"other", context.Background(), errors.New("connection refused"), model.StatusError},
		{"cancelled", context.Background(), context.Canceled, model.StatusError},
	}
	for _, tt := range tests {
		if got, msg := classify(tt.ctx, tt.err, time.Second); got != tt.want || (tt.err != nil && msg == "") {
			t.Errorf("%s: classify = %s %q, want %s", tt.name, got, msg, tt.want)
		}
	}
}

func TestDaemonSetWorkloadCapabilities(t *testing.T) {
	priv := true
	ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "cilium"},
		Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "other", SecurityContext: &corev1.SecurityContext{Privileged: &priv}},
			{Name: "cilium-agent", Image: "quay.io/cilium/cilium:v1.18.4", SecurityContext: &corev1.SecurityContext{
				Capabilities: &corev1.Capabilities{Add: []corev1.Capability{"NET_ADMIN", "NET_BIND_SERVICE"}}}},
		}}}}}
	w := daemonSetWorkload(ds, "cilium-agent")
	if w.Privileged || len(w.Capabilities) != 2 || w.Capabilities[1] != "NET_BIND_SERVICE" {
		t.Errorf("agent container: %+v", w)
	}
}
