// SPDX-License-Identifier: Apache-2.0

package checks

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/fix"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/safe"
)

// All returns every registered check, ordered by layer and then ID.
func All() []Check {
	var all []Check
	for _, family := range [][]Check{versionChecks(), nodeChecks(), sessionChecks(), advertChecks(), lbipamChecks(), l2Checks(), datapathChecks(), observabilityChecks(), liveChecks(), routerChecks(), moreChecks(), attributeChecks(), {ibgpCheck()}} {
		all = append(all, family...)
	}
	sort.SliceStable(all, func(i, j int) bool {
		li, lj := slices.Index(Layers, all[i].Layer), slices.Index(Layers, all[j].Layer)
		if li != lj {
			return li < lj
		}
		return all[i].ID < all[j].ID
	})
	return all
}

// Lookup returns the check with the given ID.
func Lookup(id string) (Check, bool) {
	for _, c := range All() {
		if c.ID == id {
			return c, true
		}
	}
	return Check{}, false
}

// Select filters the registry: only the IDs in only (all if empty), minus skip.
// Unknown IDs are an error that lists the closest valid one.
func Select(only, skip []string) ([]Check, error) {
	all := All()
	for _, id := range append(append([]string{}, only...), skip...) {
		if _, ok := Lookup(id); !ok {
			return nil, fmt.Errorf("unknown check %q%s (kubectl bgpnet doctor --list shows all)", id, suggest(id, all))
		}
	}
	var out []Check
	for _, c := range all {
		if (len(only) == 0 || slices.Contains(only, c.ID)) && !slices.Contains(skip, c.ID) {
			out = append(out, c)
		}
	}
	return out, nil
}

func suggest(id string, all []Check) string {
	best, dist := "", 4
	for _, c := range all {
		if d := editDistance(id, c.ID); d < dist {
			best, dist = c.ID, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(", did you mean %q?", best)
}

// Result is the outcome of running checks over one snapshot.
type Result struct {
	Findings []Finding            `json:"findings"`
	Skipped  []Skipped            `json:"skipped"`
	Sources  []model.SourceStatus `json:"sources"`
	// Ran is the number of checks that ran.
	Ran int `json:"checksRun"`
	// CiliumVersion is the version the checks were gated on.
	CiliumVersion string `json:"ciliumVersion"`
}

// Run runs the checks over s. A check whose sources were not read is skipped with
// the reason, never passed. Findings come out sorted by severity, layer, ID, subject.
func Run(s *model.Snapshot, checks []Check) Result {
	in := NewInput(s)
	res := Result{Skipped: []Skipped{}, Sources: s.Sources, CiliumVersion: in.Version.String()}
	found := make([][]Finding, len(checks)) // gathered first, then copied once
	total := 0
	for i, c := range checks {
		if reason := missing(s, c); reason != "" {
			res.Skipped = append(res.Skipped, Skipped{ID: c.ID, Reason: reason})
			continue
		}
		res.Ran++
		found[i] = c.Run(in)
		total += len(found[i])
	}
	res.Findings = make([]Finding, 0, total)
	for i, c := range checks {
		for _, f := range found[i] {
			f.ID = c.ID
			if f.Severity == "" {
				f.Severity = c.Severity
			}
			f.Layer = c.Layer
			if f.Evidence == nil {
				f.Evidence = []Evidence{}
			}
			if f.Fixes == nil {
				f.Fixes = []fix.Proposal{}
			}
			res.Findings = append(res.Findings, printable(f))
		}
	}
	sortFindings(res.Findings)
	return res
}

// printable escapes the free text of a finding with safe.Text: names and messages
// from the cluster are quoted into it, and no renderer may print a raw newline or
// control sequence from them. Commands were quoted when built; their lines are
// escaped again here so a mistake there cannot reach a terminal either.
func printable(f Finding) Finding {
	f.Message = safe.Text(f.Message)
	for i := range f.Details {
		f.Details[i] = safe.Text(f.Details[i]) // in place: Text is idempotent
	}
	for i := range f.Evidence {
		e := &f.Evidence[i]
		e.Field, e.Observed, e.Expected = safe.Text(e.Field), safe.Text(e.Observed), safe.Text(e.Expected)
	}
	for i := range f.Fixes {
		p := &f.Fixes[i]
		p.Title, p.Explanation = safe.Text(p.Title), safe.Text(p.Explanation)
		for j := range p.Commands {
			p.Commands[j] = safe.Lines(p.Commands[j])
		}
	}
	return f
}

// missing explains which required source of c was not read, or returns "".
func missing(s *model.Snapshot, c Check) string {
	var why []string
	for _, n := range c.Needs {
		if st, _ := s.Source(n); st.Status != model.StatusOK {
			why = append(why, describeSource(st))
		}
	}
	for _, n := range c.Uses {
		if st, _ := s.Source(n); st.Status != model.StatusOK && st.Status != model.StatusNotInstalled {
			why = append(why, describeSource(st))
		}
	}
	if len(c.NeedsAny) > 0 {
		var none []string
		for _, n := range c.NeedsAny {
			st, _ := s.Source(n)
			if st.Status == model.StatusOK {
				none = nil
				break
			}
			none = append(none, describeSource(st))
		}
		if len(none) > 0 {
			why = append(why, "none of its sources was read ("+strings.Join(none, "; ")+")")
		}
	}
	return strings.Join(why, "; ")
}

func describeSource(st model.SourceStatus) string {
	msg := fmt.Sprintf("source %s is %s", st.Name, st.Status)
	if st.Message != "" {
		msg += ": " + st.Message
	}
	return msg
}

// sortFindings orders findings by severity, layer, check, subject and message, the
// original order breaking ties. The keys are computed once per finding: the
// comparison runs n log n times and must not allocate.
func sortFindings(fs []Finding) {
	type key struct {
		rank, layer, pos int
		id, subject, msg string
	}
	keys := make([]key, len(fs))
	for i, f := range fs {
		keys[i] = key{rank: f.Severity.Rank(), layer: slices.Index(Layers, f.Layer), pos: i, id: f.ID, subject: f.Subject.String(), msg: f.Message}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := cmp.Compare(b.rank, a.rank); c != 0 {
			return c
		}
		if c := cmp.Compare(a.layer, b.layer); c != 0 {
			return c
		}
		if c := cmp.Compare(a.id, b.id); c != 0 {
			return c
		}
		if c := cmp.Compare(a.subject, b.subject); c != 0 {
			return c
		}
		if c := cmp.Compare(a.msg, b.msg); c != 0 {
			return c
		}
		return cmp.Compare(a.pos, b.pos)
	})
	sorted := make([]Finding, len(fs))
	for i, k := range keys {
		sorted[i] = fs[k.pos]
	}
	copy(fs, sorted)
}

// AtOrAbove reports whether any finding is at or above the given severity.
func (r Result) AtOrAbove(s Severity) bool {
	for _, f := range r.Findings {
		if f.Severity.Rank() >= s.Rank() {
			return true
		}
	}
	return false
}

// Count returns the number of findings per severity.
func (r Result) Count() map[Severity]int {
	out := map[Severity]int{}
	for _, f := range r.Findings {
		out[f.Severity]++
	}
	return out
}
