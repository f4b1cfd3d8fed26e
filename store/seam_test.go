package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"docket/model"
	"docket/store/bolt"
)

// Behaviour the backend seam must keep for bbolt users: what one damaged
// record may and may not break.

// tamper edits the file outside docket and opens it again (a write after
// an outside edit is refused by checkHeld, as it should be).
func tamper(t *testing.T, s *Store, c *clock, edit func(r *bolt.Raw) error) *Store {
	t.Helper()
	must(t, s.db.Edit(edit))
	path := s.Path()
	must(t, s.Close())
	return openAt(t, path, c)
}

// A user record that no longer matches its digest keeps that user from
// acting (see txn.user), and check names it; it does not stop the others'
// work: the user list, the workload, the assignee counts and automatic
// assignment read every user as the record reads, as they did before the
// seam. One that does not decode at all still leaves the counts and the
// unknown-user message, which need only the names.
func TestADamagedUserBreaksNoListing(t *testing.T) {
	boltOnly(t)
	s, c := newStore(t)
	s = tamper(t, s, c, func(r *bolt.Raw) error {
		return r.Replace("users", []byte("lena"), `"lena@example.com"`, `"lenx@example.com"`)
	})
	users, err := s.Users()
	if err != nil || len(users) != 4 {
		t.Fatalf("Users: %d, %v", len(users), err)
	}
	if _, err := s.Workload("ada"); err != nil {
		t.Fatalf("Workload: %v", err)
	}
	if _, err := s.AssigneeCounts(); err != nil {
		t.Fatalf("AssigneeCounts: %v", err)
	}
	// two-team hands new cases out by round robin among team-1's reviewers.
	cs, err := s.CreateCase("ada", NewCase{Workflow: "two-team"})
	if err != nil || cs.Assignee != "ravi" {
		t.Fatalf("a case created with a damaged user about: %+v, %v", cs, err)
	}
	if _, err := s.Login("lena"); err == nil || !strings.Contains(err.Error(), "does not match its digest") {
		t.Fatalf("the damaged user signs in: %v", err)
	}

	s = tamper(t, s, c, func(r *bolt.Raw) error { return r.Put("users", []byte("lena"), []byte("{")) })
	if _, err := s.AssigneeCounts(); err != nil {
		t.Fatalf("AssigneeCounts with a user that does not decode: %v", err)
	}
	if _, err := s.Login("zed"); err == nil || !strings.Contains(err.Error(), "known users: ada, lena, mia, ravi") {
		t.Fatalf("an unknown user with a user that does not decode: %v", err)
	}
	if _, err := s.Users(); err == nil || !strings.Contains(err.Error(), "user lena") {
		t.Fatalf("Users with a user that does not decode: %v", err)
	}
}

// A subscription whose record no longer matches its digest is still used
// as it reads for queueing (so no event is dropped for it; see loadHooks)
// and is not posted to (see DueDeliveries): the case changes it would hear
// of go on, each queueing its delivery, as before the seam.
func TestADamagedWebhookStopsNoChange(t *testing.T) {
	boltOnly(t)
	s, c := newStore(t)
	w := subscribe(t, s, "*")
	s = tamper(t, s, c, func(r *bolt.Raw) error {
		return r.Replace("webhooks", []byte(w.ID), "hooks.example.com", "evil.example.com")
	})
	if len(s.Warnings()) == 0 {
		t.Fatal("no warning about the damaged webhook")
	}
	if _, err := s.CreateCase("lena", NewCase{Workflow: "default"}); err != nil {
		t.Fatalf("a change with a damaged webhook subscribed: %v", err)
	}
	if ds := allDeliveries(t, s); len(ds) != 1 || ds[0].Webhook != w.ID {
		t.Fatalf("deliveries queued: %+v", ds)
	}
	due, err := s.DueDeliveries(func(string) int { return 10 }, func(model.Delivery) bool { return false })
	if err != nil || len(due) != 0 {
		t.Fatalf("due to a damaged webhook: %v, %v", due, err)
	}
}

// A count ignores a query's cursors, and a listing from a case (From)
// ignores After, as they did before the seam: only the cursor a walk
// starts from is decoded, so only it can be refused.
func TestOnlyTheCursorUsedIsDecoded(t *testing.T) {
	s, _ := newStore(t)
	mustCase(t, s, "default", "ravi")
	c := mustCase(t, s, "default", "ravi")
	if n, err := s.Count(context.Background(), Query{After: "!"}); err != nil || n != 2 {
		t.Fatalf("Count with a cursor it does not use: %d, %v", n, err)
	}
	if _, err := s.OverdueCount(Query{From: "!"}); err != nil {
		t.Fatalf("OverdueCount with a cursor it does not use: %v", err)
	}
	page, err := s.List(Query{After: "!", From: CursorOf(c, SortSLA)})
	if err != nil || len(page.Cases) == 0 || page.Cases[0].ID != c.ID {
		t.Fatalf("List from a case, with a bad After: %+v, %v", page, err)
	}
	if _, err := s.List(Query{From: "!"}); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("List from a bad cursor: %v", err)
	}
}

// The deliverer looks for due deliveries after every change. With a
// backlog waiting for its retries and nothing due yet, the look stops at
// the first one, as it did before the seam, instead of reading a thousand
// entries of the queue first.
func TestALookForDueDeliveriesStopsAtTheFirstNotDue(t *testing.T) {
	boltOnly(t)
	s, clk := newStore(t)
	subscribe(t, s, "*")
	for range 300 {
		mustCase(t, s, "default", "ravi")
	}
	due, err := s.DueDeliveries(func(string) int { return 1000 }, func(model.Delivery) bool { return false })
	must(t, err)
	for _, o := range due {
		must(t, s.RecordDelivery(o.ID, DeliveryAttempt{At: clk.now, Status: 500, Err: "down", Retry: clk.now.Add(time.Hour)}))
	}
	allocs := testing.AllocsPerRun(10, func() {
		due, err := s.DueDeliveries(func(string) int { return 10 }, func(model.Delivery) bool { return false })
		if err != nil || len(due) != 0 {
			t.Fatalf("due: %d, %v", len(due), err)
		}
	})
	if allocs > 100 {
		t.Fatalf("a look with %d deliveries pending and none due made %.0f allocations", len(due), allocs)
	}
	// Once the hour has passed, all are due, at most room of them at once.
	clk.advance(time.Hour)
	due, err = s.DueDeliveries(func(string) int { return 7 }, func(model.Delivery) bool { return false })
	if err != nil || len(due) != 7 {
		t.Fatalf("due after the retry time: %d, %v", len(due), err)
	}
	// Removing the subscription fails every one still pending, however
	// many batches the queue is read in.
	_, err = s.RemoveWebhook("ada", due[0].Webhook)
	must(t, err)
	failed, err := s.Deliveries("ada", DeliveryQuery{Failed: true})
	if err != nil || len(failed) != 300 {
		t.Fatalf("failed after the removal: %d, %v", len(failed), err)
	}
	checkClean(t, s)
}

// A change chains its event onto its predecessor's hash, and reads no
// more of the predecessor than that (a decision's cost, see a31c6b1): an
// older event damaged elsewhere than its hash is named by check, and
// does not stop the case's next change, as before the seam.
func TestAChangeReadsOnlyItsPredecessorsHash(t *testing.T) {
	boltOnly(t)
	s, c := newStore(t)
	cs := mustCase(t, s, "default", "ravi")
	s = tamper(t, s, c, func(r *bolt.Raw) error {
		return r.Replace("cases", bolt.SeqKey(cs.ID, cs.Version), `"at":"`, `"at":"not a time `)
	})
	if _, err := s.SetStatus(Target{Actor: "ravi", Case: cs.ID}, StatusChange{Status: "Pending"}); err != nil {
		t.Fatalf("a change after an event damaged elsewhere than its hash: %v", err)
	}
	r, err := s.Check()
	must(t, err)
	if len(r.Problems) == 0 {
		t.Fatal("check does not name the damaged event")
	}
}
