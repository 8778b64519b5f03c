// SPDX-License-Identifier: Apache-2.0

package report

import (
	"cmp"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/fix"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/safe"
	"sigs.k8s.io/yaml"
)

// Doctor is what `kubectl bgpnet doctor` reports: the DESIGN.md contract (findings,
// skipped, sources) plus context.
type Doctor struct {
	Findings      []checks.Finding     `json:"findings"`
	Skipped       []checks.Skipped     `json:"skipped"`
	Sources       []model.SourceStatus `json:"sources"`
	Summary       Counts               `json:"summary"`
	ChecksRun     int                  `json:"checksRun"`
	CiliumVersion string               `json:"ciliumVersion"`
	Cluster       model.Cluster        `json:"cluster"`
	Origin        string               `json:"origin,omitempty"`
	// NothingChecked: no check ran, or nodes, Services or every BGP kind were not read
	// (NothingCheckedReason says which); no finding then means nothing.
	NothingChecked       bool   `json:"nothingChecked"`
	NothingCheckedReason string `json:"nothingCheckedReason,omitempty"`
}

// Counts are findings per severity.
type Counts struct {
	Error   int `json:"error"`
	Warning int `json:"warning"`
	Info    int `json:"info"`
}

// NewDoctor assembles the report of a check run over s.
func NewDoctor(s *model.Snapshot, r checks.Result) Doctor {
	c := r.Count()
	why := NothingChecked(s, r)
	version := r.CiliumVersion
	if ds, _ := s.Source(model.SourceDaemonSets); s.Cilium.Version == "" && ds.Unread() {
		// the version comes from the agent's DaemonSet: not read, not "without a version"
		version = fmt.Sprintf("unknown (%s %s)", ds.Name, ds.Status)
	}
	return Doctor{
		Findings: r.Findings, Skipped: r.Skipped, Sources: r.Sources,
		Summary:   Counts{Error: c[checks.Error], Warning: c[checks.Warning], Info: c[checks.Info]},
		ChecksRun: r.Ran, CiliumVersion: version, Cluster: s.Cluster, Origin: s.Origin,
		NothingChecked: why != "", NothingCheckedReason: why,
	}
}

// JSON writes the report as one JSON object.
func (d Doctor) JSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}

// YAML writes the report as YAML.
func (d Doctor) YAML(w io.Writer) error {
	b, err := yaml.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode report as YAML: %w", err)
	}
	_, err = w.Write(b)
	return err
}

// Text writes the report for a terminal: findings grouped by severity and layer, each
// with its evidence and fixes, then what was skipped and a summary line.
func (d Doctor) Text(w io.Writer, st Style) error {
	p := &printer{w: w}
	p.printf("%s %s, Cilium %s, %s\n", st.Bold("kubectl bgpnet doctor"), safe.Text(clusterName(d)), safe.Text(d.CiliumVersion), originNote(d.Origin))
	for _, sev := range []checks.Severity{checks.Error, checks.Warning, checks.Info} {
		var group []checks.Finding
		for _, f := range d.Findings {
			if f.Severity == sev {
				group = append(group, f)
			}
		}
		if len(group) == 0 {
			continue
		}
		p.printf("\n%s\n", st.Severity(sev, fmt.Sprintf("%s (%d)", strings.ToUpper(string(sev)), len(group))))
		layer := checks.Layer("")
		for _, f := range group {
			if f.Layer != layer {
				layer = f.Layer
				p.printf("\n  %s\n", st.Dim("— "+string(layer)+" —"))
			}
			d.textFinding(p, st, f)
		}
	}
	if bad := problemSources(d.Sources); len(bad) > 0 {
		p.printf("\n%s\n", st.Bold("SOURCES NOT READ"))
		for _, s := range bad {
			p.printf("%s\n", indent(safe.Text(s.Name+" "+s.Display()+": "+s.Message), "  ", st.Width))
		}
	}
	if len(d.Skipped) > 0 {
		p.printf("\n%s\n", st.Bold(fmt.Sprintf("SKIPPED (%d checks could not run)", len(d.Skipped))))
		for _, s := range d.Skipped {
			p.printf("%s\n", indent(safe.Text(s.ID+": "+s.Reason), "  ", st.Width))
		}
	}
	p.printf("\n%s\n", d.summaryLine(st))
	return p.err
}

func (d Doctor) textFinding(p *printer, st Style, f checks.Finding) {
	p.printf("\n  %s %s %s\n", st.Severity(f.Severity, "●"), st.Bold(safe.Text(f.Subject.String())), st.Dim("["+f.ID+"]"))
	p.printf("%s\n", indent(f.Message, "    ", st.Width))
	for _, d := range f.Details {
		p.printf("%s\n", indent(d, "      ", st.Width))
	}
	for _, e := range f.Evidence {
		p.printf("    %s %s\n", st.Dim("evidence:"), evidenceText(e))
	}
	for i, fx := range f.Fixes {
		p.printf("    %s %s %s\n", st.OK(fmt.Sprintf("fix %d:", i+1)), fx.Title, st.Dim("(risk "+string(fx.Risk)+")"))
		if fx.Explanation != "" {
			p.printf("%s\n", indent(st.Dim(fx.Explanation), "      ", st.Width))
		}
		for _, c := range fx.Commands {
			p.printf("%s\n", indent(c, "      $ ", 0))
		}
		if fx.Kind == fix.KindHelm {
			p.printf("%s\n", indent("# values.yaml\n"+strings.TrimRight(fx.YAML(), "\n"), "      ", 0))
		}
	}
}

func evidenceText(e checks.Evidence) string {
	var b strings.Builder
	b.WriteString(e.Source)
	if e.Object != nil {
		b.WriteString(" " + safe.Text(e.Object.String()))
	}
	if e.Field != "" {
		b.WriteString(" " + e.Field)
	}
	b.WriteString(" = " + e.Observed)
	if e.Expected != "" {
		b.WriteString(" (expected " + e.Expected + ")")
	}
	return b.String()
}

// indent prefixes the first line of s and aligns the others under it; with a width, it
// wraps long lines at word boundaries (a width of 0 does not wrap).
func indent(s, prefix string, width int) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		lines = append(lines, wrap(l, width-len([]rune(prefix)))...)
	}
	pad := strings.Repeat(" ", len([]rune(prefix)))
	for i := range lines {
		if i == 0 {
			lines[i] = prefix + lines[i]
		} else {
			lines[i] = pad + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}

// wrap breaks a line at spaces so that no piece exceeds width (long words stay whole).
func wrap(line string, width int) []string {
	if width < 40 || len([]rune(line)) <= width {
		return []string{line}
	}
	var out []string
	var cur strings.Builder
	for _, w := range strings.Fields(line) {
		if cur.Len() > 0 && len([]rune(cur.String()))+1+len([]rune(w)) > width {
			out = append(out, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(w)
	}
	return append(out, cur.String())
}

func (d Doctor) summaryLine(st Style) string {
	parts := []string{
		st.Severity(checks.Error, fmt.Sprintf("%d %s", d.Summary.Error, plural(d.Summary.Error, "error", "errors"))),
		st.Severity(checks.Warning, fmt.Sprintf("%d %s", d.Summary.Warning, plural(d.Summary.Warning, "warning", "warnings"))),
		st.Severity(checks.Info, fmt.Sprintf("%d info", d.Summary.Info)),
	}
	line := strings.Join(parts, ", ") + fmt.Sprintf(" — %d checks ran, %d skipped", d.ChecksRun, len(d.Skipped))
	if n := len(problemSources(d.Sources)); n > 0 {
		line += fmt.Sprintf(", %d %s not read", n, plural(n, "source", "sources"))
	}
	switch {
	case d.NothingChecked:
		line = st.Severity(checks.Error, "nothing was checked") + " (" + safe.Text(d.NothingCheckedReason) + ") — " + line
	case d.Summary.Error+d.Summary.Warning+d.Summary.Info == 0 && len(d.Skipped) == 0:
		line = st.OK("no problem found") + " — " + line
	}
	return line
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func problemSources(srcs []model.SourceStatus) []model.SourceStatus {
	var out []model.SourceStatus
	for _, s := range srcs {
		if s.Incomplete() {
			out = append(out, s)
		}
	}
	return out
}

func clusterName(d Doctor) string {
	if d.Cluster.Context != "" {
		return "context " + d.Cluster.Context
	}
	return "cluster"
}

func originNote(o string) string {
	switch o {
	case "demo":
		return "embedded demo snapshot"
	case "file":
		return "saved snapshot"
	case "sysdump":
		return "cilium sysdump, offline"
	}
	return "live"
}

// Markdown writes the report for pasting into an issue.
func (d Doctor) Markdown(w io.Writer) error {
	p := &printer{w: w}
	p.printf("## kubectl bgpnet doctor\n\n")
	p.textf("- %s, Kubernetes %s, Cilium %s (%s)\n", clusterName(d), cmp.Or(d.Cluster.ServerVersion, "-"), d.CiliumVersion, originNote(d.Origin))
	if d.NothingChecked {
		p.textf("- **nothing was checked**: %s\n", d.NothingCheckedReason)
	}
	p.printf("- %d errors, %d warnings, %d info; %d checks ran, %d skipped\n\n", d.Summary.Error, d.Summary.Warning, d.Summary.Info, d.ChecksRun, len(d.Skipped))
	if len(d.Findings) > 0 {
		p.printf("| severity | check | subject | message |\n|---|---|---|---|\n")
		for _, f := range d.Findings {
			p.printf("| %s | `%s` | %s | %s |\n", f.Severity, f.ID, mdCell(f.Subject.String()), mdCell(f.Message))
		}
	}
	for _, f := range d.Findings {
		p.textf("\n### %s `%s` — %s\n\n%s\n", strings.ToUpper(string(f.Severity)), f.ID, f.Subject, f.Message)
		for _, det := range f.Details {
			p.printf("\n- %s", det)
		}
		if len(f.Details) > 0 {
			p.printf("\n")
		}
		if len(f.Evidence) > 0 {
			p.printf("\n| source | object | field | observed | expected |\n|---|---|---|---|---|\n")
			for _, e := range f.Evidence {
				obj := ""
				if e.Object != nil {
					obj = e.Object.String()
				}
				p.printf("| %s | %s | `%s` | %s | %s |\n", e.Source, mdCell(obj), mdCell(e.Field), mdCell(e.Observed), mdCell(e.Expected))
			}
		}
		for _, fx := range f.Fixes {
			body := strings.Join(fx.Commands, "\n")
			fence := "```"
			for strings.Contains(body, fence) {
				fence += "`"
			}
			p.printf("\n**Fix: %s** (risk %s). %s\n\n%ssh\n%s\n%s\n", fx.Title, fx.Risk, fx.Explanation, fence, body, fence)
		}
	}
	if len(d.Skipped) > 0 {
		p.printf("\n### Skipped checks\n\n")
		for _, s := range d.Skipped {
			p.textf("- `%s`: %s\n", s.ID, s.Reason)
		}
	}
	if bad := problemSources(d.Sources); len(bad) > 0 {
		p.printf("\n### Sources not read\n\n")
		for _, s := range bad {
			p.textf("- %s: %s %s\n", s.Name, s.Display(), s.Message)
		}
	}
	return p.err
}

func mdCell(s string) string {
	return strings.ReplaceAll(safe.Text(s), "|", `\|`)
}

// JUnit writes one testcase per check per subject: a finding at or above failOn is
// a failure, below it a passed case with the finding as output, a check without
// findings one passed case, a skipped check a skipped case.
func (d Doctor) JUnit(w io.Writer, checkList []checks.Check, failOn checks.Severity) error {
	type failure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
	type skipped struct {
		Message string `xml:"message,attr"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Failure   *failure `xml:"failure,omitempty"`
		Skipped   *skipped `xml:"skipped,omitempty"`
		SystemOut string   `xml:"system-out,omitempty"`
	}
	type suite struct {
		XMLName  xml.Name   `xml:"testsuite"`
		Name     string     `xml:"name,attr"`
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Skipped  int        `xml:"skipped,attr"`
		Cases    []testcase `xml:"testcase"`
	}
	s := suite{Name: "kubectl-bgpnet doctor"}
	for _, c := range checkList {
		class := "bgpnet." + string(c.Layer)
		if i := slices.IndexFunc(d.Skipped, func(sk checks.Skipped) bool { return sk.ID == c.ID }); i >= 0 {
			s.Cases = append(s.Cases, testcase{Name: c.ID, Classname: class, Skipped: &skipped{Message: d.Skipped[i].Reason}})
			s.Skipped++
			continue
		}
		found := false
		for _, f := range d.Findings {
			if f.ID != c.ID {
				continue
			}
			found = true
			tc := testcase{Name: c.ID + " " + f.Subject.String(), Classname: class}
			body := findingText(f)
			if failOn != "" && f.Severity.Rank() >= failOn.Rank() {
				tc.Failure = &failure{Message: f.Message, Type: string(f.Severity), Text: body}
				s.Failures++
			} else {
				tc.SystemOut = body
			}
			s.Cases = append(s.Cases, tc)
		}
		if !found {
			s.Cases = append(s.Cases, testcase{Name: c.ID, Classname: class})
		}
	}
	s.Tests = len(s.Cases)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(s); err != nil {
		return fmt.Errorf("encode JUnit report: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func findingText(f checks.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n", f.Severity, f.Message)
	for _, d := range f.Details {
		fmt.Fprintf(&b, "  %s\n", d)
	}
	for _, e := range f.Evidence {
		fmt.Fprintf(&b, "evidence: %s\n", evidenceText(e))
	}
	for _, fx := range f.Fixes {
		fmt.Fprintf(&b, "fix: %s\n%s\n", fx.Title, strings.Join(fx.Commands, "\n"))
	}
	return b.String()
}
