// SPDX-License-Identifier: Apache-2.0

package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/snapshot"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/components/ring"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/components/table"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/keys"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/msgs"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/styles"
)

// fileLoader reads a snapshot file, as --from does.
type fileLoader struct{ path string }

func (f fileLoader) Load(ctx context.Context, _ func(model.SourceStatus)) (*msgs.Data, error) {
	s, err := snapshot.Load(f.path)
	if err != nil {
		return nil, err
	}
	return &msgs.Data{Snap: s, Result: checks.Run(s, checks.All()), Origin: f.path}, nil
}

func demoFile(b *testing.B) string {
	s, err := snapshot.Demo()
	if err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(b.TempDir(), "demo.json")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := snapshot.Encode(f, s, snapshot.FormatForPath(p)); err != nil {
		b.Fatal(err)
	}
	return p
}

// P4: the first frame from a snapshot file (load, checks, every screen's rows, the
// render) against its baseline, loading the file alone.
func BenchmarkP4FirstFrame(b *testing.B) {
	path := demoFile(b)
	b.Run("baseline-load-only", func(b *testing.B) {
		for b.Loop() {
			if _, err := snapshot.Load(path); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("first-frame", func(b *testing.B) {
		for b.Loop() {
			m := New(Options{Loader: fileLoader{path}})
			m.Update(tea.WindowSizeMsg{Width: 160, Height: 48})
			d, err := fileLoader{path}.Load(context.Background(), nil)
			if err != nil {
				b.Fatal(err)
			}
			m.Update(msgs.DataMsg{Data: d})
			if m.Render() == "" {
				b.Fatal("empty frame")
			}
		}
	})
}

// P4: rendering a table of 10k rows costs what a screenful does (virtualised); the
// baseline is the same table with 40 rows.
func BenchmarkP4TableRender(b *testing.B) {
	st, km := styles.New(true), keys.Default()
	for _, n := range []int{40, 10000} {
		t := table.New(st, km, table.Column{Title: "NODE"}, table.Column{Title: "PEER"}, table.Column{Title: "PREFIX"}, table.Column{Title: "PROVENANCE", Flex: true})
		rows := make([]table.Row, n)
		for i := range rows {
			rows[i] = table.Row{Key: fmt.Sprint(i), Cells: []string{fmt.Sprintf("node-%04d", i/4), "tor", fmt.Sprintf("10.%d.%d.0/24", i/256, i%256), "PodCIDR of node"}}
		}
		t.SetRows(rows)
		t.SetSize(160, 45)
		b.Run(fmt.Sprintf("rows-%d", n), func(b *testing.B) {
			for b.Loop() {
				_ = t.View()
			}
		})
	}
}

// P4: flow ingest into the bounded ring (what the stream goroutine's batches cost the
// UI), reported as flows/s; and through the Flows screen's Update.
func BenchmarkP4FlowIngest(b *testing.B) {
	batch := make([]model.Flow, 4096)
	for i := range batch {
		batch[i] = model.Flow{Time: time.Unix(int64(i), 0), Verdict: "FORWARDED", Source: "203.0.113.50", Destination: "198.51.100.10", DestinationPort: 80, Protocol: "TCP"}
	}
	b.Run("ring", func(b *testing.B) {
		r := ring.New[model.Flow](5000)
		for b.Loop() {
			r.Add(batch...)
		}
		b.ReportMetric(float64(len(batch))*float64(b.N)/b.Elapsed().Seconds(), "flows/s")
	})
}
