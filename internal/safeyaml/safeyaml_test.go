// SPDX-License-Identifier: Apache-2.0

package safeyaml

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// laughs is a "billion laughs" of about size bytes: each level lists its predecessor
// width times, as many levels as fit.
func laughs(size, width int) string {
	var b strings.Builder
	b.WriteString("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; b.Len() < size; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [", i, i)
		for j := range width {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// mergeBomb merges each level's predecessor into it width times: the merged map stays
// small, but a decoder expands every alias.
func mergeBomb(levels, width int) string {
	var b strings.Builder
	b.WriteString("m0: &m0 {a: 1, b: 2, c: 3}\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "m%d: &m%d\n  <<: [", i, i)
		for j := range width {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*m%d", i-1)
		}
		fmt.Fprintf(&b, "]\n  k%d: v\n", i)
	}
	return b.String()
}

func TestToJSON(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // JSON, when accepted
		err      string // error substring, when refused
	}{
		{name: "json", in: `{"a": [1, 2]}`, want: `{"a": [1, 2]}`},
		{name: "yaml", in: "a: [1, 2]\nb: x&y\n", want: `{"a":[1,2],"b":"x\u0026y"}`},
		{name: "small anchors", in: "d: &d {kind: frr}\nr:\n- <<: *d\n  name: a\n- <<: *d\n  name: b\n",
			want: `{"d":{"kind":"frr"},"r":[{"kind":"frr","name":"a"},{"kind":"frr","name":"b"}]}`},
		{name: "small laughs", in: laughs(1, 10), want: `{"l0":["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]}`},
		{name: "billion laughs", in: laughs(1<<10, 10), err: "expand it beyond its size"},
		{name: "1 MB of laughs", in: laughs(1<<20, 100), err: "expand it beyond its size"},
		{name: "merge keys", in: mergeBomb(30, 4), err: "expand it beyond its size"},
		{name: "wide alias", in: "a: &a " + strings.Repeat("x", 100<<10) + "\nb: [*a, *a, *a]\n", err: "expand it beyond its size"},
		{name: "second document", in: "a: 1\n---\n" + laughs(1<<10, 10), err: "expand it beyond its size"},
		{name: "self alias", in: "a: &a [1, *a]\n", err: "contains itself"},
		{name: "broken", in: "a: &a [1\n", err: "not valid YAML"},
		{name: "broken without anchor", in: "a: [1\n", err: "neither JSON nor YAML"},
		{name: "flow anchor", in: "a: [&a [x, x, x, x, x, x, x, x], " + strings.Repeat("*a, ", 40000) + "*a]\n", err: "expand it beyond its size"},
		{name: "anchor after json key", in: `{"a":&a [x, x, x, x, x, x, x, x], "b": [` + strings.Repeat("*a, ", 40000) + "*a]}\n", err: "expand it beyond its size"},
		{name: "anchor first", in: "&a [x, x, x, x, x, x, x, x, x, x, x, x, " + strings.Repeat("*a, ", 40000) + "*a]\n", err: "contains itself"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			got, err := ToJSON("input.yaml", []byte(tt.in))
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 200<<20 || elapsed > 5*time.Second {
				t.Errorf("took %s and allocated %d MiB for %d bytes of input", elapsed, alloc>>20, len(tt.in))
			}
			switch {
			case tt.err != "":
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), "input.yaml: ") {
					t.Errorf("error %v, want one naming input.yaml with %q", err, tt.err)
				}
				if strings.Contains(tt.err, "expand") && !errors.Is(err, ErrExpands) {
					t.Errorf("error %v is not ErrExpands", err)
				}
			case err != nil:
				t.Errorf("refused: %v", err)
			case string(got) != tt.want:
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestUnmarshalStrict(t *testing.T) {
	var v struct {
		A int `json:"a"`
	}
	if err := UnmarshalStrict("r.yaml", []byte("a: 1\n"), &v); err != nil || v.A != 1 {
		t.Errorf("a: 1 gives %+v, %v", v, err)
	}
	for _, in := range []string{"a: 1\nb: 2\n", "a: 1\na: 2\n", laughs(4<<10, 10)} {
		if err := UnmarshalStrict("r.yaml", []byte(in), &v); err == nil || !strings.HasPrefix(err.Error(), "r.yaml: ") {
			t.Errorf("%.20q: error %v, want one naming r.yaml", in, err)
		}
	}
}

func TestMayAnchor(t *testing.T) {
	for in, want := range map[string]bool{
		"a: b":                         false,
		"url: http://x/?a=1&b=2":       false,
		"q: x&y, p: 5&6, r: a_&b":      false,
		"a: &x 1":                      true,
		"&x [1]":                       true,
		"- [&x 1]":                     true,
		`{"a":&x 1}`:                   true,
		"a: 1\n--- &x\n":               true,
		"a: |\n  text & more\n":        true, // parsed to be sure
		"a: [1,&x 2]":                  true,
		"url: x&y\nb: {c: 1, d: &z 2}": true,
	} {
		if got := mayAnchor([]byte(in)); got != want {
			t.Errorf("mayAnchor(%q) = %v, want %v", in, got, want)
		}
	}
}
