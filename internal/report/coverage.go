// SPDX-License-Identifier: Apache-2.0

package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// bgpKinds are the BGP kinds, BGPv1 and BGPv2: with none of them read, no BGP
// finding means anything.
var bgpKinds = []string{
	model.SourceClusterConfigs, model.SourcePeerConfigs, model.SourceAdvertisements,
	model.SourceNodeConfigOverride, model.SourceNodeConfigs, model.SourcePeeringPolicies,
}

// NothingChecked says why a check run over s checked nothing worth reporting as clean,
// or returns "": no check ran, or the nodes, the Services or every BGP kind could not
// be read. Such a run must not pass as "no problem found".
func NothingChecked(s *model.Snapshot, r checks.Result) string {
	var why []string
	if r.Ran == 0 {
		why = append(why, fmt.Sprintf("no check ran (%d skipped)", len(r.Skipped)))
	}
	for _, n := range []string{model.SourceNodes, model.SourceServices} {
		// a core kind is never "not installed": anything but ok is unread
		if st, _ := s.Source(n); st.Status != model.StatusOK {
			why = append(why, n+" "+string(st.Status))
		}
	}
	var bgp []string
	for _, n := range bgpKinds {
		st, _ := s.Source(n)
		if !st.Unread() {
			bgp = nil
			break
		}
		bgp = append(bgp, string(st.Status))
	}
	if len(bgp) > 0 {
		slices.Sort(bgp)
		why = append(why, "no BGP kind could be read ("+strings.Join(slices.Compact(bgp), ", ")+")")
	}
	return strings.Join(why, "; ")
}
