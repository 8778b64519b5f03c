// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/report"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// Exit codes of doctor (DESIGN.md): findings at or above --fail-on exit 1, a doctor
// that could not run exits 2.
const (
	exitFindings = 1
	exitBroken   = 2
)

type doctorOptions struct {
	*GlobalOptions
	sources sourceOptions
	output  string
	failOn  string
	only    []string
	skip    []string
	explain string
	list    bool
	color   string
	// allowPartial accepts a run in which nothing could be checked (exit 0/1, not 2).
	allowPartial bool

	selected []checks.Check
	// onlySet, skipSet: --check / --skip were given (possibly empty).
	onlySet, skipSet bool
}

func newDoctorCmd(g *GlobalOptions) *cobra.Command {
	o := &doctorOptions{GlobalOptions: g}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Diagnose Cilium BGP networking: findings with evidence and fixes",
		Long: `Run every check over a snapshot (live, --from FILE or --demo) and print what is broken,
the evidence, and the fix: the exact command, object or patch, and Helm values.

A check whose sources could not be read (forbidden, timeout, not installed) is listed as
skipped with the reason, never as passed.

Exit status: 0 when nothing at or above --fail-on was found, 1 when something was,
2 when the doctor itself could not run, or ran but checked nothing: no check ran, or the
nodes, the Services or every BGP kind could not be read (--fail-on never does not change
that; --allow-partial does).`,
		Example: `  kubectl bgpnet doctor
  kubectl bgpnet doctor --demo
  kubectl bgpnet doctor -o json --fail-on warning        # CI gate
  kubectl bgpnet doctor -o junit > bgpnet-junit.xml
  kubectl bgpnet doctor --check session-not-established --check etp-local-withdrawal
  kubectl bgpnet doctor --explain advert-label-selector-mismatch
  kubectl bgpnet doctor --list`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Complete(cmd); err != nil {
				return &ExitError{Code: exitBroken, Err: err}
			}
			if err := o.Validate(); err != nil {
				return &ExitError{Code: exitBroken, Err: err}
			}
			return o.Run(cmd)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.output, "output", "o", "text", "output format: text, json, yaml, markdown, junit or prometheus")
	f.StringVar(&o.failOn, "fail-on", "error", "exit 1 when a finding at or above this severity is found: info, warning, error or never")
	f.StringSliceVar(&o.only, "check", nil, "run only these checks (repeat or comma-separate IDs)")
	f.StringSliceVar(&o.skip, "skip", nil, "do not run these checks")
	f.StringVar(&o.explain, "explain", "", "print the explanation of one check and exit")
	f.BoolVar(&o.list, "list", false, "list every check and exit")
	f.BoolVar(&o.allowPartial, "allow-partial", false, "exit 0 or 1 by --fail-on even when nothing could be checked (no check ran, or nodes, Services or every BGP kind could not be read); without it such a run exits 2")
	o.sources.addFlags(f)
	f.StringVar(&o.color, "color", "auto", "colour text output: auto (when stdout is a terminal and NO_COLOR is unset), always or never")
	_ = cmd.RegisterFlagCompletionFunc("check", completeCheckIDs)
	_ = cmd.RegisterFlagCompletionFunc("skip", completeCheckIDs)
	_ = cmd.RegisterFlagCompletionFunc("explain", completeCheckIDs)
	return cmd
}

func completeCheckIDs(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	var ids []string
	for _, c := range checks.All() {
		ids = append(ids, c.ID+"\t"+c.Title)
	}
	return ids, cobra.ShellCompDirectiveNoFileComp
}

// Complete notes which selection flags were given and resolves the check selection.
func (o *doctorOptions) Complete(cmd *cobra.Command) error {
	o.onlySet, o.skipSet = cmd.Flags().Changed("check"), cmd.Flags().Changed("skip")
	if err := checkIDs("check", o.onlySet, o.only); err != nil {
		return err
	}
	if err := checkIDs("skip", o.skipSet, o.skip); err != nil {
		return err
	}
	sel, err := checks.Select(o.only, o.skip)
	if err != nil {
		return err
	}
	if len(sel) == 0 {
		return fmt.Errorf("--check %s with --skip %s leaves no check to run", strings.Join(o.only, ","), strings.Join(o.skip, ","))
	}
	o.selected = sel
	return nil
}

// Validate checks the flags.
func (o *doctorOptions) Validate() error {
	if err := oneOf("output", o.output, "text", "json", "yaml", "markdown", "junit", "prometheus"); err != nil {
		return err
	}
	if err := oneOf("fail-on", o.failOn, "info", "warning", "error", "never"); err != nil {
		return err
	}
	if err := oneOf("color", o.color, "auto", "always", "never"); err != nil {
		return err
	}
	if err := o.sources.validate(); err != nil {
		return err
	}
	if o.explain != "" {
		if _, ok := checks.Lookup(o.explain); !ok {
			_, err := checks.Select([]string{o.explain}, nil)
			return err
		}
	}
	return nil
}

// Run runs the checks and prints the report; the exit code follows --fail-on.
func (o *doctorOptions) Run(cmd *cobra.Command) error {
	switch {
	case o.explain != "":
		c, _ := checks.Lookup(o.explain)
		_, err := fmt.Fprintf(o.Out, "%s — %s\nseverity %s, layer %s, versions %s\n\n%s\n\nDetects: %s\nFix: %s\n",
			c.ID, c.Title, c.SeverityText(), c.Layer, c.Versions, c.Explain, c.Detects, c.Fixes)
		return err
	case o.list:
		return listChecks(o.Out, o.selected)
	}
	stop := spin(o.ErrOut, "collecting…")
	s, err := o.diagnosisSnapshot(cmd.Context(), &o.sources)
	stop()
	if err != nil {
		return &ExitError{Code: exitBroken, Err: err}
	}
	res := checks.Run(s, o.selected)
	d := report.NewDoctor(s, res)
	failOn := checks.Severity(o.failOn)
	if o.failOn == "never" {
		failOn = ""
	}
	switch o.output {
	case "json":
		err = d.JSON(o.Out)
	case "yaml":
		err = d.YAML(o.Out)
	case "markdown":
		err = d.Markdown(o.Out)
	case "junit":
		err = d.JUnit(o.Out, o.selected, failOn)
	case "prometheus":
		err = d.Prometheus(o.Out, s, o.selected, time.Now())
	default:
		err = d.Text(o.Out, report.Style{Color: o.useColor(), Width: termWidth(o.Out)})
	}
	if err != nil {
		return &ExitError{Code: exitBroken, Err: fmt.Errorf("write report: %w", err)}
	}
	if d.NothingChecked && !o.allowPartial {
		return &ExitError{Code: exitBroken, Err: fmt.Errorf("nothing was checked: %s (--allow-partial accepts such a run)", d.NothingCheckedReason)}
	}
	if failOn != "" && res.AtOrAbove(failOn) {
		return &ExitError{Code: exitFindings, Err: errFindings{failOn}}
	}
	return nil
}

// errFindings ends a doctor run that found problems; it is not printed as an error.
type errFindings struct{ failOn checks.Severity }

func (e errFindings) Error() string {
	return fmt.Sprintf("findings at or above %s", e.failOn)
}

func (o *doctorOptions) useColor() bool { return colorOn(o.color, o.Out) }

// colorOn decides --color: always, never, or auto (a terminal and NO_COLOR unset).
// termWidth is the width of the terminal out writes to, 0 when it is no terminal
// (a pipe, a file: prose is then not wrapped at all).
func termWidth(out io.Writer) int {
	f, ok := out.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0
	}
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return w
}

func colorOn(mode string, out io.Writer) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	if _, set := os.LookupEnv("NO_COLOR"); set {
		return false
	}
	f, ok := out.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// severityNames are the check's severities, the default first.
func severityNames(c checks.Check) []string {
	var out []string
	for _, s := range c.Severities() {
		out = append(out, string(s))
	}
	return out
}

func listChecks(w io.Writer, list []checks.Check) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSEVERITY\tLAYER\tTITLE")
	for _, c := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, strings.Join(severityNames(c), "/"), c.Layer, strings.TrimSpace(c.Title))
	}
	return tw.Flush()
}
