// Package backend is the seam between docket's rules and the storage that
// keeps what they decide. Package store owns the operations and their
// rules (permission, workflow move, four-eyes, version check, audit event,
// hash chain, side effects) and runs each in one transaction of a backend:
// bbolt's buckets, the embedded default, or PostgreSQL's tables, for teams
// beyond one host. A backend stores and finds records natively and
// decides nothing; whatever a rule needs to read or write goes through Tx,
// so no rule is written twice. Package store reaches bbolt only through
// store/bolt and PostgreSQL only through store/pg.
package backend

import (
	"context"
	"errors"
	"time"

	"docket/model"
)

// DB is a backend's database, in which the rules run transactions.
type DB interface {
	// View runs fn in a read-only transaction.
	View(fn func(Tx) error) error
	// Update runs fn in a read-write transaction, committed when fn
	// returns nil and rolled back otherwise. fn may run more than once
	// (a backend may retry a transaction that met a concurrent one), so
	// it must set, not accumulate, what it returns.
	Update(fn func(Tx) error) error
}

// ErrContended is what an Update that gave up wraps when the transaction
// kept meeting concurrent ones (a backend that runs it again then, as
// PostgreSQL's does, ran out of attempts): nothing was written, and a
// shorter transaction may get through.
var ErrContended = errors.New("the transaction kept meeting concurrent ones")

// Tx is one transaction: what it writes is committed, or rolled back, as
// one. Reads see the transaction's own writes.
type Tx interface {
	Cases
	Users
	Trails
	Objects
	Workflows
	Counts
	State
	Credentials
	Requests
	Webhooks
	Queues
	Outbox
	Inbox
	// Finish writes what the transaction gathered along the way
	// (counters), just before it commits.
	Finish() error
	// NoteRedaction notes that the storage still holds what a redaction
	// removed (bbolt's free pages, PostgreSQL's dead rows) until it is
	// compacted.
	NoteRedaction() error
	// Bulk says the transaction writes many new records (an import, a
	// copy), for a storage that lays them out or sends them differently
	// then.
	Bulk()
}

// Cases keeps case records: each case's header, its fields (a JSON
// object, the enrichment), the claim on its name, and whatever finds it
// in the queues.
type Cases interface {
	// CaseHeader reads a case without its fields; nil when there is none.
	CaseHeader(id string) (*model.Case, error)
	// HasCase says whether a case exists.
	HasCase(id string) (bool, error)
	// CaseFields reads a case's fields.
	CaseFields(id string) ([]byte, error)
	// CaseNamed finds the case with a name, in any letter case.
	CaseNamed(name string) (id string, ok bool, err error)
	// PutCase writes c, given the case as it was (old; nil for a new
	// case): its record, its fields when they changed, its name claim,
	// and its place in every queue and count.
	PutCase(old, c *model.Case) error
	// CasesIn lists the ids of the cases of workflow wf in a status (its
	// stored spelling).
	CasesIn(wf, status string) ([]string, error)
	// EachCase calls fn with every case's header (its fields read apart,
	// with CaseFields), in id order, until fn fails.
	EachCase(fn func(c *model.Case) error) error
}

// Users keeps user records, each under its name, and the email claims that
// find a user by email.
type Users interface {
	// User reads one user; ok is false when there is none, and a record
	// that does not decode or match its digest is an error naming it.
	User(name string) (u model.User, ok bool, err error)
	// UserByEmail finds who claims an email, in any letter case.
	UserByEmail(email string) (name string, ok bool, err error)
	// PutUser writes the user and claims its email (if it has one).
	PutUser(u model.User) error
	// DropEmail releases an email claim.
	DropEmail(email string) error
	// EachUser calls fn with every user, in name order, until fn fails,
	// each as its record reads: a listing shows a user whose record no
	// longer matches its digest (User refuses it, check names it). bad
	// says a record does not decode at all; u then holds only the name.
	EachUser(fn func(u model.User, bad error) error) error
	// HasUsers says whether any user exists.
	HasUsers() (bool, error)
}

// Trails keeps each case's audit events and comments, in the order of
// their seq (an event's is the case version it produced).
type Trails interface {
	// Event reads one audit event; ok is false when there is none.
	Event(caseID string, seq int64) (e model.Event, ok bool, err error)
	// EventHash reads no more of one audit event than its hash, what the
	// next event chains onto (every change reads its predecessor's).
	EventHash(caseID string, seq int64) (hash string, ok bool, err error)
	// Events reads a case's audit trail, oldest first.
	Events(caseID string) ([]model.Event, error)
	// PutEvent writes an event under its case and seq, in place of one
	// there (a redaction rewrites events).
	PutEvent(e model.Event) error
	// Comments reads a case's comments, oldest first.
	Comments(caseID string) ([]model.Comment, error)
	// LastCommentSeq is the seq of a case's newest comment, 0 if none.
	LastCommentSeq(caseID string) (int64, error)
	// PutComment writes a comment under its case and seq, in place of one
	// there, and claims its id.
	PutComment(cm model.Comment) error
	// HasCommentID says whether a comment id is claimed.
	HasCommentID(id string) (bool, error)
	// EachCaseWithTrail calls fn with every case, in id order, whole: its
	// header with its fields, its audit events and its comments, in
	// order. A case whose events or comments do not decode comes with the
	// error (bad), and with what did.
	EachCaseWithTrail(fn func(c *model.Case, events []model.Event, comments []model.Comment, bad error) error) error
	// EachEvent calls fn with every audit event of every case, each
	// case's in order, with the case's header.
	EachEvent(fn func(c *model.Case, e model.Event) error) error
}

// Objects keeps the objects cases gather (inquiries, accounts, reports,
// ...), each stored once by id, and the links that attach them to cases.
type Objects interface {
	// Object reads one object; nil when there is none. A record that does
	// not decode is an error naming it.
	Object(id string) (*model.Object, error)
	// HasObject says whether an object (even a reference-only one) exists.
	HasObject(id string) (bool, error)
	// ObjectSum is an object's stored digest ("" when it has none).
	ObjectSum(id string) string
	// PutObject writes o unless the very same object is stored, and says
	// whether it wrote. In a bulk transaction (see Tx.Bulk) a backend may
	// say it wrote without asking: the rules write an object there only
	// when it differs from what they read.
	PutObject(o *model.Object) (bool, error)
	// Link attaches an object to a case; Unlink detaches it.
	Link(objectID, caseID string) error
	Unlink(objectID, caseID string) error
	// CasesOf lists the ids of the cases an object is attached to.
	CasesOf(objectID string) ([]string, error)
	// ObjectsIn reads the objects of ids that exist, in any order.
	ObjectsIn(ids []string) ([]*model.Object, error)
	// EachObject calls fn with every object, in id order, until fn fails.
	EachObject(fn func(o *model.Object) error) error
}

// Workflows keeps each workflow's YAML source, as it was loaded, and its
// digest.
type Workflows interface {
	// EachWorkflow calls fn with every stored workflow, by id; sum is ""
	// for one stored before workflows had digests.
	EachWorkflow(fn func(id string, src []byte, sum string) error) error
	// WorkflowSums is the digest of every stored workflow, by id: what a
	// process that keeps workflows in memory compares with its own.
	WorkflowSums() (map[string]string, error)
	// PutWorkflow stores a workflow's source and digest under its id.
	PutWorkflow(id string, src []byte, sum string) error
}

// Counts answers the counts the rules decide by, kept as cases move (see
// Cases.PutCase) and decisions are made.
type Counts interface {
	// OpenOf is the number of open cases assigned to user.
	OpenOf(user string) (int, error)
	// InStatus is the number of cases of workflow wf in a status.
	InStatus(wf, status string) (int, error)
	// DecidedOn is the number of decisions user made on day (a UTC
	// date); NoteDecision counts one more.
	DecidedOn(day time.Time, user string) (int, error)
	NoteDecision(day time.Time, user string) error
	// EachDecided calls fn with the decisions of every user on every day
	// that has any; PutDecided sets one such count (a copy's).
	EachDecided(fn func(day time.Time, user string, n int) error) error
	PutDecided(day time.Time, user string, n int) error
}

// State keeps the rules' own small records under names: whose turn a
// round robin is, when each reviewer last got a case, the last number
// given to each case name key, the cases an unavailable reviewer left.
type State interface {
	// State reads a record; nil when there is none.
	State(key string) ([]byte, error)
	PutState(key string, v []byte) error
	DropState(key string) error
	// EachState calls fn with every record whose key starts with prefix.
	EachState(prefix string, fn func(key string, v []byte) error) error
}

// Credentials keeps what users sign in with: SSH public keys, by user and
// fingerprint and found by fingerprint, and API tokens, by id, of which
// only a digest of the secret is kept. A record that does not decode or
// match its digest is an error naming it.
type Credentials interface {
	// Key reads one of user's keys.
	Key(user, fingerprint string) (k model.UserKey, ok bool, err error)
	// KeysOf lists user's keys.
	KeysOf(user string) ([]model.UserKey, error)
	// KeyOwner is who claims a key's fingerprint.
	KeyOwner(fingerprint string) (user string, ok bool, err error)
	// PutKey stores a key under its user and claims its fingerprint;
	// DropKey removes both.
	PutKey(k model.UserKey) error
	DropKey(user, fingerprint string) error
	// Token reads one token with the digest of its secret.
	Token(id string) (t model.APIToken, digest []byte, ok bool, err error)
	// EachToken calls fn with every token.
	EachToken(fn func(model.APIToken) error) error
	// PutToken stores a token; DropToken removes one.
	PutToken(t model.APIToken, digest []byte) error
	DropToken(id string) error
}

// Reply is what an idempotent request was answered with; Requests keeps
// it encoded as JSON.
type Reply struct {
	Digest   string    `json:"digest"`
	At       time.Time `json:"at"`
	Case     string    `json:"case,omitempty"` // the case the request changed
	Done     bool      `json:"done"`           // the reply is saved
	Status   int       `json:"status,omitempty"`
	ETag     string    `json:"etag,omitempty"`
	Location string    `json:"location,omitempty"`
	Body     []byte    `json:"body,omitempty"`
}

// Requests keeps the replies to requests made with an Idempotency-Key, by
// user and key, as the rules encode them (a Reply's JSON), each with when
// it was made.
type Requests interface {
	// Reply reads a reply; nil when there is none.
	Reply(user, key string) ([]byte, error)
	PutReply(user, key string, at time.Time, reply []byte) error
	// PruneReplies forgets at most max replies made by cutoff, oldest
	// first (one claimed again since keeps its newer time).
	PruneReplies(cutoff time.Time, max int) error
	// EachReply calls fn with every reply kept.
	EachReply(fn func(user, key string, reply []byte) error) error
}

// Webhooks keeps the subscriptions to docket's events, each with the
// secrets its deliveries are signed with. A record that does not match
// its digest is an error naming it, given with what it reads as.
type Webhooks interface {
	Webhook(id string) (w model.Webhook, secrets [][]byte, ok bool, err error)
	// EachWebhook calls fn with every subscription, or with the reason
	// one cannot be read.
	EachWebhook(fn func(w model.Webhook, secrets [][]byte, bad error) error) error
	PutWebhook(w model.Webhook, secrets [][]byte) error
	DropWebhook(id string) error
	WebhookCount() (int, error)
}

// Queues lists cases: a page of a selection in its order, from a cursor,
// and counts. A listing may be cancelled through its context.
type Queues interface {
	List(ctx context.Context, sel Selection) (Page, error)
	// Count is how many cases the selection holds.
	Count(ctx context.Context, sel Selection) (int, error)
	// Overdue is how many open cases of the selection were due before now.
	Overdue(sel Selection, now time.Time) (int, error)
	// QueueCounts is the number of cases in each named queue for actor.
	QueueCounts(actor string) (map[string]int, error)
	// OldestOpenOf is when the oldest open case assigned to user was
	// created (zero when they have none).
	OldestOpenOf(user string) (time.Time, error)
	// Claimable lists up to limit unassigned open cases (of workflow, when
	// given) in deadline order, after the position after, and the position
	// of the last (nil when no more follow). Where several processes claim
	// at once, the ones handed out are held until the transaction ends
	// and left out of every other's list (PostgreSQL: FOR UPDATE SKIP
	// LOCKED), so concurrent claimers take different cases.
	Claimable(workflow string, after []byte, limit int) (ids []string, next []byte, err error)
}

// Outbox keeps the deliveries of docket's events to webhook subscriptions:
// each delivery's record (its state and attempts), and, while it is
// pending, the document it sends and its place in its subscription's
// queue, by its next attempt.
type Outbox interface {
	// QueueDelivery gives d the next delivery id and stores it, pending,
	// with the document it sends.
	QueueDelivery(d *model.Delivery, doc []byte) error
	// Delivery reads one delivery.
	Delivery(id string) (d model.Delivery, ok bool, err error)
	// UpdateDelivery rewrites a delivery read as was: one still pending is
	// queued by its new next attempt, one no longer pending leaves the
	// queue and drops its document.
	UpdateDelivery(was, d model.Delivery) error
	// DeliveryDoc reads a pending delivery's document; PutDeliveryDoc
	// replaces it.
	DeliveryDoc(id string) ([]byte, error)
	PutDeliveryDoc(id string, doc []byte) error
	// PendingOf calls fn with a subscription's pending deliveries in the
	// order of their next attempt, at most max of them, until fn says no
	// more.
	PendingOf(webhook string, max int, fn func(model.Delivery) (more bool, err error)) error
	// EachPending calls fn with every pending delivery.
	EachPending(fn func(model.Delivery) error) error
	// NextDue is the earliest next attempt of any pending delivery.
	NextDue() (at time.Time, ok bool, err error)
	// EachDelivery calls fn with the delivery records, newest first, until
	// fn says no more.
	EachDelivery(fn func(model.Delivery) (more bool, err error)) error
	// PruneDeliveries deletes, oldest first and at most max, the records
	// of deliveries created by cutoff and ended before it, and says how many.
	PruneDeliveries(cutoff time.Time, max int) (int, error)
	// PutDelivery stores a delivery under its own id, as another
	// database gave it (a copy), with its document while it is pending;
	// the ids QueueDelivery gives later follow it.
	PutDelivery(d model.Delivery, doc []byte) error
	// LastDeliveryID is the last delivery id given (0 for none), pruned
	// deliveries' included; KeepDeliveryIDsAfter makes the ids given later
	// follow n (a copy's), so that none is given twice.
	LastDeliveryID() (uint64, error)
	KeepDeliveryIDsAfter(n uint64) error
}

// Inbox keeps a receipt of each webhook event received, by its id, for as
// long as a repeat must be known (see PruneReceipts); counts of the events
// received by name and outcome; and, for each object a webhook applied,
// the time its copy was current.
type Inbox interface {
	Receipt(id string) (EventReceipt, bool, error)
	// PutReceipt writes a receipt; first says it is the event's first
	// delivery, from whose time on it is kept.
	PutReceipt(rec EventReceipt, first bool) error
	// CountEvent counts one more event of a name with an outcome.
	CountEvent(name, outcome string, at time.Time) error
	EventCounts() ([]EventCount, error)
	// RecentReceipts lists the latest events first received, newest first.
	RecentReceipts(limit int) ([]EventReceipt, error)
	// PruneReceipts forgets, oldest first and at most max, the receipts
	// of events first received by cutoff.
	PruneReceipts(cutoff time.Time, max int) error
	ObjectAsOf(id string) (time.Time, bool, error)
	NoteObjectAsOf(id string, at time.Time) error
	// EachObjectAsOf calls fn with every object's noted time.
	EachObjectAsOf(fn func(id string, at time.Time) error) error
	// PutEventCount sets the counts of one event name (a copy's).
	PutEventCount(n EventCount) error
}

// What receiving a webhook event did.
const (
	OutcomeApplied   = "applied"   // a case or object changed
	OutcomeUnchanged = "unchanged" // nothing newer than what docket holds
	OutcomeUnused    = "unused"    // an event docket has no use for
	OutcomeRefused   = "refused"   // refused by a rule; a repeat is tried again
)

// EventReceipt is what docket did with one received event.
type EventReceipt struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Type       string    `json:"type,omitempty"`
	CreatedAt  time.Time `json:"created_at"`  // when Persona made the event
	ReceivedAt time.Time `json:"received_at"` // its first delivery
	LastAt     time.Time `json:"last_at"`     // its last delivery that was not a repeat of a settled one
	Attempts   int       `json:"attempts"`    // deliveries until it settled (refused ones are tried again)
	Outcome    string    `json:"outcome"`
	Detail     string    `json:"detail,omitempty"`
	Cases      []string  `json:"cases,omitempty"` // the ids of the cases it changed
}

// EventCount is how many events of one name were received, by outcome.
// A refused event counts once per delivery; the others once.
type EventCount struct {
	Name      string    `json:"name"`
	Applied   int64     `json:"applied"`
	Unchanged int64     `json:"unchanged"`
	Unused    int64     `json:"unused"`
	Refused   int64     `json:"refused"`
	Last      time.Time `json:"last"`
}
