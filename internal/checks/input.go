// SPDX-License-Identifier: Apache-2.0

package checks

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Input is what every check reads: the snapshot plus indexes built once per run, so
// that no check joins two large lists with a nested loop.
type Input struct {
	S       *model.Snapshot
	Version Version

	views      []model.NodeBGP
	viewByNode map[string]*model.NodeBGP
	selectors  map[*metav1.LabelSelector]compiled

	poolIndex   *selectorIndex[*model.LBPool]
	blockIx     *blockIndex
	poolUse     map[*model.LBPool][]ingress
	lbServices  []*model.Service
	nodes       map[string]*model.Node
	inUse       map[string]bool
	ingressList []ingress
	byPool      map[*model.LBPool][]block
	drops       map[*model.Service][]model.Flow
	agents      map[string]*model.AgentNode
	routerIx    map[string]routerSession
	// sessions are the configured sessions paired with the routers read (once per run);
	// neighbors indexes each router's neighbors by address.
	sessions     []routerSession
	sessionsDone bool
	neighbors    map[*model.RouterView]map[netip.Addr]*model.RouterNeighbor
	// advertisables are the cluster's own prefixes (PodCIDRs, pool blocks), once per run.
	advertisables []model.AdvertisablePrefix
}

type compiled struct {
	sel labels.Selector
	err error
}

// NewInput prepares a snapshot for the checks.
func NewInput(s *model.Snapshot) *Input {
	return &Input{
		S:         s,
		Version:   ParseVersion(s.Cilium.Version),
		selectors: map[*metav1.LabelSelector]compiled{},
	}
}

// Views returns the effective per-node BGP configuration (computed once).
func (in *Input) Views() []model.NodeBGP {
	if in.views == nil {
		in.views = in.S.ResolveBGP()
		in.viewByNode = make(map[string]*model.NodeBGP, len(in.views))
		for i := range in.views {
			in.viewByNode[in.views[i].Node] = &in.views[i]
		}
	}
	return in.views
}

// View returns the effective BGP configuration of one node.
func (in *Input) View(node string) *model.NodeBGP {
	in.Views()
	return in.viewByNode[node]
}

// Selects evaluates a label selector with a compiled-selector cache. An invalid
// selector selects nothing and returns its error.
func (in *Input) Selects(sel *metav1.LabelSelector, lbls labels.Labels, nilMeans model.NilSelector) (bool, error) {
	if sel == nil {
		return bool(nilMeans), nil
	}
	c, ok := in.selectors[sel]
	if !ok {
		s, err := metav1.LabelSelectorAsSelector(sel)
		c = compiled{s, err}
		in.selectors[sel] = c
	}
	if c.err != nil {
		return false, c.err
	}
	return c.sel.Matches(lbls), nil
}

// Keys Cilium adds to a Service's labels for pool and advertisement selectors.
const (
	svcNameKey      = "io.kubernetes.service.name"
	svcNamespaceKey = "io.kubernetes.service.namespace"
)

// serviceLabels are a Service's labels plus the keys Cilium adds for selectors,
// without copying the label map (tens of thousands of Services are matched).
type serviceLabels struct{ svc *model.Service }

// Lookup implements labels.Labels.
func (l serviceLabels) Lookup(key string) (string, bool) {
	switch key {
	case svcNameKey:
		return l.svc.Name, true
	case svcNamespaceKey:
		return l.svc.Namespace, true
	}
	v, ok := l.svc.Labels[key]
	return v, ok
}

// Has implements labels.Labels.
func (l serviceLabels) Has(key string) bool { _, ok := l.Lookup(key); return ok }

// Get implements labels.Labels.
func (l serviceLabels) Get(key string) string { v, _ := l.Lookup(key); return v }

// pairs yields every label, the added keys included.
func (l serviceLabels) pairs(yield func(k, v string) bool) {
	if !yield(svcNameKey, l.svc.Name) || !yield(svcNamespaceKey, l.svc.Namespace) {
		return
	}
	for k, v := range l.svc.Labels {
		if !yield(k, v) {
			return
		}
	}
}

// ServiceLabels returns what pool and advertisement selectors see of a Service.
func (in *Input) ServiceLabels(svc *model.Service) serviceLabels { return serviceLabels{svc} }

// PoolsFor returns the enabled and disabled pools whose serviceSelector selects svc.
func (in *Input) PoolsFor(svc *model.Service) []*model.LBPool {
	if in.poolIndex == nil {
		in.poolIndex = newSelectorIndex(in, func(yield func(*model.LBPool, *metav1.LabelSelector) bool) {
			for i := range in.S.Pools {
				if !yield(&in.S.Pools[i], in.S.Pools[i].ServiceSelector) {
					return
				}
			}
		}, model.NilMatchesAll)
	}
	return in.poolIndex.match(in.ServiceLabels(svc))
}

// LBServices returns the Services of type LoadBalancer (computed once).
func (in *Input) LBServices() []*model.Service {
	if in.lbServices == nil {
		in.lbServices = make([]*model.Service, 0, len(in.S.Services))
		for i := range in.S.Services {
			if in.S.Services[i].Type == "LoadBalancer" {
				in.lbServices = append(in.lbServices, &in.S.Services[i])
			}
		}
	}
	return in.lbServices
}

// Node returns a node by name through an index (the snapshot's own lookup is linear).
func (in *Input) Node(name string) (*model.Node, bool) {
	if in.nodes == nil {
		in.nodes = model.IndexBy(in.S.Nodes, func(n *model.Node) string { return n.Name })
	}
	n, ok := in.nodes[name]
	return n, ok
}

// Version is a Cilium version; Known is false when it could not be determined.
type Version struct {
	Major, Minor, Patch int
	Known               bool
	Raw                 string
}

var semver = regexp.MustCompile(`^v?(\d+)\.(\d+)\.(\d+)`)

// ParseVersion reads "1.18.4", "v1.19.0-rc.1"; anything else is unknown.
func ParseVersion(s string) Version {
	m := semver.FindStringSubmatch(s)
	if m == nil {
		return Version{Raw: s}
	}
	maj, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	patch, _ := strconv.Atoi(m[3])
	return Version{Major: maj, Minor: minor, Patch: patch, Known: true, Raw: s}
}

// AtLeast reports whether a known version is at least major.minor.
func (v Version) AtLeast(major, minor int) bool {
	return v.Known && (v.Major > major || v.Major == major && v.Minor >= minor)
}

// Before reports whether a known version is older than major.minor.
func (v Version) Before(major, minor int) bool { return v.Known && !v.AtLeast(major, minor) }

// String renders the version, or says it is unknown.
func (v Version) String() string {
	if !v.Known {
		return "unknown (agent image tag without a version)"
	}
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
}

// Agent returns the agent's answer for node (map lookup; the snapshot's list is linear).
func (in *Input) Agent(node string) (*model.AgentNode, bool) {
	if in.agents == nil {
		in.agents = model.IndexBy(in.S.Agents, func(a *model.AgentNode) string { return a.Node })
	}
	a, ok := in.agents[node]
	return a, ok
}
