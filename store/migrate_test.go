package store

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// copyFixture copies the committed schema-1 database into the test's dir.
func copyFixture(t *testing.T) string {
	t.Helper()
	src, err := os.Open(filepath.Join("..", "testdata", "schema1.db"))
	must(t, err)
	defer src.Close()
	path := filepath.Join(t.TempDir(), "old.db")
	dst, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o600)
	must(t, err)
	_, err = io.Copy(dst, src)
	must(t, err)
	must(t, dst.Close())
	return path
}

func TestOldSchemaIsUpgradedInPlace(t *testing.T) {
	boltOnly(t)
	path := copyFixture(t)
	s, err := Open(path, Options{})
	must(t, err)
	defer s.Close()
	must(t, s.db.View(func(tx *bolt.Tx) error {
		if v, err := schemaOf(tx); err != nil || v != SchemaVersion {
			t.Fatalf("schema after upgrade = %d, %v", v, err)
		}
		return nil
	}))
	page, err := s.List(Query{Queue: QueueAll, Actor: "ada", Limit: 100})
	must(t, err)
	if len(page.Cases) != 12 {
		t.Fatalf("%d cases after the upgrade, want 12", len(page.Cases))
	}
	for _, c := range page.Cases {
		d, err := s.CaseDetail(c.Name)
		must(t, err)
		if len(d.Broken) > 0 || len(d.Events) == 0 {
			t.Fatalf("%s: %d events, chain problems %v", c.Name, len(d.Events), d.Broken)
		}
	}
	rev2, err := s.CaseDetail("REV-2")
	must(t, err)
	if rev2.Case.Status != "Approved" || rev2.Case.Version != 7 {
		t.Fatalf("REV-2 = %s v%d, want Approved v7", rev2.Case.Status, rev2.Case.Version)
	}
	last := rev2.Events[len(rev2.Events)-1]
	if last.Comment != "bill matches" || !strings.Contains(rev2.Comments[len(rev2.Comments)-1].Body, "utility bill") {
		t.Fatalf("REV-2's decision lost its comment: %+v", last)
	}
	if c6, _ := s.CaseDetail("CASE-6"); !c6.Case.Redacted {
		t.Fatal("CASE-6 is no longer redacted")
	}
	// New events chain on to the upgraded ones.
	_, err = s.Comment(Target{Case: "REV-2", Actor: "ada"}, "filed")
	must(t, err)
	if d, _ := s.CaseDetail("REV-2"); len(d.Broken) > 0 {
		t.Fatalf("after a new event: %v", d.Broken)
	}
}

func TestUpgradeResumesAfterAnInterruption(t *testing.T) {
	boltOnly(t)
	path := copyFixture(t)
	db, err := bolt.Open(path, 0o600, nil)
	must(t, err)
	must(t, chainEvents(db)) // as if the process died before the schema bump
	hashes := func() map[string]string {
		out := map[string]string{}
		must(t, db.View(func(tx *bolt.Tx) error {
			return tx.Bucket(bCases).ForEach(func(k, v []byte) error {
				if isEventKey(k) {
					out[string(k)] = string(v)
				}
				return nil
			})
		}))
		return out
	}
	old := &Store{db: db, path: path, now: time.Now, eventsApart: true}
	must(t, migrate(old, 1)) // completes what was interrupted
	first := hashes()
	must(t, migrate(old, 1)) // and a second run changes nothing
	if again := hashes(); len(again) != len(first) {
		t.Fatalf("%d events, then %d", len(first), len(again))
	} else {
		for k, v := range first {
			if again[k] != v {
				t.Fatalf("event %q sealed again on a second run", k)
			}
		}
	}
	must(t, db.Close())
	s, err := Open(path, Options{})
	must(t, err)
	s.Close()
}

func TestOldSchemaReadOnlyIsRefused(t *testing.T) {
	boltOnly(t)
	path := copyFixture(t)
	_, err := Open(path, Options{ReadOnly: true})
	if err == nil || !strings.Contains(err.Error(), "older docket (schema 1") || !strings.Contains(err.Error(), "open it once for writing") {
		t.Fatalf("got %v", err)
	}
}
