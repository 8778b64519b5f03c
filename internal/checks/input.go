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
	svcLabels  map[*model.Service]labels.Set
	poolIndex  *selectorIndex[*model.LBPool]
	blockIx    *blockIndex
	poolUse    map[*model.LBPool][]netip.Addr
	svcByIP    map[netip.Addr][]*model.Service
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
		svcLabels: map[*model.Service]labels.Set{},
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
func (in *Input) Selects(sel *metav1.LabelSelector, lbls labels.Set, nilMeans model.NilSelector) (bool, error) {
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

// ServiceLabels returns a Service's labels plus the keys Cilium adds for selectors
// (io.kubernetes.service.name / .namespace), which pools and advertisements may use.
func (in *Input) ServiceLabels(svc *model.Service) labels.Set {
	if l, ok := in.svcLabels[svc]; ok {
		return l
	}
	l := make(labels.Set, len(svc.Labels)+2)
	for k, v := range svc.Labels {
		l[k] = v
	}
	l["io.kubernetes.service.name"] = svc.Name
	l["io.kubernetes.service.namespace"] = svc.Namespace
	in.svcLabels[svc] = l
	return l
}

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

// LBServices returns the Services of type LoadBalancer.
func (in *Input) LBServices() []*model.Service {
	var out []*model.Service
	for i := range in.S.Services {
		if in.S.Services[i].Type == "LoadBalancer" {
			out = append(out, &in.S.Services[i])
		}
	}
	return out
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
