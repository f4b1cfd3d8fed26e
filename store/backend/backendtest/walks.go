package backendtest

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"docket/model"
	"docket/store/backend"
)

// The walks over the whole database and the setters a copy between
// backends (docket copy) and check on a server read and write by.
func testWholeDatabase(t *testing.T, s Store) {
	a, b := simpleCase("case_a", "KYC-1", 0), simpleCase("case_b", "KYC-2", 1)
	b.Fields = []byte(`{"risk":{"score":7}}`)
	b.FieldsSum = model.FieldsDigest(b.Fields)
	o1 := &model.Object{ObjectRef: model.ObjectRef{Kind: model.KindInquiry, Type: "inquiry", ID: "inq_1"}, Attributes: []byte(`{"reference-id":"r1"}`)}
	o2 := &model.Object{ObjectRef: model.ObjectRef{Kind: model.KindAccount, Type: "account", ID: "act_1"}, RefOnly: true}
	putUsers(t, s, "ana")
	putCases(t, s, b, a)
	day := base.Add(5 * time.Hour)
	update(t, s, func(tx backend.Tx) {
		for _, e := range []model.Event{event(b.ID, 1, "b1"), event(a.ID, 2, "a2"), event(a.ID, 1, "a1")} {
			must(t, tx.PutEvent(e))
		}
		must(t, tx.PutComment(comment(b.ID, 1, "docket-case_b-1", "first")))
		for _, o := range []*model.Object{o2, o1} {
			_, err := tx.PutObject(o)
			must(t, err)
		}
		must(t, tx.NoteObjectAsOf(o1.ID, at(3)))
		must(t, tx.PutDecided(day, "ana", 41))
		must(t, tx.NoteDecision(day, "ana"))
		must(t, tx.PutState("seq/KYC", []byte("2")))
		must(t, tx.PutState("last/ana", []byte{0, 0, 0, 0, 0, 0, 0, 1}))
		must(t, tx.PutReply("ana", "k1", at(4), encodeReply(t, backend.Reply{Digest: "d1", At: at(4), Case: "case_a", Done: true, Status: 200})))
		must(t, tx.PutEventCount(backend.EventCount{Name: "inquiry.approved", Applied: 3, Refused: 1, Last: at(6)}))
		d := delivery("wh_a", a.ID, at(8))
		d.ID = "17"
		must(t, tx.PutDelivery(d, []byte(`{"doc":1}`)))
		done := delivery("wh_a", a.ID, time.Time{})
		done.ID, done.State, done.DeliveredAt = "9", model.DeliveryDelivered, at(7)
		must(t, tx.PutDelivery(done, nil))
	})
	update(t, s, func(tx backend.Tx) {
		next := delivery("wh_a", b.ID, at(9))
		must(t, tx.QueueDelivery(&next, []byte(`{}`)))
		same(t, "the id QueueDelivery gives after PutDelivery's", next.ID, "18")
		last, err := tx.LastDeliveryID()
		must(t, err)
		same(t, "LastDeliveryID", last, uint64(18))
	})
	update(t, s, func(tx backend.Tx) {
		must(t, tx.KeepDeliveryIDsAfter(40))
		must(t, tx.KeepDeliveryIDsAfter(5)) // never back
		later := delivery("wh_b", b.ID, at(9))
		must(t, tx.QueueDelivery(&later, []byte(`{}`)))
		same(t, "the id QueueDelivery gives after KeepDeliveryIDsAfter(40)", later.ID, "41")
	})
	update(t, s, func(tx backend.Tx) {
		// A copy keeps the ids after the source's last (pruned ones
		// included), then puts its older deliveries: they do not pull
		// the ids given later back.
		must(t, tx.KeepDeliveryIDsAfter(100))
		old := delivery("wh_a", a.ID, at(8))
		old.ID = "20"
		must(t, tx.PutDelivery(old, []byte(`{}`)))
		next := delivery("wh_b", b.ID, at(9))
		must(t, tx.QueueDelivery(&next, []byte(`{}`)))
		same(t, "the id QueueDelivery gives after KeepDeliveryIDsAfter(100) and PutDelivery(20)", next.ID, "101")
	})
	view(t, s, func(tx backend.Tx) {
		var ids []string
		must(t, tx.EachCase(func(c *model.Case) error { ids = append(ids, c.ID); return nil }))
		same(t, "EachCase: in id order", ids, []string{a.ID, b.ID})
		var walked []string
		must(t, tx.EachCaseWithTrail(func(c *model.Case, evs []model.Event, cms []model.Comment, bad error) error {
			must(t, bad)
			walked = append(walked, c.ID+" "+string(c.Fields))
			for _, e := range evs {
				walked = append(walked, e.Comment)
			}
			for _, cm := range cms {
				walked = append(walked, cm.Body)
			}
			return nil
		}))
		same(t, "EachCaseWithTrail", walked, []string{"case_a {}", "a1", "a2", `case_b {"risk":{"score":7}}`, "b1", "first"})
		var objects []string
		must(t, tx.EachObject(func(o *model.Object) error { objects = append(objects, o.ID); return nil }))
		same(t, "EachObject: in id order", objects, []string{"act_1", "inq_1"})
		got, err := tx.ObjectsIn([]string{"inq_1", "nope", "act_1"})
		must(t, err)
		slices.SortFunc(got, func(x, y *model.Object) int { return strings.Compare(x.ID, y.ID) })
		same(t, "ObjectsIn", got, []*model.Object{o2, o1})
		var asOf []string
		must(t, tx.EachObjectAsOf(func(id string, when time.Time) error {
			asOf = append(asOf, id+" "+when.UTC().Format(time.RFC3339))
			return nil
		}))
		same(t, "EachObjectAsOf", asOf, []string{"inq_1 " + at(3).UTC().Format(time.RFC3339)})
		var decided []string
		must(t, tx.EachDecided(func(d time.Time, user string, n int) error {
			decided = append(decided, d.Format(time.DateOnly)+" "+user+" "+strconv.Itoa(n))
			return nil
		}))
		same(t, "EachDecided (PutDecided sets, NoteDecision adds)", decided, []string{day.Format(time.DateOnly) + " ana 42"})
		var state []string
		must(t, tx.EachState("seq/", func(k string, v []byte) error { state = append(state, k+"="+string(v)); return nil }))
		must(t, tx.EachState("last/", func(k string, v []byte) error { state = append(state, k); return nil }))
		same(t, "EachState", state, []string{"seq/KYC=2", "last/ana"})
		var replies []string
		must(t, tx.EachReply(func(user, key string, raw []byte) error {
			same(t, "EachReply's reply", string(raw), string(encodeReply(t, backend.Reply{Digest: "d1", At: at(4), Case: "case_a", Done: true, Status: 200})))
			replies = append(replies, user+" "+key)
			return nil
		}))
		same(t, "EachReply", replies, []string{"ana k1"})
		counts, err := tx.EventCounts()
		must(t, err)
		same(t, "EventCounts after PutEventCount", counts, []backend.EventCount{{Name: "inquiry.approved", Applied: 3, Refused: 1, Last: at(6)}})
		var deliveries []string
		must(t, tx.EachDelivery(func(d model.Delivery) (bool, error) {
			deliveries = append(deliveries, d.ID+" "+string(d.State))
			return true, nil
		}))
		same(t, "EachDelivery", deliveries, []string{"101 pending", "41 pending", "20 pending", "18 pending", "17 pending", "9 delivered"})
		doc, err := tx.DeliveryDoc("17")
		must(t, err)
		same(t, "the document of a delivery put pending", string(doc), `{"doc":1}`)
		var pending []string
		must(t, tx.PendingOf("wh_a", 10, func(d model.Delivery) (bool, error) { pending = append(pending, d.ID); return true, nil }))
		same(t, "PendingOf after PutDelivery", pending, []string{"17", "20", "18"})
		if last, err := tx.LastDeliveryID(); last != 101 || err != nil {
			t.Errorf("LastDeliveryID = %d, %v; want 101", last, err)
		}
	})
}
