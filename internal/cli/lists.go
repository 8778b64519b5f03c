// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"cmp"
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/views"
	"github.com/spf13/cobra"
)

type poolsOptions struct {
	*GlobalOptions
	out listOutput
}

func newPoolsCmd(g *GlobalOptions) *cobra.Command {
	o := &poolsOptions{GlobalOptions: g}
	cmd := &cobra.Command{
		Use:     "pools",
		Short:   "List LB-IPAM pools: blocks, addresses used and free, and the Services using them",
		Example: "  kubectl bgpnet pools\n  kubectl bgpnet pools -o wide",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.out.validate(); err != nil {
				return invalid(err)
			}
			stop := spin(o.ErrOut, "collecting pools…")
			s, err := o.Snapshot(cmd.Context())
			stop()
			if err != nil {
				return err
			}
			rows := views.Pools(s, !checks.ParseVersion(s.Cilium.Version).Before(1, 16))
			if o.out.format == "json" || o.out.format == "yaml" {
				return structured(o.Out, o.out.format, "pools", rows, s)
			}
			header := []string{"POOL", "BLOCKS", "USED", "FREE", "DISABLED", "CONFLICTING", "SERVICES"}
			if o.out.format == "wide" {
				header = append(header, "SERVICE SELECTOR")
			}
			var lines [][]string
			for _, r := range rows {
				svcs := fmt.Sprint(len(r.Services))
				if o.out.format == "wide" {
					svcs = cmp.Or(strings.Join(r.Services, ","), "-")
				}
				line := []string{r.Pool, strings.Join(r.Blocks, ","), fmt.Sprint(r.Used), r.Free, yes(r.Disabled), yes(r.Conflicting), svcs}
				if o.out.format == "wide" {
					line = append(line, r.Selector)
				}
				lines = append(lines, line)
			}
			if len(lines) == 0 {
				fmt.Fprintln(o.Out, "No CiliumLoadBalancerIPPool.")
			} else if err := table(o.Out, header, lines); err != nil {
				return err
			}
			return printProblems(o.Out, s)
		},
	}
	cmd.Flags().StringVarP(&o.out.format, "output", "o", "table", "output format: table, wide, json or yaml")
	return cmd
}

type nodesOptions struct {
	*GlobalOptions
	agents AgentOptions
	out    listOutput
}

func newNodesCmd(g *GlobalOptions) *cobra.Command {
	o := &nodesOptions{GlobalOptions: g}
	cmd := &cobra.Command{
		Use:     "nodes",
		Short:   "List nodes: addresses, which BGP configuration selects each, and its sessions",
		Example: "  kubectl bgpnet nodes\n  kubectl bgpnet nodes -o wide   # with labels",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.out.validate(); err != nil {
				return invalid(err)
			}
			if err := o.agents.validate(); err != nil {
				return invalid(err)
			}
			stop := spin(o.ErrOut, "collecting nodes…")
			s, err := o.SnapshotWithAgents(cmd.Context(), o.agents)
			stop()
			if err != nil {
				return err
			}
			rows := views.Nodes(s)
			if o.out.format == "json" || o.out.format == "yaml" {
				return structured(o.Out, o.out.format, "nodes", rows, s)
			}
			header := []string{"NODE", "READY", "INTERNAL IP", "POD CIDR", "SELECTED BY", "SESSIONS UP"}
			if o.out.format == "wide" {
				header = append(header, "LABELS")
			}
			var lines [][]string
			for _, r := range rows {
				line := []string{r.Node, yes(r.Ready), cmp.Or(strings.Join(r.InternalIPs, ","), "-"), cmp.Or(strings.Join(r.PodCIDRs, ","), "-"),
					cmp.Or(strings.Join(r.SelectedBy, ","), "-"), fmt.Sprintf("%d/%d", r.Established, r.Sessions)}
				if o.out.format == "wide" {
					keys := make([]string, 0, len(r.Labels))
					for k, v := range r.Labels {
						keys = append(keys, k+"="+v)
					}
					sort.Strings(keys)
					line = append(line, cmp.Or(strings.Join(keys, ","), "-"))
				}
				lines = append(lines, line)
			}
			if err := table(o.Out, header, lines); err != nil {
				return err
			}
			return printProblems(o.Out, s)
		},
	}
	cmd.Flags().StringVarP(&o.out.format, "output", "o", "table", "output format: table, wide, json or yaml")
	o.agents.addFlags(cmd.Flags())
	return cmd
}

type routesOptions struct {
	*GlobalOptions
	agents  AgentOptions
	out     listOutput
	node    string
	prefix  string
	service string
	filter  views.RouteFilter
	routers RouterOptions
	specs   []RouterSpec
}

func newRoutesCmd(g *GlobalOptions) *cobra.Command {
	o := &routesOptions{GlobalOptions: g}
	cmd := &cobra.Command{
		Use:   "routes",
		Short: "List the routes each agent advertises, with next hop and provenance",
		Long: `List the routes each Cilium agent advertises (from cilium-dbg in the agent pods), with
their next hops decoded from the BGP path attributes and their provenance: the node PodCIDR,
or the Service (with its pool and the advertisement that selected it) a prefix belongs to.`,
		Example: `  kubectl bgpnet routes
  kubectl bgpnet routes --node worker-1 --prefix 198.51.100.0/24
  kubectl bgpnet routes --service shop/storefront -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return invalid(err)
			}
			return o.Run(cmd)
		},
	}
	cmd.Flags().StringVarP(&o.out.format, "output", "o", "table", "output format: table, wide, json or yaml")
	cmd.Flags().StringVar(&o.node, "node", "", "only routes of this node")
	cmd.Flags().StringVar(&o.prefix, "prefix", "", "only routes inside this prefix (e.g. 198.51.100.0/24 or 198.51.100.10)")
	cmd.Flags().StringVar(&o.service, "service", "", "only routes of this Service (namespace/name)")
	o.agents.addFlags(cmd.Flags())
	o.routers.addFlags(cmd.Flags())
	return cmd
}

// Validate checks the flags and parses the filters.
func (o *routesOptions) Validate() error {
	if err := o.out.validate(); err != nil {
		return err
	}
	if err := o.agents.validate(); err != nil {
		return err
	}
	o.filter = views.RouteFilter{Node: o.node, Service: o.service}
	if o.prefix != "" {
		p, err := netip.ParsePrefix(o.prefix)
		if err != nil {
			a, aerr := netip.ParseAddr(o.prefix)
			if aerr != nil {
				return fmt.Errorf("--prefix %q: not a prefix or address", o.prefix)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		o.filter.Prefix = &p
	}
	if o.service != "" && !strings.Contains(o.service, "/") {
		return fmt.Errorf("--service %q: want namespace/name", o.service)
	}
	specs, err := o.routers.specs()
	o.specs = specs
	return err
}

// Run collects the agents' routes and prints them.
func (o *routesOptions) Run(cmd *cobra.Command) error {
	ao := o.agents
	ao.Routes = ao.Mode != "never"
	stop := spin(o.ErrOut, "collecting routes from the agents…")
	s, err := o.SnapshotWithAgents(cmd.Context(), ao)
	if err == nil {
		o.routers.collectRouters(cmd.Context(), s, o.specs)
	}
	stop()
	if err != nil {
		return err
	}
	rows := views.Routes(s, o.filter)
	views.FollowToRouters(s, rows)
	if o.out.format == "json" || o.out.format == "yaml" {
		return structured(o.Out, o.out.format, "routes", rows, s)
	}
	header := []string{"NODE", "PEER", "PREFIX", "NEXT HOP", "PROVENANCE"}
	if len(s.Routers) > 0 {
		header = append(header, "ON THE ROUTER")
	}
	if o.out.format == "wide" {
		header = append(header, "BEST", "DECODE ERROR")
	}
	var lines [][]string
	for _, r := range rows {
		line := []string{r.Node, cmp.Or(r.Peer, "-"), r.Prefix, cmp.Or(strings.Join(r.NextHops, ","), "-"), r.Provenance.String()}
		if len(s.Routers) > 0 {
			line = append(line, r.Router.String())
		}
		if o.out.format == "wide" {
			line = append(line, yes(r.Best), cmp.Or(r.Error, "-"))
		}
		lines = append(lines, line)
	}
	if len(lines) == 0 {
		fmt.Fprintln(o.Out, "No advertised routes (or none could be read from the agents).")
	} else if err := table(o.Out, header, lines); err != nil {
		return err
	}
	return printProblems(o.Out, s)
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
