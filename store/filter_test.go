package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"docket/store/bolt"
)

// filterStore: CASE-1 ravi open (tag vip), CASE-2 unassigned, CASE-3 mia
// approved, CASE-4 ravi pending, REV-1 unassigned review, CASE-5 closed
// unassigned.
func filterStore(t *testing.T) *Store {
	s, c := newStore(t)
	one := mustCase(t, s, "default", "ravi")
	_, err := s.Tag(Target{Actor: "ravi", Case: one.Name}, []string{"vip"}, nil)
	must(t, err)
	c.advance(time.Minute)
	mustCase(t, s, "default", "")
	c.advance(time.Minute)
	three := mustCase(t, s, "default", "mia")
	_, err = s.SetStatus(Target{Actor: "mia", Case: three.Name}, StatusChange{Status: "Approved"})
	must(t, err)
	c.advance(time.Minute)
	four := mustCase(t, s, "default", "ravi")
	_, err = s.SetStatus(Target{Actor: "ravi", Case: four.Name}, StatusChange{Status: "Pending"})
	must(t, err)
	c.advance(time.Minute)
	mustCase(t, s, "review", "")
	c.advance(time.Minute)
	five := mustCase(t, s, "default", "lena")
	_, err = s.SetStatus(Target{Actor: "lena", Case: five.Name}, StatusChange{Status: "Approved"})
	must(t, err)
	_, err = s.Unassign(Target{Actor: "lena", Case: five.Name})
	must(t, err)
	return s
}

// Field terms in a filter's text act as the query's fields, beside free
// text, and are answered from the indexes.
func TestFilterTerms(t *testing.T) {
	s := filterStore(t)
	for _, tt := range []struct {
		q    Query
		want string
	}{
		{Query{Queue: QueueAll, Text: "status:pending"}, "[CASE-4]"},
		{Query{Queue: QueueAll, Text: "status:PENDING case"}, "[CASE-4]"},
		{Query{Queue: QueueOpen, Text: "assignee:ravi"}, "[CASE-1 CASE-4]"},
		{Query{Queue: QueueOpen, Text: "assignee:none"}, "[CASE-2 REV-1]"},
		{Query{Queue: QueueAll, Text: "assignee:none"}, "[CASE-2 CASE-5 REV-1]"},
		{Query{Queue: QueueClosed, Text: "assignee:-"}, "[CASE-5]"},
		{Query{Queue: QueueAll, Text: "tag:vip"}, "[CASE-1]"},
		{Query{Queue: QueueOpen, Text: "workflow:review"}, "[REV-1]"},
		{Query{Queue: QueueAll, Text: `status:"open" workflow:default`}, "[CASE-1 CASE-2]"},
		{Query{Queue: QueueAll, Text: "status:open assignee:ravi"}, "[CASE-1]"},
		{Query{Queue: QueueAll, Text: "case-2"}, "[CASE-2]"},
		{Query{Queue: QueueAll, Text: "nothing:here"}, "[]"}, // not a field: free text
		{Query{Queue: QueueMine, Actor: "ravi", Text: "status:pending"}, "[CASE-4]"},
	} {
		page, err := s.List(tt.q)
		must(t, err)
		if got := fmt.Sprint(names(page.Cases)); got != tt.want || page.Total != len(page.Cases) {
			t.Errorf("%q in %s: got %s (total %d), want %s", tt.q.Text, tt.q.Queue, got, page.Total, tt.want)
		}
		n, err := s.Count(context.Background(), tt.q)
		must(t, err)
		if n != len(page.Cases) {
			t.Errorf("%q: Count %d, listed %d", tt.q.Text, n, len(page.Cases))
		}
	}
	for _, bad := range []Query{
		{Queue: QueueAll, Text: "status:nosuch"},
		{Queue: QueueAll, Status: "Open", Text: "status:pending"},
		{Queue: QueueAll, Text: "workflow:nosuch"},
	} {
		if _, err := s.List(bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

// A listing or count whose context is done stops with its error.
func TestListAndCountStopWhenCancelled(t *testing.T) {
	s, _ := newStore(t)
	for range 1100 {
		mustCase(t, s, "default", "")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	q := Query{Queue: QueueOpen, Text: "no such case anywhere"}
	if _, err := s.ListContext(ctx, q); !errors.Is(err, context.Canceled) {
		t.Fatalf("ListContext: %v", err)
	}
	if _, err := s.Count(ctx, q); !errors.Is(err, context.Canceled) {
		t.Fatalf("Count: %v", err)
	}
}

// A first page walked from both ends of a long index is the page a walk
// from the start finds, whatever the text matches: nothing, one case at
// either end or in the middle, a few, or more than a page.
func TestSplitWalkFindsWhatOneWalkFinds(t *testing.T) {
	s, c := newStore(t)
	var made []string
	for i := range 700 {
		k := mustCase(t, s, "default", "")
		made = append(made, k.Name)
		if i%97 == 0 {
			_, err := s.Tag(Target{Actor: "lena", Case: k.Name}, []string{"rare-tag"}, nil)
			must(t, err)
		}
		c.advance(time.Minute)
	}
	texts := []string{"nothing-like-this", made[0], made[len(made)-1], made[350], "rare-tag", "case-1", "case"}
	for _, limit := range []int{1, 5, 50} {
		for _, text := range texts {
			q := Query{Queue: QueueOpen, Text: text, Limit: limit, NoTotal: true}
			defer func(old int) { bolt.SplitAbove = old }(bolt.SplitAbove)
			bolt.SplitAbove = 1 << 30
			one, err := s.List(q)
			must(t, err)
			bolt.SplitAbove = 100
			both, err := s.List(q)
			must(t, err)
			if fmt.Sprint(names(one.Cases)) != fmt.Sprint(names(both.Cases)) || one.Next != both.Next {
				t.Errorf("%q, limit %d: one walk %v (next %q), both ends %v (next %q)", text, limit, names(one.Cases), one.Next, names(both.Cases), both.Next)
			}
		}
	}
}
