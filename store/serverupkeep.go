package store

import (
	"fmt"
	"os"

	"docket/model"
	"docket/store/bolt"
)

// Backups of a database server are bbolt files: `docket backup` copies the
// whole database, from one snapshot, into a new file (see Copy) and keeps
// it only once it checks out; `docket restore` copies such a file into an
// empty database. So a backup is one portable file whichever backend made
// it, and restores into either.

// backupServer writes the whole of s, a database server, to a new file
// at dst, and keeps it under that name only once it checks out.
func backupServer(s *Store, dst, actor string) error {
	if _, err := os.Lstat(dst); err == nil {
		return model.Invalidf("backup %s: the file exists; choose a new name", dst)
	}
	if _, err := s.CopyTo(dst, CopyOptions{Actor: actor, verify: verifyFile}); err != nil {
		return fmt.Errorf("backup to %s: %w", dst, err)
	}
	return nil
}

// backupServerAt backs up the database server at dsn.
func backupServerAt(dsn, dst, actor string) error {
	s, err := Open(dsn, Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	return backupServer(s, dst, actor)
}

// restoreServer copies a backup file into the empty database server at
// dsn, and checks what it wrote.
func restoreServer(backup, dsn, actor string) error {
	if err := bolt.IsDocketFile(backup); err != nil {
		return fmt.Errorf("restore from %s: %w", backup, err)
	}
	if _, err := Copy(backup, dsn, CopyOptions{Actor: actor}); err != nil {
		return fmt.Errorf("restore %s from %s: %w", ShownName(dsn), backup, err)
	}
	s, err := Open(dsn, Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	if err := problemsOf(s); err != nil {
		return fmt.Errorf("restore %s from %s: the copy does not check out: %w", ShownName(dsn), backup, err)
	}
	return nil
}
