package persona

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"docket/model"
)

// FuzzDecode checks that no input makes Decode or DecodeObjects panic, that
// they refuse exactly the input encoding/json finds malformed, that every
// refusal is model.ErrInvalid, and that whatever Decode accepts survives
// Encode and a second Decode unchanged. The seeds in testdata/fuzz/FuzzDecode
// run with every `go test`.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"case.json", "list.json", "event.json"} {
		f.Add(readFixture(f, name))
	}
	for _, s := range []string{
		`{"data":{"type":"case","id":"c","attributes":{"status":"s","created-at":"0000-01-01T00:30:00+01:00"}}}`,
		`{"data":{"type":"case","id":"c","attributes":{"status":"s","tags":["a","\u0000"],"name":"\ud800"},` +
			`"relationships":{"inquiries":{"data":[{"type":"account","id":"x"},{"type":"inquiry","id":"y"}]},"transactions":{"data":{"type":"t","id":"z"}}}},` +
			`"included":[{"type":"account","id":"x","attributes":{ "a" : [ 1 ] }},{"type":"case-comment","id":"k","attributes":{"text":"hi","author-id":"me"}}]}`,
		`{"data":[{"type":"case","id":"a","attributes":{"status":"s"},"relationships":{"case-comments":{"data":[{"type":"case-comment","id":"k"},{"type":"case-comment","id":"k"}]}}}],` +
			`"included":[{"type":"case-comment","id":"k","attributes":{"body":"b"}}]}`,
		`{"type":"inquiry","id":"inq_1","attributes":{"status":"completed"}}`,
		`{"data":[{"type":"report/watchlist","id":"r"},{"type":"event","id":"e","attributes":{"payload":{"data":{"type":"account","id":"a"}}}}]}`,
		`{"data":{}}]`, `{"data":[]} x`, "\xef\xbb\xbf{}", `[` + strings.Repeat(`{"a":[`, 100) + strings.Repeat(`]}`, 100) + `]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		valid := json.Valid(doc)
		docs, err := Decode(doc)
		checkRefusal(t, "Decode", doc, valid, err)
		objs, oerr := DecodeObjects(doc)
		checkRefusal(t, "DecodeObjects", doc, valid, oerr)
		for _, o := range objs {
			if k, ok := model.KindOf(o.Type); !ok || o.Kind != k || o.ID == "" {
				t.Fatalf("DecodeObjects(%q): object %+v", doc, o.ObjectRef)
			}
			if o.Attributes != nil && !isJSONObject(o.Attributes) || o.Relationships != nil && !isJSONObject(o.Relationships) {
				t.Fatalf("DecodeObjects(%q): object %s holds %q / %q", doc, o.ID, o.Attributes, o.Relationships)
			}
		}
		if err != nil {
			return
		}
		for _, d := range docs {
			checkCaseDoc(t, doc, d)
			line, err := EncodeCase(d.Doc(), Options{Docket: true})
			if err != nil {
				if strings.Contains(err.Error(), "exceeded max depth") {
					continue // fields too deep to wrap, as encoding/json would say
				}
				t.Fatalf("Encode of a decoded case: %v", err)
			}
			if _, err := EncodeCase(d.Doc(), Options{}); err != nil {
				t.Fatalf("EncodeCase in Persona's shape of a decoded case: %v\nfrom %q", err, doc)
			}
			again, err := Decode(line)
			if err != nil {
				t.Fatalf("Decode(Encode(...)): %v\n%s\nfrom %q", err, line, doc)
			}
			if len(again) != 1 {
				t.Fatalf("Decode(Encode(...)) gave %d cases", len(again))
			}
			if diff := sameCase(d, again[0]); diff != "" {
				t.Fatalf("round trip changed the case: %s\n%s\nfrom %q", diff, line, doc)
			}
		}
	})
}

// checkRefusal wants an error exactly for malformed JSON (said as such),
// and model.ErrInvalid for every refusal.
func checkRefusal(t *testing.T, fn string, doc []byte, valid bool, err error) {
	t.Helper()
	malformed := err != nil && strings.HasPrefix(err.Error(), "malformed JSON")
	switch {
	case err != nil && !errors.Is(err, model.ErrInvalid):
		t.Fatalf("%s(%q): %v is not ErrInvalid", fn, doc, err)
	case !valid && !malformed:
		t.Fatalf("%s(%q) = %v; encoding/json says it is malformed", fn, doc, err)
	case valid && malformed:
		t.Fatalf("%s(%q) = %v; encoding/json says it is valid", fn, doc, err)
	}
}

func isJSONObject(b []byte) bool { return json.Valid(b) && bytes.TrimLeft(b, " \t\r\n")[0] == '{' }

// checkCaseDoc checks what holds for every decoded case.
func checkCaseDoc(t *testing.T, doc []byte, d CaseDoc) {
	t.Helper()
	c := d.Case
	if c.ID == "" || c.Status == "" || !isJSONObject(c.Fields) {
		t.Fatalf("Decode(%q): case %q status %q fields %q", doc, c.ID, c.Status, c.Fields)
	}
	seen := map[string]bool{}
	for _, r := range c.Objects {
		if r.ID == "" || r.Type == "" || seen[r.ID] || !slices.Contains(model.ObjectKinds, r.Kind) {
			t.Fatalf("Decode(%q): case %s has ref %+v (repeated: %v)", doc, c.ID, r, seen[r.ID])
		}
		seen[r.ID] = true
	}
	for _, o := range d.Objects {
		if !seen[o.ID] {
			t.Fatalf("Decode(%q): case %s has object %s without a ref", doc, c.ID, o.ID)
		}
		seen[o.ID] = false // each object once
	}
	ids := map[string]bool{}
	for _, cm := range d.Comments {
		if cm.ID == "" || cm.CaseID != c.ID || ids[cm.ID] {
			t.Fatalf("Decode(%q): case %s has comment %+v (repeated: %v)", doc, c.ID, cm, ids[cm.ID])
		}
		ids[cm.ID] = true
	}
}

// sameCase describes how b, decoded from the encoding of a, differs from a.
// Refs and objects are compared as sets: Encode groups refs by
// relationship, which can change their order and so the objects'.
func sameCase(a, b CaseDoc) string {
	x, y := a.Case, b.Case
	// A case without a case-template names its workflow there instead.
	if x.PersonaTemplate == "" {
		x.PersonaTemplate = a.Workflow
	}
	switch {
	case x.ID != y.ID || x.Name != y.Name || x.Status != y.Status || x.PersonaTemplate != y.PersonaTemplate:
		return fmt.Sprintf("id/name/status/template %q %q %q %q, then %q %q %q %q", x.ID, x.Name, x.Status, x.PersonaTemplate, y.ID, y.Name, y.Status, y.PersonaTemplate)
	case a.Workflow != b.Workflow || a.Assignee != b.Assignee || a.Creator != b.Creator || a.Assigner != b.Assigner || a.Resolver != b.Resolver:
		return fmt.Sprintf("workflow/people %q, then %q", []string{a.Workflow, a.Assignee, a.Creator, a.Assigner, a.Resolver},
			[]string{b.Workflow, b.Assignee, b.Creator, b.Assigner, b.Resolver})
	case !slices.Equal(x.Tags, y.Tags):
		return fmt.Sprintf("tags %q, then %q", x.Tags, y.Tags)
	case string(x.Fields) != string(y.Fields):
		return fmt.Sprintf("fields %s, then %s", x.Fields, y.Fields)
	}
	for i, p := range [][2]time.Time{{x.CreatedAt, y.CreatedAt}, {x.UpdatedAt, y.UpdatedAt}, {x.AssignedAt, y.AssignedAt},
		{x.ResolvedAt, y.ResolvedAt}, {x.SLAExpiresAt, y.SLAExpiresAt}} {
		if !p[0].Equal(p[1]) {
			return fmt.Sprintf("time %d: %v, then %v", i, p[0], p[1])
		}
	}
	byID := func(r, s model.ObjectRef) int { return strings.Compare(r.ID, s.ID) }
	if r, s := slices.SortedFunc(slices.Values(x.Objects), byID), slices.SortedFunc(slices.Values(y.Objects), byID); !slices.Equal(r, s) {
		return fmt.Sprintf("refs %v, then %v", r, s)
	}
	if len(a.Objects) != len(b.Objects) {
		return fmt.Sprintf("%d objects, then %d", len(a.Objects), len(b.Objects))
	}
	// Objects too: a single case attaches the named ones first, then the rest.
	objByID := func(o, p *model.Object) int { return strings.Compare(o.ID, p.ID) }
	bObjects := slices.SortedFunc(slices.Values(b.Objects), objByID)
	for i, o := range slices.SortedFunc(slices.Values(a.Objects), objByID) {
		p := bObjects[i]
		attrs := o.Attributes
		if len(attrs) == 0 {
			attrs = []byte("{}")
		}
		if o.ObjectRef != p.ObjectRef || compact(attrs) != string(p.Attributes) || compact(o.Relationships) != string(p.Relationships) {
			return fmt.Sprintf("object %+v %s %s, then %+v %s %s", o.ObjectRef, o.Attributes, o.Relationships, p.ObjectRef, p.Attributes, p.Relationships)
		}
	}
	if len(a.Comments) != len(b.Comments) {
		return fmt.Sprintf("%d comments, then %d", len(a.Comments), len(b.Comments))
	}
	for i, c := range a.Comments {
		d := b.Comments[i]
		if c.ID != d.ID || c.CaseID != d.CaseID || c.Author != d.Author || c.Body != d.Body || !c.CreatedAt.Equal(d.CreatedAt) {
			return fmt.Sprintf("comment %+v, then %+v", c, d)
		}
	}
	return ""
}

// compact is raw JSON as Encode writes it back: without white space.
func compact(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return "invalid: " + err.Error()
	}
	return buf.String()
}

// FuzzFields checks FlattenFields and WrapFields against encoding/json: for
// any input they agree with a plain decoding into maps and lists on what is
// refused and on the values written, their output is compact JSON with
// every object's keys sorted and distinct, and flattening what WrapFields
// wrote gives the input's values back. It also checks that appendString
// escapes exactly as encoding/json does.
func FuzzFields(f *testing.F) {
	for _, s := range []string{
		``, `null`, `nope`, `[]`, `{"a": "b"}`, `{}`,
		`{"n": {"type": "integer", "value": 12345678901234567890}, "s": {"type": "string", "value": "a & <b>"}, "f": {"type": "float", "value": 1.50}}`,
		`{"x": {"type": "date", "value": {}}, "y": {"type": {}, "value": {}}, "z": {"type": null, "value": 1}}`,
		`{"addr": {"type": "hash", "value": {"city": {"type": "string", "value": "Porto"}, "geo": {"type": "hash", "value": {"lat": {"type": "float", "value": 41.15}}}}}}`,
		`{"ids": {"type": "array", "value": [{"type": "string", "value": "a"}, {"type": "hash", "value": {"k": {"type": "integer", "value": 1}}}, {"type": "string", "value": null}]}}`,
		`{"l": {"type": "array", "value": [{"type": "string", "value": "t", "value": "u"}, {"type": "string", "type": "string"}, {"type": "x", "value": 1, "extra": 2}]}}`,
		`{"j": {"type": "json", "value": {"s": "a\u0041\/\u00e9", "t": "` + "\u2028\xff" + `", "u": "\ud800x", "e": "\ud83d\ude00", "c": "\u0001\n"}}}`,
		`{"b": {"type": "integer", "value": 1}, "\u0062": {"type": "integer", "value": 3}, "\xff": {"type": "string", "value": "x"}, "\xfe": {"type": "string", "value": "y"}}`,
		`{"a":[1,"x",null,true,2.5,{"deep":[[]]}],"b":{"c":{"d":"e"}},"empty":{},"n":null,"big":1e400}`,
		`{"a": 1} x`, `{"a": 1}}`, ` {"a": `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if got, want := string(appendString(nil, string(raw))), mustMarshal(t, string(raw)); got != want {
			t.Fatalf("appendString(%q) = %s, encoding/json writes %s", raw, got, want)
		}
		trimmed := bytes.TrimLeft(raw, " \t\r\n")
		if len(trimmed) == 0 || trimmed[0] == 'n' {
			// Read as null, whatever follows: see TestFieldsOddInput.
			for _, fn := range []func(json.RawMessage) (json.RawMessage, error){FlattenFields, WrapFields} {
				if got, err := fn(raw); err != nil || string(got) != "{}" {
					t.Fatalf("%q gave %s, %v; want {}", raw, got, err)
				}
			}
			return
		}
		var v any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		refOK := json.Valid(raw) && dec.Decode(&v) == nil
		m, isMap := v.(map[string]any)
		refOK = refOK && isMap

		flat, err := FlattenFields(raw)
		want, wantOK := refFlatten(m)
		switch {
		case err != nil && !errors.Is(err, model.ErrInvalid):
			t.Fatalf("FlattenFields(%q): %v is not ErrInvalid", raw, err)
		case (err == nil) != (refOK && wantOK):
			t.Fatalf("FlattenFields(%q) = %s, %v; encoding/json reads it as %v", raw, flat, err, v)
		case err == nil:
			checkCanonical(t, flat)
			if got := decodeAny(t, flat); !reflect.DeepEqual(got, want) {
				t.Fatalf("FlattenFields(%q) = %s; want the values %v", raw, flat, want)
			}
		}

		wrapped, err := WrapFields(raw)
		switch {
		case err != nil && refOK && strings.Contains(err.Error(), "exceeded max depth"):
			return // wrapping doubles the nesting, past encoding/json's limit
		case (err == nil) != refOK:
			t.Fatalf("WrapFields(%q) = %s, %v; encoding/json reads it as %v", raw, wrapped, err, v)
		case err != nil:
			return
		}
		checkCanonical(t, wrapped)
		if got, want := decodeAny(t, wrapped), refWrap(m); !reflect.DeepEqual(got, want) {
			t.Fatalf("WrapFields(%q) = %s; want the values %v", raw, wrapped, want)
		}
		back, err := FlattenFields(wrapped)
		if err != nil {
			t.Fatalf("FlattenFields(WrapFields(%q) = %s): %v", raw, wrapped, err)
		}
		if got := decodeAny(t, back); !reflect.DeepEqual(got, any(m)) {
			t.Fatalf("FlattenFields(WrapFields(%q)) = %s", raw, back)
		}
	})
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func decodeAny(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		t.Fatalf("%q is not one JSON value: %v", b, err)
	}
	return v
}

// checkCanonical wants compact JSON whose objects list their keys once each,
// in sorted order, as encoding/json writes maps.
func checkCanonical(t *testing.T, b []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil || !bytes.Equal(buf.Bytes(), b) {
		t.Fatalf("%q is not compact JSON (%v)", b, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	type level struct {
		object, atKey bool
		last          *string
	}
	var stack []level
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%q: %v", b, err)
		}
		top := len(stack) - 1
		if top >= 0 && stack[top].object && stack[top].atKey {
			if k, ok := tok.(string); ok {
				if l := stack[top].last; l != nil && *l >= k {
					t.Fatalf("%q: key %q after %q", b, k, *l)
				}
				stack[top].last, stack[top].atKey = &k, false
				continue
			}
		}
		if top >= 0 && stack[top].object {
			stack[top].atKey = true // the value read (or opened) here ends the member
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, level{object: true, atKey: true})
		case json.Delim('['):
			stack = append(stack, level{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:top]
		}
	}
}

// refFlatten is FlattenFields on values decoded by encoding/json.
func refFlatten(m map[string]any) (any, bool) {
	out := make(map[string]any, len(m))
	for k, e := range m {
		u, ok := refUntype(e)
		if !ok {
			return nil, false
		}
		out[k] = u
	}
	return out, true
}

func refUntype(e any) (any, bool) {
	em, ok := e.(map[string]any)
	if !ok {
		return nil, false
	}
	typ, hasType := em["type"]
	val, hasValue := em["value"]
	if !hasType || !hasValue {
		return nil, false
	}
	name, isString := typ.(string)
	if tm, isMap := typ.(map[string]any); !isString && typ != nil && !(isMap && len(tm) == 0) {
		return nil, false
	}
	vm, valIsMap := val.(map[string]any)
	switch {
	case val == nil:
		return nil, true
	case name == "hash":
		if !valIsMap {
			return nil, false
		}
		return refFlatten(vm)
	}
	if list, ok := val.([]any); ok {
		out := make([]any, len(list))
		for i, it := range list {
			out[i] = it
			if im, ok := it.(map[string]any); ok && len(im) == 2 {
				if _, ok := im["type"].(string); ok {
					if _, ok := im["value"]; ok {
						if out[i], ok = refUntype(it); !ok {
							return nil, false
						}
					}
				}
			}
		}
		return out, true
	}
	if valIsMap && len(vm) == 0 && !slices.Contains([]string{"hash", "array", "object", "json", "multi_choices"}, name) {
		return nil, true // the {} null quirk
	}
	return val, true
}

// refWrap is WrapFields on values decoded by encoding/json.
func refWrap(v any) any {
	typed := func(typ string, v any) any { return map[string]any{"type": typ, "value": v} }
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = refWrapValue(e, typed)
		}
		return out
	}
	return nil
}

func refWrapValue(v any, typed func(string, any) any) any {
	switch v := v.(type) {
	case nil:
		return typed("string", nil)
	case string:
		return typed("string", v)
	case bool:
		return typed("boolean", v)
	case json.Number:
		if strings.ContainsAny(string(v), ".eE") {
			return typed("float", v)
		}
		return typed("integer", v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = refWrapValue(e, typed)
		}
		return typed("array", out)
	}
	return typed("hash", refWrap(v))
}

// BenchmarkDecodeList decodes a list of 1000 cases sharing 3000 included
// objects; the time per case should not grow with the list.
func BenchmarkDecodeList(b *testing.B) {
	var data, inc []string
	for i := range 1000 {
		data = append(data, fmt.Sprintf(`{"type":"case","id":"case_%d","attributes":{"status":"open","created-at":"2024-06-01T08:00:00.000Z","fields":{"n":{"type":"integer","value":%d}}},`+
			`"relationships":{"inquiries":{"data":[{"type":"inquiry","id":"inq_%d"}]},"accounts":{"data":[{"type":"account","id":"act_%d"}]},"reports":{"data":[{"type":"report/watchlist","id":"rep_%d"}]}}}`, i, i, i, i%500, i))
		inc = append(inc, fmt.Sprintf(`{"type":"inquiry","id":"inq_%d","attributes":{"fields":{"name-first":{"type":"string","value":"N%d"}}}}`, i, i),
			fmt.Sprintf(`{"type":"report/watchlist","id":"rep_%d","attributes":{"has-match":false}}`, i))
		if i < 500 {
			inc = append(inc, fmt.Sprintf(`{"type":"account","id":"act_%d","attributes":{"reference-id":"r%d"}}`, i, i))
		}
	}
	doc := []byte(`{"data":[` + strings.Join(data, ",") + `],"included":[` + strings.Join(inc, ",") + `]}`)
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := Decode(doc); err != nil {
			b.Fatal(err)
		}
	}
}
