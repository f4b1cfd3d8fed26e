package store

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"docket/model"
	"docket/workflows"
)

// teamStore is newStore plus reviewers for the policy tests and a
// workflow with the given assignment block.
func teamStore(t *testing.T, assignment string) (*Store, *clock) {
	t.Helper()
	s, c := newStore(t)
	for _, u := range []model.User{
		{Name: "ana", Role: model.RoleReviewer, Teams: []string{"team-1"}},
		{Name: "bo", Role: model.RoleReviewer, Teams: []string{"team-1", "team-2"}},
		{Name: "cy", Role: model.RoleReviewer, Teams: []string{"team-2"}},
	} {
		must(t, s.AddUser("ada", u))
	}
	w, err := workflows.Parse("auto.yaml", []byte("id: auto\nname: Auto\nkey: AU\n"+assignment+
		"statuses:\n  - {name: Open, type: initial, key: O}\n  - {name: Done, type: end, key: D}\n"))
	must(t, err)
	must(t, s.LoadWorkflow("ada", w))
	return s, c
}

func assignees(t *testing.T, s *Store, n int, c *clock) []string {
	t.Helper()
	var out []string
	for i := 0; i < n; i++ {
		k, err := s.CreateCase("lena", NewCase{Workflow: "auto"})
		must(t, err)
		out = append(out, k.Assignee)
		c.advance(time.Second)
	}
	return out
}

func TestRoundRobin(t *testing.T) {
	s, c := teamStore(t, "assignment: {policy: round-robin, teams: [team-1]}\n")
	// team-1 reviewers in name order: ana, bo, mia? (mia is team-2), ravi.
	got := assignees(t, s, 5, c)
	if strings.Join(got, ",") != "ana,bo,ravi,ana,bo" {
		t.Fatalf("round-robin order %v", got)
	}
	d, _ := s.CaseDetail("AU-1")
	if e := d.Events[0]; e.Kind != model.EventCreated || len(e.Effects) != 1 || e.Effects[0] != "assigned to ana (round-robin)" {
		t.Fatalf("audit %+v", e)
	}
	if d.Case.Assigner != "policy:round-robin" {
		t.Fatalf("assigner %q", d.Case.Assigner)
	}
	// Busy and unavailable reviewers are skipped.
	busy, away := model.Busy, model.Unavailable
	_, _, err := s.SetUser("lena", "bo", UserChange{Availability: &busy})
	must(t, err)
	_, _, err = s.SetUser("lena", "ravi", UserChange{Availability: &away})
	must(t, err)
	if got := assignees(t, s, 3, c); strings.Join(got, ",") != "ana,ana,ana" {
		t.Fatalf("with bo busy and ravi away: %v", got)
	}
}

func TestFewestOpenWithTiesAndCap(t *testing.T) {
	s, c := teamStore(t, "assignment: {policy: fewest-open, max_open: 2}\n")
	// ravi already holds one open case; everyone else none.
	mustCase(t, s, "default", "ravi")
	got := assignees(t, s, 6, c)
	// Ties go to whoever has waited longest for a case from the policy:
	// first those never served (by name), ravi included, whose one case
	// he took by hand.
	if want := "ana,bo,cy,mia,ravi,ana"; strings.Join(got, ",") != want {
		t.Fatalf("fewest-open %v, want %s", got, want)
	}
	// ana and ravi have 2, the cap; the others 1: they get one more
	// each, then nobody is under the cap.
	got = assignees(t, s, 5, c)
	if strings.Join(got, ",") != "bo,cy,mia,," {
		t.Fatalf("up to the cap: %v", got)
	}
	d, _ := s.CaseDetail("AU-11")
	if d.Case.Assignee != "" || !strings.Contains(strings.Join(d.Events[0].Effects, ""), "no reviewer is available") {
		t.Fatalf("over the cap: %+v %+v", d.Case, d.Events[0])
	}
}

func TestAutoAssignOnDemand(t *testing.T) {
	s, c := teamStore(t, "")
	for i := 0; i < 4; i++ {
		mustCase(t, s, "auto", "")
		c.advance(time.Second)
	}
	before := snapshot(t, s)
	_, err := s.AutoAssign("ravi", "")
	refused(t, s, err, model.ErrForbidden, "only a lead", before)
	res, err := s.AutoAssign("lena", "auto")
	must(t, err)
	total := 0
	for _, n := range res.Assigned {
		total += n
	}
	if total != 4 || res.Left != 0 {
		t.Fatalf("auto %+v", res)
	}
	page, _ := s.List(Query{Queue: QueueUnassigned, Workflow: "auto"})
	if page.Total != 0 {
		t.Fatalf("%d still unassigned", page.Total)
	}
}

func TestUnavailableReleasesCases(t *testing.T) {
	s, _ := newStore(t)
	a := mustCase(t, s, "default", "ravi")
	b := mustCase(t, s, "default", "ravi")
	closed := mustCase(t, s, "default", "ravi")
	_, err := s.SetStatus(Target{Actor: "ravi", Case: closed.Name}, StatusChange{Status: "Approved"})
	must(t, err)
	away := model.Unavailable
	_, released, err := s.SetUser("lena", "ravi", UserChange{Availability: &away})
	must(t, err)
	if released != 2 {
		t.Fatalf("released %d", released)
	}
	for _, k := range []*model.Case{a, b} {
		d, _ := s.CaseDetail(k.Name)
		last := d.Events[len(d.Events)-1]
		if d.Case.Assignee != "" || last.Kind != model.EventUnassigned || last.Actor != "lena" || last.Reason != "ravi is unavailable" {
			t.Fatalf("%s: %+v %+v", k.Name, d.Case.Assignee, last)
		}
	}
	if c, _ := s.Case(closed.Name); c.Assignee != "ravi" {
		t.Fatal("a decided case was released too")
	}
}

func TestNextCase(t *testing.T) {
	s, c := newStore(t)
	late := mustCase(t, s, "default", "") // default SLA 72h
	c.advance(time.Hour)
	_, err := s.CreateCase("lena", NewCase{Workflow: "default", SLA: time.Hour}) // most urgent
	must(t, err)
	got, err := s.NextCase("ravi", "")
	must(t, err)
	if got.Name != "CASE-2" || got.Assignee != "ravi" {
		t.Fatalf("next %+v", got)
	}
	got, err = s.NextCase("mia", "")
	must(t, err)
	if got.ID != late.ID {
		t.Fatalf("second next %s", got.Name)
	}
	before := snapshot(t, s)
	_, err = s.NextCase("ravi", "")
	refused(t, s, err, model.ErrNotFound, "no unassigned case that ravi may take", before)
	busy := model.Busy
	_, _, err = s.SetUser("mia", "mia", UserChange{Availability: &busy})
	must(t, err)
	mustCase(t, s, "default", "")
	before = snapshot(t, s)
	_, err = s.NextCase("mia", "")
	refused(t, s, err, model.ErrForbidden, "mia is busy", before)
}

// TestNextCaseConcurrent: many reviewers asking at once never get the same
// case, and every case is handed out once.
func TestNextCaseConcurrent(t *testing.T) {
	s, _ := newStore(t)
	const cases, workers = 60, 8
	for i := 0; i < cases; i++ {
		mustCase(t, s, "default", "")
	}
	for i := 0; i < workers; i++ {
		must(t, s.AddUser("ada", model.User{Name: fmt.Sprintf("w%d", i)}))
	}
	var mu sync.Mutex
	got := map[string]string{}
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(name string) {
			defer wg.Done()
			for {
				c, err := s.NextCase(name, "")
				if err != nil {
					return
				}
				mu.Lock()
				if prev, dup := got[c.ID]; dup {
					t.Errorf("%s given to %s and %s", c.Name, prev, name)
				}
				got[c.ID] = name
				mu.Unlock()
			}
		}(fmt.Sprintf("w%d", i))
	}
	wg.Wait()
	if len(got) != cases {
		t.Fatalf("%d of %d cases handed out", len(got), cases)
	}
	for id, who := range got {
		if c, _ := s.Case(id); c.Assignee != who || c.Version != 2 {
			t.Fatalf("%s: assignee %s (want %s), version %d", c.Name, c.Assignee, who, c.Version)
		}
	}
}

func TestFourEyes(t *testing.T) {
	s, _ := newStore(t)
	must(t, s.AddUser("ada", model.User{Name: "kai", Teams: []string{"team-1", "team-2"}}))
	// kai is in both teams: may give team 1's opinion but not also decide.
	k := mustCase(t, s, "two-team", "kai")
	_, err := s.SetStatus(Target{Actor: "kai", Case: k.Name}, StatusChange{Status: "Approved by Team 1"})
	must(t, err)
	_, err = s.Assign(Target{Actor: "lena", Case: k.Name}, "kai")
	must(t, err)
	before := snapshot(t, s)
	_, err = s.SetStatus(Target{Actor: "kai", Case: k.Name}, StatusChange{Status: "Approved by Team 2"})
	refused(t, s, err, model.ErrForbidden, "Approved by Team 2 needs a second person: kai took Approved by Team 1 on DUO-1", before)
	_, err = s.Assign(Target{Actor: "lena", Case: k.Name}, "mia")
	must(t, err)
	got, err := s.SetStatus(Target{Actor: "mia", Case: k.Name}, StatusChange{Status: "Approved by Team 2"})
	must(t, err)
	if got.Status != "Approved by Team 2" || got.Resolver != "mia" {
		t.Fatalf("after the second person: %+v", got)
	}
}

func TestSideEffectsAreAudited(t *testing.T) {
	s, c := newStore(t)
	k := mustCase(t, s, "two-team", "ravi")
	c.advance(time.Hour)
	got, err := s.SetStatus(Target{Actor: "ravi", Case: k.Name}, StatusChange{Status: "Declined by Team 1", Reason: "fraud"})
	must(t, err)
	// Escalated to team-2 (mia is its only available reviewer) with a day.
	if got.Assignee != "mia" || !got.SLAExpiresAt.Equal(c.now.Add(24*time.Hour)) || got.Assigner != "policy:round-robin" {
		t.Fatalf("after team 1: %+v", got)
	}
	d, _ := s.CaseDetail(k.Name)
	last := d.Events[len(d.Events)-1]
	if strings.Join(last.Effects, "; ") != "assigned to mia (round-robin); SLA 1d" {
		t.Fatalf("effects %q", last.Effects)
	}
	if desc := model.DescribeEvent(last); !strings.Contains(desc, "[assigned to mia (round-robin); SLA 1d]") {
		t.Fatalf("history line %q", desc)
	}
}

func TestSetSLA(t *testing.T) {
	s, c := newStore(t)
	k := mustCase(t, s, "default", "ravi")
	before := snapshot(t, s)
	_, err := s.SetSLA(Target{Actor: "ravi", Case: k.Name}, time.Hour)
	refused(t, s, err, model.ErrForbidden, "only a lead or admin may change SLAs", before)
	got, err := s.SetSLA(Target{Actor: "lena", Case: k.Name}, 4*time.Hour)
	must(t, err)
	if !got.SLAExpiresAt.Equal(c.now.Add(4 * time.Hour)) {
		t.Fatalf("sla %v", got.SLAExpiresAt)
	}
	got, err = s.SetSLA(Target{Actor: "lena", Case: k.Name}, 0)
	must(t, err)
	d, _ := s.CaseDetail(k.Name)
	if !got.SLAExpiresAt.IsZero() || d.Events[len(d.Events)-1].Kind != model.EventSLA || d.Events[len(d.Events)-1].To != "" {
		t.Fatalf("cleared: %+v %+v", got, d.Events[len(d.Events)-1])
	}
	// The deadline index follows: without SLA the case sorts last.
	other := mustCase(t, s, "default", "ravi")
	page, _ := s.List(Query{Queue: QueueMine, Actor: "ravi"})
	if page.Cases[0].ID != other.ID {
		t.Fatalf("order %v", names(page.Cases))
	}
}

func TestBulkMixed(t *testing.T) {
	s, _ := newStore(t)
	mine := mustCase(t, s, "default", "ravi")
	theirs := mustCase(t, s, "default", "mia")
	free := mustCase(t, s, "default", "")
	refs := []string{mine.Name, theirs.Name, free.Name, "CASE-404"}

	before := snapshot(t, s)
	res, err := s.BulkStatus("ravi", refs, StatusChange{Status: "Declined", Reason: "fraud", Comment: "ring of 3 accounts"})
	must(t, err)
	if strings.Join(res.Changed, ",") != mine.Name || len(res.Refused) != 3 {
		t.Fatalf("bulk status %+v", res)
	}
	wantWhy := map[string]string{theirs.Name: "assigned to mia", free.Name: "claim it", "CASE-404": "no case"}
	for _, r := range res.Refused {
		if !strings.Contains(r.Reason, wantWhy[r.Case]) {
			t.Fatalf("refusal of %s: %q", r.Case, r.Reason)
		}
	}
	after := snapshot(t, s)
	for k, v := range before {
		if strings.Contains(k, theirs.ID) || strings.Contains(k, free.ID) {
			if after[k] != v {
				t.Fatalf("a refused case changed: %q", k)
			}
		}
	}
	d, _ := s.CaseDetail(mine.Name)
	if last := d.Events[len(d.Events)-1]; last.Reason != "fraud" || last.Comment != "ring of 3 accounts" {
		t.Fatalf("comment and reason not applied: %+v", last)
	}

	res, err = s.BulkAssign("lena", []string{theirs.Name, free.Name, mine.Name}, "ravi")
	must(t, err)
	if len(res.Changed) != 2 || strings.Join(res.Unchanged, ",") != mine.Name || len(res.Refused) != 0 {
		t.Fatalf("bulk assign %+v", res)
	}
	res, err = s.BulkTag("ravi", []string{theirs.Name, free.Name}, []string{"ring"}, nil)
	must(t, err)
	res, err = s.BulkTag("ravi", []string{theirs.Name, free.Name}, []string{"ring"}, nil)
	must(t, err)
	if len(res.Unchanged) != 2 {
		t.Fatalf("second tag run %+v", res)
	}
}

func TestWorkload(t *testing.T) {
	s, c := newStore(t)
	old := mustCase(t, s, "default", "ravi")
	c.advance(80 * time.Hour) // past the 72h SLA
	mustCase(t, s, "default", "ravi")
	done := mustCase(t, s, "default", "ravi")
	_, err := s.SetStatus(Target{Actor: "ravi", Case: done.Name}, StatusChange{Status: "Approved"})
	must(t, err)
	loads, err := s.Workload("lena")
	must(t, err)
	var ravi *Load
	for i := range loads {
		if loads[i].User.Name == "ravi" {
			ravi = &loads[i]
		}
	}
	if ravi == nil || ravi.Open != 2 || ravi.Overdue != 1 || !ravi.Oldest.Equal(old.CreatedAt) || ravi.DecidedToday != 1 {
		t.Fatalf("ravi %+v", ravi)
	}
	if n, err := s.OverdueCount(Query{Queue: QueueOpen}); err != nil || n != 1 {
		t.Fatalf("overdue %d %v", n, err)
	}
}

func TestStatsFromTheAuditTrail(t *testing.T) {
	s, c := newStore(t)
	start := c.now
	// Three cases decided after 2h, 6h and 10h; one late (default SLA 72h
	// is not reached, so give one a 1h SLA first).
	for i, hours := range []int{2, 6, 10} {
		c.set(start)
		k := mustCase(t, s, "default", "ravi")
		if i == 2 {
			_, err := s.SetSLA(Target{Actor: "lena", Case: k.Name}, time.Hour)
			must(t, err)
		}
		c.set(start.Add(time.Duration(hours) * time.Hour))
		_, err := s.SetStatus(Target{Actor: "ravi", Case: k.Name}, StatusChange{Status: "Approved"})
		must(t, err)
	}
	mustCase(t, s, "review", "mia") // open
	c.set(start.Add(12 * time.Hour))
	r, err := s.Stats("lena", 7*24*time.Hour)
	must(t, err)
	tot := r.Total
	if tot.Created != 4 || tot.Decided != 3 || tot.P50 != 6*time.Hour || tot.P95 != 10*time.Hour || tot.Breached != 1 || tot.WithSLA != 3 {
		t.Fatalf("total %+v", tot)
	}
	for _, w := range r.Workflows {
		if w.Key == "review" && w.Open["Open"] != 1 {
			t.Fatalf("review open %v", w.Open)
		}
	}
	if len(r.Reviewers) != 1 || r.Reviewers[0].Key != "ravi" || r.Reviewers[0].Decided != 3 {
		t.Fatalf("reviewers %+v", r.Reviewers)
	}
}

// A decided case keeps its deadline in the index; it is never overdue, on
// any queue or filter (issue 10 item 4: Closed showed "37 overdue").
func TestOverdueCountsOnlyOpenCases(t *testing.T) {
	s, c := newStore(t)
	late := mustCase(t, s, "default", "ravi")
	decided := mustCase(t, s, "default", "ravi")
	_, err := s.Tag(Target{Actor: "lena", Case: decided.Name}, []string{"vip"}, nil)
	must(t, err)
	_, err = s.Tag(Target{Actor: "lena", Case: late.Name}, []string{"vip"}, nil)
	must(t, err)
	c.advance(80 * time.Hour) // both past the 72h SLA
	_, err = s.SetStatus(Target{Actor: "ravi", Case: decided.Name}, StatusChange{Status: "Approved"})
	must(t, err)
	for _, tc := range []struct {
		q    Query
		want int
	}{
		{Query{Queue: QueueOpen}, 1},
		{Query{Queue: QueueMine, Actor: "ravi"}, 1},
		{Query{Queue: QueueClosed}, 0},
		{Query{Queue: QueueAll}, 1},
		{Query{Queue: QueueClosed, Workflow: "default"}, 0},
		{Query{Queue: QueueClosed, Assignee: "ravi"}, 0},
		{Query{Queue: QueueClosed, Tag: "vip"}, 0},
		{Query{Queue: QueueAll, Tag: "vip"}, 1},
		{Query{Queue: QueueAll, Assignee: "ravi"}, 1},
		{Query{Queue: QueueAll, Workflow: "default"}, 1},
		{Query{Queue: QueueAll, Status: "Approved"}, 0},
		{Query{Queue: QueueClosed, Text: decided.Name}, 0},
		{Query{Queue: QueueAll, Text: "CASE"}, 1},
	} {
		if n, err := s.OverdueCount(tc.q); err != nil || n != tc.want {
			t.Errorf("OverdueCount(%+v) = %d, %v; want %d", tc.q, n, err, tc.want)
		}
	}
}

// Metrics are a lead's view of everyone: a reviewer's report counts only
// their own decisions and names them; leads and admins see every reviewer
// (issue 10 item 22).
func TestStatsShowReviewersOnlyTheirOwn(t *testing.T) {
	s, c := newStore(t)
	decide := func(actor, assignee string) {
		k := mustCase(t, s, "default", assignee)
		_, err := s.SetStatus(Target{Actor: actor, Case: k.Name}, StatusChange{Status: "Approved"})
		must(t, err)
	}
	decide("ravi", "ravi")
	decide("ravi", "ravi")
	decide("mia", "mia")
	decide("lena", "mia")
	c.advance(time.Minute) // the window ends before now
	week := 7 * 24 * time.Hour
	for actor, want := range map[string]string{"ada": "lena mia ravi", "lena": "lena mia ravi", "ravi": "ravi", "mia": "mia"} {
		r, err := s.Stats(actor, week)
		must(t, err)
		var keys []string
		decided := 0
		for _, g := range r.Reviewers {
			keys = append(keys, g.Key)
			decided += g.Decided
		}
		if strings.Join(keys, " ") != want {
			t.Errorf("%s sees the metrics of %v, want %s", actor, keys, want)
		}
		if r.Total.Decided != decided {
			t.Errorf("%s: the total counts %d decisions, the reviewers shown %d", actor, r.Total.Decided, decided)
		}
		wantOnly := ""
		if want == actor {
			wantOnly = actor
		}
		if r.Reviewer != wantOnly {
			t.Errorf("%s: report limited to %q, want %q", actor, r.Reviewer, wantOnly)
		}
	}
	if _, err := s.Stats("nobody", week); err == nil {
		t.Fatalf("an unknown user got metrics")
	}
}

// TestGiveBackAfterUnavailable: the cases released when a reviewer became
// unavailable go back to them, those still unassigned and open only, each
// with an audit event, once they are available again.
func TestGiveBackAfterUnavailable(t *testing.T) {
	s, c := newStore(t)
	kept := mustCase(t, s, "default", "ravi")
	taken := mustCase(t, s, "default", "ravi")
	decided := mustCase(t, s, "default", "ravi")
	other := mustCase(t, s, "default", "") // never ravi's
	away, back := model.Unavailable, model.Available
	_, released, err := s.SetUser("lena", "ravi", UserChange{Availability: &away})
	must(t, err)
	if released != 3 {
		t.Fatalf("released %d", released)
	}
	c.advance(time.Hour)
	_, err = s.Assign(Target{Actor: "lena", Case: taken.Name}, "mia")
	must(t, err)
	_, err = s.SetStatus(Target{Actor: "lena", Case: decided.Name}, StatusChange{Status: "Approved"})
	must(t, err)

	// Not while ravi is unavailable, and not by another reviewer.
	before := snapshot(t, s)
	_, _, err = s.GiveBack("lena", "ravi")
	refused(t, s, err, model.ErrInvalid, "ravi is unavailable", before)
	_, _, err = s.SetUser("ravi", "ravi", UserChange{Availability: &back})
	must(t, err)
	r, err := s.Released("ravi")
	must(t, err)
	if r.Cases != 3 || r.By != "lena" || strings.Join(r.Return, ",") != kept.Name {
		t.Fatalf("released %+v", r)
	}
	before = snapshot(t, s)
	_, _, err = s.GiveBack("mia", "ravi")
	refused(t, s, err, model.ErrForbidden, "only ravi or a lead", before)

	given, left, err := s.GiveBack("ravi", "ravi")
	must(t, err)
	if strings.Join(given, ",") != kept.Name || len(left) != 2 {
		t.Fatalf("given %v, left %+v", given, left)
	}
	want := map[string]string{taken.Name: "assigned to mia since", decided.Name: "decided since (Approved)"}
	for _, l := range left {
		if want[l.Case] != l.Reason {
			t.Fatalf("left %+v", l)
		}
	}
	d, _ := s.CaseDetail(kept.Name)
	last := d.Events[len(d.Events)-1]
	if d.Case.Assignee != "ravi" || last.Kind != model.EventAssigned || last.Actor != "ravi" || !strings.Contains(last.Reason, "given back") {
		t.Fatalf("%s: assignee %q, last event %+v", kept.Name, d.Case.Assignee, last)
	}
	if got, _ := s.Case(other.Name); got.Assignee != "" {
		t.Fatal("a case ravi never had was given to him")
	}
	if got, _ := s.Case(taken.Name); got.Assignee != "mia" {
		t.Fatal("a case taken since was given back")
	}
	// Given back once: the record is gone.
	before = snapshot(t, s)
	_, _, err = s.GiveBack("ravi", "ravi")
	refused(t, s, err, model.ErrNotFound, "no cases were released", before)
}
