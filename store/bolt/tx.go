package bolt

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bbolt "go.etcd.io/bbolt"

	"docket/model"
	"docket/store/backend"
)

// boltTx is the bbolt backend's transaction (backend.Tx), over the
// buckets this package lays out (see bolt.go).
type boltTx struct {
	tx    *bbolt.Tx
	db    *bbolt.DB    // for a second read transaction beside tx (see walkFromBothEnds)
	path  string       // the file, for naming damage
	users *sync.Map    // name -> decodedUser, shared by the DB's transactions; nil for none
	noted *atomic.Bool // set by NoteRedaction (see DB.Close); nil for none
	// eventsApart: the file is being upgraded from before schema 5, whose
	// audit events are still in a bucket of their own.
	eventsApart bool
	bulk        bool             // a bulk load: pack pages fuller (see bucket)
	deltas      map[string]int64 // counter changes not yet written (see addCount)
}

// sibling is a read transaction like b on another bbolt transaction.
func (b *boltTx) sibling(tx *bbolt.Tx) *boltTx {
	return &boltTx{tx: tx, db: b.db, path: b.path, users: b.users, eventsApart: b.eventsApart}
}

// bucket opens a bucket. A bulk load mostly appends (new cases are newer
// than the ones before), where bbolt's default of splitting pages half
// full would leave the file half empty.
func (b *boltTx) bucket(name []byte) *bbolt.Bucket {
	bk := b.tx.Bucket(name)
	if b.bulk {
		bk.FillPercent = 0.9
	}
	return bk
}

// Finish writes the counter changes the transaction gathered.
func (b *boltTx) Finish() error {
	if err := b.flushCounts(); err != nil {
		return err
	}
	return b.foldStatusMovesIfFull()
}

var _ backend.Tx = (*boltTx)(nil)

// boltTx is a backend transaction on bbolt's tx.
func (d *DB) boltTx(tx *bbolt.Tx) *boltTx {
	return &boltTx{tx: tx, db: d.db, path: d.path, users: &d.users, noted: &d.redacted, eventsApart: d.eventsApart}
}

// View runs fn in a read transaction.
func (d *DB) View(fn func(backend.Tx) error) error {
	return backend.Guard(d.path, func() error {
		return d.db.View(func(tx *bbolt.Tx) error { return fn(d.boltTx(tx)) })
	})
}

// Update runs fn in a write transaction. It writes only into the file
// this DB opened, at the commit it last made (see checkHeld), and after
// the commit makes sure the file is still the one at the path: one
// renamed over it meanwhile lost the write.
func (d *DB) Update(fn func(backend.Tx) error) error {
	err := backend.Guard(d.path, func() error {
		return d.db.Update(func(tx *bbolt.Tx) error {
			if err := d.checkHeld(tx); err != nil {
				return err
			}
			return fn(d.boltTx(tx))
		})
	})
	if err == nil {
		if err = stillAt(d.held, d.path); err != nil {
			err = fmt.Errorf("%w; the change just made is not in it", err)
		}
	}
	return err
}

// decodedUser is a user record with what it decodes to: every change
// reads its actor, and decoding and verifying the record cost more than
// comparing its bytes with the last ones seen.
type decodedUser struct {
	raw  []byte
	user model.User
}

func (b *boltTx) User(name string) (model.User, bool, error) {
	raw := b.bucket(bUsers).Get([]byte(name))
	if raw == nil {
		return model.User{}, false, nil
	}
	if b.users != nil {
		if d, ok := b.users.Load(name); ok && bytes.Equal(d.(decodedUser).raw, raw) {
			u := d.(decodedUser).user
			u.Teams = slices.Clone(u.Teams)
			return u, true, nil
		}
	}
	u, err := decodeUser(raw)
	if err != nil {
		return u, true, backend.Damaged(b.path, fmt.Sprintf("user %s: %v", name, err))
	}
	if b.users != nil {
		b.users.Store(name, decodedUser{bytes.Clone(raw), u})
		u.Teams = slices.Clone(u.Teams)
	}
	return u, true, nil
}

func (b *boltTx) UserByEmail(email string) (string, bool, error) {
	name := b.bucket(bEmails).Get([]byte(strings.ToLower(email)))
	return string(name), name != nil, nil
}

func (b *boltTx) PutUser(u model.User) error {
	raw, err := encodeUser(u)
	if err != nil {
		return err
	}
	if err := b.bucket(bUsers).Put([]byte(u.Name), raw); err != nil {
		return err
	}
	if u.Email != "" {
		return b.bucket(bEmails).Put([]byte(strings.ToLower(u.Email)), []byte(u.Name))
	}
	return nil
}

func (b *boltTx) DropEmail(email string) error {
	return b.bucket(bEmails).Delete([]byte(strings.ToLower(email)))
}

func (b *boltTx) EachUser(fn func(model.User, error) error) error {
	return b.bucket(bUsers).ForEach(func(k, v []byte) error {
		var su storedUser
		if err := json.Unmarshal(v, &su); err != nil {
			return fn(model.User{Name: string(k)}, backend.Damaged(b.path, fmt.Sprintf("user %s: the record does not decode: %v", k, err)))
		}
		return fn(su.User, nil)
	})
}

func (b *boltTx) HasUsers() (bool, error) {
	if b.tx.Bucket(bUsers) == nil {
		return false, nil // not a whole docket file (see Lock)
	}
	k, _ := b.bucket(bUsers).Cursor().First()
	return k != nil, nil
}

// events is the bucket of the audit events: since schema 5 the cases
// bucket, where a case's events (caseID \0 seq) sort right after its
// header (caseID) and row summary (caseID \0), so a change and its event
// dirty one leaf.
func (b *boltTx) events() *bbolt.Bucket {
	if b.eventsApart {
		return b.bucket(bEventsApart)
	}
	return b.bucket(bCases)
}

func (b *boltTx) Event(caseID string, seq int64) (model.Event, bool, error) {
	var e model.Event
	ok, err := getJSON(b.events(), seqKey(caseID, seq), &e)
	return e, ok, err
}

func (b *boltTx) EventHash(caseID string, seq int64) (string, bool, error) {
	var e struct {
		Hash string `json:"hash"`
	}
	ok, err := getJSON(b.events(), seqKey(caseID, seq), &e)
	return e.Hash, ok, err
}

func (b *boltTx) Events(caseID string) ([]model.Event, error) {
	var out []model.Event
	err := readSeq(b.events(), caseID, &out) // not in the return: its operands have no set order
	return out, err
}

func (b *boltTx) PutEvent(e model.Event) error {
	return putJSON(b.events(), seqKey(e.CaseID, e.Seq), e)
}

func (b *boltTx) Comments(caseID string) ([]model.Comment, error) {
	var out []model.Comment
	err := readSeq(b.bucket(bComments), caseID, &out) // not in the return: its operands have no set order
	return out, err
}

func (b *boltTx) LastCommentSeq(caseID string) (int64, error) {
	cur := b.bucket(bComments).Cursor()
	k, _ := cur.Seek(seqKey(caseID, 1<<62))
	if k == nil {
		k, _ = cur.Last()
	} else {
		k, _ = cur.Prev()
	}
	p := append([]byte(caseID), 0)
	if k == nil || !bytes.HasPrefix(k, p) || len(k) != len(p)+8 {
		return 0, nil
	}
	return int64(binary.BigEndian.Uint64(k[len(p):])), nil
}

func (b *boltTx) PutComment(cm model.Comment) error {
	if err := putJSON(b.bucket(bComments), seqKey(cm.CaseID, cm.Seq), cm); err != nil {
		return err
	}
	return b.bucket(bCommentID).Put([]byte(cm.ID), seqKey(cm.CaseID, cm.Seq))
}

func (b *boltTx) HasCommentID(id string) (bool, error) {
	return b.bucket(bCommentID).Get([]byte(id)) != nil, nil
}

// readSeq decodes every caseID \0 seq record of a bucket, in order.
func readSeq[T any](b *bbolt.Bucket, caseID string, out *[]T) error {
	p := append([]byte(caseID), 0)
	cur := b.Cursor()
	// From seq 0: past the case's row summary (caseID \0) in the cases bucket.
	for k, v := cur.Seek(seqKey(caseID, 0)); k != nil && bytes.HasPrefix(k, p) && len(k) == len(p)+8; k, v = cur.Next() {
		var item T
		if err := json.Unmarshal(v, &item); err != nil {
			return err
		}
		*out = append(*out, item)
	}
	return nil
}

// rewriteSeq replaces every caseID \0 seq record of b with fn's result.
func rewriteSeq(b *bbolt.Bucket, caseID string, fn func([]byte) (any, error)) error {
	p := append([]byte(caseID), 0)
	type rec struct{ k, v []byte }
	var recs []rec
	cur := b.Cursor()
	// From seq 0: past the case's row summary (caseID \0) in the cases bucket.
	for k, v := cur.Seek(seqKey(caseID, 0)); k != nil && bytes.HasPrefix(k, p) && len(k) == len(p)+8; k, v = cur.Next() {
		recs = append(recs, rec{bytes.Clone(k), bytes.Clone(v)})
	}
	for _, r := range recs {
		v, err := fn(r.v)
		if err != nil {
			return err
		}
		if err := putJSON(b, r.k, v); err != nil {
			return err
		}
	}
	return nil
}

func (b *boltTx) Object(id string) (*model.Object, error) {
	raw := b.bucket(bObjects).Get([]byte(id))
	if raw == nil {
		return nil, nil
	}
	o, err := decodeObject(raw)
	if err != nil {
		return nil, fmt.Errorf("object %s: %w", id, err)
	}
	return o, nil
}

func (b *boltTx) HasObject(id string) (bool, error) {
	return b.bucket(bObjects).Get([]byte(id)) != nil, nil
}

func (b *boltTx) ObjectSum(id string) string {
	return objectSumOf(b.bucket(bObjects).Get([]byte(id)))
}

func (b *boltTx) PutObject(o *model.Object) (bool, error) {
	raw := encodeObject(o)
	if bytes.Equal(b.bucket(bObjects).Get([]byte(o.ID)), raw) {
		return false, nil
	}
	return true, b.bucket(bObjects).Put([]byte(o.ID), raw)
}

func linkKey(objectID, caseID string) []byte {
	return append(append([]byte(objectID), 0), caseID...)
}

func (b *boltTx) Link(objectID, caseID string) error {
	return b.bucket(bLinks).Put(linkKey(objectID, caseID), nil)
}

func (b *boltTx) Unlink(objectID, caseID string) error {
	return b.bucket(bLinks).Delete(linkKey(objectID, caseID))
}

func (b *boltTx) CasesOf(objectID string) ([]string, error) {
	p := append([]byte(objectID), 0)
	var ids []string
	cur := b.bucket(bLinks).Cursor()
	for k, _ := cur.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = cur.Next() {
		ids = append(ids, string(k[len(p):]))
	}
	return ids, nil
}

func (b *boltTx) CaseHeader(id string) (*model.Case, error) {
	raw := b.bucket(bCases).Get([]byte(id))
	if raw == nil {
		return nil, nil
	}
	c, err := decodeCase(raw)
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", id, err)
	}
	return c, nil
}

func (b *boltTx) HasCase(id string) (bool, error) {
	return b.bucket(bCases).Get([]byte(id)) != nil, nil
}

func (b *boltTx) CaseFields(id string) ([]byte, error) {
	return bytes.Clone(b.bucket(bFields).Get([]byte(id))), nil
}

func (b *boltTx) CaseNamed(name string) (string, bool, error) {
	id := b.bucket(bNames).Get([]byte(strings.ToUpper(name)))
	return string(id), id != nil, nil
}

// PutCase writes the header and, beside it, the row summary; the fields
// when they changed; the name claim; the index entries and counts.
func (b *boltTx) PutCase(old, c *model.Case) error {
	if old == nil || !bytes.Equal(old.Fields, c.Fields) {
		if err := b.bucket(bFields).Put([]byte(c.ID), c.Fields); err != nil {
			return err
		}
	}
	summary := encodeSummary(c)
	if err := b.bucket(bCases).Put([]byte(c.ID), encodeCase(c)); err != nil {
		return err
	}
	if err := b.bucket(bCases).Put(summaryKey(c.ID), summary); err != nil {
		return err
	}
	if old == nil || old.Name != c.Name {
		if old != nil {
			if err := b.bucket(bNames).Delete([]byte(strings.ToUpper(old.Name))); err != nil {
				return err
			}
		}
		if err := b.bucket(bNames).Put([]byte(strings.ToUpper(c.Name)), []byte(c.ID)); err != nil {
			return err
		}
	}
	return b.reindex(old, c, summary)
}

func (b *boltTx) EachWorkflow(fn func(id string, src []byte, sum string) error) error {
	return b.bucket(bWorkflows).ForEach(func(k, v []byte) error {
		src, sum := splitWorkflow(v)
		return fn(string(k), bytes.Clone(src), sum)
	})
}

func (b *boltTx) PutWorkflow(id string, src []byte, sum string) error {
	return b.bucket(bWorkflows).Put([]byte(id), append(bytes.Clone(src), workflowSumMark+sum+"\n"...))
}

// A workflow is stored as its YAML source with a last line, a YAML
// comment, holding the digest of the rest.
const workflowSumMark = "\n# docket-sum: "

// splitWorkflow parts a stored workflow into its source and digest ("" if
// it was stored before workflows had digests).
func splitWorkflow(raw []byte) ([]byte, string) {
	i := bytes.LastIndex(raw, []byte(workflowSumMark))
	if i < 0 {
		return raw, ""
	}
	return raw[:i], strings.TrimSpace(string(raw[i+len(workflowSumMark):]))
}

func (b *boltTx) OpenOf(user string) (int, error) { return b.count(pAssignee(user, true)), nil }

func (b *boltTx) InStatus(wf, status string) (int, error) { return b.count(pStatus(wf, status)), nil }

func (b *boltTx) DecidedOn(day time.Time, user string) (int, error) {
	return b.count(dayKey(day, user)), nil
}

func (b *boltTx) NoteDecision(day time.Time, user string) error {
	b.addCount(dayKey(day, user), 1)
	return nil
}

// State records live in the meta bucket, under their names.
func (b *boltTx) State(key string) ([]byte, error) {
	return bytes.Clone(b.bucket(bMeta).Get([]byte(key))), nil
}

func (b *boltTx) PutState(key string, v []byte) error { return b.bucket(bMeta).Put([]byte(key), v) }

func (b *boltTx) DropState(key string) error { return b.bucket(bMeta).Delete([]byte(key)) }

// SSH keys: bKeys holds them by user (user \0 fingerprint), bKeyIndex
// the fingerprint claims. A database opened read-only from before keys or
// tokens existed has no such buckets: none.

func (b *boltTx) PutKey(k model.UserKey) error {
	raw, err := encodeKey(k)
	if err != nil {
		return err
	}
	if err := b.bucket(bKeys).Put(keyKey(k.User, k.Fingerprint), raw); err != nil {
		return err
	}
	return b.bucket(bKeyIndex).Put([]byte(k.Fingerprint), []byte(k.User))
}

func (b *boltTx) DropKey(user, fingerprint string) error {
	if err := b.bucket(bKeys).Delete(keyKey(user, fingerprint)); err != nil {
		return err
	}
	return b.bucket(bKeyIndex).Delete([]byte(fingerprint))
}

func (b *boltTx) KeyOwner(fingerprint string) (string, bool, error) {
	idx := b.tx.Bucket(bKeyIndex)
	if idx == nil {
		return "", false, nil
	}
	owner := idx.Get([]byte(fingerprint))
	return string(owner), owner != nil, nil
}

func (b *boltTx) Key(user, fingerprint string) (model.UserKey, bool, error) {
	bk := b.tx.Bucket(bKeys)
	if bk == nil {
		return model.UserKey{}, false, nil
	}
	raw := bk.Get(keyKey(user, fingerprint))
	if raw == nil {
		return model.UserKey{}, false, nil
	}
	k, err := decodeKey(raw)
	if err != nil {
		return k, true, backend.Damaged(b.path, fmt.Sprintf("SSH key %s of %s: %v", fingerprint, user, err))
	}
	return k, true, nil
}

func (b *boltTx) KeysOf(user string) ([]model.UserKey, error) {
	out := []model.UserKey{}
	bk := b.tx.Bucket(bKeys)
	if bk == nil {
		return out, nil
	}
	p := append([]byte(user), 0)
	cur := bk.Cursor()
	for k, v := cur.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = cur.Next() {
		key, err := decodeKey(v)
		if err != nil {
			return nil, backend.Damaged(b.path, fmt.Sprintf("SSH key %s of %s: %v", k[len(p):], user, err))
		}
		out = append(out, key)
	}
	return out, nil
}

func (b *boltTx) PutToken(t model.APIToken, digest []byte) error {
	raw, err := json.Marshal(storedToken{t, digest, tokenSum(t, digest)})
	if err != nil {
		return err
	}
	return b.bucket(bTokens).Put([]byte(t.ID), raw)
}

func (b *boltTx) DropToken(id string) error { return b.bucket(bTokens).Delete([]byte(id)) }

func (b *boltTx) Token(id string) (model.APIToken, []byte, bool, error) {
	bk := b.tx.Bucket(bTokens)
	if bk == nil {
		return model.APIToken{}, nil, false, nil
	}
	raw := bk.Get([]byte(id))
	if raw == nil {
		return model.APIToken{}, nil, false, nil
	}
	t, digest, err := decodeToken(raw)
	if err != nil {
		return t, nil, true, backend.Damaged(b.path, fmt.Sprintf("API token %s: %v", id, err))
	}
	return t, digest, true, nil
}

func (b *boltTx) EachToken(fn func(model.APIToken) error) error {
	bk := b.tx.Bucket(bTokens)
	if bk == nil {
		return nil
	}
	return bk.ForEach(func(k, v []byte) error {
		t, _, err := decodeToken(v)
		if err != nil {
			return backend.Damaged(b.path, fmt.Sprintf("API token %s: %v", k, err))
		}
		return fn(t)
	})
}

// Replies to idempotent requests: bRequests by user \0 key, bReqTimes
// their times (see expireOldest). A file opened read-only from before
// requests existed has no such bucket.

func requestKey(user, key string) []byte { return append(append([]byte(user), 0), key...) }

func (b *boltTx) Reply(user, key string) ([]byte, error) {
	bk := b.tx.Bucket(bRequests)
	if bk == nil {
		return nil, nil
	}
	return bytes.Clone(bk.Get(requestKey(user, key))), nil
}

func (b *boltTx) PutReply(user, key string, at time.Time, reply []byte) error {
	k := requestKey(user, key)
	if err := b.bucket(bRequests).Put(k, reply); err != nil {
		return err
	}
	return b.bucket(bReqTimes).Put(expiryKey(at, k), nil)
}

// PruneReplies drops a reply only if it was itself made by cutoff: a
// key claimed again after it expired has a newer time entry, and its old
// one must not take the new reply with it.
func (b *boltTx) PruneReplies(cutoff time.Time, max int) error {
	replies := b.bucket(bRequests)
	return expireOldest(b.bucket(bReqTimes), cutoff, max, func(key []byte) error {
		var made struct {
			At time.Time `json:"at"`
		}
		if raw := replies.Get(key); raw != nil && json.Unmarshal(raw, &made) == nil && !made.At.After(cutoff) {
			return replies.Delete(key)
		}
		return nil
	})
}

// Webhooks: bWebhooks by id, each record with its digest (see
// decodeWebhook). A file opened read-only from before webhooks existed
// has no bucket: none.

func (b *boltTx) Webhook(id string) (model.Webhook, [][]byte, bool, error) {
	bk := b.tx.Bucket(bWebhooks)
	if bk == nil {
		return model.Webhook{}, nil, false, nil
	}
	raw := bk.Get([]byte(id))
	if raw == nil {
		return model.Webhook{}, nil, false, nil
	}
	h, err := decodeWebhook(raw)
	if err != nil {
		return h.Webhook, h.Secrets, true, backend.Damaged(b.path, fmt.Sprintf("webhook %s: %v", id, err))
	}
	return h.Webhook, h.Secrets, true, nil
}

func (b *boltTx) EachWebhook(fn func(model.Webhook, [][]byte, error) error) error {
	bk := b.tx.Bucket(bWebhooks)
	if bk == nil {
		return nil
	}
	return bk.ForEach(func(k, v []byte) error {
		h, err := decodeWebhook(v)
		if err != nil {
			err = fmt.Errorf("webhook %s: %w", k, err)
		}
		return fn(h.Webhook, h.Secrets, err)
	})
}

func (b *boltTx) PutWebhook(w model.Webhook, secrets [][]byte) error {
	raw, err := json.Marshal(storedWebhook{w, secrets, webhookSum(w, secrets)})
	if err != nil {
		return err
	}
	return b.bucket(bWebhooks).Put([]byte(w.ID), raw)
}

func (b *boltTx) DropWebhook(id string) error { return b.bucket(bWebhooks).Delete([]byte(id)) }

func (b *boltTx) WebhookCount() (int, error) {
	bk := b.tx.Bucket(bWebhooks)
	if bk == nil {
		return 0, nil
	}
	return bk.Stats().KeyN, nil
}

func (b *boltTx) CasesIn(wf, status string) ([]string, error) {
	var ids []string
	sc := newScanner(b.tx, pStatus(wf, status), orderDeadline, false, position{})
	for ; sc.key != nil; sc.next() {
		ids = append(ids, caseIDOf(orderDeadline, sc.key))
	}
	return slices.Compact(ids), nil
}

// EachEvent walks the events where they lie, beside their cases (see
// events), so each case's header is read once, when its first event
// comes by.
func (b *boltTx) EachEvent(fn func(*model.Case, model.Event) error) error {
	var c *model.Case
	cur := b.events().Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		if !isEventKey(k) {
			continue // a case's header or row summary
		}
		id := k[:bytes.IndexByte(k, 0)]
		if c == nil || c.ID != string(id) {
			var err error
			if c, err = b.mustCase(string(id)); err != nil {
				return err
			}
		}
		var e model.Event
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("audit event %d of case %s: %w", binary.BigEndian.Uint64(k[len(id)+1:]), id, err)
		}
		if err := fn(c, e); err != nil {
			return err
		}
	}
	return nil
}

// The outbox: bOutbox holds each delivery's record under its sequence
// number (the id), bOutboxDoc the document of a pending one, bOutboxDue
// the pending ones by subscription and next attempt (see dueKey). A file
// opened read-only from before webhooks existed has none of them.

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

func (b *boltTx) putDelivery(d model.Delivery) error {
	k, ok := deliverySeq(d.ID)
	if !ok {
		return fmt.Errorf("delivery id %q", d.ID)
	}
	return putJSON(b.bucket(bOutbox), k, d)
}

// delivery reads one delivery by its bucket key.
func (b *boltTx) delivery(k []byte) (model.Delivery, bool, error) {
	var d model.Delivery
	bk := b.tx.Bucket(bOutbox)
	if bk == nil {
		return d, false, nil
	}
	ok, err := getJSON(bk, k, &d)
	if err != nil {
		err = backend.Damaged(b.path, fmt.Sprintf("webhook delivery %d: %v", binary.BigEndian.Uint64(k), err))
	}
	return d, ok, err
}

func (b *boltTx) QueueDelivery(d *model.Delivery, doc []byte) error {
	seq, err := b.bucket(bOutbox).NextSequence()
	if err != nil {
		return err
	}
	d.ID = strconv.FormatUint(seq, 10)
	if err := b.putDelivery(*d); err != nil {
		return err
	}
	if err := b.bucket(bOutboxDoc).Put(seqBytes(seq), doc); err != nil {
		return err
	}
	return b.bucket(bOutboxDue).Put(dueKey(*d), nil)
}

func (b *boltTx) Delivery(id string) (model.Delivery, bool, error) {
	k, ok := deliverySeq(id)
	if !ok {
		return model.Delivery{}, false, nil
	}
	return b.delivery(k)
}

func (b *boltTx) UpdateDelivery(was, d model.Delivery) error {
	if was.State == model.DeliveryPending {
		if err := b.bucket(bOutboxDue).Delete(dueKey(was)); err != nil {
			return err
		}
	}
	if d.State == model.DeliveryPending {
		if err := b.bucket(bOutboxDue).Put(dueKey(d), nil); err != nil {
			return err
		}
	} else if k, ok := deliverySeq(d.ID); ok {
		if err := b.bucket(bOutboxDoc).Delete(k); err != nil {
			return err
		}
	}
	return b.putDelivery(d)
}

func (b *boltTx) DeliveryDoc(id string) ([]byte, error) {
	k, ok := deliverySeq(id)
	docs := b.tx.Bucket(bOutboxDoc)
	if !ok || docs == nil {
		return nil, nil
	}
	return bytes.Clone(docs.Get(k)), nil
}

func (b *boltTx) PutDeliveryDoc(id string, doc []byte) error {
	k, ok := deliverySeq(id)
	if !ok {
		return fmt.Errorf("delivery id %q", id)
	}
	return b.bucket(bOutboxDoc).Put(k, doc)
}

func (b *boltTx) PendingOf(webhook string, max int, fn func(model.Delivery) (bool, error)) error {
	due := b.tx.Bucket(bOutboxDue)
	if due == nil {
		return nil
	}
	p := append([]byte(webhook), 0)
	// The queue is read a few keys at a time, each batch before fn sees any
	// of it (fn may change the queue), so that a look that stops at once
	// (nothing due yet) reads few. A delivery fn moved further down the
	// queue is not given again.
	var last []byte        // the last key read
	var given map[int]bool // the deliveries given (by seq) that fn wanted more after
	read, batch := 0, 8
	for read < max {
		var keys [][]byte
		cur := due.Cursor()
		k, _ := cur.Seek(p)
		if last != nil {
			if k, _ = cur.Seek(last); bytes.Equal(k, last) {
				k, _ = cur.Next()
			}
		}
		for ; k != nil && bytes.HasPrefix(k, p) && len(keys) < batch && read < max; k, _ = cur.Next() {
			if _, dk := dueAt(k[len(p):]); dk != nil {
				keys = append(keys, bytes.Clone(dk))
				read++
			}
			last = append(last[:0], k...)
		}
		if len(keys) == 0 {
			return nil
		}
		for _, k := range keys {
			seq := int(binary.BigEndian.Uint64(k))
			if given != nil && given[seq] {
				continue
			}
			d, ok, err := b.delivery(k)
			if err != nil {
				return err
			}
			if !ok || d.State != model.DeliveryPending {
				continue
			}
			if more, err := fn(d); err != nil || !more {
				return err
			}
			if given == nil {
				given = map[int]bool{}
			}
			given[seq] = true
		}
		batch = min(batch*4, 4096)
	}
	return nil
}

func (b *boltTx) EachPending(fn func(model.Delivery) error) error {
	due := b.tx.Bucket(bOutboxDue)
	if due == nil {
		return nil
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
		d, ok, err := b.delivery(k)
		if err != nil {
			return err
		}
		if ok {
			if err := fn(d); err != nil {
				return err
			}
		}
	}
	return nil
}

// NextDue reads the first due key of each subscription (keys are grouped
// by subscription, each group in time order).
func (b *boltTx) NextDue() (time.Time, bool, error) {
	var next time.Time
	found := false
	due := b.tx.Bucket(bOutboxDue)
	if due == nil {
		return next, false, nil
	}
	cur := due.Cursor()
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
	return next, found, nil
}

func (b *boltTx) EachDelivery(fn func(model.Delivery) (bool, error)) error {
	bk := b.tx.Bucket(bOutbox)
	if bk == nil {
		return nil
	}
	cur := bk.Cursor()
	for k, v := cur.Last(); k != nil; k, v = cur.Prev() {
		var d model.Delivery
		if err := json.Unmarshal(v, &d); err != nil {
			return backend.Damaged(b.path, fmt.Sprintf("webhook delivery %d: %v", binary.BigEndian.Uint64(k), err))
		}
		if more, err := fn(d); err != nil || !more {
			return err
		}
	}
	return nil
}

// PruneDeliveries walks the records oldest first: ids grow with time, so
// the first one created after cutoff ends the walk.
func (b *boltTx) PruneDeliveries(cutoff time.Time, max int) (int, error) {
	var dead [][]byte
	cur := b.bucket(bOutbox).Cursor()
	for k, v := cur.First(); k != nil && len(dead) < max; k, v = cur.Next() {
		var d model.Delivery
		if json.Unmarshal(v, &d) != nil {
			continue // docket check names it
		}
		if d.CreatedAt.After(cutoff) {
			break
		}
		if end := d.Ended(); !end.IsZero() && end.Before(cutoff) {
			dead = append(dead, bytes.Clone(k))
		}
	}
	for _, k := range dead {
		if err := b.bucket(bOutbox).Delete(k); err != nil {
			return 0, err
		}
	}
	return len(dead), nil
}

// The inbox: bInbox the receipts by event id, bInboxTime their first
// delivery times (see expireOldest), bInboxSum the counts by event name,
// bObjAsOf the time of each object's copy a webhook applied. A file
// opened read-only from before webhooks existed has none of them.

func (b *boltTx) Receipt(id string) (backend.EventReceipt, bool, error) {
	var rec backend.EventReceipt
	bk := b.tx.Bucket(bInbox)
	if bk == nil {
		return rec, false, nil
	}
	found, err := getJSON(bk, []byte(id), &rec)
	if err != nil {
		return rec, found, backend.Damaged(b.path, fmt.Sprintf("the record of webhook event %s: %v", id, err))
	}
	return rec, found, nil
}

func (b *boltTx) PutReceipt(rec backend.EventReceipt, first bool) error {
	if err := putJSON(b.bucket(bInbox), []byte(rec.ID), rec); err != nil {
		return err
	}
	if first {
		return b.bucket(bInboxTime).Put(expiryKey(rec.ReceivedAt, []byte(rec.ID)), nil)
	}
	return nil
}

func (b *boltTx) CountEvent(name, outcome string, at time.Time) error {
	n := backend.EventCount{Name: name}
	if _, err := getJSON(b.bucket(bInboxSum), []byte(name), &n); err != nil {
		return backend.Damaged(b.path, fmt.Sprintf("the count of webhook events %s: %v", name, err))
	}
	switch outcome {
	case backend.OutcomeApplied:
		n.Applied++
	case backend.OutcomeUnchanged:
		n.Unchanged++
	case backend.OutcomeUnused:
		n.Unused++
	case backend.OutcomeRefused:
		n.Refused++
	}
	n.Last = at
	return putJSON(b.bucket(bInboxSum), []byte(name), n)
}

func (b *boltTx) EventCounts() ([]backend.EventCount, error) {
	out := []backend.EventCount{}
	bk := b.tx.Bucket(bInboxSum)
	if bk == nil {
		return out, nil
	}
	err := bk.ForEach(func(k, v []byte) error {
		var n backend.EventCount
		if err := json.Unmarshal(v, &n); err != nil {
			return backend.Damaged(b.path, fmt.Sprintf("the count of webhook events %s: %v", k, err))
		}
		n.Name = string(k)
		out = append(out, n)
		return nil
	})
	return out, err
}

func (b *boltTx) RecentReceipts(limit int) ([]backend.EventReceipt, error) {
	out := []backend.EventReceipt{}
	bk := b.tx.Bucket(bInboxTime)
	if bk == nil {
		return out, nil
	}
	cur := bk.Cursor()
	for k, _ := cur.Last(); k != nil && len(out) < limit; k, _ = cur.Prev() {
		if len(k) <= 8 {
			continue
		}
		rec, found, err := b.Receipt(string(k[8:]))
		if err != nil {
			return nil, err
		}
		if found {
			out = append(out, rec)
		}
	}
	return out, nil
}

func (b *boltTx) PruneReceipts(cutoff time.Time, max int) error {
	return expireOldest(b.bucket(bInboxTime), cutoff, max, b.bucket(bInbox).Delete)
}

func (b *boltTx) ObjectAsOf(id string) (time.Time, bool, error) {
	bk := b.tx.Bucket(bObjAsOf)
	if bk == nil {
		return time.Time{}, false, nil
	}
	raw := bk.Get([]byte(id))
	if raw == nil {
		return time.Time{}, false, nil
	}
	t, err := time.Parse(time.RFC3339Nano, string(raw))
	return t, err == nil, nil
}

func (b *boltTx) NoteObjectAsOf(id string, at time.Time) error {
	return b.bucket(bObjAsOf).Put([]byte(id), []byte(at.Format(time.RFC3339Nano)))
}

// NoteRedaction marks the file as needing compaction (see scrub.go), and
// the DB as having redacted (see DB.Close).
func (b *boltTx) NoteRedaction() error {
	if b.noted != nil {
		b.noted.Store(true)
	}
	return b.bucket(bMeta).Put(scrubKey, []byte(scrubDue))
}

// Bulk packs pages fuller (see bucket).
func (b *boltTx) Bulk() { b.bulk = true }
