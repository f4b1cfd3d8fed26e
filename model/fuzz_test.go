package model

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// FuzzMergePatch checks MergePatch and MergeDiff on any pair of inputs:
// they never panic, they refuse what is not JSON, what they return is a
// JSON object, a patch applied twice gives what it gave once, and when
// both inputs are objects the diff of doc to target, applied to doc, gives
// target back (less the nulls of objects, which a merge patch cannot set).
func FuzzMergePatch(f *testing.F) {
	for _, s := range [][2]string{
		{`{"a":"b"}`, `{"a":"c"}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`},
		{`{"e":null}`, `{"a":1}`},
		{``, `{"a":{"bb":{"ccc":null}}}`},
		{`{"n":12345678901234567890}`, `{"m":0.1,"n":1.0}`},
		{`{"a":1,"b":{"c":2,"d":[1,2]},"gone":true}`, `{"a":1,"b":{"c":3,"d":[1,2],"e":{"f":"x"}},"new":"y"}`},
		{`{"a":1}`, `{"a":{"b":null}}`},
		{`{"a":"<&>"}`, `{"a":"\u2028\ud800","b":"\xff"}`},
		{`{"a":1,"a":2}`, `{"a":{},"a":null}`},
		{`[1]`, `{"a":1}`},
		{`null`, `{}`},
		{`{}`, `{} {}`},
		{`{"a":`, `{}`},
		{`{}`, strings.Repeat(`{"a":`, 200) + `1` + strings.Repeat(`}`, 200)},
	} {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, doc, other []byte) {
		// Blank is JSON's white space only, as encoding/json sees it.
		blank := func(b []byte) bool { return len(bytes.Trim(b, " \t\r\n")) == 0 }
		docOK := blank(doc) || json.Valid(doc)

		// other as a patch.
		got, err := MergePatch(doc, other)
		switch {
		case err != nil && docOK && json.Valid(other) && isObject(other):
			t.Fatalf("MergePatch(%q, %q) refused valid input: %v", doc, other, err)
		case err != nil:
		case !docOK || !json.Valid(other):
			t.Fatalf("MergePatch(%q, %q) accepted invalid JSON, gave %s", doc, other, got)
		case !isObject(got):
			t.Fatalf("MergePatch(%q, %q) = %q, not a JSON object", doc, other, got)
		default:
			again, err := MergePatch(got, other)
			if err != nil || !bytes.Equal(again, got) {
				t.Fatalf("MergePatch twice with %q: %s, then %s (%v)", other, got, again, err)
			}
		}

		// other as the target of a diff.
		patch, err := MergeDiff(doc, other)
		docObj := blank(doc) || isObject(doc)
		otherObj := blank(other) || isObject(other)
		switch {
		case err != nil && docObj && otherObj:
			t.Fatalf("MergeDiff(%q, %q) refused two objects: %v", doc, other, err)
		case err != nil:
			return
		case !docObj || !otherObj:
			t.Fatalf("MergeDiff(%q, %q) accepted what is not two objects, gave %s", doc, other, patch)
		case !isObject(patch):
			t.Fatalf("MergeDiff(%q, %q) = %q, not a JSON object", doc, other, patch)
		}
		got, err = MergePatch(doc, patch)
		if err != nil {
			t.Fatalf("MergePatch(%q, MergeDiff = %s): %v", doc, patch, err)
		}
		want := "{}"
		if !blank(other) {
			want = string(other)
		}
		if g, w := withoutNulls(t, got), withoutNulls(t, []byte(want)); !reflect.DeepEqual(g, w) {
			t.Fatalf("MergePatch(%q, MergeDiff(%q, %q) = %s) = %s; want %s", doc, doc, other, patch, got, want)
		}
	})
}

// isObject reports whether b is one valid JSON object.
func isObject(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return json.Valid(b) && len(b) > 0 && b[0] == '{'
}

// withoutNulls decodes b (numbers as written) and drops the null members of
// every object, outside arrays; values inside arrays are kept as they are.
func withoutNulls(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %q: %v", b, err)
	}
	var strip func(v any) any
	strip = func(v any) any {
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		for k, x := range m {
			if x == nil {
				delete(m, k)
			} else {
				m[k] = strip(x)
			}
		}
		return m
	}
	return strip(v)
}
