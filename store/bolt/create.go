package bolt

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	bbolt "go.etcd.io/bbolt"
)

// createFile makes a new database at path, if there is none, so that no
// crash leaves a file there that is not a whole docket database. bbolt
// writes a new file's first pages after creating it, and docket its
// buckets in a transaction after that: a process killed in between left an
// empty or bucketless file, which read-only opens (docket check, backup)
// refuse. Instead the database is built and synced under a temporary name
// beside path and then linked into place; if another process created path
// meanwhile, its file is kept. A kill leaves at worst the temporary file.
func createFile(path string, opt Options) error {
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		return nil // there is a file, or Open will say why not
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".new-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Close(); err != nil {
		return err
	}
	db, err := bbolt.Open(tmp, 0o600, &bbolt.Options{Timeout: opt.LockTimeout, FreelistType: bbolt.FreelistMapType})
	if err != nil {
		return err
	}
	err = (&DB{db: db, path: tmp, now: opt.Now}).create(opt)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Link(tmp, path); err != nil && !errors.Is(err, fs.ErrExist) {
		// A file system without hard links: rename, unless path appeared.
		if _, serr := os.Lstat(path); !errors.Is(serr, fs.ErrNotExist) {
			return nil
		}
		if err := os.Rename(tmp, path); err != nil {
			return err
		}
	}
	syncFile(filepath.Dir(path)) // best effort: without it a crash may lose the name, not the content
	return nil
}
