package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	bolt "go.etcd.io/bbolt"

	"docket/model"
)

// A migration upgrades a file from schema to-1 to schema to. Each step must
// be safe to run again after a crash part-way (the schema number only moves
// once the step has finished), so it may commit in several transactions.
type migration struct {
	to   int
	what string
	run  func(s *Store) error
}

// migrations, oldest first; the last one's `to` is SchemaVersion.
var migrations = []migration{
	{2, "hash-chain every case's audit trail", func(s *Store) error { return chainEvents(s.db) }},
	{3, "bind every case's record, fields, objects and comments to its audit trail", bindRecords},
	{4, "write leaner row summaries into the queue index and search texts beside them", writeEntryValues(false)},
	{5, "put each case's audit events beside its record", moveEvents},
	{6, "put each case's row summary beside its record, search texts in the index", writeEntryValues(true)},
	{7, "move the status index into a bucket of its own", func(s *Store) error {
		return moveKeys(s, bIndex, bStatusIdx, []byte(prefix("s")))
	}},
	{8, "move the decisions per person and day out of the queue counts", func(s *Store) error {
		return moveKeys(s, bCounts, bDecided, []byte(decPrefix))
	}},
}

// moveKeys moves the keys starting with start from one bucket to another
// (created if need be), a batch per transaction, each key moved and
// deleted at once, so a crash leaves every key in one place or the other.
func moveKeys(s *Store, from, to, start []byte) error {
	const batch = 20_000
	for done := false; !done; {
		err := s.db.Update(func(tx *bolt.Tx) error {
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
func writeEntryValues(withSummary bool) func(s *Store) error {
	return func(s *Store) error {
		return inBatches(s, bCases, func(x *txn, k, v []byte) error {
			c, err := decodeCase(v)
			if err != nil {
				return fmt.Errorf("case %q: %w", k, err)
			}
			summary := encodeSummary(c)
			if withSummary {
				if err := x.b(bCases).Put(summaryKey(c.ID), summary); err != nil {
					return err
				}
			}
			for _, p := range prefixesOf(c) {
				for _, o := range []byte{orderDeadline, orderCreated} {
					if entryValue(p, o) != textValue || (o == orderCreated && !hasCreatedOrder(p)) {
						continue
					}
					if err := x.b(bIndex).Put(indexKey(p, o, c), textEntry(summary)); err != nil {
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
func moveEvents(s *Store) error {
	const batch = 20_000
	for {
		done := false
		err := s.db.Update(func(tx *bolt.Tx) error {
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
			s.eventsApart = false
			return err
		}
	}
}

// migrate brings a file written at schema from up to SchemaVersion.
func migrate(s *Store, from int) error {
	db := s.db
	for _, m := range migrations {
		if m.to <= from {
			continue
		}
		if err := m.run(s); err != nil {
			return fmt.Errorf("upgrade to schema %d (%s): %w", m.to, m.what, err)
		}
		err := db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bMeta).Put([]byte("schema"), []byte(strconv.Itoa(m.to)))
		})
		if err != nil {
			return fmt.Errorf("upgrade to schema %d: %w", m.to, err)
		}
	}
	return nil
}

// schemaOf reads a file's schema number: 0 for a new, empty file.
func schemaOf(tx *bolt.Tx) (int, error) {
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
func chainEvents(db *bolt.DB) error {
	const batch = 20_000
	var from []byte   // the next key to look at
	var caseID []byte // the case being walked, and its last hash
	prev := ""
	for done := false; !done; {
		err := db.Update(func(tx *bolt.Tx) error {
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
// reference-only object for each ref with none, a digest to each comment,
// digests of its fields, objects and comments to its record, and to its
// last audit event the state it leaves the case in. Every part may run
// again: what it writes the second time is what it wrote the first.
func bindRecords(s *Store) error {
	err := inBatches(s, bUsers, func(x *txn, k, v []byte) error {
		u, err := decodeUser(v)
		if err != nil {
			return fmt.Errorf("user %q: %w", k, err)
		}
		return x.putUser(u)
	})
	if err == nil {
		err = inBatches(s, bWorkflows, func(x *txn, k, v []byte) error {
			src, err := openWorkflow(v)
			if err != nil {
				return fmt.Errorf("workflow %q: %w", k, err)
			}
			return x.b(bWorkflows).Put(k, sealWorkflow(src))
		})
	}
	if err != nil {
		return err
	}
	if err := inBatches(s, bObjects, func(x *txn, k, v []byte) error {
		o, err := decodeObject(v)
		if err != nil {
			return fmt.Errorf("object %q: %w", k, err)
		}
		_, err = x.putObject(o)
		return err
	}); err != nil {
		return err
	}
	return inBatches(s, bCases, func(x *txn, k, _ []byte) error {
		return x.bindCase(string(k))
	})
}

func (x *txn) bindCase(id string) error {
	c, err := x.caseByRef(id)
	if err != nil {
		return err
	}
	old := c.Clone()
	for _, r := range c.Objects {
		if _, err := x.putObject(&model.Object{ObjectRef: r, RefOnly: true}); err != nil {
			return err
		}
	}
	err = rewriteSeq(x.b(bComments), c.ID, func(raw []byte) (any, error) {
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
	if c.CommentsSum, err = x.commentsDigest(c.ID); err != nil {
		return err
	}
	c.FieldsSum = model.FieldsDigest(c.Fields)
	if err := x.putCase(old, c); err != nil {
		return err
	}
	last, err := x.lastEvent(c)
	if err != nil || last.Seq != c.Version {
		return err // a trail that does not reach the version: check says so
	}
	last.Bind(c.State())
	return putJSON(x.events(), seqKey(c.ID, c.Version), last)
}

// inBatches calls fn on every key of a bucket, a few thousand to a write
// transaction, so an upgrade of a large file neither holds one huge
// transaction nor starts over from the first key after a crash.
func inBatches(s *Store, bucket []byte, fn func(x *txn, k, v []byte) error) error {
	const batch = 2000
	var from []byte
	for done := false; !done; {
		err := s.db.Update(func(tx *bolt.Tx) error {
			x := s.boltTxn(tx)
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
				if err := fn(x, e.k, e.v); err != nil {
					return err
				}
			}
			return x.be.Finish()
		})
		if err != nil {
			return err
		}
	}
	return nil
}
