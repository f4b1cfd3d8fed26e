package persona

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"docket/model"
)

// The decoder parses documents itself; these tests pin down that it reads
// them exactly as encoding/json did: the same grammar, the same strings, the
// last of repeated keys, raw JSON kept byte for byte.

var grammarCases = []string{
	`{}`, ` {"a" : [1, -0.5e+3, true, false, null, "x"]} `, "\t[\r\n]\n", `"\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00"`, `0`, `-0`, `1E5`, `12.5e-3`,
	"\"\xff\xfe\"", "\"\u2028\"", `{"a":1,"a":2}`, `[[[]]]`, `"\ud800"`,
	``, ` `, `{`, `}`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{1:2}`, `{'a':1}`, `01`, `-`, `1.`, `.5`, `1e`, `1e+`, `+1`,
	`tru`, `nul`, `True`, `NaN`, `"\x"`, `"\u12g4"`, `"\u123"`, "\"a\tb\"", "\"a\x00\"", `"abc`, `{} {}`, `{}x`, "\xef\xbb\xbf{}", `[1]]`,
}

func TestParseMatchesEncodingJSON(t *testing.T) {
	for _, doc := range grammarCases {
		tr, ok := parseTree([]byte(doc), "")
		tr.release()
		if want := json.Valid([]byte(doc)); ok != want {
			t.Errorf("parse(%q) = %v, encoding/json says %v", doc, ok, want)
		}
	}
}

func TestParseDepthLimit(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	if _, err := Decode([]byte(deep(10000))); err == nil || err.Error() != "document: want an object, got an array" {
		t.Errorf("10000 deep: %v", err)
	}
	if _, err := Decode([]byte(deep(10001))); err == nil || err.Error() != "malformed JSON at byte 10001: invalid character '[' exceeded max depth" {
		t.Errorf("10001 deep: %v", err)
	}
}

// FuzzParse checks that the parser accepts exactly what encoding/json does,
// and that a value's raw bytes are the document without its white space.
func FuzzParse(f *testing.F) {
	for _, doc := range grammarCases {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		tr, ok := parseTree(doc, "")
		defer tr.release()
		if want := json.Valid(doc); ok != want {
			t.Fatalf("parse(%q) = %v, encoding/json says %v", doc, ok, want)
		}
		if ok && !bytes.Equal(tr.raw(0), bytes.Trim(doc, " \t\r\n")) {
			t.Fatalf("raw %q of %q", tr.raw(0), doc)
		}
	})
}

func TestDecodeReadsLikeEncodingJSON(t *testing.T) {
	doc := `{"data": {"type": "inquiry", "type": "case", "id": "case_1", "attributes": {"status": "open", "st\u0061tus": "closed", "name": "a\ud800b` + "\xff" + `"}},
		"included": [{"type": "account", "id": "act_1", "attributes": { "b" : [ 1 , 2 ],
		  "a": "x\u0041", "a": "dup" }, "relationships": {"x": {"data": null}} }]}`
	docs, err := Decode([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	c := docs[0].Case
	// The last of repeated keys wins, escaped keys match, and strings that
	// are not well-formed UTF-8 get U+FFFD.
	if c.Status != "closed" || c.Name != "a\ufffdb\ufffd" {
		t.Errorf("status %q, name %q", c.Status, c.Name)
	}
	// Attributes and relationships are kept exactly as written.
	obj := docs[0].Objects[0]
	if want := "{ \"b\" : [ 1 , 2 ],\n\t\t  \"a\": \"x\\u0041\", \"a\": \"dup\" }"; string(obj.Attributes) != want {
		t.Errorf("attributes %q, want %q", obj.Attributes, want)
	}
	if want := `{"x": {"data": null}}`; string(obj.Relationships) != want {
		t.Errorf("relationships %q, want %q", obj.Relationships, want)
	}
}

func TestFlattenFieldsLikeEncodingJSON(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"strings", `{"j": {"type": "json", "value": {"s": "a\u0041\/\u00e9", "t": "` + "\u2028\xff" + `", "u": "\ud800x", "e": "\ud83d\ude00", "c": "\u0001\n"}},` +
			` "v": {"type": "string", "value": "a\u0041` + "\xff\u2028" + `"}, "w": {"type": "array", "value": ["\u0041", {"k": "\u0041"}]}}`,
			// Inside plain objects and lists strings are decoded and written
			// anew; a field's own scalar value is kept as written.
			`{"j":{"c":"\u0001\n","e":"😀","s":"aA/é","t":"\u2028` + "\ufffd" + `","u":"` + "\ufffd" + `x"},"v":"a\u0041` + "\xff\u2028" + `","w":["\u0041",{"k":"A"}]}`},
		{"repeated keys", `{"b": {"type": "integer", "value": 1}, "a": {"type": "integer", "value": 2}, "b": {"type": "integer", "value": 3}, "\u0061": {"type": "string", "value": "x"}}`,
			`{"a":"x","b":3}`},
		{"typed or not", `{"l": {"type": "array", "value": [{"type": "string", "value": "t", "value": "u"}, {"type": "string", "type": "string"}, {"type": "x", "value": 1, "extra": 2}]}}`,
			`{"l":["u",{"type":"string"},{"extra":2,"type":"x","value":1}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FlattenFields(json.RawMessage(tt.in))
			if err != nil || string(got) != tt.want {
				t.Errorf("got  %q, %v\nwant %q", got, err, tt.want)
			}
		})
	}
}

func TestFieldsOddInput(t *testing.T) {
	tests := []struct{ in, want string }{
		{" ", "{}"}, {"nope", "{}"}, {"null x", "{}"},
		{"]", "fields: want an object, got a number"},
		{"\x000", "fields: want an object, got nothing"}, // a NUL byte is not "no byte"; found by FuzzFields
		{`{"a": 1} x`, "fields: invalid character 'x' after top-level value"},
		{`{"a": `, "fields: unexpected end of JSON input"},
	}
	for _, tt := range tests {
		for name, fn := range map[string]func(json.RawMessage) (json.RawMessage, error){"FlattenFields": FlattenFields, "WrapFields": WrapFields} {
			got, err := fn(json.RawMessage(tt.in))
			if err != nil {
				got = json.RawMessage(err.Error())
			}
			if string(got) != tt.want {
				t.Errorf("%s(%q) = %s, want %s", name, tt.in, got, tt.want)
			}
		}
	}
}

// Wrapping doubles the nesting; encoding/json refused to write more than
// 10000 levels, and WrapFields still says so.
func TestWrapFieldsTooDeep(t *testing.T) {
	objects := func(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }
	if _, err := WrapFields(json.RawMessage(objects(5001))); err != nil {
		t.Errorf("5001 deep: %v", err)
	}
	tests := []struct{ in, char string }{
		{objects(5002), `'{'`},
		{`{"a":` + strings.Repeat("[", 5001) + strings.Repeat("]", 5001) + "}", `'['`},
	}
	for _, tt := range tests {
		_, err := WrapFields(json.RawMessage(tt.in))
		if want := "json: error calling MarshalJSON for type json.RawMessage: invalid character " + tt.char + " exceeded max depth"; err == nil || err.Error() != want {
			t.Errorf("error %v, want %s", err, want)
		}
	}
}

// Decode runs from several goroutines at once in the import; pooled trees
// and buffers must not leak between calls.
func TestDecodeConcurrent(t *testing.T) {
	var docs [][]byte
	var want [][]CaseDoc
	for _, name := range []string{"realistic.json", "case.json", "list.json", "event.json"} {
		doc := readFixture(t, name)
		got, err := Decode(doc)
		if err != nil {
			t.Fatal(err)
		}
		docs, want = append(docs, doc), append(want, got)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				k := (g + i) % len(docs)
				got, err := Decode(docs[k])
				if err != nil || !reflect.DeepEqual(got, want[k]) {
					t.Errorf("goroutine %d: doc %d decoded differently (%v)", g, k, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// Results outlive the pooled tree and buffers: decoding another document
// must leave them as they were.
func TestResultsDoNotAliasPools(t *testing.T) {
	doc := readFixture(t, "case.json")
	first, err := Decode(doc)
	if err != nil {
		t.Fatal(err)
	}
	fields, attrs := string(first[0].Case.Fields), string(first[0].Objects[0].Attributes)
	flat, err := FlattenFields(json.RawMessage(`{"x": {"type": "string", "value": "kept"}}`))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := Decode(readFixture(t, "realistic.json")); err != nil {
			t.Fatal(err)
		}
		if _, err := WrapFields(json.RawMessage(`{"y": "overwritten"}`)); err != nil {
			t.Fatal(err)
		}
	}
	if string(first[0].Case.Fields) != fields || string(first[0].Objects[0].Attributes) != attrs || string(flat) != `{"x":"kept"}` {
		t.Error("results changed when later documents were decoded")
	}
}

func TestDecodeObjectsErrorsAreInvalid(t *testing.T) {
	for _, doc := range []string{`{`, `[]`, `{"data": {"type": "case", "id": "c"}}`} {
		if _, err := DecodeObjects([]byte(doc)); !errors.Is(err, model.ErrInvalid) {
			t.Errorf("DecodeObjects(%s) = %v, want model.ErrInvalid", doc, err)
		}
	}
}
