// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"context"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/spf13/pflag"
)

// sourceOptions are the sources a diagnosis reads beyond the Kubernetes API: the
// agents, Hubble's recent drops and the upstream routers (doctor, fix).
type sourceOptions struct {
	agents      AgentOptions
	hubble      HubbleOptions
	routers     RouterOptions
	flows       string
	routerSpecs []RouterSpec
}

func (s *sourceOptions) addFlags(f *pflag.FlagSet) {
	s.agents.addFlags(f)
	s.hubble.addFlags(f)
	s.routers.addFlags(f)
	f.StringVar(&s.flows, "hubble", "auto", "use Hubble (recent drops towards the VIPs; live flows in the TUI): auto or never")
}

func (s *sourceOptions) validate() error {
	if err := s.agents.validate(); err != nil {
		return err
	}
	if err := oneOf("hubble", s.flows, "auto", "never"); err != nil {
		return err
	}
	if err := s.hubble.validate(); err != nil {
		return err
	}
	specs, err := s.routers.specs()
	s.routerSpecs = specs
	return err
}

// diagnosisSnapshot collects what the checks read: the snapshot with the agents where
// needed (and their routes), Hubble's recent drops and the routers.
func (g *GlobalOptions) diagnosisSnapshot(ctx context.Context, s *sourceOptions) (*model.Snapshot, error) {
	ao := s.agents
	ao.RoutesWhereExec = true
	snap, err := g.SnapshotWithAgents(ctx, ao)
	if err != nil {
		return nil, err
	}
	if s.flows == "auto" && !g.Demo && g.From == "" {
		g.addRecentDrops(ctx, snap, s.hubble)
	}
	s.routers.collectRouters(ctx, snap, s.routerSpecs)
	return snap, nil
}
