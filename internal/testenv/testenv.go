// SPDX-License-Identifier: Apache-2.0

// Package testenv starts a real kube-apiserver and etcd (envtest) with Cilium's CRDs
// for integration tests, and seeds it from YAML. The binaries come from
// hack/test-assets.sh; without them the tests that need a cluster are skipped.
package testenv

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	ciliumcrdsv2 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/client/crds/v2"
	ciliumcrdsv2alpha1 "github.com/cilium/cilium/pkg/k8s/apis/cilium.io/client/crds/v2alpha1"
	"github.com/go-logr/logr"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/yaml"
)

// Flavor chooses which Cilium CRDs the API server serves.
type Flavor int

// CRD flavors.
const (
	// Cilium120 serves the CRDs of cilium 1.20: BGPv2 kinds and LB pools at cilium.io/v2
	// (storage) and v2alpha1 (deprecated).
	Cilium120 Flavor = iota
	// CiliumV2Alpha1Only serves BGPv2 kinds and LB pools only at cilium.io/v2alpha1, as
	// Cilium 1.16 and 1.17 did. Made from the 1.20 CRDs by dropping the v2 version.
	CiliumV2Alpha1Only
	// NoCilium serves no Cilium CRD at all.
	NoCilium
)

// Options configure an API server.
type Options struct {
	Flavor Flavor
	// BGPv1 also installs CiliumBGPPeeringPolicy (cilium.io/v2alpha1, removed in 1.19;
	// the CRD comes from cilium 1.18 via the test assets).
	BGPv1 bool
	// Unvalidated lists CRDs (by plural resource name) whose schema is replaced by
	// "anything goes", so a test can store objects a validating schema would refuse:
	// what an older or newer Cilium's schema, or a hand-edited etcd, may hold.
	Unvalidated []string
	// APIServerFlags are extra kube-apiserver flags.
	APIServerFlags map[string]string
}

// Env is a running API server.
type Env struct {
	// Config is an admin (system:masters) client configuration.
	Config *rest.Config
	Assets string
	env    *envtest.Environment
}

// AssetsDir returns the directory of the test binaries, or "" when they are absent.
func AssetsDir() string {
	for _, v := range []string{"BGPNET_TEST_ASSETS", "KUBEBUILDER_ASSETS"} {
		if d := os.Getenv(v); d != "" {
			if _, err := os.Stat(filepath.Join(d, "kube-apiserver")); err == nil {
				return d
			}
		}
	}
	return ""
}

// Start starts etcd and kube-apiserver with the CRDs of opts, and stops them when
// the test ends. The test is skipped when the assets are absent.
func Start(t TB, opts Options) *Env {
	t.Helper()
	assets := AssetsDir()
	if assets == "" {
		t.Skip("integration test skipped: no kube-apiserver/etcd assets; run `make test` (or hack/test-assets.sh and set BGPNET_TEST_ASSETS)")
	}
	ctrllog.SetLogger(logr.Discard()) // envtest logs through controller-runtime's global logger
	crds, err := CRDs(assets, opts)
	if err != nil {
		t.Fatalf("load CRDs: %v", err)
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDs:                  crds,
		ErrorIfCRDPathMissing: true,
		// The API server's own start and CRD establishment: generous for a loaded 2-core CI box.
		ControlPlaneStartTimeout: 2 * time.Minute,
		ControlPlaneStopTimeout:  time.Minute,
	}
	api := env.ControlPlane.GetAPIServer().Configure()
	// exec/port-forward go to the node's "kubelet"; kwok serves those on loopback,
	// reachable through a Hostname address of 127.0.0.1.
	api.Set("kubelet-preferred-address-types", "Hostname,InternalIP,ExternalIP")
	for k, v := range opts.APIServerFlags {
		api.Set(k, v)
	}
	start := time.Now()
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("start kube-apiserver: %v", err)
	}
	t.Logf("kube-apiserver with %d CRDs ready in %s", len(crds), time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Logf("stop kube-apiserver: %v", err)
		}
	})
	return &Env{Config: cfg, Assets: assets, env: env}
}

// User returns the client configuration of a new user authenticated by certificate.
// Without groups the user has no permissions until RBAC grants some.
func (e *Env) User(t TB, name string, groups ...string) *rest.Config {
	t.Helper()
	u, err := e.env.AddUser(envtest.User{Name: name, Groups: groups}, nil)
	if err != nil {
		t.Fatalf("add user %s: %v", name, err)
	}
	return u.Config()
}

// Kubeconfig writes a kubeconfig file for the given client configuration.
func Kubeconfig(t TB, cfg *rest.Config) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kubeconfig")
	b, err := kubeconfigYAML(cfg)
	if err != nil {
		t.Fatalf("render kubeconfig: %v", err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// CRDs returns the CRDs of a flavor: decoded from the cilium module's embedded YAML
// (and the 1.18 BGPv1 CRD from the assets when asked).
func CRDs(assets string, opts Options) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	if opts.Flavor == NoCilium {
		return nil, nil
	}
	var out []*apiextensionsv1.CustomResourceDefinition
	for _, fsys := range []fs.FS{ciliumcrdsv2.EmbedFS, ciliumcrdsv2alpha1.EmbedFS} {
		crds, err := readCRDs(fsys, ".")
		if err != nil {
			return nil, err
		}
		out = append(out, crds...)
	}
	if opts.BGPv1 {
		crds, err := readCRDs(os.DirFS(assets), "crds-bgpv1")
		if err != nil {
			return nil, fmt.Errorf("BGPv1 CRD (rebuild the assets with hack/test-assets.sh): %w", err)
		}
		out = append(out, crds...)
	}
	for _, c := range out {
		if opts.Flavor == CiliumV2Alpha1Only {
			onlyV2Alpha1(c)
		}
		if slices.Contains(opts.Unvalidated, c.Spec.Names.Plural) {
			unvalidated(c)
		}
	}
	return out, nil
}

func readCRDs(fsys fs.FS, dir string) ([]*apiextensionsv1.CustomResourceDefinition, error) {
	files, err := fs.Glob(fsys, filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no CRD YAML in %s", dir)
	}
	var out []*apiextensionsv1.CustomResourceDefinition
	for _, f := range files {
		b, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(b, crd); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, crd)
	}
	return out, nil
}

// unvalidated replaces every version's schema by one that accepts any object.
func unvalidated(c *apiextensionsv1.CustomResourceDefinition) {
	anything := true
	for i := range c.Spec.Versions {
		c.Spec.Versions[i].Schema = &apiextensionsv1.CustomResourceValidation{OpenAPIV3Schema: &apiextensionsv1.JSONSchemaProps{
			Type: "object", XPreserveUnknownFields: &anything,
		}}
	}
}

// onlyV2Alpha1 rewrites a CRD that serves v2 and v2alpha1 to serve v2alpha1 alone, as
// the BGPv2 and LB-IPAM CRDs of Cilium 1.16/1.17 did.
func onlyV2Alpha1(c *apiextensionsv1.CustomResourceDefinition) {
	var keep []apiextensionsv1.CustomResourceDefinitionVersion
	for _, v := range c.Spec.Versions {
		if v.Name == "v2alpha1" {
			v.Storage, v.Served, v.Deprecated, v.DeprecationWarning = true, true, false, nil
			keep = append(keep, v)
		}
	}
	if len(keep) > 0 {
		c.Spec.Versions = keep
	}
}
