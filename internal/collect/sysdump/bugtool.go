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

// maxTarEntries bounds the entries of one bugtool archive (a real one has a few hundred).
const maxTarEntries = 20_000

// addAgents reads the agents' sessions from the cilium-bugtool archives the sysdump
// took from each agent pod (cilium-bugtool-<pod>-<time>.tar.gz). The pod's node comes
// from k8s-pods. The outcome is the "agents" source; the agents' routes are not read.
func (a *archive) addAgents(s *model.Snapshot) {
	st := model.SourceStatus{Name: model.SourceAgents}
	defer func() {
		s.Sources = append(s.Sources, st, model.SourceStatus{Name: model.SourceAgentRoutes, Status: model.StatusSkipped,
			Message: "the agents' routes are not read from cilium-bugtool archives"})
	}()
	var keys []string
	for k := range a.files {
		if strings.HasPrefix(k, "cilium-bugtool-") && strings.HasSuffix(k, ".tar.gz") {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
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
		peers, via, err := a.bugtoolPeers(f)
		switch {
		case n.Node == "":
			n.Status, n.Message = model.StatusError, fmt.Sprintf("the node of agent pod %s is unknown: it is not in k8s-pods", pod)
		case errors.Is(err, agent.ErrBGPDisabled):
			n.Status, n.Message = model.StatusNotInstalled, err.Error()
		case err != nil:
			n.Status, n.Message = model.StatusError, err.Error()
		default:
			n.Status, n.Peers, n.Via = model.StatusOK, peers, n.Via+": "+via
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

// bugtoolPeers finds and decodes the peer list in one bugtool archive.
func (a *archive) bugtoolPeers(f file) ([]model.AgentPeer, string, error) {
	data, err := a.readEntry(f.entry)
	if err != nil {
		return nil, "", err
	}
	name := path.Base(f.entry.Name)
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, "", fmt.Errorf("%s: not a gzip archive: %w", name, err)
	}
	// the decompressed stream is bounded like an entry of the zip
	tr := tar.NewReader(io.LimitReader(gz, a.limits.Entry))
	found := map[string][]byte{}
	for i := 0; ; i++ {
		if i == maxTarEntries {
			return nil, "", fmt.Errorf("%s: more than %d entries", name, maxTarEntries)
		}
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w (truncated, or beyond %s decompressed)", name, err, size(a.limits.Entry))
		}
		base := path.Base(h.Name)
		if h.Typeflag != tar.TypeReg || !slices.Contains(peerOutputs, base) || path.Base(path.Dir(h.Name)) != "cmd" {
			continue
		}
		body, err := io.ReadAll(io.LimitReader(tr, 16<<20))
		if err != nil {
			return nil, "", fmt.Errorf("%s: %s: %w", name, h.Name, err)
		}
		found[base] = body
	}
	for _, want := range peerOutputs {
		body, ok := found[want]
		if !ok {
			continue
		}
		peers, err := agent.DecodePeersText(body)
		if err != nil {
			if errors.Is(err, agent.ErrBGPDisabled) {
				return nil, "", err
			}
			return nil, "", fmt.Errorf("%s: cmd/%s: %w", name, want, err)
		}
		return peers, "cmd/" + want, nil
	}
	return nil, "", fmt.Errorf("%s: no BGP peer list (cmd/%s)", name, strings.Join(peerOutputs, " or cmd/"))
}
