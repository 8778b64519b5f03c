// SPDX-License-Identifier: Apache-2.0

package report

import (
	"io"
	"sort"
	"strings"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/views"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"google.golang.org/protobuf/proto"
)

// Prometheus writes the report in the Prometheus text exposition format, for the
// node_exporter textfile collector or a Pushgateway from a CronJob: alerts on BGP
// without anything else to run. Each finding, source and session is a labelled gauge.
func (d Doctor) Prometheus(w io.Writer, s *model.Snapshot, selected []checks.Check, at time.Time) error {
	g := func(name, help string) *dto.MetricFamily {
		return &dto.MetricFamily{Name: proto.String(name), Help: proto.String(help), Type: dto.MetricType_GAUGE.Enum()}
	}
	add := func(mf *dto.MetricFamily, v float64, labels ...string) {
		m := &dto.Metric{Gauge: &dto.Gauge{Value: proto.Float64(v)}}
		for i := 0; i+1 < len(labels); i += 2 {
			m.Label = append(m.Label, &dto.LabelPair{Name: proto.String(labels[i]), Value: proto.String(labels[i+1])})
		}
		mf.Metric = append(mf.Metric, m)
	}

	findings := g("bgpnet_findings", "Findings of the last doctor run, by check and severity: every severity a check declares has a series once it ran (0 when nothing was found).")
	type key struct{ id, sev, layer string }
	count := map[key]int{}
	for _, f := range d.Findings {
		count[key{f.ID, string(f.Severity), string(f.Layer)}]++
	}
	skipped := map[string]bool{}
	for _, sk := range d.Skipped {
		skipped[sk.ID] = true
	}
	for _, c := range selected {
		if skipped[c.ID] {
			continue
		}
		// every severity the check declares has a series once it ran (0 when none was
		// found), so a finding that changes severity does not make a series vanish
		for _, sev := range c.Severities() {
			if k := (key{c.ID, string(sev), string(c.Layer)}); count[k] == 0 {
				count[k] = 0
			}
		}
	}
	keys := make([]key, 0, len(count))
	for k := range count {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].id != keys[j].id {
			return keys[i].id < keys[j].id
		}
		return keys[i].sev < keys[j].sev
	})
	for _, k := range keys {
		add(findings, float64(count[k]), "check", k.id, "severity", k.sev, "layer", k.layer)
	}

	skip := g("bgpnet_check_skipped", "1 for each check the last run skipped because a source it needs could not be read.")
	for _, sk := range d.Skipped {
		add(skip, 1, "check", sk.ID)
	}

	sources := g("bgpnet_source_ok", "1 when the source was read completely, 0 otherwise (the status label says why).")
	for _, st := range d.Sources {
		v := 0.0
		if st.Status == model.StatusOK {
			v = 1
		}
		add(sources, v, "source", st.Name, "status", string(st.Status))
	}

	sessions := g("bgpnet_session_established", "1 when the node's BGP session is established, 0 otherwise.")
	for _, p := range views.Peers(s) {
		v := 0.0
		if strings.EqualFold(p.State, "established") {
			v = 1
		}
		add(sessions, v, "node", p.Node, "instance", p.Instance, "peer", p.Peer, "peer_address", p.PeerAddress, "state", p.State, "state_from", p.Source)
	}

	run := g("bgpnet_last_run_timestamp_seconds", "When the doctor run that wrote these metrics finished.")
	add(run, float64(at.Unix()))
	ran := g("bgpnet_checks_run", "Checks that ran in the last doctor run.")
	add(ran, float64(d.ChecksRun))

	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range []*dto.MetricFamily{findings, skip, sources, sessions, run, ran} {
		if len(mf.Metric) == 0 {
			continue
		}
		if err := enc.Encode(mf); err != nil {
			return err
		}
	}
	return nil
}
