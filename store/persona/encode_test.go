package persona

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"docket/model"
)

func sampleDoc() Doc {
	c, people, objects, comments := sampleCase()
	return Doc{Case: c, Objects: objects, Comments: comments, People: map[string]string{
		"maria": people.Assignee, "api": people.Creator, "lead": people.Assigner}}
}

func sampleCase() (*model.Case, Ids, []*model.Object, []model.Comment) {
	at := time.Date(2024, 5, 2, 9, 15, 4, 123456789, time.UTC)
	c := &model.Case{
		ID: "case_RT1", Name: "KYC-7", Workflow: "kyc", Status: "Pending", StatusType: model.Intermediate,
		Assignee: "maria", Creator: "api", Assigner: "lead", Resolver: "",
		CreatedAt: at, UpdatedAt: at.Add(time.Hour), AssignedAt: at.Add(time.Minute), SLAExpiresAt: at.Add(72 * time.Hour),
		Tags:   []string{"vip", "manual-review"},
		Fields: json.RawMessage(`{"device":{"ip":"203.0.113.9","signals":["vpn"]},"note":null,"score":87,"ratio":0.25,"ok":true}`),
		Objects: []model.ObjectRef{
			{Kind: model.KindInquiry, Type: "inquiry", ID: "inq_1"},
			{Kind: model.KindAccount, Type: "account", ID: "act_1"},
			{Kind: model.KindReport, Type: "report/watchlist", ID: "rep_1"},
			{Kind: model.KindVerification, Type: "verification/government-id", ID: "ver_stub"},
			{Kind: model.KindTransaction, Type: "transaction", ID: "txn_1"},
		},
		PersonaTemplate: "ctmpl_1",
	}
	people := Ids{Assignee: "maria@example.com", Creator: "api@example.com", Assigner: "lead@example.com"}
	objects := []*model.Object{
		{ObjectRef: c.Objects[0], Attributes: json.RawMessage(`{"fields":{"name-first":{"type":"string","value":"Maria"},"name-last":{"type":"string","value":"Silva"}},"status":"approved"}`),
			Relationships: json.RawMessage(`{"account":{"data":{"type":"account","id":"act_1"}}}`)},
		{ObjectRef: c.Objects[1], Attributes: json.RawMessage(`{"reference-id":"user-1881"}`)},
		{ObjectRef: c.Objects[2], Attributes: json.RawMessage(`{"has-match":true,"status":"ready"}`)},
		{ObjectRef: c.Objects[4]}, // no attributes at all
	}
	comments := []model.Comment{
		{CaseID: c.ID, Seq: 1, ID: "cscm_1", Author: "maria", Body: "Checked the ID <again> & it matches.", CreatedAt: at.Add(2 * time.Hour)},
		{CaseID: c.ID, Seq: 2, Author: "lead", Body: "Approve when the report clears.", CreatedAt: at.Add(3 * time.Hour)},
	}
	return c, people, objects, comments
}

func TestEncodeRoundTrip(t *testing.T) {
	c, people, objects, comments := sampleCase()
	line, err := EncodeCase(sampleDoc(), Options{Docket: true})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.ContainsAny(line, "\n\r") || !json.Valid(line) {
		t.Fatalf("not one line of JSON: %s", line)
	}
	docs, err := Decode(line)
	if err != nil {
		t.Fatalf("Decode(Encode(...)): %v\n%s", err, line)
	}
	if len(docs) != 1 {
		t.Fatalf("got %d cases", len(docs))
	}
	d := docs[0]
	got := d.Case
	if got.ID != c.ID || got.Name != c.Name || got.Status != c.Status || got.PersonaTemplate != c.PersonaTemplate || d.Workflow != c.Workflow {
		t.Errorf("id/name/status/template/workflow = %q %q %q %q %q", got.ID, got.Name, got.Status, got.PersonaTemplate, d.Workflow)
	}
	for _, p := range [][2]time.Time{{got.CreatedAt, c.CreatedAt}, {got.UpdatedAt, c.UpdatedAt}, {got.AssignedAt, c.AssignedAt},
		{got.ResolvedAt, c.ResolvedAt}, {got.SLAExpiresAt, c.SLAExpiresAt}} {
		if !p[0].Equal(p[1]) {
			t.Errorf("time %v, want %v", p[0], p[1])
		}
	}
	if d.Assignee != people.Assignee || d.Creator != people.Creator || d.Assigner != people.Assigner || d.Resolver != "" {
		t.Errorf("people = %q %q %q %q", d.Assignee, d.Creator, d.Assigner, d.Resolver)
	}
	if !slices.Equal(got.Tags, c.Tags) {
		t.Errorf("tags = %v", got.Tags)
	}
	if want := `{"device":{"ip":"203.0.113.9","signals":["vpn"]},"note":null,"ok":true,"ratio":0.25,"score":87}`; string(got.Fields) != want {
		t.Errorf("fields = %s, want %s", got.Fields, want)
	}
	if !slices.Equal(got.Objects, c.Objects) {
		t.Errorf("refs =\n%v\nwant\n%v", got.Objects, c.Objects)
	}
	if len(d.Objects) != len(objects) {
		t.Fatalf("objects = %v", objectIDs(d.Objects))
	}
	for i, o := range d.Objects {
		w := objects[i]
		wantAttrs := string(w.Attributes)
		if wantAttrs == "" {
			wantAttrs = "{}"
		}
		if o.ObjectRef != w.ObjectRef || string(o.Attributes) != wantAttrs || string(o.Relationships) != string(w.Relationships) {
			t.Errorf("object %d = %+v %s %s, want %+v %s %s", i, o.ObjectRef, o.Attributes, o.Relationships, w.ObjectRef, wantAttrs, w.Relationships)
		}
	}
	wantComments := []model.Comment{comments[0], comments[1]}
	wantComments[0].Seq, wantComments[1].Seq = 0, 0 // the store numbers comments
	wantComments[1].ID = "docket-case_RT1-2"
	wantComments[0].Author, wantComments[1].Author = "maria@example.com", "lead@example.com"
	if !slices.Equal(d.Comments, wantComments) {
		t.Errorf("comments =\n%+v\nwant\n%+v", d.Comments, wantComments)
	}
	if len(d.Skipped) != 0 {
		t.Errorf("skipped = %v", d.Skipped)
	}
}

func TestEncodeIsStable(t *testing.T) {
	first, err := EncodeCase(sampleDoc(), Options{Docket: true})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		again, _ := EncodeCase(sampleDoc(), Options{Docket: true})
		if !bytes.Equal(first, again) {
			t.Fatalf("output changes between runs:\n%s\n%s", first, again)
		}
	}
	// Decoding and encoding again gives the same document.
	docs, err := Decode(first)
	if err != nil {
		t.Fatal(err)
	}
	again := docs[0].Doc()
	again.Case.StatusType = model.Intermediate // the store's to say, from the workflow
	second, err := EncodeCase(again, Options{Docket: true})
	if err != nil {
		t.Fatal(err)
	}
	// The comments' docket-seq and docket-author are the store's: a decoded
	// comment has neither.
	first = []byte(strings.NewReplacer(`"docket-author":"maria","docket-seq":1`, `"docket-author":"maria@example.com","docket-seq":0`,
		`"docket-author":"lead","docket-seq":2`, `"docket-author":"lead@example.com","docket-seq":0`).Replace(string(first)))
	if !bytes.Equal(first, second) {
		t.Errorf("not a fixed point:\n%s\n%s", first, second)
	}
	if !strings.Contains(string(first), `"Checked the ID <again> & it matches."`) {
		t.Errorf("HTML characters escaped: %s", first)
	}
}

func TestEncodeShape(t *testing.T) {
	c := &model.Case{ID: "case_min", Workflow: "default", Status: "Open", CreatedAt: time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))}
	line, err := EncodeCase(Doc{Case: c}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"data":{"type":"case","id":"case_min","attributes":{"assigned-at":null,"assignee-id":null,"assigner-id":null,"assigner-type":null,` +
		`"created-at":"2024-01-02T02:04:05Z","creator-id":null,"creator-type":null,"fields":{},"redacted-at":null,"resolution":null,"resolved-at":null,` +
		`"resolver-id":null,"resolver-type":null,"sla-expires-at":null,"status":"Open","tags":[],"updated-at":null},` +
		`"relationships":{"accounts":{"data":[]},"case-comments":{"data":[]},"case-template":{"data":{"type":"case-template","id":"default"}},` +
		`"inquiries":{"data":[]},"reports":{"data":[]},"txns":{"data":[]},"verifications":{"data":[]}}},"included":[]}`
	if string(line) != want {
		t.Errorf("got\n%s\nwant\n%s", line, want)
	}
	// docket's extension adds meta, and only meta.
	c.Version, c.StatusType = 3, model.Initial
	ext, err := EncodeCase(Doc{Case: c}, Options{Docket: true})
	if err != nil {
		t.Fatal(err)
	}
	meta := `,"meta":{"docket-status-type":"initial","docket-version":3,"docket-workflow":"default"}`
	if string(ext) != strings.Replace(want, `}}},"included"`, `}}`+meta+`},"included"`, 1) {
		t.Errorf("with docket's extension:\n%s", ext)
	}
}

func TestEncodeAttachesGivenObjects(t *testing.T) {
	c := &model.Case{ID: "case_1", Status: "Open"}
	objs := []*model.Object{{ObjectRef: model.ObjectRef{Kind: model.KindAccount, Type: "account", ID: "act_1"}}}
	line, err := EncodeCase(Doc{Case: c, Objects: objs}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	docs, err := Decode(line)
	if err != nil {
		t.Fatal(err)
	}
	if ids := refIDs(docs[0].Case.Objects); !slices.Equal(ids, []string{"act_1"}) {
		t.Errorf("refs = %v", ids)
	}
	if !strings.Contains(string(line), `"accounts":{"data":[{"type":"account","id":"act_1"}]}`) {
		t.Errorf("the given account is not in relationships: %s", line)
	}
}

func TestEncodeErrors(t *testing.T) {
	if _, err := EncodeCase(Doc{}, Options{}); err == nil {
		t.Error("nil case encoded")
	}
	if _, err := EncodeCase(Doc{Case: &model.Case{Status: "Open"}}, Options{}); err == nil {
		t.Error("case without id encoded")
	}
	c := &model.Case{ID: "case_1", Status: "Open", Fields: json.RawMessage(`[1]`)}
	if _, err := EncodeCase(Doc{Case: c}, Options{}); err == nil || !strings.Contains(err.Error(), "fields: want an object, got an array") {
		t.Errorf("bad fields: %v", err)
	}
	c = &model.Case{ID: "case_1", Status: "Open", Objects: []model.ObjectRef{{Type: "document", ID: "doc_1"}}}
	if _, err := EncodeList([]Doc{{Case: c}}, Links{}, Options{}); err == nil {
		t.Error("object of unknown kind encoded")
	}
}

// Encode, for callers that name people by their Persona ids already,
// writes what EncodeCase writes in Persona's shape.
func TestEncodeIsEncodeCaseInPersonasShape(t *testing.T) {
	c, people, objects, _ := sampleCase()
	d := sampleDoc()
	d.Comments = nil
	want, err := EncodeCase(d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Encode(c, people, objects, nil)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("got %v\n%s\nwant\n%s", err, got, want)
	}
	if _, err := Encode(nil, Ids{}, nil, nil); err == nil {
		t.Error("nil case encoded")
	}
}
