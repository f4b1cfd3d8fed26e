package ui

import (
	"encoding/json"
	"strings"
	"testing"

	"docket/model"
)

// An object's summary reads the same from Persona's current shapes and
// from the older ones docket imported before.
func TestSummaryReadsEitherShape(t *testing.T) {
	for _, tc := range []struct {
		name  string
		kind  model.ObjectKind
		attrs string
		want  []string
	}{
		{"inquiry, older shape", model.KindInquiry,
			`{"status":"approved","name-first":"Amara","name-last":"Okafor","birthdate":"1990-07-14","address-city":"Lagos","address-country-code":"NG"}`,
			[]string{"name      Amara Okafor", "address   Lagos, NG", "status    approved", "birthdate 1990-07-14"}},
		{"inquiry, fields", model.KindInquiry,
			`{"status":"approved","fields":{"name-first":{"type":"string","value":"Amara"},"name-last":{"type":"string","value":"Okafor"},
			 "birthdate":{"type":"date","value":"1990-07-14"},"address-city":{"type":"string","value":"Lagos"},"address-country-code":{"type":"string","value":"NG"}}}`,
			[]string{"name      Amara Okafor", "address   Lagos, NG", "status    approved", "birthdate 1990-07-14"}},
		{"account, name and address hashes", model.KindAccount,
			`{"reference-id":"cust-1","fields":{"name":{"type":"hash","value":{"first":{"type":"string","value":"Amara"},"last":{"type":"string","value":"Okafor"}}},
			 "address":{"type":"hash","value":{"street_1":{"type":"string","value":"12 Market Street"},"city":{"type":"string","value":"Lagos"}}},
			 "birthdate":{"type":"date","value":"1990-07-14"}}}`,
			[]string{"name      Amara Okafor", "address   12 Market Street, Lagos", "reference cust-1", "birthdate 1990-07-14"}},
		{"adverse media match", model.KindReport,
			`{"status":"ready","has-match":true,"related-sources":[{"name":"Amara Okafor","media":[{"title":"x"}]}]}`,
			[]string{"match     YES", "status    ready", "sources   1 item"}},
		{"pep match", model.KindReport,
			`{"status":"ready","has-match":true,"result":[{"name":"Amara Okafor"},{"name":"A. Okafor"}]}`,
			[]string{"match     YES", "status    ready", "results   2 items"}},
	} {
		o := &model.Object{ObjectRef: model.ObjectRef{Kind: tc.kind, ID: "x"}, Attributes: json.RawMessage(tc.attrs)}
		if got := summarize(o); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s:\n%s\nwant\n%s", tc.name, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
		}
	}
}
