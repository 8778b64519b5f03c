// SPDX-License-Identifier: Apache-2.0

package screens

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/components/ring"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/components/table"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/keys"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/msgs"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/styles"
)

// FlowQuery selects the flows to stream: to or from any of IPs (every VIP when empty).
type FlowQuery struct {
	IPs []string
}

// FlowStreamer streams Hubble flows until ctx ends, calling emit for each.
type FlowStreamer interface {
	Flows(ctx context.Context, q FlowQuery, emit func(model.Flow)) error
}

// FlowsOptions configure the Flows screen.
type FlowsOptions struct {
	// Stream is the live source (nil: only the flows recorded in the snapshot).
	Stream FlowStreamer
	// Context ends every stream (the program's).
	Context context.Context
	// Capacity bounds the flows kept (default 5000).
	Capacity int
}

// flowBatchMsg is a batch read from the stream, and the command that reads the next.
type flowBatchMsg struct {
	gen   int
	flows []model.Flow
	next  tea.Cmd
	err   error
	done  bool
}

// flowsTickMsg redraws the table at most a few times a second.
type flowsTickMsg struct{ gen int }

// maxBatch bounds one batch: the stream is read in chunks, not a message per flow.
const maxBatch = 4096

// VerdictTone colours a flow verdict.
func VerdictTone(v string) styles.Tone {
	switch v {
	case "FORWARDED":
		return styles.Good
	case "DROPPED", "ERROR":
		return styles.Bad
	case "AUDIT":
		return styles.Caution
	}
	return styles.Faint
}

// flowsScreen is the live Hubble stream for every VIP, a Service's VIPs or a node.
type flowsScreen struct {
	*list
	o        FlowsOptions
	ring     *ring.Ring[model.Flow]
	scope    model.Ref
	gen      int
	cancel   context.CancelFunc
	started  bool
	paused   bool
	dirty    bool
	ticking  bool
	status   string // the stream's state: streaming, ended, error
	verdict  string // only flows with this verdict ("": all)
	lastDraw time.Time
}

// NewFlows is the Flows screen.
func NewFlows(st *styles.Styles, km *keys.KeyMap, o FlowsOptions) Screen {
	if o.Capacity <= 0 {
		o.Capacity = 5000
	}
	if o.Context == nil {
		o.Context = context.Background()
	}
	l := newList(st, km, "flows",
		table.Column{Title: "TIME"}, table.Column{Title: "VERDICT"}, table.Column{Title: "NODE"}, table.Column{Title: "SOURCE", Max: 40},
		table.Column{Title: "DESTINATION", Max: 48}, table.Column{Title: "PROTO"}, table.Column{Title: "FLAGS"}, table.Column{Title: "DROP REASON", Flex: true})
	f := &flowsScreen{list: l, o: o, ring: ring.New[model.Flow](o.Capacity)}
	l.rows = f.buildRows
	l.caption = f.captionText
	l.focus = func(ref model.Ref) bool {
		if ref.Kind != "Node" && ref.Kind != model.KindService {
			return false
		}
		f.scope = ref
		f.ring.Reset()
		f.started = false
		return true
	}
	l.unfocus = func() bool {
		was := f.scope.Name != ""
		f.scope = model.Ref{}
		if was {
			f.ring.Reset()
			f.started = false
		}
		return was
	}
	l.help = []key.Binding{km.Pause, km.Clear, km.Verdict}
	return f
}

func (f *flowsScreen) live() bool { return f.o.Stream != nil && f.Data != nil && f.Data.Live }

// inScope reports whether a flow belongs to the screen's scope (a node's flows are
// filtered here; a Service's by the query).
func (f *flowsScreen) inScope(fl model.Flow) bool {
	return f.scope.Kind != "Node" || fl.Node == f.scope.Name
}

func (f *flowsScreen) buildRows(d *msgs.Data) ([]table.Row, string) {
	var flows []model.Flow
	if f.live() {
		for i := range f.ring.Len() {
			flows = append(flows, f.ring.At(i))
		}
	} else {
		for _, fl := range d.Snap.Flows {
			if f.inScope(fl) && f.matchesService(fl) {
				flows = append(flows, fl)
			}
		}
	}
	out := make([]table.Row, 0, len(flows))
	for i := len(flows) - 1; i >= 0; i-- { // newest first
		fl := flows[i]
		if f.verdict != "" && fl.Verdict != f.verdict {
			continue
		}
		src, dst := model.Endpoint(fl.Source, fl.SourcePort, fl.SourceName), model.Endpoint(fl.Destination, fl.DestinationPort, cmp.Or(fl.DestinationService, fl.DestinationName))
		out = append(out, table.Row{Key: fmt.Sprint(i), Cells: []string{fl.Time.Format("15:04:05"), fl.Verdict, cmp.Or(fl.Node, "-"), src, dst, fl.Protocol, cmp.Or(fl.Flags, "-"), cmp.Or(fl.DropReason, "-")},
			Tones: []styles.Tone{styles.Faint, VerdictTone(fl.Verdict), 0, 0, 0, 0, styles.Faint, styles.Bad}})
	}
	empty := "no flow yet"
	switch {
	case !f.live() && f.o.Stream == nil:
		empty = "no flow recorded in this snapshot (live flows need a cluster with Hubble)"
	case !f.live():
		empty = "no flow recorded in this snapshot; live flows need a cluster"
	case f.status != "":
		empty = "no flow: " + f.status
	}
	if n := sourceNote(d.Snap, model.SourceHubble); n != "" && !f.live() {
		empty += "; hubble " + n
	}
	return out, empty
}

func (f *flowsScreen) matchesService(fl model.Flow) bool {
	if f.scope.Kind != model.KindService {
		return true
	}
	for _, ip := range f.vips() {
		if fl.Destination == ip || fl.Source == ip {
			return true
		}
	}
	return false
}

func (f *flowsScreen) captionText() string {
	what := "every VIP"
	switch f.scope.Kind {
	case "Node":
		what = "node " + f.scope.Name
	case model.KindService:
		what = "Service " + f.scope.Namespace + "/" + f.scope.Name
	}
	if f.verdict != "" {
		what += ", " + strings.ToLower(f.verdict) + " only (v)"
	}
	if !f.live() {
		return fmt.Sprintf("%d flows recorded in the snapshot for %s", f.tbl.Total(), what)
	}
	c := fmt.Sprintf("live flows for %s: %d shown, %d received (keeps the last %d)", what, f.ring.Len(), f.ring.Total(), f.ring.Cap())
	if f.paused {
		c += " — PAUSED (p resumes)"
	}
	if f.status != "" {
		c += " — " + f.status
	}
	if f.scope.Name != "" {
		c += " (esc: all VIPs)"
	}
	return c
}

// vips are the addresses the stream asks for: the scoped Service's, else every VIP.
func (f *flowsScreen) vips() []string {
	var out []string
	if f.Data == nil {
		return nil
	}
	for _, s := range f.Data.Snap.Services {
		if f.scope.Kind == model.KindService && (s.Namespace != f.scope.Namespace || s.Name != f.scope.Name) {
			continue
		}
		for _, in := range s.Ingress {
			if in.IP != "" {
				out = append(out, in.IP)
			}
		}
	}
	return out
}

// start (re)starts the stream for the current scope; batches of older streams are
// dropped by generation.
func (f *flowsScreen) start() tea.Cmd {
	if f.cancel != nil {
		f.cancel()
	}
	f.gen++
	f.started, f.status = true, "connecting…"
	ctx, cancel := context.WithCancel(f.o.Context)
	f.cancel = cancel
	gen, q, stream := f.gen, FlowQuery{IPs: f.vips()}, f.o.Stream
	return func() tea.Msg {
		ch := make(chan model.Flow, maxBatch)
		errc := make(chan error, 1)
		go func() {
			errc <- stream.Flows(ctx, q, func(fl model.Flow) {
				select {
				case ch <- fl:
				case <-ctx.Done():
				}
			})
			close(ch)
		}()
		return readBatch(gen, ch, errc)()
	}
}

// readBatch waits for the next flow, then takes whatever else is already there.
func readBatch(gen int, ch chan model.Flow, errc chan error) tea.Cmd {
	return func() tea.Msg {
		fl, ok := <-ch
		if !ok {
			return flowBatchMsg{gen: gen, done: true, err: <-errc}
		}
		batch := []model.Flow{fl}
		for len(batch) < maxBatch {
			select {
			case fl, ok := <-ch:
				if !ok {
					return flowBatchMsg{gen: gen, flows: batch, next: readBatch(gen, ch, errc)}
				}
				batch = append(batch, fl)
				continue
			default:
			}
			break
		}
		return flowBatchMsg{gen: gen, flows: batch, next: readBatch(gen, ch, errc)}
	}
}

func (f *flowsScreen) SetData(d *msgs.Data) {
	f.list.SetData(d)
}

// Ensure starts the stream when the screen is shown live and none runs.
func (f *flowsScreen) ensure() tea.Cmd {
	if f.live() && !f.started {
		return f.start()
	}
	return nil
}

func (f *flowsScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch m := msg.(type) {
	case ShownMsg:
		return f, f.ensure()
	case flowBatchMsg:
		if m.gen != f.gen {
			return f, nil // a replaced stream
		}
		if m.done {
			f.status = "stream ended"
			if m.err != nil && f.o.Context.Err() == nil {
				f.status = "stream error: " + m.err.Error()
			}
			f.started = false
			f.dirty = true
			return f, f.redraw()
		}
		f.status = ""
		for _, fl := range m.flows {
			if f.inScope(fl) {
				f.ring.Add(fl)
			}
		}
		f.dirty = true
		return f, tea.Batch(m.next, f.redraw())
	case flowsTickMsg:
		f.ticking = false
		return f, f.redraw()
	case tea.KeyPressMsg:
		if !f.tbl.Editing() && !f.inDetail {
			switch {
			case key.Matches(m, f.KM.Pause):
				f.paused = !f.paused
				f.dirty = true
				return f, f.redraw()
			case key.Matches(m, f.KM.Verdict):
				f.verdict = map[string]string{"": "DROPPED", "DROPPED": "FORWARDED", "FORWARDED": ""}[f.verdict]
				f.dirty, f.lastDraw = true, time.Time{}
				return f, f.redraw()
			case key.Matches(m, f.KM.Clear):
				f.ring.Reset()
				f.dirty = true
				return f, f.redraw()
			}
		}
	}
	_, cmd := f.list.Update(msg)
	return f, cmd
}

// redraw rebuilds the rows from the ring at most every 200 ms (the stream may
// deliver far more often); a tick catches the last batch.
func (f *flowsScreen) redraw() tea.Cmd {
	if !f.dirty || (f.paused && f.live()) {
		return nil
	}
	if since := time.Since(f.lastDraw); since < 200*time.Millisecond {
		if f.ticking {
			return nil
		}
		f.ticking = true
		return tea.Tick(200*time.Millisecond-since, func(time.Time) tea.Msg { return flowsTickMsg{gen: f.gen} })
	}
	f.dirty, f.lastDraw = false, time.Now()
	if f.Data != nil {
		f.list.SetData(f.Data)
	}
	return nil
}

// ShownMsg tells a screen it became the active one (the flows screen starts its
// stream only when looked at).
type ShownMsg struct{ Screen string }
