// SPDX-License-Identifier: Apache-2.0

package safe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// JSON renders v as compact JSON that is also inert in a shell: every string is a JSON
// string whose `$`, backtick, `!` and non-printable runes are \u escapes, so bash reads
// each one as a double-quoted word with no expansion, and the JSON value is unchanged.
func JSON(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return inertJSON(b), nil
}

// inertJSON escapes, inside the strings of encoded JSON, what a shell would expand or
// a terminal would obey. `$`, backtick and `!` only occur inside JSON strings, and
// encoding/json already escapes C0 controls.
func inertJSON(b []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(b))
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '$' || c == '`' || c == '!':
			fmt.Fprintf(&out, `\u%04x`, c)
			i++
		case c < 0x80:
			out.WriteByte(c)
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if unsafeRune(r) {
				fmt.Fprintf(&out, `\u%04x`, r)
			} else {
				out.Write(b[i : i+size])
			}
			i += size
		}
	}
	return out.Bytes()
}

// YAML renders v as YAML (keys sorted, as sigs.k8s.io/yaml does) in which every string
// that is not a plain word is written as a double-quoted scalar with the same escapes
// as JSON, so the document reads the same to kubectl and stays inert in a shell.
func YAML(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var generic any
	if err := json.Unmarshal(b, &generic); err != nil {
		return nil, err
	}
	r := replacer{prefix: placeholderPrefix(b), quoted: map[string]string{}}
	y, err := yaml.Marshal(r.walk(generic))
	if err != nil {
		return nil, err
	}
	if len(r.quoted) == 0 {
		return y, nil
	}
	pairs := make([]string, 0, 2*len(r.quoted))
	for ph, q := range r.quoted {
		pairs = append(pairs, ph, q)
	}
	return []byte(strings.NewReplacer(pairs...).Replace(string(y))), nil
}

// replacer swaps every string that is not a plain word (keys included) for a
// placeholder the YAML encoder prints bare, and remembers its quoted form.
type replacer struct {
	prefix string
	quoted map[string]string
	n      int
}

func (r *replacer) str(s string) string {
	if plainScalar(s) {
		return s
	}
	r.n++
	ph := fmt.Sprintf("%s%06d", r.prefix, r.n)
	q, _ := json.Marshal(s)
	r.quoted[ph] = string(inertJSON(q))
	return ph
}

func (r *replacer) walk(v any) any {
	switch t := v.(type) {
	case string:
		return r.str(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[r.str(k)] = r.walk(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = r.walk(e)
		}
		return out
	}
	return v
}

// plainScalar reports a string YAML prints bare and reads back as the same string:
// harmless characters only, and a YAML parser must read it as that very string (not a
// number, a boolean, a null or a timestamp, in YAML 1.1 or 1.2).
func plainScalar(s string) bool {
	if s == "" || s[0] == '-' || s[0] == '.' || s[0] == ':' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !plain(s[i]) || s[i] == ',' || s[i] == ':' || s[i] == '%' || s[i] == '@' {
			return false
		}
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return false
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~":
		return false
	}
	var back any
	if err := yaml.Unmarshal([]byte(s), &back); err != nil {
		return false
	}
	str, ok := back.(string)
	return ok && str == s
}

// placeholderPrefix is a word that does not occur in the encoded data.
func placeholderPrefix(data []byte) string {
	for i := 0; ; i++ {
		p := fmt.Sprintf("bgpnetq%dx", i)
		if !bytes.Contains(data, []byte(p)) {
			return p
		}
	}
}
