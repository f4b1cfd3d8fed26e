package persona

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"docket/model"
)

// node is a raw JSON value together with the path that leads to it, so that
// every error can say where in the document the problem is.
type node struct {
	path string
	raw  json.RawMessage // nil when the key is missing
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

func (n node) at(key string) string {
	switch {
	case !plainKey(key):
		return fmt.Sprintf("%s[%q]", n.path, key)
	case n.path == "":
		return key
	default:
		return n.path + "." + key
	}
}

func (n node) index(i int, raw json.RawMessage) node {
	return node{path: fmt.Sprintf("%s[%d]", n.path, i), raw: raw}
}

// where names the node in an error message.
func (n node) where() string {
	if n.path == "" {
		return "document"
	}
	return n.path
}

func (n node) errorf(format string, args ...any) error {
	return model.Invalidf("%s: %s", n.where(), fmt.Sprintf(format, args...))
}

func (n node) want(what string) error {
	return n.errorf("want %s, got %s", what, n.kind())
}

// first is the first byte of the value, or 0 when missing.
func (n node) first() byte {
	for _, c := range n.raw {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c
	}
	return 0
}

func (n node) kind() string {
	switch n.first() {
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

// null reports a missing key or a JSON null.
func (n node) null() bool { c := n.first(); return c == 0 || c == 'n' }

// absent is null, or an empty object: Persona renders some null scalars as
// {}, so a scalar attribute given as {} is treated as not set.
func (n node) absent() bool {
	if n.null() {
		return true
	}
	if !n.isObject() {
		return false
	}
	b := bytes.TrimSpace(n.raw)
	return len(bytes.TrimSpace(b[1:len(b)-1])) == 0
}

// object is a map from key to child node. Missing and null give an empty
// object; anything else that is not an object is an error.
type object struct {
	node
	m map[string]json.RawMessage
}

func (n node) object() (object, error) {
	o := object{node: n}
	if n.null() {
		return o, nil
	}
	if !n.isObject() {
		return o, n.want("an object")
	}
	if err := json.Unmarshal(n.raw, &o.m); err != nil {
		return o, n.errorf("%v", err)
	}
	return o, nil
}

func (o object) get(key string) node { return node{path: o.at(key), raw: o.m[key]} }

func (o object) has(key string) bool { _, ok := o.m[key]; return ok }

// keys lists the keys in order, so that errors and output do not depend on
// map iteration.
func (o object) keys() []string {
	ks := make([]string, 0, len(o.m))
	for k := range o.m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// array splits a JSON array into its elements; missing and null give none.
func (n node) array() ([]node, error) {
	if n.null() {
		return nil, nil
	}
	if !n.isArray() {
		return nil, n.want("a list")
	}
	var items []json.RawMessage
	if err := json.Unmarshal(n.raw, &items); err != nil {
		return nil, n.errorf("%v", err)
	}
	out := make([]node, len(items))
	for i, raw := range items {
		out[i] = n.index(i, raw)
	}
	return out, nil
}

// optString reads a string that may be absent ("" then).
func (n node) optString() (string, error) {
	if n.absent() {
		return "", nil
	}
	if !n.isString() {
		return "", n.want("a string")
	}
	var s string
	if err := json.Unmarshal(n.raw, &s); err != nil {
		return "", n.errorf("%v", err)
	}
	return s, nil
}

// reqString reads a string that must be there and not empty.
func (n node) reqString() (string, error) {
	s, err := n.optString()
	if err == nil && s == "" {
		err = n.errorf("missing")
	}
	return s, err
}

// optTime reads an RFC 3339 timestamp (fractional seconds optional) and
// returns it in UTC; absent and "" give the zero time.
func (n node) optTime() (time.Time, error) {
	s, err := n.optString()
	if err != nil || s == "" {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, n.errorf("bad timestamp %q", s)
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
	items, err := n.array()
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		if !it.isString() {
			return nil, it.want("a string")
		}
		s, err := it.optString()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
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
