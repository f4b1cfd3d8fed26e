package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"docket/model"
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
	set := x.s.hooks.Load()
	if set == nil {
		return nil // no subscriptions: what most changes find
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
		if x.b(bWebhooks).Get([]byte(id)) == nil {
			continue
		}
		seq, err := x.b(bOutbox).NextSequence()
		if err != nil {
			return err
		}
		d.ID, d.Webhook = strconv.FormatUint(seq, 10), id
		if err := x.putDelivery(d); err != nil {
			return err
		}
		if err := x.b(bOutboxDoc).Put(seqBytes(seq), doc); err != nil {
			return err
		}
		if err := x.b(bOutboxDue).Put(dueKey(d), nil); err != nil {
			return err
		}
	}
	return nil
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

func seqBytes(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// deliverySeq is the bucket key of a delivery id.
func deliverySeq(id string) ([]byte, bool) {
	seq, err := strconv.ParseUint(id, 10, 64)
	return seqBytes(seq), err == nil && seq > 0
}

// dueKey orders a subscription's pending deliveries by their next attempt.
func dueKey(d model.Delivery) []byte {
	k, _ := deliverySeq(d.ID)
	p := binary.BigEndian.AppendUint64(append([]byte(d.Webhook), 0), uint64(d.NextAttemptAt.UnixNano()))
	return append(p, k...)
}

// dueAt reads the time and the delivery key of a dueKey, after its prefix.
func dueAt(rest []byte) (time.Time, []byte) {
	if len(rest) != 16 {
		return time.Time{}, nil
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(rest[:8]))), rest[8:]
}

func (x *txn) putDelivery(d model.Delivery) error {
	k, ok := deliverySeq(d.ID)
	if !ok {
		return fmt.Errorf("delivery id %q", d.ID)
	}
	return putJSON(x.b(bOutbox), k, d)
}

// delivery reads one delivery by its bucket key.
func (x *txn) delivery(k []byte) (model.Delivery, bool, error) {
	var d model.Delivery
	b := x.tx.Bucket(bOutbox)
	if b == nil {
		return d, false, nil
	}
	ok, err := getJSON(b, k, &d)
	if err != nil {
		err = damagedError{x.s.path, fmt.Sprintf("webhook delivery %d: %v", binary.BigEndian.Uint64(k), err)}
	}
	return d, ok, err
}

// finish ends a pending delivery: its due entry and document go, its
// record stays with its new state.
func (x *txn) finish(d model.Delivery, state model.DeliveryState, at time.Time) error {
	k, _ := deliverySeq(d.ID)
	if err := x.b(bOutboxDue).Delete(dueKey(d)); err != nil {
		return err
	}
	if err := x.b(bOutboxDoc).Delete(k); err != nil {
		return err
	}
	d.State, d.NextAttemptAt = state, time.Time{}
	if state == model.DeliveryDelivered {
		d.DeliveredAt = at
	} else {
		d.FailedAt = at
	}
	return x.putDelivery(d)
}

// failPending marks a subscription's pending deliveries failed.
func (x *txn) failPending(webhook, why string) error {
	p := append([]byte(webhook), 0)
	var keys [][]byte
	cur := x.b(bOutboxDue).Cursor()
	for k, _ := cur.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = cur.Next() {
		if _, dk := dueAt(k[len(p):]); dk != nil {
			keys = append(keys, bytes.Clone(dk))
		}
	}
	for _, k := range keys {
		d, ok, err := x.delivery(k)
		if err != nil || !ok {
			return err
		}
		d.LastError = why
		if err := x.finish(d, model.DeliveryFailed, x.now); err != nil {
			return err
		}
	}
	return nil
}

// redactOutbox replaces the document of every pending delivery about the
// redacted case, or about a case sharing one of its objects, with the
// document as it is now: docket no longer holds what it would have sent.
func (x *txn) redactOutbox(c *model.Case) error {
	due := x.b(bOutboxDue)
	if k, _ := due.Cursor().First(); k == nil {
		return nil
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
	var keys [][]byte
	due.ForEach(func(k, _ []byte) error {
		if i := bytes.IndexByte(k, 0); i >= 0 {
			if _, dk := dueAt(k[i+1:]); dk != nil {
				keys = append(keys, bytes.Clone(dk))
			}
		}
		return nil
	})
	for _, k := range keys {
		d, ok, err := x.delivery(k)
		if err != nil || !ok {
			return err
		}
		doc, hit := touched[d.Case]
		if !hit {
			continue
		}
		if doc == nil {
			if doc, err = x.personaDoc(d.Case); err != nil {
				return err
			}
			touched[d.Case] = doc
		}
		if err := x.b(bOutboxDoc).Put(k, doc); err != nil {
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
	err := s.view(func(x *txn) error {
		out = nil
		due := x.tx.Bucket(bOutboxDue)
		if due == nil {
			return nil
		}
		return forWebhooks(x.be, func(h storedWebhook, bad error) error {
			n := room(h.ID)
			if bad != nil || n <= 0 {
				return nil
			}
			p := append([]byte(h.ID), 0)
			cur := due.Cursor()
			scanned := 0
			for k, _ := cur.Seek(p); k != nil && bytes.HasPrefix(k, p) && n > 0 && scanned < maxDueScan; k, _ = cur.Next() {
				scanned++
				at, dk := dueAt(k[len(p):])
				if dk == nil || at.After(x.now) {
					break
				}
				o, ok, err := x.outgoing(h, dk)
				if err != nil {
					return err
				}
				if ok && !skip(o.Delivery) {
					out = append(out, o)
					n--
				}
			}
			return nil
		})
	})
	return out, err
}

// outgoing reads a pending delivery and makes its body.
func (x *txn) outgoing(h storedWebhook, k []byte) (Outgoing, bool, error) {
	d, ok, err := x.delivery(k)
	if err != nil || !ok || d.State != model.DeliveryPending {
		return Outgoing{}, false, err
	}
	doc := x.tx.Bucket(bOutboxDoc).Get(k)
	if doc == nil {
		return Outgoing{}, false, damagedError{x.s.path, fmt.Sprintf("webhook delivery %s has no document", d.ID)}
	}
	body, err := persona.EncodeEvent(d.Event, d.Name, d.CreatedAt, doc)
	if err != nil {
		return Outgoing{}, false, err
	}
	return Outgoing{Delivery: d, URL: h.URL, Secrets: h.Secrets, Body: body}, true, nil
}

// NextDelivery is when the earliest pending delivery is due (false when
// none is pending).
func (s *Store) NextDelivery() (time.Time, bool) {
	var next time.Time
	found := false
	s.view(func(x *txn) error {
		due := x.tx.Bucket(bOutboxDue)
		if due == nil {
			return nil
		}
		cur := due.Cursor()
		// Keys are grouped by subscription: the first key of each.
		for k, _ := cur.First(); k != nil; {
			i := bytes.IndexByte(k, 0)
			if i < 0 {
				break
			}
			if at, dk := dueAt(k[i+1:]); dk != nil && (!found || at.Before(next)) {
				next, found = at, true
			}
			k, _ = cur.Seek(append(bytes.Clone(k[:i]), 1))
		}
		return nil
	})
	return next, found
}

// RecordDelivery keeps the result of an attempt at delivery id: delivered
// on a 2xx, else pending until a.Retry, or failed when there is none. A
// delivery no longer pending (its webhook removed meanwhile) keeps its
// state.
func (s *Store) RecordDelivery(id string, a DeliveryAttempt) error {
	k, ok := deliverySeq(id)
	if !ok {
		return model.Invalidf("no webhook delivery %q", id)
	}
	return s.update(func(x *txn) error {
		d, ok, err := x.delivery(k)
		if err != nil {
			return err
		}
		if !ok || d.State != model.DeliveryPending {
			return errNoChange
		}
		d.Attempts++
		d.LastAttemptAt, d.LastStatus, d.LastError = a.At, a.Status, clipDetail(a.Err) // the receiver writes it: bounded
		switch {
		case a.OK():
			return x.finish(d, model.DeliveryDelivered, a.At)
		case a.Retry.IsZero():
			return x.finish(d, model.DeliveryFailed, a.At)
		}
		if err := x.b(bOutboxDue).Delete(dueKey(d)); err != nil {
			return err
		}
		d.NextAttemptAt = a.Retry
		if err := x.b(bOutboxDue).Put(dueKey(d), nil); err != nil {
			return err
		}
		return x.putDelivery(d)
	})
}

// Deliveries lists webhook deliveries, newest first (admins only).
func (s *Store) Deliveries(actor string, q DeliveryQuery) ([]model.Delivery, error) {
	out := []model.Delivery{}
	err := s.view(func(x *txn) error {
		if _, err := x.actorMay(actor, model.ActWebhooks); err != nil {
			return err
		}
		b := x.tx.Bucket(bOutbox)
		if b == nil {
			return nil
		}
		cur := b.Cursor()
		for k, v := cur.Last(); k != nil && (q.Limit <= 0 || len(out) < q.Limit); k, v = cur.Prev() {
			var d model.Delivery
			if err := json.Unmarshal(v, &d); err != nil {
				return damagedError{x.s.path, fmt.Sprintf("webhook delivery %d: %v", binary.BigEndian.Uint64(k), err)}
			}
			if (!q.Failed || d.State == model.DeliveryFailed) && (q.Webhook == "" || d.Webhook == q.Webhook) {
				out = append(out, d)
			}
		}
		return nil
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
			n = 0
			cutoff := x.now.Add(-keep)
			var dead [][]byte
			cur := x.b(bOutbox).Cursor()
			for k, v := cur.First(); k != nil && len(dead) < pruneBatch; k, v = cur.Next() {
				var d model.Delivery
				if json.Unmarshal(v, &d) != nil {
					continue // docket check names it
				}
				if d.CreatedAt.After(cutoff) {
					break // and so are all after it
				}
				if end := d.Ended(); !end.IsZero() && end.Before(cutoff) {
					dead = append(dead, bytes.Clone(k))
				}
			}
			for _, k := range dead {
				if err := x.b(bOutbox).Delete(k); err != nil {
					return err
				}
			}
			if n = len(dead); n == 0 {
				return errNoChange
			}
			return nil
		})
		total += n
		if err != nil || n < pruneBatch {
			return total, err
		}
	}
}

// outbox checks that the pending deliveries and their due entries agree:
// each pending delivery has its document and one due entry, which names
// it as it is.
func (c *checker) outbox() error {
	b, due := c.x.tx.Bucket(bOutbox), c.x.tx.Bucket(bOutboxDue)
	if b == nil || due == nil {
		return nil // a file opened read-only from before webhooks existed
	}
	dues := 0
	err := due.ForEach(func(k, _ []byte) error {
		dues++
		i := bytes.IndexByte(k, 0)
		if i < 0 {
			c.r.add("webhook outbox", "a due entry of %d bytes names no webhook", len(k))
			return nil
		}
		_, dk := dueAt(k[i+1:])
		d, ok, err := c.x.delivery(dk)
		switch {
		case err != nil:
			return err
		case !ok || d.State != model.DeliveryPending:
			c.r.add("webhook outbox", "a due entry for webhook %s names no pending delivery", k[:i])
		case !bytes.Equal(dueKey(d), k):
			c.r.add("webhook delivery "+d.ID, "its due entry does not match it")
		}
		return nil
	})
	if err != nil {
		return err
	}
	pending := 0
	err = b.ForEach(func(k, v []byte) error {
		var d model.Delivery
		if err := json.Unmarshal(v, &d); err != nil {
			c.r.add(fmt.Sprintf("webhook delivery %d", binary.BigEndian.Uint64(k)), "the record does not decode: %v", err)
			return nil
		}
		if d.State == model.DeliveryPending {
			pending++
			if c.x.tx.Bucket(bOutboxDoc).Get(k) == nil {
				c.r.add("webhook delivery "+d.ID, "it is pending without the document it sends")
			}
		}
		return nil
	})
	if err == nil && pending != dues {
		c.r.add("webhook outbox", "%d deliveries are pending but %d are due", pending, dues)
	}
	return err
}
