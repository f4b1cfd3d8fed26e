package cli

import (
	"strings"
	"testing"
	"time"

	"docket/store"
)

// case list says how many cases of the queue are overdue, counting only
// open ones: a decided case past its old deadline is not late (issue 10
// item 4).
func TestCaseListCountsOnlyOpenCasesOverdue(t *testing.T) {
	h := newHarness(t)
	h.team()
	// Two cases created ten hours ago with a one-hour SLA; one decided.
	past := time.Now().Add(-10 * time.Hour)
	s, err := store.Open(h.env["DOCKET_DB"], store.Options{Now: func() time.Time { return past }})
	must(t, err)
	for range 2 {
		_, err := s.CreateCase("lena", store.NewCase{Workflow: "default", Assignee: "ravi", SLA: time.Hour})
		must(t, err)
	}
	_, err = s.SetStatus(store.Target{Actor: "ravi", Case: "CASE-2"}, store.StatusChange{Status: "Approved"})
	must(t, err)
	must(t, s.Close())

	for queue, want := range map[string]string{
		"open": "1 of 1 in open, 1 overdue", "all": "2 of 2 in all, 1 overdue", "closed": "1 of 1 in closed\n"} {
		out := h.ok("case", "list", "--queue", queue)
		if !strings.Contains(out, want) {
			t.Errorf("case list --queue %s: want %q in\n%s", queue, want, out)
		}
	}
	if out := h.ok("case", "list", "--queue", "closed", "--assignee", "ravi"); strings.Contains(out, "overdue") {
		t.Errorf("a closed case counted overdue:\n%s", out)
	}
}
