package backendtest

import (
	"testing"
	"time"

	"docket/model"
	"docket/store/backend"
)

// The parts of backend.Tx the webhooks use, and the trail walks of the
// metrics and of a workflow migration.

func testTrailWalks(t *testing.T, s Store) {
	a, b := simpleCase("case_a", "KYC-1", 0), simpleCase("case_b", "KYC-2", 1)
	b.Status = "Review"
	putCases(t, s, b, a)
	update(t, s, func(tx backend.Tx) {
		for _, e := range []model.Event{event(b.ID, 1, "b1"), event(a.ID, 2, "a2"), event(a.ID, 1, "a1")} {
			must(t, tx.PutEvent(e))
		}
	})
	view(t, s, func(tx backend.Tx) {
		var walked []string
		must(t, tx.EachEvent(func(c *model.Case, e model.Event) error {
			if c.ID != e.CaseID {
				t.Errorf("EachEvent gave event of %s with case %s", e.CaseID, c.ID)
			}
			walked = append(walked, e.Comment)
			return nil
		}))
		same(t, "EachEvent: by case, each in seq order", walked, []string{"a1", "a2", "b1"})
		hash, ok, err := tx.EventHash(a.ID, 2)
		if !ok || err != nil || hash != "h" {
			t.Errorf("EventHash = %q, %t, %v; want the event's hash", hash, ok, err)
		}
		if _, ok, err := tx.EventHash(a.ID, 3); ok || err != nil {
			t.Errorf("EventHash of a missing event = %t, %v", ok, err)
		}
		ids, err := tx.CasesIn("kyc", "Review")
		must(t, err)
		same(t, "CasesIn(kyc, Review)", ids, []string{b.ID})
		if ids, err := tx.CasesIn("kyc", "Gone"); len(ids) != 0 || err != nil {
			t.Errorf("CasesIn a status no case has = %v, %v", ids, err)
		}
	})
}

func delivery(hook, caseID string, next time.Time) model.Delivery {
	return model.Delivery{Webhook: hook, Event: "evt_1", Name: "case.status-updated", Case: caseID, CaseName: "KYC-1",
		CreatedAt: at(0), State: model.DeliveryPending, NextAttemptAt: next}
}

func testOutbox(t *testing.T, s Store) {
	c := simpleCase("case_o", "KYC-1", 0)
	putCases(t, s, c)
	var first, second, other model.Delivery
	update(t, s, func(tx backend.Tx) {
		first, second, other = delivery("wh_a", c.ID, at(5)), delivery("wh_a", c.ID, at(2)), delivery("wh_b", c.ID, at(9))
		for _, d := range []*model.Delivery{&first, &second, &other} {
			must(t, tx.QueueDelivery(d, []byte(`{"doc":"`+d.Webhook+`"}`)))
			if d.ID == "" {
				t.Fatal("QueueDelivery gave no id")
			}
		}
	})
	view(t, s, func(tx backend.Tx) {
		got, ok, err := tx.Delivery(first.ID)
		if !ok || err != nil {
			t.Fatalf("Delivery = %t, %v", ok, err)
		}
		same(t, "Delivery", got, first)
		var queue []string
		must(t, tx.PendingOf("wh_a", 10, func(d model.Delivery) (bool, error) { queue = append(queue, d.ID); return true, nil }))
		same(t, "PendingOf(wh_a): by next attempt", queue, []string{second.ID, first.ID})
		queue = nil
		must(t, tx.PendingOf("wh_a", 1, func(d model.Delivery) (bool, error) { queue = append(queue, d.ID); return true, nil }))
		same(t, "PendingOf(wh_a) at most 1", queue, []string{second.ID})
		next, ok, err := tx.NextDue()
		if !ok || err != nil || !next.Equal(at(2)) {
			t.Errorf("NextDue = %v, %t, %v; want %v", next, ok, err, at(2))
		}
		doc, err := tx.DeliveryDoc(other.ID)
		must(t, err)
		same(t, "DeliveryDoc", string(doc), `{"doc":"wh_b"}`)
	})
	// An attempt moves the first due one behind the other; one delivered
	// leaves the queue with its document.
	update(t, s, func(tx backend.Tx) {
		was := second
		second.Attempts, second.LastStatus, second.LastAttemptAt, second.NextAttemptAt = 1, 500, at(2), at(7)
		must(t, tx.UpdateDelivery(was, second))
		was = other
		other.Attempts, other.LastStatus, other.LastAttemptAt = 1, 200, at(9)
		other.State, other.NextAttemptAt, other.DeliveredAt = model.DeliveryDelivered, time.Time{}, at(9)
		must(t, tx.UpdateDelivery(was, other))
		must(t, tx.PutDeliveryDoc(first.ID, []byte(`{"doc":"redacted"}`)))
	})
	view(t, s, func(tx backend.Tx) {
		var queue []string
		must(t, tx.PendingOf("wh_a", 10, func(d model.Delivery) (bool, error) { queue = append(queue, d.ID); return true, nil }))
		same(t, "PendingOf(wh_a) after a retry", queue, []string{first.ID, second.ID})
		var pending []string
		must(t, tx.EachPending(func(d model.Delivery) error { pending = append(pending, d.ID); return nil }))
		if len(pending) != 2 {
			t.Errorf("EachPending = %v; want the two of wh_a", pending)
		}
		got, _, err := tx.Delivery(other.ID)
		must(t, err)
		same(t, "a delivered delivery", got, other)
		if doc, err := tx.DeliveryDoc(other.ID); len(doc) != 0 || err != nil {
			t.Errorf("DeliveryDoc of a delivered delivery = %q, %v; want none", doc, err)
		}
		doc, err := tx.DeliveryDoc(first.ID)
		must(t, err)
		same(t, "DeliveryDoc after PutDeliveryDoc", string(doc), `{"doc":"redacted"}`)
		var newest []string
		must(t, tx.EachDelivery(func(d model.Delivery) (bool, error) { newest = append(newest, d.ID); return len(newest) < 2, nil }))
		same(t, "EachDelivery: newest first, until fn stops", newest, []string{other.ID, second.ID})
	})
	update(t, s, func(tx backend.Tx) {
		if n, err := tx.PruneDeliveries(at(9), 10); n != 0 || err != nil {
			t.Errorf("PruneDeliveries(by the end time) = %d, %v; want none: ended not before the cutoff", n, err)
		}
		if n, err := tx.PruneDeliveries(at(10), 10); n != 1 || err != nil {
			t.Errorf("PruneDeliveries = %d, %v; want the delivered one", n, err)
		}
	})
	view(t, s, func(tx backend.Tx) {
		if _, ok, err := tx.Delivery(other.ID); ok || err != nil {
			t.Errorf("a pruned delivery = %t, %v", ok, err)
		}
	})
}

func receipt(id string, received time.Time, outcome string) backend.EventReceipt {
	return backend.EventReceipt{ID: id, Name: "case.updated", Type: "case", CreatedAt: received, ReceivedAt: received,
		LastAt: received, Attempts: 1, Outcome: outcome, Detail: "d", Cases: []string{"case_1"}}
}

func testInbox(t *testing.T, s Store) {
	o := &model.Object{ObjectRef: model.ObjectRef{Kind: model.KindInquiry, Type: "inquiry", ID: "inq_1"}, Attributes: []byte(`{}`)}
	o.Sum = o.ContentDigest()
	update(t, s, func(tx backend.Tx) {
		_, err := tx.PutObject(o)
		must(t, err)
		must(t, tx.PutReceipt(receipt("evt_1", at(1), backend.OutcomeApplied), true))
		must(t, tx.PutReceipt(receipt("evt_2", at(2), backend.OutcomeRefused), true))
		must(t, tx.CountEvent("case.updated", backend.OutcomeApplied, at(1)))
		must(t, tx.CountEvent("case.updated", backend.OutcomeRefused, at(2)))
		must(t, tx.CountEvent("inquiry.approved", backend.OutcomeUnused, at(3)))
		must(t, tx.NoteObjectAsOf(o.ID, at(4)))
	})
	// A repeat delivery rewrites the receipt; it keeps its first time.
	again := receipt("evt_2", at(2), backend.OutcomeApplied)
	again.Attempts, again.LastAt = 2, at(6)
	update(t, s, func(tx backend.Tx) { must(t, tx.PutReceipt(again, false)) })
	view(t, s, func(tx backend.Tx) {
		got, ok, err := tx.Receipt("evt_2")
		if !ok || err != nil {
			t.Fatalf("Receipt = %t, %v", ok, err)
		}
		same(t, "Receipt after a repeat", got, again)
		if _, ok, err := tx.Receipt("evt_9"); ok || err != nil {
			t.Errorf("Receipt of an event never received = %t, %v", ok, err)
		}
		counts, err := tx.EventCounts()
		must(t, err)
		same(t, "EventCounts", counts, []backend.EventCount{
			{Name: "case.updated", Applied: 1, Refused: 1, Last: at(2)},
			{Name: "inquiry.approved", Unused: 1, Last: at(3)},
		})
		recent, err := tx.RecentReceipts(1)
		must(t, err)
		if len(recent) != 1 || recent[0].ID != "evt_2" {
			t.Errorf("RecentReceipts(1) = %v; want evt_2, received last", recent)
		}
		asOf, ok, err := tx.ObjectAsOf(o.ID)
		if !ok || err != nil || !asOf.Equal(at(4)) {
			t.Errorf("ObjectAsOf = %v, %t, %v; want %v", asOf, ok, err, at(4))
		}
	})
	update(t, s, func(tx backend.Tx) { must(t, tx.PruneReceipts(at(1), 10)) })
	view(t, s, func(tx backend.Tx) {
		if _, ok, err := tx.Receipt("evt_1"); ok || err != nil {
			t.Errorf("a receipt first received at the cutoff = %t, %v; want it forgotten", ok, err)
		}
		if _, ok, err := tx.Receipt("evt_2"); !ok || err != nil {
			t.Errorf("a receipt first received after the cutoff = %t, %v; want it kept", ok, err)
		}
	})
}
