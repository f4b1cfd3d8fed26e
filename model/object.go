package model

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"
)

// ObjectKind is the family of a Persona object attached to a case.
type ObjectKind string

const (
	KindInquiry      ObjectKind = "inquiry"
	KindAccount      ObjectKind = "account"
	KindReport       ObjectKind = "report"
	KindVerification ObjectKind = "verification"
	KindTransaction  ObjectKind = "transaction"
)

// ObjectKinds lists every kind, in the order a case shows them.
var ObjectKinds = []ObjectKind{KindInquiry, KindAccount, KindReport, KindVerification, KindTransaction}

// KindOf maps a Persona resource type ("inquiry", "report/watchlist",
// "verification/government-id", "transaction") to its kind.
func KindOf(personaType string) (ObjectKind, bool) {
	family, _, _ := strings.Cut(personaType, "/")
	for _, k := range ObjectKinds {
		if family == string(k) {
			return k, true
		}
	}
	return "", false
}

// ObjectRef points from a case to an object. Type keeps Persona's full type,
// such as "report/watchlist".
type ObjectRef struct {
	Kind ObjectKind `json:"kind"`
	Type string     `json:"type"`
	ID   string     `json:"id"`
}

// Object is stored once by id and may be attached to several cases.
type Object struct {
	ObjectRef
	Attributes    json.RawMessage `json:"attributes,omitempty"`
	Relationships json.RawMessage `json:"relationships,omitempty"`
	Redacted      bool            `json:"redacted,omitempty"`
	// RefOnly marks an object a case names but no document has brought
	// yet (Persona often leaves it out of `included`): docket knows its
	// kind and id, nothing else, until it arrives.
	RefOnly bool `json:"ref_only,omitempty"`
	// Sum is the digest of the object's content (see record.go).
	Sum string `json:"sum,omitempty"`

	attrs map[string]any // Attributes decoded, on first use
}

// attributes decodes the attributes once; later calls reuse them.
func (o *Object) attributes() map[string]any {
	if o.attrs == nil {
		if json.Unmarshal(o.Attributes, &o.attrs) != nil || o.attrs == nil {
			o.attrs = map[string]any{}
		}
	}
	return o.attrs
}

// Attr returns an attribute by its Persona name, looking first at the
// attribute itself and then at the object's `fields` (where Persona keeps
// values as {type, value}). Typed values are unwrapped at every depth (see
// Value). It returns nil when absent. Attributes must not change after the
// first call.
func (o *Object) Attr(name string) any {
	attrs := o.attributes()
	if v, ok := attrs[name]; ok && v != nil {
		return Value(v)
	}
	fields, _ := attrs["fields"].(map[string]any)
	if f, ok := fields[name]; ok {
		if m, ok := f.(map[string]any); ok {
			if _, typed := m["type"]; typed {
				return Value(m["value"])
			}
		}
		return Value(f)
	}
	return nil
}

// AttrString is Attr as a person reads it ("" when absent; see Text).
func (o *Object) AttrString(name string) string { return Text(o.Attr(name)) }

// Values are the object's attributes as a person reads them: every
// Persona {type, value} pair unwrapped to its value, nested ones included.
func (o *Object) Values() map[string]any {
	attrs := o.attributes()
	out := make(map[string]any, len(attrs))
	for k, v := range attrs {
		out[k] = Value(v)
	}
	return out
}

// Value unwraps Persona's typed values: {"type": "string", "value": "Amara"}
// becomes "Amara", in hashes and lists at any depth, so that
// {"first": {"type": "string", "value": "Amara"}} reads {"first": "Amara"}.
// A pair is an object of exactly a string "type" and a "value"; any other
// object is kept, its members unwrapped.
func Value(v any) any {
	switch t := v.(type) {
	case map[string]any:
		if inner, ok := typedValue(t); ok {
			return Value(inner)
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = Value(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = Value(e)
		}
		return out
	}
	return v
}

func typedValue(m map[string]any) (any, bool) {
	if len(m) != 2 {
		return nil, false
	}
	if _, ok := m["type"].(string); !ok {
		return nil, false
	}
	v, ok := m["value"]
	return v, ok
}

// Text renders an unwrapped value for people: a string as itself, a name
// hash ({first, middle, last}) as the name, anything else as compact JSON;
// "" for nil.
func Text(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case map[string]any:
		if n := nameOf(t); n != "" {
			return n
		}
	}
	return JSONText(v)
}

// JSONText is v as compact JSON, with <, > and & as they are: for people,
// not for HTML.
func JSONText(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// nameOf is a name hash ({first, middle, last}) as one name, or "" if m
// has other members too.
func nameOf(m map[string]any) string {
	for k := range m {
		if !slices.Contains(nameParts, k) {
			return ""
		}
	}
	return joinName(m)
}

var nameParts = []string{"first", "middle", "last"}

// joinName joins the string parts of a name hash: "Amara Okafor".
func joinName(m map[string]any) string {
	var kept []string
	for _, k := range nameParts {
		if p, _ := m[k].(string); strings.TrimSpace(p) != "" {
			kept = append(kept, strings.TrimSpace(p))
		}
	}
	return strings.Join(kept, " ")
}

// PersonName is the end-user's name as the object records it, or "": the
// name-first, name-middle and name-last attributes, else the name (a
// string, or Persona's hash of first, middle and last). Never JSON.
func (o *Object) PersonName() string {
	parts := []string{o.AttrString("name-first"), o.AttrString("name-middle"), o.AttrString("name-last")}
	var kept []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	if len(kept) > 0 {
		return strings.Join(kept, " ")
	}
	switch n := o.Attr("name").(type) {
	case string:
		return strings.TrimSpace(n)
	case map[string]any:
		return joinName(n)
	}
	return ""
}

// SubjectOf picks the name to show for a case from its objects: the first
// inquiry that names someone, else the first account that does.
func SubjectOf(objects []*Object) string {
	for _, kind := range []ObjectKind{KindInquiry, KindAccount} {
		for _, o := range objects {
			if o.Kind == kind {
				if n := o.PersonName(); n != "" {
					return clipSubject(n)
				}
			}
		}
	}
	return ""
}

// maxSubjectBytes bounds the name a case keeps: it goes into the row
// summary of each of the case's queue index entries, where a 16 MB name
// would be copied and folded on every write of the case.
const maxSubjectBytes = 200

func clipSubject(s string) string {
	if len(s) <= maxSubjectBytes {
		return s
	}
	cut := maxSubjectBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// ReferencesOf lists the reference ids (the integrator's own ids for the
// end-user) of the objects, so a reviewer can find a case by them.
func ReferencesOf(objects []*Object) []string {
	var refs []string
	for _, o := range objects {
		if r := strings.TrimSpace(o.AttrString("reference-id")); r != "" && !slices.Contains(refs, r) {
			refs = append(refs, r)
		}
	}
	return refs
}
