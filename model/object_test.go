package model

import (
	"strings"
	"testing"
)

// A Persona account keeps its name as a hash of typed values; a person
// reads "Amara Okafor", never the JSON (issue 10 item 5).
func TestPersonaTypedValuesReadAsValues(t *testing.T) {
	acct := &Object{ObjectRef: ObjectRef{Kind: KindAccount, Type: "account", ID: "act_1"}, Attributes: []byte(`{
		"reference-id": "user-7",
		"fields": {
			"name": {"type": "hash", "value": {
				"first": {"type": "string", "value": "Amara"},
				"middle": {"type": "string", "value": null},
				"last": {"type": "string", "value": "Okafor"}}},
			"address": {"type": "hash", "value": {
				"street-1": {"type": "string", "value": "1 A & B Road"},
				"city": {"type": "string", "value": "Lagos"}}},
			"scores": {"type": "array", "value": [{"type": "integer", "value": 7}, {"type": "float", "value": 0.5}]},
			"tags": {"type": "multi_choices", "value": ["a", "b"]}
		}}`)}
	if got := acct.PersonName(); got != "Amara Okafor" {
		t.Errorf("PersonName = %q", got)
	}
	if got := acct.AttrString("name"); got != "Amara Okafor" {
		t.Errorf("AttrString(name) = %q", got)
	}
	for name, want := range map[string]string{
		"address":      `{"city":"Lagos","street-1":"1 A & B Road"}`,
		"scores":       `[7,0.5]`,
		"tags":         `["a","b"]`,
		"reference-id": "user-7",
	} {
		if got := acct.AttrString(name); got != want {
			t.Errorf("AttrString(%s) = %q, want %q", name, got, want)
		}
	}
	if got := SubjectOf([]*Object{acct}); got != "Amara Okafor" {
		t.Errorf("subject %q", got)
	}
	for k, v := range acct.Values() {
		if s := JSONText(v); strings.Contains(s, `"type"`) {
			t.Errorf("attribute %s still holds typed values: %s", k, s)
		}
	}
	// A plain object that only looks a little like a pair is kept.
	plain := Value(map[string]any{"type": "watchlist", "value": 3, "list": "OFAC"})
	if JSONText(plain) != `{"list":"OFAC","type":"watchlist","value":3}` {
		t.Errorf("a plain object changed: %s", JSONText(plain))
	}
	// A name given as attributes still wins, and a hash with other members
	// is a name only where a name is asked for.
	inq := &Object{Attributes: []byte(`{"name-first": "Ana", "name": {"first": "X", "last": "Y", "suffix": "Jr"}}`)}
	if inq.PersonName() != "Ana" {
		t.Errorf("PersonName %q", inq.PersonName())
	}
	other := &Object{Attributes: []byte(`{"name": {"first": "Kai", "last": "Sato", "suffix": "Jr"}}`)}
	if other.PersonName() != "Kai Sato" {
		t.Errorf("PersonName %q", other.PersonName())
	}
}
