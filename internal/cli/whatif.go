// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"cmp"
	"fmt"
	"io"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/whatif"
	"github.com/spf13/cobra"
)

type whatIfOptions struct {
	*GlobalOptions
	node    string
	changes []whatif.Change
	format  string
}

func newWhatIfCmd(g *GlobalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "what-if",
		Short: "Preview a change before making it: what a node label change would select, start and fix",
	}
	o := &whatIfOptions{GlobalOptions: g}
	label := &cobra.Command{
		Use:   "label NODE KEY=VALUE... [KEY-]...",
		Short: "Preview a node label change: BGP configurations and L2 policies selecting the node, its sessions, and the findings that go away or appear",
		Long: `Preview a node label change, in kubectl label's syntax, without making it: which
CiliumBGPClusterConfigs, PeeringPolicies and L2 announcement policies select the node before
and after, the sessions it would gain or lose, and the doctor findings that would go away or
appear anywhere in the cluster (a label can also make a node ambiguous between two
configurations). Nothing is changed; the command to make the change is printed at the end.`,
		Example: `  kubectl bgpnet what-if label nuc-2 bgp-enabled=true bgp_enabled-
  kubectl bgpnet what-if label worker-3 rack=r2 -o json`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(args); err != nil {
				return invalid(err)
			}
			if err := o.Validate(); err != nil {
				return invalid(err)
			}
			return o.Run(cmd)
		},
	}
	label.Flags().StringVarP(&o.format, "output", "o", "text", "output format: text, json or yaml")
	cmd.AddCommand(label)
	return cmd
}

// Complete reads the node and the label changes.
func (o *whatIfOptions) Complete(args []string) error {
	o.node = args[0]
	changes, err := whatif.ParseChanges(args[1:])
	o.changes = changes
	return err
}

// Validate checks the output format and refuses contradictory changes: the same key
// set twice, or set and removed (kubectl label applies them in turn; a preview of
// that would show only the last one).
func (o *whatIfOptions) Validate() error {
	if err := oneOf("output", o.format, "text", "json", "yaml"); err != nil {
		return err
	}
	seen := map[string]whatif.Change{}
	for _, c := range o.changes {
		if prev, ok := seen[c.Key]; ok {
			return fmt.Errorf("label %s given twice (%s and %s): give each key once", c.Key, prev, c)
		}
		seen[c.Key] = c
	}
	return nil
}

// Run previews the change.
func (o *whatIfOptions) Run(cmd *cobra.Command) error {
	stop := spin(o.ErrOut, "collecting…")
	s, err := o.Snapshot(cmd.Context())
	stop()
	if err != nil {
		return err
	}
	r, err := whatif.Label(s, o.node, o.changes)
	if err != nil {
		return err
	}
	if o.format != "text" {
		return structured(o.Out, o.format, "whatIf", r, s)
	}
	return printWhatIf(o.Out, r)
}

// printWhatIf renders a preview as text.
func printWhatIf(w io.Writer, r *whatif.Result) error {
	var b strings.Builder
	var args []string
	for _, c := range r.Changes {
		args = append(args, c.String())
	}
	fmt.Fprintf(&b, "What if node %s were labelled %s (nothing is changed)\n\n", r.Node, strings.Join(args, " "))
	refs := func(rs []model.Ref) string {
		var out []string
		for _, x := range rs {
			out = append(out, x.String())
		}
		return cmp.Or(strings.Join(out, ", "), "(none)")
	}
	fmt.Fprintf(&b, "  selected by:  %s  →  %s\n", refs(r.Before.SelectedBy), refs(r.After.SelectedBy))
	fmt.Fprintf(&b, "  L2 policies:  %s  →  %s\n", refs(r.Before.L2Policies), refs(r.After.L2Policies))
	before := map[string]bool{}
	for _, s := range r.Before.Sessions {
		before[s.String()] = true
	}
	after := map[string]bool{}
	for _, s := range r.After.Sessions {
		after[s.String()] = true
	}
	b.WriteString("  sessions:\n")
	changed := false
	for _, s := range r.Before.Sessions {
		if !after[s.String()] {
			fmt.Fprintf(&b, "    - %s\n", s)
			changed = true
		}
	}
	for _, s := range r.After.Sessions {
		if !before[s.String()] {
			fmt.Fprintf(&b, "    + %s\n", s)
			changed = true
		}
	}
	if !changed {
		fmt.Fprintf(&b, "    unchanged (%d)\n", len(r.After.Sessions))
	}
	list := func(title string, fs []checks.Finding) {
		fmt.Fprintf(&b, "\n%s (%d)\n", title, len(fs))
		for _, f := range fs {
			fmt.Fprintf(&b, "  %s [%s] %s: %s\n", strings.ToUpper(string(f.Severity)), f.ID, f.Subject, f.Message)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	list("Findings that go away", r.Gone)
	list("Findings that appear", r.New)
	fmt.Fprintf(&b, "\nTo make the change:\n  $ kubectl label node %s %s\n", r.Node, strings.Join(args, " "))
	_, err := io.WriteString(w, b.String())
	return err
}
