package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"docket/model"
	"docket/store/backend"
	"docket/store/bolt"
)

// Backups, restores and compaction work on files, so they can run whether
// or not a workstation has the database open. Each is an admin's: a copy
// holds every case, a restore replaces them all. The role is read from the
// database concerned, under its lock or in the copy taken.

// Backup writes a consistent copy of the open database to path while it
// stays in use, if actor is an admin. The copy appears, synced, only when
// complete.
func (s *Store) Backup(path, actor string) error {
	if s.server != nil {
		return backupServer(s, path, actor)
	}
	err := bolt.WriteAtomically(path, func(tmp string) error {
		return s.db.CopyTo(tmp, func(tx backend.Tx) error { return authorizeIn(tx, actor, model.ActBackup) })
	})
	if err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// authorizeIn checks in the database of tx that actor may take action a.
func authorizeIn(tx backend.Tx, actor string, a model.Action) error {
	if some, err := tx.HasUsers(); err != nil || !some {
		if err == nil {
			err = fmt.Errorf("the database has no users, so nobody may %s", a)
		}
		return err
	}
	u, err := (&txn{be: tx}).actor(actor)
	if err != nil {
		return err
	}
	return model.Authorize(u, a, nil)
}

// authorizeFile checks in the database file at path, read-only, that actor
// may take action a.
func authorizeFile(path, actor string, a model.Action) error {
	return bolt.ViewFile(path, func(tx backend.Tx) error { return authorizeIn(tx, actor, a) })
}

// BackupTo is Backup, then a check of the copy, which is removed if it
// does not verify: what a process that holds the database offers its
// callers (docket serve's commands).
func (s *Store) BackupTo(path, actor string) error {
	if s.server != nil {
		return backupServer(s, path, actor) // verified
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
// landed while it read (see bolt.CopyUnlocked), and only if the copy says
// actor is an admin.
func BackupFile(src, dst, actor string) error {
	if IsServer(src) {
		return backupServerAt(src, dst, actor)
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
		err = bolt.WriteAtomically(dst, func(tmp string) error { return bolt.CopyUnlocked(src, tmp) })
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
	if IsServer(path) {
		return "", restoreServer(backup, path, actor)
	}
	path = bolt.RealPath(path)
	if sameFile(backup, path) {
		return "", model.Invalidf("restore %s: that is the database itself", backup)
	}
	if err := bolt.IsDocketFile(backup); err != nil {
		return "", fmt.Errorf("restore from %s: %w", backup, err)
	}
	if _, err := os.Stat(path); err == nil {
		lock, err := bolt.Lock(path)
		if err != nil {
			return "", fmt.Errorf("restore: %w; close it first", err)
		}
		defer lock.Close()
		if err := lock.View(func(tx backend.Tx) error { return authorizeIn(tx, actor, model.ActRestore) }); err != nil {
			return "", fmt.Errorf("restore over %s: %w", path, err)
		}
		kept = fmt.Sprintf("%s.replaced-%s", path, time.Now().UTC().Format("20060102T150405Z"))
	} else if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	err = bolt.WriteAtomically(path, func(tmp string) error {
		if err := bolt.CopyFile(backup, tmp); err != nil {
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

// Compact rewrites the database file at path (see bolt.Compact) on behalf
// of actor, who must be an admin of it. The role is read under the file's
// lock, which bolt.Compact then takes again (it cannot be held across:
// the lock is per open file). On a database server it runs what makes
// the dead rows' bytes go (see compactServer).
func Compact(path, actor string) (before, after int64, err error) {
	if IsServer(path) {
		return compactServer(path, actor)
	}
	if _, err := os.Stat(path); err != nil {
		return 0, 0, fmt.Errorf("compact: %w", err)
	}
	lock, err := bolt.Lock(path)
	if err != nil {
		return 0, 0, err
	}
	err = lock.View(func(tx backend.Tx) error { return authorizeIn(tx, actor, model.ActCompact) })
	if cerr := lock.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, 0, fmt.Errorf("compact %s: %w", path, err)
	}
	return bolt.Compact(path)
}
