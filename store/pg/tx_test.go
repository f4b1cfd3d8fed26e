package pg

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"docket/model"
	"docket/store/backend"
	"docket/store/pgtest"
)

// at is a test time, minutes after a fixed one.
func at(minutes int) time.Time {
	return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC).Add(time.Duration(minutes) * time.Minute)
}

func testCase(id string) *model.Case {
	return &model.Case{ID: id, Name: "KYC-1", Workflow: "kyc", Status: "New", StatusType: model.Initial,
		CreatedAt: at(0), UpdatedAt: at(0), Version: 1, Fields: []byte(`{}`)}
}

func mustUpdate(t *testing.T, db *DB, fn func(backend.Tx) error) {
	t.Helper()
	if err := db.Update(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// TestConflictRunsAgain has two writers read a case's version and then,
// both having read it, write the next: one commits; the other meets its
// change, runs again from the start, reads the newer version and writes
// the one after. No change is lost.
func TestConflictRunsAgain(t *testing.T) {
	t.Parallel()
	db := open(t, pgtest.DB(t))
	mustUpdate(t, db, func(tx backend.Tx) error { return tx.PutCase(nil, testCase("case_1")) })
	var runs atomic.Int32
	var read sync.WaitGroup
	read.Add(2)
	saw := make(chan int64, 4)
	write := func() error {
		first := true
		return db.Update(context.Background(), func(tx backend.Tx) error {
			runs.Add(1)
			old, err := tx.CaseHeader("case_1")
			if err != nil {
				return err
			}
			saw <- old.Version
			if first {
				first = false
				read.Done()
				read.Wait() // both have read version 1
			}
			c := old.Clone()
			c.Version++
			return tx.PutCase(old, c)
		})
	}
	errs := make(chan error, 2)
	for range 2 {
		go func() { errs <- write() }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(saw)
	var versions []int64
	for v := range saw {
		versions = append(versions, v)
	}
	if runs.Load() != 3 || !slices.Equal(versions, []int64{1, 1, 2}) {
		t.Errorf("the writers ran %d times, reading versions %v; want 3 runs reading 1, 1, then 2", runs.Load(), versions)
	}
	db.View(context.Background(), func(tx backend.Tx) error {
		c, err := tx.CaseHeader("case_1")
		if err != nil || c.Version != 3 {
			t.Errorf("the case is at version %d (%v); want 3: a change was lost", c.Version, err)
		}
		return nil
	})
}

// TestFailedStatementEndsUpdate: a statement the server refuses aborts the
// transaction, so Update returns its error even when fn went on as if
// nothing happened, and does not run fn again for it.
func TestFailedStatementEndsUpdate(t *testing.T) {
	t.Parallel()
	db := open(t, pgtest.DB(t))
	runs := 0
	err := db.Update(context.Background(), func(tx backend.Tx) error {
		runs++
		c := testCase("case_1")
		c.Version = 0 // refused: versions start at 1
		tx.PutCase(nil, c)
		return nil
	})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23514" || runs != 1 {
		t.Errorf("Update after a refused statement: %v, %d runs; want the check violation, one run", err, runs)
	}
	db.View(context.Background(), func(tx backend.Tx) error {
		if has, err := tx.HasCase("case_1"); has || err != nil {
			t.Errorf("the refused case is there (%v)", err)
		}
		return nil
	})
}

// TestErrorRollsBack: fn's error undoes what it wrote, counts included.
func TestErrorRollsBack(t *testing.T) {
	t.Parallel()
	db := open(t, pgtest.DB(t))
	refused := errors.New("refused by a rule")
	err := db.Update(context.Background(), func(tx backend.Tx) error {
		if err := tx.PutCase(nil, testCase("case_1")); err != nil {
			return err
		}
		return refused
	})
	if err != refused {
		t.Errorf("Update: %v; want fn's error", err)
	}
	db.View(context.Background(), func(tx backend.Tx) error {
		has, _ := tx.HasCase("case_1")
		n, _ := tx.QueueCounts("ana")
		if has || n[backend.QueueOpen] != 0 {
			t.Errorf("a rolled-back case is there (%t) or counted (%d)", has, n[backend.QueueOpen])
		}
		return nil
	})
}

// TestStateOutsideTables: a state record no table keeps, or a value not
// of its kind's form, is refused, not lost.
func TestStateOutsideTables(t *testing.T) {
	t.Parallel()
	db := open(t, pgtest.DB(t))
	for _, tc := range []struct {
		key   string
		value string
	}{
		{"other/x", "1"},
		{"seq/KYC", "007"},
		{"seq/KYC", "many"},
		{"last/nobody", "12345678"},
		{"last/ana", "1234"},
		{"released/ana", `{"by":"lead","at":"2026-03-02T09:00:00Z","cases":["c"],"why":"holiday"}`},
		{"rr/kyc", "ana"},
	} {
		err := db.Update(context.Background(), func(tx backend.Tx) error {
			if err := tx.PutUser(model.User{Name: "ana", Role: model.RoleReviewer, Availability: model.Available}); err != nil {
				return err
			}
			return tx.PutState(tc.key, []byte(tc.value))
		})
		if err == nil {
			t.Errorf("PutState(%q, %q) was kept", tc.key, tc.value)
		}
	}
}

// TestReplyOutsideColumns: a reply holding what the requests table has no
// column for is refused.
func TestReplyOutsideColumns(t *testing.T) {
	t.Parallel()
	db := open(t, pgtest.DB(t))
	err := db.Update(context.Background(), func(tx backend.Tx) error {
		return tx.PutReply("ana", "k", at(0), []byte(`{"digest":"d","at":"2026-03-02T09:00:00Z","done":false,"retry_after":5}`))
	})
	if err == nil || !strings.Contains(err.Error(), "retry_after") {
		t.Errorf("PutReply with a field the table lacks: %v; want it refused, named", err)
	}
}

// A transaction that meets a concurrent one every time it runs is given
// up after maxAttempts runs, with an error that says so, wraps the last
// serialization failure and is backend.ErrContended (the store then runs
// a group's writes alone).
func TestGivingUpIsContended(t *testing.T) {
	t.Parallel()
	db := open(t, pgtest.DB(t))
	runs := 0
	err := db.Update(context.Background(), func(t backend.Tx) error {
		runs++
		return t.(*tx).exec(`DO $$ BEGIN RAISE EXCEPTION 'met a concurrent change' USING ERRCODE = 'serialization_failure'; END $$`)
	})
	var pgErr *pgconn.PgError
	if runs != maxAttempts || !errors.Is(err, backend.ErrContended) || !errors.As(err, &pgErr) || pgErr.Code != "40001" ||
		!strings.Contains(err.Error(), "gave up after 12 attempts") {
		t.Fatalf("%d runs, %v", runs, err)
	}
}

// A connection the server ends under a transaction (a restart, a
// failover, an administrator) loses nothing of it and is not the caller's
// error: the transaction runs again on a new connection.
func TestLostConnectionRunsAgain(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DB(t)
	db := open(t, dsn)
	mustUpdate(t, db, func(tx backend.Tx) error { return tx.PutCase(nil, testCase("case_1")) })
	admin := open(t, dsn)
	terminate := func() {
		t.Helper()
		mustUpdate(t, admin, func(b backend.Tx) error {
			return b.(*tx).exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid()`)
		})
	}
	terminate()
	if err := db.View(context.Background(), func(tx backend.Tx) error {
		c, err := tx.CaseHeader("case_1")
		if err == nil && c == nil {
			err = errors.New("case_1 is missing")
		}
		return err
	}); err != nil {
		t.Fatalf("a read after the server ended the connection: %v", err)
	}
	runs := 0
	err := db.Update(context.Background(), func(tx backend.Tx) error {
		runs++
		if runs == 1 {
			terminate() // the connection is lost under the transaction
		}
		c := testCase("case_2")
		c.Name = "KYC-2"
		return tx.PutCase(nil, c)
	})
	if err != nil || runs != 2 {
		t.Fatalf("a write whose connection was lost: %v after %d runs; want it run again once", err, runs)
	}

}

// A read whose connection is lost after fn began is not run again: a
// View's fn may do what cannot be undone (a copy hands each batch it
// reads to the writer; a listing appends to what it returns), and only
// Update's fn is written to run more than once. The loss is the caller's
// error. (A connection found lost when the transaction begins, before fn
// runs, is still replaced: see TestLostConnectionRunsAgain.)
func TestLostConnectionUnderAReadIsNotRunAgain(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DB(t)
	db := open(t, dsn)
	mustUpdate(t, db, func(tx backend.Tx) error { return tx.PutCase(nil, testCase("case_1")) })
	admin := open(t, dsn)
	runs := 0
	err := db.View(context.Background(), func(b backend.Tx) error {
		runs++
		if runs == 1 {
			mustUpdate(t, admin, func(a backend.Tx) error {
				return a.(*tx).exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity
					WHERE datname = current_database() AND pid <> pg_backend_pid()`)
			})
		}
		_, err := b.CaseHeader("case_1")
		return err
	})
	if runs != 1 || err == nil {
		t.Fatalf("a read whose connection was lost under it: %d runs, %v; want one run and its error", runs, err)
	}
}
