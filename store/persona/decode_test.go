package persona

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"docket/model"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeFixture(t *testing.T, name string) []CaseDoc {
	t.Helper()
	docs, err := Decode(readFixture(t, name))
	if err != nil {
		t.Fatalf("Decode(%s): %v", name, err)
	}
	return docs
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func refIDs(refs []model.ObjectRef) []string {
	var ids []string
	for _, r := range refs {
		ids = append(ids, r.ID)
	}
	return ids
}

func objectIDs(objs []*model.Object) []string {
	var ids []string
	for _, o := range objs {
		ids = append(ids, o.ID)
	}
	return ids
}

func objectByID(t *testing.T, objs []*model.Object, id string) *model.Object {
	t.Helper()
	for _, o := range objs {
		if o.ID == id {
			return o
		}
	}
	t.Fatalf("no object %s among %v", id, objectIDs(objs))
	return nil
}

func TestDecodeSingleCase(t *testing.T) {
	docs := decodeFixture(t, "case.json")
	if len(docs) != 1 {
		t.Fatalf("got %d cases, want 1", len(docs))
	}
	d := docs[0]
	c := d.Case
	if c.ID != "case_7Qm2vXbN4kLpR8sT1uW3yZa5" || c.Name != "KYC-42" || c.Status != "open" {
		t.Errorf("id/name/status = %q %q %q", c.ID, c.Name, c.Status)
	}
	times := map[string][2]time.Time{
		"created-at":     {c.CreatedAt, utc("2024-05-02T09:15:04.12Z")},
		"updated-at":     {c.UpdatedAt, utc("2024-05-03T11:00:00Z")},
		"assigned-at":    {c.AssignedAt, utc("2024-05-02T08:01:30.5Z")}, // written as +02:00
		"resolved-at":    {c.ResolvedAt, {}},                            // written as {}
		"sla-expires-at": {c.SLAExpiresAt, utc("2024-05-05T09:15:04.12Z")},
	}
	for name, got := range times {
		if !got[0].Equal(got[1]) || got[0].Location() != time.UTC {
			t.Errorf("%s = %v, want %v in UTC", name, got[0], got[1])
		}
	}
	if d.Assignee != "maria.lopez@example.com" || d.Creator != "wfr_9hG2kd81" || d.Assigner != "lead@example.com" || d.Resolver != "" {
		t.Errorf("people = %q %q %q %q", d.Assignee, d.Creator, d.Assigner, d.Resolver)
	}
	if !slices.Equal(c.Tags, []string{"high-risk", "manual-review"}) {
		t.Errorf("tags = %v", c.Tags)
	}
	wantFields := `{"device":{"geo":{"country":"PT"},"ip":"203.0.113.9","signals":["vpn","emulator"]},"exposure":1250.75,"pep":false,"reasons":["name-mismatch","dob-mismatch"],"review-note":null,"risk-score":87}`
	if string(c.Fields) != wantFields {
		t.Errorf("fields =\n%s\nwant\n%s", c.Fields, wantFields)
	}
	if c.PersonaTemplate != "ctmpl_Kyc8r2Zt" {
		t.Errorf("template = %q", c.PersonaTemplate)
	}
	if c.Workflow != "" || c.StatusType != "" || c.Assignee != "" || d.Workflow != "" {
		t.Errorf("left for the store: workflow %q, status type %q, assignee %q, meta workflow %q", c.Workflow, c.StatusType, c.Assignee, d.Workflow)
	}

	// Refs: relationships in order, the stub for the verification that is
	// not included, then the included transaction nothing names.
	wantRefs := []model.ObjectRef{
		{Kind: model.KindInquiry, Type: "inquiry", ID: "inq_4fLq9Wn2"},
		{Kind: model.KindAccount, Type: "account", ID: "act_Z81mPq3c"},
		{Kind: model.KindReport, Type: "report/watchlist", ID: "rep_Wl55aa01"},
		{Kind: model.KindVerification, Type: "verification/government-id", ID: "ver_Gv00notincluded"},
		{Kind: model.KindTransaction, Type: "transaction", ID: "txn_Un7named"},
	}
	if !slices.Equal(c.Objects, wantRefs) {
		t.Errorf("refs =\n%v\nwant\n%v", c.Objects, wantRefs)
	}
	if ids := objectIDs(d.Objects); !slices.Equal(ids, []string{"inq_4fLq9Wn2", "act_Z81mPq3c", "rep_Wl55aa01", "txn_Un7named"}) {
		t.Errorf("objects = %v", ids)
	}
	inq := objectByID(t, d.Objects, "inq_4fLq9Wn2")
	if inq.Kind != model.KindInquiry || inq.PersonName() != "Maria Silva" || inq.AttrString("birthdate") != "1990-07-14" ||
		inq.AttrString("address-city") != "Lisboa" || inq.Relationships == nil {
		t.Errorf("inquiry = %+v (name %q)", inq, inq.PersonName())
	}
	acct := objectByID(t, d.Objects, "act_Z81mPq3c")
	if acct.AttrString("reference-id") != "user-1881" || acct.Relationships != nil {
		t.Errorf("account = %s / %s", acct.Attributes, acct.Relationships)
	}
	rep := objectByID(t, d.Objects, "rep_Wl55aa01")
	if rep.Kind != model.KindReport || rep.Type != "report/watchlist" || rep.Attr("has-match") != true {
		t.Errorf("report = %+v", rep)
	}

	wantComment := model.Comment{CaseID: c.ID, ID: "cscm_Hh2x71", Author: "maria.lopez@example.com",
		Body: "Name on ID does not match the account.", CreatedAt: utc("2024-05-02T10:30:00Z")}
	if len(d.Comments) != 1 || d.Comments[0] != wantComment {
		t.Errorf("comments = %+v", d.Comments)
	}
	if !slices.Equal(d.Skipped, []string{"document/government-id doc_Pq1"}) {
		t.Errorf("skipped = %v", d.Skipped)
	}
}

func TestDecodeList(t *testing.T) {
	docs := decodeFixture(t, "list.json")
	if len(docs) != 2 {
		t.Fatalf("got %d cases, want 2", len(docs))
	}
	a, b := docs[0], docs[1]
	if a.Case.ID != "case_A1" || a.Case.Status != "open" || b.Case.ID != "case_B2" || b.Case.Status != "pending" {
		t.Errorf("cases = %s/%s %s/%s", a.Case.ID, a.Case.Status, b.Case.ID, b.Case.Status)
	}
	if a.Assignee != "" || a.Creator != "api@example.com" || b.Assignee != "sam@example.com" {
		t.Errorf("people = %q %q %q", a.Assignee, a.Creator, b.Assignee)
	}
	if string(a.Case.Fields) != "{}" || string(b.Case.Fields) != `{"segment":"smb"}` {
		t.Errorf("fields = %s, %s", a.Case.Fields, b.Case.Fields)
	}
	// The shared account goes to both cases that name it.
	if ids := objectIDs(a.Objects); !slices.Equal(ids, []string{"inq_A", "act_shared"}) {
		t.Errorf("case A objects = %v", ids)
	}
	if ids := objectIDs(b.Objects); !slices.Equal(ids, []string{"act_shared", "txn_B"}) {
		t.Errorf("case B objects = %v", ids)
	}
	if a.Objects[1] == b.Objects[0] {
		t.Error("the shared account is the same *Object in both cases")
	}
	if ids := refIDs(b.Case.Objects); !slices.Equal(ids, []string{"act_shared", "txn_B"}) {
		t.Errorf("case B refs = %v", ids)
	}
	if len(a.Comments) != 1 || a.Comments[0].ID != "cscm_A" || a.Comments[0].CaseID != "case_A1" || len(b.Comments) != 0 {
		t.Errorf("comments = %+v / %+v", a.Comments, b.Comments)
	}
	// What no case names is reported once, on the first case.
	if !slices.Equal(a.Skipped, []string{"report/watchlist rep_orphan", "document/generic doc_1"}) || b.Skipped != nil {
		t.Errorf("skipped = %v / %v", a.Skipped, b.Skipped)
	}
}

func TestDecodeEvent(t *testing.T) {
	docs := decodeFixture(t, "event.json")
	if len(docs) != 1 {
		t.Fatalf("got %d cases, want 1", len(docs))
	}
	d := docs[0]
	if d.Case.ID != "case_Ev9" || d.Case.Status != "approved" || d.Resolver != "lead@example.com" ||
		!d.Case.ResolvedAt.Equal(utc("2024-07-09T12:00:00Z")) || !slices.Equal(d.Case.Tags, []string{"aml"}) {
		t.Errorf("case = %+v", d)
	}
	if ids := objectIDs(d.Objects); !slices.Equal(ids, []string{"act_Ev", "rep_Ev"}) {
		t.Errorf("objects = %v", ids)
	}
}

func TestDecodeListOfEvents(t *testing.T) {
	var ev struct{ Data json.RawMessage }
	if err := json.Unmarshal(readFixture(t, "event.json"), &ev); err != nil {
		t.Fatal(err)
	}
	doc := `{"data": [` + caseJSON("case_1", `"status":"open"`) + `, ` + string(ev.Data) + `]}`
	docs, err := Decode([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || docs[0].Case.ID != "case_1" || docs[1].Case.ID != "case_Ev9" || len(docs[1].Objects) != 2 {
		t.Errorf("got %d docs: %+v", len(docs), docs)
	}
}

func TestDecodeEmptyList(t *testing.T) {
	docs, err := Decode([]byte(`{"data": [], "links": {"next": null}}`))
	if err != nil || len(docs) != 0 {
		t.Errorf("Decode(empty list) = %v, %v", docs, err)
	}
}

func TestDecodeToOneRelationshipAndRepeats(t *testing.T) {
	doc := `{"data": {"type": "case", "id": "case_1", "attributes": {"status": "open"},
		"relationships": {"accounts": {"data": {"type": "account", "id": "act_1"}},
		"inquiries": {"data": [{"type": "inquiry", "id": "inq_1"}, {"type": "inquiry", "id": "inq_1"}]},
		"txns": {"data": [{"type": "txn", "id": "txn_1"}]}}},
		"included": [{"type": "inquiry", "id": "inq_1"}, {"type": "inquiry", "id": "inq_1", "attributes": {"status": "later copy"}}]}`
	docs, err := Decode([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	want := []model.ObjectRef{
		{Kind: model.KindInquiry, Type: "inquiry", ID: "inq_1"},
		{Kind: model.KindAccount, Type: "account", ID: "act_1"},
		{Kind: model.KindTransaction, Type: "txn", ID: "txn_1"}, // kind from the key
	}
	if got := docs[0].Case.Objects; !slices.Equal(got, want) {
		t.Errorf("refs = %v, want %v", got, want)
	}
	if len(docs[0].Objects) != 1 || docs[0].Objects[0].Attributes != nil {
		t.Errorf("objects = %+v (the first copy of a repeated resource wins)", docs[0].Objects)
	}
}

// A comment that a case's relationships name twice is attached once, in a
// list and in a single case alike.
func TestDecodeCommentNamedTwice(t *testing.T) {
	rels := `"relationships": {"case-comments": {"data": [{"type": "case-comment", "id": "k"}, {"type": "case-comment", "id": "k"}]}}`
	inc := `"included": [{"type": "case-comment", "id": "k", "attributes": {"body": "once"}}]`
	c := `{"type": "case", "id": "case_1", "attributes": {"status": "open"}, ` + rels + `}`
	for _, doc := range []string{`{"data": [` + c + `], ` + inc + `}`, `{"data": ` + c + `, ` + inc + `}`} {
		docs, err := Decode([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if cs := docs[0].Comments; len(cs) != 1 || cs[0].ID != "k" || cs[0].Body != "once" {
			t.Errorf("comments = %+v, want k once", cs)
		}
	}
}

func TestDecodeDoesNotKeepInput(t *testing.T) {
	doc := readFixture(t, "case.json")
	docs, err := Decode(doc)
	if err != nil {
		t.Fatal(err)
	}
	before := string(docs[0].Objects[0].Attributes)
	for i := range doc {
		doc[i] = ' '
	}
	if string(docs[0].Objects[0].Attributes) != before {
		t.Error("decoded attributes alias the input buffer")
	}
}

// caseJSON is a minimal case resource with the given attributes.
func caseJSON(id, attrs string) string {
	return `{"type": "case", "id": "` + id + `", "attributes": {` + attrs + `}}`
}

func TestDecodeErrors(t *testing.T) {
	ok := caseJSON("case_ok", `"status": "open"`)
	single := func(attrs string) string { return `{"data": ` + caseJSON("case_1", attrs) + `}` }
	tests := []struct{ name, doc, want string }{
		{"malformed", `{"data": {"type": "case",}}`, `malformed JSON at byte 26: invalid character '}' looking for beginning of object key string`},
		{"truncated", `{"data": `, `malformed JSON at byte 9: unexpected end of JSON input`},
		{"trailing data", `{"data": null} x`, `malformed JSON at byte 16: invalid character 'x' after top-level value`},
		{"empty", ``, `malformed JSON at byte 0: unexpected end of JSON input`},
		{"not an object", `[1, 2]`, `document: want an object, got an array`},
		{"no data", `{"links": {}}`, `data: missing`},
		{"null data", `{"data": null}`, `data: missing`},
		{"data a string", `{"data": "case_1"}`, `data: want a case or a list of cases, got a string`},
		{"not a case", `{"data": {"type": "inquiry", "id": "inq_1"}}`, `data.type: "inquiry" is not a case (want "case" or an "event" wrapping one)`},
		{"no type", `{"data": {"id": "case_1"}}`, `data.type: missing`},
		{"list entry not an object", `{"data": [` + ok + `, 7]}`, `data[1]: want an object, got a number`},
		{"list status a number", `{"data": [` + ok + `, ` + ok + `, ` + caseJSON("case_3", `"status": 3`) + `]}`, `data[2].attributes.status: want a string, got a number`},
		{"list entry not a case", `{"data": [` + ok + `, {"type": "account", "id": "act_1"}]}`, `data[1].type: "account" is not a case (want "case" or an "event" wrapping one)`},
		{"no id", `{"data": {"type": "case", "attributes": {"status": "open"}}}`, `data.id: missing`},
		{"id a number", `{"data": {"type": "case", "id": 12}}`, `data.id: want a string, got a number`},
		{"no status", single(`"name": "KYC-1"`), `data.attributes.status: missing`},
		{"status {}", single(`"status": {}`), `data.attributes.status: missing`},
		{"no attributes", `{"data": {"type": "case", "id": "case_1"}}`, `data.attributes.status: missing`},
		{"attributes a list", `{"data": {"type": "case", "id": "case_1", "attributes": []}}`, `data.attributes: want an object, got an array`},
		{"bad timestamp", single(`"status": "open", "created-at": "yesterday"`), `data.attributes.created-at: bad timestamp "yesterday"`},
		// docket keeps times as nanoseconds since 1970: years 1678-2261.
		{"timestamp before year 0", single(`"status": "open", "created-at": "0000-01-01T00:30:00+01:00"`), `data.attributes.created-at: timestamp "0000-01-01T00:30:00+01:00" is outside the years 1678-2261 docket can store`},
		{"timestamp in 1600", single(`"status": "open", "created-at": "1600-01-01T00:00:00Z"`), `data.attributes.created-at: timestamp "1600-01-01T00:00:00Z" is outside the years 1678-2261 docket can store`},
		{"timestamp after year 9999", single(`"status": "open", "resolved-at": "9999-12-31T23:30:00-01:00"`), `data.attributes.resolved-at: timestamp "9999-12-31T23:30:00-01:00" is outside the years 1678-2261 docket can store`},
		{"timestamp a number", single(`"status": "open", "updated-at": 1717000000`), `data.attributes.updated-at: want a string, got a number`},
		{"name an object", single(`"status": "open", "name": {"x": 1}`), `data.attributes.name: want a string, got an object`},
		{"tags a string", single(`"status": "open", "tags": "vip"`), `data.attributes.tags: want a list of strings, got a string`},
		{"tags with a number", single(`"status": "open", "tags": ["vip", 3]`), `data.attributes.tags[1]: want a string, got a number`},
		{"fields a list", single(`"status": "open", "fields": []`), `data.attributes.fields: want an object, got an array`},
		{"field not typed", single(`"status": "open", "fields": {"age": 31}`), `data.attributes.fields.age: want {type, value}, got a number`},
		{"field without type", single(`"status": "open", "fields": {"age": {"value": 31}}`), `data.attributes.fields.age: want {type, value}, got an object without "type"`},
		{"field without value", single(`"status": "open", "fields": {"age": {"type": "integer"}}`), `data.attributes.fields.age: want {type, value}, got an object without "value"`},
		{"field type a number", single(`"status": "open", "fields": {"age": {"type": 1, "value": 31}}`), `data.attributes.fields.age.type: want a string, got a number`},
		{"hash entry not typed", single(`"status": "open", "fields": {"h": {"type": "hash", "value": {"x": "plain"}}}`), `data.attributes.fields.h.value.x: want {type, value}, got a string`},
		{"hash not an object", single(`"status": "open", "fields": {"h": {"type": "hash", "value": "x"}}`), `data.attributes.fields.h.value: want an object, got a string`},
		{"odd field key", single(`"status": "open", "fields": {"a.b c": 1}`), `data.attributes.fields["a.b c"]: want {type, value}, got a number`},
		{"meta workflow a number", `{"data": {"type": "case", "id": "case_1", "attributes": {"status": "open"}, "meta": {"docket-workflow": 1}}}`, `data.meta.docket-workflow: want a string, got a number`},
		{"relationship a list", `{"data": {"type": "case", "id": "case_1", "attributes": {"status": "open"}, "relationships": {"accounts": []}}}`, `data.relationships.accounts: want an object, got an array`},
		{"ref without id", `{"data": {"type": "case", "id": "case_1", "attributes": {"status": "open"}, "relationships": {"accounts": {"data": [{"type": "account"}]}}}}`, `data.relationships.accounts.data[0].id: missing`},
		{"ref a string", `{"data": {"type": "case", "id": "case_1", "attributes": {"status": "open"}, "relationships": {"reports": {"data": ["rep_1"]}}}}`, `data.relationships.reports.data[0]: want a {type, id} ref, got a string`},
		{"included an object", `{"data": ` + ok + `, "included": {}}`, `included: want a list, got an object`},
		{"included without type", `{"data": ` + ok + `, "included": [{"id": "inq_1"}]}`, `included[0].type: missing`},
		{"included attributes a string", `{"data": ` + ok + `, "included": [{"type": "inquiry", "id": "inq_1", "attributes": "x"}]}`, `included[0].attributes: want an object, got a string`},
		{"comment bad time", `{"data": ` + ok + `, "included": [{"type": "case-comment", "id": "c1", "attributes": {"body": "hi", "created-at": "soon"}}]}`, `included[0].attributes.created-at: bad timestamp "soon"`},
		{"event without payload", `{"data": {"type": "event", "id": "evt_1", "attributes": {"name": "case.created"}}}`, `data.attributes.payload: missing`},
		{"event payload a string", `{"data": {"type": "event", "id": "evt_1", "attributes": {"payload": "x"}}}`, `data.attributes.payload: want an object, got a string`},
		{"event of an inquiry", `{"data": {"type": "event", "id": "evt_1", "attributes": {"payload": {"data": {"type": "inquiry", "id": "inq_1"}}}}}`, `data.attributes.payload.data.type: "inquiry" is not a case (want "case")`},
		{"event in an event", `{"data": {"type": "event", "id": "evt_1", "attributes": {"payload": {"data": {"type": "event", "id": "evt_2"}}}}}`, `data.attributes.payload.data.type: "event" is not a case (want "case")`},
		{"event case without status", `{"data": {"type": "event", "id": "evt_1", "attributes": {"payload": {"data": ` + caseJSON("case_1", ``) + `}}}}`, `data.attributes.payload.data.attributes.status: missing`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := Decode([]byte(tt.doc))
			if err == nil {
				t.Fatalf("no error; got %+v", docs)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
			if !errors.Is(err, model.ErrInvalid) {
				t.Errorf("error %v is not model.ErrInvalid", err)
			}
		})
	}
}

func TestDecodeNullQuirk(t *testing.T) {
	doc := `{"data": {"type": "case", "id": "case_1", "attributes": {"status": "open", "name": {},
		"assignee-id": {}, "created-at": {}, "sla-expires-at": null, "tags": {}, "fields": {}},
		"relationships": {"case-template": {"data": null}, "inquiries": {"data": null}}, "meta": {"docket-workflow": {}}}}`
	docs, err := Decode([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	d := docs[0]
	if d.Case.Name != "" || d.Assignee != "" || !d.Case.CreatedAt.IsZero() || !d.Case.SLAExpiresAt.IsZero() ||
		d.Case.Tags != nil || string(d.Case.Fields) != "{}" || d.Case.PersonaTemplate != "" || d.Case.Objects != nil || d.Workflow != "" {
		t.Errorf("{} and null should read as absent: %+v", d)
	}
}

func TestDecodeObjects(t *testing.T) {
	tests := []struct{ name, doc string }{
		{"single", `{"data": {"type": "inquiry", "id": "inq_1", "attributes": {"status": "approved"}}, "included": [{"type": "report/watchlist", "id": "rep_1"}]}`},
		{"list", `{"data": [{"type": "inquiry", "id": "inq_1", "attributes": {"status": "approved"}}]}`},
		{"bare", `{"type": "inquiry", "id": "inq_1", "attributes": {"status": "approved"}}`},
		{"event", `{"data": {"type": "event", "id": "evt_1", "attributes": {"payload": {"data": {"type": "inquiry", "id": "inq_1", "attributes": {"status": "approved"}}}}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := DecodeObjects([]byte(tt.doc))
			if err != nil {
				t.Fatal(err)
			}
			if len(objs) != 1 || objs[0].ID != "inq_1" || objs[0].Kind != model.KindInquiry || objs[0].AttrString("status") != "approved" {
				t.Errorf("objects = %+v", objs)
			}
		})
	}
	errs := []struct{ doc, want string }{
		{`{"data": {"type": "document", "id": "doc_1"}}`, `data.type: "document" is not an object docket keeps (inquiry, account, report, verification, transaction)`},
		{`{"data": [{"type": "account"}]}`, `data[0].id: missing`},
		{`{"links": {}}`, `data: missing`},
		{`{"data": `, `malformed JSON at byte 9: unexpected end of JSON input`},
	}
	for _, tt := range errs {
		if _, err := DecodeObjects([]byte(tt.doc)); err == nil || err.Error() != tt.want {
			t.Errorf("DecodeObjects(%s) error = %v, want %s", tt.doc, err, tt.want)
		}
	}
}

// Persona's current comment shape (message, commenter-id) and the older
// status pair (resolution) are read; so are the older comment shapes.
func TestDecodePersonaShapes(t *testing.T) {
	doc := `{"data":{"type":"case","id":"case_1","attributes":{"status":"resolved","resolution":"Declined"},
	 "relationships":{"case-template":{"data":{"type":"case-template","id":"review"}}}},
	 "included":[{"type":"case-comment","id":"c1","attributes":{"message":"new shape","commenter-id":"ops@example.com","commenter-type":"user","created-at":"2026-01-01T00:00:00Z"}},
	  {"type":"case-comment","id":"c2","attributes":{"body":"old shape","creator-id":"kai","created-at":"2026-01-02T00:00:00Z"}}]}`
	docs, err := Decode([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	d := docs[0]
	if d.Case.Status != "resolved" || d.Resolution != "Declined" || d.Case.PersonaTemplate != "review" {
		t.Errorf("status %q resolution %q template %q", d.Case.Status, d.Resolution, d.Case.PersonaTemplate)
	}
	if len(d.Comments) != 2 || d.Comments[0].Body != "new shape" || d.Comments[0].Author != "ops@example.com" ||
		d.Comments[1].Body != "old shape" || d.Comments[1].Author != "kai" {
		t.Errorf("comments %+v", d.Comments)
	}
}
