// SPDX-License-Identifier: Apache-2.0

package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/snapshot"
)

func demoDoctor(t *testing.T) (Doctor, []checks.Check) {
	t.Helper()
	s, err := snapshot.Demo()
	if err != nil {
		t.Fatal(err)
	}
	all := checks.All()
	return NewDoctor(s, checks.Run(s, all)), all
}

func TestDoctorGoldens(t *testing.T) {
	d, all := demoDoctor(t)
	for _, tc := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"doctor-demo.txt", func(b *bytes.Buffer) error { return d.Text(b, Style{}) }},
		{"doctor-demo-color.txt", func(b *bytes.Buffer) error { return d.Text(b, Style{Color: true}) }},
		{"doctor-demo-80.txt", func(b *bytes.Buffer) error { return d.Text(b, Style{Width: 80}) }},
		{"doctor-demo.md", func(b *bytes.Buffer) error { return d.Markdown(b) }},
		{"doctor-demo.junit.xml", func(b *bytes.Buffer) error { return d.JUnit(b, all, checks.Error) }},
		{"doctor-demo.json", func(b *bytes.Buffer) error { return d.JSON(b) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tc.write(&buf); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, buf.Bytes())
		})
	}
}

// Prose wraps at the terminal's width; a command never does, so it copies whole.
func TestDoctorTextWrapsProseNotCommands(t *testing.T) {
	d, _ := demoDoctor(t)
	var b bytes.Buffer
	if err := d.Text(&b, Style{Width: 60}); err != nil {
		t.Fatal(err)
	}
	commands, long := 0, 0
	for _, l := range strings.Split(b.String(), "\n") {
		trimmed := strings.TrimSpace(l)
		if strings.HasPrefix(trimmed, "$ ") {
			commands++
			for _, f := range d.Findings {
				for _, fx := range f.Fixes {
					for _, c := range fx.Commands {
						if strings.HasPrefix(c, trimmed[2:]) && c != trimmed[2:] && !strings.Contains(c, "\n") {
							t.Errorf("command cut: %q of %q", trimmed, c)
						}
					}
				}
			}
			continue
		}
		label := strings.HasPrefix(trimmed, "evidence:") || strings.HasPrefix(trimmed, "fix ") || strings.HasPrefix(trimmed, "●") || strings.HasPrefix(l, "kubectl bgpnet")
		if len([]rune(l)) > 60 && strings.Contains(trimmed, " ") && !label { // messages, details, explanations
			long++
		}
	}
	if commands == 0 {
		t.Fatal("no command in the demo report")
	}
	if long > 0 {
		t.Errorf("%d prose lines longer than 60 columns", long)
	}
}

// The JSON report keeps the DESIGN.md contract: findings (id, severity, subject with
// kind/namespace/name, message, evidence, fixes), skipped (id, reason), sources.
func TestDoctorJSONContract(t *testing.T) {
	d, _ := demoDoctor(t)
	var buf bytes.Buffer
	if err := d.JSON(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Findings []struct {
			ID       string `json:"id"`
			Severity string `json:"severity"`
			Subject  *struct {
				Kind, Namespace, Name string
			} `json:"subject"`
			Message  string            `json:"message"`
			Evidence []json.RawMessage `json:"evidence"`
			Fixes    []json.RawMessage `json:"fixes"`
		} `json:"findings"`
		Skipped []struct{ ID, Reason string }            `json:"skipped"`
		Sources []struct{ Name, Status, Message string } `json:"sources"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	raw := map[string]json.RawMessage{}
	_ = json.Unmarshal(buf.Bytes(), &raw)
	for _, k := range []string{"findings", "skipped", "sources"} {
		if string(raw[k]) == "null" || raw[k] == nil {
			t.Errorf("%s must be a list, got %s", k, raw[k])
		}
	}
	if len(doc.Findings) == 0 || len(doc.Sources) == 0 {
		t.Fatal("demo report is empty")
	}
	for _, f := range doc.Findings {
		if f.ID == "" || f.Subject == nil || f.Subject.Kind == "" || f.Message == "" || f.Evidence == nil || f.Fixes == nil ||
			!strings.Contains("error warning info", f.Severity) {
			t.Errorf("finding breaks the contract: %+v", f)
		}
	}
}

func TestJUnitStructure(t *testing.T) {
	d, all := demoDoctor(t)
	var buf bytes.Buffer
	if err := d.JUnit(&buf, all, checks.Warning); err != nil {
		t.Fatal(err)
	}
	var suite struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Cases    []struct {
			Name    string    `xml:"name,attr"`
			Failure *struct{} `xml:"failure"`
		} `xml:"testcase"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &suite); err != nil {
		t.Fatal(err)
	}
	if suite.Tests != len(suite.Cases) || suite.Tests < len(all) {
		t.Errorf("tests %d, cases %d, checks %d", suite.Tests, len(suite.Cases), len(all))
	}
	want := d.Summary.Error + d.Summary.Warning
	if suite.Failures != want {
		t.Errorf("failures %d, want the %d errors and warnings (--fail-on warning)", suite.Failures, want)
	}
}

func TestWrap(t *testing.T) {
	long := strings.Repeat("word ", 40)
	for _, l := range wrap(long, 50) {
		if len(l) > 50 {
			t.Errorf("line too long: %q", l)
		}
	}
	if got := wrap("short", 50); len(got) != 1 {
		t.Errorf("short line wrapped: %v", got)
	}
}
