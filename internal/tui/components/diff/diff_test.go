// SPDX-License-Identifier: Apache-2.0

package diff

import (
	"strings"
	"testing"

	"github.com/bgpnet/kubectl-bgpnet/internal/tui/styles"
	"github.com/charmbracelet/x/ansi"
)

func TestRender(t *testing.T) {
	st := styles.New(true)
	in := "--- a\n+++ b\n@@ -1,2 +1,2 @@\n labels:\n-  bgp_enabled: \"true\"\n+  bgp-enabled: \"true\"\n"
	out := Render(st, in)
	if ansi.Strip(out) != strings.TrimRight(in, "\n") {
		t.Errorf("text changed:\n%s", ansi.Strip(out))
	}
	lines := strings.Split(out, "\n")
	for i, want := range []string{st.Dim.Render("--- a"), st.Dim.Render("+++ b"), st.Dim.Render("@@ -1,2 +1,2 @@"), " labels:",
		st.Err.Render(`-  bgp_enabled: "true"`), st.OK.Render(`+  bgp-enabled: "true"`)} {
		if lines[i] != want {
			t.Errorf("line %d = %q, want %q", i, lines[i], want)
		}
	}
}
