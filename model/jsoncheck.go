package model

import (
	"fmt"
	"unicode/utf8"
)

// MaxJSONDepth bounds the nesting of any JSON docket keeps. Enrichment
// nests a handful of levels; a document nested thousands deep is an attack
// or a bug, and would make every later reader (the tree view, exports)
// recurse as deep.
const MaxJSONDepth = 512

// DefaultMaxCaseBytes is the default limit on what one case may hold (its
// document on import, its fields, an attached object, a comment).
const DefaultMaxCaseBytes = 16 << 20

// CheckJSON refuses what encoding/json lets through but docket must not
// keep: invalid UTF-8 (which it would silently replace) and nesting deeper
// than MaxJSONDepth. It names the byte where the problem is; validity as
// JSON is left to the decoder.
func CheckJSON(raw []byte) error { return CheckJSONDepth(raw, MaxJSONDepth) }

// CheckJSONDepth is CheckJSON with another nesting limit: a Persona
// document wraps each level of its fields in a {type, value} pair, so a
// document may nest twice as deep as what docket keeps from it.
func CheckJSONDepth(raw []byte, maxDepth int) error {
	if !utf8.Valid(raw) {
		i := 0
		for i < len(raw) {
			r, n := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			i += n
		}
		return Invalidf("invalid UTF-8 at byte %d", i)
	}
	depth, inString := 0, false
	for i := 0; i < len(raw); i++ {
		switch b := raw[i]; {
		case inString:
			switch b {
			case '\\':
				i++
			case '"':
				inString = false
			}
		case b == '"':
			inString = true
		case b == '{' || b == '[':
			if depth++; depth > maxDepth {
				return Invalidf("nested deeper than %d levels at byte %d", maxDepth, i)
			}
		case b == '}' || b == ']':
			depth--
		}
	}
	return nil
}

// SizeLimitf says a value is over the per-case size limit.
func SizeLimitf(what string, size, limit int) error {
	return refuse(ErrTooLarge, "%s is %s, over the limit of %s per case (--max-case-mb)", what, ByteSize(int64(size)), ByteSize(int64(limit)))
}

// ByteSize writes a size for people: 512 bytes, 3.2 KB, 100.0 MB, 9.5 GB.
func ByteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
