// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"encoding/json"
	"fmt"

	"github.com/bgpnet/kubectl-bgpnet/internal/version"
	"github.com/spf13/cobra"
)

type versionOptions struct {
	*GlobalOptions
	output string
}

func newVersionCmd(g *GlobalOptions) *cobra.Command {
	o := &versionOptions{GlobalOptions: g}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of kubectl bgpnet",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return invalid(err)
			}
			return o.Run()
		},
	}
	cmd.Flags().StringVarP(&o.output, "output", "o", "text", "output format: text or json")
	return cmd
}

// Validate checks the flags.
func (o *versionOptions) Validate() error { return oneOf("output", o.output, "text", "json") }

// Run prints the version.
func (o *versionOptions) Run() error {
	v := version.Get()
	if o.output == "json" {
		enc := json.NewEncoder(o.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	_, err := fmt.Fprintf(o.Out, "kubectl-bgpnet %s (commit %s, built %s, %s, %s)\n", v.Version, v.Commit, v.Date, v.GoVersion, v.Platform)
	return err
}
