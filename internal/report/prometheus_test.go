// SPDX-License-Identifier: Apache-2.0

package report

import (
	"bytes"
	"testing"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/snapshot"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// TestPrometheusExposition renders the demo and reads it back with Prometheus' own
// text parser: every family parses, and the values say what the report says.
func TestPrometheusExposition(t *testing.T) {
	s, err := snapshot.Demo()
	if err != nil {
		t.Fatal(err)
	}
	all := checks.All()
	d := NewDoctor(s, checks.Run(s, all))
	var b bytes.Buffer
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	if err := d.Prometheus(&b, s, all, at); err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(&b)
	if err != nil {
		t.Fatalf("Prometheus cannot parse the output: %v", err)
	}
	value := func(family string, labels map[string]string) (float64, bool) {
		mf, ok := fams[family]
		if !ok {
			return 0, false
		}
	metrics:
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue metrics
				}
			}
			return m.GetGauge().GetValue(), mf.GetType() == dto.MetricType_GAUGE
		}
		return 0, false
	}
	for _, tc := range []struct {
		family string
		labels map[string]string
		want   float64
	}{
		{"bgpnet_findings", map[string]string{"check": "node-label-near-miss", "severity": "warning"}, 1},
		{"bgpnet_findings", map[string]string{"check": "conflicting-clusterconfigs"}, 0}, // ran, found nothing
		// stable series: the declared severities of a check that ran are all there
		{"bgpnet_findings", map[string]string{"check": "session-not-established", "severity": "warning"}, 0},
		{"bgpnet_findings", map[string]string{"check": "lbipam-dual-stack-policy", "severity": "error"}, 0},
		{"bgpnet_findings", map[string]string{"check": "lbipam-dual-stack-policy", "severity": "info"}, 0},
		{"bgpnet_session_established", map[string]string{"node": "pi-cp", "peer": "gw-v6"}, 0},
		{"bgpnet_session_established", map[string]string{"node": "pi-cp", "peer": "gw-v4"}, 1},
		{"bgpnet_source_ok", map[string]string{"source": "nodes", "status": "ok"}, 1},
		{"bgpnet_last_run_timestamp_seconds", nil, float64(at.Unix())},
		{"bgpnet_checks_run", nil, float64(d.ChecksRun)},
	} {
		got, ok := value(tc.family, tc.labels)
		if !ok || got != tc.want {
			t.Errorf("%s%v = %v (present %v), want %v", tc.family, tc.labels, got, ok, tc.want)
		}
	}
	for _, sk := range d.Skipped {
		if v, ok := value("bgpnet_check_skipped", map[string]string{"check": sk.ID}); !ok || v != 1 {
			t.Errorf("skipped check %s not exported", sk.ID)
		}
		if _, ok := value("bgpnet_findings", map[string]string{"check": sk.ID}); ok {
			t.Errorf("skipped check %s exported as having found nothing", sk.ID)
		}
	}
}
