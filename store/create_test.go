package store

import (
	"os"
	"path/filepath"
	"testing"
)

// A new database appears whole: built beside its name and linked into
// place, with no temporary file left. (ui/cli's TestCrashSafety/CreateKilled
// kills the real binary while it creates one: before, a kill there left an
// empty or bucketless file that docket check refused.)
func TestOpenCreatesTheFileWhole(t *testing.T) {
	boltOnly(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "new", "docket.db")
	s := openAt(t, path, newClock())
	if _, err := s.Login("ada"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	entries, err := os.ReadDir(filepath.Dir(path))
	must(t, err)
	if len(entries) != 1 || entries[0].Name() != "docket.db" {
		t.Fatalf("the directory holds %v, want only docket.db", entries)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("stat %v, %v: want a private file", fi, err)
	}
	ro, err := Open(path, Options{ReadOnly: true})
	must(t, err)
	defer ro.Close()
	r, err := ro.Check()
	must(t, err)
	if len(r.Problems) > 0 || r.Cases != 0 {
		t.Fatalf("check of a new database: %+v", r)
	}
}
