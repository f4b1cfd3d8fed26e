package demo

import (
	"path/filepath"
	"testing"
	"time"

	"docket/model"
	"docket/store"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func generate(t *testing.T, cases int, seed uint64) *store.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "demo.db")
	sum, err := Generate(path, Options{Cases: cases, Seed: seed, Now: now, OSUser: "me"})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Created || sum.Cases != cases {
		t.Fatalf("summary %+v", sum)
	}
	s, err := store.Open(path, store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func all(t *testing.T, s *store.Store) []*model.Case {
	t.Helper()
	var out []*model.Case
	q := store.Query{Queue: store.QueueAll, Sort: store.SortOldest, Limit: 500}
	for {
		page, err := s.List(q)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Cases...)
		if page.Next == "" {
			return out
		}
		q.After = page.Next
	}
}

func TestDemoIsRealistic(t *testing.T) {
	s := generate(t, 400, 7)
	cases := all(t, s)
	if len(cases) != 400 {
		t.Fatalf("%d cases", len(cases))
	}
	workflows, statuses := map[string]int{}, map[string]int{}
	mine, overdue, unassigned, subjects := 0, 0, 0, 0
	for _, c := range cases {
		workflows[c.Workflow]++
		statuses[c.Workflow+"/"+c.Status]++
		if c.Assignee == "me" && c.Open() {
			mine++
		}
		if c.Overdue(now) {
			overdue++
		}
		if c.Assignee == "" {
			unassigned++
		}
		if c.Subject != "" {
			subjects++
		}
	}
	for _, w := range s.Workflows() {
		if workflows[w.ID] == 0 {
			t.Errorf("no %s cases", w.ID)
		}
		for _, st := range w.Statuses {
			if statuses[w.ID+"/"+st.Name] == 0 {
				t.Errorf("no %s cases in %s", w.ID, st.Name)
			}
		}
	}
	if mine == 0 || overdue == 0 || overdue == len(cases) || unassigned == 0 || subjects != len(cases) {
		t.Fatalf("mine %d overdue %d unassigned %d subjects %d", mine, overdue, unassigned, subjects)
	}
	// History: some cases have comments and several events; some are related.
	withHistory, related := 0, 0
	for _, c := range cases[:100] {
		d, err := s.CaseDetail(c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Events) > 2 && len(d.Comments) > 0 {
			withHistory++
		}
		if len(d.Related) > 0 {
			related++
		}
		if len(d.Objects) < 3 || len(d.Case.Fields) < 1000 {
			t.Fatalf("%s: %d objects, %d bytes of fields", c.Name, len(d.Objects), len(d.Case.Fields))
		}
	}
	if withHistory == 0 {
		t.Fatal("no case has a history")
	}
	users, _ := s.Users()
	if len(users) != 8 {
		t.Fatalf("users %v", users)
	}
}

func TestDemoIsDeterministicAndReused(t *testing.T) {
	a, b := all(t, generate(t, 50, 3)), all(t, generate(t, 50, 3))
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Status != b[i].Status || a[i].Assignee != b[i].Assignee || a[i].Version != b[i].Version {
			t.Fatalf("case %d differs: %+v vs %+v", i, a[i], b[i])
		}
	}
	c := all(t, generate(t, 50, 4))
	if c[0].ID == a[0].ID {
		t.Fatal("another seed gave the same data")
	}
	path := filepath.Join(t.TempDir(), "demo.db")
	if _, err := Generate(path, Options{Cases: 10, Now: now}); err != nil {
		t.Fatal(err)
	}
	sum, err := Generate(path, Options{Cases: 10, Now: now})
	if err != nil || sum.Created || sum.Cases != 10 {
		t.Fatalf("second run %+v %v", sum, err)
	}
}
