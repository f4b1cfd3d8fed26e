package store

import (
	"errors"
	"slices"
	"testing"
	"time"

	"docket/model"
)

func TestIdempotentWritesApplyOnce(t *testing.T) {
	boltOnly(t) // it reads the pruning in bbolt's keys
	s, c := newStore(t)
	k := mustCase(t, s, "default", "ravi")
	req := &Request{User: "ravi", Key: "retry-1", Digest: "d1"}
	if _, found, err := s.RequestReply(*req); err != nil || found {
		t.Fatalf("a new key: %v %v", found, err)
	}
	_, err := s.Tag(Target{Actor: "ravi", Case: k.ID, Request: req}, []string{"vip"}, nil)
	must(t, err)
	// The change left a marker in its own transaction; the same key again
	// changes nothing and says so.
	before := snapshot(t, s)
	_, err = s.Tag(Target{Actor: "ravi", Case: k.ID, Request: req}, []string{"other"}, nil)
	var replay ReplayError
	if !errors.As(err, &replay) || !errors.Is(err, ErrReplayed) || replay.First.Case != k.ID || replay.First.Done {
		t.Fatalf("a replay: %v", err)
	}
	sameSnapshot(t, before, snapshot(t, s))
	// Once the reply is saved, it is what the key answers.
	must(t, s.SaveReply(*req, Reply{Status: 200, ETag: `"2"`, Body: []byte(`{"data":{}}`)}))
	reply, found, err := s.RequestReply(*req)
	if err != nil || !found || !reply.Done || reply.Status != 200 || string(reply.Body) != `{"data":{}}` || reply.Case != k.ID || !reply.At.Equal(t0) {
		t.Fatalf("the saved reply: %+v %v %v", reply, found, err)
	}
	// The same key for another request is refused; another user's same
	// key is theirs.
	_, _, err = s.RequestReply(Request{User: "ravi", Key: "retry-1", Digest: "d2"})
	if !errors.Is(err, model.ErrConflict) {
		t.Fatalf("a reused key: %v", err)
	}
	if _, found, _ := s.RequestReply(Request{User: "mia", Key: "retry-1", Digest: "d2"}); found {
		t.Fatal("keys are per user")
	}
	// A refused change claims nothing: the key stays free.
	bad := &Request{User: "ravi", Key: "retry-2", Digest: "d3"}
	if _, err := s.SetStatus(Target{Actor: "ravi", Case: k.ID, Request: bad}, StatusChange{Status: "Nowhere"}); err == nil {
		t.Fatal("a move to no status was accepted")
	}
	if _, found, _ := s.RequestReply(*bad); found {
		t.Fatal("a refused change claimed its key")
	}
	// Creation is idempotent too.
	create := &Request{User: "lena", Key: "new-1", Digest: "n"}
	first, err := s.CreateCase("lena", NewCase{Workflow: "default", Request: create})
	must(t, err)
	if _, err := s.CreateCase("lena", NewCase{Workflow: "default", Request: create}); !errors.As(err, &replay) || replay.First.Case != first.ID {
		t.Fatalf("a second creation with the key: %v", err)
	}
	if n, _ := s.Count(t.Context(), Query{Queue: QueueAll}); n != 2 {
		t.Fatalf("%d cases, want 2", n)
	}

	// After a day the key is forgotten, and saving replies prunes it.
	c.advance(RequestTTL)
	if _, found, _ := s.RequestReply(*req); found {
		t.Fatal("a key older than a day is still remembered")
	}
	must(t, s.SaveReply(Request{User: "mia", Key: "later", Digest: "x"}, Reply{Status: 201}))
	left := snapshot(t, s)
	for key := range left {
		if slices.Contains([]string{"requests|ravi\x00retry-1", "requests|lena\x00new-1"}, key) {
			t.Fatalf("expired key %q was not pruned", key)
		}
	}
	if _, ok := left["requests|mia\x00later"]; !ok {
		t.Fatal("the new reply is missing")
	}
}

func TestRequestKeys(t *testing.T) {
	for _, k := range []string{"", string(make([]byte, 256)), "has space", "tab\t", "é"} {
		if ValidateRequestKey(k) == nil {
			t.Errorf("key %q accepted", k)
		}
	}
	if err := ValidateRequestKey("5f0c-4b1e_ok.key:1"); err != nil {
		t.Fatal(err)
	}
}

func TestAttachKnownDetachManyAndListByObject(t *testing.T) {
	s, c := newStore(t)
	a := mustCase(t, s, "default", "ravi")
	_, err := s.Attach(Target{Actor: "ravi", Case: a.ID}, account("act_1", "Amara", "Okafor"), inquiry("inq_1", "Amara", "Okafor"))
	must(t, err)
	c.advance(time.Minute)
	b, err := s.CreateCase("lena", NewCase{Workflow: "default", Objects: []string{"act_1"}})
	must(t, err)
	if !b.HasObject("act_1") || b.Subject == "" {
		t.Fatalf("created with a known object: %+v", b)
	}
	before := snapshot(t, s)
	_, err = s.CreateCase("lena", NewCase{Workflow: "default", Objects: []string{"act_1", "act_nope"}})
	refused(t, s, err, model.ErrNotFound, "docket holds no object act_nope", before)
	_, err = s.AttachKnown(Target{Actor: "lena", Case: b.ID}, []string{"inq_1", "bad id"})
	refused(t, s, err, model.ErrInvalid, "the object id", before)

	got, err := s.AttachKnown(Target{Actor: "lena", Case: b.ID}, []string{"inq_1", "act_1"})
	must(t, err)
	if len(got.Objects) != 2 {
		t.Fatalf("objects %+v", got.Objects)
	}
	// Listing by object, newest first, with a cursor.
	page, err := s.List(Query{Queue: QueueAll, Object: "act_1", Sort: SortNewest, Limit: 1})
	must(t, err)
	if len(page.Cases) != 1 || page.Cases[0].ID != b.ID || page.Total != 2 || page.Next == "" {
		t.Fatalf("page 1: %+v", page)
	}
	page, err = s.List(Query{Queue: QueueAll, Object: "act_1", Sort: SortNewest, Limit: 1, After: page.Next})
	must(t, err)
	if len(page.Cases) != 1 || page.Cases[0].ID != a.ID || page.Next != "" {
		t.Fatalf("page 2: %+v", page)
	}
	page, err = s.List(Query{Queue: QueueAll, Object: "act_1", Assignee: "ravi"})
	must(t, err)
	if len(page.Cases) != 1 || page.Cases[0].ID != a.ID {
		t.Fatalf("by object and assignee: %+v", page)
	}
	// By reference id, exactly: u-act_1 is act_1's; a prefix is not.
	for ref, want := range map[string]int{"u-act_1": 2, "u-act": 0, "U-ACT_1": 0} {
		page, err = s.List(Query{Queue: QueueAll, Reference: ref})
		must(t, err)
		if len(page.Cases) != want || page.Total != want {
			t.Errorf("reference %q: %d cases (total %d), want %d", ref, len(page.Cases), page.Total, want)
		}
	}

	got, err = s.Detach(Target{Actor: "lena", Case: b.ID}, "inq_1", "act_1")
	must(t, err)
	if len(got.Objects) != 0 {
		t.Fatalf("after detaching both: %+v", got.Objects)
	}
	before = snapshot(t, s)
	_, err = s.Detach(Target{Actor: "ravi", Case: a.ID}, "act_1", "act_2")
	refused(t, s, err, model.ErrNotFound, "no object act_2", before)
}

func TestUpdateCaseIsAllOrNothing(t *testing.T) {
	s, c := newStore(t)
	k := mustCase(t, s, "default", "ravi")
	day := 24 * time.Hour
	before := snapshot(t, s)
	// ravi may change fields but not the deadline: neither happens.
	_, err := s.UpdateCase(Target{Actor: "ravi", Case: k.ID}, CaseUpdate{Fields: []byte(`{"a":1}`), SLA: &day})
	refused(t, s, err, model.ErrForbidden, "", before)
	c.advance(time.Minute)
	got, err := s.UpdateCase(Target{Actor: "lena", Case: k.ID, Expect: k.Version}, CaseUpdate{Fields: []byte(`{"a":1}`), SLA: &day})
	must(t, err)
	if got.Version != k.Version+2 || !got.SLAExpiresAt.Equal(t0.Add(time.Minute+day)) || string(got.Fields) != `{"a":1,"risk":{"score":10}}` {
		t.Fatalf("updated: v%d sla %v fields %s", got.Version, got.SLAExpiresAt, got.Fields)
	}
	// Nothing to change is not an error, but a stale version is.
	same, err := s.UpdateCase(Target{Actor: "lena", Case: k.ID}, CaseUpdate{})
	if err != nil || same.Version != got.Version {
		t.Fatalf("an empty update: %v %v", same, err)
	}
	_, err = s.UpdateCase(Target{Actor: "lena", Case: k.ID, Expect: k.Version}, CaseUpdate{})
	if !errors.Is(err, model.ErrConflict) {
		t.Fatalf("a stale empty update: %v", err)
	}
}
