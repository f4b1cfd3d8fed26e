package store

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"docket/model"
	"docket/workflows"
)

// Target names who acts on which case. Expect, when not zero, is the case
// version the caller last saw: a write against a newer version is refused
// as a conflict instead of overwriting a change the caller never saw.
type Target struct {
	Actor  string
	Case   string // id or name
	Expect int64
	// Request, when set, makes the write idempotent (see requests.go).
	Request *Request
}

// change applies one operation to c (already permission-checked by the
// caller's closure) and returns the audit event, or nil when nothing changed.
type change func(x *txn, u model.User, c *model.Case) (*model.Event, error)

// mutate is the one path every case write takes: load the actor and the
// current case, check the expected version, apply the change, then write
// the case, its indexes and one audit event in the same transaction.
//
// Given several changes, it applies them in turn to the same case in one
// transaction, each with its own event: all or none.
func (s *Store) mutate(t Target, fns ...change) (*model.Case, error) {
	var out *model.Case
	err := s.update(func(x *txn) error {
		u, err := x.actor(t.Actor)
		if err != nil {
			return err
		}
		changedAny := false
		for i, fn := range fns {
			next := t
			if i > 0 {
				next = Target{Actor: t.Actor, Case: out.ID}
			}
			var changed bool
			if out, changed, err = x.mutate(u, next, fn); err != nil {
				return err
			}
			changedAny = changedAny || changed
		}
		if !changedAny {
			return errNoChange
		}
		return x.claimRequest(t.Request, out.ID)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// mutate applies one change to one case inside a transaction. A change
// that is refused has written nothing, so bulk operations can go on with
// the next case.
func (x *txn) mutate(u model.User, t Target, fn change) (*model.Case, bool, error) {
	c, err := x.caseByRef(t.Case)
	if err != nil {
		return nil, false, err
	}
	if t.Expect != 0 && t.Expect != c.Version {
		return nil, false, x.conflict(c, t.Expect)
	}
	old := c.Clone()
	ev, err := fn(x, u, c)
	if err != nil {
		return nil, false, err
	}
	if ev == nil {
		return old, false, nil
	}
	return c, true, x.record(old, c, u.Name, *ev)
}

// record writes a changed case with its index entries and audit event,
// bumping the version.
func (x *txn) record(old, c *model.Case, actor string, ev model.Event) error {
	c.Version++
	c.UpdatedAt = x.now
	ev.CaseID, ev.Seq, ev.At, ev.Actor = c.ID, c.Version, x.now, actor
	if err := x.putCase(old, c); err != nil {
		return err
	}
	return x.putEvent(c, ev)
}

func (x *txn) conflict(c *model.Case, expected int64) error {
	e, err := x.lastEvent(c)
	if err != nil {
		return err
	}
	return model.Conflictf("%s was changed by %s %s (%s; now version %d, you had %d); reload it and try again",
		c.Name, e.Actor, model.Ago(e.At, x.now), describeEvent(e), c.Version, expected)
}

// describeEvent says in a few words what an event did.
func describeEvent(e model.Event) string {
	switch e.Kind {
	case model.EventStatus:
		return fmt.Sprintf("status %s → %s", e.From, e.To)
	case model.EventAssigned, model.EventClaimed:
		return "assigned to " + e.To
	case model.EventUnassigned:
		return "unassigned from " + e.From
	default:
		return string(e.Kind)
	}
}

// NewCase is what CreateCase needs.
type NewCase struct {
	Workflow string
	Fields   json.RawMessage // a JSON object, or empty
	Assignee string
	Tags     []string
	SLA      time.Duration // 0: the workflow's default
	// Objects are ids of objects docket already holds, attached at once.
	Objects []string
	// Request, when set, makes the creation idempotent (see requests.go).
	Request *Request
}

// CreateCase opens a new case in its workflow's initial status.
func (s *Store) CreateCase(actor string, nc NewCase) (*model.Case, error) {
	var out *model.Case
	err := s.update(func(x *txn) error {
		u, err := x.actorMay(actor, model.ActCreate)
		if err != nil {
			return err
		}
		w, err := x.workflow(nc.Workflow)
		if err != nil {
			return err
		}
		c, err := x.newCase(w, nc)
		if err != nil {
			return err
		}
		c.Creator = u.Name
		ev := model.Event{CaseID: c.ID, Seq: 1, At: x.now, Actor: u.Name, Kind: model.EventCreated, To: c.Status}
		if nc.Assignee != "" {
			if err := x.assignOnCreate(u, c, nc.Assignee); err != nil {
				return err
			}
		} else if w.Assignment.Auto() {
			if ev.Effects, err = x.autoAssign(c, w, ""); err != nil {
				return err
			}
		}
		if err := x.attachKnown(c, nc.Objects); err != nil {
			return err
		}
		if err := x.putCase(nil, c); err != nil {
			return err
		}
		out = c
		if err := x.putEvent(c, ev); err != nil {
			return err
		}
		return x.claimRequest(nc.Request, c.ID)
	})
	return out, err
}

func (x *txn) newCase(w *workflows.Workflow, nc NewCase) (*model.Case, error) {
	fields := []byte("{}")
	if len(nc.Fields) > 0 {
		var err error
		if fields, err = model.MergePatch(nil, nc.Fields); err != nil {
			return nil, err
		}
	}
	tags, err := normTags(nc.Tags)
	if err != nil {
		return nil, err
	}
	name, err := x.nextName(w.Key)
	if err != nil {
		return nil, err
	}
	sla := nc.SLA
	if sla == 0 {
		sla = w.SLA
	}
	c := &model.Case{
		ID: x.s.newID(), Name: name, Workflow: w.ID,
		Status: w.Initial().Name, StatusType: w.Initial().Type,
		CreatedAt: x.now, UpdatedAt: x.now, Tags: tags, Fields: fields,
		Objects: []model.ObjectRef{}, Version: 1, PersonaTemplate: w.PersonaTemplateID,
	}
	if sla > 0 {
		c.SLAExpiresAt = x.now.Add(sla)
	}
	return c, nil
}

func (x *txn) assignOnCreate(u model.User, c *model.Case, to string) error {
	if _, err := x.actor(to); err != nil {
		return err
	}
	if err := model.AuthorizeAssign(u, c, to); err != nil {
		return err
	}
	c.Assignee, c.Assigner, c.AssignedAt = to, u.Name, x.now
	return nil
}

// nextName takes the next free KEY-n name.
func (x *txn) nextName(key string) (string, error) {
	counter := stateSeq + key
	last, err := x.be.State(counter)
	if err != nil {
		return "", err
	}
	n := parseInt(last)
	for {
		n++
		name := fmt.Sprintf("%s-%d", key, n)
		if _, taken, err := x.be.CaseNamed(name); err != nil || !taken {
			if err != nil {
				return "", err
			}
			return name, x.be.PutState(counter, []byte(fmt.Sprint(n)))
		}
	}
}

// noteName moves a key's counter past an imported KEY-n name so that new
// cases never collide with it.
func (x *txn) noteName(name string) error {
	key, num, ok := strings.Cut(name, "-")
	n := parseInt([]byte(num))
	if !ok || n <= 0 {
		return nil
	}
	counter := stateSeq + strings.ToUpper(key)
	last, err := x.be.State(counter)
	if err != nil || parseInt(last) >= n {
		return err
	}
	return x.be.PutState(counter, []byte(fmt.Sprint(n)))
}

func parseInt(b []byte) int64 {
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

const idAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newCaseID makes an id in Persona's style: case_ and 24 random characters.
func newCaseID() string { return personaStyleID("case_") }

// personaStyleID is prefix and 24 random letters and digits.
func personaStyleID(prefix string) string {
	b := make([]byte, 24)
	max := big.NewInt(int64(len(idAlphabet)))
	for i := range b {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		b[i] = idAlphabet[n.Int64()]
	}
	return prefix + string(b)
}

// StatusChange is a move to another status.
type StatusChange struct {
	Status  string
	Comment string
	Reason  string
	// Resolution is Persona's older shape: Status "resolved" and the
	// ending status's name here.
	Resolution string
}

// statusNamed is the status a change names, in either of Persona's shapes
// (see workflows.StatusFromPersona).
func statusNamed(w *workflows.Workflow, ch StatusChange) (string, error) {
	older := slices.ContainsFunc([]string{"open", "pending", "resolved"}, func(s string) bool {
		return strings.EqualFold(s, strings.TrimSpace(ch.Status))
	})
	if ch.Resolution == "" && (w.Lookup(ch.Status) != nil || !older) {
		return ch.Status, nil // the workflow's own name, or a refusal of its own below
	}
	return w.StatusFromPersona(ch.Status, ch.Resolution)
}

// SetStatus moves the case to another status, if the actor may and the
// workflow allows it from the current status, and applies the status's
// side effects.
func (s *Store) SetStatus(t Target, ch StatusChange) (*model.Case, error) {
	return s.mutate(t, statusChange(ch))
}

func statusChange(ch StatusChange) change {
	return func(x *txn, u model.User, c *model.Case) (*model.Event, error) {
		if err := model.Authorize(u, model.ActStatus, c); err != nil {
			return nil, err
		}
		w, err := x.workflow(c.Workflow)
		if err != nil {
			return nil, err
		}
		named, err := statusNamed(w, ch)
		if err != nil {
			return nil, err
		}
		move := workflows.Move{Case: c.Name, Actor: u, From: c.Status, To: named,
			Comment: strings.TrimSpace(ch.Comment), Reason: strings.TrimSpace(ch.Reason)}
		if to := w.Lookup(named); to != nil && len(to.FourEyes) > 0 {
			// Only a four-eyes rule needs the case's history.
			events, err := x.be.Events(c.ID)
			if err != nil {
				return nil, err
			}
			move.Took = model.TookStatuses(events)
		}
		if !c.Open() && c.Resolver != "" {
			move.Decided = fmt.Sprintf("by %s, %s", c.Resolver, model.Ago(c.ResolvedAt, x.now))
		}
		if err := w.CheckMove(move); err != nil {
			return nil, err
		}
		if err := x.s.checkText("the comment", move.Comment); err != nil {
			return nil, err
		}
		to := w.Lookup(named)
		ev := &model.Event{Kind: model.EventStatus, From: c.Status, To: to.Name,
			Comment: move.Comment, Reason: canonicalReason(to, move.Reason)}
		c.Status, c.StatusType = to.Name, to.Type
		if to.Type == model.End {
			c.ResolvedAt, c.Resolver, ev.Due = x.now, u.Name, c.SLAExpiresAt
			if err := x.countDecision(u.Name); err != nil {
				return nil, err
			}
		} else {
			c.ResolvedAt, c.Resolver = time.Time{}, ""
		}
		ev.Effects, err = x.applyEffects(c, w, to.OnEnter)
		return ev, err
	}
}

func canonicalReason(st *workflows.Status, reason string) string {
	for _, r := range st.Reasons {
		if strings.EqualFold(r, reason) {
			return r
		}
	}
	return reason
}

// Assign gives the case to user to ("" unassigns). Reviewers may only take
// an unassigned case themselves or let go of their own.
func (s *Store) Assign(t Target, to string) (*model.Case, error) {
	return s.mutate(t, assignChange(to))
}

func assignChange(to string) change {
	return func(x *txn, u model.User, c *model.Case) (*model.Event, error) {
		if to != "" {
			if _, err := x.actor(to); err != nil {
				return nil, err
			}
		}
		if err := model.AuthorizeAssign(u, c, to); err != nil {
			return nil, err
		}
		if c.Assignee == to {
			return nil, nil
		}
		ev := &model.Event{Kind: model.EventAssigned, From: c.Assignee, To: to}
		switch {
		case to == "":
			ev.Kind = model.EventUnassigned
			c.Assigner, c.AssignedAt = "", time.Time{}
		case to == u.Name && c.Assignee == "":
			ev.Kind = model.EventClaimed
			fallthrough
		default:
			c.Assigner, c.AssignedAt = u.Name, x.now
		}
		c.Assignee = to
		return ev, nil
	}
}

// Claim assigns the case to the actor.
func (s *Store) Claim(t Target) (*model.Case, error) { return s.Assign(t, t.Actor) }

// Unassign returns the case to the unassigned queue.
func (s *Store) Unassign(t Target) (*model.Case, error) { return s.Assign(t, "") }

// Tag adds and removes tags in one change.
func (s *Store) Tag(t Target, add, remove []string) (*model.Case, error) {
	return s.mutate(t, tagChange(add, remove))
}

func tagChange(add, remove []string) change {
	return func(x *txn, u model.User, c *model.Case) (*model.Event, error) {
		if err := model.Authorize(u, model.ActTag, c); err != nil {
			return nil, err
		}
		next, err := retag(c.Name, c.Tags, add, remove)
		if err != nil {
			return nil, err
		}
		return setTags(c, next), nil
	}
}

// SetTags replaces the case's tags.
func (s *Store) SetTags(t Target, tags []string) (*model.Case, error) {
	return s.mutate(t, func(x *txn, u model.User, c *model.Case) (*model.Event, error) {
		if err := model.Authorize(u, model.ActTag, c); err != nil {
			return nil, err
		}
		next, err := normTags(tags)
		if err != nil {
			return nil, err
		}
		return setTags(c, next), nil
	})
}

func setTags(c *model.Case, next []string) *model.Event {
	if slices.Equal(next, c.Tags) {
		return nil
	}
	ev := &model.Event{Kind: model.EventTags, From: strings.Join(c.Tags, ","), To: strings.Join(next, ",")}
	c.Tags = next
	return ev
}

// UpdateFields merges an RFC 7386 JSON merge patch into the case's fields.
func (s *Store) UpdateFields(t Target, patch []byte) (*model.Case, error) {
	return s.mutate(t, fieldsChange(patch))
}

// CaseUpdate is several changes to one case made at once (the HTTP API's
// PATCH): a fields merge patch, a new deadline, or both.
type CaseUpdate struct {
	Fields []byte         // a merge patch; nil: no change
	SLA    *time.Duration // a deadline from now (0: none); nil: no change
}

// UpdateCase applies every part of up to the case in one transaction.
func (s *Store) UpdateCase(t Target, up CaseUpdate) (*model.Case, error) {
	var fns []change
	if up.Fields != nil {
		fns = append(fns, fieldsChange(up.Fields))
	}
	if up.SLA != nil {
		fns = append(fns, slaChange(*up.SLA))
	}
	if len(fns) == 0 {
		return s.caseFor(t)
	}
	return s.mutate(t, fns...)
}

// caseFor is the case a no-op write names, checked like a write would be.
func (s *Store) caseFor(t Target) (*model.Case, error) {
	var out *model.Case
	err := s.view(func(x *txn) error {
		if _, err := x.actor(t.Actor); err != nil {
			return err
		}
		c, err := x.caseByRef(t.Case)
		if err == nil && t.Expect != 0 && t.Expect != c.Version {
			err = x.conflict(c, t.Expect)
		}
		out = c
		return err
	})
	return out, err
}

func fieldsChange(patch []byte) change {
	return func(x *txn, u model.User, c *model.Case) (*model.Event, error) {
		if err := model.Authorize(u, model.ActFields, c); err != nil {
			return nil, err
		}
		if len(patch) > x.s.maxCase {
			return nil, model.SizeLimitf("the patch", len(patch), x.s.maxCase)
		}
		if err := model.CheckJSON(patch); err != nil {
			return nil, model.Invalidf("the patch: %v", err)
		}
		merged, err := model.MergePatch(c.Fields, patch)
		if err != nil {
			return nil, err
		}
		if len(merged) > x.s.maxCase {
			return nil, model.SizeLimitf(c.Name+"'s fields with the patch merged", len(merged), x.s.maxCase)
		}
		if string(merged) == string(c.Fields) {
			return nil, nil
		}
		change := model.FieldsChange(c.Fields, merged)
		c.Fields = merged
		return &model.Event{Kind: model.EventFields, To: change}, nil
	}
}

// Attach stores the objects (once, by id) and attaches them to the case.
// An object already attached elsewhere makes the cases related.
func (s *Store) Attach(t Target, objects ...*model.Object) (*model.Case, error) {
	return s.mutate(t, func(x *txn, u model.User, c *model.Case) (*model.Event, error) {
		if err := model.Authorize(u, model.ActAttach, c); err != nil {
			return nil, err
		}
		var added, changes []string
		for _, o := range objects {
			if err := x.s.validateObject(o); err != nil {
				return nil, err
			}
			before, err := x.object(o.ID)
			if err != nil {
				return nil, err
			}
			if wrote, err := x.putObject(o); err != nil {
				return nil, err
			} else if wrote && before != nil {
				// Other cases holding the object hear that it changed; this
				// one, in its own event.
				what := describeObjectChange(before, o)
				changes = append(changes, what)
				if err := x.objectChanged(u.Name, o.ID, what, "", c.ID); err != nil {
					return nil, err
				}
			}
			if !c.HasObject(o.ID) {
				c.Objects = append(c.Objects, o.ObjectRef)
				added = append(added, o.ID)
				if err := x.be.Link(o.ID, c.ID); err != nil {
					return nil, err
				}
			}
		}
		if len(added) == 0 && len(changes) == 0 {
			return nil, nil
		}
		if err := x.refreshSubject(c); err != nil {
			return nil, err
		}
		return &model.Event{Kind: model.EventAttached, To: strings.Join(added, ","), Changes: changes}, nil
	})
}

func (s *Store) validateObject(o *model.Object) error {
	if err := model.ValidateID("the object id", o.ID); err != nil {
		return err
	}
	if n := len(o.Attributes) + len(o.Relationships); n > s.maxCase {
		return model.SizeLimitf("object "+o.ID, n, s.maxCase)
	}
	for _, part := range [][]byte{o.Attributes, o.Relationships} {
		if err := model.CheckJSON(part); err != nil {
			return model.Invalidf("object %s: %v", o.ID, err)
		}
	}
	if k, ok := model.KindOf(o.Type); !ok || k != o.Kind {
		return model.Invalidf("object %s: type %q is not one docket keeps (inquiry, account, report/…, verification/…, transaction)", o.ID, o.Type)
	}
	return nil
}

// Detach removes objects from the case; they stay stored for other cases
// that share them. Every id must be attached, or nothing is detached.
func (s *Store) Detach(t Target, objectIDs ...string) (*model.Case, error) {
	return s.mutate(t, func(x *txn, u model.User, c *model.Case) (*model.Event, error) {
		if err := model.Authorize(u, model.ActAttach, c); err != nil {
			return nil, err
		}
		if len(objectIDs) == 0 {
			return nil, model.Invalidf("no object ids given to detach from %s", c.Name)
		}
		for _, id := range objectIDs {
			if !c.HasObject(id) {
				return nil, model.NotFoundf("%s has no object %s attached", c.Name, id)
			}
			c.Objects = slices.DeleteFunc(c.Objects, func(r model.ObjectRef) bool { return r.ID == id })
			if err := x.be.Unlink(id, c.ID); err != nil {
				return nil, err
			}
		}
		if err := x.refreshSubject(c); err != nil {
			return nil, err
		}
		return &model.Event{Kind: model.EventDetached, From: strings.Join(objectIDs, ",")}, nil
	})
}

// AttachKnown attaches objects docket already holds, named by id; an id
// docket does not hold refuses the whole change.
func (s *Store) AttachKnown(t Target, objectIDs []string) (*model.Case, error) {
	return s.mutate(t, func(x *txn, u model.User, c *model.Case) (*model.Event, error) {
		if err := model.Authorize(u, model.ActAttach, c); err != nil {
			return nil, err
		}
		if len(objectIDs) == 0 {
			return nil, model.Invalidf("no object ids given to attach to %s", c.Name)
		}
		before := len(c.Objects)
		if err := x.attachKnown(c, objectIDs); err != nil {
			return nil, err
		}
		var added []string
		for _, r := range c.Objects[before:] {
			added = append(added, r.ID)
		}
		if len(added) == 0 {
			return nil, nil
		}
		return &model.Event{Kind: model.EventAttached, To: strings.Join(added, ",")}, nil
	})
}

// attachKnown links stored objects to c (those not yet attached).
func (x *txn) attachKnown(c *model.Case, ids []string) error {
	for _, id := range ids {
		if err := model.ValidateID("the object id", id); err != nil {
			return err
		}
		o, err := x.object(id)
		if err != nil {
			return err
		}
		if o == nil {
			return model.NotFoundf("docket holds no object %s; import or attach its document first", id)
		}
		if c.HasObject(id) {
			continue
		}
		c.Objects = append(c.Objects, o.ObjectRef)
		if err := x.be.Link(id, c.ID); err != nil {
			return err
		}
	}
	if len(ids) > 0 {
		return x.refreshSubject(c)
	}
	return nil
}

// checkText refuses free text over the size limit or not valid UTF-8.
func (s *Store) checkText(what, text string) error {
	if len(text) > s.maxCase {
		return model.SizeLimitf(what, len(text), s.maxCase)
	}
	if !utf8.ValidString(text) {
		return model.Invalidf("%s is not valid UTF-8", what)
	}
	return nil
}

// CommentLimit is the most a comment may hold, in bytes.
func (s *Store) CommentLimit() int { return s.maxCase }

// CheckComment says whether text would be refused as a comment (too long,
// not UTF-8) before it is sent, so a form can say so and keep the text.
func (s *Store) CheckComment(text string) error {
	return s.checkText("the comment", strings.TrimSpace(text))
}

// Comment adds a note to the case.
func (s *Store) Comment(t Target, body string) (*model.Case, error) {
	body = strings.TrimSpace(body)
	return s.mutate(t, func(x *txn, u model.User, c *model.Case) (*model.Event, error) {
		if err := model.Authorize(u, model.ActComment, c); err != nil {
			return nil, err
		}
		if body == "" {
			return nil, model.Invalidf("the comment is empty")
		}
		if err := x.s.checkText("the comment", body); err != nil {
			return nil, err
		}
		if _, err := x.addComment(c, model.Comment{Author: u.Name, Body: body, CreatedAt: x.now}); err != nil {
			return nil, err
		}
		return &model.Event{Kind: model.EventCommented, Comment: body}, nil
	})
}

// Redact drops the case's personal data: fields, the attributes of its
// objects, comment bodies and comment text in the audit trail. The audit
// skeleton (who did what, when) stays, and so do the digests of what was
// dropped, so the trail still verifies. Other cases holding a redacted
// object hear of it in their own trails. Close (or, after a crash, the
// next Open) compacts the file so the dropped bytes leave its free pages
// too.
func (s *Store) Redact(t Target) (*model.Case, error) {
	return s.mutate(t, func(x *txn, u model.User, c *model.Case) (*model.Event, error) {
		if err := model.Authorize(u, model.ActRedact, c); err != nil {
			return nil, err
		}
		if err := x.redactObjects(u, c); err != nil {
			return nil, err
		}
		if err := x.redactTrail(c); err != nil {
			return nil, err
		}
		c.Fields, c.Subject, c.References, c.Redacted = []byte("{}"), "", nil, true
		if err := x.be.NoteRedaction(); err != nil {
			return nil, err
		}
		return &model.Event{Kind: model.EventRedacted}, nil
	})
}

func (x *txn) redactObjects(u model.User, c *model.Case) error {
	for _, r := range c.Objects {
		o, err := x.object(r.ID)
		if err != nil || o == nil {
			return err
		}
		if o.Redacted {
			continue
		}
		o.Attributes, o.Relationships, o.Redacted = []byte("{}"), nil, true
		if _, err := x.putObject(o); err != nil {
			return err
		}
		// Other cases showing this person must not keep their name either.
		what := fmt.Sprintf("%s %s redacted with %s", r.Kind, r.ID, c.Name)
		if err := x.objectChanged(u.Name, r.ID, what, "", c.ID); err != nil {
			return err
		}
	}
	return nil
}

// redactTrail blanks comment bodies and the comment text of audit events,
// keeping their digests.
func (x *txn) redactTrail(c *model.Case) error {
	comments, err := x.be.Comments(c.ID)
	if err != nil {
		return err
	}
	for _, cm := range comments {
		cm.RedactText()
		if err := x.be.PutComment(cm); err != nil {
			return err
		}
	}
	if c.CommentsSum, err = x.commentsDigest(c.ID); err != nil {
		return err
	}
	events, err := x.be.Events(c.ID)
	if err != nil {
		return err
	}
	for _, e := range events {
		e.RedactText()
		if err := x.be.PutEvent(e); err != nil {
			return err
		}
	}
	return nil
}

// commentsDigest is the running digest of a case's comments, as stored.
func (x *txn) commentsDigest(caseID string) (string, error) {
	comments, err := x.be.Comments(caseID)
	if err != nil {
		return "", err
	}
	sum := ""
	for _, cm := range comments {
		sum = model.CommentsDigest(sum, cm.Sum)
	}
	return sum, nil
}
