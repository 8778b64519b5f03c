// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/collect/hubble"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	flowpb "github.com/cilium/cilium/api/v1/flow"
	"github.com/spf13/cobra"
)

type flowsOptions struct {
	*GlobalOptions
	hubble  HubbleOptions
	output  string
	since   time.Duration
	last    uint64
	follow  bool
	verdict string
	bgp     bool
	target  string
	query   hubble.Query
}

func newFlowsCmd(g *GlobalOptions) *cobra.Command {
	o := &flowsOptions{GlobalOptions: g}
	cmd := &cobra.Command{
		Use:   "flows [SERVICE|IP|CIDR]",
		Short: "Show Hubble flows to and from a Service's VIPs, an address, or every VIP",
		Long: `Stream flows from Hubble (hubble-relay through a port-forward, or --hubble-server) for
the LoadBalancer/external IPs of a Service (namespace/name), an IP or CIDR, or — without an
argument — every VIP of the cluster. --bgp shows the BGP sessions (TCP/179) instead.`,
		Example: `  kubectl bgpnet flows media/jellyfin --verdict dropped --since 10m
  kubectl bgpnet flows 198.51.100.10 --follow
  kubectl bgpnet flows --bgp --last 50
  kubectl bgpnet flows --hubble-server tls://hubble.example:443 --hubble-tls-ca ca.pem -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.target = args[0]
			}
			if err := o.Validate(); err != nil {
				return invalid(err)
			}
			return o.Run(cmd)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "compact", "output format: compact or json (one object per line)")
	f.DurationVar(&o.since, "since", 0, "only flows of this recent period (e.g. 10m)")
	f.Uint64Var(&o.last, "last", 20, "the last N flows (0: all Hubble holds)")
	f.BoolVarP(&o.follow, "follow", "f", false, "keep streaming new flows")
	f.StringVar(&o.verdict, "verdict", "", "only flows with this verdict: forwarded, dropped, error, audit")
	f.BoolVar(&o.bgp, "bgp", false, "show BGP traffic (TCP/179) instead of Service traffic")
	o.hubble.addFlags(f)
	return cmd
}

// Validate checks the flags.
func (o *flowsOptions) Validate() error {
	if err := oneOf("output", o.output, "compact", "json"); err != nil {
		return err
	}
	if o.verdict != "" {
		v, ok := flowpb.Verdict_value[strings.ToUpper(o.verdict)]
		if !ok {
			return fmt.Errorf("--verdict %q: want forwarded, dropped, error or audit", o.verdict)
		}
		o.query.Verdicts = []flowpb.Verdict{flowpb.Verdict(v)}
	}
	if o.Demo || o.From != "" {
		return fmt.Errorf("flows are read live from Hubble; --demo and --from do not apply")
	}
	if err := notNegative("since", o.since); err != nil {
		return err
	}
	if err := o.hubble.validate(); err != nil {
		return err
	}
	if o.bgp && o.target != "" {
		return fmt.Errorf("--bgp takes no SERVICE or IP")
	}
	o.query.Since, o.query.Last, o.query.Follow = o.since, o.last, o.follow
	return nil
}

// Run resolves the target, then streams flows until the server ends or Ctrl-C.
func (o *flowsOptions) Run(cmd *cobra.Command) error {
	ctx := cmd.Context()
	switch {
	case o.bgp:
		o.query.Ports, o.query.Protocol = []string{"179"}, "tcp"
	case o.target == "" || strings.Contains(o.target, "/") && !isPrefix(o.target):
		stop := spin(o.ErrOut, "resolving VIPs…")
		s, err := o.Snapshot(ctx)
		stop()
		if err != nil {
			return err
		}
		if o.target != "" {
			s.Services = servicesNamed(s, o.target)
			if len(s.Services) == 0 {
				return fmt.Errorf("no LoadBalancer Service or Service with externalIPs named %s", o.target)
			}
		}
		o.query.IPs = vipQuery(s)
		if len(o.query.IPs) == 0 {
			return fmt.Errorf("no VIP to look at (the Service has no LoadBalancer or external IP yet)")
		}
	default:
		o.query.IPs = []string{o.target}
	}
	client, closeConn, err := o.hubbleClient(ctx, o.hubble)
	if err != nil {
		return err
	}
	defer closeConn()
	enc := json.NewEncoder(o.Out)
	return hubble.Stream(ctx, client, o.query.Request(time.Now()), func(f model.Flow) error {
		if o.output == "json" {
			return enc.Encode(f)
		}
		_, err := fmt.Fprintln(o.Out, compactFlow(f))
		return err
	})
}

func isPrefix(s string) bool {
	_, err := netip.ParsePrefix(s)
	return err == nil
}

func servicesNamed(s *model.Snapshot, name string) []model.Service {
	var out []model.Service
	for _, svc := range s.Services {
		if svc.Namespace+"/"+svc.Name == name {
			out = append(out, svc)
		}
	}
	return out
}

// compactFlow renders one flow on one line, like hubble observe's compact output.
func compactFlow(f model.Flow) string {
	ep := model.Endpoint
	line := fmt.Sprintf("%s %s %s -> %s %s", f.Time.Format("Jan _2 15:04:05.000"), cmp.Or(f.Node, "-"),
		ep(f.Source, f.SourcePort, f.SourceName), ep(f.Destination, f.DestinationPort, f.DestinationName), f.Protocol)
	if f.Flags != "" {
		line += " " + f.Flags
	}
	line += " " + f.Verdict
	if f.DropReason != "" {
		line += " (" + f.DropReason + ")"
	}
	return line
}
