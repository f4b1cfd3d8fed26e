package api

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
)

// Request documents are read member by member, so that an error names the
// member at fault by its JSON pointer (/meta/status), and members Persona's
// request schemas do not allow are refused rather than ignored.

// members is one JSON object of a request body.
type members struct {
	at string // its pointer
	m  map[string]json.RawMessage
}

// readObject reads raw as an object whose members are among allowed (any
// member when allowed is nil).
func readObject(raw json.RawMessage, at string, allowed []string) (members, *reply) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return members{}, ptr(badRequest(orRoot(at), "missing: the body must be a JSON object"))
	}
	if raw[0] != '{' {
		return members{}, ptr(badRequest(orRoot(at), "must be a JSON object"))
	}
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&m); err != nil {
		return members{}, ptr(badRequest(orRoot(at), "is not valid JSON: %v", err))
	}
	if dec.More() {
		return members{}, ptr(badRequest(orRoot(at), "holds more than one JSON value"))
	}
	if name, twice := repeatedMember(raw); twice {
		return members{}, ptr(badRequest(at+"/"+escape(name), "is given twice; give each member once"))
	}
	if allowed != nil {
		for name := range m {
			if !slices.Contains(allowed, name) {
				return members{}, ptr(badRequest(at+"/"+escape(name), "is not a member this endpoint takes (it takes %s)", strings.Join(allowed, ", ")))
			}
		}
	}
	return members{at: at, m: m}, nil
}

// repeatedMember finds a member named twice in the object raw (valid
// JSON): decoders differ on which one counts, so neither does.
func repeatedMember(raw json.RawMessage) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return "", false
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		name, ok := tok.(string)
		if err != nil || !ok {
			return "", false
		}
		if seen[name] {
			return name, true
		}
		seen[name] = true
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return "", false
		}
	}
	return "", false
}

// object reads the member name as an object (absent: an empty one).
func (o members) object(name string, allowed []string) (members, *reply) {
	raw, ok := o.m[name]
	if !ok || string(raw) == "null" {
		return members{at: o.at + "/" + name, m: map[string]json.RawMessage{}}, nil
	}
	return readObject(raw, o.at+"/"+name, allowed)
}

func (o members) has(name string) bool { _, ok := o.m[name]; return ok }

func (o members) pointer(name string) string { return o.at + "/" + escape(name) }

// str reads a string member; required says whether it may be absent.
func (o members) str(name string, required bool) (string, *reply) {
	raw, ok := o.m[name]
	if !ok || string(raw) == "null" {
		if required {
			return "", ptr(badRequest(o.pointer(name), "is required"))
		}
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", ptr(badRequest(o.pointer(name), "must be a string"))
	}
	return s, nil
}

// strs reads an array of strings.
func (o members) strs(name string, required bool) ([]string, *reply) {
	raw, ok := o.m[name]
	if !ok || string(raw) == "null" {
		if required {
			return nil, ptr(badRequest(o.pointer(name), "is required"))
		}
		return nil, nil
	}
	var out []string
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, ptr(badRequest(o.pointer(name), "must be an array of strings"))
	}
	return out, nil
}

// number reads a number member; absent or null is nil.
func (o members) number(name string) (*float64, *reply) {
	raw, ok := o.m[name]
	if !ok || string(raw) == "null" {
		return nil, nil
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, ptr(badRequest(o.pointer(name), "must be a number"))
	}
	return &f, nil
}

func ptr(r reply) *reply { return &r }

func orRoot(at string) string {
	if at == "" {
		return "/"
	}
	return at
}

// escape writes a member name as a JSON pointer token (RFC 6901).
func escape(name string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(name)
}

func jsonString(s string) ([]byte, error) { return json.Marshal(s) }
