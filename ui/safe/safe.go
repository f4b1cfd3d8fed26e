// Package safe makes untrusted text (anything that came from case data)
// harmless to print on a terminal.
//
// What is removed: escape sequences (CSI, OSC, DCS and the like, whole),
// the other C0 and C1 control characters and DEL, and every Unicode format
// character (category Cf): bidirectional overrides and isolates, which can
// make text read backwards, and the invisible ones (zero-width space,
// joiners, word joiner, byte order mark, soft hyphen, tag characters),
// which can make two different names look alike and which terminals draw
// with widths the layout cannot predict. A joiner inside an emoji sequence
// goes too: the emoji then show one by one, still readable. Invalid UTF-8
// becomes U+FFFD.
package safe

import (
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line returns s as one line of inert text: line breaks and tabs become
// spaces.
func Line(s string) string { return clean(s, keepNothing) }

// Lines cleans each line of s as Line does and keeps the line breaks
// (a CRLF is one break): for multi-line text such as a comment, where a
// sequence left open on one line must not swallow the lines after it.
func Lines(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = Line(l)
	}
	return strings.Join(lines, "\n")
}

// Text is like Line but keeps newlines (and turns tabs into spaces), for
// multi-line values such as comments drawn in a fixed layout.
func Text(s string) string { return clean(s, keepNewlines) }

// TextTabs keeps newlines and tabs: for text that leaves docket whole, such
// as a value copied to the clipboard or a command's printed output, where a
// tab is content rather than layout.
func TextTabs(s string) string { return clean(s, keepNewlines|keepTabs) }

// Writer cleans everything written through it as TextTabs does. Each Write
// is cleaned on its own: a sequence split across two writes loses its
// introducer in the first and prints as plain characters in the second, so
// it still cannot act.
type Writer struct{ w io.Writer }

// NewWriter wraps w.
func NewWriter(w io.Writer) *Writer { return &Writer{w} }

// Write writes the cleaned p and reports all of p as consumed.
func (w *Writer) Write(p []byte) (int, error) {
	if _, err := io.WriteString(w.w, TextTabs(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// keep says which whitespace controls survive.
type keep uint8

const (
	keepNothing  keep = 0
	keepNewlines keep = 1 << iota
	keepTabs
)

func clean(s string, k keep) string {
	if isPlain(s, k) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == 0x1b: // ESC starts a sequence; drop all of it
			i += escapeLen(s[i:])
			continue
		case r == 0x9b: // C1 CSI
			i += size + csiBodyLen(s[i+size:])
			continue
		case r == 0x9d || r == 0x90 || r == 0x98 || r == 0x9e || r == 0x9f: // C1 OSC, DCS, SOS, PM, APC
			i += size + stringBodyLen(s[i+size:])
			continue
		case r == '\n' && k&keepNewlines != 0, r == '\t' && k&keepTabs != 0:
			b.WriteByte(byte(r))
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case isControl(r), IsFormat(r):
			// drop
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// isPlain is the fast path: printable ASCII, and whatever whitespace k keeps.
func isPlain(s string, k keep) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c < 0x7f || c == '\n' && k&keepNewlines != 0 || c == '\t' && k&keepTabs != 0 {
			continue
		}
		return false
	}
	return true
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// IsFormat reports a Unicode format character (category Cf): bidirectional
// controls, zero-width and other invisible characters, the soft hyphen.
func IsFormat(r rune) bool { return r >= 0xad && unicode.Is(unicode.Cf, r) }

// escapeLen is the length of the escape sequence at the start of s (s[0] is ESC).
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[':
		return 2 + csiBodyLen(s[2:])
	case ']', 'P', 'X', '^', '_': // OSC, DCS, SOS, PM, APC: run to a terminator
		return 2 + stringBodyLen(s[2:])
	default:
		// Two-character sequences, with intermediates (ESC ( B and the like).
		n := 1
		for n < len(s) && s[n] >= 0x20 && s[n] <= 0x2f {
			n++
		}
		if n < len(s) {
			n++
		}
		return n
	}
}

// csiBodyLen covers parameters and intermediates up to the final byte.
func csiBodyLen(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x40 && c <= 0x7e {
			return i + 1
		} else if c < 0x20 || c > 0x7e {
			return i // malformed: stop at the stray byte
		}
	}
	return len(s)
}

// stringBodyLen runs to BEL, ESC \ or the C1 ST (or the end of s).
func stringBodyLen(s string) int {
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == 0x07:
			return i + 1
		case s[i] == 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i
		case s[i] == 0xc2 && i+1 < len(s) && s[i+1] == 0x9c: // U+009C ST
			return i + 2
		}
	}
	return len(s)
}
