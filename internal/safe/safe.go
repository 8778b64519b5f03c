// SPDX-License-Identifier: Apache-2.0

// Package safe is the one place where values read from a cluster or an input file are
// made safe to print: Quote and Command put them into shell commands as exactly one
// argument each, Text escapes free text for a terminal, a table or a `#` comment, and
// JSON and YAML render data that stays inert when pasted into a shell.
//
// Everything these functions return is printable: no newline inside a value, no
// carriage return, no terminal control sequence (C0, DEL, C1), no bidirectional
// override and no invalid UTF-8.
package safe

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// plain reports whether b is a byte that needs no quoting in a POSIX shell.
func plain(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("-_./:=,@%+", b) >= 0
}

// Quote renders s as one POSIX shell word: as is when it holds only harmless
// characters, in single quotes when it is printable, and as a bash/zsh ANSI-C string
// ($'…') when it holds control characters, bidi controls or invalid UTF-8, so that the
// printed word is itself printable and the shell still receives exactly s.
func Quote(s string) string {
	if s == "" {
		return "''"
	}
	clean := true
	for i := 0; i < len(s); i++ {
		if !plain(s[i]) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	if printable(s) {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	var b strings.Builder
	b.WriteString("$'")
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\'' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f, unsafeRune(r):
			for _, c := range []byte(s[i : i+size]) { // bytes: \u depends on the shell's locale
				fmt.Fprintf(&b, `\x%02x`, c)
			}
		default:
			b.WriteRune(r)
		}
		i += size
	}
	b.WriteString("'")
	return b.String()
}

// Command renders argv as one shell command line, every word quoted by Quote.
func Command(argv ...string) string {
	words := make([]string, len(argv))
	for i, a := range argv {
		words[i] = Quote(a)
	}
	return strings.Join(words, " ")
}

// unsafeRune reports runes other than C0 and DEL that must never reach a terminal
// raw: C1 controls (a single-byte CSI in some terminals), line and paragraph
// separators, and the bidirectional controls that reorder what the user sees.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x2028 || r == 0x2029:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e || r == 0x200f, r == 0x061c:
		return true
	case r == 0xfeff:
		return true
	}
	return false
}

// printable reports whether s is valid UTF-8 without control or bidi characters.
func printable(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		if c < 0x80 {
			return false
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 || unsafeRune(r) {
			return false
		}
		i += size
	}
	return true
}

// Text escapes free text (a condition message, a name read from a file, a router's
// stderr) for one line of a terminal, a table cell or a comment: newlines, carriage
// returns, tabs, other control characters, bidi controls and invalid bytes become
// visible escapes (\n, \x1b, \u202e), so the line cannot end early and nothing in it
// can move the cursor or repaint the screen. Printable text is returned unchanged.
func Text(s string) string {
	if printable(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// Lines escapes each line of a multi-line text of our own (a configuration block, an
// explanation) with Text and joins them again with newlines.
func Lines(s string) string {
	if printable(strings.ReplaceAll(s, "\n", "")) {
		return s
	}
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		ls[i] = Text(l)
	}
	return strings.Join(ls, "\n")
}

// Comment renders text as `# ` comment lines: each line of text (and each line a
// value inside it would have started) stays behind its own `#`.
func Comment(text string) string {
	ls := strings.Split(text, "\n")
	for i, l := range ls {
		ls[i] = strings.TrimRight("# "+Text(l), " ")
	}
	return strings.Join(ls, "\n")
}

// BirdSymbol turns a name into a BIRD symbol (a protocol or filter name): letters,
// digits and underscores, starting with a letter.
func BirdSymbol(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) == 0 || b[0] >= '0' && b[0] <= '9' || b[0] == '_' {
		return "n" + string(b)
	}
	return string(b)
}

// BirdString renders text as a BIRD string literal.
func BirdString(text string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(Text(text)) + `"`
}

// Row renders the cells of one table row, each through Text (so a cell can neither
// end the row nor add a column), joined by tabs for a tabwriter.
func Row(cells []string) string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = Text(c)
	}
	return strings.Join(out, "\t")
}

// Styled makes a rendered frame safe for a terminal: it keeps newlines and the SGR
// sequences (ESC [ … m) that styles emit, and escapes as Text does every other control
// character or sequence, so text that slipped into a frame unescaped can at most
// change a colour, never move the cursor, clear the screen or set a title.
func Styled(s string) string {
	if !strings.Contains(s, "\x1b") && printable(strings.ReplaceAll(s, "\n", "")) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		if s[i] == '\n' {
			b.WriteByte('\n')
			i++
			continue
		}
		if n := sgrLen(s[i:]); n > 0 {
			b.WriteString(s[i : i+n])
			i += n
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 || r < 0x20 || r == 0x7f || unsafeRune(r) {
			b.WriteString(Text(s[i : i+size]))
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// sgrLen is the length of the SGR sequence at the start of s, or 0.
func sgrLen(s string) int {
	if len(s) < 3 || s[0] != 0x1b || s[1] != '[' {
		return 0
	}
	for i := 2; i < len(s) && i < 64; i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9' || c == ';' || c == ':':
		case c == 'm':
			return i + 1
		default:
			return 0
		}
	}
	return 0
}
