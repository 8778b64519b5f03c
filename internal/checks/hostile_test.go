// SPDX-License-Identifier: Apache-2.0

package checks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bgpnet/kubectl-bgpnet/internal/checks"
	"github.com/bgpnet/kubectl-bgpnet/internal/cli"
	"github.com/bgpnet/kubectl-bgpnet/internal/model"
	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// payload is appended to every name, label, annotation and message of a snapshot: shell
// quotes and separators, command substitutions that would run the `pwned` canary, a
// newline that would end a comment, a carriage return, terminal sequences (clear
// screen, set title, C1 CSI), a bidi override and a byte that is not UTF-8.
const payload = "'\";pwned one;#$(pwned two)`pwned three`\n pwned four\r\x1b[2J\x1b]0;t\x07\u009b31m\u202e\xff!x"

// benign is the harmless marker appended instead, to learn which arguments to expect;
// as long as the payload, so length limits and edit distances treat both alike.
var benign = "zq" + strings.Repeat("x", utf8.RuneCountInString(strings.ToValidUTF8(payload, "\ufffd"))-2)

// nameFields hold names: every string equal to one of their values is rewritten, so
// references between objects still match after the rewrite.
var nameFields = map[string]bool{"Name": true, "Namespace": true, "Node": true, "Pod": true, "Instance": true,
	"Context": true, "AuthSecretRef": true, "Container": true, "Key": true}

// labelMaps hold label-like keys and values, rewritten the same way.
// (Selectors stay as they are: an invalid one is refused before any use, so the same
// finding would not be reached with and without the payload.)
var labelMaps = map[string]bool{"Labels": true, "Annotations": true}

// textFields hold free text: always rewritten.
var textFields = map[string]bool{"Message": true, "Reason": true, "LastError": true, "Description": true}

// notNames are values that mean something besides a name and stay as they are.
func notName(s string) bool {
	if s == "" || len(s) < 2 {
		return true
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	if _, err := netip.ParsePrefix(s); err == nil {
		return true
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return true
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "ok", "established", "active", "idle", "ipv4", "ipv6", "unicast",
		"tcp", "udp", "cluster", "local", "service", "podcidr", "loadbalancerip":
		return true
	}
	return false
}

// rewrite walks v and replaces strings: names (and the same strings anywhere else)
// get suffix, free text gets suffix.
type rewriter struct {
	names  map[string]bool
	suffix string
}

func (r *rewriter) collect(v reflect.Value, field string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			r.collect(v.Elem(), field)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() && v.Type() != sourceType {
				r.collect(v.Field(i), v.Type().Field(i).Name)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			r.collect(v.Index(i), field)
		}
	case reflect.Map:
		if labelMaps[field] && v.Type().Key().Kind() == reflect.String && v.Type().Elem().Kind() == reflect.String {
			for _, k := range v.MapKeys() {
				r.add(k.String())
				r.add(v.MapIndex(k).String())
			}
		}
	case reflect.String:
		if nameFields[field] {
			r.add(v.String())
		}
	}
}

func (r *rewriter) add(s string) {
	if !notName(s) {
		r.names[s] = true
	}
}

func (r *rewriter) str(s, field string) string {
	if r.names[s] {
		return s + r.suffix
	}
	if textFields[field] && s != "" {
		return s + r.suffix
	}
	return s
}

func (r *rewriter) apply(v reflect.Value, field string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			r.apply(v.Elem(), field)
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if f.IsExported() && (v.Type() != sourceType || f.Name == "Message") { // source names are ours
				r.apply(v.Field(i), f.Name)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			r.apply(v.Index(i), field)
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			r.apply(e, field)
			nk := k
			if k.Kind() == reflect.String {
				nk = reflect.ValueOf(r.str(k.String(), "")).Convert(k.Type())
			}
			out.SetMapIndex(nk, e)
		}
		if v.CanSet() {
			v.Set(out)
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(r.str(v.String(), field))
		}
	}
}

var sourceType = reflect.TypeOf(model.SourceStatus{})

// rewritten returns a deep copy of s (through JSON) with suffix added.
func rewritten(t *testing.T, s *model.Snapshot, suffix string) *model.Snapshot {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var c model.Snapshot
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	r := &rewriter{names: map[string]bool{}, suffix: suffix}
	r.collect(reflect.ValueOf(&c), "")
	r.apply(reflect.ValueOf(&c), "")
	return &c
}

// stubs is a PATH holding only recording programs: each appends its name and
// arguments, NUL-separated and closed by a \x01 field, to $LOG.
func stubs(t *testing.T, programs ...string) string {
	t.Helper()
	dir := t.TempDir()
	script := "#!/bin/bash\n{ printf '%s\\0' \"${0##*/}\" \"$@\"; printf '\\001\\0'; } >> \"$LOG\"\n"
	for _, p := range programs {
		if err := os.WriteFile(filepath.Join(dir, p), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runBash pastes script into bash (sourced, as a user pasting it would run it: no
// stdin left for the script itself) and returns the recorded invocations, unknown
// commands included as "not-found:NAME".
func runBash(t *testing.T, bin, script string) [][]string {
	t.Helper()
	dir := t.TempDir()
	file, log := filepath.Join(dir, "pasted.sh"), filepath.Join(dir, "log")
	if err := os.WriteFile(file, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	wrapper := `command_not_found_handle() { { printf '%s\0' "not-found:$1"; printf '\001\0'; } >> "$LOG"; return 127; }
cd "$WORK" && source "$SCRIPT"`
	cmd := exec.Command("/bin/bash", "--norc", "--noprofile", "-c", wrapper)
	cmd.Env = []string{"PATH=" + bin, "LOG=" + log, "SCRIPT=" + file, "WORK=" + t.TempDir(), "HOME=/nonexistent"}
	cmd.Stdin = nil
	_ = cmd.Run() // the exit status is the last command's; what ran is in the log
	b, err := os.ReadFile(log)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var calls [][]string
	var cur []string
	for _, f := range strings.Split(string(b), "\x00") {
		switch f {
		case "\x01":
			calls = append(calls, cur)
			cur = nil
		case "":
		default:
			cur = append(cur, f)
		}
	}
	return calls
}

// substitute replaces old with new in an argument; a JSON argument (a patch) is
// compared by value, so it is decoded, changed and encoded again.
func substitute(arg, old, new string) string {
	var v any
	if (strings.HasPrefix(arg, "{") || strings.HasPrefix(arg, "[")) && json.Unmarshal([]byte(arg), &v) == nil {
		b, _ := json.Marshal(replaceStrings(v, old, new))
		return string(b)
	}
	if old == "" {
		return arg
	}
	return strings.ReplaceAll(arg, old, new)
}

func replaceStrings(v any, old, new string) any {
	switch t := v.(type) {
	case string:
		if old == "" {
			return t
		}
		return strings.ReplaceAll(t, old, new)
	case map[string]any:
		out := map[string]any{}
		for k, e := range t {
			out[replaceStrings(k, old, new).(string)] = replaceStrings(e, old, new)
		}
		return out
	case []any:
		for i := range t {
			t[i] = replaceStrings(t[i], old, new)
		}
	}
	return v
}

// programs drops the commands bash did not find.
func programs(calls [][]string) [][]string {
	var out [][]string
	for _, c := range calls {
		if !strings.HasPrefix(c[0], "not-found:") {
			out = append(out, c)
		}
	}
	return out
}

// sorted orders invocations by their arguments.
func sorted(calls [][]string) [][]string {
	out := slices.Clone(calls)
	slices.SortFunc(out, func(a, b []string) int { return slices.Compare(a, b) })
	return out
}

func runCLI(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cli.Execute(context.Background(), genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: &out, ErrOut: &errOut}, args)
	return code, out.String() + errOut.String()
}

func writeSnapshot(t *testing.T, s *model.Snapshot) string {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "snapshot.json")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// terminalUnsafe reports the first byte sequence no text output may hold raw.
func terminalUnsafe(out string) string {
	if !utf8.ValidString(out) {
		return "invalid UTF-8"
	}
	for _, r := range out {
		switch {
		case r == '\n':
		case r < 0x20 || r == 0x7f:
			return strconv.QuoteRune(r)
		case r >= 0x80 && r <= 0x9f, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return strconv.QuoteRune(r)
		}
	}
	if i := strings.Index(out, "\n pwned four"); i >= 0 {
		return "a value's newline started a line: " + strconv.Quote(out[max(i-40, 0):i+12])
	}
	return ""
}

// TestHostileValuesNeverRun puts the payload into every name, label, annotation and
// message of every catalogue case, prints `fix --all` in every -o form and pastes it
// into bash with a PATH of recording stubs: the canary never runs, and every program
// that runs receives exactly the arguments it receives when the names are harmless
// (with the payload in place of the harmless marker). The text reports of the same
// snapshots hold no raw control character and no line started by a value.
func TestHostileValuesNeverRun(t *testing.T) {
	if _, err := os.Stat("/bin/bash"); err != nil {
		t.Skip("precondition: /bin/bash is not installed")
	}
	bin := stubs(t, "kubectl", "helm", "vtysh", "birdc", "iptables", "ip6tables", "iptables-save", "iptables-restore",
		"ip6tables-save", "ip6tables-restore", "systemctl", "grep", "tail", "pwned")
	// the payload as a snapshot file carries it: JSON has no invalid UTF-8
	var loaded string
	b, _ := json.Marshal(payload)
	_ = json.Unmarshal(b, &loaded)
	seen := map[string]bool{}
	routerRuns := 0 // router commands run by pasting -o router: the form is exercised
	for _, tc := range checks.CaseSnapshots() {
		if seen[tc.ID+tc.Name] {
			continue
		}
		seen[tc.ID+tc.Name] = true
		t.Run(tc.ID+"/"+tc.Name, func(t *testing.T) {
			safeFile := writeSnapshot(t, rewritten(t, tc.S, benign))
			evilFile := writeSnapshot(t, rewritten(t, tc.S, payload))
			for _, form := range []string{"commands", "yaml", "patch", "helm", "router"} {
				_, safeOut := runCLI(t, "fix", "--all", "-o", form, "--from", safeFile)
				code, evilOut := runCLI(t, "fix", "--all", "-o", form, "--from", evilFile)
				if code != 0 {
					t.Fatalf("fix -o %s: exit %d\n%s", form, code, evilOut)
				}
				if bad := terminalUnsafe(evilOut); bad != "" {
					t.Errorf("fix -o %s prints %s", form, bad)
				}
				want := runBash(t, bin, safeOut)
				got := runBash(t, bin, evilOut)
				for _, c := range got {
					if c[0] == "pwned" {
						t.Fatalf("fix -o %s: pasting it ran the canary %q\n%s", form, c, evilOut)
					}
				}
				if form == "commands" || form == "router" {
					// a script: every line is a comment or a command, and the stream that
					// runs here never runs what belongs on the router
					for _, c := range got {
						if strings.HasPrefix(c[0], "not-found:") {
							t.Errorf("fix -o %s: pasting it tried to run %q", form, c)
						}
						router := slices.Contains([]string{"vtysh", "birdc", "iptables", "ip6tables"}, c[0])
						if form == "commands" && router {
							t.Errorf("fix -o commands runs a router command here: %q", c)
						}
						if form == "router" && router {
							routerRuns++
						}
					}
				} else {
					// the other forms are data; the YAML keys bash tries to run are no program
					got, want = programs(got), programs(want)
				}
				for _, c := range want {
					for i := range c {
						c[i] = substitute(c[i], benign, loaded)
					}
				}
				for _, c := range got {
					for i := range c {
						c[i] = substitute(c[i], "", "")
					}
				}
				// a pipeline's programs start together: compare what ran, not in which order
				if !reflect.DeepEqual(sorted(got), sorted(want)) {
					t.Errorf("fix -o %s: pasting it ran\n%q\nwant\n%q\noutput:\n%s", form, got, want, evilOut)
				}
			}
			for _, args := range [][]string{{"doctor", "--fail-on", "never"}, {"doctor", "-o", "markdown", "--fail-on", "never"},
				{"snapshot"}, {"nodes"}, {"peers"}, {"pools"}, {"routes"}} {
				_, out := runCLI(t, append(args, "--from", evilFile)...)
				if bad := terminalUnsafe(out); bad != "" {
					t.Errorf("%s prints %s:\n%s", strings.Join(args, " "), bad, out)
				}
			}
		})
	}
	if routerRuns < 5 {
		t.Errorf("pasting -o router ran only %d router commands", routerRuns)
	}
}

// The rewrite must reach the values the fixes quote, or the test above proves nothing.
func TestHostileRewriteReachesFixes(t *testing.T) {
	quoted := 0
	for _, tc := range checks.CaseSnapshots() {
		res := checks.Run(rewritten(t, tc.S, payload), checks.All())
		for _, f := range res.Findings {
			for _, p := range f.Fixes {
				if slices.ContainsFunc(p.Commands, func(c string) bool { return strings.Contains(c, "pwned two") }) {
					quoted++
				}
			}
		}
	}
	if quoted < 20 {
		t.Errorf("only %d fixes quote a hostile value", quoted)
	}
}
