// SPDX-License-Identifier: Apache-2.0

package checks_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/fix"
	"github.com/bgpnet/kubectl-bgpnet/internal/routerconfig"
)

// birdSnippet is the configuration a BIRD fix asks to put into bird.conf: the comment
// lines after "add to bird.conf:" or "in bird.conf:", up to a "then …" instruction.
func birdSnippet(cmd string) (string, bool) {
	var out []string
	in := false
	for _, l := range strings.Split(cmd, "\n") {
		l = strings.TrimPrefix(strings.TrimPrefix(l, "#"), " ")
		switch {
		case strings.HasSuffix(l, "bird.conf:"):
			in = true
		case strings.HasPrefix(l, "then "):
			in = false
		case in:
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n"), len(out) > 0
}

var protocolName = regexp.MustCompile(`(?m)^protocol bgp (\S+)`)

// Every BIRD configuration a fix prints parses with the real BIRD (`bird -p`) inside
// the configuration `kubectl bgpnet router-config --flavor bird` writes for the same
// cluster, using its templates: a protocol the fix names replaces the one of that name.
func TestBIRDFixesParse(t *testing.T) {
	bird, err := exec.LookPath("bird")
	if err != nil {
		if os.Getenv("BGPNET_TEST_ASSETS") != "" {
			t.Fatal("bird is not installed (hack/deps.sh installs bird2)")
		}
		t.Skip("precondition: bird (Debian bird2) is not installed")
	}
	parsed := 0
	for _, tc := range checks.CaseSnapshots() {
		if len(tc.S.Routers) == 0 || tc.S.Routers[0].Kind != "bird" {
			continue
		}
		base, err := routerconfig.Generate(tc.S, routerconfig.Options{Flavor: "bird"})
		if err != nil {
			t.Fatalf("%s/%s: router-config: %v", tc.ID, tc.Name, err)
		}
		for _, f := range checks.Run(tc.S, checks.All()).Findings {
			for _, p := range f.Fixes {
				if p.On != fix.OnRouter || !strings.Contains(p.Title, "BIRD") {
					continue
				}
				for _, c := range p.Commands {
					snippet, ok := birdSnippet(c)
					if !ok {
						continue
					}
					conf := base
					for _, m := range protocolName.FindAllStringSubmatch(snippet, -1) {
						conf = regexp.MustCompile(`(?m)^protocol bgp `+regexp.QuoteMeta(m[1])+` .*\n`).ReplaceAllString(conf, "")
					}
					file := filepath.Join(t.TempDir(), "bird.conf")
					if err := os.WriteFile(file, []byte(conf+snippet+"\n"), 0o600); err != nil {
						t.Fatal(err)
					}
					if out, err := exec.Command(bird, "-p", "-c", file).CombinedOutput(); err != nil {
						t.Errorf("%s (case %s/%s): bird -p refuses the fix %q: %v\n%s\n--- snippet:\n%s", f.ID, tc.ID, tc.Name, p.Title, err, out, snippet)
					}
					parsed++
				}
			}
		}
	}
	if parsed < 3 {
		t.Errorf("only %d BIRD snippets parsed", parsed)
	}
}
