package bolt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	bbolt "go.etcd.io/bbolt"

	"docket/model"
)

// A migration upgrades a file from schema to-1 to schema to. Each step must
// be safe to run again after a crash part-way (the schema number only moves
// once the step has finished), so it may commit in several transactions.
type migration struct {
	to   int
	what string
	run  func(d *DB, bind Binder) error
}

// migrations, oldest first; the last one's `to` is SchemaVersion.
var migrations = []migration{
	{2, "hash-chain every case's audit trail", func(d *DB, _ Binder) error { return chainEvents(d.db) }},
	{3, "bind every case's record, fields, objects and comments to its audit trail", bindRecords},
	{4, "write leaner row summaries into the queue index and search texts beside them", writeEntryValues(false)},
	{5, "put each case's audit events beside its record", moveEvents},
	{6, "put each case's row summary beside its record, search texts in the index", writeEntryValues(true)},
	{7, "move the status index into a bucket of its own", func(d *DB, _ Binder) error {
		return d.moveKeys(bIndex, bStatusIdx, []byte(prefix("s")))
	}},
	{8, "move the decisions per person and day out of the queue counts", func(d *DB, _ Binder) error {
		return d.moveKeys(bCounts, bDecided, []byte(decPrefix))
	}},
	{9, "move the status counts out of the queue counts", func(d *DB, _ Binder) error {
		return d.moveKeys(bCounts, bStatusCounts, []byte(pStatusAll))
	}},
	{10, "note moves between statuses apart until they are folded into the status index", func(d *DB, _ Binder) error {
		return d.db.Update(func(tx *bbolt.Tx) error {
			_, err := tx.CreateBucketIfNotExists(bStatusMoves)
			return err
		})
	}},
}

// moveKeys moves the keys starting with start from one bucket to another
// (created if need be), a batch per transaction, each key moved and
// deleted at once, so a crash leaves every key in one place or the other.
func (d *DB) moveKeys(from, to, start []byte) error {
	const batch = 20_000
	for done := false; !done; {
		err := d.db.Update(func(tx *bbolt.Tx) error {
			dst, err := tx.CreateBucketIfNotExists(to)
			if err != nil {
				return err
			}
			cur := tx.Bucket(from).Cursor()
			n := 0
			for k, v := cur.Seek(start); k != nil && bytes.HasPrefix(k, start); k, v = cur.Seek(start) {
				if n == batch {
					return nil
				}
				if err := dst.Put(bytes.Clone(k), bytes.Clone(v)); err != nil {
					return err
				}
				if err := cur.Delete(); err != nil {
					return err
				}
				n++
			}
			done = true
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// writeEntryValues rewrites what every case's index entries carry (see
// entryValue) and, withSummary, stores its row summary (see summaryKey).
func writeEntryValues(withSummary bool) func(d *DB, _ Binder) error {
	return func(d *DB, _ Binder) error {
		return d.inBatches(bCases, func(b *boltTx, k, v []byte) error {
			c, err := decodeCase(v)
			if err != nil {
				return fmt.Errorf("case %q: %w", k, err)
			}
			summary := encodeSummary(c)
			if withSummary {
				if err := b.bucket(bCases).Put(summaryKey(c.ID), summary); err != nil {
					return err
				}
			}
			for _, p := range prefixesOf(c) {
				for _, o := range []byte{orderDeadline, orderCreated} {
					if entryValue(p, o) != textValue || (o == orderCreated && !hasCreatedOrder(p)) {
						continue
					}
					if err := b.bucket(bIndex).Put(indexKey(p, o, c), textEntry(summary)); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
}

// moveEvents moves the events bucket's records into the cases bucket under
// the same keys, a batch per transaction (each moved and deleted at once,
// so a crash leaves every event in one place or the other), then drops the
// empty bucket.
func moveEvents(d *DB, _ Binder) error {
	const batch = 20_000
	for {
		done := false
		err := d.db.Update(func(tx *bbolt.Tx) error {
			from := tx.Bucket(bEventsApart)
			if from == nil {
				done = true
				return nil
			}
			to := tx.Bucket(bCases)
			cur := from.Cursor()
			n := 0
			for k, v := cur.First(); k != nil && n < batch; k, v = cur.First() {
				if err := to.Put(bytes.Clone(k), bytes.Clone(v)); err != nil {
					return err
				}
				if err := cur.Delete(); err != nil {
					return err
				}
				n++
			}
			if n < batch {
				done = true
				return tx.DeleteBucket(bEventsApart)
			}
			return nil
		})
		if err != nil || done {
			d.eventsApart = false
			return err
		}
	}
}

// migrate brings a file written at schema from up to schema to.
func (d *DB) migrate(from, to int, bind Binder) error {
	db := d.db
	for _, m := range migrations {
		if m.to <= from || m.to > to {
			continue
		}
		if err := m.run(d, bind); err != nil {
			return fmt.Errorf("upgrade to schema %d (%s): %w", m.to, m.what, err)
		}
		err := db.Update(func(tx *bbolt.Tx) error {
			return tx.Bucket(bMeta).Put([]byte("schema"), []byte(strconv.Itoa(m.to)))
		})
		if err != nil {
			return fmt.Errorf("upgrade to schema %d: %w", m.to, err)
		}
	}
	return nil
}

// schemaOf reads a file's schema number: 0 for a new, empty file.
func schemaOf(tx *bbolt.Tx) (int, error) {
	meta := tx.Bucket(bMeta)
	if meta == nil {
		return 0, nil
	}
	raw := meta.Get([]byte("schema"))
	v, err := strconv.Atoi(string(raw))
	if err != nil {
		return 0, fmt.Errorf("schema version %q is unreadable; is this a docket database?", raw)
	}
	return v, nil
}

// chainEvents seals every audit event written before the chain existed,
// case by case in key order, a batch of events per transaction. An event
// already sealed onto the right predecessor (by an interrupted earlier run)
// is left as it is.
func chainEvents(db *bbolt.DB) error {
	const batch = 20_000
	var from []byte   // the next key to look at
	var caseID []byte // the case being walked, and its last hash
	prev := ""
	for done := false; !done; {
		err := db.Update(func(tx *bbolt.Tx) error {
			b := tx.Bucket(bEventsApart) // schema 2 came before events moved
			if b == nil {
				done = true // moved already: chained long before
				return nil
			}
			type sealed struct{ k, v []byte }
			var out []sealed
			cur := b.Cursor()
			k, v := cur.First()
			if from != nil {
				k, v = cur.Seek(from)
			}
			for n := 0; ; n++ {
				if n > 0 {
					k, v = cur.Next()
				}
				if k == nil {
					done = true
					break
				}
				if n == batch {
					from = bytes.Clone(k)
					break
				}
				id, _, _ := bytes.Cut(k, []byte{0})
				if !bytes.Equal(id, caseID) {
					caseID, prev = bytes.Clone(id), ""
				}
				var e model.Event
				if err := json.Unmarshal(v, &e); err != nil {
					return fmt.Errorf("event %q: %w", k, err)
				}
				if e.Hash == "" || e.Prev != prev {
					e.Seal(prev, newSalt())
					raw, err := json.Marshal(e)
					if err != nil {
						return err
					}
					out = append(out, sealed{bytes.Clone(k), raw})
				}
				prev = e.Hash
			}
			for _, s := range out { // not while the cursor walks
				if err := b.Put(s.k, s.v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// bindRecords gives every object its digest, then, case by case, a
// digest to each comment and the case to bind (see Binder.Case). Every
// part may run again: what it writes the second time is what it wrote
// the first.
func bindRecords(d *DB, bind Binder) error {
	err := d.inBatches(bUsers, func(b *boltTx, k, v []byte) error {
		u, err := decodeUser(v)
		if err != nil {
			return fmt.Errorf("user %q: %w", k, err)
		}
		return b.PutUser(u)
	})
	if err == nil {
		err = d.inBatches(bWorkflows, func(b *boltTx, k, v []byte) error {
			src, err := openWorkflow(v)
			if err != nil {
				return fmt.Errorf("workflow %q: %w", k, err)
			}
			return b.bucket(bWorkflows).Put(k, sealWorkflow(src))
		})
	}
	if err != nil {
		return err
	}
	if bind.Object == nil || bind.Case == nil {
		return errors.New("the rules that bind records to their trails were not given")
	}
	if err := d.inBatches(bObjects, func(b *boltTx, k, v []byte) error {
		o, err := decodeObject(v)
		if err != nil {
			return fmt.Errorf("object %q: %w", k, err)
		}
		return bind.Object(b, o)
	}); err != nil {
		return err
	}
	return d.inBatches(bCases, func(b *boltTx, k, _ []byte) error {
		err := rewriteSeq(b.bucket(bComments), string(k), func(raw []byte) (any, error) {
			var cm model.Comment
			err := json.Unmarshal(raw, &cm)
			if cm.Sum == "" {
				cm.Seal(newSalt())
			}
			return cm, err
		})
		if err != nil {
			return err
		}
		return bind.Case(b, string(k))
	})
}

// inBatches calls fn on every key of a bucket, a few thousand to a write
// transaction, so an upgrade of a large file neither holds one huge
// transaction nor starts over from the first key after a crash.
func (d *DB) inBatches(bucket []byte, fn func(b *boltTx, k, v []byte) error) error {
	const batch = 2000
	var from []byte
	for done := false; !done; {
		err := d.db.Update(func(tx *bbolt.Tx) error {
			b := d.boltTx(tx)
			type kv struct{ k, v []byte }
			var todo []kv
			cur := tx.Bucket(bucket).Cursor()
			k, v := cur.First()
			if from != nil {
				k, v = cur.Seek(from)
			}
			for ; k != nil && len(todo) < batch; k, v = cur.Next() {
				if bytes.Equal(bucket, bCases) && !isHeaderKey(k) {
					continue // an audit event or row summary beside its case
				}
				todo = append(todo, kv{bytes.Clone(k), bytes.Clone(v)})
			}
			done, from = k == nil, bytes.Clone(k)
			for _, e := range todo { // not while the cursor walks
				if err := fn(b, e.k, e.v); err != nil {
					return err
				}
			}
			return b.Finish()
		})
		if err != nil {
			return err
		}
	}
	return nil
}
