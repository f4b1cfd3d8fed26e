package model

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// Ids and names become parts of the store's keys (an object id and a case
// id joined by a NUL, a name upper-cased), are typed on the command line
// and are shown to people. So they are checked where they enter: bounded,
// valid UTF-8, nothing that separates keys, drives a terminal or hides in
// plain sight.

// MaxIDBytes bounds a case, object or comment id, and a case name.
const MaxIDBytes = 128

// Hidden reports whether r may not appear in an id or a name: control
// characters (C0, C1, DEL), format characters (bidirectional controls,
// zero-width spaces and joiners, soft hyphens, byte order marks) and line
// or paragraph separators.
func Hidden(r rune) bool {
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zl, unicode.Zp)
}

// ValidateID checks an id (a case's, an object's, a comment's): 1 to
// MaxIDBytes bytes of valid UTF-8 without spaces or hidden characters.
func ValidateID(what, id string) error {
	return checkIdent(what, id, false)
}

// ValidateCaseName checks a case name (KYC-42): like an id, but single
// spaces between words are allowed.
func ValidateCaseName(what, name string) error {
	return checkIdent(what, name, true)
}

func checkIdent(what, s string, spaces bool) error {
	switch {
	case s == "":
		return Invalidf("%s is empty", what)
	case len(s) > MaxIDBytes:
		return Invalidf("%s %q… is %d bytes long; at most %d are allowed", what, prefixRunes(s, 24), len(s), MaxIDBytes)
	case !utf8.ValidString(s):
		return Invalidf("%s %q is not valid UTF-8", what, s)
	}
	prevSpace := true // no leading space
	for _, r := range s {
		space := r == ' '
		switch {
		case Hidden(r):
			return Invalidf("%s %q holds the invisible or control character %U", what, s, r)
		case space && (!spaces || prevSpace), !space && unicode.IsSpace(r):
			return Invalidf("%s %q holds %s", what, s, describeSpace(r, spaces))
		}
		prevSpace = space
	}
	if prevSpace {
		return Invalidf("%s %q ends with a space", what, s)
	}
	return nil
}

func describeSpace(r rune, spaces bool) string {
	if r == ' ' && spaces {
		return "a space at its start or two in a row"
	}
	if r == ' ' {
		return "a space (ids may not)"
	}
	return fmt.Sprintf("the white space %U", r)
}

// prefixRunes is s cut to at most n runes, for a message.
func prefixRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
