// SPDX-License-Identifier: Apache-2.0

package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/fix"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"github.com/bgpnet/kubectl-bgpnet/internal/report"
	"github.com/bgpnet/kubectl-bgpnet/internal/safe"
	"github.com/spf13/cobra"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/restmapper"
)

type fixOptions struct {
	*GlobalOptions
	sources sourceOptions
	ids     []string
	all     bool
	subject string
	// subjectSet: --subject was given (possibly empty).
	subjectSet bool
	output     string
	apply      bool
	yes        bool
	color      string
	// alternatives prints every fix of a finding, the others commented out
	alternatives bool
}

func newFixCmd(g *GlobalOptions) *cobra.Command {
	o := &fixOptions{GlobalOptions: g}
	cmd := &cobra.Command{
		Use:   "fix [CHECK-ID…] [--all] [--subject KIND/[NAMESPACE/]NAME]",
		Short: "Print the fixes of the findings, or apply the Kubernetes ones safely",
		Long: `Print the fix proposals of the matching findings: the commands (default), the YAML of
the objects and patches, the raw patches, or the Helm values.

With --apply, each finding's Kubernetes change (a label, a patch, a missing object) is sent
to the API server as a server-side dry-run first; the diff of the object now and after the
change is shown and you confirm it (--yes skips the question, for scripts). The change is
then made as field manager kubectl-bgpnet with the snapshot's resourceVersion as a
precondition: if the object changed since, it is refused. Nothing is ever deleted, Secrets
are never touched, and router configuration and Helm values are printed, never applied.
Afterwards the checks run again on a fresh collection and say whether each finding is gone.

Exit status: 0 when every selected fix was printed or applied and its finding is gone,
1 when a change was refused, failed or did not clear its finding, 2 when fix could not run.`,
		Example: `  kubectl bgpnet fix --all
  kubectl bgpnet fix node-label-near-miss -o yaml
  kubectl bgpnet fix --all -o helm > bgpnet-values.yaml
  kubectl bgpnet fix node-label-near-miss --subject Node/nuc-2 --apply
  kubectl bgpnet fix lbipam-pool-conflict --apply --yes`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.ids = args
			o.subjectSet = cmd.Flags().Changed("subject")
			if err := o.Validate(); err != nil {
				return &ExitError{Code: exitBroken, Err: err}
			}
			return o.Run(cmd)
		},
		ValidArgsFunction: completeCheckIDs,
	}
	f := cmd.Flags()
	f.BoolVar(&o.all, "all", false, "every finding")
	f.StringVar(&o.subject, "subject", "", "only findings about this object: KIND/NAME or KIND/NAMESPACE/NAME (or just NAME)")
	f.StringVarP(&o.output, "output", "o", "commands", "what to print: commands, yaml, patch, helm (one values document per finding) or router (only the router's steps)")
	f.BoolVar(&o.alternatives, "alternatives", false, "also print each finding's other fixes, commented out (\"alternative 2 of 3\")")
	f.BoolVar(&o.apply, "apply", false, "apply the Kubernetes changes (dry-run, diff, confirmation, precondition)")
	f.BoolVarP(&o.yes, "yes", "y", false, "with --apply: do not ask for confirmation")
	f.StringVar(&o.color, "color", "auto", "colour the diffs: auto, always or never")
	o.sources.addFlags(f)
	return cmd
}

// Validate checks the arguments.
func (o *fixOptions) Validate() error {
	if len(o.ids) == 0 && !o.all {
		return errors.New("name the checks whose findings to fix, or --all (kubectl bgpnet doctor lists the findings)")
	}
	if _, err := checks.Select(o.ids, nil); err != nil {
		return err
	}
	if err := oneOf("output", o.output, "commands", "yaml", "patch", "helm", "router"); err != nil {
		return err
	}
	if err := oneOf("color", o.color, "auto", "always", "never"); err != nil {
		return err
	}
	if o.subject != "" || o.subjectSet {
		if err := validSubject(o.subject); err != nil {
			return err
		}
	}
	if o.apply && (o.Demo || o.From != "") {
		return errors.New("--apply changes a cluster: it needs a live cluster, not --demo or --from")
	}
	return o.sources.validate()
}

// subjectString renders a reference as KIND/[NAMESPACE/]NAME.
func subjectString(r model.Ref) string {
	if r.Namespace != "" {
		return r.Kind + "/" + r.Namespace + "/" + r.Name
	}
	return r.Kind + "/" + r.Name
}

// selectFindings keeps the findings of the named checks about the subject.
func (o *fixOptions) selectFindings(res checks.Result) []checks.Finding {
	var out []checks.Finding
	for _, f := range res.Findings {
		if len(o.ids) > 0 && !slices.Contains(o.ids, f.ID) {
			continue
		}
		if o.subject != "" && !strings.EqualFold(o.subject, subjectString(f.Subject)) && o.subject != f.Subject.Name {
			continue
		}
		out = append(out, f)
	}
	return out
}

// Run prints or applies the fixes.
func (o *fixOptions) Run(cmd *cobra.Command) error {
	stop := spin(o.ErrOut, "collecting…")
	s, err := o.diagnosisSnapshot(cmd.Context(), &o.sources)
	stop()
	if err != nil {
		return &ExitError{Code: exitBroken, Err: err}
	}
	res := checks.Run(s, checks.All())
	found := o.selectFindings(res)
	if len(found) == 0 {
		if why := report.NothingChecked(s, res); why != "" {
			return &ExitError{Code: exitBroken, Err: fmt.Errorf("no finding, but nothing was checked: %s", why)}
		}
		_, err := fmt.Fprintln(o.Out, "No finding matches: nothing to fix.")
		return err
	}
	if !o.apply {
		return o.print(found)
	}
	return o.applyAll(cmd, found)
}

// print writes the proposals in the chosen form: each finding's recommended fix (its
// first) as one runnable unit behind a comment naming the finding; its alternatives
// only with --alternatives, commented out; what runs on the router or the nodes never
// in this stream but in a commented section at the end (or alone with -o router).
func (o *fixOptions) print(found []checks.Finding) error {
	w := o.Out
	if o.output == "helm" {
		return o.printHelm(found)
	}
	var elsewhere []string // the commented section of router and node steps
	for _, f := range found {
		head := safe.Comment(fmt.Sprintf("%s %s — %s", strings.ToUpper(string(f.Severity)), f.ID, subjectString(f.Subject))) + "\n" + safe.Comment(f.Message)
		if len(f.Fixes) == 0 {
			if o.output != "router" {
				fmt.Fprintf(w, "%s\n# no automatic fix: kubectl bgpnet doctor --explain %s\n\n", head, f.ID)
			}
			continue
		}
		var here []string
		for i, p := range f.Fixes {
			if i > 0 && !o.alternatives {
				break
			}
			label := fmt.Sprintf("fix: %s (risk %s, %s)", p.Title, p.Risk, p.Kind)
			if len(f.Fixes) > 1 {
				label = fmt.Sprintf("fix 1 of %d (recommended): %s (risk %s, %s)", len(f.Fixes), p.Title, p.Risk, p.Kind)
				if i > 0 {
					label = fmt.Sprintf("alternative %d of %d: %s (risk %s, %s)", i+1, len(f.Fixes), p.Title, p.Risk, p.Kind)
				}
			}
			body := o.render(p)
			switch {
			case o.output == "router":
				if p.On == fix.OnRouter {
					fmt.Fprintf(w, "%s\n%s\n", head, safe.Comment(label))
					if i > 0 {
						body = safe.Comment(body)
					}
					fmt.Fprintf(w, "%s\n\n", body)
				}
			case p.On != "":
				elsewhere = append(elsewhere, fmt.Sprintf("%s\n%s\n%s", head, safe.Comment(fmt.Sprintf("on the %s: %s", p.On, label)), safe.Comment(body)))
			case i > 0:
				here = append(here, safe.Comment(label)+"\n"+safe.Comment(body))
			default:
				here = append(here, safe.Comment(label)+"\n"+body)
			}
		}
		if len(here) > 0 {
			fmt.Fprintf(w, "%s\n%s\n\n", head, strings.Join(here, "\n"))
		}
	}
	if len(elsewhere) > 0 && o.output != "router" {
		fmt.Fprintf(w, "# ---- not here: steps for the router or the nodes (kubectl bgpnet fix -o router prints the router's alone) ----\n%s\n",
			strings.Join(elsewhere, "\n\n"))
	}
	return nil
}

// render is one proposal in the chosen form; what that form cannot show is commented.
func (o *fixOptions) render(p fix.Proposal) string {
	switch {
	case o.output == "yaml" && p.YAML() != "":
		return strings.TrimRight(p.YAML(), "\n")
	case o.output == "patch" && (p.Kind == fix.KindPatch || p.Kind == fix.KindJSONPatch):
		body := any(p.Patch)
		if p.Kind == fix.KindJSONPatch {
			body = p.JSONPatch
		}
		b, _ := safe.JSON(body)
		return safe.Comment(fmt.Sprintf("%s, resourceVersion %s", subjectString(*p.Target), p.ResourceVersion)) + "\n" + string(b)
	case o.output == "yaml" || o.output == "patch":
		return safe.Comment(strings.Join(p.Commands, "\n"))
	}
	return strings.Join(p.Commands, "\n")
}

// printHelm writes one values document per finding whose recommended fix is Helm
// values, commented with the finding; a key an earlier document already sets is not
// set again (the same value) or is left commented out with the conflict named.
func (o *fixOptions) printHelm(found []checks.Finding) error {
	w := o.Out
	setBy := map[string]string{} // path → finding that set it
	setTo := map[string]any{}
	docs := 0
	for _, f := range found {
		for i, p := range f.Fixes {
			if i > 0 && !o.alternatives || p.Kind != fix.KindHelm {
				continue
			}
			who := fmt.Sprintf("%s — %s", f.ID, subjectString(f.Subject))
			var values []fix.HelmValue
			var notes []string
			for _, v := range p.Helm {
				prev, dup := setBy[v.Path]
				switch {
				case dup && fmt.Sprint(setTo[v.Path]) == fmt.Sprint(v.Value):
					notes = append(notes, fmt.Sprintf("%s=%v: already set above by %s", v.Path, v.Value, prev))
				case dup:
					notes = append(notes, fmt.Sprintf("%s=%v: NOT SET, %s sets it to %v above: decide which you want", v.Path, v.Value, prev, setTo[v.Path]))
				default:
					setBy[v.Path], setTo[v.Path] = who, v.Value
					values = append(values, v)
				}
			}
			label := "fix"
			if i > 0 {
				label = fmt.Sprintf("alternative %d of %d", i+1, len(f.Fixes))
			}
			fmt.Fprintf(w, "---\n%s\n", safe.Comment(fmt.Sprintf("%s %s\n%s: %s (risk %s)", strings.ToUpper(string(f.Severity)), who, label, p.Title, p.Risk)))
			for _, n := range notes {
				fmt.Fprintln(w, safe.Comment(n))
			}
			if len(values) > 0 {
				io.WriteString(w, fix.HelmValuesYAML(values))
			} else {
				fmt.Fprintln(w, "{}")
			}
			docs++
		}
	}
	if docs == 0 {
		_, err := fmt.Fprintln(w, "# none of these findings is fixed with Helm values")
		return err
	}
	return nil
}

func writeComments(w io.Writer, lines []string) {
	for _, l := range lines {
		fmt.Fprintln(w, safe.Comment(l))
	}
}

// kubeProposal is the finding's first Kubernetes change, if any.
func kubeProposal(f checks.Finding) (fix.Proposal, bool) {
	for _, p := range f.Fixes {
		switch p.Kind {
		case fix.KindPatch, fix.KindJSONPatch, fix.KindCreate:
			return p, true
		}
	}
	return fix.Proposal{}, false
}

// applier returns the Applier for the cluster.
func (g *GlobalOptions) applier() (fix.Applier, error) {
	kc, err := g.kube()
	if err != nil {
		return fix.Applier{}, err
	}
	return fix.Applier{Dyn: kc.dyn, Mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(kc.core.Discovery()))}, nil
}

// colorDiff colours a unified diff for a terminal.
func colorDiff(d string, on bool) string {
	if !on {
		return d
	}
	lines := strings.Split(d, "\n")
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "---"), strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "@@"):
			lines[i] = "\x1b[2m" + l + "\x1b[0m"
		case strings.HasPrefix(l, "-"):
			lines[i] = "\x1b[31m" + l + "\x1b[0m"
		case strings.HasPrefix(l, "+"):
			lines[i] = "\x1b[32m" + l + "\x1b[0m"
		}
	}
	return strings.Join(lines, "\n")
}

// findingKey identifies a finding across collections.
func findingKey(f checks.Finding) string {
	return f.ID + "|" + subjectString(f.Subject) + "|" + f.Message
}

// targetKey names the object a proposal changes.
func targetKey(p fix.Proposal) string {
	if p.Target != nil {
		return subjectString(*p.Target)
	}
	md, _ := p.Object["metadata"].(map[string]any)
	ns, _ := md["namespace"].(string)
	name, _ := md["name"].(string)
	kind, _ := p.Object["kind"].(string)
	return subjectString(model.Ref{Kind: kind, Namespace: ns, Name: name})
}

// applyAll dry-runs, confirms and applies each finding's Kubernetes change, in rounds:
// a finding whose object another fix already changed waits for the next round, which
// starts from a fresh collection (its proposal then carries the new resourceVersion).
// The last collection tells whether each finding is gone.
func (o *fixOptions) applyAll(cmd *cobra.Command, found []checks.Finding) error {
	ap, err := o.applier()
	if err != nil {
		return &ExitError{Code: exitBroken, Err: err}
	}
	w, in := o.Out, bufio.NewReader(o.In)
	color := colorOn(o.color, o.Out)
	failed := 0
	var applied []checks.Finding
	handled := map[string]bool{}
	history := map[string][]string{} // each object's states before this run changed it
	var res checks.Result
	for round := 0; round < 4; round++ {
		touched := map[string]bool{}
		deferred := 0
		for _, f := range found {
			if handled[findingKey(f)] {
				continue
			}
			p, ok := kubeProposal(f)
			if ok && touched[targetKey(p)] {
				deferred++
				continue
			}
			handled[findingKey(f)] = true
			fmt.Fprintf(w, "%s %s — %s\n  %s\n", strings.ToUpper(string(f.Severity)), f.ID, subjectString(f.Subject), f.Message)
			if !ok {
				fmt.Fprintln(w, "  no Kubernetes change to apply; run by hand (kubectl bgpnet fix "+f.ID+"):")
				for _, q := range f.Fixes {
					for _, c := range q.Commands {
						fmt.Fprintln(w, "    "+c)
					}
				}
				fmt.Fprintln(w)
				continue
			}
			switch done, err := o.applyOne(cmd, ap, in, color, p, history); {
			case err != nil:
				failed++
				fmt.Fprintf(w, "  refused: %v\n\n", err)
			case done:
				touched[targetKey(p)] = true
				applied = append(applied, f)
			}
		}
		if len(applied) == 0 && deferred == 0 {
			return o.exit(failed)
		}
		stop := spin(o.ErrOut, "checking again…")
		s, err := o.diagnosisSnapshot(cmd.Context(), &o.sources)
		stop()
		if err != nil {
			return &ExitError{Code: exitBroken, Err: fmt.Errorf("collect again after applying: %w", err)}
		}
		res = checks.Run(s, checks.All())
		found = o.selectFindings(res)
		if deferred == 0 {
			break
		}
	}
	still := map[string]checks.Finding{}
	for _, g := range res.Findings {
		still[findingKey(g)] = g
	}
	for _, f := range applied {
		if _, ok := still[findingKey(f)]; ok {
			failed++
			fmt.Fprintf(w, "still there: %s %s — %s\n", f.ID, subjectString(f.Subject), f.Message)
		} else {
			fmt.Fprintf(w, "fixed: %s %s is gone\n", f.ID, subjectString(f.Subject))
		}
	}
	return o.exit(failed)
}

// applyOne dry-runs one proposal, shows the diff, asks, and applies it (done: applied).
// A change that would bring an object back to a state this run moved it from is
// refused: two fixes disagree about it, and a person has to decide.
func (o *fixOptions) applyOne(cmd *cobra.Command, ap fix.Applier, in *bufio.Reader, color bool, p fix.Proposal, history map[string][]string) (done bool, err error) {
	w := o.Out
	plan, err := ap.Plan(cmd.Context(), p)
	if err != nil {
		return false, err
	}
	for _, earlier := range history[targetKey(p)] {
		if plan.Changes() && plan.After == earlier {
			return false, fmt.Errorf("%s would undo the change this run just made to %s: two fixes disagree about it; decide by hand:\n%s", p.Title, plan.What, plan.Diff)
		}
	}
	if !plan.Changes() {
		fmt.Fprintf(w, "  %s is already as proposed: nothing to change\n\n", plan.What)
		return false, nil
	}
	fmt.Fprintf(w, "  %s (%s), server-side dry-run:\n%s\n", p.Title, plan.What, colorDiff(plan.Diff, color))
	if !o.yes {
		fmt.Fprintf(w, "Apply this change to %s? [y/N] ", plan.What)
		answer, _ := in.ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			fmt.Fprintf(w, "  skipped\n\n")
			return false, nil
		}
	}
	if err := ap.Apply(cmd.Context(), plan); err != nil {
		return false, err
	}
	history[targetKey(p)] = append(history[targetKey(p)], plan.Before)
	fmt.Fprintf(w, "  applied to %s (field manager %s)\n\n", plan.What, fix.FieldManager)
	return true, nil
}

func (o *fixOptions) exit(failed int) error {
	if failed == 0 {
		return nil
	}
	return &ExitError{Code: exitFindings, Err: fmt.Errorf("%d %s refused, failed or did not clear %s finding", failed, plural(failed, "change was", "changes were"), plural(failed, "its", "their"))}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
