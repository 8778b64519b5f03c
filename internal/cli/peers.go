// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/views"
	"github.com/spf13/cobra"
)

type peersOptions struct {
	*GlobalOptions
	agents AgentOptions
	out    listOutput
	node   string
}

func newPeersCmd(g *GlobalOptions) *cobra.Command {
	o := &peersOptions{GlobalOptions: g}
	cmd := &cobra.Command{
		Use:   "peers",
		Short: "List BGP sessions per node: state, uptime, routes received/advertised, and where that came from",
		Long: `List every BGP session of every node. Session state comes from CiliumBGPNodeConfig status
when the node has it; otherwise bgpnet execs cilium-dbg in the node's agent (--agents), and
failing both the session is shown from its configuration with state unknown. The SOURCE
column says which.`,
		Example: `  kubectl bgpnet peers
  kubectl bgpnet peers --node worker-1 -o wide
  kubectl bgpnet peers --agents always -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return invalid(err)
			}
			return o.Run(cmd)
		},
	}
	cmd.Flags().StringVarP(&o.out.format, "output", "o", "table", "output format: table, wide, json or yaml")
	cmd.Flags().StringVar(&o.node, "node", "", "only this node")
	o.agents.addFlags(cmd.Flags())
	return cmd
}

// Validate checks the flags.
func (o *peersOptions) Validate() error {
	if err := o.out.validate(); err != nil {
		return err
	}
	return o.agents.validate()
}

// Run collects and prints the sessions.
func (o *peersOptions) Run(cmd *cobra.Command) error {
	stop := spin(o.ErrOut, "collecting BGP sessions…")
	s, err := o.SnapshotWithAgents(cmd.Context(), o.agents)
	stop()
	if err != nil {
		return err
	}
	var rows []views.PeerRow
	for _, r := range views.Peers(s) {
		if o.node == "" || r.Node == o.node {
			rows = append(rows, r)
		}
	}
	if rows == nil {
		rows = []views.PeerRow{}
	}
	if o.out.format == "json" || o.out.format == "yaml" {
		return structured(o.Out, o.out.format, "peers", rows, s)
	}
	header := []string{"NODE", "INSTANCE", "PEER", "ADDRESS", "LOCAL ASN", "PEER ASN", "STATE", "UPTIME", "FAMILIES RX/TX", "SOURCE"}
	if o.out.format == "wide" {
		header = append(header, "HOLD/KEEPALIVE", "GR", "REMOTE CAPABILITIES")
	}
	var lines [][]string
	for _, r := range rows {
		var fams []string
		for _, f := range r.Families {
			fams = append(fams, f.String())
		}
		line := []string{r.Node, cmp.Or(r.Instance, "-"), cmp.Or(r.Peer, "-"), cmp.Or(r.PeerAddress, "-"), fmt.Sprint(r.LocalASN), fmt.Sprint(r.PeerASN),
			r.State, human(r.Uptime), cmp.Or(strings.Join(fams, ", "), "-"), r.Source}
		if o.out.format == "wide" {
			timers := "-"
			if r.AppliedHold > 0 {
				timers = fmt.Sprintf("%ds/%ds", r.AppliedHold, r.AppliedKeepalive)
			}
			gr := "no"
			if r.GracefulRestart {
				gr = "yes"
			}
			line = append(line, timers, gr, cmp.Or(strings.Join(r.Capabilities, "; "), "-"))
		}
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		fmt.Fprintln(o.Out, "No BGP sessions configured.")
	} else if err := table(o.Out, header, lines); err != nil {
		return err
	}
	return printProblems(o.Out, s)
}
