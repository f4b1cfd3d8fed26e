package store

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"docket/model"
	"docket/store/backend"
)

// Backups, restores and compaction work on files, so they can run whether
// or not a workstation has the database open. Each is an admin's: a copy
// holds every case, a restore replaces them all. The role is read from the
// database concerned, under its lock or in the copy taken.

// Backup writes a consistent copy of the open database to path while it
// stays in use, if actor is an admin. The copy appears, synced, only when
// complete.
func (s *Store) Backup(path, actor string) error {
	if err := s.fileOnly("docket backup"); err != nil {
		return err
	}
	err := writeAtomically(path, func(tmp string) error {
		return s.view(func(x *txn) error {
			if err := authorizeIn(x.bolt().tx, actor, model.ActBackup); err != nil {
				return err
			}
			return x.bolt().tx.CopyFile(tmp, 0o600)
		})
	})
	if err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// authorizeIn checks in the database of tx that actor may take action a.
// The file may be the damaged one being restored over: a page that faults
// is an error naming the file, not a crash.
func authorizeIn(tx *bolt.Tx, actor string, a model.Action) error {
	return backend.Guard(tx.DB().Path(), func() error {
		if tx.Bucket(bUsers) == nil {
			return fmt.Errorf("the database has no users, so nobody may %s", a)
		}
		u, err := (&txn{be: &boltTx{tx: tx, path: tx.DB().Path()}}).actor(actor)
		if err != nil {
			return err
		}
		return model.Authorize(u, a, nil)
	})
}

// authorizeFile checks in the database file at path, read-only, that actor
// may take action a.
func authorizeFile(path, actor string, a model.Action) error {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	return db.View(func(tx *bolt.Tx) error { return authorizeIn(tx, actor, a) })
}

// BackupTo is Backup, then a check of the copy, which is removed if it
// does not verify: what a process that holds the database offers its
// callers (docket serve's commands).
func (s *Store) BackupTo(path, actor string) error {
	if err := s.fileOnly("docket backup"); err != nil {
		return err
	}
	if err := s.Backup(path, actor); err != nil {
		return err
	}
	if err := verifyFile(path); err != nil {
		os.Remove(path)
		return fmt.Errorf("backup %s did not verify, so it was removed: %w", path, err)
	}
	return nil
}

// BackupFile copies the database at src to dst and verifies the copy, if
// actor is an admin of it. When another docket process holds src, it
// copies the file without the lock and keeps the copy only if no commit
// landed while it read (see copyUnlocked), and only if the copy says actor
// is an admin.
func BackupFile(src, dst, actor string) error {
	if err := refuseServer(src, "docket backup"); err != nil {
		return err
	}
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if sameFile(src, dst) {
		return model.Invalidf("backup %s: that is the database itself", dst)
	}
	if _, err := os.Stat(dst); err == nil {
		return model.Invalidf("backup %s: the file exists; choose a new name", dst)
	}
	s, err := Open(src, Options{ReadOnly: true, LockTimeout: 200 * time.Millisecond})
	switch {
	case errors.Is(err, ErrInUse):
		err = writeAtomically(dst, func(tmp string) error { return copyUnlocked(src, tmp) })
		if err != nil {
			err = fmt.Errorf("backup to %s: %w", dst, err)
		}
	case err != nil:
		return err
	default:
		err = s.Backup(dst, actor)
		s.Close()
	}
	if err != nil {
		return err
	}
	if err := verifyFile(dst); err != nil {
		os.Remove(dst)
		return fmt.Errorf("backup %s did not verify, so it was removed: %w", dst, err)
	}
	if err := authorizeFile(dst, actor, model.ActBackup); err != nil {
		os.Remove(dst)
		return fmt.Errorf("backup %s: %w; the copy was removed", dst, err)
	}
	return nil
}

// copyUnlocked copies a bbolt file that another process may be writing.
// A bbolt commit writes its pages to space the last committed state does
// not use, then its meta page, so a copy taken between two meta writes is
// that committed state. It reads the newest meta's transaction id before
// and after copying the pages that state uses, and tries again if it
// moved.
func copyUnlocked(src, dst string) error {
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

// verifyFile opens a database file read-only and checks it.
func verifyFile(path string) error {
	s, err := Open(path, Options{ReadOnly: true, LockTimeout: time.Second})
	if err != nil {
		return err
	}
	defer s.Close()
	return problemsOf(s)
}

func problemsOf(s *Store) error {
	r, err := s.Check()
	if err != nil {
		return err
	}
	if n := len(r.Problems); n > 0 {
		return fmt.Errorf("%d problems, the first: %s", n, r.Problems[0])
	}
	return nil
}

// Restore replaces the database at path with a copy of the backup, once
// the copy is upgraded (if it is from an older docket) and checks out. It
// refuses while another process has the database open, and unless actor is
// an admin of the database it replaces (anyone may restore where there is
// none). The database it replaces is kept beside it; Restore returns that
// name ("" if none).
func Restore(backup, path, actor string) (kept string, err error) {
	if err := refuseServer(path, "docket restore"); err != nil {
		return "", err
	}
	path = realPath(path)
	if sameFile(backup, path) {
		return "", model.Invalidf("restore %s: that is the database itself", backup)
	}
	if err := isDocketFile(backup); err != nil {
		return "", fmt.Errorf("restore from %s: %w", backup, err)
	}
	if _, err := os.Stat(path); err == nil {
		lock, err := lockFile(path)
		if err != nil {
			return "", fmt.Errorf("restore: %w; close it first", err)
		}
		defer lock.Close()
		if err := lock.View(func(tx *bolt.Tx) error { return authorizeIn(tx, actor, model.ActRestore) }); err != nil {
			return "", fmt.Errorf("restore over %s: %w", path, err)
		}
		kept = fmt.Sprintf("%s.replaced-%s", path, time.Now().UTC().Format("20060102T150405Z"))
	} else if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	err = writeAtomically(path, func(tmp string) error {
		if err := copyPrefix(backup, tmp, 1<<62); err != nil {
			return err
		}
		s, err := Open(tmp, Options{})
		if err != nil {
			return err
		}
		err = problemsOf(s)
		s.Close()
		if err != nil {
			return fmt.Errorf("the backup does not check out: %w", err)
		}
		if kept != "" {
			return os.Rename(path, kept)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("restore %s from %s: %w", path, backup, err)
	}
	return kept, nil
}

// isDocketFile refuses a file that is not a docket database (Open would
// make an empty one of any bbolt file), or is cut short.
func isDocketFile(path string) error {
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
		return db.View(func(tx *bolt.Tx) error {
			if v, err := schemaOf(tx); err != nil || v == 0 {
				return fmt.Errorf("not a docket database")
			}
			return nil
		})
	})
}

// lockFileReadOnly opens a bbolt file for reading, under guard.
func lockFileReadOnly(path string) (*bolt.DB, error) {
	var db *bolt.DB
	err := backend.Guard(path, func() (err error) {
		db, err = bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
		return err
	})
	return db, err
}

// realPath follows symbolic links to the file itself, so that replacing
// the file replaces it and not the link (a path that does not resolve is
// kept as it is).
func realPath(path string) string {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		return real
	}
	return path
}

// sameFile reports whether two names are one file (or one path).
func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb)
	}
	absA, _ := filepath.Abs(a)
	absB, _ := filepath.Abs(b)
	return absA == absB
}

// lockFile opens the database as bbolt does, taking its lock, so nothing
// else uses it until Close.
func lockFile(path string) (*bolt.DB, error) {
	var db *bolt.DB
	err := backend.Guard(path, func() (err error) {
		db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
		return err
	})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, inUse{path}
	}
	return db, err
}

// Compact rewrites the database at path (see compactFile) on behalf of
// actor, who must be an admin of it. The role is read under the file's
// lock, which compactFile then takes again (it cannot be held across: the
// lock is per open file).
func Compact(path, actor string) (before, after int64, err error) {
	if IsServer(path) {
		return compactServer(path, actor)
	}
	if _, err := os.Stat(path); err != nil {
		return 0, 0, fmt.Errorf("compact: %w", err)
	}
	lock, err := lockFile(path)
	if err != nil {
		return 0, 0, err
	}
	err = backend.Guard(path, func() error {
		return lock.View(func(tx *bolt.Tx) error { return authorizeIn(tx, actor, model.ActCompact) })
	})
	if cerr := lock.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	return compactFile(path)
}

// compactFile rewrites the database at path into a new file holding only live
// data, then puts it in place: the file shrinks, and nothing deleted or
// redacted survives in free pages. It returns the sizes before and after.
// A path that is a symbolic link compacts the file it points to, which
// stays where it is. It checks no role: the store runs it itself (Close,
// after a redaction); people compact through Compact.
func compactFile(path string) (before, after int64, err error) {
	path = realPath(path)
	src, err := lockFile(path)
	if err != nil {
		return 0, 0, err
	}
	defer src.Close()
	if fi, err := os.Stat(path); err == nil {
		before = fi.Size()
	}
	err = writeAtomically(path, func(tmp string) error {
		dst, err := bolt.Open(tmp, 0o600, &bolt.Options{NoSync: true})
		if err != nil {
			return err
		}
		err = backend.Guard(path, func() error { return bolt.Compact(dst, src, 64<<20) })
		if err == nil { // what needed scrubbing is gone now
			err = dst.Update(func(tx *bolt.Tx) error { return tx.Bucket(bMeta).Delete(scrubKey) })
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

// writeAtomically has write fill a temporary file beside path, syncs it and
// renames it into place, so path is either what it was or complete.
func writeAtomically(path string, write func(tmp string) error) error {
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
