package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"docket/model"
	"docket/store/backend"
	"docket/store/persona"
)

// Persona's webhook events coming in (the HTTP side is ui/hooks). An event
// is applied once: its id is recorded in the transaction that applies it,
// so a delivery Persona repeats finds the record and changes nothing.
// Events arrive out of order too: a case goes through the import path,
// which applies only a copy newer than the one held (updated-at), with the
// workflow's rules and an audit event naming the webhook; an object (an
// inquiry, account, report, verification or transaction) is only replaced
// by a copy at least as new, and each case holding it hears of the change.
// Events docket has no use for are recorded and counted, not refused.

// ReceivedRetention is how long a received event's id is remembered. A
// repeat after that is applied again, where the updated-at and as-of
// checks still keep an older copy from overwriting a newer one. Persona
// stops retrying a delivery well within it.
const ReceivedRetention = 14 * 24 * time.Hour

// maxPrunedPerEvent bounds the expired records one event forgets; more
// than one, so that the record shrinks back after a burst.
const maxPrunedPerEvent = 32

// maxDetailBytes bounds what a receipt says about an event.
const maxDetailBytes = 500

// What receiving an event did.
const (
	OutcomeApplied   = backend.OutcomeApplied
	OutcomeUnchanged = backend.OutcomeUnchanged
	OutcomeUnused    = backend.OutcomeUnused
	OutcomeRefused   = backend.OutcomeRefused
)

// InboundEvent is one of Persona's webhook events, decoded from its
// envelope: a case event carries Cases, an object event Objects, an event
// docket does not use neither.
type InboundEvent struct {
	ID        string // evt_…
	Name      string // inquiry.approved
	CreatedAt time.Time
	Type      string // the type of the payload's data: case, inquiry, report/watchlist, document/…
	Cases     []persona.CaseDoc
	Objects   []*model.Object
}

// EventReceipt is what docket did with one received event.
type EventReceipt = backend.EventReceipt

// EventCount is how many events of one name were received, by outcome.
type EventCount = backend.EventCount

// ReceivedEvents is what the webhook intake has seen: counts per event
// name, and the latest events.
type ReceivedEvents struct {
	Counts []EventCount   `json:"counts"`
	Recent []EventReceipt `json:"recent"`
}

// ReceiveEvent applies an event as actor, who must be allowed to import
// (a lead or admin), in one transaction with the record of its id. A
// repeat of an event already settled changes nothing and returns the
// first receipt with repeat true. A refusal (a workflow rule, a limit,
// the actor's role) writes nothing of the event, records the refusal and
// returns the store's error; a repeat is tried again, so that a delivery
// Persona retries after the cause is fixed goes through.
func (s *Store) ReceiveEvent(actor string, ev InboundEvent) (rec EventReceipt, repeat bool, err error) {
	if err := model.ValidateEventID(ev.ID); err != nil {
		return rec, false, err
	}
	if err := model.ValidateEventName(ev.Name); err != nil {
		return rec, false, err
	}
	err = s.update(func(x *txn) error {
		rec, repeat = EventReceipt{}, false
		first, found, err := x.receipt(ev.ID)
		if err != nil {
			return err
		}
		if found && first.Outcome != OutcomeRefused {
			rec, repeat = first, true
			return errNoChange
		}
		u, err := x.importer(ImportOptions{Actor: actor})
		if err != nil {
			return err
		}
		rec = nextReceipt(ev, first, found, x.now)
		if err := x.applyEvent(u, ev, &rec); err != nil {
			return err
		}
		return x.putReceipt(rec, found)
	})
	var r *model.Refusal
	if errors.As(err, &r) {
		rec = s.recordRefusal(ev, err)
	}
	return rec, repeat, err
}

// recordRefusal keeps the refusal of an event where ReceivedEvents shows
// it. It is best effort: the refusal is the answer either way.
func (s *Store) recordRefusal(ev InboundEvent, refusal error) EventReceipt {
	var rec EventReceipt
	s.update(func(x *txn) error {
		first, found, err := x.receipt(ev.ID)
		if err != nil || found && first.Outcome != OutcomeRefused {
			return errNoChange // settled meanwhile by another delivery
		}
		rec = nextReceipt(ev, first, found, x.now)
		rec.Outcome, rec.Detail = OutcomeRefused, clipDetail(refusal.Error())
		return x.putReceipt(rec, found)
	})
	return rec
}

// nextReceipt starts the receipt of a delivery, continuing the one of an
// earlier refused delivery of the same event.
func nextReceipt(ev InboundEvent, first EventReceipt, found bool, now time.Time) EventReceipt {
	rec := EventReceipt{ID: ev.ID, Name: ev.Name, Type: ev.Type, CreatedAt: ev.CreatedAt.UTC(),
		ReceivedAt: now, LastAt: now, Attempts: 1}
	if found {
		rec.ReceivedAt, rec.Attempts = first.ReceivedAt, first.Attempts+1
	}
	return rec
}

func (x *txn) applyEvent(u model.User, ev InboundEvent, rec *EventReceipt) error {
	source := "webhook " + ev.ID + " " + ev.Name
	switch {
	case len(ev.Cases) > 0:
		return x.receiveCases(u, ev, source, rec)
	case len(ev.Objects) > 0:
		return x.receiveObjects(u, ev, source, rec)
	}
	rec.Outcome, rec.Detail = OutcomeUnused, fmt.Sprintf("docket keeps no %s", orNone(ev.Type))
	return nil
}

// receiveCases imports an event's cases as an import would (see
// importCase), leaving out included objects older than the copies docket
// holds.
func (x *txn) receiveCases(u model.User, ev InboundEvent, source string, rec *EventReceipt) error {
	docs := make([]sourced, len(ev.Cases))
	var kept []*model.Object
	for i, d := range ev.Cases {
		if err := x.s.checkEventCase(d); err != nil {
			return err
		}
		if err := x.checkCaseDoc(d); err != nil {
			return fmt.Errorf("case %s: %w", d.Case.ID, err)
		}
		fresh, err := x.freshObjects(d.Objects, ev.CreatedAt)
		if err != nil {
			return err
		}
		d.Objects, kept = fresh, append(kept, fresh...)
		docs[i] = sourced{doc: d, src: source}
	}
	var res ImportResult
	if err := x.importBatch(docs, ImportOptions{Actor: u.Name}, &res); err != nil {
		return err
	}
	for _, o := range kept {
		if err := x.noteAsOf(o, ev.CreatedAt); err != nil {
			return err
		}
	}
	rec.Cases = changedCases(x.changed)
	rec.Outcome = OutcomeApplied
	if res.Created+res.Updated+res.Objects == 0 {
		rec.Outcome = OutcomeUnchanged
	}
	rec.Detail = fmt.Sprintf("cases: %d created, %d updated, %d not newer than docket's; %d object(s) written",
		res.Created, res.Updated, res.Unchanged, res.Objects)
	return nil
}

// checkEventCase holds what docket keeps of a case an event carries to
// the per-case limit, as an import holds the document (checkDocument).
func (s *Store) checkEventCase(d persona.CaseDoc) error {
	n := len(d.Case.Fields)
	for _, o := range d.Objects {
		n += len(o.Attributes) + len(o.Relationships)
	}
	for _, cm := range d.Comments {
		n += len(cm.Body)
	}
	if n > s.maxCase {
		return model.SizeLimitf("case "+d.Case.ID+" with its objects and comments", n, s.maxCase)
	}
	return nil
}

// freshObjects leaves out of a case document's objects those older than
// the copies docket holds, and those docket redacted.
func (x *txn) freshObjects(objs []*model.Object, eventAt time.Time) ([]*model.Object, error) {
	var out []*model.Object
	for _, o := range objs {
		before, err := x.object(o.ID)
		if err != nil {
			return nil, err
		}
		if before != nil && (before.Redacted || asOf(o, eventAt).Before(x.asOf(before))) {
			continue
		}
		out = append(out, o)
	}
	return out, nil
}

// receiveObjects updates the objects an event carries, where docket holds
// them, and records the change on each case holding one.
func (x *txn) receiveObjects(u model.User, ev InboundEvent, source string, rec *EventReceipt) error {
	var notes []string
	outcome := OutcomeUnused
	for _, o := range ev.Objects {
		got, note, err := x.receiveObject(u, o, ev, source)
		if err != nil {
			return err
		}
		notes = append(notes, note)
		if rank(got) > rank(outcome) {
			outcome = got
		}
	}
	rec.Outcome, rec.Detail, rec.Cases = outcome, clipDetail(strings.Join(notes, "; ")), changedCases(x.changed)
	return nil
}

// rank orders outcomes by how much an event with several objects did.
func rank(outcome string) int {
	return slices.Index([]string{OutcomeUnused, OutcomeUnchanged, OutcomeApplied}, outcome)
}

func (x *txn) receiveObject(u model.User, o *model.Object, ev InboundEvent, source string) (outcome, note string, err error) {
	name := string(o.Kind) + " " + o.ID
	if err := x.s.validateObject(o); err != nil {
		return "", "", err
	}
	before, err := x.object(o.ID)
	switch {
	case err != nil:
		return "", "", err
	case before == nil:
		// Persona sends every object of an organisation; docket keeps
		// those its cases hold.
		return OutcomeUnused, "no case holds " + name, nil
	case before.Redacted:
		return OutcomeUnchanged, name + " is redacted in docket; a webhook does not bring it back", nil
	}
	at, held := asOf(o, ev.CreatedAt), x.asOf(before)
	if at.Before(held) {
		return OutcomeUnchanged, fmt.Sprintf("%s as of %s is older than docket's copy (as of %s)",
			name, at.Format(time.RFC3339), held.Format(time.RFC3339)), nil
	}
	what := describeObjectEvent(before, o, ev.Name)
	wrote, err := x.putObject(o)
	if err != nil {
		return "", "", err
	}
	if err := x.noteAsOf(o, ev.CreatedAt); err != nil {
		return "", "", err
	}
	if !wrote {
		return OutcomeUnchanged, name + " is the same as docket's copy", nil
	}
	return OutcomeApplied, what, x.objectChanged(u.Name, o.ID, what, source, "")
}

// describeObjectEvent says what an event did to an object, for the audit
// trail: "inquiry inq_… approved: attributes status,updated-at".
func describeObjectEvent(before, after *model.Object, event string) string {
	s := fmt.Sprintf("%s %s %s", after.Kind, after.ID, model.EventAction(event))
	if before.RefOnly {
		return s + " (docket knew only its id before)"
	}
	if keys := changedKeys(before.Attributes, after.Attributes); keys != "" {
		s += ": attributes " + keys
	}
	if string(before.Relationships) != string(after.Relationships) {
		s += ": relationships"
	}
	return s
}

// asOf is the time a copy of an object stands for: its updated-at, or,
// for the kinds Persona gives none (reports, verifications), the time of
// the event that brought it.
func asOf(o *model.Object, eventAt time.Time) time.Time {
	var a struct {
		UpdatedAt string `json:"updated-at"`
	}
	if json.Unmarshal(o.Attributes, &a) == nil {
		if t, err := time.Parse(time.RFC3339Nano, a.UpdatedAt); err == nil {
			return t.UTC()
		}
	}
	return eventAt.UTC()
}

// asOf is the time of the copy of an object docket holds: the newer of
// what the last webhook to apply it said and the copy's own updated-at.
// Zero when neither is known (an imported copy without updated-at).
func (x *txn) asOf(o *model.Object) time.Time {
	held := asOf(o, time.Time{})
	if t, ok, err := x.be.ObjectAsOf(o.ID); err == nil && ok && t.After(held) {
		held = t
	}
	return held
}

// noteAsOf remembers the time of the copy of o a webhook applied.
func (x *txn) noteAsOf(o *model.Object, eventAt time.Time) error {
	return x.be.NoteObjectAsOf(o.ID, asOf(o, eventAt))
}

// changedCases is the cases a transaction changed, each once.
func changedCases(ids []string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

func clipDetail(s string) string {
	if len(s) <= maxDetailBytes {
		return s
	}
	return strings.ToValidUTF8(s[:maxDetailBytes], "") + "…"
}

// ---- the record of received events ----

func (x *txn) receipt(id string) (EventReceipt, bool, error) { return x.be.Receipt(id) }

// putReceipt records what an event did, counts it under its name and
// forgets a few events past ReceivedRetention.
func (x *txn) putReceipt(rec EventReceipt, seen bool) error {
	if err := x.be.PutReceipt(rec, !seen); err != nil {
		return err
	}
	if err := x.be.CountEvent(rec.Name, rec.Outcome, rec.LastAt); err != nil {
		return err
	}
	return x.be.PruneReceipts(x.now.Add(-ReceivedRetention), maxPrunedPerEvent)
}

// ReceivedEvents shows a lead or admin what the webhook intake received:
// the count of each event name, and the latest limit events, newest first.
func (s *Store) ReceivedEvents(actor string, limit int) (ReceivedEvents, error) {
	out := ReceivedEvents{Counts: []EventCount{}, Recent: []EventReceipt{}}
	err := s.view(func(x *txn) error {
		u, err := x.actor(actor)
		if err != nil {
			return err
		}
		if !u.Role.AtLeast(model.RoleLead) {
			return model.Forbiddenf("%s is a %s; only a lead or admin may see the webhook events received", u.Name, u.Role)
		}
		if out.Counts, err = x.be.EventCounts(); err != nil {
			return err
		}
		out.Recent, err = x.be.RecentReceipts(limit)
		return err
	})
	return out, err
}

// CheckEventActor says whether name may be the user webhook events act
// as: an existing user allowed to import (a lead or admin). A server
// checks it when it starts; every event checks it again.
func (s *Store) CheckEventActor(name string) error {
	return s.view(func(x *txn) error {
		_, err := x.importer(ImportOptions{Actor: name})
		return err
	})
}
