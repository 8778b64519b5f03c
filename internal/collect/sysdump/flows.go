// SPDX-License-Identifier: Apache-2.0

package sysdump

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"path"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/collect/hubble"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	flowpb "github.com/cilium/cilium/api/v1/flow"
	observerpb "github.com/cilium/cilium/api/v1/observer"
	"google.golang.org/protobuf/encoding/protojson"
)

// maxFlowLine bounds one line of a flow file (a flow with all its labels is a few KiB).
const maxFlowLine = 1 << 20

// addFlows reads the sysdump's Hubble flows: one hubble-flows-<agent pod>-<time>.json
// per agent, the output of `hubble observe --last N -o jsonpb` (a GetFlowsResponse per
// line). It keeps what a live doctor asks Hubble for: dropped flows from or to the
// Services' addresses. The outcome is the "hubble" source.
func (a *archive) addFlows(s *model.Snapshot) {
	st := model.SourceStatus{Name: model.SourceHubble}
	defer func() { s.Sources = append(s.Sources, st) }()
	keys := a.perPod("hubble-flows-", ".json")
	if len(keys) == 0 {
		st.Status, st.Message = model.StatusSkipped, "no hubble-flows-<pod>-<time>.json in the sysdump (Hubble off, or taken with --hubble-flows-count 0)"
		return
	}
	vips := map[netip.Addr]bool{}
	for _, svc := range s.Services {
		for _, ing := range svc.Ingress {
			if a, err := netip.ParseAddr(ing.IP); err == nil {
				vips[a] = true
			}
		}
		for _, ip := range svc.ExternalIPs {
			if a, err := netip.ParseAddr(ip); err == nil {
				vips[a] = true
			}
		}
	}
	var read, failed []string
	seen := 0
	for _, k := range keys {
		f := a.files[k]
		name := path.Base(f.entry.Name)
		n, err := a.flowsOf(f, vips, s)
		seen += n
		if err != nil {
			failed = append(failed, err.Error())
			continue
		}
		read = append(read, name)
	}
	st.Count = len(s.Flows)
	switch {
	case len(read) == 0:
		st.Status, st.Message = model.StatusError, strings.Join(failed, "; ")
	default:
		st.Status = model.StatusOK
		st.Message = fmt.Sprintf("%d flows in %d hubble-flows files (what each agent's Hubble still had), %d dropped from or to a VIP", seen, len(read), len(s.Flows))
		if len(failed) > 0 {
			st.Failed = len(failed) // partial: some agents' flows are missing
			st.Message += "; not read: " + strings.Join(failed, "; ")
		}
	}
}

// flowsOf reads one flow file, adding the drops from or to a VIP to s. It returns how
// many flows the file held; a file of which no line decodes is an error.
func (a *archive) flowsOf(f file, vips map[netip.Addr]bool, s *model.Snapshot) (int, error) {
	name := path.Base(f.entry.Name)
	data, err := a.readEntry(f.entry)
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), maxFlowLine)
	unmarshal := protojson.UnmarshalOptions{DiscardUnknown: true} // newer Hubble fields
	flows, bad, lines := 0, 0, 0
	var firstErr error
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		lines++
		var resp observerpb.GetFlowsResponse
		if err := unmarshal.Unmarshal(line, &resp); err != nil {
			bad++
			if firstErr == nil {
				firstErr = fmt.Errorf("line %d: %w", lines, err)
			}
			continue
		}
		fl := resp.GetFlow()
		if fl == nil {
			continue // node status and lost-events records
		}
		flows++
		if fl.GetVerdict() != flowpb.Verdict_DROPPED || !isVIP(vips, fl.GetIP().GetSource()) && !isVIP(vips, fl.GetIP().GetDestination()) {
			continue
		}
		m := hubble.FromProto(fl)
		if m.Node == "" {
			m.Node = resp.GetNodeName()
		}
		s.Flows = append(s.Flows, m)
	}
	if err := sc.Err(); err != nil {
		return flows, fmt.Errorf("%s: %w", name, err)
	}
	if lines > 0 && bad == lines {
		return 0, fmt.Errorf("%s: no line is a Hubble flow (%v)", name, firstErr)
	}
	return flows, nil
}

func isVIP(vips map[netip.Addr]bool, ip string) bool {
	a, err := netip.ParseAddr(ip)
	return err == nil && vips[a]
}
