// SPDX-License-Identifier: Apache-2.0

package model

import (
	"cmp"
	"slices"
)

// Normalize orders every list of the snapshot by namespace and name and replaces
// missing lists with empty ones, so equal cluster states serialise identically.
func (s *Snapshot) Normalize() {
	slices.SortStableFunc(s.Nodes, func(a, b Node) int { return cmp.Compare(a.Name, b.Name) })
	sortByMeta(&s.BGP.PeeringPolicies, func(x PeeringPolicy) ObjectMeta { return x.ObjectMeta })
	sortByMeta(&s.BGP.ClusterConfigs, func(x ClusterConfig) ObjectMeta { return x.ObjectMeta })
	sortByMeta(&s.BGP.PeerConfigs, func(x PeerConfig) ObjectMeta { return x.ObjectMeta })
	sortByMeta(&s.BGP.Advertisements, func(x Advertisement) ObjectMeta { return x.ObjectMeta })
	sortByMeta(&s.BGP.NodeConfigOverrides, func(x NodeConfigOverride) ObjectMeta { return x.ObjectMeta })
	sortByMeta(&s.BGP.NodeConfigs, func(x NodeConfig) ObjectMeta { return x.ObjectMeta })
	sortByMeta(&s.Pools, func(x LBPool) ObjectMeta { return x.ObjectMeta })
	sortByMeta(&s.L2Policies, func(x L2Policy) ObjectMeta { return x.ObjectMeta })
	sortByMeta(&s.Services, func(x Service) ObjectMeta { return x.ObjectMeta })
	if s.Nodes == nil {
		s.Nodes = []Node{}
	}
	if s.Sources == nil {
		s.Sources = []SourceStatus{}
	}
}

func sortByMeta[T any](xs *[]T, meta func(T) ObjectMeta) {
	if *xs == nil {
		*xs = []T{}
		return
	}
	slices.SortStableFunc(*xs, func(x, y T) int {
		a, b := meta(x), meta(y)
		if c := cmp.Compare(a.Namespace, b.Namespace); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
}
