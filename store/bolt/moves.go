package bolt

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	bbolt "go.etcd.io/bbolt"

	"docket/store/backend"
)

// Status moves. A decision moves its case from one status prefix to
// another, and the two entries lie far apart in the status index: taking
// one out and putting the other in rewrote two paths through a 4-deep
// tree, half the pages a decision wrote. So the status index is written
// through notes (bStatusMoves: index key -> movePresent or moveGone), a
// bucket small enough for bbolt to keep inside the page of bucket roots,
// which every commit writes anyway; once the notes would outgrow that,
// the write that adds the last one folds them all into the index, where
// the paths of several moves share their upper pages.
//
// A note overrides the index: every reader of a status prefix reads the
// index with its notes applied (see scanner, boltTx.entry), and check
// verifies the same view.

// foldAbove is the size of the notes (as bbolt counts a page's elements)
// past which they are folded: under bbolt's 1,024-byte limit for a bucket
// kept inline. A variable so that tests can fold at once, or never.
var foldAbove = 900

const (
	moveGone    byte = 0
	movePresent byte = 1
)

// isStatusPrefix tells the status prefixes, whose entries go through the
// notes and whose counts have a bucket of their own, from the others.
func isStatusPrefix(p string) bool { return strings.HasPrefix(p, pStatusAll) }

// noteSays reads a note: whether it puts its entry in, and whether it
// says anything at all (a damaged note says neither).
func noteSays(v []byte) (present, ok bool) {
	ok = len(v) == 1 && v[0] <= movePresent
	return ok && v[0] == movePresent, ok
}

// putOrDelete puts k in bk (present) or takes it out.
func putOrDelete(bk *bbolt.Bucket, k, value []byte, present bool) error {
	if present {
		return bk.Put(k, value)
	}
	return bk.Delete(k)
}

// writeEntry puts (present) or takes out an index entry.
func (b *boltTx) writeEntry(p string, k, value []byte, present bool) error {
	if !isStatusPrefix(p) {
		return putOrDelete(b.bucket(bIndex), k, value, present)
	}
	notes := b.tx.Bucket(bStatusMoves)
	if b.bulk || notes == nil {
		// A bulk load writes so many entries that notes would only be
		// written twice; the index takes them at once, the notes folded
		// first so that none overrides them. A file being upgraded from
		// before schema 10 has no notes yet.
		if err := b.foldStatusMoves(); err != nil {
			return err
		}
		return putOrDelete(b.bucket(bStatusIdx), k, value, present)
	}
	note := moveGone
	if present {
		note = movePresent
	}
	return notes.Put(k, []byte{note})
}

// foldStatusMovesIfFull folds the notes once they are past foldAbove.
func (b *boltTx) foldStatusMovesIfFull() error {
	notes := b.tx.Bucket(bStatusMoves)
	if notes == nil {
		return nil // a file being upgraded from before schema 10
	}
	size := 0
	cur := notes.Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		size += 16 + len(k) + len(v) // bbolt's leaf element header, key and value
	}
	if size <= foldAbove {
		return nil
	}
	return b.foldStatusMoves()
}

// foldStatusMoves applies every note to the status index and drops it.
func (b *boltTx) foldStatusMoves() error {
	notes := b.tx.Bucket(bStatusMoves)
	if notes == nil {
		return nil
	}
	idx := b.bucket(bStatusIdx)
	cur := notes.Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.First() {
		present, ok := noteSays(v)
		if !ok {
			return backend.Damaged(b.path, fmt.Sprintf("status move %q says neither present nor gone (%q)", k, v))
		}
		if err := putOrDelete(idx, bytes.Clone(k), nil, present); err != nil {
			return err
		}
		if err := cur.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// entry is the value of an index entry, nil when there is none, the
// notes applied.
func (b *boltTx) entry(p string, k []byte) []byte {
	if notes := b.tx.Bucket(bStatusMoves); notes != nil && isStatusPrefix(p) {
		if v := notes.Get(k); v != nil {
			if present, _ := noteSays(v); present {
				return []byte{}
			}
			return nil
		}
	}
	return b.bucket(indexBucket(p)).Get(k)
}

// notes are the status moves under one prefix and order, as a scanner
// applies them.
type notes struct {
	added [][]byte        // sort keys of entries the notes put in, ascending
	gone  map[string]bool // sort keys of entries the notes take out
}

// readNotes gathers the notes under start (prefix and order byte), or
// nil when there are none.
func readNotes(tx *bbolt.Tx, start []byte) *notes {
	bk := tx.Bucket(bStatusMoves)
	if bk == nil {
		return nil // a file being upgraded from before schema 10
	}
	var n *notes
	cur := bk.Cursor()
	for k, v := cur.Seek(start); k != nil && bytes.HasPrefix(k, start); k, v = cur.Next() {
		if n == nil {
			n = &notes{gone: map[string]bool{}}
		}
		sk := k[len(start):]
		n.gone[string(sk)] = true // an entry the notes put in is not read from the index either
		if present, _ := noteSays(v); present {
			n.added = append(n.added, sk)
		}
	}
	return n
}

// from is the index in added of the first sort key a scan starting at
// from reads: forward, the first at or past it; reverse, the last at or
// before it (-1 when none).
func (n *notes) from(from position, reverse bool) int {
	if from.key == nil {
		if reverse {
			return len(n.added) - 1
		}
		return 0
	}
	i := sort.Search(len(n.added), func(i int) bool { return bytes.Compare(n.added[i], from.key) >= 0 })
	exact := i < len(n.added) && bytes.Equal(n.added[i], from.key)
	switch {
	case exact && from.inclusive:
		return i
	case reverse:
		return i - 1
	case exact:
		return i + 1
	}
	return i
}
