// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"strings"
	"testing"
)

func TestDiagramCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"diagram", "--demo"}, 0, "flowchart LR"},
		{[]string{"diagram", "--demo", "-o", "dot"}, 0, `node1 -> peer1 [label="active"`},
		{[]string{"diagram", "--demo", "--max-services", "1"}, 0, "… 2 more"},
		{[]string{"diagram", "--demo", "-o", "png"}, 2, ""},
	} {
		code, out, errOut := run(t, tc.args...)
		if code != tc.code || !strings.Contains(out, tc.want) {
			t.Errorf("%v: exit %d (stderr %q), output lacks %q:\n%s", tc.args, code, errOut, tc.want, out)
		}
	}
}
