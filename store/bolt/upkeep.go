package bolt

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bbolt "go.etcd.io/bbolt"

	"docket/store/backend"
)

// Backups, restores and compaction work on files, so they can run whether
// or not a workstation has the database open. Who may run them is the
// rules' to say: each function here that reads a file for them hands the
// caller a transaction of the file concerned (under its lock, or in the
// copy taken), in which the caller reads the user and decides.

// CopyTo writes a consistent copy of the open file to path while it stays
// in use, once first, run in the same read transaction, says yes.
func (d *DB) CopyTo(path string, first func(backend.Tx) error) error {
	return backend.Guard(d.path, func() error {
		return d.db.View(func(tx *bbolt.Tx) error {
			if err := first(d.boltTx(tx)); err != nil {
				return err
			}
			return tx.CopyFile(path, 0o600)
		})
	})
}

// ViewFile runs fn in a read transaction of the database file at path,
// opened read-only. The file may be the damaged one being restored over:
// a page that faults is an error naming the file, not a crash.
func ViewFile(path string, fn func(backend.Tx) error) error {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	return viewRaw(db, fn)
}

// viewRaw runs fn in a read transaction of a bbolt file docket did not
// open as a DB (no shared user cache, no write checks), under guard.
func viewRaw(db *bbolt.DB, fn func(backend.Tx) error) error {
	return backend.Guard(db.Path(), func() error {
		return db.View(func(tx *bbolt.Tx) error {
			return fn(&boltTx{tx: tx, db: db, path: db.Path()})
		})
	})
}

// Locked is a database file held under its lock, so nothing else uses it
// until Close, without opening it as a database.
type Locked struct{ db *bbolt.DB }

// Lock takes the lock of the database file at path; a file another
// process holds is ErrInUse.
func Lock(path string) (*Locked, error) {
	db, err := lockFile(path)
	if err != nil {
		return nil, err
	}
	return &Locked{db}, nil
}

// View runs fn in a read transaction of the locked file. A page that
// faults is an error naming the file, not a crash.
func (l *Locked) View(fn func(backend.Tx) error) error { return viewRaw(l.db, fn) }

// Close releases the lock.
func (l *Locked) Close() error { return l.db.Close() }

// CopyUnlocked copies a bbolt file that another process may be writing.
// A bbolt commit writes its pages to space the last committed state does
// not use, then its meta page, so a copy taken between two meta writes is
// that committed state. It reads the newest meta's transaction id before
// and after copying the pages that state uses, and tries again if it
// moved.
func CopyUnlocked(src, dst string) error {
	const attempts = 20
	for i := 0; i < attempts; i++ {
		txid, size, err := newestMeta(src)
		if err != nil {
			return err
		}
		if err := copyPrefix(src, dst, size); err != nil {
			return err
		}
		after, _, err := newestMeta(src)
		if err != nil {
			return err
		}
		if after == txid {
			return nil
		}
		time.Sleep(time.Duration(i+1) * 10 * time.Millisecond)
	}
	return fmt.Errorf("backup of %s: the database changed during each of %d attempts; try again when it is quieter", src, attempts)
}

// newestMeta is readNewestMeta of the file at path.
func newestMeta(path string) (txid uint64, size int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	txid, size, err = readNewestMeta(f)
	if err != nil {
		return 0, 0, fmt.Errorf("%s is not a docket database (%v)", path, err)
	}
	return txid, size, nil
}

// CopyFile copies the file src to a new file dst.
func CopyFile(src, dst string) error { return copyPrefix(src, dst, 1<<62) }

// copyPrefix copies the first n bytes of src to a new file dst.
func copyPrefix(src, dst string, n int64) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, io.LimitReader(in, n)); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// IsDocketFile refuses a file that is not a docket database (Open would
// make an empty one of any bbolt file), or is cut short.
func IsDocketFile(path string) error {
	db, err := lockFileReadOnly(path)
	if err != nil {
		return fmt.Errorf("not a readable database: %w", err)
	}
	defer db.Close()
	return backend.Guard(path, func() error {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		if _, size, err := readNewestMeta(f); err != nil || fi.Size() < size {
			return backend.Damaged(path, fmt.Sprintf("it is truncated or has no valid meta page (%d bytes)", fi.Size()))
		}
		return db.View(func(tx *bbolt.Tx) error {
			if v, err := schemaOf(tx); err != nil || v == 0 {
				return fmt.Errorf("not a docket database")
			}
			return nil
		})
	})
}

// lockFileReadOnly opens a bbolt file for reading, under guard.
func lockFileReadOnly(path string) (*bbolt.DB, error) {
	var db *bbolt.DB
	err := backend.Guard(path, func() (err error) {
		db, err = bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
		return err
	})
	return db, err
}

// RealPath follows symbolic links to the file itself, so that replacing
// the file replaces it and not the link (a path that does not resolve is
// kept as it is).
func RealPath(path string) string {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		return real
	}
	return path
}

// lockFile opens the database as bbolt does, taking its lock, so nothing
// else uses it until Close.
func lockFile(path string) (*bbolt.DB, error) {
	var db *bbolt.DB
	err := backend.Guard(path, func() (err error) {
		db, err = bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
		return err
	})
	if errors.Is(err, bbolt.ErrTimeout) {
		return nil, inUse{path}
	}
	return db, err
}

// Compact rewrites the database file at path into a new file holding only
// live data, then puts it in place: the file shrinks, and nothing deleted
// or redacted survives in free pages. It returns the sizes before and
// after. A path that is a symbolic link compacts the file it points to,
// which stays where it is. It checks no role: a DB runs it itself (Close,
// after a redaction); who else may is the rules' to say.
func Compact(path string) (before, after int64, err error) {
	path = RealPath(path)
	src, err := lockFile(path)
	if err != nil {
		return 0, 0, err
	}
	defer src.Close()
	if fi, err := os.Stat(path); err == nil {
		before = fi.Size()
	}
	err = WriteAtomically(path, func(tmp string) error {
		dst, err := bbolt.Open(tmp, 0o600, &bbolt.Options{NoSync: true})
		if err != nil {
			return err
		}
		err = backend.Guard(path, func() error { return bbolt.Compact(dst, src, 64<<20) })
		if err == nil { // what needed scrubbing is gone now
			err = dst.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bMeta).Delete(scrubKey) })
		}
		if err != nil {
			dst.Close()
			return err
		}
		return dst.Close()
	})
	if err != nil {
		return before, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	if fi, err := os.Stat(path); err == nil {
		after = fi.Size()
	}
	return before, after, nil
}

// WriteAtomically has write fill a temporary file beside path, syncs it
// and renames it into place, so path is either what it was or complete.
func WriteAtomically(path string, write func(tmp string) error) error {
	tmp := path + ".partial"
	// One left by an attempt that was killed part-way is started afresh:
	// bbolt.Compact, for one, refuses the buckets it already holds.
	if err := os.Remove(tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	err := write(tmp)
	if err == nil {
		err = syncFile(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncFile(filepath.Dir(path))
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
