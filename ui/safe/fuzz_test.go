package safe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSanitize checks the promise of Line and Text on any input: the result
// is valid UTF-8 with no escape sequence, no C0 or C1 control character
// (Text keeps newlines, nothing else) and no bidirectional control, and
// cleaning it again changes nothing.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		"", "Jane Doe", "Zoë Ångström 李", "tab\there\nnext\rline", "bell\x07nul\x00del\x7f",
		"\x1b]0;x\x07\x1b[2JEvil", "a\x1b[31mred\x1b[0m", "osc st \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
		"c1 \u009b31mred", "c1 osc \u009d0;title\u009cend", "bidi \u202egnp.exe", "bad \xff utf8",
		"charset \x1b(Bok", "trailing esc \x1b", "\x1b\x1b[31m", "\x1b[", "\x1b]", "\x1bP1$r\x1b\\",
		"\x1b[\xc2\x9b1m", "\xc2\x9b\xc2\x9b", "\x1b\xc2\x9b31m", "\x1b\xe2\x80\xae", "\xe2\x80", "\u2028\u2029\u0085",
		"\x1b[?1049h\x1b[?25l", "\x1b_Gf=100;AAAA\x1b\\", "\u200f\u2066x\u2069", "\r\n\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range []struct {
			name     string
			clean    func(string) string
			newlines bool
		}{{"Line", Line, false}, {"Text", Text, true}} {
			out := c.clean(s)
			if !utf8.ValidString(out) {
				t.Fatalf("%s(%q) = %q: invalid UTF-8", c.name, s, out)
			}
			for _, r := range out {
				if r == '\n' && c.newlines {
					continue
				}
				if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || isBidiControl(r) {
					t.Fatalf("%s(%q) = %q: holds %U", c.name, s, out, r)
				}
			}
			if again := c.clean(out); again != out {
				t.Fatalf("%s is not idempotent on %q: %q, then %q", c.name, s, out, again)
			}
			if c.newlines && strings.ReplaceAll(out, "\n", " ") != Line(s) {
				t.Fatalf("Text(%q) = %q and Line = %q differ by more than newlines", s, out, Line(s))
			}
		}
	})
}
