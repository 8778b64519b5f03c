// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"fmt"

	"github.com/bgpnet/kubectl-bgpnet/internal/diagram"
	"github.com/spf13/cobra"
)

type diagramOptions struct {
	*GlobalOptions
	agents  AgentOptions
	routers RouterOptions
	specs   []RouterSpec
	format  string
	maxVIPs int
}

func newDiagramCmd(g *GlobalOptions) *cobra.Command {
	o := &diagramOptions{GlobalOptions: g}
	cmd := &cobra.Command{
		Use:   "diagram",
		Short: "Draw the BGP picture (peers, nodes and their sessions, pools and VIPs) as Mermaid or Graphviz",
		Long: `Draw who peers with whom: the upstream peers, each node's session to them (green when
established, red and dashed otherwise) and the LB-IPAM pools with the Services holding their
addresses. Mermaid renders in GitHub and GitLab Markdown; DOT renders with Graphviz. Works on
a live cluster, a saved snapshot or a cilium sysdump (--from).`,
		Example: `  kubectl bgpnet diagram > bgp.mmd
  kubectl bgpnet diagram --from cilium-sysdump.zip -o dot | dot -Tsvg > bgp.svg
  kubectl bgpnet diagram --router frr --router-cmd "ssh admin@gw sudo"   # names the router`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return invalid(err)
			}
			return o.Run(cmd)
		},
	}
	cmd.Flags().StringVarP(&o.format, "output", "o", "mermaid", "output format: mermaid or dot")
	cmd.Flags().IntVar(&o.maxVIPs, "max-services", 10, "addresses listed per pool (the rest are counted)")
	o.agents.addFlags(cmd.Flags())
	o.routers.addFlags(cmd.Flags())
	return cmd
}

// Validate checks the flags.
func (o *diagramOptions) Validate() error {
	if err := oneOf("output", o.format, "mermaid", "dot"); err != nil {
		return err
	}
	if o.maxVIPs < 0 {
		return fmt.Errorf("--max-services must not be negative")
	}
	if err := o.agents.validate(); err != nil {
		return err
	}
	specs, err := o.routers.specs()
	o.specs = specs
	return err
}

// Run collects and draws.
func (o *diagramOptions) Run(cmd *cobra.Command) error {
	stop := spin(o.ErrOut, "collecting BGP sessions…")
	s, err := o.SnapshotWithAgents(cmd.Context(), o.agents)
	if err == nil {
		o.routers.collectRouters(cmd.Context(), s, o.specs)
	}
	stop()
	if err != nil {
		return err
	}
	g := diagram.Build(s, o.maxVIPs)
	if o.format == "dot" {
		return diagram.DOT(o.Out, g)
	}
	return diagram.Mermaid(o.Out, g)
}
