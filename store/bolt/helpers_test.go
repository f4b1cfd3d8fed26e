package bolt

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"docket/model"
	"docket/store/backend"
)

// t0 is the fixed "now" of the tests.
var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// openTest opens a new file in the test's directory.
func openTest(t testing.TB) *DB {
	t.Helper()
	d, err := Open(filepath.Join(t.TempDir(), "docket.db"), Options{Now: func() time.Time { return t0 }})
	must(t, err)
	t.Cleanup(func() { d.Close() })
	return d
}

// update runs fn in a write transaction and writes what it gathered, as
// the rules' transactions do.
func update(t testing.TB, d *DB, fn func(tx backend.Tx) error) {
	t.Helper()
	must(t, d.Update(func(tx backend.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return tx.Finish()
	}))
}

// testCase is a case as the storage keeps it, made up without the rules:
// created at t0 plus minutes, due a day later, at version 1.
func testCase(n int, assignee, status string, statusType model.StatusType) *model.Case {
	return &model.Case{
		ID: "case_" + strings.Repeat("0", 3) + string(rune('0'+n)), Name: "CASE-" + string(rune('0'+n)),
		Workflow: "default", Status: status, StatusType: statusType, Assignee: assignee,
		CreatedAt: t0.Add(time.Duration(n) * time.Minute), UpdatedAt: t0.Add(time.Duration(n) * time.Minute),
		SLAExpiresAt: t0.Add(24*time.Hour + time.Duration(n)*time.Minute),
		Fields:       []byte("{}"), Objects: []model.ObjectRef{}, Version: 1,
	}
}

// putCase stores a new case with its first audit event and the links of
// its objects.
func putCase(tx backend.Tx, c *model.Case) error {
	if err := tx.PutCase(nil, c); err != nil {
		return err
	}
	for _, r := range c.Objects {
		if _, err := tx.PutObject(&model.Object{ObjectRef: r, Attributes: []byte(`{"name-first":"Amara"}`)}); err != nil {
			return err
		}
		if err := tx.Link(r.ID, c.ID); err != nil {
			return err
		}
	}
	return tx.PutEvent(model.Event{CaseID: c.ID, Seq: 1, Kind: model.EventCreated, At: c.CreatedAt})
}

// checkRules are the rules a check of the layout alone needs: none, and
// a report of what it finds.
func checkRules(problems *[]string) CheckRules {
	return CheckRules{
		Problem:        func(where, what string) { *problems = append(*problems, where+": "+what) },
		Case:           func(backend.Tx, *model.Case, []model.Event, []model.Comment) {},
		KeyFingerprint: func(string) (string, error) { return "", nil },
		Webhooks:       func(backend.Tx) error { return nil },
	}
}
