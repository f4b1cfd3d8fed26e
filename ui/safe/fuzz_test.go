package safe

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzSanitize checks the promise of Line, Text and TextTabs on any input:
// the result is valid UTF-8 with no escape sequence, no C0 or C1 control
// character (Text keeps newlines, TextTabs newlines and tabs, nothing else)
// and no format character (bidirectional controls, zero-width and other
// invisible characters), and cleaning it again changes nothing.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		"", "Jane Doe", "Zoë Ångström 李", "tab\there\nnext\rline", "bell\x07nul\x00del\x7f",
		"\x1b]0;x\x07\x1b[2JEvil", "a\x1b[31mred\x1b[0m", "osc st \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
		"c1 \u009b31mred", "c1 osc \u009d0;title\u009cend", "bidi \u202egnp.exe", "bad \xff utf8",
		"charset \x1b(Bok", "trailing esc \x1b", "\x1b\x1b[31m", "\x1b[", "\x1b]", "\x1bP1$r\x1b\\",
		"\x1b[\xc2\x9b1m", "\xc2\x9b\xc2\x9b", "\x1b\xc2\x9b31m", "\x1b\xe2\x80\xae", "\xe2\x80", "\u2028\u2029\u0085",
		"\x1b[?1049h\x1b[?25l", "\x1b_Gf=100;AAAA\x1b\\", "\u200f\u2066x\u2069", "\r\n\r\n",
		"ad\u200bmin", "\ufeffbom\u00adsoft\u2060wj", "tag \U000e0041\U000e007f", "\x1b[201~\nrm -rf ~\n", "a\tb\n\tc",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range []struct {
			name           string
			clean          func(string) string
			newlines, tabs bool
		}{{"Line", Line, false, false}, {"Text", Text, true, false}, {"TextTabs", TextTabs, true, true}} {
			out := c.clean(s)
			if !utf8.ValidString(out) {
				t.Fatalf("%s(%q) = %q: invalid UTF-8", c.name, s, out)
			}
			for _, r := range out {
				if r == '\n' && c.newlines || r == '\t' && c.tabs {
					continue
				}
				if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || unicode.Is(unicode.Cf, r) {
					t.Fatalf("%s(%q) = %q: holds %U", c.name, s, out, r)
				}
			}
			if again := c.clean(out); again != out {
				t.Fatalf("%s is not idempotent on %q: %q, then %q", c.name, s, out, again)
			}
			if strings.NewReplacer("\n", " ", "\t", " ").Replace(out) != Line(s) {
				t.Fatalf("%s(%q) = %q and Line = %q differ by more than newlines and tabs", c.name, s, out, Line(s))
			}
		}
	})
}
