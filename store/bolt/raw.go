package bolt

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
	"time"

	bbolt "go.etcd.io/bbolt"

	"docket/store/backend"
)

// The file's records as bytes, beneath the layout and beside the rules:
// what tests read to prove that a refused change wrote nothing, and
// change to see what docket makes of a file damaged by a bug or a hand
// edit (as pg.DB.Rows is for PostgreSQL).

// Digest is a hash of everything the file holds (every bucket's keys and
// values, bookkeeping aside): equal digests, equal content.
func (d *DB) Digest() (string, error) {
	h := sha256.New()
	err := d.db.View(func(tx *bbolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			writeKV(h, name, nil)
			return b.ForEach(func(k, v []byte) error {
				if bytes.Equal(name, bMeta) && bytes.Equal(k, []byte("closed")) {
					return nil // when the file was last closed
				}
				writeKV(h, k, v)
				return nil
			})
		})
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

func writeKV(h hash.Hash, k, v []byte) {
	var n [16]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(k)))
	binary.BigEndian.PutUint64(n[8:], uint64(len(v)))
	h.Write(n[:])
	h.Write(k)
	h.Write(v)
}

// Rows is every key and value in the file, each under "bucket|key".
func (d *DB) Rows() (map[string]string, error) {
	out := map[string]string{}
	err := d.View(func(tx backend.Tx) error {
		return rowsOf(tx.(*boltTx).tx, out)
	})
	return out, err
}

// FileRows is Rows of the file at path, opened read-only.
func FileRows(path string) (map[string]string, error) {
	out := map[string]string{}
	err := ViewFile(path, func(tx backend.Tx) error { return rowsOf(tx.(*boltTx).tx, out) })
	return out, err
}

func rowsOf(tx *bbolt.Tx, out map[string]string) error {
	return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			out[string(name)+"|"+string(k)] = string(v)
			return nil
		})
	})
}

// Raw is a transaction on the file's buckets, by name, beneath the
// layout: Tx is the same transaction as the storage (no rule) sees it.
type Raw struct {
	tx *bbolt.Tx
	b  *boltTx
}

// Edit runs fn in a write transaction of its own, as another program
// would write the file: the DB's next write refuses a file changed so
// (see checkHeld), so a test reopens it first.
func (d *DB) Edit(fn func(*Raw) error) error {
	return d.db.Update(func(tx *bbolt.Tx) error {
		r := &Raw{tx, d.boltTx(tx)}
		if err := fn(r); err != nil {
			return err
		}
		return r.b.Finish()
	})
}

// ViewRaw runs fn in a read transaction.
func (d *DB) ViewRaw(fn func(*Raw) error) error {
	return d.db.View(func(tx *bbolt.Tx) error { return fn(&Raw{tx, d.boltTx(tx)}) })
}

// EditFile runs fn in a write transaction of the bbolt file at path,
// which it creates if there is none; the file need not be docket's.
func EditFile(path string, fn func(*Raw) error) error {
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		return fn(&Raw{tx, &boltTx{tx: tx, db: db, path: path}})
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}

// Tx is the transaction as the storage's own operations.
func (r *Raw) Tx() backend.Tx { return r.b }

// ID is the transaction's id: each commit adds one.
func (r *Raw) ID() int { return r.tx.ID() }

// HasBucket says whether the file has a bucket.
func (r *Raw) HasBucket(name string) bool { return r.tx.Bucket([]byte(name)) != nil }

// CreateBucket adds a bucket.
func (r *Raw) CreateBucket(name string) error {
	_, err := r.tx.CreateBucket([]byte(name))
	return err
}

// DropBucket removes a bucket and all it holds.
func (r *Raw) DropBucket(name string) error { return r.tx.DeleteBucket([]byte(name)) }

func (r *Raw) bucket(name string) (*bbolt.Bucket, error) {
	b := r.tx.Bucket([]byte(name))
	if b == nil {
		return nil, fmt.Errorf("no bucket %s", name)
	}
	return b, nil
}

// Get reads a value (nil when there is none).
func (r *Raw) Get(bucket string, key []byte) []byte {
	b, err := r.bucket(bucket)
	if err != nil {
		return nil
	}
	return bytes.Clone(b.Get(key))
}

// Put writes a value.
func (r *Raw) Put(bucket string, key, value []byte) error {
	b, err := r.bucket(bucket)
	if err != nil {
		return err
	}
	return b.Put(key, value)
}

// Delete removes a key.
func (r *Raw) Delete(bucket string, key []byte) error {
	b, err := r.bucket(bucket)
	if err != nil {
		return err
	}
	return b.Delete(key)
}

// ForEach calls fn with each key and value of a bucket, in key order.
func (r *Raw) ForEach(bucket string, fn func(k, v []byte) error) error {
	b, err := r.bucket(bucket)
	if err != nil {
		return err
	}
	return b.ForEach(fn)
}

// First is the first key of a bucket (nil when it is empty).
func (r *Raw) First(bucket string) []byte {
	b, err := r.bucket(bucket)
	if err != nil {
		return nil
	}
	k, _ := b.Cursor().First()
	return bytes.Clone(k)
}

// Replace replaces the first from in a stored value with to, as a hand
// edit would; a value without from is an error.
func (r *Raw) Replace(bucket string, key []byte, from, to string) error {
	v := string(r.Get(bucket, key))
	if !strings.Contains(v, from) {
		return fmt.Errorf("%s %q holds no %q: %s", bucket, key, from, v)
	}
	return r.Put(bucket, key, []byte(strings.Replace(v, from, to, 1)))
}

// SeqKey is the key of a case's audit event seq (in the cases bucket) and
// comment seq (in the comments bucket).
func SeqKey(caseID string, seq int64) []byte { return seqKey(caseID, seq) }

// IsEventKey tells the key of an audit event in the cases bucket from
// those of case headers and row summaries.
func IsEventKey(k []byte) bool { return isEventKey(k) }

// Upgrade runs the upgrades of the file at path from schema from up to
// schema to, each to its end, as Open does, without opening the file as
// a database: for tests that an upgrade cut short completes, and that
// one run again writes what it wrote the first time.
func Upgrade(path string, from, to int, bind Binder) error {
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		return err
	}
	d := &DB{db: db, path: path, now: time.Now}
	err = db.View(func(tx *bbolt.Tx) error {
		d.eventsApart = tx.Bucket(bEventsApart) != nil
		return nil
	})
	if err == nil {
		err = d.migrate(from, to, bind)
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return err
}
