package persona

import (
	"encoding/json"
	"fmt"
	"sync"
	"unicode/utf8"
)

// A tree is a JSON document parsed once into a flat list of values in
// document order, each knowing its byte range in the source. Decoding the
// document level by level with encoding/json re-validated and re-scanned
// every nested level; with the tree every byte is read once, and raw JSON
// (object attributes, numbers as written) is sliced straight from the source.
type tree struct {
	src   []byte
	vals  []val
	base  string // the path of the root: "" for a document, "fields" for a fields hash
	depth int    // how deep objects and arrays nest
}

// val is one JSON value. An object's members follow it as key, value, key,
// value...; an array's elements follow it; `next` skips the whole subtree.
type val struct {
	kind       byte // the first byte: '{', '[', '"', 't', 'f', 'n', or '0' for any number
	flags      byte // for strings: escaped and nonASCII
	start, end int  // the value's bytes are src[start:end]
	next       int  // the index just past this value and everything inside it
}

// String flags: a string with neither reads the same raw as decoded.
const (
	escaped  = 1 << iota // holds a backslash escape
	nonASCII             // holds a byte >= 0x80
)

// maxDepth is encoding/json's nesting limit, so that both accept the same
// documents.
const maxDepth = 10000

var trees = sync.Pool{New: func() any { return new(tree) }}

// parseTree parses src, which must be exactly one JSON value with optional
// white space around it, and reports whether it is valid JSON. The tree
// reads src without copying it: whatever outlives the tree must be copied.
// Release the tree when done.
func parseTree(src []byte, base string) (*tree, bool) {
	t := trees.Get().(*tree)
	t.src, t.base, t.vals, t.depth = src, base, t.vals[:0], 0
	// Documents have about one value per 8 bytes: reserve room once
	// rather than grow a large list step by step.
	if want := len(src) / 6; cap(t.vals) < want {
		t.vals = make([]val, 0, want)
	}
	p := parser{t: t}
	p.space()
	ok := p.value() && p.space() == len(src)
	return t, ok
}

// release gives the tree back to the pool. A tree grown by a huge document
// is dropped rather than kept for every later one.
func (t *tree) release() {
	t.src = nil
	if cap(t.vals) <= 1<<18 {
		trees.Put(t)
	}
}

// parser checks the JSON grammar exactly as encoding/json does, and records
// the values as it goes.
type parser struct {
	t     *tree
	pos   int
	depth int
}

func (p *parser) peek() byte {
	if p.pos < len(p.t.src) {
		return p.t.src[p.pos]
	}
	return 0
}

// space skips white space and returns the new position.
func (p *parser) space() int {
	for p.pos < len(p.t.src) {
		switch p.t.src[p.pos] {
		case ' ', '\t', '\r', '\n':
			p.pos++
		default:
			return p.pos
		}
	}
	return p.pos
}

// value parses one value at the current position.
func (p *parser) value() bool {
	c := p.peek()
	i := len(p.t.vals)
	p.t.vals = append(p.t.vals, val{kind: c, start: p.pos})
	var ok bool
	switch {
	case c == '{':
		ok = p.object()
	case c == '[':
		ok = p.array()
	case c == '"':
		ok = p.string(i)
	case c == 't':
		ok = p.literal("true")
	case c == 'f':
		ok = p.literal("false")
	case c == 'n':
		ok = p.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		p.t.vals[i].kind = '0'
		ok = p.number()
	}
	v := &p.t.vals[i]
	v.end, v.next = p.pos, len(p.t.vals)
	return ok
}

func (p *parser) enter() bool {
	p.pos++
	p.depth++
	p.t.depth = max(p.t.depth, p.depth)
	return p.depth <= maxDepth
}

func (p *parser) leave() bool {
	p.pos++
	p.depth--
	return true
}

func (p *parser) object() bool {
	if !p.enter() {
		return false
	}
	if p.space(); p.peek() == '}' {
		return p.leave()
	}
	for {
		p.space()
		if p.peek() != '"' || !p.value() {
			return false
		}
		if p.space(); p.peek() != ':' {
			return false
		}
		p.pos++
		p.space()
		if !p.value() {
			return false
		}
		switch p.space(); p.peek() {
		case ',':
			p.pos++
		case '}':
			return p.leave()
		default:
			return false
		}
	}
}

func (p *parser) array() bool {
	if !p.enter() {
		return false
	}
	if p.space(); p.peek() == ']' {
		return p.leave()
	}
	for {
		p.space()
		if !p.value() {
			return false
		}
		switch p.space(); p.peek() {
		case ',':
			p.pos++
		case ']':
			return p.leave()
		default:
			return false
		}
	}
}

func (p *parser) string(i int) bool {
	src, pos := p.t.src, p.pos+1 // a local position keeps the loop tight
	var flags, seen byte         // seen: every plain byte OR-ed, for non-ASCII
	for pos < len(src) {
		switch c := src[pos]; {
		case c == '"':
			p.pos = pos + 1
			if seen >= utf8.RuneSelf {
				flags |= nonASCII
			}
			p.t.vals[i].flags = flags
			return true
		case c == '\\':
			flags |= escaped
			if p.pos = pos; !p.escape() {
				return false
			}
			pos = p.pos
		case c < 0x20:
			return false
		default:
			seen |= c
			pos++
		}
	}
	return false
}

// escape checks the escape sequence at the backslash under pos.
func (p *parser) escape() bool {
	p.pos++
	switch p.peek() {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		p.pos++
		return true
	case 'u':
		p.pos++
		for range 4 {
			if !isHex(p.peek()) {
				return false
			}
			p.pos++
		}
		return true
	}
	return false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func (p *parser) literal(word string) bool {
	src := p.t.src[p.pos:]
	if len(src) < len(word) || string(src[:len(word)]) != word {
		return false
	}
	p.pos += len(word)
	return true
}

// number checks -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *parser) number() bool {
	if p.peek() == '-' {
		p.pos++
	}
	switch c := p.peek(); {
	case c == '0':
		p.pos++
	case '1' <= c && c <= '9':
		p.digits()
	default:
		return false
	}
	if p.peek() == '.' {
		p.pos++
		if !p.digits() {
			return false
		}
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		p.pos++
		if c := p.peek(); c == '+' || c == '-' {
			p.pos++
		}
		if !p.digits() {
			return false
		}
	}
	return true
}

// digits skips one or more digits and reports whether there was one.
func (p *parser) digits() bool {
	start := p.pos
	for c := p.peek(); '0' <= c && c <= '9'; c = p.peek() {
		p.pos++
	}
	return p.pos > start
}

// raw is the value's JSON text, read-only and only while the tree lives.
func (t *tree) raw(i int) []byte {
	v := &t.vals[i]
	return t.src[v.start:v.end]
}

// body is a string's text between the quotes, escapes not yet applied.
func (t *tree) body(i int) []byte {
	v := &t.vals[i]
	return t.src[v.start+1 : v.end-1]
}

// str decodes the string at i exactly as encoding/json would.
func (t *tree) str(i int) string {
	v := &t.vals[i]
	if v.flags&escaped == 0 && (v.flags&nonASCII == 0 || utf8.Valid(t.body(i))) {
		return string(t.body(i))
	}
	// Escapes and invalid UTF-8 are rare: let encoding/json apply its rules
	// (surrogate pairs, U+FFFD for what is not well-formed).
	// The parser has checked the string, so this cannot fail.
	var s string
	_ = json.Unmarshal(t.raw(i), &s)
	return s
}

// strIs reports whether the string at i decodes to s, without copying it.
func (t *tree) strIs(i int, s string) bool {
	if t.vals[i].flags == 0 {
		return string(t.body(i)) == s
	}
	return t.str(i) == s
}

// appendStr appends the string at i as encoding/json writes its decoded
// value (without HTML escaping); most strings are copied as they are.
func (t *tree) appendStr(dst []byte, i int) []byte {
	if t.plain(i) {
		return append(dst, t.raw(i)...)
	}
	return appendString(dst, t.str(i))
}

// plain reports whether the string at i needs no rewriting: encoding/json
// would decode and write it back to the same bytes.
func (t *tree) plain(i int) bool {
	switch t.vals[i].flags {
	case 0:
		return true
	case nonASCII:
		b := t.body(i)
		return utf8.Valid(b) && !hasLineSeparator(b)
	}
	return false
}

// hasLineSeparator reports U+2028 or U+2029, which encoding/json escapes.
func hasLineSeparator(b []byte) bool {
	for i := 0; i+2 < len(b); i++ {
		if b[i] == 0xE2 && b[i+1] == 0x80 && (b[i+2] == 0xA8 || b[i+2] == 0xA9) {
			return true
		}
	}
	return false
}

// appendString writes s as a JSON string the way encoding/json does with
// HTML escaping off: quotes, backslashes and control characters escaped,
// invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
			if r != '\u2028' && r != '\u2029' && (r != utf8.RuneError || size > 1) {
				i += size
				continue
			}
		}
		dst = append(dst, s[start:i]...)
		dst = appendEscape(dst, r, size)
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendEscape writes the escape for one character of appendString; size 1
// with utf8.RuneError is a byte that is not UTF-8.
func appendEscape(dst []byte, r rune, size int) []byte {
	const hex = "0123456789abcdef"
	switch r {
	case '"', '\\':
		return append(dst, '\\', byte(r))
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	case utf8.RuneError:
		if size == 1 {
			return append(dst, `\ufffd`...)
		}
	}
	return append(dst, '\\', 'u', hex[r>>12&0xF], hex[r>>8&0xF], hex[r>>4&0xF], hex[r&0xF])
}

// path names the value at i the way errors do: data.attributes["a b"], tags[2].
// Values do not know their parent, so it walks down from the root; errors
// are rare.
func (t *tree) path(i int) string {
	path := t.base
	for v := 0; v != i; {
		n, c := 0, v+1
		if t.vals[v].kind == '{' {
			for t.vals[c+1].next <= i { // skip members that end before i
				c = t.vals[c+1].next
			}
			path = join(path, t.str(c))
			v = c + 1
			continue
		}
		for t.vals[c].next <= i {
			c = t.vals[c].next
			n++
		}
		path = fmt.Sprintf("%s[%d]", path, n)
		v = c
	}
	return path
}

// join adds a key to a path; keys that do not read well after a dot are
// quoted.
func join(path, key string) string {
	switch {
	case !plainKey(key):
		return fmt.Sprintf("%s[%q]", path, key)
	case path == "":
		return key
	default:
		return path + "." + key
	}
}

// plainKey reports whether a key reads well after a dot; others are quoted.
func plainKey(key string) bool {
	for _, c := range key {
		if !(c == '-' || c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return key != ""
}
