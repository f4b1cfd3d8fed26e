package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"docket/model"
	"docket/store/persona"
)

// Persona's older status pair imports as the workflow's own status:
// resolved with a resolution is the end status of that name, open and
// pending the workflow's open statuses. A case-template ref that names a
// workflow (as docket writes one for a workflow without a Persona
// template) picks that workflow, and is not kept as a Persona template.
func TestImportPersonaStatusShapes(t *testing.T) {
	s, _ := newStore(t)
	tmpl := func(id string) string {
		return `},"relationships":{"case-template":{"data":{"type":"case-template","id":"` + id + `"}}`
	}
	importFiles(t, s, writeLines(t,
		caseDoc("case_1", "CASE-1", "resolved", "2024-01-02T00:00:00Z", `,"resolution":"declined"`),
		caseDoc("case_2", "REV-1", "pending", "2024-01-02T00:00:00Z", tmpl("review")),
		caseDoc("case_3", "REV-2", "Awaiting documentation", "2024-01-02T00:00:00Z", tmpl("review")),
		caseDoc("case_4", "CASE-2", "open", "2024-01-02T00:00:00Z", `,"resolution":null`),
	))
	for ref, want := range map[string]string{
		"CASE-1": "default/Declined/end", "REV-1": "review/Review in progress/intermediate",
		"REV-2": "review/Awaiting documentation/intermediate", "CASE-2": "default/Open/initial",
	} {
		c, err := s.Case(ref)
		must(t, err)
		if got := c.Workflow + "/" + c.Status + "/" + string(c.StatusType); got != want || c.PersonaTemplate != "" {
			t.Errorf("%s: %s (template %q), want %s", ref, got, c.PersonaTemplate, want)
		}
	}
	checkClean(t, s)

	// A resolution the workflow does not have is refused, naming its
	// statuses, and nothing is written.
	before := snapshot(t, s)
	_, err := s.Import([]Source{src(writeLines(t,
		caseDoc("case_5", "CASE-3", "open", "2024-01-02T00:00:00Z", ""),
		caseDoc("case_6", "CASE-4", "resolved", "2024-01-02T00:00:00Z", `,"resolution":"Escalated"`),
	))}, ImportOptions{Actor: "ada"})
	refused(t, s, err, model.ErrInvalid, `cases.jsonl:2: data.attributes.status: case case_6: resolution "Escalated" is not an end status of workflow default (Approved, Declined)`, before)
}

// PersonaDocs gathers what a document of a case holds: the objects docket
// has, the comments, everyone's Persona id; with docket's extension, the
// reason given for the case's status.
func TestPersonaDocs(t *testing.T) {
	s, clk := newStore(t)
	c := mustCase(t, s, "default", "ravi")
	tg := Target{Actor: "ravi", Case: c.Name}
	_, err := s.Attach(tg, inquiry("inq_1", "Kofi", "Mensah"))
	must(t, err)
	_, err = s.Comment(tg, "documents match")
	must(t, err)
	_, err = s.SetStatus(tg, StatusChange{Status: "Declined", Reason: "fraud"})
	must(t, err)
	docs, err := s.PersonaDocs([]string{c.Name}, persona.Options{Docket: true})
	must(t, err)
	d := docs[0]
	if d.Case.ID != c.ID || len(d.Objects) != 1 || len(d.Comments) != 1 || d.Reason != "fraud" || d.People["ravi"] != "ravi@example.com" {
		t.Fatalf("doc %+v", d)
	}
	plain, err := s.PersonaDocs([]string{c.ID}, persona.Options{})
	must(t, err)
	if plain[0].Reason != "" {
		t.Errorf("reason read without the extension: %q", plain[0].Reason)
	}
	line, err := persona.EncodeCase(d, persona.Options{})
	must(t, err)
	for _, want := range []string{`"status":"Declined"`, `"resolution":"Declined"`, `"resolver-id":"ravi@example.com"`,
		`"commenter-id":"ravi@example.com"`, `"message":"documents match"`, `"case-template":{"data":{"type":"case-template","id":"default"}}`} {
		if !strings.Contains(string(line), want) {
			t.Errorf("document lacks %s: %s", want, line)
		}
	}
	// A redacted case says when, in Persona's shape too.
	clk.advance(time.Hour)
	_, err = s.Redact(Target{Actor: "lena", Case: c.Name})
	must(t, err)
	plain, err = s.PersonaDocs([]string{c.ID}, persona.Options{})
	must(t, err)
	if !plain[0].RedactedAt.Equal(clk.now) || !plain[0].Case.Redacted {
		t.Errorf("redacted at %v, want %v", plain[0].RedactedAt, clk.now)
	}
	if _, err := s.PersonaDocs([]string{c.Name, "NOPE-1"}, persona.Options{}); !errors.Is(err, model.ErrNotFound) {
		t.Errorf("unknown case: %v", err)
	}
}

func TestExportFormats(t *testing.T) {
	s, _ := newStore(t)
	mustCase(t, s, "review", "ravi")
	for format, want := range map[string]string{
		FormatJSONL:   `"meta":{"docket-status-type":"initial","docket-version":1,"docket-workflow":"review"}`,
		FormatPersona: `"case-template":{"data":{"type":"case-template","id":"review"}}`,
	} {
		var buf strings.Builder
		_, err := s.Export(&buf, format, Query{Actor: "ada"})
		must(t, err)
		if !strings.Contains(buf.String(), want) {
			t.Errorf("%s: %s", format, buf.String())
		}
		if format == FormatPersona && strings.Contains(buf.String(), `"meta"`) {
			t.Errorf("persona format with meta: %s", buf.String())
		}
	}
	_, err := s.Export(&strings.Builder{}, "xml", Query{Actor: "ada"})
	if err == nil || !strings.Contains(err.Error(), "want jsonl, persona or csv") {
		t.Errorf("unknown format: %v", err)
	}
}

// A case of a workflow bound to a Persona template later names that
// template; one of a workflow without a template names the workflow.
func TestPersonaDocsTemplate(t *testing.T) {
	s, _ := newStore(t)
	c := mustCase(t, s, "review", "ravi")
	docs, err := s.PersonaDocs([]string{c.Name}, persona.Options{})
	must(t, err)
	line, err := persona.EncodeCase(docs[0], persona.Options{})
	must(t, err)
	if !strings.Contains(string(line), `"case-template":{"data":{"type":"case-template","id":"review"}}`) {
		t.Errorf("%s", line)
	}
	w, err := s.Workflow("review")
	must(t, err)
	bound := strings.Replace(string(w.Source), "\nkey: REV", "\nkey: REV\npersona_template_id: ctmpl_rev", 1)
	must(t, s.LoadWorkflow("ada", mustParse(t, bound)))
	docs, err = s.PersonaDocs([]string{c.Name}, persona.Options{})
	must(t, err)
	if docs[0].Case.PersonaTemplate != "ctmpl_rev" {
		t.Errorf("template %q", docs[0].Case.PersonaTemplate)
	}
}
