package bolt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"os"

	bbolt "go.etcd.io/bbolt"

	"docket/store/backend"
)

// The file: what docket does when it is damaged, or when something other
// than docket removes, replaces or rewrites it.

// ErrFileChanged is returned when the file at a DB's path is no
// longer the one it has open (removed, replaced, truncated, or written by
// another program): a write there would be lost.
var ErrFileChanged = errors.New("the database file changed under docket")

type fileChangedError struct{ path, how string }

func (e fileChangedError) Error() string {
	return fmt.Sprintf("the database file %s %s since docket opened it; nothing more can be saved into it: quit and open docket again",
		e.path, e.how)
}
func (e fileChangedError) Is(target error) bool { return target == ErrFileChanged }

// openBolt opens the bbolt file under guard and makes sure the file it
// locked is still the one at path: a process that waited for the lock
// while another compacted or restored the database would otherwise hold
// the old, unlinked file and lose everything it writes. It returns a
// handle of its own on the same file, for checkHeld.
func openBolt(path string, opt *bbolt.Options) (*bbolt.DB, *os.File, error) {
	for attempt := 0; ; attempt++ {
		before, err := os.Stat(path)
		if err != nil && !opt.ReadOnly && !errors.Is(err, os.ErrNotExist) {
			return nil, nil, err
		}
		var db *bbolt.DB
		err = backend.Guard(path, func() (err error) { db, err = bbolt.Open(path, 0o600, opt); return err })
		if err != nil {
			return nil, nil, err
		}
		// bbolt opened the file at path some time between the two looks;
		// if both see the same file, that is the one it locked.
		f, err := os.Open(path)
		if err == nil {
			if err = sameAsPath(f, path); err == nil && before != nil {
				if held, _ := f.Stat(); !os.SameFile(before, held) {
					err = fileChangedError{path, "was replaced by another file"}
				}
			}
		}
		if err == nil {
			return db, f, nil
		}
		if f != nil {
			f.Close()
		}
		db.Close()
		if attempt == 5 {
			return nil, nil, err
		}
	}
}

// sameAsPath reports whether the open file f is still the file at path.
func sameAsPath(f *os.File, path string) error {
	held, err := f.Stat()
	if err != nil {
		return err
	}
	return stillAt(held, path)
}

// stillAt reports whether the file held (as stat said) is the file at path.
func stillAt(held os.FileInfo, path string) error {
	now, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fileChangedError{path, "was removed"}
	case err != nil:
		return err
	case !os.SameFile(held, now):
		return fileChangedError{path, "was replaced by another file"}
	}
	return nil
}

// checkHeld runs at the start of every write transaction: the file at the
// path must be the one open, as long as the state the transaction starts
// from, still this database (its file id), and at the commit this process
// last made. So a write never goes into a removed or replaced file, and
// never on top of bytes another program wrote.
func (d *DB) checkHeld(tx *bbolt.Tx) error {
	fi, err := d.file.Stat()
	if err != nil {
		return err
	}
	if err := stillAt(fi, d.path); err != nil {
		return err
	}
	if fi.Size() < tx.Size() {
		return fileChangedError{d.path, fmt.Sprintf("was truncated (to %d bytes; it holds %d)", fi.Size(), tx.Size())}
	}
	// The last write began as transaction n: the file is at n if it
	// committed, n-1 if it did not. Anything else came from elsewhere.
	committed, last := uint64(tx.ID()-1), d.lastWrite.Load()
	meta := tx.Bucket(bMeta)
	if meta == nil || !bytes.Equal(meta.Get(fileIDKey), d.fileID) || (committed != last && committed+1 != last) {
		return fileChangedError{d.path, "was overwritten by another program"}
	}
	d.lastWrite.Store(uint64(tx.ID()))
	return nil
}

// fileIDKey in the meta bucket holds random bytes chosen when the file is
// made: what tells this database from another one copied over it.
var fileIDKey = []byte("file-id")

// loadFileID reads the file id, giving an older file one, and notes the
// commit the file is at.
func (d *DB) loadFileID(tx *bbolt.Tx) error {
	meta := tx.Bucket(bMeta)
	id := meta.Get(fileIDKey)
	if id == nil && tx.Writable() {
		id = newSalt()
		if err := meta.Put(fileIDKey, id); err != nil {
			return err
		}
	}
	d.fileID = bytes.Clone(id)
	d.lastWrite.Store(uint64(tx.ID()))
	return nil
}

// readNewestMeta reads bbolt's two meta pages and returns the transaction
// id and the used size (high water mark × page size) of the newer valid
// one.
func readNewestMeta(f io.ReaderAt) (txid uint64, size int64, err error) {
	// A meta page: 16-byte page header, then magic, version, page size,
	// flags (4 bytes each), root bucket (16), freelist, pgid, txid and
	// checksum (8 each), in the machine's byte order (little-endian here).
	read := func(off int64) (txid uint64, pageSize, pgid uint64, ok bool) {
		buf := make([]byte, 80)
		if _, err := f.ReadAt(buf, off); err != nil {
			return 0, 0, 0, false
		}
		le := binary.LittleEndian
		sum := fnv.New64a()
		sum.Write(buf[16:72])
		if le.Uint32(buf[16:]) != 0xED0CDAED || le.Uint64(buf[72:]) != sum.Sum64() {
			return 0, 0, 0, false // not a meta page, or one torn by a crash
		}
		return le.Uint64(buf[64:]), uint64(le.Uint32(buf[24:])), le.Uint64(buf[56:]), true
	}
	t0, ps, pg0, ok0 := read(0)
	if !ok0 {
		return 0, 0, errors.New("no bbolt meta page")
	}
	t1, _, pg1, ok1 := read(int64(ps))
	if ok1 && t1 > t0 {
		return t1, int64(pg1 * ps), nil
	}
	return t0, int64(pg0 * ps), nil
}
