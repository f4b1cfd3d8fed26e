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
	run  func(db *bolt.DB) error
}

// migrations, oldest first; the last one's `to` is SchemaVersion.
var migrations = []migration{
	{2, "hash-chain every case's audit trail", chainEvents},
}

// migrate brings a file written at schema from up to SchemaVersion.
func migrate(db *bolt.DB, from int) error {
	for _, m := range migrations {
		if m.to <= from {
			continue
		}
		if err := m.run(db); err != nil {
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
			b := tx.Bucket(bEvents)
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
