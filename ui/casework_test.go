package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"docket/workflows"
)

func TestDefaultKeysDoNotClash(t *testing.T) {
	if _, err := newKeyMap(nil); err != nil {
		t.Fatal(err)
	}
	var wfs []*workflows.Workflow
	for _, id := range []string{"default", "pipeline", "review", "two-team"} {
		wfs = append(wfs, workflows.Builtin(id))
	}
	if c := DefaultKeyMap().statusClashes(wfs); len(c) > 0 {
		t.Fatalf("built-in status keys clash: %v", c)
	}
}

// TestLeadCreatesACase: ctrl+n picks a workflow and optionally an assignee
// and fields, and the store creates the case; what the store refuses
// comes back in the form, as typed.
func TestLeadCreatesACase(t *testing.T) {
	st := demoStore(t, 10)
	m := newModel(t, st, "lena", 120, 40)
	press(t, m, "ctrl+n")
	f, ok := m.dialog.(*newCaseForm)
	if !ok {
		t.Fatalf("dialog %T", m.dialog)
	}
	// The third workflow; an assignee nobody knows; a field line without =.
	press(t, m, "3", "type:nobody-here", "tab", "type:risk.level=high", "ctrl+j", "type:score", "enter")
	if m.dialog != f || !strings.Contains(f.problem, `fields, line 2: want key=value, got "score"`) {
		t.Fatalf("dialog %T, problem %q", m.dialog, f.problem)
	}
	press(t, m, "type:=5", "enter")
	if f, ok = m.dialog.(*newCaseForm); !ok || !strings.Contains(f.problem, `unknown user "nobody-here"`) {
		t.Fatalf("after a refusal: dialog %T %+v", m.dialog, m.dialog)
	}
	press(t, m, "shift+tab", "ctrl+u", "type:mia", "enter")
	if m.dialog != nil {
		t.Fatalf("dialog %T still open: %q", m.dialog, m.message)
	}
	wf := st.Workflows()[2]
	page := m.message
	if !strings.Contains(page, "created in "+wf.ID) || !strings.Contains(page, "assigned to mia") {
		t.Fatalf("footer %q", page)
	}
	name := strings.Fields(page)[0]
	c := caseOf(t, st, name)
	if c.Workflow != wf.ID || c.Assignee != "mia" || string(c.Fields) != `{"risk.level":"high","score":5}` {
		t.Fatalf("created %+v fields %s", c, c.Fields)
	}
}

// TestAttachDetachRedactFromTheWorkstation: i attaches a Persona object
// document from a file, p detaches an attached object, ctrl+x redacts
// after a confirmation (Cancel focused) that names what goes; reviewers
// are refused by the store's rules, and the refusal is shown.
func TestAttachDetachRedactFromTheWorkstation(t *testing.T) {
	st := demoStore(t, 10)
	c := newCase(t, st, "default", "ravi")
	dir := t.TempDir()
	doc := filepath.Join(dir, "inquiry.json")
	if err := os.WriteFile(doc, []byte(`{"data": {"type": "inquiry", "id": "inq_attach1", "attributes": {"status": "approved", "name-first": "Amara", "name-last": "Okafor"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"data": {"type": "case-comment", "id": "x"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	m := newModel(t, st, "lena", 120, 40)
	press(t, m, "]", "]")
	selectCase(t, m, c.Name)

	press(t, m, "i", "type:"+bad, "enter")
	box, ok := m.dialog.(*inputBox)
	if !ok || !strings.Contains(box.problem, bad+":") || box.input.Value() != bad {
		t.Fatalf("a bad document: dialog %T %+v", m.dialog, m.dialog)
	}
	press(t, m, "ctrl+u", "type:"+doc, "enter")
	if d := detailOf(t, st, c.ID); !d.Case.HasObject("inq_attach1") || !strings.Contains(m.message, "attached inquiry inq_attach1 to "+c.Name) {
		t.Fatalf("objects %+v, footer %q", d.Case.Objects, m.message)
	}

	press(t, m, "p")
	p, ok := m.dialog.(*objectPicker)
	if !ok || !strings.Contains(m.View(), "inq_attach1 · Amara Okafor") {
		t.Fatalf("picker %T:\n%s", m.dialog, m.View())
	}
	for p.objects[p.cursor].ID != "inq_attach1" {
		press(t, m, "j")
	}
	press(t, m, "enter")
	if d := detailOf(t, st, c.ID); d.Case.HasObject("inq_attach1") || !strings.Contains(m.message, "detached inquiry inq_attach1") {
		t.Fatalf("objects %+v, footer %q", d.Case.Objects, m.message)
	}

	press(t, m, "m", "type:called the customer", "enter", "ctrl+x")
	q, ok := m.dialog.(*confirm)
	if !ok || q.focus != 0 || !strings.Contains(q.question, "Redact "+c.Name+"? This drops for good its enrichment (1 field)") ||
		!strings.Contains(q.question, "the text of its 1 comment") {
		t.Fatalf("dialog %T %+v", m.dialog, m.dialog)
	}
	press(t, m, "enter") // Cancel
	if got := caseOf(t, st, c.ID); got.Redacted {
		t.Fatal("enter on Cancel redacted")
	}
	press(t, m, "ctrl+x", "y")
	if d := detailOf(t, st, c.ID); !d.Case.Redacted || string(d.Case.Fields) != "{}" || d.Comments[0].Body != "" {
		t.Fatalf("redacted %+v, footer %q", d.Case, m.message)
	}

	// A reviewer: refused by the store's rules, told why.
	r := newModel(t, st, "ravi", 120, 40)
	theirs := newCase(t, st, "default", "mia")
	press(t, r, "]", "]")
	selectCase(t, r, theirs.Name)
	press(t, r, "ctrl+x")
	if r.dialog != nil || !strings.Contains(r.message, "only a lead or admin may redact") {
		t.Fatalf("reviewer redact: dialog %T, footer %q", r.dialog, r.message)
	}
	press(t, r, "i", "type:"+doc, "enter")
	if box, ok := r.dialog.(*inputBox); !ok || !strings.Contains(box.problem, "you may only attach objects to your own cases") {
		t.Fatalf("reviewer attach: dialog %T %+v", r.dialog, r.dialog)
	}
	if got := caseOf(t, st, theirs.ID); len(got.Objects) != len(theirs.Objects) {
		t.Fatal("a refused attach attached")
	}
}
