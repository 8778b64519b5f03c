// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/safe"
	"sigs.k8s.io/yaml"
)

// listOutput is the -o flag of the list commands (peers, routes, pools, nodes).
type listOutput struct{ format string }

func (l *listOutput) validate() error {
	return oneOf("output", l.format, "table", "wide", "json", "yaml")
}

// structured writes rows as JSON or YAML, with the sources that were not read.
func structured(w io.Writer, format, key string, rows any, s *model.Snapshot) error {
	doc := map[string]any{key: rows, "sources": problemSources(s)}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	if format == "yaml" {
		if b, err = yaml.JSONToYAML(b); err != nil {
			return fmt.Errorf("encode %s as YAML: %w", key, err)
		}
	} else {
		b = append(b, '\n')
	}
	_, err = w.Write(b)
	return err
}

// table writes aligned columns.
func table(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, safe.Row(r))
	}
	return tw.Flush()
}

// problemSources returns the sources that were not read completely.
func problemSources(s *model.Snapshot) []model.SourceStatus {
	out := []model.SourceStatus{}
	for _, src := range s.Sources {
		if src.Incomplete() {
			out = append(out, src)
		}
	}
	for _, a := range s.Agents {
		if a.Status != model.StatusOK {
			out = append(out, model.SourceStatus{Name: "agent " + a.Node, Status: a.Status, Message: a.Message})
		}
	}
	return out
}

// printProblems lists, after a table, what could not be read.
func printProblems(w io.Writer, s *model.Snapshot) error {
	ps := problemSources(s)
	if len(ps) == 0 {
		return nil
	}
	fmt.Fprintln(w, "\nNot read completely:")
	for _, p := range ps {
		if _, err := fmt.Fprintf(w, "  %s: %s %s\n", safe.Text(p.Name), p.Display(), safe.Text(p.Message)); err != nil {
			return err
		}
	}
	return nil
}

// human renders a duration like kubectl's AGE column.
func human(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
}
