// SPDX-License-Identifier: Apache-2.0

package model

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Service is a Service of type LoadBalancer, or any Service with externalIPs, with the
// ready endpoints of its EndpointSlices per node. ObjectMeta.Annotations keeps only the
// Cilium-related annotations (lbipam.cilium.io/…, io.cilium/…, service.cilium.io/…).
type Service struct {
	ObjectMeta                    `json:"metadata"`
	Type                          string             `json:"type"`
	ClusterIPs                    []string           `json:"clusterIPs,omitempty"`
	ExternalIPs                   []string           `json:"externalIPs,omitempty"`
	LoadBalancerIP                string             `json:"loadBalancerIP,omitempty"`
	LoadBalancerClass             *string            `json:"loadBalancerClass,omitempty"`
	ExternalTrafficPolicy         string             `json:"externalTrafficPolicy,omitempty"`
	InternalTrafficPolicy         string             `json:"internalTrafficPolicy,omitempty"`
	IPFamilies                    []string           `json:"ipFamilies,omitempty"`
	IPFamilyPolicy                string             `json:"ipFamilyPolicy,omitempty"`
	AllocateLoadBalancerNodePorts *bool              `json:"allocateLoadBalancerNodePorts,omitempty"`
	Selector                      map[string]string  `json:"selector,omitempty"`
	Ports                         []ServicePort      `json:"ports,omitempty"`
	Ingress                       []IngressIP        `json:"ingress,omitempty"`
	Conditions                    []metav1.Condition `json:"conditions,omitempty"`
	// Endpoints summarises the Service's EndpointSlices.
	Endpoints ServiceEndpoints `json:"endpoints"`
}

// ServicePort is one port of a Service.
type ServicePort struct {
	Name       string `json:"name,omitempty"`
	Protocol   string `json:"protocol"`
	Port       int32  `json:"port"`
	NodePort   int32  `json:"nodePort,omitempty"`
	TargetPort string `json:"targetPort,omitempty"`
}

// IngressIP is one entry of status.loadBalancer.ingress.
type IngressIP struct {
	IP       string `json:"ip,omitempty"`
	Hostname string `json:"hostname,omitempty"`
	IPMode   string `json:"ipMode,omitempty"`
}

// ServiceEndpoints is what the EndpointSlices of a Service say about its backends.
type ServiceEndpoints struct {
	Slices int `json:"slices"`
	Total  int `json:"total"`
	Ready  int `json:"ready"`
	// ReadyByNode counts ready endpoints per node name ("" = endpoint without nodeName).
	ReadyByNode map[string]int `json:"readyByNode,omitempty"`
	// Addresses of all endpoints, ready or not, with the node each runs on.
	Backends []Backend `json:"backends,omitempty"`
}

// Backend is one endpoint of a Service.
type Backend struct {
	Addresses []string `json:"addresses"`
	Node      string   `json:"node,omitempty"`
	Ready     bool     `json:"ready"`
}

// Ref returns a reference to the Service.
func (s Service) Ref() Ref { return s.ObjectMeta.Ref() }
