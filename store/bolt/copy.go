package bolt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"

	"docket/model"
	"docket/store/backend"
)

// What a copy of the whole database reads and writes beyond the rules'
// own operations (see copy.go): every record of a kind, and records set
// as another database holds them.

// eachIn calls fn with every key and value of a bucket (none when a file
// opened read-only predates it), the value copied.
func (b *boltTx) eachIn(name []byte, fn func(k, v []byte) error) error {
	bk := b.tx.Bucket(name)
	if bk == nil {
		return nil
	}
	return bk.ForEach(func(k, v []byte) error { return fn(k, bytes.Clone(v)) })
}

// EachCase walks the headers of the cases bucket, stepping over each
// case's row summary and audit events (caseID \0 …) with one seek.
func (b *boltTx) EachCase(fn func(*model.Case) error) error {
	cur := b.bucket(bCases).Cursor()
	for k, v := cur.First(); k != nil; {
		if bytes.IndexByte(k, 0) >= 0 {
			k, v = cur.Next()
			continue
		}
		c, err := decodeCase(v)
		if err != nil {
			return backend.Damaged(b.path, fmt.Sprintf("case %s: %v", k, err))
		}
		if err := fn(c); err != nil {
			return err
		}
		k, v = cur.Seek(append([]byte(c.ID), 1))
	}
	return nil
}

func (b *boltTx) EachCaseWithTrail(fn func(*model.Case, []model.Event, []model.Comment, error) error) error {
	return b.EachCase(func(c *model.Case) error {
		var err error
		if c.Fields, err = b.CaseFields(c.ID); err != nil {
			return err
		}
		events, evErr := b.Events(c.ID)
		comments, cmErr := b.Comments(c.ID)
		return fn(c, events, comments, errors.Join(evErr, cmErr))
	})
}

func (b *boltTx) ObjectsIn(ids []string) ([]*model.Object, error) {
	var out []*model.Object
	for _, id := range ids {
		o, err := b.Object(id)
		if err != nil {
			return nil, err
		}
		if o != nil {
			out = append(out, o)
		}
	}
	return out, nil
}

func (b *boltTx) EachObject(fn func(*model.Object) error) error {
	return b.eachIn(bObjects, func(k, v []byte) error {
		o, err := decodeObject(v)
		if err != nil {
			return backend.Damaged(b.path, fmt.Sprintf("object %s: %v", k, err))
		}
		return fn(o)
	})
}

// EachDecided reads the decisions bucket's counters, dec \0 day \0 user \0.
func (b *boltTx) EachDecided(fn func(time.Time, string, int) error) error {
	return b.eachIn(bDecided, func(k, v []byte) error {
		parts := strings.Split(strings.TrimPrefix(string(k), decPrefix), "\x00")
		day, err := time.Parse("2006-01-02", parts[0])
		if len(parts) != 3 || err != nil || len(v) != 8 {
			return backend.Damaged(b.path, fmt.Sprintf("decisions counter %q", k))
		}
		return fn(day, parts[1], int(binary.BigEndian.Uint64(v)))
	})
}

func (b *boltTx) PutDecided(day time.Time, user string, n int) error {
	k := dayKey(day, user)
	b.addCount(k, int64(n-b.count(k)))
	return nil
}

// EachState walks the meta bucket from prefix; the file's own records
// there (schema, file id, …) have other names.
func (b *boltTx) EachState(prefix string, fn func(string, []byte) error) error {
	cur := b.bucket(bMeta).Cursor()
	for k, v := cur.Seek([]byte(prefix)); k != nil && bytes.HasPrefix(k, []byte(prefix)); k, v = cur.Next() {
		if err := fn(string(k), bytes.Clone(v)); err != nil {
			return err
		}
	}
	return nil
}

func (b *boltTx) EachReply(fn func(user, key string, reply []byte) error) error {
	return b.eachIn(bRequests, func(k, v []byte) error {
		user, key, ok := strings.Cut(string(k), "\x00")
		if !ok {
			return backend.Damaged(b.path, fmt.Sprintf("request key %q", k))
		}
		return fn(user, key, v)
	})
}

// PutDelivery stores d under its id and moves the outbox's sequence past
// it, so that the next delivery queued takes a new id.
func (b *boltTx) PutDelivery(d model.Delivery, doc []byte) error {
	if err := b.putDelivery(d); err != nil {
		return err
	}
	k, ok := deliverySeq(d.ID)
	if !ok {
		return fmt.Errorf("webhook delivery id %q", d.ID)
	}
	outbox := b.bucket(bOutbox)
	if seq := binary.BigEndian.Uint64(k); seq > outbox.Sequence() {
		if err := outbox.SetSequence(seq); err != nil {
			return err
		}
	}
	if d.State != model.DeliveryPending {
		return nil
	}
	if err := b.bucket(bOutboxDoc).Put(k, doc); err != nil {
		return err
	}
	return b.bucket(bOutboxDue).Put(dueKey(d), nil)
}

func (b *boltTx) EachObjectAsOf(fn func(string, time.Time) error) error {
	return b.eachIn(bObjAsOf, func(k, v []byte) error {
		at, err := time.Parse(time.RFC3339Nano, string(v))
		if err != nil {
			return backend.Damaged(b.path, fmt.Sprintf("the time of object %s: %v", k, err))
		}
		return fn(string(k), at)
	})
}

func (b *boltTx) PutEventCount(n backend.EventCount) error {
	return putJSON(b.bucket(bInboxSum), []byte(n.Name), n)
}

func (b *boltTx) WorkflowSums() (map[string]string, error) {
	sums := map[string]string{}
	return sums, b.eachIn(bWorkflows, func(k, v []byte) error {
		_, sum := splitWorkflow(v)
		sums[string(k)] = sum
		return nil
	})
}

// Durable makes what was written unsynced (a store opened with NoSync,
// which a copy writes) durable, and syncs every commit from now on.
func (d *DB) Durable() error {
	if err := d.db.Sync(); err != nil {
		return err
	}
	d.db.NoSync, d.db.NoFreelistSync = false, false
	return nil
}

func (b *boltTx) LastDeliveryID() (uint64, error) {
	if bk := b.tx.Bucket(bOutbox); bk != nil {
		return bk.Sequence(), nil
	}
	return 0, nil
}

func (b *boltTx) KeepDeliveryIDsAfter(n uint64) error {
	if outbox := b.bucket(bOutbox); n > outbox.Sequence() {
		return outbox.SetSequence(n)
	}
	return nil
}
