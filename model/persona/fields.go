package persona

import (
	"bytes"
	"encoding/json"
)

// typed is how Persona writes a field: its type and its value.
type typed struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// FlattenFields turns Persona's {"k": {"type": "...", "value": v}} into
// {"k": v}, recursing into hash values (whose entries are again {type, value})
// and arrays of typed values. Numbers are kept exactly as written. Missing or
// null input gives {}.
func FlattenFields(raw json.RawMessage) (json.RawMessage, error) {
	return flattenFields(node{path: "fields", raw: raw})
}

func flattenFields(n node) (json.RawMessage, error) {
	o, err := n.object()
	if err != nil {
		return nil, err
	}
	out := make(map[string]json.RawMessage, len(o.m))
	for _, k := range o.keys() {
		if out[k], err = untype(o.get(k)); err != nil {
			return nil, err
		}
	}
	return marshal(out)
}

// untype returns the plain value of one {type, value} entry.
func untype(n node) (json.RawMessage, error) {
	if !n.isObject() {
		return nil, n.want("{type, value}")
	}
	o, err := n.object()
	if err != nil {
		return nil, err
	}
	for _, k := range []string{"type", "value"} {
		if !o.has(k) {
			return nil, n.errorf("want {type, value}, got an object without %q", k)
		}
	}
	typ, err := o.get("type").optString()
	if err != nil {
		return nil, err
	}
	v := o.get("value")
	switch {
	case v.null():
		return json.RawMessage("null"), nil
	case typ == "hash":
		if !v.isObject() {
			return nil, v.want("an object")
		}
		return flattenFields(v)
	case v.isArray():
		return untypeArray(v)
	case v.absent() && scalarType(typ):
		// The {} null quirk, inside fields too.
		return json.RawMessage("null"), nil
	}
	return canonical(v.raw)
}

// canonical rewrites a plain JSON value with sorted keys, so that equal
// fields are equal bytes however the document ordered them.
func canonical(raw json.RawMessage) (json.RawMessage, error) {
	if c := (node{raw: raw}).first(); c != '{' && c != '[' {
		return raw, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return marshal(v)
}

// untypeArray unwraps the elements that are {type, value} and keeps the
// others (a multi_choices value is a plain list of strings).
func untypeArray(n node) (json.RawMessage, error) {
	items, err := n.array()
	if err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, len(items))
	for i, it := range items {
		if looksTyped(it) {
			out[i], err = untype(it)
		} else {
			out[i], err = canonical(it.raw)
		}
		if err != nil {
			return nil, err
		}
	}
	return marshal(out)
}

// looksTyped reports whether an array element is a {type, value} pair rather
// than a plain object that happens to sit in a list.
func looksTyped(n node) bool {
	if !n.isObject() {
		return false
	}
	o, err := n.object()
	return err == nil && len(o.m) == 2 && o.get("type").isString() && o.has("value")
}

// scalarType reports whether a Persona field type holds a single scalar.
func scalarType(typ string) bool {
	switch typ {
	case "hash", "array", "object", "json", "multi_choices":
		return false
	}
	return true
}

// WrapFields is the reverse of FlattenFields: it infers each value's type
// (string, integer, float, boolean, hash, array). A null keeps type "string"
// with a null value. Missing or null input gives {}.
func WrapFields(flat json.RawMessage) (json.RawMessage, error) {
	return wrapFields(node{path: "fields", raw: flat})
}

func wrapFields(n node) (json.RawMessage, error) {
	o, err := n.object()
	if err != nil {
		return nil, err
	}
	out := make(map[string]typed, len(o.m))
	for _, k := range o.keys() {
		if out[k], err = wrapValue(o.get(k)); err != nil {
			return nil, err
		}
	}
	return marshal(out)
}

func wrapValue(n node) (typed, error) {
	switch n.kind() {
	case "null":
		return typed{Type: "string"}, nil
	case "a string":
		return typed{Type: "string", Value: n.raw}, nil
	case "a boolean":
		return typed{Type: "boolean", Value: n.raw}, nil
	case "a number":
		if bytes.ContainsAny(n.raw, ".eE") {
			return typed{Type: "float", Value: n.raw}, nil
		}
		return typed{Type: "integer", Value: n.raw}, nil
	case "an object":
		v, err := wrapFields(n)
		return typed{Type: "hash", Value: v}, err
	case "an array":
		v, err := wrapArray(n)
		return typed{Type: "array", Value: v}, err
	}
	return typed{}, n.want("a JSON value")
}

func wrapArray(n node) (json.RawMessage, error) {
	items, err := n.array()
	if err != nil {
		return nil, err
	}
	out := make([]typed, len(items))
	for i, it := range items {
		if out[i], err = wrapValue(it); err != nil {
			return nil, err
		}
	}
	return marshal(out)
}
