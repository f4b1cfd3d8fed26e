package store

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"docket/model"
	"docket/store/persona"
)

// inbound is a decoded event carrying one case document or one object.
func inbound(t *testing.T, id, name string, at time.Time, payload string) InboundEvent {
	t.Helper()
	ev := InboundEvent{ID: id, Name: name, CreatedAt: at}
	var err error
	if strings.Contains(payload, `"type":"case"`) {
		ev.Type = "case"
		ev.Cases, err = persona.Decode([]byte(payload))
	} else {
		ev.Objects, err = persona.DecodeObjects([]byte(payload))
		ev.Type = string(ev.Objects[0].Type)
	}
	must(t, err)
	return ev
}

func inquiryPayload(status string) string {
	return fmt.Sprintf(`{"data":{"type":"inquiry","id":"inq_1","attributes":{"status":%q}}}`, status)
}

func TestReceivedEventsForgottenAfterRetention(t *testing.T) {
	s, c := newStore(t)
	old := inbound(t, "evt_old", "inquiry.approved", t0, inquiryPayload("approved"))
	_, _, err := s.ReceiveEvent("lena", old)
	must(t, err)
	c.advance(ReceivedRetention - time.Minute)
	_, _, err = s.ReceiveEvent("lena", inbound(t, "evt_mid", "inquiry.approved", c.now, inquiryPayload("approved")))
	must(t, err)
	if got, _ := s.ReceivedEvents("lena", 10); len(got.Recent) != 2 {
		t.Fatalf("forgotten too early: %+v", got.Recent)
	}
	c.advance(2 * time.Minute)
	_, _, err = s.ReceiveEvent("lena", inbound(t, "evt_new", "inquiry.approved", c.now, inquiryPayload("approved")))
	must(t, err)
	got, err := s.ReceivedEvents("lena", 10)
	must(t, err)
	if len(got.Recent) != 2 || got.Recent[0].ID != "evt_new" || got.Recent[1].ID != "evt_mid" {
		t.Fatalf("recent %+v", got.Recent)
	}
	if got.Counts[0].Unused != 3 {
		t.Fatalf("counts outlive the records: %+v", got.Counts)
	}
	// Forgotten, a repeat is received afresh.
	_, repeat, err := s.ReceiveEvent("lena", old)
	if err != nil || repeat {
		t.Fatalf("repeat %v, %v", repeat, err)
	}
}

func TestReceivedEventsLimitAndRole(t *testing.T) {
	s, c := newStore(t)
	for i := range 5 {
		c.advance(time.Second)
		_, _, err := s.ReceiveEvent("ada", inbound(t, fmt.Sprintf("evt_%d", i), "inquiry.approved", c.now, inquiryPayload("approved")))
		must(t, err)
	}
	got, err := s.ReceivedEvents("lena", 2)
	must(t, err)
	if len(got.Recent) != 2 || got.Recent[0].ID != "evt_4" || got.Recent[1].ID != "evt_3" {
		t.Fatalf("recent %+v", got.Recent)
	}
	if _, err := s.ReceivedEvents("ravi", 2); !errors.Is(err, model.ErrForbidden) || !strings.Contains(err.Error(), "only a lead or admin") {
		t.Fatalf("a reviewer: %v", err)
	}
}

// The webhook user must be one who may import: a reviewer's events are
// refused, written nowhere but in the record of refusals.
func TestEventActor(t *testing.T) {
	s, _ := newStore(t)
	must(t, s.CheckEventActor("lena"))
	if err := s.CheckEventActor("ravi"); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("reviewer: %v", err)
	}
	if err := s.CheckEventActor("nobody"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
	ev := inbound(t, "evt_1", "case.created", t0,
		`{"data":{"type":"case","id":"case_1","attributes":{"status":"Open","updated-at":"2026-11-02T08:00:00Z"}}}`)
	rec, _, err := s.ReceiveEvent("ravi", ev)
	if !errors.Is(err, model.ErrForbidden) || rec.Outcome != OutcomeRefused {
		t.Fatalf("reviewer's event: %+v %v", rec, err)
	}
	if _, err := s.CaseDetail("case_1"); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("case written: %v", err)
	}
}

func TestReceiveEventValidatesNames(t *testing.T) {
	s, _ := newStore(t)
	before := snapshot(t, s)
	for _, ev := range []InboundEvent{
		{ID: "inq_1", Name: "inquiry.approved"},
		{ID: "evt_", Name: "inquiry.approved"},
		{ID: "evt_1", Name: "Inquiry.Approved"},
		{ID: "evt_1", Name: "inquiry."},
		{ID: "evt_1 x", Name: "inquiry.approved"},
	} {
		_, _, err := s.ReceiveEvent("lena", ev)
		refused(t, s, err, model.ErrInvalid, "the event", before)
	}
}

// An object docket redacted stays redacted, and one no case holds is not
// kept.
func TestReceiveObjectRedactedOrUnheld(t *testing.T) {
	s, c := newStore(t)
	kase := mustCase(t, s, "default", "")
	_, err := s.Attach(Target{Actor: "lena", Case: kase.Name}, &model.Object{ObjectRef: model.ObjectRef{Kind: model.KindInquiry, Type: "inquiry", ID: "inq_1"},
		Attributes: []byte(`{"name-first":"Maria"}`)})
	must(t, err)
	_, err = s.Redact(Target{Actor: "lena", Case: kase.Name})
	must(t, err)
	c.advance(time.Minute)
	rec, _, err := s.ReceiveEvent("lena", inbound(t, "evt_1", "inquiry.approved", c.now,
		`{"data":{"type":"inquiry","id":"inq_1","attributes":{"name-first":"Maria","status":"approved"}}}`))
	must(t, err)
	d, err := s.CaseDetail(kase.Name)
	must(t, err)
	if rec.Outcome != OutcomeUnchanged || !strings.Contains(rec.Detail, "redacted") || strings.Contains(string(d.Objects[0].Attributes), "Maria") {
		t.Fatalf("receipt %+v, object %s", rec, d.Objects[0].Attributes)
	}

	rec, _, err = s.ReceiveEvent("lena", inbound(t, "evt_2", "inquiry.approved", c.now,
		`{"data":{"type":"inquiry","id":"inq_stranger","attributes":{"status":"approved"}}}`))
	must(t, err)
	must(t, s.view(func(x *txn) error {
		if o, _ := x.object("inq_stranger"); o != nil || rec.Outcome != OutcomeUnused {
			t.Fatalf("an object no case holds: %+v, receipt %+v", o, rec)
		}
		return nil
	}))
}

// A file from before the webhook intake, opened read-only, has none of its
// buckets: nothing received, no panic.
func TestReceivedEventsOnAFileWithoutTheirBuckets(t *testing.T) {
	boltOnly(t)
	s, c := newStore(t)
	ro := reopenReadOnlyWithout(t, s, c, "inbox", "inboxtime", "inboxsum", "objasof")
	got, err := ro.ReceivedEvents("lena", 10)
	if err != nil || len(got.Counts) != 0 || len(got.Recent) != 0 {
		t.Fatalf("%+v, %v", got, err)
	}
	checkClean(t, ro)
}
