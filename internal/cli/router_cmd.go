// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/collect/router"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/safe"
	"github.com/spf13/cobra"
)

func newRouterCmd(g *GlobalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "router",
		Short: "Read the upstream BGP router (FRR, BIRD): its sessions, or save its outputs",
		Long: `Read an upstream router with read-only show commands only — vtysh for FRR, birdc for
BIRD 2 — locally, through a command prefix (--router-cmd "ssh admin@gw sudo",
"ip netns exec rtr", "kubectl exec -n net frr-0 --"), or from saved outputs (--router-dir).`,
	}
	cmd.AddCommand(newRouterShowCmd(g), newRouterCaptureCmd(g))
	return cmd
}

type routerShowOptions struct {
	*GlobalOptions
	routers RouterOptions
	out     listOutput
	specs   []RouterSpec
}

func newRouterShowCmd(g *GlobalOptions) *cobra.Command {
	o := &routerShowOptions{GlobalOptions: g}
	cmd := &cobra.Command{
		Use:   "show",
		Short: "The router's BGP neighbors as it sees them (-o wide: filters, limits, last error)",
		Example: `  kubectl bgpnet router show --router frr --router-cmd "ssh admin@gw sudo"
  kubectl bgpnet router show --router bird --router-dir ./gw-outputs -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.out.validate(); err != nil {
				return invalid(err)
			}
			specs, err := o.routers.specs()
			if err != nil {
				return invalid(err)
			}
			if len(specs) == 0 {
				return invalid(fmt.Errorf("no router: give --router frr|bird (with --router-cmd or --router-dir) or --routers FILE"))
			}
			o.specs = specs
			return o.Run(cmd)
		},
	}
	o.routers.addFlags(cmd.Flags())
	cmd.Flags().StringVarP(&o.out.format, "output", "o", "table", "output format: table, wide, json or yaml")
	return cmd
}

// Run reads the routers and prints their neighbors.
func (o *routerShowOptions) Run(cmd *cobra.Command) error {
	stop := spin(o.ErrOut, "reading routers…")
	s := &model.Snapshot{}
	o.routers.collectRouters(cmd.Context(), s, o.specs)
	stop()
	switch o.out.format {
	case "json", "yaml":
		return structured(o.Out, o.out.format, "routers", s.Routers, s)
	}
	header := []string{"ROUTER", "NEIGHBOR", "DESCRIPTION", "REMOTE AS", "STATE", "UPTIME", "PREFIXES RX/ACCEPTED/TX"}
	if o.out.format == "wide" {
		header = append(header, "IMPORT", "EXPORT", "MAX PREFIX", "HOLD/KEEPALIVE", "FAMILIES", "LAST ERROR")
	}
	var rows [][]string
	for _, v := range s.Routers {
		for _, n := range v.Neighbors {
			state := n.State
			if n.PolicyBlocked {
				state += " (Policy)"
			}
			r := []string{v.Name, n.Address, cmp.Or(n.Description, "-"), strconv.FormatInt(n.RemoteASN, 10), state, human(n.Uptime),
				fmt.Sprintf("%d/%d/%d", n.PrefixesReceived, n.PrefixesAccepted, n.PrefixesSent)}
			if o.out.format == "wide" {
				maxp := "-"
				if n.MaxPrefix > 0 {
					maxp = strconv.FormatInt(n.MaxPrefix, 10)
				}
				timers := "-"
				if n.HoldTime > 0 {
					timers = fmt.Sprintf("%ds/%ds", n.HoldTime, n.Keepalive)
				}
				r = append(r, cmp.Or(n.ImportFilter, "-"), cmp.Or(n.ExportFilter, "-"), maxp, timers, cmp.Or(strings.Join(n.Families, ","), "-"), cmp.Or(n.LastError, "-"))
			}
			rows = append(rows, r)
		}
	}
	if err := table(o.Out, header, rows); err != nil {
		return err
	}
	for _, v := range s.Routers {
		if v.Status != model.StatusOK || len(v.Problems) > 0 {
			fmt.Fprintf(o.Out, "\nNot read completely:\n")
			break
		}
	}
	for _, v := range s.Routers {
		if v.Status != model.StatusOK {
			fmt.Fprintf(o.Out, "  %s: %s %s\n", v.Name, v.Status, v.Message)
		}
		for _, p := range v.Problems {
			fmt.Fprintf(o.Out, "  %s: %s\n", v.Name, p)
		}
	}
	return nil
}

type routerCaptureOptions struct {
	*GlobalOptions
	routers RouterOptions
	dir     string
	specs   []RouterSpec
}

func newRouterCaptureCmd(g *GlobalOptions) *cobra.Command {
	o := &routerCaptureOptions{GlobalOptions: g}
	cmd := &cobra.Command{
		Use:   "capture DIR",
		Short: "Save the router's show outputs into DIR, for --router-dir later (or for a bug report)",
		Example: `  kubectl bgpnet router capture ./gw --router frr --router-cmd "ssh admin@gw sudo"
  kubectl bgpnet doctor --router frr --router-dir ./gw --from cluster.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.dir = args[0]
			specs, err := o.routers.specs()
			if err != nil {
				return invalid(err)
			}
			if len(specs) != 1 || specs[0].Dir != "" {
				return invalid(fmt.Errorf("capture reads one live router: give one --router with --router-cmd (or none for a local router)"))
			}
			o.specs = specs
			return o.Run(cmd)
		},
	}
	o.routers.addFlags(cmd.Flags())
	return cmd
}

// Run saves the outputs.
func (o *routerCaptureOptions) Run(cmd *cobra.Command) error {
	spec := o.specs[0]
	failed, err := router.Capture(cmd.Context(), spec.Kind, o.routers.runner(spec), o.dir)
	if err != nil {
		return err
	}
	for _, f := range failed {
		fmt.Fprintf(o.ErrOut, "not saved: %s\n", safe.Text(f))
	}
	if len(failed) == len(router.Commands(spec.Kind)) {
		return fmt.Errorf("no output saved from the %s router (%s)", spec.Kind, o.routers.runner(spec).Describe())
	}
	if len(failed) > 0 {
		// a partial capture read later would look like a router without those facts
		return &ExitError{Code: exitFindings, Err: fmt.Errorf("only part of the %s router's outputs were saved in %s: %d %s failed (listed above)",
			spec.Kind, o.dir, len(failed), plural(len(failed), "command", "commands"))}
	}
	_, err = fmt.Fprintf(o.Out, "saved the %s router's outputs in %s\n", spec.Kind, o.dir)
	return err
}
