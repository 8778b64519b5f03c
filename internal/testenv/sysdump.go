// SPDX-License-Identifier: Apache-2.0

package testenv

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/printers"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
)

// SysdumpTime is the start time cilium-cli puts in every file name of a sysdump.
const SysdumpTime = "20261122-101500"

// SysdumpYAML renders an object the way cilium-cli's sysdump writes it: the YAML
// printer behind a type setter for the client-go scheme (typed lists get their
// apiVersion and kind, their items do not).
func SysdumpYAML(o runtime.Object) ([]byte, error) {
	var y printers.YAMLPrinter
	p, err := printers.NewTypeSetter(scheme.Scheme).WrapToPrinter(&y, nil)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := p.PrintObj(o, &b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteSysdumpZip writes files (name without directory → content) into a zip with
// cilium-cli's layout: every file inside a cilium-sysdump-<time>/ directory.
func WriteSysdumpZip(w io.Writer, files map[string][]byte) error {
	zw := zip.NewWriter(w)
	for name, data := range files {
		f, err := zw.Create("cilium-sysdump-" + SysdumpTime + "/" + name)
		if err != nil {
			return err
		}
		if _, err := f.Write(data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// Sysdump lists a cluster through the API server the way `cilium sysdump` does and
// returns its files: nodes, pods, Services, EndpointSlices, the cilium-config
// ConfigMap, the agent DaemonSet, the operator and hubble-relay Deployments and the BGP, LB-IPAM and CiliumNode resources at the
// newest version served. Kinds the cluster does not serve are left out and, like
// cilium-cli, noted in cilium-sysdump.log.
func Sysdump(ctx context.Context, cfg *rest.Config, ciliumNamespace string) (map[string][]byte, error) {
	core, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	var log bytes.Buffer
	add := func(name string, o runtime.Object, err error) error {
		if err != nil {
			fmt.Fprintf(&log, "⚠️ failed to collect %s: %v\n", name, err)
			return nil
		}
		data, err := SysdumpYAML(o)
		if err != nil {
			return fmt.Errorf("render %s: %w", name, err)
		}
		files[name+"-"+SysdumpTime+".yaml"] = data
		return nil
	}
	all := metav1.ListOptions{}
	nodes, err := core.CoreV1().Nodes().List(ctx, all)
	if err := add("k8s-nodes", nodes, err); err != nil {
		return nil, err
	}
	pods, err := core.CoreV1().Pods("").List(ctx, all)
	if err := add("k8s-pods", pods, err); err != nil {
		return nil, err
	}
	svcs, err := core.CoreV1().Services("").List(ctx, all)
	if err := add("k8s-services", svcs, err); err != nil {
		return nil, err
	}
	eps, err := core.DiscoveryV1().EndpointSlices("").List(ctx, all)
	if err := add("k8s-endpointslices", eps, err); err != nil {
		return nil, err
	}
	if cm, err := core.CoreV1().ConfigMaps(ciliumNamespace).Get(ctx, "cilium-config", metav1.GetOptions{}); err == nil {
		if err := add("cilium-configmap", cm, nil); err != nil {
			return nil, err
		}
	}
	if ds, err := core.AppsV1().DaemonSets(ciliumNamespace).Get(ctx, "cilium", metav1.GetOptions{}); err == nil {
		if err := add("cilium-daemonset", ds, nil); err != nil {
			return nil, err
		}
	}
	for _, name := range []string{"cilium-operator", "hubble-relay"} {
		if d, err := core.AppsV1().Deployments(ciliumNamespace).Get(ctx, name, metav1.GetOptions{}); err == nil {
			if err := add(name+"-deployment", d, nil); err != nil {
				return nil, err
			}
		}
	}
	for _, res := range []string{"ciliumbgppeeringpolicies", "ciliumbgpclusterconfigs", "ciliumbgppeerconfigs", "ciliumbgpadvertisements",
		"ciliumbgpnodeconfigs", "ciliumbgpnodeconfigoverrides", "ciliumloadbalancerippools", "ciliumnodes"} {
		var list runtime.Object
		var lerr error
		for _, v := range []string{"v2", "v2alpha1"} {
			list, lerr = dyn.Resource(schema.GroupVersionResource{Group: "cilium.io", Version: v, Resource: res}).List(ctx, all)
			if lerr == nil {
				break
			}
		}
		if err := add(res, list, lerr); err != nil {
			return nil, err
		}
	}
	files["cilium-sysdump.log"] = append([]byte("🔍 Collecting sysdump with cilium-cli version: test, started "+time.Now().UTC().Format(time.RFC3339)+"\n"), log.Bytes()...)
	return files, nil
}
