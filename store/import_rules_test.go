package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"docket/model"
	"docket/store/bolt"
)

// exportOne is the export line of one case, as a map to edit.
func exportOne(t *testing.T, s *Store, name string) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	_, err := s.Export(&buf, FormatJSONL, Query{Queue: QueueAll, Actor: "ada"})
	must(t, err)
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var doc map[string]any
		must(t, json.Unmarshal([]byte(line), &doc))
		if attrs(doc)["name"] == name {
			return doc
		}
	}
	t.Fatalf("%s not exported", name)
	return nil
}

func attrs(doc map[string]any) map[string]any {
	return doc["data"].(map[string]any)["attributes"].(map[string]any)
}

func docLine(t *testing.T, doc map[string]any) string {
	t.Helper()
	raw, err := json.Marshal(doc)
	must(t, err)
	return string(raw)
}

func lastEvent(t *testing.T, s *Store, ref string) model.Event {
	t.Helper()
	d, err := s.CaseDetail(ref)
	must(t, err)
	return d.Events[len(d.Events)-1]
}

func checkClean(t *testing.T, s *Store) {
	t.Helper()
	r, err := s.Check()
	must(t, err)
	if len(r.Problems) > 0 {
		t.Fatalf("check: %v", r.Problems)
	}
}

// A status an import gives an existing case is a move by the importing
// user, four-eyes included: a lead cannot take both steps of a two-team
// decision by exporting, editing and importing the case. An admin may
// force it, and the trail says so.
func TestImportMovesObeyTheWorkflow(t *testing.T) {
	s, c := newStore(t)
	duo, err := s.CreateCase("lena", NewCase{Workflow: "two-team", Assignee: "lena"})
	must(t, err)
	_, err = s.SetStatus(Target{Actor: "lena", Case: duo.Name}, StatusChange{Status: "Approved by Team 1"})
	must(t, err)
	doc := exportOne(t, s, duo.Name)
	a := attrs(doc)
	a["status"] = "Approved by Team 2"
	a["updated-at"] = c.now.Add(time.Hour).Format(time.RFC3339)
	path := writeLines(t, docLine(t, doc))

	before := snapshot(t, s)
	_, err = s.Import([]Source{src(path)}, ImportOptions{Actor: "lena"})
	if !errors.Is(err, model.ErrForbidden) || !strings.Contains(err.Error(), "cases.jsonl:1: data.attributes.status:") ||
		!strings.Contains(err.Error(), "lena") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("lena's import: %v", err)
	}
	sameSnapshot(t, before, snapshot(t, s))
	_, err = s.Import([]Source{src(path)}, ImportOptions{Actor: "lena", Force: true})
	refused(t, s, err, model.ErrForbidden, "only an admin may force an import", before)

	res, err := s.Import([]Source{src(path)}, ImportOptions{Actor: "ada", Force: true})
	must(t, err)
	if res.Updated != 1 {
		t.Fatalf("forced import: %+v", res)
	}
	ev := lastEvent(t, s, duo.Name)
	text := model.DescribeEvent(ev)
	for _, want := range []string{"status Approved by Team 1 → Approved by Team 2", "forced by an admin past the workflow's rule",
		"(import of cases.jsonl line 1)"} {
		if !strings.Contains(text, want) {
			t.Errorf("the import's event says %q, lacking %q", text, want)
		}
	}
	if ev.Actor != "ada" {
		t.Errorf("event by %s", ev.Actor)
	}
	checkClean(t, s)
}

// Each copy of a case in one import moves it from where the copy before
// left it, so a log of updates is checked step by step, for a case the
// database has and for one the import creates.
func TestImportChecksEachCopyInTurn(t *testing.T) {
	for _, existing := range []bool{true, false} {
		t.Run(fmt.Sprint("existing ", existing), func(t *testing.T) {
			s, _ := newStore(t)
			open := caseDoc("case_1", "DUO-1", "Open", "2024-01-01T00:00:00Z", "")
			one := caseDoc("case_1", "DUO-1", "Approved by Team 1", "2024-01-02T00:00:00Z", "")
			two := caseDoc("case_1", "DUO-1", "Approved by Team 2", "2024-01-03T00:00:00Z", "")
			lines := []string{one, two}
			if existing {
				_, err := s.Import([]Source{src(writeLines(t, open))}, ImportOptions{Actor: "lena", Workflow: "two-team"})
				must(t, err)
			} else {
				lines = append([]string{open}, lines...)
			}
			before := snapshot(t, s)
			_, err := s.Import([]Source{src(writeLines(t, lines...))}, ImportOptions{Actor: "lena", Workflow: "two-team", BatchSize: 1})
			at := fmt.Sprintf("cases.jsonl:%d: data.attributes.status:", len(lines))
			if !errors.Is(err, model.ErrForbidden) || !strings.Contains(err.Error(), at) {
				t.Fatalf("got %v, want a four-eyes refusal at %s", err, at)
			}
			sameSnapshot(t, before, snapshot(t, s))
		})
	}
}

// An object that changes under cases that hold it, through an import that
// leaves the case itself unchanged, is an audit event on each of them.
func TestImportObjectChangesAreAudited(t *testing.T) {
	s, _ := newStore(t)
	report := func(match bool) string {
		return fmt.Sprintf(`,"included":[{"type":"report/watchlist","id":"rep_1","attributes":{"status":"ready","has-match":%v}}]`, match)
	}
	rel := `},"relationships":{"reports":{"data":[{"type":"report/watchlist","id":"rep_1"}]}`
	doc := func(id, name string, match bool) string {
		return strings.TrimSuffix(caseDoc(id, name, "open", "2024-01-02T00:00:00Z", rel), "}") + report(match) + "}"
	}
	importFiles(t, s, writeLines(t, doc("case_1", "KYC-1", false), doc("case_2", "KYC-2", false)))

	res, err := s.Import([]Source{src(writeLines(t, doc("case_1", "KYC-1", true)))}, ImportOptions{Actor: "lena"})
	must(t, err)
	if res.Unchanged != 1 || res.Objects != 1 {
		t.Fatalf("result %+v", res)
	}
	for _, name := range []string{"KYC-1", "KYC-2"} {
		ev := lastEvent(t, s, name)
		text := model.DescribeEvent(ev)
		if ev.Kind != model.EventObject || ev.Actor != "lena" || !strings.Contains(text, "report rep_1 changed: attributes has-match") ||
			!strings.Contains(text, "(import of cases.jsonl line 1)") {
			t.Errorf("%s's last event: %s %s", name, ev.Actor, text)
		}
	}
	checkClean(t, s)
}

// An imported comment is the importer's record of what the source said:
// the source's author and time are kept as data, never as a docket user's
// comment.
func TestImportedCommentsAreMarked(t *testing.T) {
	s, _ := newStore(t)
	must(t, s.AddUser("ada", model.User{Name: "kai"}))
	line := strings.TrimSuffix(caseDoc("case_1", "KYC-1", "open", "2024-01-02T00:00:00Z", ""), "}") +
		`,"included":[{"type":"case-comment","id":"cscm_1","attributes":{"body":"all good","creator-id":"kai","created-at":"2019-03-04T05:06:07Z"}}]}`
	importFiles(t, s, writeLines(t, line))
	d, err := s.CaseDetail("KYC-1")
	must(t, err)
	if len(d.Comments) != 1 {
		t.Fatalf("comments %+v", d.Comments)
	}
	cm := d.Comments[0]
	im := cm.Imported
	if cm.Author != "ada" || im == nil || im.Author != "kai" || !im.At.Equal(time.Date(2019, 3, 4, 5, 6, 7, 0, time.UTC)) ||
		im.Source != "import of cases.jsonl line 1" || !cm.CreatedAt.Equal(t0) {
		t.Fatalf("comment %+v (imported %+v)", cm, im)
	}
	// An export says what the source said.
	a := exportOne(t, s, "KYC-1")
	if inc := fmt.Sprint(a["included"]); !strings.Contains(inc, "commenter-id:kai") || !strings.Contains(inc, "2019-03-04T05:06:07Z") {
		t.Fatalf("exported %s", inc)
	}
	checkClean(t, s)
}

// Persona often names an object without including it: the import keeps a
// reference-only object (check stays clean) and fills it in, with an audit
// event, when the object arrives.
func TestReferenceOnlyObjects(t *testing.T) {
	s, _ := newStore(t)
	rel := `},"relationships":{"inquiries":{"data":[{"type":"inquiry","id":"inq_later"}]}`
	importFiles(t, s, writeLines(t, caseDoc("case_1", "KYC-1", "open", "2024-01-02T00:00:00Z", rel)))
	checkClean(t, s)
	d, err := s.CaseDetail("KYC-1")
	must(t, err)
	if len(d.Objects) != 1 || !d.Objects[0].RefOnly || d.Objects[0].Kind != model.KindInquiry {
		t.Fatalf("objects %+v", d.Objects)
	}
	arrives := strings.TrimSuffix(caseDoc("case_1", "KYC-1", "open", "2024-01-02T00:00:00Z", rel), "}") +
		`,"included":[{"type":"inquiry","id":"inq_later","attributes":{"name-first":"Ana","name-last":"Lima"}}]}`
	importFiles(t, s, writeLines(t, arrives))
	d, err = s.CaseDetail("KYC-1")
	must(t, err)
	if d.Objects[0].RefOnly || d.Case.Subject != "Ana Lima" {
		t.Fatalf("after it arrived: %+v, subject %q", d.Objects[0], d.Case.Subject)
	}
	if text := model.DescribeEvent(d.Events[len(d.Events)-1]); !strings.Contains(text, "inquiry inq_later arrived (it was only referenced before)") {
		t.Fatalf("last event: %s", text)
	}
	checkClean(t, s)
}

// Whatever enrichment case enrich accepts survives an export and an
// import, though the export wraps each level in a {type, value} pair.
func TestDeepEnrichmentSurvivesExportAndImport(t *testing.T) {
	s, _ := newStore(t)
	c := mustCase(t, s, "default", "ravi")
	deep := strings.Repeat(`{"a":`, model.MaxJSONDepth-1) + "1" + strings.Repeat("}", model.MaxJSONDepth-1)
	_, err := s.UpdateFields(Target{Actor: "ravi", Case: c.Name}, []byte(`{"deep":`+deep+`}`))
	must(t, err)
	var buf bytes.Buffer
	_, err = s.Export(&buf, FormatJSONL, Query{Queue: QueueAll, Actor: "ada"})
	must(t, err)
	path := filepath.Join(t.TempDir(), "export.jsonl")
	must(t, os.WriteFile(path, buf.Bytes(), 0o600))
	fresh := openAt(t, dbPath(t), newClock())
	_, err = fresh.Login("root")
	must(t, err)
	_, err = fresh.Import([]Source{src(path)}, ImportOptions{Actor: "root"})
	must(t, err)
	a, err := s.Case(c.Name)
	must(t, err)
	b, err := fresh.CaseDetail(c.Name)
	must(t, err)
	if string(a.Fields) != string(b.Case.Fields) {
		t.Fatalf("fields differ after the round trip")
	}
	// One level more is refused on the way in, by name.
	_, err = s.UpdateFields(Target{Actor: "ravi", Case: c.Name}, []byte(`{"deeper":{"x":`+deep+`}}`))
	if !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("one level too deep: %v", err)
	}
}

// A file written before records were bound to their trails (schema 2)
// upgrades to one that checks clean: objects, comments and records get
// their digests, a ref with no object a reference-only object.
func TestSchema2IsBoundOnUpgrade(t *testing.T) {
	boltOnly(t)
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "schema2.db"))
	must(t, err)
	must(t, os.WriteFile(path, raw, 0o600))
	s, err := Open(path, Options{})
	must(t, err)
	defer s.Close()
	checkClean(t, s)
	// Schema 5: the events sit beside their cases; their old bucket is gone.
	must(t, s.db.ViewRaw(func(r *bolt.Raw) error {
		if r.HasBucket("events") {
			t.Fatal("the events bucket survived the upgrade")
		}
		return nil
	}))
	d, err := s.CaseDetail("CASE-90")
	must(t, err)
	if len(d.Objects) != 2 || !d.Objects[0].RefOnly {
		t.Fatalf("CASE-90's objects: %+v", d.Objects)
	}
	d, err = s.CaseDetail("REV-2")
	must(t, err)
	if len(d.Comments) == 0 || !d.Comments[0].Verified() || d.Events[len(d.Events)-1].State == nil {
		t.Fatalf("REV-2 not bound: %+v", d.Comments)
	}
	_, err = s.Comment(Target{Actor: "ada", Case: "REV-2"}, "after the upgrade")
	must(t, err)
	_, err = s.Redact(Target{Actor: "ada", Case: "CASE-90"})
	must(t, err)
	checkClean(t, s)
}

// A move that is not allowed from where the database has the case is
// allowed from where an earlier copy in the same import leaves it.
func TestImportAcceptsAMoveAfterAnEarlierCopy(t *testing.T) {
	s, _ := newStore(t)
	open := caseDoc("case_1", "REV-1", "Open", "2024-01-01T00:00:00Z", "")
	_, err := s.Import([]Source{src(writeLines(t, open))}, ImportOptions{Actor: "lena", Workflow: "review"})
	must(t, err)
	review := caseDoc("case_1", "REV-1", "Review in progress", "2024-01-02T00:00:00Z", "")
	approved := caseDoc("case_1", "REV-1", "Approved", "2024-01-03T00:00:00Z", "")
	_, err = s.Import([]Source{src(writeLines(t, approved))}, ImportOptions{Actor: "lena", Workflow: "review"})
	if !errors.Is(err, model.ErrInvalid) && !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("Open → Approved alone: %v", err)
	}
	res, err := s.Import([]Source{src(writeLines(t, review, approved))}, ImportOptions{Actor: "lena", Workflow: "review", BatchSize: 1})
	must(t, err)
	if res.Updated != 2 {
		t.Fatalf("result %+v", res)
	}
	c, err := s.Case("REV-1")
	must(t, err)
	if c.Status != "Approved" {
		t.Fatalf("status %s", c.Status)
	}
	checkClean(t, s)
}
