package persona

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
	"time"

	"docket/model"
)

// node is a value of a parsed tree, or a key missing from an object, and
// knows where in the document it is, so that every error can say so. The
// path is worked out only for an error: building it for every value read
// cost more than the rest of decoding.
type node struct {
	t *tree
	i int // the value's index in t.vals, -1 when missing
	// A missing key is named by its object: the value at up, or, when that
	// object is missing too (up -1), the node in.
	up  int
	in  *node
	key string
}

// path is where the node is, as errors name it.
func (n node) path() string {
	switch {
	case n.i >= 0:
		return n.t.path(n.i)
	case n.in != nil:
		return join(n.in.path(), n.key)
	}
	return join(n.t.path(n.up), n.key)
}

// where names the node in an error message.
func (n node) where() string {
	if p := n.path(); p != "" {
		return p
	}
	return "document"
}

func (n node) errorf(format string, args ...any) error {
	return model.Invalidf("%s: %s", n.where(), fmt.Sprintf(format, args...))
}

func (n node) want(what string) error {
	return n.errorf("want %s, got %s", what, n.kind())
}

// first is the first byte of the value, or 0 when missing.
func (n node) first() byte {
	if n.i < 0 {
		return 0
	}
	return n.t.vals[n.i].kind
}

func (n node) kind() string { return kindOf(n.first()) }

// kindOf names a JSON value by its first byte.
func kindOf(first byte) string {
	switch first {
	case 0:
		return "nothing"
	case 'n':
		return "null"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	default:
		return "a number"
	}
}

func (n node) isObject() bool { return n.first() == '{' }
func (n node) isArray() bool  { return n.first() == '[' }
func (n node) isString() bool { return n.first() == '"' }

// is reports whether the node is the string s.
func (n node) is(s string) bool { return n.isString() && n.t.strIs(n.i, s) }

// null reports a missing key or a JSON null.
func (n node) null() bool { c := n.first(); return c == 0 || c == 'n' }

// absent is null, or an empty object: Persona renders some null scalars as
// {}, so a scalar attribute given as {} is treated as not set.
func (n node) absent() bool {
	return n.null() || n.isObject() && n.t.vals[n.i].next == n.i+1
}

// raw is the value's JSON text, read-only and only while the tree lives.
func (n node) raw() []byte { return n.t.raw(n.i) }

// object is a node read as an object. Missing and null give an empty object;
// anything else that is not an object is an error.
type object struct{ node }

func (n node) object() (object, error) {
	if !n.null() && !n.isObject() {
		return object{n}, n.want("an object")
	}
	return object{n}, nil
}

// keys calls fn with the index of each key in document order, repeated keys
// included; the key's value is the next index.
func (o object) keys(fn func(k int)) {
	if !o.isObject() {
		return
	}
	vals := o.t.vals
	for k := o.i + 1; k < vals[o.i].next; k = vals[k+1].next {
		fn(k)
	}
}

// get is the value of key. Like encoding/json decoding into a map, the last
// of repeated keys wins.
func (o object) get(key string) node {
	found := -1
	o.keys(func(k int) {
		if o.t.strIs(k, key) {
			found = k + 1
		}
	})
	if found >= 0 {
		return node{t: o.t, i: found}
	}
	if o.i >= 0 {
		return node{t: o.t, i: -1, up: o.i, key: key}
	}
	in := o.node
	return node{t: o.t, i: -1, up: -1, in: &in, key: key}
}

func (o object) has(key string) bool { return o.get(key).i >= 0 }

// at is the member value at index i, as a node.
func (o object) at(i int) node { return node{t: o.t, i: i} }

// sortedKey is a member with its decoded key, for sorting.
type sortedKey struct {
	key   []byte
	keyAt int // index of the key string
	val   int
}

// members lists the keys in order with the value of each (the last of
// repeated keys), so that output does not depend on the document's order,
// as when encoding/json writes a map. They are appended to buf: a caller's
// small array keeps the common case off the heap.
func (o object) members(buf []sortedKey) []sortedKey {
	ms := buf[:0]
	o.keys(func(k int) {
		key := o.t.body(k)
		if o.t.vals[k].flags != 0 {
			key = []byte(o.t.str(k))
		}
		ms = append(ms, sortedKey{key, k, k + 1})
	})
	slices.SortStableFunc(ms, func(a, b sortedKey) int { return bytes.Compare(a.key, b.key) })
	// Keep the last of each run of equal keys.
	out := ms[:0]
	for i, m := range ms {
		if i+1 < len(ms) && bytes.Equal(m.key, ms[i+1].key) {
			continue
		}
		out = append(out, m)
	}
	return out
}

// size is the number of distinct keys.
func (o object) size() int {
	n := 0
	o.keys(func(int) { n++ })
	if n <= 1 {
		return n
	}
	var buf [8]sortedKey
	return len(o.members(buf[:]))
}

// items yields the elements of an array with their positions.
func (n node) items() iter.Seq2[int, node] {
	return func(yield func(int, node) bool) {
		if !n.isArray() {
			return
		}
		j := 0
		for c := n.i + 1; c < n.t.vals[n.i].next; c = n.t.vals[c].next {
			if !yield(j, node{t: n.t, i: c}) {
				return
			}
			j++
		}
	}
}

// elems lists the elements of an array.
func (n node) elems() []node {
	count := 0
	for range n.items() {
		count++
	}
	if count == 0 {
		return nil
	}
	out := make([]node, 0, count)
	for _, it := range n.items() {
		out = append(out, it)
	}
	return out
}

// array lists the elements of an array; missing and null give none.
func (n node) array() ([]node, error) {
	if n.null() {
		return nil, nil
	}
	if !n.isArray() {
		return nil, n.want("a list")
	}
	return n.elems(), nil
}

// optString reads a string that may be absent ("" then).
func (n node) optString() (string, error) {
	if n.absent() {
		return "", nil
	}
	if !n.isString() {
		return "", n.want("a string")
	}
	return n.t.str(n.i), nil
}

// reqString reads a string that must be there and not empty.
func (n node) reqString() (string, error) {
	s, err := n.optString()
	if err == nil && s == "" {
		err = n.errorf("missing")
	}
	return s, err
}

// reqID reads an id that must be there and pass model.ValidateID: ids
// become parts of the store's keys.
func (n node) reqID() (string, error) {
	s, err := n.reqString()
	if err != nil {
		return "", err
	}
	return s, n.checked(model.ValidateID("the id", s))
}

// optID reads an id that may be absent ("" then).
func (n node) optID() (string, error) {
	s, err := n.optString()
	if err != nil || s == "" {
		return "", err
	}
	return s, n.checked(model.ValidateID("the id", s))
}

// checked places a validation error at n.
func (n node) checked(err error) error {
	if err != nil {
		return n.errorf("%v", err)
	}
	return nil
}

// optTime reads an RFC 3339 timestamp (fractional seconds optional) and
// returns it in UTC; absent and "" give the zero time. A time outside the
// years 1678-2261 is refused: docket stores times as nanoseconds since
// 1970, which cannot hold it (and no case was opened before 1678).
func (n node) optTime() (time.Time, error) {
	s, err := n.optString()
	if err != nil || s == "" {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, n.errorf("bad timestamp %q", s)
	}
	if y := t.UTC().Year(); y < 1678 || y > 2261 {
		return time.Time{}, n.errorf("timestamp %q is outside the years 1678-2261 docket can store", s)
	}
	return t.UTC(), nil
}

// strings reads a list of strings such as tags.
func (n node) strings() ([]string, error) {
	if n.absent() {
		return nil, nil
	}
	if !n.isArray() {
		return nil, n.want("a list of strings")
	}
	out := make([]string, 0, n.t.vals[n.i].next-n.i-1) // room for all, as they are strings
	for _, it := range n.items() {
		if !it.isString() {
			return nil, it.want("a string")
		}
		out = append(out, it.t.str(it.i))
	}
	return out, nil
}

// marshal is json.Marshal without HTML escaping, so that names such as
// "Smith & Sons" stay readable in stored and exported JSON.
func marshal(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
