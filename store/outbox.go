package store

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"docket/model"
	"docket/store/backend"
	"docket/store/persona"
)

// The outbox. Every case change writes one audit event (putEvent); when a
// subscription wants that event, the same transaction queues a delivery
// for it: the case document as the change left it, under an event id
// shared by every subscription. A crash therefore loses no event: the
// change and its deliveries commit together or not at all.
//
// A delivery is pending until an attempt is answered with a 2xx
// (delivered) or the deliverer gives up (failed); either way its document
// is dropped and its record stays, listed, for PruneDeliveries to remove
// later. The deliverer (ui/hooks) owns the schedule of attempts; the store
// keeps each attempt's result, one small write each.

// Outgoing is a delivery ready to post: where, signed with what, and the
// body (Persona's event envelope around the case document).
type Outgoing struct {
	model.Delivery
	URL     string
	Secrets [][]byte
	Body    []byte
}

// DeliveryAttempt is how one attempt went.
type DeliveryAttempt struct {
	At     time.Time
	Status int    // the HTTP status answered, 0 when none was
	Err    string // why it failed ("" when a 2xx answered)
	// Retry is when to try again after a failure; zero gives up: the
	// delivery is marked failed.
	Retry time.Time
}

// OK reports whether the attempt delivered.
func (a DeliveryAttempt) OK() bool { return a.Err == "" && a.Status >= 200 && a.Status < 300 }

// DeliveryQuery selects deliveries to list.
type DeliveryQuery struct {
	Failed  bool   // failed ones only
	Webhook string // one subscription's only
	Limit   int    // at most this many, newest first (0: all)
}

// maxDueScan bounds the pending deliveries one subscription's look for due
// ones reads, however many it skips (see DueDeliveries).
const maxDueScan = 1000

// enqueueHooks queues the event for each subscription that wants it, and,
// for a redaction, takes the redacted data out of what is still queued.
func (x *txn) enqueueHooks(c *model.Case, e model.Event) error {
	if e.Kind == model.EventRedacted {
		if err := x.redactOutbox(c); err != nil {
			return err
		}
	}
	set, err := x.hookSet()
	if err != nil || set == nil {
		return err // no subscriptions: what most changes find
	}
	name := model.WebhookEventOf(e)
	subs := set.subscribers(name)
	if len(subs) == 0 {
		return nil
	}
	doc, err := x.personaDoc(c.ID)
	if err != nil {
		return fmt.Errorf("webhook document of %s: %w", c.Name, err)
	}
	d := model.Delivery{Event: personaStyleID("evt_"), Name: name, Case: c.ID, CaseName: c.Name,
		CreatedAt: x.now, State: model.DeliveryPending, NextAttemptAt: x.now}
	for _, id := range subs {
		// Removed in the same commit group, before the cache heard of it.
		// One that does not verify is still queued for, as it was loaded
		// (see loadHooks); DueDeliveries does not post to it.
		if _, _, ok, err := x.be.Webhook(id); !ok {
			if err != nil {
				return err
			}
			continue
		}
		d.Webhook = id
		if err := x.be.QueueDelivery(&d, doc); err != nil {
			return err
		}
	}
	return nil
}

// hookSet is the subscriptions a change is delivered to. A file has one
// process, whose copy in memory follows every change to them (see
// reloadHooks); on a database server another process may have added one
// since, so there they are read in the change's own transaction.
func (x *txn) hookSet() (*hookSet, error) {
	if !x.onServer() {
		return x.s.hooks.Load(), nil
	}
	if !x.hooksRead { // once per write: an import's cases each enqueue
		set, _, err := readHooks(x.be)
		if err != nil {
			return nil, err
		}
		x.hooks, x.hooksRead = set, true
	}
	return x.hooks, nil
}

// personaDoc is the case as a webhook sends it: Persona's case document,
// in Persona's shape alone.
func (x *txn) personaDoc(id string) ([]byte, error) {
	d, err := x.personaCase(id, persona.Options{})
	if err != nil {
		return nil, err
	}
	return persona.EncodeCase(d, persona.Options{})
}

// finish ends a pending delivery: its due entry and document go, its
// record stays with its new state.
func (x *txn) finish(d model.Delivery, state model.DeliveryState, at time.Time) error {
	was := d
	d.State, d.NextAttemptAt = state, time.Time{}
	if state == model.DeliveryDelivered {
		d.DeliveredAt = at
	} else {
		d.FailedAt = at
	}
	return x.be.UpdateDelivery(was, d)
}

// failPending marks a subscription's pending deliveries failed.
func (x *txn) failPending(webhook, why string) error {
	var pending []model.Delivery
	err := x.be.PendingOf(webhook, math.MaxInt, func(d model.Delivery) (bool, error) {
		pending = append(pending, d)
		return true, nil
	})
	for _, d := range pending {
		if err != nil {
			break
		}
		d.LastError = why
		err = x.finish(d, model.DeliveryFailed, x.now)
	}
	return err
}

// redactOutbox replaces the document of every pending delivery about the
// redacted case, or about a case sharing one of its objects, with the
// document as it is now: docket no longer holds what it would have sent.
func (x *txn) redactOutbox(c *model.Case) error {
	var pending []model.Delivery
	if err := x.be.EachPending(func(d model.Delivery) error { pending = append(pending, d); return nil }); err != nil || len(pending) == 0 {
		return err
	}
	touched := map[string][]byte{c.ID: nil}
	for _, r := range c.Objects {
		ids, err := x.casesOfObject(r.ID)
		if err != nil {
			return err
		}
		for _, id := range ids {
			touched[id] = nil
		}
	}
	for _, d := range pending {
		doc, hit := touched[d.Case]
		if !hit {
			continue
		}
		if doc == nil {
			var err error
			if doc, err = x.personaDoc(d.Case); err != nil {
				return err
			}
			touched[d.Case] = doc
		}
		if err := x.be.PutDeliveryDoc(d.ID, doc); err != nil {
			return err
		}
	}
	return nil
}

// DueDeliveries are the pending deliveries whose next attempt has come:
// for each subscription at most room(its id), oldest first, leaving out
// those skip names (already being posted, or behind another of the same
// case). A subscription whose record does not verify is left out: its
// URL and secrets cannot be trusted (docket check names it).
func (s *Store) DueDeliveries(room func(webhook string) int, skip func(model.Delivery) bool) ([]Outgoing, error) {
	var out []Outgoing
	err := s.view(func(x *txn) (err error) {
		out, err = x.dueDeliveries(room, skip)
		return err
	})
	return out, err
}

// ClaimDeliveries is DueDeliveries for the process about to post them:
// in the same transaction it holds each one for lease, by moving its next
// attempt that far on, so that another process delivering from the same
// database (several servers on one PostgreSQL) leaves it alone while this
// one posts it; two claiming at once meet in the transaction, and one
// takes it. A delivery whose attempt is never recorded (the process
// died) is due again when its lease ends: at least once, as before.
func (s *Store) ClaimDeliveries(lease time.Duration, room func(webhook string) int, skip func(model.Delivery) bool) ([]Outgoing, error) {
	var out []Outgoing
	err := s.update(func(x *txn) (err error) {
		if out, err = x.dueDeliveries(room, skip); err != nil {
			return err
		}
		if len(out) == 0 {
			return errNoChange
		}
		for _, o := range out {
			held := o.Delivery
			held.NextAttemptAt = x.now.Add(lease)
			if err := x.be.UpdateDelivery(o.Delivery, held); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// dueDeliveries reads what DueDeliveries says.
func (x *txn) dueDeliveries(room func(webhook string) int, skip func(model.Delivery) bool) ([]Outgoing, error) {
	var out []Outgoing
	err := forWebhooks(x.be, func(h storedWebhook, bad error) error {
		n := room(h.ID)
		if bad != nil || n <= 0 {
			return nil
		}
		return x.be.PendingOf(h.ID, maxDueScan, func(d model.Delivery) (bool, error) {
			if d.NextAttemptAt.After(x.now) {
				return false, nil
			}
			if skip(d) {
				return true, nil
			}
			o, err := x.outgoing(h, d)
			if err != nil {
				return false, err
			}
			out = append(out, o)
			n--
			return n > 0, nil
		})
	})
	return out, err
}

// outgoing reads a pending delivery and makes its body.
func (x *txn) outgoing(h storedWebhook, d model.Delivery) (Outgoing, error) {
	doc, err := x.be.DeliveryDoc(d.ID)
	if err != nil {
		return Outgoing{}, err
	}
	if doc == nil {
		return Outgoing{}, backend.Damaged(x.s.path, fmt.Sprintf("webhook delivery %s has no document", d.ID))
	}
	body, err := persona.EncodeEvent(d.Event, d.Name, d.CreatedAt, doc)
	if err != nil {
		return Outgoing{}, err
	}
	return Outgoing{Delivery: d, URL: h.URL, Secrets: h.Secrets, Body: body}, nil
}

// NextDelivery is when the earliest pending delivery is due (false when
// none is pending).
func (s *Store) NextDelivery() (time.Time, bool) {
	var next time.Time
	found := false
	s.view(func(x *txn) error {
		var err error
		next, found, err = x.be.NextDue()
		return err
	})
	return next, found
}

// RecordDelivery keeps the result of an attempt at delivery id: delivered
// on a 2xx, else pending until a.Retry, or failed when there is none. A
// delivery no longer pending (its webhook removed meanwhile) keeps its
// state.
func (s *Store) RecordDelivery(id string, a DeliveryAttempt) error {
	if seq, err := strconv.ParseUint(id, 10, 64); err != nil || seq == 0 {
		return model.Invalidf("no webhook delivery %q", id) // delivery ids are numbers from 1
	}
	return s.update(func(x *txn) error {
		d, ok, err := x.be.Delivery(id)
		if err != nil {
			return err
		}
		if !ok || d.State != model.DeliveryPending {
			return errNoChange
		}
		was := d
		d.Attempts++
		d.LastAttemptAt, d.LastStatus, d.LastError = a.At, a.Status, clipDetail(a.Err) // the receiver writes it: bounded
		switch {
		case a.OK():
			return x.finish(d, model.DeliveryDelivered, a.At)
		case a.Retry.IsZero():
			return x.finish(d, model.DeliveryFailed, a.At)
		}
		d.NextAttemptAt = a.Retry
		return x.be.UpdateDelivery(was, d)
	})
}

// Deliveries lists webhook deliveries, newest first (admins only).
func (s *Store) Deliveries(actor string, q DeliveryQuery) ([]model.Delivery, error) {
	out := []model.Delivery{}
	err := s.view(func(x *txn) error {
		if _, err := x.actorMay(actor, model.ActWebhooks); err != nil {
			return err
		}
		return x.be.EachDelivery(func(d model.Delivery) (bool, error) {
			if (!q.Failed || d.State == model.DeliveryFailed) && (q.Webhook == "" || d.Webhook == q.Webhook) {
				out = append(out, d)
			}
			return q.Limit <= 0 || len(out) < q.Limit, nil
		})
	})
	return out, err
}

// pruneBatch bounds the records one pruning transaction deletes.
const pruneBatch = 1000

// PruneDeliveries deletes the records of deliveries that were delivered or
// failed more than keep ago, and says how many it deleted.
func (s *Store) PruneDeliveries(keep time.Duration) (int, error) {
	total := 0
	for {
		var n int
		err := s.update(func(x *txn) error {
			var err error
			if n, err = x.be.PruneDeliveries(x.now.Add(-keep), pruneBatch); err == nil && n == 0 {
				err = errNoChange
			}
			return err
		})
		total += n
		if err != nil || n < pruneBatch {
			return total, err
		}
	}
}
