package demo

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"docket/store"
	"docket/store/persona/conform"
)

// exportLines exports every case of s in format, one document per line.
func exportLines(t *testing.T, s *store.Store, format string) [][]byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := s.Export(&buf, format, store.Query{Actor: "lena"}); err != nil {
		t.Fatal(err)
	}
	return splitLines(t, buf.Bytes())
}

func splitLines(t *testing.T, b []byte) [][]byte {
	t.Helper()
	var lines [][]byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		lines = append(lines, bytes.Clone(sc.Bytes()))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

// head is what names a case in a message, and what it includes.
type head struct {
	Data struct {
		ID         string
		Attributes struct{ Name string }
	}
	Included []struct{ Type string }
}

// conforms checks each line against GET /cases/{case-id} and fails naming
// the case and the pointers; it returns how many included resources of
// each type it saw.
func conforms(t *testing.T, lines [][]byte) map[string]int {
	t.Helper()
	sch := conform.Load(t).Response("/cases/{case-id}", "GET", 200)
	types := map[string]int{}
	failed := 0
	for i, line := range lines {
		var h head
		if err := json.Unmarshal(line, &h); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		for _, inc := range h.Included {
			types[inc.Type]++
		}
		if err := sch.Validate(line); err != nil {
			if failed++; failed <= 5 {
				t.Errorf("line %d, case %s (%s): %v", i+1, h.Data.Attributes.Name, h.Data.ID, err)
			}
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d cases do not conform", failed, len(lines))
	}
	return types
}

// The strict export of the demo database conforms to Persona's schema,
// case by case, with every kind of object the demo makes.
func TestPersonaExportConforms(t *testing.T) {
	// The first 300 cases act out their history; the others arrive
	// settled, with imported comments.
	s := generate(t, 400, 1)
	lines := exportLines(t, s, store.FormatPersona)
	if len(lines) != 400 {
		t.Fatalf("%d lines", len(lines))
	}
	types := conforms(t, lines)
	for _, typ := range []string{"inquiry", "account", "case-comment", "report/watchlist", "report/phone-number",
		"report/adverse-media", "report/politically-exposed-person"} {
		if types[typ] == 0 {
			t.Errorf("no %s in the export: %v", typ, types)
		}
	}
	// The demo's matches fill each report type's own attributes.
	all := string(bytes.Join(lines, nil))
	for _, attr := range []string{`"matched-lists":[{`, `"related-sources":[{`, `"result":[{`, `"resolution":"Declined"`} {
		if !strings.Contains(all, attr) {
			t.Errorf("no %s in the export", attr)
		}
	}
}

// What the generator writes as Persona lines conforms too.
func TestDemoPersonaLinesConform(t *testing.T) {
	var buf bytes.Buffer
	path := filepath.Join(t.TempDir(), "demo.db")
	if _, err := Generate(path, Options{Cases: 120, Seed: 5, Now: now, Persona: &buf}); err != nil {
		t.Fatal(err)
	}
	conforms(t, splitLines(t, buf.Bytes()))
}

// Exporting the demo database in either format and importing that into an
// empty database gives the same cases: status, workflow, people, tags,
// fields, objects and comments.
func TestDemoRoundTrip(t *testing.T) {
	s := generate(t, 400, 2)
	for _, format := range []string{store.FormatJSONL, store.FormatPersona} {
		t.Run(format, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "export.jsonl")
			if err := os.WriteFile(file, bytes.Join(exportLines(t, s, format), []byte("\n")), 0o600); err != nil {
				t.Fatal(err)
			}
			fresh, err := store.Open(filepath.Join(t.TempDir(), "fresh.db"), store.Options{Now: func() time.Time { return now }, NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer fresh.Close()
			if _, err := fresh.Login("root"); err != nil {
				t.Fatal(err)
			}
			res, err := fresh.Import([]store.Source{{Name: "export.jsonl", Path: file}}, store.ImportOptions{Actor: "root"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Created != 400 {
				t.Fatalf("import %+v", res)
			}
			for _, c := range all(t, s) {
				sameDetail(t, s, fresh, c.ID)
			}
		})
	}
}

// personaID is a user's email, or the name when there is no such user.
func personaID(s *store.Store, name string) string {
	if u, err := s.User(name); err == nil && u.Email != "" {
		return u.Email
	}
	return name
}

func sameDetail(t *testing.T, s, fresh *store.Store, id string) {
	t.Helper()
	a, err := s.CaseDetail(id)
	if err != nil {
		t.Fatal(err)
	}
	b, err := fresh.CaseDetail(id)
	if err != nil {
		t.Fatal(err)
	}
	x, y := a.Case, b.Case
	same := x.Name == y.Name && x.Workflow == y.Workflow && x.Status == y.Status && x.StatusType == y.StatusType &&
		x.Assignee == y.Assignee && x.Subject == y.Subject && slices.Equal(x.Tags, y.Tags) && slices.Equal(x.References, y.References) &&
		string(x.Fields) == string(y.Fields) && slices.Equal(x.Objects, y.Objects) && x.PersonaTemplate == y.PersonaTemplate &&
		x.CreatedAt.Equal(y.CreatedAt) && x.UpdatedAt.Equal(y.UpdatedAt) && x.ResolvedAt.Equal(y.ResolvedAt) &&
		x.AssignedAt.Equal(y.AssignedAt) && x.SLAExpiresAt.Equal(y.SLAExpiresAt)
	if !same {
		t.Fatalf("%s differs:\n%+v\n%+v", x.Name, x, y)
	}
	// Someone the copy has no user for stays named by their Persona id.
	for _, p := range [][2]string{{x.Assigner, y.Assigner}, {x.Resolver, y.Resolver}, {x.Creator, y.Creator}} {
		if personaID(s, p[0]) != personaID(fresh, p[1]) {
			t.Fatalf("%s: %q, then %q", x.Name, p[0], p[1])
		}
	}
	for i, o := range a.Objects {
		if p := b.Objects[i]; o.ObjectRef != p.ObjectRef || string(o.Attributes) != string(p.Attributes) {
			t.Fatalf("%s object %s: %s\nvs %s", x.Name, o.ID, o.Attributes, p.Attributes)
		}
	}
	if len(a.Comments) != len(b.Comments) {
		t.Fatalf("%s: %d comments, then %d", x.Name, len(a.Comments), len(b.Comments))
	}
	for i, cm := range a.Comments {
		// The copy's comments are the importer's record of what the
		// source said: who wrote each and when.
		at := cm.CreatedAt
		if cm.Imported != nil {
			at = cm.Imported.At
		}
		im := b.Comments[i].Imported
		if b.Comments[i].Body != cm.Body || im == nil || !im.At.Equal(at) {
			t.Fatalf("%s comment %d: %+v, then %+v", x.Name, i, cm, b.Comments[i])
		}
	}
}
