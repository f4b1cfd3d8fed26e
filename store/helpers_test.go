package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"docket/model"
	"docket/store/bolt"
	"docket/store/pgtest"
)

// t0 is the fixed "now" of the store tests.
var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) advance(d time.Duration) { c.now = c.now.Add(d) }
func (c *clock) set(t time.Time) *clock  { c.now = t; return c }
func newClock() *clock                   { return (&clock{}).set(t0) }
func dbPath(t testing.TB) string         { return filepath.Join(t.TempDir(), "docket.db") }

// testDB is where the tests' stores live: a file, or with
// DOCKET_TEST_BACKEND=pg a PostgreSQL database of the test's own (see
// pgtest), so that the rules' tests run on either backend.
func testDB(t testing.TB) string {
	if os.Getenv("DOCKET_TEST_BACKEND") == "pg" {
		return pgtest.DB(t)
	}
	return dbPath(t)
}
func openAt(t testing.TB, path string, c *clock) *Store {
	t.Helper()
	s, err := Open(path, Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newStore opens a fresh database with a team: ada (admin), lena (lead),
// ravi and mia (reviewers, in team-1 and team-2).
func newStore(t testing.TB) (*Store, *clock) {
	t.Helper()
	c := newClock()
	s := openAt(t, testDB(t), c)
	if _, err := s.Login("ada"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []model.User{
		{Name: "lena", Role: model.RoleLead, Email: "lena@example.com", Teams: []string{"team-1", "team-2"}},
		{Name: "ravi", Role: model.RoleReviewer, Email: "ravi@example.com", Teams: []string{"team-1"}},
		{Name: "mia", Role: model.RoleReviewer, Email: "mia@example.com", Teams: []string{"team-2"}},
	} {
		must(t, s.AddUser("ada", u))
	}
	return s, c
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// mustCase creates a case in workflow wf, assigned to assignee ("" for none).
func mustCase(t testing.TB, s *Store, wf, assignee string) *model.Case {
	t.Helper()
	c, err := s.CreateCase("lena", NewCase{Workflow: wf, Assignee: assignee, Fields: json.RawMessage(`{"risk":{"score":10}}`)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// snapshot is every key and value in the file, to prove a refused
// operation changed nothing.
func snapshot(t testing.TB, s *Store) map[string]string {
	t.Helper()
	if s.server != nil {
		rows, err := s.server.Rows(context.Background())
		must(t, err)
		return rows
	}
	out, err := s.db.Rows()
	must(t, err)
	return out
}

func sameSnapshot(t testing.TB, before, after map[string]string) {
	t.Helper()
	if len(before) != len(after) {
		t.Fatalf("refused operation changed the database: %d keys before, %d after", len(before), len(after))
	}
	for k, v := range before {
		if after[k] != v {
			t.Fatalf("refused operation changed key %q", k)
		}
	}
}

// refused asserts err is a refusal of the given kind whose message
// contains want, and that the database did not change.
func refused(t testing.TB, s *Store, err error, kind error, want string, before map[string]string) {
	t.Helper()
	if err == nil {
		t.Fatalf("expected a refusal containing %q, got success", want)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("error %q is not %v", err, kind)
	}
	if !bytes.Contains([]byte(err.Error()), []byte(want)) {
		t.Fatalf("error %q does not mention %q", err, want)
	}
	sameSnapshot(t, before, snapshot(t, s))
}

// reopenReadOnlyWithout drops buckets from s's file, as a file from before
// they existed lacks them, and opens it again read-only.
func reopenReadOnlyWithout(t *testing.T, s *Store, c *clock, buckets ...string) *Store {
	t.Helper()
	path := s.Path()
	must(t, s.db.Edit(func(r *bolt.Raw) error {
		for _, b := range buckets {
			if err := r.DropBucket(b); err != nil {
				return err
			}
		}
		return nil
	}))
	must(t, s.Close())
	ro, err := Open(path, Options{Now: c.Now, ReadOnly: true})
	must(t, err)
	t.Cleanup(func() { ro.Close() })
	return ro
}

// boltOnly skips a test of bbolt's own layout, file or upkeep when the
// suite runs on PostgreSQL (DOCKET_TEST_BACKEND=pg).
func boltOnly(t testing.TB) {
	t.Helper()
	if os.Getenv("DOCKET_TEST_BACKEND") == "pg" {
		t.Skip("a test of the bbolt file's own layout or upkeep")
	}
}
