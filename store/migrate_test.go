package store

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"docket/store/bolt"
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
	rows, err := s.db.Rows()
	must(t, err)
	if v := rows["meta|schema"]; v != strconv.Itoa(SchemaVersion) {
		t.Fatalf("schema after upgrade = %s", v)
	}
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
	bind := (&Store{now: time.Now}).binder()
	must(t, bolt.Upgrade(path, 1, 2, bind)) // as if the process died after the first step
	hashes := func() map[string]string {
		rows, err := bolt.FileRows(path)
		must(t, err)
		out := map[string]string{}
		for k, v := range rows {
			if key, ok := strings.CutPrefix(k, "cases|"); ok && bolt.IsEventKey([]byte(key)) {
				out[key] = v
			}
		}
		return out
	}
	must(t, bolt.Upgrade(path, 1, SchemaVersion, bind)) // completes what was interrupted
	first := hashes()
	must(t, bolt.Upgrade(path, 1, SchemaVersion, bind)) // and a second run changes nothing
	if again := hashes(); len(again) != len(first) {
		t.Fatalf("%d events, then %d", len(first), len(again))
	} else {
		for k, v := range first {
			if again[k] != v {
				t.Fatalf("event %q sealed again on a second run", k)
			}
		}
	}
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
