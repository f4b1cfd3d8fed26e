package store

import (
	"strings"
	"testing"
	"time"

	"docket/model"
)

// TestBulkPlans: a plan says what a bulk change would do, case by case,
// with the store's own rules (the new assignee's teams and four eyes for
// an assignment; the actor's rights and the workflow for a move), and
// writes nothing.
func TestBulkPlans(t *testing.T) {
	s, _ := newStore(t)
	// Two-team cases go round-robin to team 1: ravi. One of them he
	// approves for team 1, which hands it to team 2: mia.
	open := mustCase(t, s, "two-team", "")
	judged := mustCase(t, s, "two-team", "")
	_, err := s.SetStatus(Target{Actor: "ravi", Case: judged.Name}, StatusChange{Status: "Approved by Team 1"})
	must(t, err)
	plain := mustCase(t, s, "default", "mia")
	refs := []string{open.Name, judged.Name, plain.Name}

	before := snapshot(t, s)
	toRavi, err := s.PlanAssign("lena", refs, "ravi")
	must(t, err)
	toMia, err := s.PlanAssign("lena", refs, "mia")
	must(t, err)
	sameSnapshot(t, before, snapshot(t, s))

	if toRavi.Cases() != 3 || len(toRavi.Changed) != 2 || strings.Join(toRavi.Unchanged, ",") != open.Name {
		t.Fatalf("plan to ravi %+v", toRavi)
	}
	if len(toRavi.Stuck) != 1 || toRavi.Stuck[0].Case != judged.Name ||
		!strings.Contains(toRavi.Stuck[0].Reason, "Approved by Team 2 is taken by team-2; ravi is in team-1") {
		t.Fatalf("ravi stuck %+v", toRavi.Stuck)
	}
	if len(toMia.Stuck) != 1 || toMia.Stuck[0].Case != open.Name ||
		!strings.Contains(toMia.Stuck[0].Reason, "Approved by Team 1 is taken by team-1; mia is in team-2") {
		t.Fatalf("mia stuck %+v", toMia.Stuck)
	}
	// lena is in both teams but took nothing: she can move both on. Four
	// eyes: ravi, given team 2 as well, still could not decide the case
	// he approved for team 1.
	toLena, err := s.PlanAssign("ada", refs, "lena")
	must(t, err)
	if len(toLena.Stuck) != 0 {
		t.Fatalf("lena stuck %+v", toLena.Stuck)
	}
	teams := []string{"team-1", "team-2"}
	_, _, err = s.SetUser("ada", "ravi", UserChange{Teams: &teams})
	must(t, err)
	toRavi, err = s.PlanAssign("lena", []string{judged.Name}, "ravi")
	must(t, err)
	if len(toRavi.Stuck) != 1 || !strings.Contains(toRavi.Stuck[0].Reason, "needs a second person: ravi took Approved by Team 1") {
		t.Fatalf("four eyes %+v", toRavi.Stuck)
	}

	// A busy assignee is noted; the plan of a move refuses what the real
	// run refuses, for the actor.
	busy := model.Busy
	_, _, err = s.SetUser("lena", "mia", UserChange{Availability: &busy})
	must(t, err)
	toMia, err = s.PlanAssign("lena", refs, "mia")
	must(t, err)
	if strings.Join(toMia.Notes, ";") != "mia is busy" {
		t.Fatalf("notes %v", toMia.Notes)
	}
	before = snapshot(t, s)
	move, err := s.PlanStatus("mia", refs, StatusChange{Status: "Declined", Reason: "fraud"})
	must(t, err)
	if strings.Join(move.Changed, ",") != plain.Name || len(move.Refused) != 2 {
		t.Fatalf("plan of a move %+v", move)
	}
	for _, r := range move.Refused {
		if r.Case == open.Name && !strings.Contains(r.Reason, "assigned to ravi") {
			t.Fatalf("refusal %+v", r)
		}
	}
	if _, err := s.PlanTag("mia", refs, []string{"ring"}, nil); err != nil {
		t.Fatal(err)
	}
	sla, err := s.PlanSLA("mia", refs, time.Hour)
	must(t, err)
	if len(sla.Refused) != 3 || !strings.Contains(sla.Refused[0].Reason, "only a lead or admin may change SLAs") {
		t.Fatalf("plan of an SLA %+v", sla)
	}
	sameSnapshot(t, before, snapshot(t, s))

	// What runs is what was planned.
	res, err := s.BulkStatus("mia", refs, StatusChange{Status: "Declined", Reason: "fraud"})
	must(t, err)
	if strings.Join(res.Changed, ",") != strings.Join(move.Changed, ",") || len(res.Refused) != len(move.Refused) {
		t.Fatalf("ran %+v, planned %+v", res, move)
	}
	wfs, err := s.WorkflowsOf(refs)
	must(t, err)
	if wfs["two-team"] != 2 || wfs["default"] != 1 || len(wfs) != 2 {
		t.Fatalf("workflows %v", wfs)
	}
}
