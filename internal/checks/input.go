// SPDX-License-Identifier: Apache-2.0

package checks

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
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

	poolIndex  *selectorIndex[*model.LBPool]
	blockIx    *blockIndex
	poolUse    map[*model.LBPool][]ingress
	lbServices []*model.Service
	svcFacts   []svcFact // of lbServices, index-aligned
	nodes      map[string]*model.Node
	inUse      map[string]bool
	// ingressList holds the parsed ingress addresses of lbServices; their blocks are
	// filled in on first use (ingressBlocks).
	ingressList   []ingress
	ingressBlocks bool
	byPool        map[*model.LBPool][]block
	drops         map[*model.Service][]model.Flow
	agents        map[string]*model.AgentNode
	routerIx      map[string]routerSession
	// sessions are the configured sessions paired with the routers read (once per run);
	// routerFacts are what the router checks derive from each router.
	sessions     []routerSession
	sessionsDone bool
	routerFacts  map[*model.RouterView]*routerFacts
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

// nodeView returns the view of the i-th node of the snapshot: by position when the
// views are in node order (they are sorted by name, as Normalize sorts the nodes), else
// through the index.
func (in *Input) nodeView(i int) *model.NodeBGP {
	views, name := in.Views(), in.S.Nodes[i].Name
	if i < len(views) && views[i].Node == name {
		return &views[i]
	}
	return in.View(name)
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
	in.listLB()
	return in.lbServices
}

// svcFact is one property of a LoadBalancer Service that the Service walks filter on.
type svcFact uint16

const (
	// factCilium: loadBalancerClass unset or Cilium's BGP class (LB-IPAM and BGP handle it).
	factCilium svcFact = 1 << iota
	// factIngress: status.loadBalancer.ingress is not empty.
	factIngress
	// factETPLocal: externalTrafficPolicy Local.
	factETPLocal
	// factL2Class: loadBalancerClass io.cilium/l2-announcer.
	factL2Class
	// factDualStack: ipFamilyPolicy PreferDualStack or RequireDualStack.
	factDualStack
	// factL2: an L2 announcement policy announces the Service's LoadBalancer IP.
	factL2
	// factAdvertised: a Service entry (advertising LoadBalancerIP) of an Advertisement in
	// use selects it.
	factAdvertised
	// factRequested: asks for addresses (lbipam.cilium.io/ips, io.cilium/lb-ipam-ips or
	// spec.loadBalancerIP).
	factRequested
	// factSharing: carries an LB-IPAM sharing key.
	factSharing
)

// pending reports a Service handled by Cilium that waits for an address.
func (f svcFact) pending() bool { return f&factCilium != 0 && f&factIngress == 0 }

// lbFacts returns the facts of each LoadBalancer Service, index-aligned with
// LBServices. They are derived in the one pass that lists the Services, so that the
// walks over 50 000 Services test bits in a compact array and only dereference the
// Services they report on (a Service object is hundreds of bytes spread over the heap;
// a dozen walks touching each of them was the main cost at scale).
func (in *Input) lbFacts() []svcFact {
	in.listLB()
	return in.svcFacts
}

// l2AnnouncerClass is the loadBalancerClass of Services meant for L2 announcements only.
const l2AnnouncerClass = "io.cilium/l2-announcer"

// has reports whether every fact of want holds.
func (f svcFact) has(want svcFact) bool { return f&want == want }

// listLB lists the LoadBalancer Services, their facts and parsed ingress addresses,
// in one pass over the Services (once per run).
func (in *Input) listLB() {
	if in.lbServices != nil {
		return
	}
	in.lbServices = make([]*model.Service, 0, len(in.S.Services))
	for i := range in.S.Services {
		if in.S.Services[i].Type == "LoadBalancer" {
			in.lbServices = append(in.lbServices, &in.S.Services[i])
		}
	}
	in.svcFacts = make([]svcFact, len(in.lbServices))
	in.ingressList = make([]ingress, 0, len(in.lbServices))
	var lbEntries []*metav1.LabelSelector // of Service entries advertising LoadBalancerIP
	for _, e := range in.serviceEntries() {
		if slices.Contains(e.addresses(), "LoadBalancerIP") {
			lbEntries = append(lbEntries, e.entry.Selector)
		}
	}
	for i, svc := range in.lbServices {
		var f svcFact
		if ciliumClass(svc.LoadBalancerClass) {
			f |= factCilium
		} else if *svc.LoadBalancerClass == l2AnnouncerClass {
			f |= factL2Class
		}
		if len(svc.Ingress) > 0 {
			f |= factIngress
			for _, ing := range svc.Ingress {
				if a, err := netip.ParseAddr(ing.IP); err == nil {
					in.ingressList = append(in.ingressList, ingress{svc: svc, addr: a})
				}
			}
		}
		if slices.ContainsFunc(lbEntries, func(sel *metav1.LabelSelector) bool {
			ok, _ := in.Selects(sel, in.ServiceLabels(svc), model.NilMatchesNothing)
			return ok
		}) {
			f |= factAdvertised
		}
		if svc.ExternalTrafficPolicy == "Local" {
			f |= factETPLocal
		}
		if svc.IPFamilyPolicy == "PreferDualStack" || svc.IPFamilyPolicy == "RequireDualStack" {
			f |= factDualStack
		}
		if in.l2Announced(svc) {
			f |= factL2
		}
		if ips, _ := requestedIPs(svc); len(ips) > 0 {
			f |= factRequested
		}
		if sharingKey(svc) != "" {
			f |= factSharing
		}
		in.svcFacts[i] = f
	}
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
