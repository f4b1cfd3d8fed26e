package persona

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"docket/model"
	"docket/store/persona/conform"
)

// The objects of each kind and report type docket makes or keeps, in
// Persona's current shape, with the schema component each must conform to.
var shapes = []struct {
	schema string
	obj    *model.Object
}{
	{"inquiry", obj(model.KindInquiry, "inquiry", "inq_1", `{"status":"approved","reference-id":"user-000042",
		"created-at":"2026-11-20T09:00:00Z","fields":{"name-first":{"type":"string","value":"Amara"},
		"name-last":{"type":"string","value":"Okafor"},"birthdate":{"type":"date","value":"1990-07-14"},
		"address-street-1":{"type":"string","value":"12 Market Street"},"address-city":{"type":"string","value":"Lagos"},
		"address-subdivision":{"type":"string","value":"LA"},"address-postal-code":{"type":"string","value":"100001"},
		"address-country-code":{"type":"string","value":"NG"},"email-address":{"type":"string","value":"amara@mail.example"},
		"phone-number":{"type":"string","value":"+234 555 0101"}}}`)},
	{"account", obj(model.KindAccount, "account", "act_1", `{"reference-id":"cust-0000042","account-type-name":"User",
		"created-at":"2025-01-02T03:04:05Z","updated-at":"2025-01-02T03:04:05Z","country-code":"NG","tags":[],
		"fields":{"name":{"type":"hash","value":{"first":{"type":"string","value":"Amara"},"last":{"type":"string","value":"Okafor"}}},
		"birthdate":{"type":"date","value":"1990-07-14"}}}`)},
	{"report-watchlist", obj(model.KindReport, "report/watchlist", "rep_w", `{"status":"ready","created-at":"2026-11-20T09:00:00Z",
		"has-match":true,"matched-lists":[{"name":"OFAC SDN","list-type":"sanction","entities":[{"name":"Amara Okafor","alias-type":"primary_name"}]}]}`)},
	{"report-phone-risk", obj(model.KindReport, "report/phone-number", "rep_p", `{"status":"ready","created-at":"2026-11-20T09:00:00Z",
		"has-match":false,"phone-number":"+234 555 0101","phone-type":"mobile","phone-risk-level":"low","phone-carrier":"MTN"}`)},
	{"report-adverse-media", obj(model.KindReport, "report/adverse-media", "rep_a", `{"status":"ready","created-at":"2026-11-20T09:00:00Z",
		"has-match":true,"related-sources":[{"name":"Amara Okafor","match-types":["name"],"sources":[{"name":"fraud","types":["adverse-media"]}],
		"media":[{"title":"Article 1","url":"https://news.example/1"}]}]}`)},
	{"report-politically-exposed-person", obj(model.KindReport, "report/politically-exposed-person", "rep_e", `{"status":"ready",
		"created-at":"2026-11-20T09:00:00Z","has-match":true,"result":[{"name":"Amara Okafor","positions":[{"pep-class":"PEP2","name":"Member of parliament"}]}]}`)},
	{"verification-government-id", obj(model.KindVerification, "verification/government-id", "ver_1", `{"status":"passed",
		"created-at":"2026-11-20T09:00:00Z","country-code":"NG","id-class":"pp","name-first":"Amara","name-last":"Okafor",
		"birthdate":"1990-07-14","checks":[{"name":"id_expired_detection","status":"passed","reasons":[]}]}`)},
	{"transaction", obj(model.KindTransaction, "transaction", "txn_1", `{"status":"approved","reference-id":"order-7",
		"created-at":"2026-11-20T09:00:00Z","tags":[],"fields":{"amount":{"type":"float","value":12.5},"currency":{"type":"string","value":"EUR"}}}`)},
}

func obj(kind model.ObjectKind, typ, id, attrs string) *model.Object {
	return &model.Object{ObjectRef: model.ObjectRef{Kind: kind, Type: typ, ID: id}, Attributes: json.RawMessage(compact([]byte(attrs)))}
}

// shapeDoc is a case holding one object of each shape and two comments: one
// made in docket, one imported.
func shapeDoc() Doc {
	at := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	c := &model.Case{ID: "case_1", Name: "CASE-1", Workflow: "default", Status: "Declined", StatusType: model.End,
		Assignee: "kai", Assigner: "policy:round-robin", Creator: "admin", Resolver: "kai", Version: 9,
		CreatedAt: at, UpdatedAt: at.Add(time.Hour), AssignedAt: at, ResolvedAt: at.Add(time.Hour),
		Tags: []string{"vip"}, Fields: json.RawMessage(`{"risk":{"score":87}}`)}
	var objs []*model.Object
	for _, s := range shapes {
		objs = append(objs, s.obj)
	}
	comments := []model.Comment{
		{CaseID: c.ID, Seq: 3, Author: "kai", Body: "Selfie matches.", CreatedAt: at.Add(time.Minute)},
		{CaseID: c.ID, Seq: 4, ID: "cscm_9", Author: "admin", Body: "From Persona.", CreatedAt: at.Add(2 * time.Minute),
			Imported: &model.ImportedFrom{Author: "ops@example.com", At: at.Add(-time.Hour), Source: "import of cases.jsonl line 1"}},
	}
	return Doc{Case: c, Objects: objs, Comments: comments, Reason: "fraud",
		People: map[string]string{"kai": "kai@example.com", "admin": "admin@example.com"}}
}

// includedOf splits a document's included resources by id.
func includedOf(t *testing.T, doc []byte) map[string]json.RawMessage {
	t.Helper()
	var d struct{ Included []json.RawMessage }
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	out := map[string]json.RawMessage{}
	for _, r := range d.Included {
		var head struct{ ID string }
		json.Unmarshal(r, &head)
		out[head.ID] = r
	}
	return out
}

// Each object kind, each report type and each comment conforms to its own
// schema component, and the whole document to GET /cases/{case-id}.
func TestEncodedObjectsConform(t *testing.T) {
	schemas := conform.Load(t)
	doc, err := EncodeCase(shapeDoc(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := schemas.Response("/cases/{case-id}", "GET", 200).Validate(doc); err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	inc := includedOf(t, doc)
	for _, s := range shapes {
		t.Run(s.schema, func(t *testing.T) {
			raw, ok := inc[s.obj.ID]
			if !ok {
				t.Fatalf("%s is not included", s.obj.ID)
			}
			if err := schemas.Component(s.schema).Validate(raw); err != nil {
				t.Fatalf("%v\n%s", err, raw)
			}
		})
	}
	for _, id := range []string{"docket-case_1-3", "cscm_9"} {
		if err := schemas.Component("case-comment").Validate(inc[id]); err != nil {
			t.Errorf("comment %s: %v\n%s", id, err, inc[id])
		}
	}
}

// The case's own attributes: the workflow's status, its resolution once
// ended, people by their Persona ids and who handed the case out.
func TestEncodedCaseAttributes(t *testing.T) {
	doc, err := EncodeCase(shapeDoc(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Data struct {
			Attributes    map[string]any
			Relationships map[string]struct{ Data any }
			Meta          any
		}
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	a := d.Data.Attributes
	for k, want := range map[string]any{
		"status": "Declined", "resolution": "Declined", "name": "CASE-1",
		"assignee-id": "kai@example.com", "resolver-id": "kai@example.com", "resolver-type": "user",
		"assigner-id": "policy:round-robin", "assigner-type": "case-assignment-policy",
		"creator-id": "admin@example.com", "creator-type": "user",
		"resolved-at": "2026-11-20T10:00:00Z", "redacted-at": nil,
	} {
		if a[k] != want {
			t.Errorf("%s = %#v, want %#v", k, a[k], want)
		}
	}
	if got := model.JSONText(a["fields"]); got != `{"risk":{"type":"hash","value":{"score":{"type":"integer","value":87}}}}` {
		t.Errorf("fields = %s", got)
	}
	if got := model.JSONText(d.Data.Relationships["case-template"].Data); got != `{"id":"default","type":"case-template"}` {
		t.Errorf("case-template = %s", got)
	}
	if d.Data.Meta != nil {
		t.Errorf("meta without docket's extension: %v", d.Data.Meta)
	}
	// Open, a case has no resolution.
	open := shapeDoc()
	open.Case.Status, open.Case.StatusType = "Pending", model.Intermediate
	doc, _ = EncodeCase(open, Options{})
	if !strings.Contains(string(doc), `"resolution":null`) || !strings.Contains(string(doc), `"status":"Pending"`) {
		t.Errorf("open case: %s", doc)
	}
}

// Comments: Persona's message, commenter-id and -type; an imported one as
// its source said it.
func TestEncodedComments(t *testing.T) {
	doc, err := EncodeCase(shapeDoc(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	inc := includedOf(t, doc)
	for id, want := range map[string]string{
		"docket-case_1-3": `{"type":"case-comment","id":"docket-case_1-3","attributes":{"commenter-id":"kai@example.com","commenter-type":"user","created-at":"2026-11-20T09:01:00Z","message":"Selfie matches."}}`,
		"cscm_9":          `{"type":"case-comment","id":"cscm_9","attributes":{"commenter-id":"ops@example.com","commenter-type":"user","created-at":"2026-11-20T08:00:00Z","message":"From Persona."}}`,
	} {
		if string(inc[id]) != want {
			t.Errorf("comment %s:\n%s\nwant\n%s", id, inc[id], want)
		}
	}
}

// An inquiry stored in the older shape (personal data as top-level
// attributes) is written in Persona's current one; a value already under
// fields wins over its older copy.
func TestOlderInquiryShapeIsWrittenInFields(t *testing.T) {
	old := obj(model.KindInquiry, "inquiry", "inq_old", `{"status":"completed","name-first":"Jonas","name-last":"Schmidt",
		"birthdate":"1980-02-03","address-country-code":"DE","phone-number":null,
		"fields":{"name-last":{"type":"string","value":"Schmidt-Weber"},"selfie":{"type":"file","value":null}}}`)
	c := &model.Case{ID: "case_2", Workflow: "default", Status: "Open", Objects: []model.ObjectRef{old.ObjectRef}}
	doc, err := EncodeCase(Doc{Case: c, Objects: []*model.Object{old}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := string(includedOf(t, doc)["inq_old"])
	want := `{"type":"inquiry","id":"inq_old","attributes":{"fields":{"address-country-code":{"type":"string","value":"DE"},` +
		`"birthdate":{"type":"date","value":"1980-02-03"},"name-first":{"type":"string","value":"Jonas"},` +
		`"name-last":{"type":"string","value":"Schmidt-Weber"},"phone-number":{"type":"string","value":null},` +
		`"selfie":{"type":"file","value":null}},"status":"completed"}}`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if err := conform.Load(t).Component("inquiry").Validate([]byte(got)); err != nil {
		t.Fatal(err)
	}
	// docket's extension keeps it as stored, for a lossless round trip.
	ext, _ := EncodeCase(Doc{Case: c, Objects: []*model.Object{old}}, Options{Docket: true})
	if got := includedOf(t, ext)["inq_old"]; !strings.Contains(string(got), `"name-first":"Jonas"`) {
		t.Errorf("with docket's extension: %s", got)
	}
	// The display reads the name from either shape alike.
	docs, err := Decode(doc)
	if err != nil {
		t.Fatal(err)
	}
	if n := docs[0].Objects[0].PersonName(); n != "Jonas Schmidt-Weber" {
		t.Errorf("name read back: %q", n)
	}
	// The two shapes are the same inquiry; a changed value is not.
	if !Equivalent(old, docs[0].Objects[0]) {
		t.Error("the inquiry in Persona's shape is not equivalent to its older copy")
	}
	changed := *docs[0].Objects[0]
	changed.Attributes = json.RawMessage(strings.Replace(string(changed.Attributes), "Jonas", "Jon", 1))
	if Equivalent(old, &changed) {
		t.Error("a changed first name is equivalent")
	}
}

// docket's extension adds meta members and nothing else: checked against
// the strict schema, only they fail.
func TestDocketExtensionIsOnlyMeta(t *testing.T) {
	d := shapeDoc()
	d.Case.Redacted = true
	d.Comments[0].Redacted = true
	d.RedactedAt = d.Case.UpdatedAt
	doc, err := EncodeCase(d, Options{Docket: true})
	if err != nil {
		t.Fatal(err)
	}
	err = conform.Load(t).Response("/cases/{case-id}", "GET", 200).Validate(doc)
	var ce *conform.Error
	if !errors.As(err, &ce) {
		t.Fatalf("want only meta to fail, got %v", err)
	}
	var ptrs []string
	for _, f := range ce.Failures {
		ptrs = append(ptrs, f.Pointer)
	}
	// The comments follow the eight objects in included.
	if want := []string{"/data/meta", "/included/8/meta", "/included/9/meta"}; !slices.Equal(ptrs, want) {
		t.Fatalf("failures at %v, want %v", ptrs, want)
	}
	var ext struct {
		Data     struct{ Meta map[string]any }
		Included []struct{ Meta map[string]any }
	}
	json.Unmarshal(doc, &ext)
	if got := model.JSONText(ext.Data.Meta); got != `{"docket-reason":"fraud","docket-redacted":true,"docket-status-type":"end","docket-version":9,"docket-workflow":"default"}` {
		t.Errorf("case meta %s", got)
	}
	if got := model.JSONText(ext.Included[8].Meta); got != `{"docket-author":"kai","docket-redacted":true,"docket-seq":3}` {
		t.Errorf("comment meta %s", got)
	}
	if got := model.JSONText(ext.Included[9].Meta); got != `{"docket-author":"admin","docket-imported-from":"import of cases.jsonl line 1","docket-seq":4}` {
		t.Errorf("imported comment meta %s", got)
	}
	if !strings.Contains(string(doc), `"redacted-at":"2026-11-20T10:00:00Z"`) {
		t.Errorf("redacted-at missing: %s", doc)
	}
}

// A list: each case once in data, a shared object once in included,
// links as given; it conforms to GET /cases.
func TestEncodeList(t *testing.T) {
	a, b := shapeDoc(), shapeDoc()
	bc := *b.Case
	bc.ID, bc.Name, bc.PersonaTemplate = "case_2", "CASE-2", "ctmpl_kyc"
	b.Case, b.Comments = &bc, nil
	b.Objects = b.Objects[1:2] // the account both share
	doc, err := EncodeList([]Doc{a, b}, Links{Next: "/api/v1/cases?page%5Bafter%5D=case_2"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := conform.Load(t).Response("/cases", "GET", 200).Validate(doc); err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	var d struct {
		Data []struct {
			ID            string
			Relationships map[string]struct{ Data any }
		}
		Included []struct{ ID string }
		Links    map[string]any
	}
	json.Unmarshal(doc, &d)
	if len(d.Data) != 2 || d.Data[0].ID != "case_1" || d.Data[1].ID != "case_2" {
		t.Fatalf("data %+v", d.Data)
	}
	var ids []string
	for _, r := range d.Included {
		ids = append(ids, r.ID)
	}
	if len(ids) != len(shapes)+2 || len(slices.Compact(slices.Sorted(slices.Values(ids)))) != len(ids) {
		t.Errorf("included %v", ids)
	}
	if d.Links["next"] != "/api/v1/cases?page%5Bafter%5D=case_2" || d.Links["prev"] != nil {
		t.Errorf("links %v", d.Links)
	}
	if got := model.JSONText(d.Data[1].Relationships["case-template"].Data); got != `{"id":"ctmpl_kyc","type":"case-template"}` {
		t.Errorf("case-template %s", got)
	}
	empty, _ := EncodeList(nil, Links{}, Options{})
	if string(empty) != `{"data":[],"included":[],"links":{"next":null,"prev":null}}` {
		t.Errorf("empty list: %s", empty)
	}
}
