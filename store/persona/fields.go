package persona

import (
	"bytes"
	"encoding/json"
	"sync"

	"docket/model"
)

// The fields functions write their JSON in one pass into a scratch buffer,
// then copy it out at its exact size. The bytes are what encoding/json
// writes for the same values decoded into maps and lists (keys sorted, the
// last of repeated keys kept, no HTML escaping), so that stored fields do
// not change with how they were computed.

// FlattenFields turns Persona's {"k": {"type": "...", "value": v}} into
// {"k": v}, recursing into hash values (whose entries are again {type, value})
// and arrays of typed values. Numbers are kept exactly as written. Missing or
// null input gives {}.
func FlattenFields(raw json.RawMessage) (json.RawMessage, error) {
	return onFields(raw, flattenFields)
}

// WrapFields is the reverse of FlattenFields: it infers each value's type
// (string, integer, float, boolean, hash, array). A null keeps type "string"
// with a null value. Missing or null input gives {}.
func WrapFields(flat json.RawMessage) (json.RawMessage, error) {
	return onFields(flat, wrapFields)
}

// onFields parses a fields hash given on its own and applies fn to it. As
// ever, only the first byte decides whether it is null or an object; none
// at all (only white space) is null too, but a NUL byte is not.
func onFields(raw json.RawMessage, fn func(node) (json.RawMessage, error)) (json.RawMessage, error) {
	rest := bytes.TrimLeft(raw, " \t\r\n")
	switch {
	case len(rest) == 0 || rest[0] == 'n':
		return json.RawMessage("{}"), nil
	case rest[0] != '{':
		return nil, model.Invalidf("fields: want an object, got %s", kindOf(rest[0]))
	}
	t, ok := parseTree(raw, "fields")
	defer t.release()
	if !ok {
		// encoding/json words the error, as it always did.
		var m map[string]json.RawMessage
		return nil, model.Invalidf("fields: %v", json.Unmarshal(raw, &m))
	}
	return fn(node{t: t, i: 0})
}

var scratch = sync.Pool{New: func() any { return new([]byte) }}

// write runs fn on a pooled buffer and returns a copy of what it wrote.
func write(fn func(dst []byte) ([]byte, error)) (json.RawMessage, error) {
	buf := scratch.Get().(*[]byte)
	defer scratch.Put(buf)
	out, err := fn((*buf)[:0])
	if cap(out) <= 1<<20 {
		*buf = out
	}
	if err != nil {
		return nil, err
	}
	return bytes.Clone(out), nil
}

func flattenFields(n node) (json.RawMessage, error) {
	return write(func(dst []byte) ([]byte, error) { return appendFlat(dst, n) })
}

// appendFlat writes a fields hash (an object, null or missing) untyped.
func appendFlat(dst []byte, n node) ([]byte, error) {
	o, err := n.object()
	if err != nil {
		return dst, err
	}
	return appendMembers(dst, o, appendUntyped)
}

// appendMembers writes an object with its keys sorted, each value written
// by value.
func appendMembers(dst []byte, o object, value func([]byte, node) ([]byte, error)) ([]byte, error) {
	dst = append(dst, '{')
	var buf [16]sortedKey
	for j, m := range o.members(buf[:]) {
		if j > 0 {
			dst = append(dst, ',')
		}
		dst = append(o.t.appendStr(dst, m.keyAt), ':')
		var err error
		if dst, err = value(dst, o.at(m.val)); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// infallible adapts a writer that cannot fail to appendMembers.
func infallible(write func([]byte, node) []byte) func([]byte, node) ([]byte, error) {
	return func(dst []byte, n node) ([]byte, error) { return write(dst, n), nil }
}

// appendUntyped writes the plain value of one {type, value} entry.
func appendUntyped(dst []byte, n node) ([]byte, error) {
	if !n.isObject() {
		return dst, n.want("{type, value}")
	}
	o := object{n}
	typ, v := o.get("type"), o.get("value")
	for _, m := range []node{typ, v} {
		if m.i < 0 {
			return dst, n.errorf("want {type, value}, got an object without %q", m.key)
		}
	}
	if !typ.absent() && !typ.isString() {
		return dst, typ.want("a string")
	}
	switch {
	case v.null():
		return append(dst, "null"...), nil
	case typ.is("hash"):
		if !v.isObject() {
			return dst, v.want("an object")
		}
		return appendFlat(dst, v)
	case v.isArray():
		return appendUntypedArray(dst, v)
	case v.absent() && scalarType(typ):
		// The {} null quirk, inside fields too.
		return append(dst, "null"...), nil
	}
	return appendCanonical(dst, v), nil
}

// appendCanonical writes a plain value: a scalar as it was given, an object
// or list anew with sorted keys, so that equal fields are equal bytes
// however the document ordered them.
func appendCanonical(dst []byte, n node) []byte {
	if n.isObject() || n.isArray() {
		return appendPlain(dst, n)
	}
	return append(dst, n.raw()...)
}

// appendPlain writes a value as encoding/json writes what it decoded from
// it: objects with sorted keys, strings escaped anew, numbers as written.
func appendPlain(dst []byte, n node) []byte {
	switch n.first() {
	case '{':
		dst, _ = appendMembers(dst, object{n}, infallible(appendPlain))
		return dst
	case '[':
		dst = append(dst, '[')
		for j, it := range n.items() {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = appendPlain(dst, it)
		}
		return append(dst, ']')
	case '"':
		return n.t.appendStr(dst, n.i)
	}
	return append(dst, n.raw()...)
}

// appendUntypedArray unwraps the elements that are {type, value} and keeps
// the others (a multi_choices value is a plain list of strings).
func appendUntypedArray(dst []byte, n node) ([]byte, error) {
	dst = append(dst, '[')
	for j, it := range n.items() {
		if j > 0 {
			dst = append(dst, ',')
		}
		var err error
		if looksTyped(it) {
			dst, err = appendUntyped(dst, it)
		} else {
			dst = appendCanonical(dst, it)
		}
		if err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

// looksTyped reports whether an array element is a {type, value} pair rather
// than a plain object that happens to sit in a list.
func looksTyped(n node) bool {
	if !n.isObject() {
		return false
	}
	o := object{n}
	return o.size() == 2 && o.get("type").isString() && o.has("value")
}

// scalarType reports whether a Persona field type holds a single scalar.
func scalarType(typ node) bool {
	for _, name := range []string{"hash", "array", "object", "json", "multi_choices"} {
		if typ.is(name) {
			return false
		}
	}
	return true
}

func wrapFields(n node) (json.RawMessage, error) {
	if err := deepWrapError(n); err != nil {
		return nil, err
	}
	return write(func(dst []byte) ([]byte, error) { return appendWrapped(dst, n), nil })
}

// appendWrapped writes an object with each value given its type.
func appendWrapped(dst []byte, n node) []byte {
	dst, _ = appendMembers(dst, object{n}, infallible(appendTyped))
	return dst
}

// appendTyped writes {"type": ..., "value": ...} for one plain value.
func appendTyped(dst []byte, n node) []byte {
	dst = append(dst, `{"type":"`...)
	dst = append(dst, typeName(n)...)
	dst = append(dst, `","value":`...)
	return append(appendWrappedValue(dst, n), '}')
}

// typeName infers a value's Persona type; null is a string without value.
func typeName(n node) string {
	switch n.first() {
	case 'n', '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case '{':
		return "hash"
	case '[':
		return "array"
	}
	if bytes.ContainsAny(n.raw(), ".eE") {
		return "float"
	}
	return "integer"
}

// appendWrappedValue writes what goes in a typed value's "value".
func appendWrappedValue(dst []byte, n node) []byte {
	switch n.first() {
	case '{':
		return appendWrapped(dst, n)
	case '[':
		dst = append(dst, '[')
		for j, it := range n.items() {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = appendTyped(dst, it)
		}
		return append(dst, ']')
	}
	return append(dst, n.raw()...)
}

// deepWrapError keeps the one way WrapFields could fail on valid input when
// encoding/json wrote it: encoding/json refuses to write a value nested
// more than maxDepth deep, and wrapping doubles the nesting. It names the
// same value in the same words, found in the same order: children before
// their parent, keys in order.
func deepWrapError(root node) error {
	if root.t.depth <= maxDepth/2 {
		return nil // wrapped, it stays within the limit
	}
	depth := make([]int, len(root.t.vals))
	wrappedDepth(root, depth)
	w, _ := tooDeep(root, depth)
	if w < 0 {
		return nil
	}
	_, err := json.Marshal(json.RawMessage(appendWrappedValue(nil, node{t: root.t, i: w})))
	return err
}

// children lists the values a wrapped object or array is written from.
func children(n node) []node {
	if n.isArray() {
		return n.elems()
	}
	var out []node
	o := object{n}
	for _, m := range o.members(nil) {
		out = append(out, o.at(m.val))
	}
	return out
}

// wrappedDepth records how deep each value's wrapped "value" nests.
func wrappedDepth(n node, depth []int) int {
	if !n.isObject() && !n.isArray() {
		return 0
	}
	d := 1
	for _, c := range children(n) {
		d = max(d, 2+wrappedDepth(c, depth))
	}
	depth[n.i] = d
	return d
}

// tooDeep finds the first value whose wrapped form is too deep to write,
// in the order encoding/json met them: within each child first, then the
// children themselves. It reports whether one was found inside n.
func tooDeep(n node, depth []int) (int, bool) {
	kids := children(n)
	for _, c := range kids {
		if w, ok := tooDeep(c, depth); ok {
			return w, true
		}
	}
	for _, c := range kids {
		if depth[c.i] > maxDepth {
			return c.i, true
		}
	}
	return -1, false
}
