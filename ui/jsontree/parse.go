package jsontree

import (
	"bytes"
	"fmt"
)

// kind is the JSON type of a node.
type kind uint8

const (
	kObject kind = iota
	kArray
	kString
	kNumber
	kTrue
	kFalse
	kNull
)

// Node flags.
const (
	fKeyEsc uint8 = 1 << iota // the key has backslash escapes to decode
	fValEsc                   // the string value has backslash escapes
	fFolded                   // a container whose children are hidden
)

// node is one value of the document. Nodes are stored in document order
// (pre-order), so a node's descendants are the nodes (i, end) and its next
// sibling is end. Offsets point into the raw buffer: the tree never copies
// text, and strings are decoded only when they are drawn or searched.
type node struct {
	keyOff, keyEnd int32 // key text without quotes; keyOff < 0 for array elements and the root
	valOff, valEnd int32 // strings: the text without quotes; containers: '{' to '}' inclusive
	parent         int32 // -1 for the root
	end            int32 // one past the last descendant
	count          int32 // number of children
	index          int32 // position in the parent
	depth          int32
	kind           kind
	flags          uint8
}

func (n *node) container() bool { return n.kind == kObject || n.kind == kArray }
func (n *node) folded() bool    { return n.flags&fFolded != 0 }

// SyntaxError reports invalid JSON and the byte offset where it was found.
type SyntaxError struct {
	Offset int    // byte offset into the input
	Msg    string // what was wrong
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte offset %d: %s", e.Offset, e.Msg)
}

// maxInput keeps offsets within int32, which halves the size of a node.
const maxInput = 1<<31 - 1

// parser is a single-pass scanner. Open containers live on an explicit
// stack rather than the Go call stack, so nesting depth costs heap memory
// only and a document 100,000 levels deep cannot overflow anything.
type parser struct {
	raw   []byte
	pos   int
	nodes []node
	stack []int32
}

func parse(raw []byte) ([]node, error) {
	if len(raw) > maxInput {
		return nil, &SyntaxError{Offset: maxInput, Msg: "document larger than 2 GiB"}
	}
	p := parser{raw: raw}
	// Counting separators gives an upper bound on the node count (commas
	// inside strings only make it larger), so the slice is usually allocated
	// once; bytes.Count is vectorised. The cap keeps a long string full of
	// commas from reserving memory for nodes that do not exist.
	est := 1 + bytes.Count(raw, []byte{','}) + bytes.Count(raw, []byte{'['}) + bytes.Count(raw, []byte{'{'})
	p.nodes = make([]node, 0, min(est, len(raw)/8+16))

	p.skipSpace()
	if err := p.value(-1, -1, -1, 0); err != nil {
		return nil, err
	}
	for len(p.stack) > 0 {
		if err := p.step(); err != nil {
			return nil, err
		}
	}
	p.skipSpace()
	if p.pos < len(raw) {
		return nil, p.errorf("unexpected %s after the top-level value", p.describe())
	}
	return p.nodes, nil
}

// step advances inside the innermost open container: it closes it, or reads
// the separator and the next member.
func (p *parser) step() error {
	top := p.stack[len(p.stack)-1]
	n := &p.nodes[top]
	closer := byte(']')
	if n.kind == kObject {
		closer = '}'
	}
	p.skipSpace()
	if p.pos < len(p.raw) && p.raw[p.pos] == closer {
		p.pos++
		n.valEnd = int32(p.pos)
		n.end = int32(len(p.nodes))
		p.stack = p.stack[:len(p.stack)-1]
		return nil
	}
	if n.count > 0 {
		if p.pos >= len(p.raw) || p.raw[p.pos] != ',' {
			return p.errorf("expected ',' or %q, found %s", closer, p.describe())
		}
		p.pos++
		p.skipSpace()
		if p.pos < len(p.raw) && p.raw[p.pos] == closer {
			return p.errorf("unexpected %q after ','", closer)
		}
	}
	keyOff, keyEnd := int32(-1), int32(-1)
	var keyEsc bool
	if n.kind == kObject {
		if p.pos >= len(p.raw) || p.raw[p.pos] != '"' {
			return p.errorf("expected a string key, found %s", p.describe())
		}
		off, esc, err := p.str()
		if err != nil {
			return err
		}
		keyOff, keyEnd, keyEsc = int32(off), int32(p.pos-1), esc
		p.skipSpace()
		if p.pos >= len(p.raw) || p.raw[p.pos] != ':' {
			return p.errorf("expected ':' after a key, found %s", p.describe())
		}
		p.pos++
		p.skipSpace()
	}
	n.count++
	if err := p.value(top, keyOff, keyEnd, n.count-1); err != nil {
		return err
	}
	if keyEsc {
		p.nodes[len(p.nodes)-1].flags |= fKeyEsc
	}
	return nil
}

// value reads the value at p.pos and appends its node. A container is left
// open on the stack; step fills it in.
func (p *parser) value(parent, keyOff, keyEnd, index int32) error {
	if p.pos >= len(p.raw) {
		return p.errorf("unexpected end of input, expected a value")
	}
	nd := node{keyOff: keyOff, keyEnd: keyEnd, parent: parent, index: index, valOff: int32(p.pos)}
	if parent >= 0 {
		nd.depth = p.nodes[parent].depth + 1
	}
	self := int32(len(p.nodes))
	nd.end = self + 1
	switch c := p.raw[p.pos]; {
	case c == '{' || c == '[':
		nd.kind = kObject
		if c == '[' {
			nd.kind = kArray
		}
		p.pos++
		p.stack = append(p.stack, self)
	case c == '"':
		off, esc, err := p.str()
		if err != nil {
			return err
		}
		nd.kind, nd.valOff, nd.valEnd = kString, int32(off), int32(p.pos-1)
		if esc {
			nd.flags |= fValEsc
		}
	case c == '-' || (c >= '0' && c <= '9'):
		if err := p.number(); err != nil {
			return err
		}
		nd.kind, nd.valEnd = kNumber, int32(p.pos)
	case c == 't':
		nd.kind = kTrue
		if err := p.literal("true"); err != nil {
			return err
		}
		nd.valEnd = int32(p.pos)
	case c == 'f':
		nd.kind = kFalse
		if err := p.literal("false"); err != nil {
			return err
		}
		nd.valEnd = int32(p.pos)
	case c == 'n':
		nd.kind = kNull
		if err := p.literal("null"); err != nil {
			return err
		}
		nd.valEnd = int32(p.pos)
	default:
		return p.errorf("unexpected %s, expected a value", p.describe())
	}
	p.nodes = append(p.nodes, nd)
	return nil
}

// str scans a string starting at the opening quote. It returns the offset
// of the first byte after the quote and whether the text has escapes;
// p.pos ends after the closing quote.
func (p *parser) str() (off int, esc bool, err error) {
	p.pos++
	off = p.pos
	raw := p.raw
	for i := p.pos; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return off, esc, nil
		case c == '\\':
			esc = true
			n, ok := escapeLen(raw[i:])
			if !ok {
				p.pos = i
				return 0, false, p.errorf("invalid escape in string")
			}
			i += n - 1
		case c < 0x20:
			p.pos = i
			return 0, false, p.errorf("control character 0x%02x in string", c)
		}
	}
	p.pos = len(raw)
	return 0, false, p.errorf("unterminated string starting at byte offset %d", off-1)
}

// escapeLen is the length of the valid escape at the start of b (b[0] is
// the backslash).
func escapeLen(b []byte) (int, bool) {
	if len(b) < 2 {
		return 0, false
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2, true
	case 'u':
		if len(b) < 6 {
			return 0, false
		}
		for _, h := range b[2:6] {
			if hexVal(h) < 0 {
				return 0, false
			}
		}
		return 6, true
	}
	return 0, false
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// number checks the JSON number grammar: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?
// The text itself is kept as written, so no precision is ever lost.
func (p *parser) number() error {
	raw := p.raw
	if raw[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(raw) && raw[p.pos] == '0':
		p.pos++
	case p.pos < len(raw) && raw[p.pos] >= '1' && raw[p.pos] <= '9':
		p.digits()
	default:
		return p.errorf("invalid number")
	}
	if p.pos < len(raw) && raw[p.pos] == '.' {
		p.pos++
		if p.digits() == 0 {
			return p.errorf("invalid number: no digits after '.'")
		}
	}
	if p.pos < len(raw) && (raw[p.pos] == 'e' || raw[p.pos] == 'E') {
		p.pos++
		if p.pos < len(raw) && (raw[p.pos] == '+' || raw[p.pos] == '-') {
			p.pos++
		}
		if p.digits() == 0 {
			return p.errorf("invalid number: no digits in exponent")
		}
	}
	return nil
}

func (p *parser) digits() int {
	start := p.pos
	for p.pos < len(p.raw) && p.raw[p.pos] >= '0' && p.raw[p.pos] <= '9' {
		p.pos++
	}
	return p.pos - start
}

func (p *parser) literal(word string) error {
	if !bytes.HasPrefix(p.raw[p.pos:], []byte(word)) {
		return p.errorf("invalid literal, expected %q", word)
	}
	p.pos += len(word)
	return nil
}

func (p *parser) skipSpace() {
	for p.pos < len(p.raw) {
		switch p.raw[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// describe names the byte at p.pos for an error message.
func (p *parser) describe() string {
	if p.pos >= len(p.raw) {
		return "end of input"
	}
	c := p.raw[p.pos]
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", c)
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

func (p *parser) errorf(format string, args ...any) error {
	return &SyntaxError{Offset: p.pos, Msg: fmt.Sprintf(format, args...)}
}
