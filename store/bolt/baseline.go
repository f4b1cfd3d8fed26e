package bolt

import (
	"bufio"
	"encoding/binary"

	bbolt "go.etcd.io/bbolt"
)

// Baseline is bbolt on its own, doing the least a docket write could:
// what benchmarks measure docket's writes against, on the same disk in
// the same run.
type Baseline struct{ db *bbolt.DB }

// OpenBaseline opens (creating) a bbolt file of its own at path, with
// bbolt's defaults; bulk keeps its free page list as docket does (as a
// map), for a file that grows large.
func OpenBaseline(path string, bulk bool) (*Baseline, error) {
	var opt *bbolt.Options
	if bulk {
		opt = &bbolt.Options{FreelistType: bbolt.FreelistMapType}
	}
	db, err := bbolt.Open(path, 0o600, opt)
	if err != nil {
		return nil, err
	}
	return &Baseline{db}, nil
}

// Close closes the file.
func (b *Baseline) Close() error { return b.db.Close() }

func put(key uint64, value string) func(tx *bbolt.Tx) error {
	return func(tx *bbolt.Tx) error {
		bk, err := tx.CreateBucketIfNotExists([]byte("k"))
		if err != nil {
			return err
		}
		return bk.Put(binary.BigEndian.AppendUint64(nil, key), []byte(value))
	}
}

// Put is one durable transaction that writes one key.
func (b *Baseline) Put(key uint64, value string) error { return b.db.Update(put(key, value)) }

// Batch is Put through bbolt's DB.Batch, which gathers the writes that
// arrive together (waiting up to 10 ms for company) into one commit.
func (b *Baseline) Batch(key uint64, value string) error { return b.db.Batch(put(key, value)) }

// PutLines stores each line of r under a sequence number, perTx to a
// transaction.
func (b *Baseline) PutLines(r *bufio.Reader, perTx int) error {
	seq := uint64(0)
	for done := false; !done; {
		err := b.db.Update(func(tx *bbolt.Tx) error {
			bk, err := tx.CreateBucketIfNotExists([]byte("lines"))
			if err != nil {
				return err
			}
			for i := 0; i < perTx; i++ {
				line, err := r.ReadBytes('\n')
				if len(line) > 0 {
					seq++
					if err := bk.Put(binary.BigEndian.AppendUint64(nil, seq), line); err != nil {
						return err
					}
				}
				if err != nil {
					done = true
					return nil
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
