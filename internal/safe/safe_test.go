// SPDX-License-Identifier: Apache-2.0

package safe

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// hostile are strings a crafted snapshot or a hostile cluster can hold.
var hostile = []string{
	"", "plain-name", "k;touch pwned;#", "$(touch pwned)", "`touch pwned`", "a'b", `a"b`, `a\b`,
	"line1\nrm -rf /tmp/x", "cr\rover", "\x1b[2J\x1b]0;title\x07", "c1\u009b31m", "bidi\u202egnp.exe",
	"bad\xffutf8", "tab\there", "  spaces  ", "-n", "--all", "*", "~root", "a b", "!event", "\x00nul", "€uro",
	"line sep\u2028x", "${HOME}", "$'x'", "EOF", "\nEOF\n", "0x1F", "0o17", "1_000", "2026-12-03", "12:30", ".inf", "NO", "0755",
}

func bashArgs(t *testing.T, line string) []string {
	t.Helper()
	out, err := exec.Command("bash", "--norc", "--noprofile", "-c", `printf '%s\0' `+line).Output()
	if err != nil {
		t.Fatalf("bash -c %q: %v", line, err)
	}
	parts := strings.Split(string(out), "\x00")
	return parts[:len(parts)-1]
}

func TestQuoteRoundTripsThroughBash(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("precondition: bash is not installed")
	}
	for _, s := range hostile {
		if strings.ContainsRune(s, 0) {
			continue // no shell argument can hold NUL
		}
		q := Quote(s)
		if !printable(q) {
			t.Errorf("Quote(%q) = %q is not printable", s, q)
		}
		got := bashArgs(t, q+" "+Command("x", s))
		if want := []string{s, "x", s}; !reflect.DeepEqual(got, want) {
			t.Errorf("Quote(%q) = %s: bash read %q", s, q, got)
		}
	}
}

func TestQuoteLeavesPlainWordsAlone(t *testing.T) {
	for _, s := range []string{"kubectl", "node/nuc-1", "bgp-enabled=true", "10.0.0.1/32", "a_b.c:d,e@f%g+h"} {
		if Quote(s) != s {
			t.Errorf("Quote(%q) = %q", s, Quote(s))
		}
	}
	if Quote("a b") != "'a b'" || Quote("it's") != `'it'\''s'` {
		t.Errorf("single quoting: %s %s", Quote("a b"), Quote("it's"))
	}
}

func TestText(t *testing.T) {
	cases := map[string]string{
		"ok text":          "ok text",
		"a\nb":             `a\nb`,
		"a\r\nb":           `a\r\nb`,
		"\x1b[31mred":      `\x1b[31mred`,
		"c1\u009b":         `c1\u009b`,
		"bidi\u202e":       `bidi\u202e`,
		"bad\xff":          `bad\xff`,
		"tab\t":            `tab\t`,
		"unicode ✓ €":      "unicode ✓ €",
		"\u2028":           `\u2028`,
		"nul\x00del\x7f":   `nul\x00del\x7f`,
		"backslash \\n ok": "backslash \\n ok",
	}
	for in, want := range cases {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestComment(t *testing.T) {
	got := Comment("first\nsecond \x1b[2J\nthird")
	if got != "# first\n# second \\x1b[2J\n# third" {
		t.Errorf("Comment = %q", got)
	}
}

// Both data forms read back as the original value, are printable, and run nothing
// (bash reads them as plain words) when pasted into a shell.
func TestDataIsInert(t *testing.T) {
	v := map[string]any{"metadata": map[string]any{"name": "n1", "labels": map[string]any{}}, "list": []any{}}
	labels := v["metadata"].(map[string]any)["labels"].(map[string]any)
	for i, s := range hostile {
		if !utf8.ValidString(s) {
			continue // JSON cannot carry invalid UTF-8; the API server refuses it too
		}
		labels[s+"k"] = s
		v["list"] = append(v["list"].([]any), s, i)
	}
	j, err := JSON(v)
	if err != nil {
		t.Fatal(err)
	}
	y, err := YAML(v)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(v)
	for name, doc := range map[string][]byte{"json": j, "yaml": y} {
		if !printable(strings.ReplaceAll(string(doc), "\n", "")) {
			t.Errorf("%s is not printable:\n%s", name, doc)
		}
		var back any
		if err := yaml.Unmarshal(doc, &back); err != nil {
			t.Fatalf("%s does not parse: %v\n%s", name, err, doc)
		}
		if got, _ := json.Marshal(back); !bytes.Equal(got, want) {
			t.Errorf("%s changed the value:\n%s\n%s", name, got, want)
		}
		if bytes.Contains(doc, []byte("$(")) || bytes.Contains(doc, []byte("`")) {
			t.Errorf("%s keeps an expansion:\n%s", name, doc)
		}
	}
}

func FuzzQuote(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, txt := Quote(s), Text(s)
		if !printable(q) || !printable(txt) {
			t.Fatalf("not printable: %q %q", q, txt)
		}
		if strings.ContainsAny(txt, "\n\r") {
			t.Fatalf("Text kept a line break: %q", txt)
		}
		if printable(s) && txt != s {
			t.Fatalf("Text changed printable text: %q", txt)
		}
	})
}

func TestStyled(t *testing.T) {
	cases := map[string]string{
		"plain\nlines":                   "plain\nlines",
		"\x1b[1;38;5;2mbold\x1b[0m":      "\x1b[1;38;5;2mbold\x1b[0m",
		"x\x1b[2Jy":                      `x\x1b[2Jy`,
		"\x1b]0;title\x07":               `\x1b]0;title\x07`,
		"c1\u009b2J":                     `c1\u009b2J`,
		"cr\rback":                       `cr\rback`,
		"\x1b[38;2;10;20;30mrgb\x1b[m ✓": "\x1b[38;2;10;20;30mrgb\x1b[m ✓",
	}
	for in, want := range cases {
		if got := Styled(in); got != want {
			t.Errorf("Styled(%q) = %q, want %q", in, got, want)
		}
	}
}
