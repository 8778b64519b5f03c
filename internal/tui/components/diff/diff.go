// SPDX-License-Identifier: Apache-2.0

// Package diff renders a unified diff with the removed and added lines coloured.
package diff

import (
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/tui/styles"
)

// Render colours a unified diff: headers dim, "-" lines bad, "+" lines good.
func Render(st *styles.Styles, unified string) string {
	lines := strings.Split(strings.TrimRight(unified, "\n"), "\n")
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "---"), strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "@@"):
			lines[i] = st.Dim.Render(l)
		case strings.HasPrefix(l, "-"):
			lines[i] = st.Err.Render(l)
		case strings.HasPrefix(l, "+"):
			lines[i] = st.OK.Render(l)
		}
	}
	return strings.Join(lines, "\n")
}
