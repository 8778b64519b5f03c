// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"fmt"
	"io"

	"github.com/bgpnet/kubectl-bgpnet/internal/atomicfile"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/report"
	"github.com/bgpnet/kubectl-bgpnet/internal/snapshot"
	"github.com/spf13/cobra"
)

type snapshotOptions struct {
	*GlobalOptions
	agents     AgentOptions
	output     string
	outputFile string
}

func newSnapshotCmd(g *GlobalOptions) *cobra.Command {
	o := &snapshotOptions{GlobalOptions: g}
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "Collect the cluster's BGP networking state and print or save it",
		Long: `Collect nodes, cilium-config, Cilium's BGP objects (BGPv1 and BGPv2), LB-IPAM pools,
L2 announcement policies and LoadBalancer Services with their endpoints into one snapshot.

Every source reports its own status (ok, forbidden, not-installed, timeout, error), and what
could be read is kept even when other sources fail. A saved snapshot can be read back by any
command with --from FILE.`,
		Example: `  kubectl bgpnet snapshot                                  # summary of the live cluster
  kubectl bgpnet snapshot -o json --output-file snap.json  # save for offline use
  kubectl bgpnet snapshot --from snap.json -o yaml         # convert a saved snapshot
  kubectl bgpnet snapshot --demo                           # the embedded demo`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Complete(cmd)
			if err := o.Validate(); err != nil {
				return invalid(err)
			}
			return o.Run(cmd)
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "summary", "output format: summary, json or yaml")
	cmd.Flags().StringVar(&o.outputFile, "output-file", "", "write the output to this file (written atomically) instead of stdout")
	o.agents.addFlags(cmd.Flags())
	return cmd
}

// Complete picks the format of --output-file from its extension when -o is not given.
func (o *snapshotOptions) Complete(cmd *cobra.Command) {
	if o.outputFile != "" && !cmd.Flags().Changed("output") {
		o.output = string(snapshot.FormatForPath(o.outputFile))
	}
}

// Validate checks the flags.
func (o *snapshotOptions) Validate() error {
	if err := oneOf("output", o.output, "summary", "json", "yaml"); err != nil {
		return err
	}
	if o.outputFile != "" {
		if err := atomicfile.Check(o.outputFile); err != nil {
			return fmt.Errorf("--output-file: %w", err)
		}
	}
	return o.agents.validate()
}

// Run collects (or loads) the snapshot and writes it.
func (o *snapshotOptions) Run(cmd *cobra.Command) error {
	stop := spin(o.ErrOut, "collecting snapshot…")
	o.agents.RoutesWhereExec = true // a snapshot keeps the whole live view it reads
	s, err := o.SnapshotWithAgents(cmd.Context(), o.agents)
	stop()
	if err != nil {
		return err
	}
	write := func(w io.Writer) error { return o.write(w, s) }
	if o.outputFile != "" {
		return atomicfile.Write(o.outputFile, 0o600, write)
	}
	return write(o.Out)
}

func (o *snapshotOptions) write(w io.Writer, s *model.Snapshot) error {
	if o.output == "summary" {
		return report.Summary(w, s)
	}
	return snapshot.Encode(w, s, snapshot.Format(o.output))
}
