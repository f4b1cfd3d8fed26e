package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"docket/model"
	"docket/workflows"
)

const fixtures = "persona/testdata/"

func src(path string) Source { return Source{Name: filepath.Base(path), Path: path} }

func importFiles(t *testing.T, s *Store, paths ...string) ImportResult {
	t.Helper()
	var srcs []Source
	for _, p := range paths {
		srcs = append(srcs, src(p))
	}
	res, err := s.Import(srcs, ImportOptions{Actor: "ada"})
	must(t, err)
	return res
}

// writeLines writes one JSON document per line.
func writeLines(t *testing.T, docs ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cases.jsonl")
	must(t, os.WriteFile(path, []byte(strings.Join(docs, "\n")+"\n"), 0o600))
	return path
}

// caseDoc is a minimal Persona single-case document.
func caseDoc(id, name, status, updated string, extra string) string {
	return fmt.Sprintf(`{"data":{"type":"case","id":%q,"attributes":{"status":%q,"name":%q,"created-at":"2024-01-01T00:00:00Z","updated-at":%q,"tags":["t1"]%s}}}`,
		id, status, name, updated, extra)
}

func TestImportSingleCase(t *testing.T) {
	s, _ := newStore(t)
	res := importFiles(t, s, fixtures+"case.json")
	if res.Created != 1 || res.Cases != 1 || strings.Join(res.NewUsers, ",") != "maria.lopez" {
		t.Fatalf("result %+v", res)
	}
	d, err := s.CaseDetail("KYC-42")
	must(t, err)
	c := d.Case
	if c.ID != "case_7Qm2vXbN4kLpR8sT1uW3yZa5" || c.Status != "Open" || c.Workflow != "default" || c.Assignee != "maria.lopez" {
		t.Fatalf("case %+v", c)
	}
	if c.SLAExpiresAt.IsZero() || c.CreatedAt.Year() != 2024 || strings.Join(c.Tags, ",") != "high-risk,manual-review" {
		t.Fatalf("times/tags %+v", c)
	}
	var fields map[string]any
	must(t, json.Unmarshal(c.Fields, &fields))
	if fields["risk-score"] != float64(87) || fields["device"].(map[string]any)["ip"] != "203.0.113.9" {
		t.Fatalf("fields not flattened: %s", c.Fields)
	}
	if c.Subject != "Maria Silva" {
		t.Fatalf("subject %q", c.Subject)
	}
	kinds := map[model.ObjectKind]int{}
	for _, o := range d.Objects {
		kinds[o.Kind]++
	}
	if kinds[model.KindInquiry] != 1 || kinds[model.KindAccount] != 1 || kinds[model.KindReport] != 1 || kinds[model.KindVerification] != 1 {
		t.Fatalf("objects %v", kinds)
	}
	if len(d.Comments) != 1 || len(d.Events) != 1 || d.Events[0].Kind != model.EventImported {
		t.Fatalf("comments %+v events %+v", d.Comments, d.Events)
	}
	u, err := s.User("maria.lopez")
	must(t, err)
	if u.Role != model.RoleReviewer || u.Email != "maria.lopez@example.com" {
		t.Fatalf("new user %+v", u)
	}
	// New cases of that workflow key continue after the imported number.
	must(t, s.LoadWorkflow("ada", mustParse(t, "id: kyc\nname: KYC\nkey: KYC\nstatuses:\n  - {name: Open, type: initial}\n  - {name: Done, type: end}\n")))
	k, err := s.CreateCase("ada", NewCase{Workflow: "kyc"})
	must(t, err)
	if k.Name != "KYC-43" {
		t.Fatalf("next KYC name %q", k.Name)
	}
}

func mustParse(t *testing.T, src string) *workflows.Workflow {
	t.Helper()
	w, err := workflows.Parse("test.yaml", []byte(src))
	must(t, err)
	return w
}

func TestImportListAndEvent(t *testing.T) {
	s, _ := newStore(t)
	res := importFiles(t, s, fixtures+"list.json", fixtures+"event.json")
	if res.Created != 3 || len(res.Skipped) == 0 {
		t.Fatalf("result %+v", res)
	}
	a, err := s.CaseDetail("KYC-1")
	must(t, err)
	if len(a.Related) != 1 || a.Related[0].Name != "KYC-2" {
		t.Fatalf("shared account does not relate the cases: %+v", a.Related)
	}
	ev, err := s.Case("AML-9")
	must(t, err)
	if ev.Status != "Approved" || ev.StatusType != model.End || ev.ResolvedAt.IsZero() {
		t.Fatalf("event case %+v", ev)
	}
	joined := strings.Join(res.Skipped, "\n")
	if !strings.Contains(joined, "doc_1") {
		t.Fatalf("skipped %v", res.Skipped)
	}
}

func TestImportJSONLinesIsIdempotent(t *testing.T) {
	s, _ := newStore(t)
	path := writeLines(t,
		caseDoc("case_1", "KYC-1", "open", "2024-01-02T00:00:00Z", `,"assignee-id":"ravi@example.com"`),
		caseDoc("case_2", "KYC-2", "pending", "2024-01-02T00:00:00Z", ""),
		"",
		caseDoc("case_3", "KYC-3", "declined", "2024-01-02T00:00:00Z", ""))
	res := importFiles(t, s, path)
	if res.Created != 3 || len(res.NewUsers) != 0 {
		t.Fatalf("first %+v", res)
	}
	c, _ := s.Case("KYC-1")
	if c.Assignee != "ravi" {
		t.Fatalf("assignee matched by email: %q", c.Assignee)
	}
	before := snapshot(t, s)
	res = importFiles(t, s, path)
	if res.Unchanged != 3 || res.Created+res.Updated != 0 {
		t.Fatalf("second %+v", res)
	}
	sameSnapshot(t, before, snapshot(t, s))
}

func TestImportNewerCopyUpdates(t *testing.T) {
	s, _ := newStore(t)
	importFiles(t, s, writeLines(t, caseDoc("case_1", "KYC-1", "open", "2024-01-02T00:00:00Z", "")))
	res := importFiles(t, s, writeLines(t,
		caseDoc("case_1", "KYC-1", "pending", "2024-01-03T00:00:00Z", ""),
		caseDoc("case_1", "KYC-1", "open", "2024-01-02T12:00:00Z", ""))) // older: ignored
	if res.Updated != 1 || res.Unchanged != 1 {
		t.Fatalf("result %+v", res)
	}
	d, _ := s.CaseDetail("KYC-1")
	last := d.Events[len(d.Events)-1]
	if d.Case.Status != "Pending" || d.Case.Version != 2 || last.From != "Open" || last.To != "Pending" {
		t.Fatalf("case %+v event %+v", d.Case, last)
	}
}

func TestImportAcceptsALogOfUpdates(t *testing.T) {
	s, _ := newStore(t)
	open := caseDoc("case_1", "KYC-1", "open", "2024-01-02T00:00:00Z", "")
	importFiles(t, s, writeLines(t, open, caseDoc("case_1", "KYC-1", "pending", "2024-01-03T00:00:00Z", ""), open))
	d, err := s.CaseDetail("KYC-1")
	must(t, err)
	if d.Case.Status != "Pending" {
		t.Fatalf("the newest copy should win: %s", d.Case.Status)
	}
}

func TestImportIsAllOrNothing(t *testing.T) {
	good := caseDoc("case_1", "KYC-1", "open", "2024-01-02T00:00:00Z", "")
	tests := []struct {
		name  string
		lines []string
		want  string
	}{
		{"unknown status", []string{good, caseDoc("case_2", "KYC-2", "escalated", "2024-01-02T00:00:00Z", "")},
			`cases.jsonl:2: data.attributes.status: case case_2: status "escalated" is not a status of workflow default (Open, Pending, Approved, Declined)`},
		{"malformed JSON", []string{good, good, `{"data": {"type": "case",`}, "cases.jsonl:3: malformed JSON"},
		{"wrong type", []string{good, `{"data":{"type":"case","id":"c9","attributes":{"status":7}}}`}, "cases.jsonl:2: data.attributes.status: want a string, got a number"},
		{"not a case", []string{`{"data":{"type":"inquiry","id":"inq_1"}}`}, `cases.jsonl:1: data.type: "inquiry" is not a case`},
		{"name clash", []string{good, caseDoc("case_2", "KYC-1", "open", "2024-01-02T00:00:00Z", "")},
			"cases.jsonl:2: case KYC-1 has the same name as a different case at cases.jsonl:1"},
		{"bad tag", []string{good, caseDoc("case_2", "KYC-2", "open", "2024-01-02T00:00:00Z", `,"tags":["a\u001bb"]`)}, "cases.jsonl:2: data.attributes.tags"},
		// An id with a NUL would break the objectID \0 caseID link keys
		// and reach into another case.
		{"NUL in an object id", []string{good, caseDoc("case_2", "KYC-2", "open", "2024-01-02T00:00:00Z",
			`},"relationships":{"inquiries":{"data":[{"type":"inquiry","id":"inq_case_x\u0000zz"}]}`)},
			`cases.jsonl:2: data.relationships.inquiries.data[0].id: the id "inq_case_x\x00zz" holds the invisible or control character U+0000`},
		{"NUL in an included id", []string{good, `{"data":{"type":"case","id":"case_3","attributes":{"status":"open"}},"included":[{"type":"inquiry","id":"inq_\u0000","attributes":{}}]}`},
			`cases.jsonl:2: included[0].id: the id "inq_\x00" holds the invisible or control character U+0000`},
		{"bidi in a case id", []string{good, caseDoc("case_\u202e2", "KYC-2", "open", "2024-01-02T00:00:00Z", "")},
			`cases.jsonl:2: data.id: the id "case_\u202e2" holds the invisible or control character U+202E`},
		{"case name of 40,000 characters", []string{good, caseDoc("case_2", strings.Repeat("N", 40000), "open", "2024-01-02T00:00:00Z", "")},
			"cases.jsonl:2: data.attributes.name: the case name \"NNNNNNNNNNNNNNNNNNNNNNNN\"… is 40000 bytes long; at most 128 are allowed"},
		{"assignee with a newline", []string{good, caseDoc("case_2", "KYC-2", "open", "2024-01-02T00:00:00Z", `,"assignee-id":"kai\nadmin"`)},
			`cases.jsonl:2: data.attributes.assignee-id: the id "kai\nadmin" holds the invisible or control character U+000A`},
		{"one case, one updated-at, two contents, apart", []string{good,
			caseDoc("case_1", "KYC-1", "pending", "2024-01-03T00:00:00Z", ""),
			caseDoc("case_1", "KYC-1", "declined", "2024-01-02T00:00:00Z", "")},
			"cases.jsonl:3: case case_1 appears again with the same updated-at (2024-01-02T00:00:00Z) as at cases.jsonl:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := newStore(t)
			before := snapshot(t, s)
			_, err := s.Import([]Source{src(writeLines(t, tt.lines...))}, ImportOptions{Actor: "ada", BatchSize: 1})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
			sameSnapshot(t, before, snapshot(t, s))
		})
	}
}

func TestImportRefusesOtherThingsWholly(t *testing.T) {
	s, _ := newStore(t)
	path := writeLines(t, caseDoc("case_1", "KYC-1", "open", "2024-01-02T00:00:00Z", ""))
	before := snapshot(t, s)
	_, err := s.Import([]Source{src(path)}, ImportOptions{Actor: "ravi"})
	refused(t, s, err, model.ErrForbidden, "only a lead or admin may import", before)
	_, err = s.Import([]Source{src(path)}, ImportOptions{Actor: "ada", Workflow: "nope"})
	refused(t, s, err, model.ErrNotFound, "nope", before)
	// A bad second file keeps the good first one out too.
	bad := writeLines(t, `{"data": 1}`)
	_, err = s.Import([]Source{src(path), {Name: "bad.jsonl", Path: bad}}, ImportOptions{Actor: "ada"})
	if err == nil || !strings.Contains(err.Error(), "bad.jsonl:1:") {
		t.Fatalf("got %v", err)
	}
	sameSnapshot(t, before, snapshot(t, s))
}

func TestImportPicksWorkflow(t *testing.T) {
	s, _ := newStore(t)
	w := mustParse(t, "id: kyc\nname: KYC\nkey: KYC\npersona_template_id: ctmpl_Kyc8r2Zt\nstatuses:\n  - {name: Open, type: initial}\n  - {name: Done, type: end}\n")
	must(t, s.LoadWorkflow("ada", w))
	importFiles(t, s, fixtures+"case.json")
	c, _ := s.Case("KYC-42")
	if c.Workflow != "kyc" {
		t.Fatalf("template match: workflow %q", c.Workflow)
	}
	path := writeLines(t, caseDoc("case_9", "X-1", "open", "2024-01-02T00:00:00Z", ""))
	_, err := s.Import([]Source{src(path)}, ImportOptions{Actor: "ada", Workflow: "review"})
	must(t, err)
	c, _ = s.Case("X-1")
	if c.Workflow != "review" {
		t.Fatalf("forced workflow %q", c.Workflow)
	}
}

// TestExportImportRoundTrip exports a database with imported and local
// cases in each Persona format and imports the export into an empty one:
// cases, objects, statuses and assignees come back the same. The jsonl
// format keeps objects byte for byte; the persona format writes them in
// Persona's current shape, so an export of the copy equals the original's.
func TestExportImportRoundTrip(t *testing.T) {
	s, _ := newStore(t)
	importFiles(t, s, fixtures+"case.json", fixtures+"list.json", fixtures+"event.json")
	k := mustCase(t, s, "review", "ravi")
	_, err := s.Attach(Target{Actor: "ravi", Case: k.Name}, inquiry("inq_local", "Kofi", "Mensah"))
	must(t, err)
	_, err = s.SetStatus(Target{Actor: "ravi", Case: k.Name}, StatusChange{Status: "Review in progress"})
	must(t, err)
	_, err = s.Comment(Target{Actor: "ravi", Case: k.Name}, "local note")
	must(t, err)

	for _, format := range []string{FormatJSONL, FormatPersona} {
		t.Run(format, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "export.jsonl")
			if n := exportTo(t, s, format, path); n != 5 {
				t.Fatalf("exported %d", n)
			}
			fresh := openAt(t, dbPath(t), newClock())
			_, err = fresh.Login("root")
			must(t, err)
			_, err = fresh.Import([]Source{src(path)}, ImportOptions{Actor: "root"})
			must(t, err)
			for _, ref := range []string{"KYC-42", "KYC-1", "KYC-2", "AML-9", k.Name} {
				sameCaseIn(t, s, fresh, ref, format == FormatJSONL)
			}
			if format == FormatPersona {
				again := filepath.Join(t.TempDir(), "again.jsonl")
				exportTo(t, fresh, format, again)
				if a, b := canonicalLines(t, path), canonicalLines(t, again); !slices.Equal(a, b) {
					t.Errorf("the copy exports differently:\n%s\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
				}
			}
			// Importing the export back into the database it came from changes nothing.
			before := snapshot(t, s)
			res, err := s.Import([]Source{src(path)}, ImportOptions{Actor: "ada"})
			must(t, err)
			if res.Created+res.Updated != 0 {
				t.Fatalf("re-import into the source: %+v", res)
			}
			sameSnapshot(t, before, snapshot(t, s))
		})
	}
}

// exportTo exports every case as ada would, to path.
func exportTo(t *testing.T, s *Store, format, path string) int {
	t.Helper()
	var buf bytes.Buffer
	n, err := s.Export(&buf, format, Query{Actor: "ada"})
	if err != nil && strings.Contains(err.Error(), `unknown user "ada"`) {
		n, err = s.Export(&buf, format, Query{Actor: "root"})
	}
	must(t, err)
	must(t, os.WriteFile(path, buf.Bytes(), 0o600))
	return n
}

// sameCaseIn compares a case in two databases; objects byte for byte when
// exact, else by what a reviewer reads of them.
func sameCaseIn(t *testing.T, s, fresh *Store, ref string, exact bool) {
	t.Helper()
	a, err := s.CaseDetail(ref)
	must(t, err)
	b, err := fresh.CaseDetail(ref)
	must(t, err)
	ca, cb := a.Case, b.Case
	if ca.ID != cb.ID || ca.Status != cb.Status || ca.Workflow != cb.Workflow || ca.Assignee != cb.Assignee ||
		!slices.Equal(ca.Tags, cb.Tags) || string(ca.Fields) != string(cb.Fields) || ca.Subject != cb.Subject ||
		!ca.SLAExpiresAt.Equal(cb.SLAExpiresAt) || !ca.CreatedAt.Equal(cb.CreatedAt) || ca.PersonaTemplate != cb.PersonaTemplate ||
		!slices.Equal(ca.References, cb.References) {
		t.Errorf("%s differs:\n%+v\n%+v", ref, ca, cb)
	}
	if len(a.Objects) != len(b.Objects) || len(a.Comments) != len(b.Comments) {
		t.Fatalf("%s: objects %d/%d comments %d/%d", ref, len(a.Objects), len(b.Objects), len(a.Comments), len(b.Comments))
	}
	for i := range a.Objects {
		x, y := a.Objects[i], b.Objects[i]
		same := string(x.Attributes) == string(y.Attributes)
		if !exact {
			same = x.PersonName() == y.PersonName() && x.AttrString("birthdate") == y.AttrString("birthdate") &&
				x.AttrString("address-city") == y.AttrString("address-city")
		}
		if x.ID != y.ID || !same {
			t.Errorf("%s object %d: %s vs %s", ref, i, x.Attributes, y.Attributes)
		}
	}
	for i := range a.Comments {
		if a.Comments[i].Body != b.Comments[i].Body {
			t.Errorf("%s comment %d: %q vs %q", ref, i, a.Comments[i].Body, b.Comments[i].Body)
		}
	}
}

// canonicalLines reads an export with each document's included resources
// in id order, so that two exports of the same cases compare equal.
func canonicalLines(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	must(t, err)
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var doc struct {
			Data     json.RawMessage   `json:"data"`
			Included []json.RawMessage `json:"included"`
		}
		must(t, json.Unmarshal([]byte(line), &doc))
		slices.SortFunc(doc.Included, func(a, b json.RawMessage) int { return bytes.Compare(a, b) })
		b, err := json.Marshal(doc)
		must(t, err)
		out = append(out, string(b))
	}
	slices.Sort(out)
	return out
}

func TestImportProgressAndCSV(t *testing.T) {
	s, _ := newStore(t)
	var phases []string
	_, err := s.Import([]Source{src(fixtures + "list.json")}, ImportOptions{Actor: "ada",
		Progress: func(phase string, done, total int64) {
			if done > total {
				t.Errorf("progress %d of %d", done, total)
			}
			if len(phases) == 0 || phases[len(phases)-1] != phase {
				phases = append(phases, phase)
			}
		}})
	must(t, err)
	if strings.Join(phases, ",") != "checking,writing" {
		t.Fatalf("phases %v", phases)
	}
	var buf bytes.Buffer
	_, err = s.Export(&buf, FormatCSV, Query{Actor: "ada"})
	must(t, err)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "id,name,workflow,status") || !strings.Contains(lines[2], "KYC-2") {
		t.Fatalf("csv:\n%s", buf.String())
	}
	if _, err := s.Export(&buf, "xml", Query{Actor: "ada"}); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("xml export: %v", err)
	}
}
