// SPDX-License-Identifier: Apache-2.0

package screens

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/bgpnet/kubectl-bgpnet/internal/atomicfile"
	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/fix"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/components/diff"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/components/table"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/keys"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/msgs"
	"github.com/bgpnet/kubectl-bgpnet/internal/tui/styles"
)

// Fixer sends Kubernetes fixes to the cluster, the same path as `kubectl bgpnet fix
// --apply`: Plan is the server-side dry-run with its diff, Apply makes the change with
// the snapshot's resourceVersion as precondition. nil without a cluster.
type Fixer interface {
	Plan(ctx context.Context, p fix.Proposal) (*fix.Plan, error)
	Apply(ctx context.Context, plan *fix.Plan) error
}

// DoctorOptions configure the Doctor screen's actions.
type DoctorOptions struct {
	// WriteDir receives fixes written with `w` (default: the working directory).
	WriteDir string
	Fixer    Fixer
}

// findingKey is a finding's row key.
func findingKey(i int, f checks.Finding) string {
	return fmt.Sprintf("%03d %s %s", i, f.ID, refKey(f.Subject))
}

// subjectScreen is the screen that shows a finding's subject.
func subjectScreen(ref model.Ref) string {
	switch ref.Kind {
	case "Node", model.KindNodeConfig:
		return "nodes"
	case "BGPPeer":
		return "peers"
	case model.KindService, model.KindLBPool:
		return "pools"
	case "Router":
		return "overview"
	}
	return ""
}

// fixText renders a finding's fixes: what a user copies or writes to a file.
func fixText(f checks.Finding) string {
	var b strings.Builder
	for i, p := range f.Fixes {
		fmt.Fprintf(&b, "# fix %d: %s (risk %s, %s)\n", i+1, p.Title, p.Risk, p.Kind)
		if p.Explanation != "" {
			for _, l := range strings.Split(p.Explanation, "\n") {
				b.WriteString("# " + l + "\n")
			}
		}
		if y := p.YAML(); y != "" && p.Kind != fix.KindCommand {
			b.WriteString(strings.TrimRight(y, "\n") + "\n")
		}
		for _, c := range p.Commands {
			b.WriteString(c + "\n")
		}
		b.WriteString("\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// writeFix writes a finding's fixes to a file in dir under a name nothing has yet (not
// even a dangling link), atomically; the I/O runs in the returned command.
func writeFix(dir string, f checks.Finding) tea.Cmd {
	return func() tea.Msg {
		name := unsafeName.ReplaceAllString(fmt.Sprintf("bgpnet-fix-%s-%s", f.ID, f.Subject.Name), "-")
		path := filepath.Join(dir, name+".txt")
		for i := 2; ; i++ {
			if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
				break
			}
			path = filepath.Join(dir, fmt.Sprintf("%s-%d.txt", name, i))
		}
		err := atomicfile.Write(path, 0o600, func(w io.Writer) error {
			_, err := io.WriteString(w, fixText(f))
			return err
		})
		if err != nil {
			return msgs.FlashMsg{Text: err.Error(), Err: true}
		}
		return msgs.FlashMsg{Text: "wrote " + path}
	}
}

// planMsg carries a dry-run back to the Doctor screen.
type planMsg struct {
	key  string
	plan *fix.Plan
	err  error
}

// appliedMsg says a planned change was made (or refused).
type appliedMsg struct {
	key  string
	what string
	err  error
}

// NewDoctor is the Doctor screen: findings by severity; enter opens the explanation,
// evidence and fixes, which can be copied (OSC 52), written to a file, or — for a
// Kubernetes change against a cluster — dry-run on the server to see the diff.
func NewDoctor(st *styles.Styles, km *keys.KeyMap, o DoctorOptions) Screen {
	if o.WriteDir == "" {
		o.WriteDir = "."
	}
	l := newList(st, km, "doctor",
		table.Column{Title: "SEVERITY"}, table.Column{Title: "CHECK"}, table.Column{Title: "SUBJECT", Max: 36},
		table.Column{Title: "MESSAGE", Flex: true})
	byKey := map[string]checks.Finding{}
	dryRuns := map[string]string{}
	ds := &doctorScreen{dryRuns: &dryRuns, fixer: o.Fixer}
	l.rows = func(d *msgs.Data) ([]table.Row, string) {
		byKey = map[string]checks.Finding{}
		// dry-run results survive refreshes (--refresh would wipe them before they are read);
		// those of findings that are gone are dropped
		defer func() {
			for k := range dryRuns {
				if _, ok := byKey[k]; !ok {
					delete(dryRuns, k)
				}
			}
		}()
		var out []table.Row
		for _, sev := range []checks.Severity{checks.Error, checks.Warning, checks.Info} {
			for i, f := range d.Result.Findings {
				if f.Severity != sev {
					continue
				}
				k := findingKey(i, f)
				byKey[k] = f
				subj := f.Subject.Kind + "/" + f.Subject.Name
				if f.Subject.Namespace != "" {
					subj = f.Subject.Kind + "/" + f.Subject.Namespace + "/" + f.Subject.Name
				}
				out = append(out, table.Row{Key: k, Cells: []string{strings.ToUpper(string(f.Severity)), f.ID, subj, f.Message},
					Tones: []styles.Tone{SeverityTone(f.Severity)}})
			}
		}
		return out, fmt.Sprintf("no finding: %d checks ran, %d skipped (see the status bar for the sources not read)", d.Result.Ran, len(d.Result.Skipped))
	}
	l.caption = func() string {
		if l.Data == nil {
			return ""
		}
		c := l.Data.Result.Count()
		line := fmt.Sprintf("%d errors, %d warnings, %d info — %d checks ran, %d skipped for want of a source",
			c[checks.Error], c[checks.Warning], c[checks.Info], l.Data.Result.Ran, len(l.Data.Result.Skipped))
		if ds.result != "" {
			line = ds.result + " — " + line
		}
		return line
	}
	l.detailOf = func(k string) string {
		f := byKey[k]
		c, _ := checks.Lookup(f.ID)
		var b strings.Builder
		b.WriteString(st.For(SeverityTone(f.Severity)).Render(strings.ToUpper(string(f.Severity))) + " " + st.Title.Render(f.ID) + " — " + c.Title + "\n\n")
		b.WriteString(f.Message + "\n")
		for _, d := range f.Details {
			b.WriteString("  " + d + "\n")
		}
		b.WriteString("\n" + st.Section.Render("Evidence") + "\n")
		for _, e := range f.Evidence {
			obj := ""
			if e.Object != nil {
				obj = " " + e.Object.Kind + "/" + e.Object.Name
			}
			line := fmt.Sprintf("  [%s]%s %s = %s", e.Source, obj, e.Field, e.Observed)
			if e.Expected != "" {
				line += st.Dim.Render(" (expected " + e.Expected + ")")
			}
			b.WriteString(line + "\n")
		}
		b.WriteString("\n" + st.Section.Render("Fix") + "\n")
		if len(f.Fixes) == 0 {
			b.WriteString(st.Dim.Render("  no automatic fix: see the explanation") + "\n")
		} else {
			b.WriteString(st.Code.Render(fixText(f)))
		}
		if d, ok := dryRuns[k]; ok {
			b.WriteString("\n" + st.Section.Render("Server-side dry-run") + "\n" + d + "\n")
		}
		b.WriteString("\n" + st.Section.Render("Why") + "\n" + c.Explain + "\n\n")
		b.WriteString(st.Dim.Render("c: copy fix   w: write fix to a file   a: dry-run, then y applies   s: go to the subject   esc: back"))
		return b.String()
	}
	l.action = func(k tea.KeyPressMsg, row table.Row) (tea.Cmd, bool) {
		f, ok := byKey[row.Key]
		if !ok {
			return nil, false
		}
		switch {
		case key.Matches(k, km.Subject):
			if s := subjectScreen(f.Subject); s != "" {
				return msgs.Navigate(s, f.Subject, ""), true
			}
			return msgs.Flash(f.Subject.Kind+" objects have no screen of their own", false), true
		case !l.inDetail:
			return nil, false
		case key.Matches(k, km.Copy):
			if len(f.Fixes) == 0 {
				return msgs.Flash("this finding has no fix to copy", true), true
			}
			return tea.Batch(tea.SetClipboard(fixText(f)), msgs.Flash("fix copied to the clipboard (OSC 52)", false)), true
		case key.Matches(k, km.Write):
			if len(f.Fixes) == 0 {
				return msgs.Flash("this finding has no fix to write", true), true
			}
			return writeFix(o.WriteDir, f), true
		case key.Matches(k, km.Apply):
			ds.pending = nil
			return planFix(o.Fixer, l.Data, row.Key, f), true
		case key.Matches(k, km.Confirm) && ds.pending != nil && ds.pendingKey == row.Key:
			plan := ds.pending
			ds.pending = nil
			return applyFix(o.Fixer, row.Key, plan), true
		}
		return nil, false
	}
	l.help = []key.Binding{km.Subject, km.Copy, km.Write, km.Apply}
	ds.list = l
	ds.findingOf = func(k string) checks.Finding { return byKey[k] }
	return ds
}

// planFix starts a server-side dry-run of the finding's first Kubernetes fix.
func planFix(r Fixer, d *msgs.Data, k string, f checks.Finding) tea.Cmd {
	var p *fix.Proposal
	for i := range f.Fixes {
		switch f.Fixes[i].Kind {
		case fix.KindPatch, fix.KindJSONPatch, fix.KindCreate:
			p = &f.Fixes[i]
		}
		if p != nil {
			break
		}
	}
	switch {
	case p == nil:
		return msgs.Flash("no Kubernetes change to dry-run: this fix is run by hand (commands, Helm values or router config)", true)
	case r == nil || d == nil || !d.Live:
		return msgs.Flash("applying needs a cluster: this is a saved or demo snapshot (w writes the fix to a file)", true)
	}
	prop := *p
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		plan, err := r.Plan(ctx, prop)
		return planMsg{key: k, plan: plan, err: err}
	}
}

// applyFix makes a planned change.
func applyFix(r Fixer, k string, plan *fix.Plan) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		return appliedMsg{key: k, what: plan.What, err: r.Apply(ctx, plan)}
	}
}

// doctorScreen adds the dry-run, the confirmation and the apply to the list.
type doctorScreen struct {
	*list
	fixer      Fixer
	dryRuns    *map[string]string
	pending    *fix.Plan // dry-run shown, waiting for y
	pendingKey string
	// applied is the finding last fixed, checked on the next data ("" when none).
	applied     checks.Finding
	appliedWhat string
	appliedAt   time.Time
	result      string // what the last apply did, shown in the caption
	findingOf   func(key string) checks.Finding
}

func (d *doctorScreen) showPlan(k, text string) {
	(*d.dryRuns)[k] = text
	if d.inDetail && d.openKey == k {
		d.detail.SetContent(d.detailOf(k))
		d.detail.ScrollToEnd()
	}
}

func (d *doctorScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch m := msg.(type) {
	case planMsg:
		switch {
		case m.err != nil:
			d.showPlan(m.key, d.St.Err.Render("  refused: "+m.err.Error()))
			return d, msgs.Flash("the dry-run was refused: see under the fix", true)
		case !m.plan.Changes():
			d.showPlan(m.key, d.St.Dim.Render("  "+m.plan.What+" is already as proposed: nothing to change"))
			return d, msgs.Flash("nothing to change", false)
		}
		d.pending, d.pendingKey = m.plan, m.key
		d.showPlan(m.key, diff.Render(d.St, m.plan.Diff)+"\n"+d.St.Warn.Render("  y applies this change to "+m.plan.What+
			" (field manager "+fix.FieldManager+", refused if it changed since the snapshot); any other key leaves it"))
		return d, msgs.Flash("dry-run done: y applies it", false)
	case appliedMsg:
		if m.err != nil {
			d.showPlan(m.key, d.St.Err.Render("  refused: "+m.err.Error()))
			return d, msgs.Flash("not applied: "+m.err.Error(), true)
		}
		d.applied, d.appliedWhat, d.appliedAt = d.findingOf(m.key), m.what, time.Now()
		d.showPlan(m.key, d.St.OK.Render("  applied to "+m.what+"; collecting again to check the finding…"))
		return d, tea.Batch(msgs.Flash("applied to "+m.what+"; checking again…", false), msgs.Refresh())
	case tea.KeyPressMsg:
		if d.pending != nil && !key.Matches(m, d.KM.Confirm) {
			d.pending = nil
			d.showPlan(d.pendingKey, d.St.Dim.Render("  not applied"))
		}
	}
	_, cmd := d.list.Update(msg)
	return d, cmd
}

// SetData installs new data and says whether the finding just fixed is gone.
func (d *doctorScreen) SetData(data *msgs.Data) {
	d.list.SetData(data)
	if d.applied.ID == "" || data == nil || data.Started.Before(d.appliedAt) {
		return // collected before the change: wait for the collection after it
	}
	gone := true
	for _, f := range data.Result.Findings {
		if f.ID == d.applied.ID && f.Subject == d.applied.Subject && f.Message == d.applied.Message {
			gone = false
		}
	}
	d.result = fmt.Sprintf("fixed: %s %s is gone", d.applied.ID, d.applied.Subject.Name)
	if !gone {
		d.result = fmt.Sprintf("still there after the change to %s: %s %s", d.appliedWhat, d.applied.ID, d.applied.Subject.Name)
	}
	d.applied = checks.Finding{}
	d.inDetail = false
}
