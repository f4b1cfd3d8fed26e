package store

import (
	"strings"
	"testing"

	"docket/model"
	"docket/workflows"
)

// reopening is the default workflow with Approved no longer an end status.
const reopening = `id: default
name: Default review
key: CASE
statuses:
  - {name: Open, type: initial, key: O}
  - {name: Pending, type: intermediate, key: P}
  - {name: Approved, type: intermediate, key: A}
  - {name: Declined, type: end, key: D, reasons: [fraud], require_reason: true}
`

// TestWorkflowChangeThatReopensCases: a new version that makes an end
// status intermediate would reopen every case decided in it. Without
// --migrate it is refused and nothing changes; with it each case gets an
// audit event in the same transaction, is re-indexed as open, and the file
// checks out.
func TestWorkflowChangeThatReopensCases(t *testing.T) {
	s, _ := newStore(t)
	var decided []*model.Case
	for i := 0; i < 3; i++ {
		c := mustCase(t, s, "default", "ravi")
		_, err := s.SetStatus(Target{Actor: "ravi", Case: c.Name}, StatusChange{Status: "Approved"})
		must(t, err)
		decided = append(decided, c)
	}
	untouched := mustCase(t, s, "default", "ravi")
	w, err := workflows.Parse("reopening.yaml", []byte(reopening))
	must(t, err)

	before := snapshot(t, s)
	err = s.LoadWorkflow("ada", w)
	refused(t, s, err, model.ErrInvalid, `3 case(s) are in status "Approved", which the new version makes intermediate (was end)`, before)
	if !strings.Contains(err.Error(), "--migrate") {
		t.Fatalf("the refusal does not say how to go ahead: %v", err)
	}
	_, err = s.MigrateWorkflow("lena", w)
	refused(t, s, err, model.ErrForbidden, "only an admin", before)

	moved, err := s.MigrateWorkflow("ada", w)
	must(t, err)
	if moved != 3 {
		t.Fatalf("moved %d cases, want 3", moved)
	}
	for _, c := range decided {
		d, err := s.CaseDetail(c.Name)
		must(t, err)
		last := d.Events[len(d.Events)-1]
		if !d.Case.Open() || !d.Case.ResolvedAt.IsZero() || d.Case.Version != 3 || len(d.Broken) > 0 ||
			last.Kind != model.EventMigrated || last.Actor != "ada" || last.From != "Approved" || last.To != "Approved" ||
			!strings.Contains(strings.Join(last.Effects, ""), "made status Approved intermediate (was end)") {
			t.Fatalf("%s after the migration: %+v, last event %+v, broken %v", c.Name, d.Case, last, d.Broken)
		}
	}
	if got := caseOf(t, s, untouched.Name); got.Version != untouched.Version {
		t.Fatalf("%s, in Open, was rewritten", untouched.Name)
	}
	page, err := s.List(Query{Queue: QueueOpen, Actor: "ada"})
	must(t, err)
	closed, err := s.List(Query{Queue: QueueClosed, Actor: "ada"})
	must(t, err)
	if page.Total != 4 || closed.Total != 0 {
		t.Fatalf("open %d, closed %d", page.Total, closed.Total)
	}
	must(t, problemsOf(s))
}

// TestWorkflowChangeThatDropsAStatus: the cases of a dropped status go to
// the initial status, only with --migrate, each audited.
func TestWorkflowChangeThatDropsAStatus(t *testing.T) {
	s, _ := newStore(t)
	c := mustCase(t, s, "default", "ravi")
	_, err := s.SetStatus(Target{Actor: "ravi", Case: c.Name}, StatusChange{Status: "Pending"})
	must(t, err)
	w, err := workflows.Parse("drop.yaml", []byte(strings.Replace(reopening, "  - {name: Pending, type: intermediate, key: P}\n", "", 1)))
	must(t, err)
	before := snapshot(t, s)
	refused(t, s, s.LoadWorkflow("ada", w), model.ErrInvalid, `1 case(s) are in status "Pending", which the new version drops`, before)
	_, err = s.MigrateWorkflow("ada", w)
	must(t, err)
	d, err := s.CaseDetail(c.Name)
	must(t, err)
	last := d.Events[len(d.Events)-1]
	if d.Case.Status != "Open" || last.Kind != model.EventMigrated || last.From != "Pending" || last.To != "Open" || len(d.Broken) > 0 {
		t.Fatalf("case %+v, last event %+v", d.Case, last)
	}
	must(t, problemsOf(s))
}

// TestWorkflowRespellingAStatus: a status only spelt differently needs no
// --migrate; its cases take the new spelling, each with an audit event.
func TestWorkflowRespellingAStatus(t *testing.T) {
	s, _ := newStore(t)
	c := mustCase(t, s, "default", "ravi")
	_, err := s.SetStatus(Target{Actor: "ravi", Case: c.Name}, StatusChange{Status: "Pending"})
	must(t, err)
	src := strings.Replace(workflowSource(t, s, "default"), "name: Pending", "name: PENDING", 1)
	w, err := workflows.Parse("respell.yaml", []byte(src))
	must(t, err)
	must(t, s.LoadWorkflow("ada", w))
	d, err := s.CaseDetail(c.Name)
	must(t, err)
	if last := d.Events[len(d.Events)-1]; d.Case.Status != "PENDING" || last.Kind != model.EventMigrated || last.To != "PENDING" {
		t.Fatalf("case %+v, last event %+v", d.Case, last)
	}
	must(t, problemsOf(s))
}

func workflowSource(t *testing.T, s *Store, id string) string {
	t.Helper()
	w, err := s.Workflow(id)
	must(t, err)
	return string(w.Source)
}

func caseOf(t *testing.T, s *Store, ref string) *model.Case {
	t.Helper()
	c, err := s.Case(ref)
	must(t, err)
	return c
}
