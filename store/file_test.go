package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"docket/store/bolt"
)

// copyFile copies src to a new file dst.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	raw, err := os.ReadFile(src)
	must(t, err)
	must(t, os.WriteFile(dst, raw, 0o600))
}

// commented reports whether the database at path holds a comment body on
// case ref.
func commented(t *testing.T, path, ref, body string) bool {
	t.Helper()
	s, err := Open(path, Options{ReadOnly: true})
	must(t, err)
	defer s.Close()
	d, err := s.CaseDetail(ref)
	must(t, err)
	for _, cm := range d.Comments {
		if cm.Body == body {
			return true
		}
	}
	return false
}

// A process waiting for the lock while another puts a new file at the
// path (compaction and restore do) must end up writing into the new file,
// not the old one it first opened.
func TestOpenAfterTheFileIsSwappedWhileWaiting(t *testing.T) {
	boltOnly(t)
	s, _ := newStore(t)
	c := mustCase(t, s, "default", "ravi")
	path := s.Path()
	must(t, s.Close())

	holder, err := Open(path, Options{})
	must(t, err)
	opened := make(chan *Store)
	failed := make(chan error, 1)
	go func() {
		w, err := Open(path, Options{LockTimeout: 10 * time.Second})
		if err != nil {
			failed <- err
			return
		}
		opened <- w
	}()
	time.Sleep(100 * time.Millisecond) // the waiter has the old file open and waits for its lock
	swapped := path + ".new"
	copyFile(t, path, swapped)
	must(t, os.Rename(swapped, path))
	must(t, holder.Close())

	var w *Store
	select {
	case w = <-opened:
	case err := <-failed:
		t.Fatal(err)
	}
	_, err = w.Comment(Target{Actor: "ravi", Case: c.Name}, "after the swap")
	must(t, err)
	must(t, w.Close())
	if !commented(t, path, c.Name, "after the swap") {
		t.Fatal("the comment went into the old, unlinked file")
	}
}

// A running store whose file is removed, replaced, truncated or written
// over refuses the next write, and never says it saved one the path does
// not hold.
func TestWritesRefusedWhenTheFileChanges(t *testing.T) {
	boltOnly(t)
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, path string)
		want   string
	}{
		{"removed", func(t *testing.T, path string) { must(t, os.Remove(path)) }, "was removed"},
		{"replaced", func(t *testing.T, path string) {
			other := filepath.Join(filepath.Dir(path), "other.db")
			copyFile(t, path, other)
			must(t, os.Rename(other, path))
		}, "was replaced"},
		{"truncated", func(t *testing.T, path string) { must(t, os.Truncate(path, 8192)) }, "was truncated"},
		{"overwritten in place", func(t *testing.T, path string) {
			// Another docket database, copied over this one's bytes
			// without a new inode (cp does this).
			other, _ := newStore(t)
			mustCase(t, other, "review", "")
			mustCase(t, other, "review", "")
			must(t, other.Close())
			raw, err := os.ReadFile(other.Path())
			must(t, err)
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			must(t, err)
			_, err = f.WriteAt(raw, 0)
			must(t, err)
			must(t, f.Close())
		}, "overwritten"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newStore(t)
			c := mustCase(t, s, "default", "ravi")
			tc.change(t, s.Path())
			_, err := s.Comment(Target{Actor: "ravi", Case: c.Name}, "lost?")
			if !errors.Is(err, ErrFileChanged) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("write after the file %s: got %v, want ErrFileChanged saying %q", tc.name, err, tc.want)
			}
		})
	}
}

// Only a missing path becomes a new database: an empty file, a file of
// something else, or a bbolt file that is not docket's are refused and
// left as they were.
func TestOpenRefusesWhatIsNotADocketDatabase(t *testing.T) {
	boltOnly(t)
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	must(t, os.WriteFile(empty, nil, 0o600))
	text := filepath.Join(dir, "notes.txt")
	must(t, os.WriteFile(text, bytes.Repeat([]byte("not a database\n"), 1000), 0o600))
	other := filepath.Join(dir, "other.bolt")
	must(t, bolt.EditFile(other, func(r *bolt.Raw) error { return r.CreateBucket("mine") }))

	for _, path := range []string{empty, text, other} {
		for _, ro := range []bool{false, true} {
			before, err := os.ReadFile(path)
			must(t, err)
			_, err = Open(path, Options{ReadOnly: ro})
			if !errors.Is(err, ErrNotDocket) || !strings.Contains(err.Error(), path) {
				t.Errorf("Open(%s, read-only %v) = %v, want ErrNotDocket naming the file", filepath.Base(path), ro, err)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(before, after) {
				t.Errorf("Open(%s) changed the file", filepath.Base(path))
			}
		}
	}
}

// A database file that others may read is made private on open.
func TestOpenTightensALooseFileMode(t *testing.T) {
	boltOnly(t)
	s, _ := newStore(t)
	path := s.Path()
	must(t, s.Close())
	must(t, os.Chmod(path, 0o644))
	s, err := Open(path, Options{})
	must(t, err)
	defer s.Close()
	fi, err := os.Stat(path)
	must(t, err)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode after open: %04o, want 0600", fi.Mode().Perm())
	}
}
