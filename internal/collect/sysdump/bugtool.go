// SPDX-License-Identifier: Apache-2.0

package sysdump

import (
	"archive/tar"
	"bytes"
	"cmp"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/collect/agent"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
)

// peerOutputs are the files of a cilium-bugtool archive holding the agent's peer list,
// preferred first: `cilium-dbg shell -- bgp/peers -f detailed` (1.19+) and
// `cilium-dbg bgp peers` (≤1.18), each saved as cmd/<command with / and spaces as ->.md.
var peerOutputs = []string{"cilium-dbg-shell----bgp-peers--f-detailed.md", "cilium-dbg-bgp-peers.md"}

// routeOutputs are the files with the advertised routes, per family: the 1.19+ shell
// form first, then the ≤1.18 command.
var routeOutputs = map[string][]string{
	"ipv4": {"cilium-dbg-shell----bgp-routes--a-out-ipv4-unicast.md", "cilium-dbg-bgp-routes-advertised-ipv4-unicast.md"},
	"ipv6": {"cilium-dbg-shell----bgp-routes--a-out-ipv6-unicast.md", "cilium-dbg-bgp-routes-advertised-ipv6-unicast.md"},
}

// wanted reports whether a cmd/ file of a bugtool archive is read.
func wanted(base string) bool {
	return slices.Contains(peerOutputs, base) || slices.Contains(routeOutputs["ipv4"], base) || slices.Contains(routeOutputs["ipv6"], base)
}

// maxCmdOutput bounds one command output read from a bugtool archive.
const maxCmdOutput = 16 << 20

// maxTarEntries bounds the entries of one bugtool archive (a real one has a few hundred).
const maxTarEntries = 20_000

// addAgents reads the agents' sessions and advertised routes from the cilium-bugtool
// archives the sysdump took from each agent pod (cilium-bugtool-<pod>-<time>.tar.gz).
// The pod's node comes from k8s-pods. The outcome is the "agents" and "agent-routes"
// sources.
func (a *archive) addAgents(s *model.Snapshot) {
	st := model.SourceStatus{Name: model.SourceAgents}
	rs := model.SourceStatus{Name: model.SourceAgentRoutes}
	withRoutes := 0
	defer func() {
		switch {
		case st.Status != model.StatusOK:
			rs.Status, rs.Message = st.Status, st.Message
		case withRoutes == 0:
			rs.Status, rs.Message = model.StatusSkipped, "no advertised routes (bgp/routes or bgp routes advertised) in the cilium-bugtool archives"
		default:
			rs.Status, rs.Failed = model.StatusOK, st.Failed
			rs.Message = fmt.Sprintf("from %d of %d cilium-bugtool archives", withRoutes, st.Count)
			for _, n := range s.Agents {
				rs.Count += len(n.Routes)
			}
		}
		s.Sources = append(s.Sources, st, rs)
	}()
	keys := a.perPod("cilium-bugtool-", ".tar.gz")
	if len(keys) == 0 {
		st.Status, st.Message = model.StatusSkipped, "no cilium-bugtool-<pod>-<time>.tar.gz in the sysdump (taken with --quick?)"
		return
	}
	nodeOf := a.podNodes()
	var bad []string
	for _, k := range keys {
		f := a.files[k]
		pod := strings.TrimSuffix(strings.TrimPrefix(k, "cilium-bugtool-"), ".tar.gz")
		n := model.AgentNode{Node: nodeOf[pod], Pod: pod, Via: path.Base(f.entry.Name)}
		peers, routes, via, err := a.bugtoolAgent(f)
		switch {
		case n.Node == "":
			n.Status, n.Message = model.StatusError, fmt.Sprintf("the node of agent pod %s is unknown: it is not in k8s-pods", pod)
		case errors.Is(err, agent.ErrBGPDisabled):
			n.Status, n.Message = model.StatusNotInstalled, err.Error()
		case err != nil:
			n.Status, n.Message = model.StatusError, err.Error()
		default:
			n.Status, n.Peers, n.Routes, n.Via = model.StatusOK, peers, routes, n.Via+": "+via
			if routes != nil {
				withRoutes++
			}
		}
		if n.Status != model.StatusOK {
			bad = append(bad, fmt.Sprintf("%s: %s", cmp.Or(n.Node, pod), n.Status))
		}
		s.Agents = append(s.Agents, n)
	}
	slices.SortFunc(s.Agents, func(x, y model.AgentNode) int { return strings.Compare(x.Node, y.Node) })
	st.Count, st.Status = len(s.Agents), model.StatusOK
	st.Message = fmt.Sprintf("from %d cilium-bugtool archives", len(keys))
	if len(bad) > 0 {
		st.Failed = len(bad)
		st.Message += fmt.Sprintf("; %d of %d not read (%s)", len(bad), len(keys), strings.Join(bad, ", "))
		if len(bad) == len(keys) {
			st.Status = model.StatusError
			if !slices.ContainsFunc(s.Agents, func(n model.AgentNode) bool { return n.Status != model.StatusNotInstalled }) {
				st.Status = model.StatusNotInstalled
			}
		}
	}
}

// bugtoolAgent finds and decodes the peer list and the advertised routes in one
// bugtool archive. routes is nil when the archive has no route output.
func (a *archive) bugtoolAgent(f file) (peers []model.AgentPeer, routes []model.AgentRoute, via string, err error) {
	data, err := a.readEntry(f.entry)
	if err != nil {
		return nil, nil, "", err
	}
	name := path.Base(f.entry.Name)
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, nil, "", fmt.Errorf("%s: not a gzip archive: %w", name, err)
	}
	// the decompressed stream is bounded like an entry of the zip, and counts against
	// the archive's total
	tr := tar.NewReader(a.bounded(gz, int64(len(data))))
	found := map[string][]byte{}
	for i := 0; ; i++ {
		if i == maxTarEntries {
			return nil, nil, "", fmt.Errorf("%s: more than %d entries", name, maxTarEntries)
		}
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, "", fmt.Errorf("%s: %w", name, err)
		}
		base := path.Base(h.Name)
		if h.Typeflag != tar.TypeReg || !wanted(base) || path.Base(path.Dir(h.Name)) != "cmd" {
			continue
		}
		body, err := io.ReadAll(io.LimitReader(tr, maxCmdOutput+1))
		switch {
		case err != nil:
			return nil, nil, "", fmt.Errorf("%s: %s: %w", name, h.Name, err)
		case len(body) > maxCmdOutput:
			return nil, nil, "", fmt.Errorf("%s: %s: larger than %s: not read", name, h.Name, size(maxCmdOutput))
		}
		found[base] = body
	}
	for _, want := range peerOutputs {
		body, ok := found[want]
		if !ok {
			continue
		}
		peers, err = agent.DecodePeersText(body)
		if errors.Is(err, agent.ErrBGPDisabled) {
			return nil, nil, "", err
		}
		if err != nil {
			return nil, nil, "", fmt.Errorf("%s: cmd/%s: %w", name, want, err)
		}
		via = "cmd/" + want
		break
	}
	if via == "" {
		return nil, nil, "", fmt.Errorf("%s: no BGP peer list (cmd/%s)", name, strings.Join(peerOutputs, " or cmd/"))
	}
	// 1.19+ names the peer a route goes to; the peer list has its address
	addrOf := map[string]string{}
	for _, p := range peers {
		if p.Name != "" {
			addrOf[p.Name] = p.PeerAddress
		}
	}
	for _, afi := range []string{"ipv4", "ipv6"} {
		for _, want := range routeOutputs[afi] {
			body, ok := found[want]
			if !ok {
				continue
			}
			rs, err := agent.DecodeRoutesText(body)
			if err != nil {
				return nil, nil, "", fmt.Errorf("%s: cmd/%s: %w", name, want, err)
			}
			for i := range rs {
				if addr, ok := addrOf[rs[i].Peer]; ok {
					rs[i].Peer = addr
				}
			}
			if routes == nil {
				routes = []model.AgentRoute{} // read, even if nothing is advertised
			}
			routes = append(routes, rs...)
			break
		}
	}
	return peers, routes, via, nil
}
