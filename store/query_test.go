package store

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"docket/model"
)

func names(cases []*model.Case) []string {
	var out []string
	for _, c := range cases {
		out = append(out, c.Name)
	}
	return out
}

func TestQueuesAndCounts(t *testing.T) {
	s, c := newStore(t)
	// CASE-1 ravi open, CASE-2 unassigned, CASE-3 mia approved, CASE-4 ravi pending, CASE-5 review unassigned
	mustCase(t, s, "default", "ravi")
	c.advance(time.Minute)
	mustCase(t, s, "default", "")
	c.advance(time.Minute)
	k3 := mustCase(t, s, "default", "mia")
	_, err := s.SetStatus(Target{Actor: "mia", Case: k3.Name}, StatusChange{Status: "Approved"})
	must(t, err)
	c.advance(time.Minute)
	k4 := mustCase(t, s, "default", "ravi")
	_, err = s.SetStatus(Target{Actor: "ravi", Case: k4.Name}, StatusChange{Status: "Pending"})
	must(t, err)
	c.advance(time.Minute)
	mustCase(t, s, "review", "")

	tests := []struct {
		q    Query
		want string
	}{
		{Query{Queue: QueueMine, Actor: "ravi"}, "[CASE-1 CASE-4]"},
		{Query{Queue: QueueUnassigned}, "[CASE-2 REV-1]"},
		{Query{Queue: QueueOpen}, "[CASE-1 CASE-2 CASE-4 REV-1]"},
		{Query{Queue: QueueClosed}, "[CASE-3]"},
		{Query{Queue: QueueAll}, "[CASE-1 CASE-2 CASE-3 CASE-4 REV-1]"},
		{Query{Queue: QueueAll, Sort: SortNewest}, "[REV-1 CASE-4 CASE-3 CASE-2 CASE-1]"},
		{Query{Queue: QueueOpen, Workflow: "review"}, "[REV-1]"},
		{Query{Queue: QueueAll, Status: "pending"}, "[CASE-4]"},
		{Query{Queue: QueueOpen, Status: "open"}, "[CASE-1 CASE-2 REV-1]"},
		{Query{Queue: QueueOpen, Status: "approved"}, "[]"},
		{Query{Queue: QueueAll, Assignee: "mia"}, "[CASE-3]"},
		{Query{Queue: QueueMine, Actor: "ravi", Status: "Pending"}, "[CASE-4]"},
		{Query{Queue: QueueUnassigned, Assignee: "ravi"}, "[]"},
	}
	for _, tt := range tests {
		page, err := s.List(tt.q)
		must(t, err)
		got := fmt.Sprint(names(page.Cases))
		if got != tt.want {
			t.Errorf("%+v: got %s, want %s", tt.q, got, tt.want)
		}
		if page.Total != len(page.Cases) {
			t.Errorf("%+v: total %d for %d cases", tt.q, page.Total, len(page.Cases))
		}
	}
	counts, err := s.Counts("ravi")
	must(t, err)
	want := map[string]int{QueueMine: 2, QueueUnassigned: 2, QueueOpen: 4, QueueClosed: 1, QueueAll: 5}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Fatalf("counts %v, want %v", counts, want)
	}
}

func TestListSortsBySLAThenAge(t *testing.T) {
	s, c := newStore(t)
	// pipeline has no default SLA; default has 72h; review 5d.
	a := mustCase(t, s, "pipeline", "") // no deadline: last
	c.advance(time.Hour)
	b := mustCase(t, s, "review", "") // deadline t0+1h+5d
	c.advance(time.Hour)
	d := mustCase(t, s, "default", "") // deadline t0+2h+72h: first
	c.advance(time.Hour)
	e, err := s.CreateCase("lena", NewCase{Workflow: "default", SLA: 74 * time.Hour}) // t0+3h+74h = after d
	must(t, err)
	page, err := s.List(Query{Queue: QueueOpen})
	must(t, err)
	if got, want := fmt.Sprint(names(page.Cases)), fmt.Sprint([]string{d.Name, e.Name, b.Name, a.Name}); got != want {
		t.Fatalf("SLA order %s, want %s", got, want)
	}
	page, err = s.List(Query{Queue: QueueOpen, Sort: SortOldest})
	must(t, err)
	if got, want := fmt.Sprint(names(page.Cases)), fmt.Sprint([]string{a.Name, b.Name, d.Name, e.Name}); got != want {
		t.Fatalf("oldest order %s, want %s", got, want)
	}
}

func TestListPagesWithCursor(t *testing.T) {
	s, c := newStore(t)
	for i := 0; i < 23; i++ {
		mustCase(t, s, "default", "")
		c.advance(time.Second)
	}
	for _, sort := range []Sort{SortSLA, SortOldest, SortNewest} {
		var seen []string
		q := Query{Queue: QueueUnassigned, Limit: 5, Sort: sort}
		for pages := 0; ; pages++ {
			page, err := s.List(q)
			must(t, err)
			if page.Total != 23 {
				t.Fatalf("total %d", page.Total)
			}
			seen = append(seen, names(page.Cases)...)
			if page.Next == "" {
				if pages != 4 {
					t.Fatalf("%s: %d pages", sort, pages+1)
				}
				break
			}
			q.After = page.Next
		}
		if len(seen) != 23 {
			t.Fatalf("%s: saw %d cases: %v", sort, len(seen), seen)
		}
		first, last := "CASE-1", "CASE-23"
		if sort == SortNewest {
			first, last = last, first
		}
		if seen[0] != first || seen[22] != last {
			t.Fatalf("%s: order %v", sort, seen)
		}
	}
}

func TestListRefusesBadQueries(t *testing.T) {
	s, _ := newStore(t)
	for _, q := range []Query{{Queue: "mystery"}, {Sort: "random"}, {Queue: QueueMine}, {Workflow: "nope"},
		{Status: "Nonexistent"}, {After: "!!"}} {
		if _, err := s.List(q); !errors.Is(err, model.ErrInvalid) && !errors.Is(err, model.ErrNotFound) {
			t.Errorf("%+v: got %v", q, err)
		}
	}
}

func TestListTextFilterAndCursors(t *testing.T) {
	s, c := newStore(t)
	var cases []*model.Case
	for i := 0; i < 10; i++ {
		k := mustCase(t, s, "default", "ravi")
		cases = append(cases, k)
		c.advance(time.Minute)
	}
	_, err := s.Attach(Target{Actor: "ravi", Case: cases[3].Name}, account("act_7", "Zoë", "Ångström"))
	must(t, err)
	_, err = s.Tag(Target{Actor: "ravi", Case: cases[5].Name}, []string{"Sanctions-Hit"}, nil)
	must(t, err)
	for text, want := range map[string]string{
		"ångström": "[CASE-4]", "U-ACT_7": "[CASE-4]", "sanctions": "[CASE-6]", "case-1": "[CASE-1 CASE-10]",
		cases[7].ID[:12]: "[CASE-8]", "nobody": "[]",
	} {
		page, err := s.List(Query{Queue: QueueOpen, Text: text})
		must(t, err)
		if got := fmt.Sprint(names(page.Cases)); got != want || page.Total != len(page.Cases) {
			t.Errorf("text %q: %s (total %d), want %s", text, got, page.Total, want)
		}
	}
	// Paging backwards from a cursor, and From (inclusive).
	q := Query{Queue: QueueOpen, Sort: SortOldest, Limit: 3}
	q.After, q.Reverse = CursorOf(cases[5], SortOldest), true
	page, err := s.List(q)
	must(t, err)
	if got := fmt.Sprint(names(page.Cases)); got != "[CASE-5 CASE-4 CASE-3]" {
		t.Fatalf("backwards: %s", got)
	}
	q = Query{Queue: QueueOpen, Sort: SortOldest, Limit: 2, From: CursorOf(cases[5], SortOldest)}
	page, err = s.List(q)
	must(t, err)
	if got := fmt.Sprint(names(page.Cases)); got != "[CASE-6 CASE-7]" {
		t.Fatalf("from: %s", got)
	}
	q.Reverse = true
	page, err = s.List(q)
	must(t, err)
	if got := fmt.Sprint(names(page.Cases)); got != "[CASE-6 CASE-5]" {
		t.Fatalf("from, backwards: %s", got)
	}
	// From a case that left the queue: its successor.
	_, err = s.SetStatus(Target{Actor: "ravi", Case: cases[5].Name}, StatusChange{Status: "Approved"})
	must(t, err)
	page, err = s.List(Query{Queue: QueueOpen, Sort: SortOldest, Limit: 1, From: CursorOf(cases[5], SortOldest)})
	must(t, err)
	if got := fmt.Sprint(names(page.Cases)); got != "[CASE-7]" {
		t.Fatalf("from a decided case: %s", got)
	}
	counts, err := s.AssigneeCounts()
	must(t, err)
	if counts["ravi"] != 9 || len(counts) != 1 {
		t.Fatalf("assignee counts %v", counts)
	}
}

// TestNewestSortSeesChanges: creation-ordered entries carry no summary, so
// a change shows in every sort.
func TestNewestSortSeesChanges(t *testing.T) {
	s, _ := newStore(t)
	k := mustCase(t, s, "default", "ravi")
	_, err := s.SetStatus(Target{Actor: "ravi", Case: k.Name}, StatusChange{Status: "Pending"})
	must(t, err)
	for _, sort := range []Sort{SortSLA, SortNewest, SortOldest} {
		page, err := s.List(Query{Queue: QueueOpen, Sort: sort})
		must(t, err)
		if page.Cases[0].Status != "Pending" {
			t.Fatalf("%s: %s", sort, page.Cases[0].Status)
		}
		page, err = s.List(Query{Queue: QueueOpen, Sort: sort, Text: "case-1"})
		must(t, err)
		if len(page.Cases) != 1 || page.Cases[0].Status != "Pending" {
			t.Fatalf("%s with text: %+v", sort, page.Cases)
		}
	}
}
