package jsontree

import (
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// unescape decodes the body of a JSON string (the bytes between the quotes,
// already validated by the parser). If limit > 0 only the first limit bytes
// are read and cut reports whether some were left: drawing a line never
// needs more than a screenful of a megabyte-long string.
func unescape(b []byte, esc bool, limit int) (s string, cut bool) {
	if limit > 0 && len(b) > limit {
		b, cut = b[:limit], true
	}
	if !esc {
		return string(b), cut
	}
	var sb strings.Builder
	sb.Grow(len(b))
	for i := 0; i < len(b); {
		c := b[i]
		if c != '\\' {
			sb.WriteByte(c)
			i++
			continue
		}
		n, ok := escapeLen(b[i:])
		if !ok { // only possible where limit cut an escape in half
			return sb.String(), true
		}
		if b[i+1] != 'u' {
			sb.WriteByte(simpleEscape(b[i+1]))
			i += n
			continue
		}
		r := rune(hex4(b[i+2:]))
		i += n
		if utf16.IsSurrogate(r) {
			// A surrogate pair is two \u escapes; a lone half is U+FFFD.
			if m, ok := escapeLen(b[i:]); ok && m == 6 && b[i+1] == 'u' {
				if dec := utf16.DecodeRune(r, rune(hex4(b[i+2:]))); dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			} else {
				r = utf8.RuneError
			}
		}
		sb.WriteRune(r)
	}
	return sb.String(), cut
}

func simpleEscape(c byte) byte {
	switch c {
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return c // '"', '\\', '/'
}

func hex4(b []byte) int {
	return hexVal(b[0])<<12 | hexVal(b[1])<<8 | hexVal(b[2])<<4 | hexVal(b[3])
}

// isIdent reports whether jq accepts key after a bare dot (.key).
func isIdent(key string) bool {
	if key == "" {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9') {
			continue
		}
		return false
	}
	return true
}

// quoteJSON writes s as a JSON string literal that is also plain ASCII-safe
// text: every control character, C1 control and bidirectional override is
// escaped, so a copied path can never drive the terminal it is shown on.
func quoteJSON(sb *strings.Builder, s string) {
	sb.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '"' || r == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(byte(r))
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\t':
			sb.WriteString(`\t`)
		case r == '\r':
			sb.WriteString(`\r`)
		case r == utf8.RuneError && size == 1:
			sb.WriteString(`\ufffd`)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || isBidi(r) || r == 0x2028 || r == 0x2029:
			sb.WriteString(`\u`)
			h := strconv.FormatInt(int64(r), 16)
			sb.WriteString(strings.Repeat("0", 4-len(h)))
			sb.WriteString(h)
		default:
			sb.WriteRune(r)
		}
	}
	sb.WriteByte('"')
}

func isBidi(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

// compact copies a JSON text without the whitespace between tokens. The
// input is valid (the parser checked it), so only strings need care.
func compact(b []byte) string {
	var sb strings.Builder
	sb.Grow(len(b))
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inString:
			sb.WriteByte(c)
			if c == '\\' && i+1 < len(b) {
				i++
				sb.WriteByte(b[i])
			} else if c == '"' {
				inString = false
			}
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		default:
			sb.WriteByte(c)
			inString = c == '"'
		}
	}
	return sb.String()
}
