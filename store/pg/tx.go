package pg

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"docket/store/backend"
)

// Transactions.
//
// The rules were written for bbolt, where one writer runs at a time: every
// rule that reads something and writes on the strength of it (the version
// check, a reviewer's cap of open cases, the next free case name, an
// email nobody claims) is safe there without saying so. Update keeps that
// true on a server where writers run at once by running each transaction
// SERIALIZABLE: PostgreSQL commits a set of concurrent transactions only
// if some order of running them one at a time would have had the same
// effect, and fails the others with a serialization failure (SQLSTATE
// 40001), which Update answers by running the whole function again on a
// fresh snapshot. Two writers that read a case's version and write the
// next meet there: one commits, the other runs again, reads the newer
// version and meets the version check. REPEATABLE READ with SELECT … FOR
// UPDATE on the case would catch that one conflict only, not the caps and
// counts the rules read (a reviewer's open cases are a sum of counter
// rows that two writers each add to).
//
// View runs REPEATABLE READ, READ ONLY: one snapshot for everything fn
// reads (a page and its total agree), no predicate locks, so readers never
// make a writer fail.

// maxAttempts bounds how many times Update runs a function that keeps
// meeting concurrent writers.
const maxAttempts = 12

// View runs fn in a read-only transaction on one snapshot.
func (db *DB) View(ctx context.Context, fn func(backend.Tx) error) error {
	return db.run(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, false, fn)
}

// Update runs fn in a transaction and commits what it wrote (after
// calling Finish) if fn returns nil; an error rolls everything back and is
// returned. fn may run more than once: when it meets a concurrent writer
// (a serialization failure or a deadlock), the transaction is rolled back
// and fn runs again from the start, up to maxAttempts times. So fn must
// leave nothing behind but what it writes through the Tx.
func (db *DB) Update(ctx context.Context, fn func(backend.Tx) error) error {
	return db.run(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable}, true, fn)
}

func (db *DB) run(ctx context.Context, opts pgx.TxOptions, write bool, fn func(backend.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := db.attempt(ctx, opts, write, fn)
		var lost lostConnection
		if errors.As(err, &lost) {
			if attempt < maxLost {
				continue // on another connection
			}
			return lost.error
		}
		if !retryable(err) {
			return err
		}
		if attempt == maxAttempts {
			return gaveUp{fmt.Errorf("gave up after %d attempts, each meeting a concurrent change: %w", attempt, err)}
		}
		if err := pause(ctx, attempt); err != nil {
			return err
		}
	}
}

// maxLost is how many connections a transaction tries that are lost
// under it before it commits.
const maxLost = 3

// lostConnection is an attempt whose connection was lost before it
// committed (the server restarted or failed over, or ended the session),
// so nothing of it was written and it may run again on another
// connection. A connection lost during the commit is not one: whether the
// commit happened is unknown.
type lostConnection struct{ error }

func (l lostConnection) Unwrap() error { return l.error }

// beforeCommit marks err, met before the commit, as a lost connection if
// it is one.
func beforeCommit(ptx pgx.Tx, err error) error {
	if err != nil && (ptx.Conn().IsClosed() || endedByServer(err)) {
		return lostConnection{err}
	}
	return err
}

// endedByServer says whether err is the server ending the session
// (operator intervention, class 57P: shutdown, restart, termination).
func endedByServer(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && strings.HasPrefix(pgErr.Code, "57P")
}

// unreachable says plainly that the server could not be reached, rather
// than pgx's account of the attempt (which names the user and database,
// and the address twice): a person at a workstation reads it.
type unreachable struct{ err *pgconn.ConnectError }

func (u unreachable) Error() string {
	why := u.err.Error()
	if inner := errors.Unwrap(u.err); inner != nil {
		why = inner.Error()
	}
	return "cannot reach the database server: " + why
}
func (u unreachable) Unwrap() error { return u.err }

// plainly is err, said as unreachable if it is a failure to connect.
func plainly(err error) error {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return unreachable{ce}
	}
	return err
}

// attempt runs fn once in a transaction of its own.
func (db *DB) attempt(ctx context.Context, opts pgx.TxOptions, write bool, fn func(backend.Tx) error) error {
	ptx, err := db.pool.BeginTx(ctx, opts)
	var ce *pgconn.ConnectError
	switch {
	case errors.As(err, &ce):
		return plainly(err)
	case err != nil && (endedByServer(err) || pgconn.SafeToRetry(err)):
		return lostConnection{err}
	case err != nil:
		return err
	}
	t := &tx{ctx: ctx, tx: ptx, db: db}
	committed := false
	defer func() {
		if !committed {
			// Roll back even when ctx is done, so the connection goes back
			// to the pool clean.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			ptx.Rollback(rctx)
		}
	}()
	err = fn(t)
	// Only Update's fn may run again (see backend.DB): a View's may have
	// done what cannot be undone (a copy has handed on what it read), so a
	// read whose connection is lost under it says so.
	lost := func(err error) error {
		if !write {
			return err
		}
		return beforeCommit(ptx, err)
	}
	switch {
	case t.err != nil && (err == nil || retryable(t.err)):
		// A statement failed and the transaction is aborted: whatever fn
		// made of that (it may have ignored it), the statement's error is
		// what happened, and a serialization failure is run again.
		return lost(t.err)
	case err != nil:
		return lost(err)
	}
	if write {
		if err := t.Finish(); err != nil {
			return lost(err)
		}
	}
	if err := ptx.Commit(ctx); err != nil {
		return err
	}
	committed = true
	return nil
}

// gaveUp is Update's error when it ran out of attempts: it is
// backend.ErrContended, and wraps the last attempt's error.
type gaveUp struct{ error }

func (g gaveUp) Unwrap() error      { return g.error }
func (gaveUp) Is(target error) bool { return target == backend.ErrContended }

// retryable says whether err means that running the transaction again may
// succeed: it met a concurrent one.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// pause waits before attempt+1: a random time up to a bound that doubles
// with each attempt (from 1ms, at most 250ms), so that writers that met
// spread out instead of meeting again.
func pause(ctx context.Context, attempt int) error {
	bound := min(time.Millisecond<<(attempt-1), 250*time.Millisecond)
	d := time.Duration(rand.Int64N(int64(bound))) + 50*time.Microsecond
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// tx is a backend.Tx on one PostgreSQL transaction.
type tx struct {
	ctx context.Context // the transaction's; a listing runs under its own
	tx  pgx.Tx
	db  *DB
	// err is the first statement that failed. PostgreSQL aborts the
	// transaction there, so it is what the transaction ends with (see
	// attempt), even if the caller let it pass (a count it could not read
	// counts as none).
	err error
	// Counter changes not written yet (see counts.go).
	deltas  map[string]int64
	decided map[decisionKey]int64
	// queued holds, in a bulk transaction (see Bulk), the writes not
	// sent yet.
	queued *pgx.Batch
}

// Bulk makes the transaction send its writes in batches, a round trip for
// hundreds of them rather than one each: an import or a copy writes
// thousands of rows and reads almost nothing. Every read sends what is
// queued first, so it still sees the transaction's writes; a write that
// fails is said by the next read or by Finish, whichever sends it.
func (t *tx) Bulk() {
	if t.queued == nil {
		t.queued = &pgx.Batch{}
	}
}

// bulkBatch is how many writes a bulk transaction queues before it sends
// them.
const bulkBatch = 500

// send sends the queued writes, if any.
func (t *tx) send() error {
	if t.queued == nil || t.queued.Len() == 0 {
		return nil
	}
	b := t.queued
	t.queued = &pgx.Batch{}
	return t.note(t.tx.SendBatch(t.ctx, b).Close())
}

var _ backend.Tx = (*tx)(nil)

// note remembers the first failure of a statement that ends the
// transaction (the server refused it, or the connection is gone) and
// returns err. A row that does not decode leaves the transaction as it was.
func (t *tx) note(err error) error {
	var pgErr *pgconn.PgError
	if err != nil && t.err == nil && (errors.As(err, &pgErr) || t.tx.Conn().IsClosed()) {
		t.err = err
	}
	return err
}

// exec runs a statement that returns no rows.
func (t *tx) exec(sql string, args ...any) error {
	if t.queued != nil {
		t.queued.Queue(sql, args...)
		if t.queued.Len() < bulkBatch {
			return nil
		}
		return t.send()
	}
	_, err := t.tx.Exec(t.ctx, sql, args...)
	return t.note(err)
}

// execN runs a statement and says how many rows it changed.
func (t *tx) execN(sql string, args ...any) (int64, error) {
	if err := t.send(); err != nil {
		return 0, err
	}
	tag, err := t.tx.Exec(t.ctx, sql, args...)
	return tag.RowsAffected(), t.note(err)
}

// one reads one row into dest; found is false when there is none.
func (t *tx) one(sql string, args []any, dest ...any) (found bool, err error) {
	if err := t.send(); err != nil {
		return false, err
	}
	err = t.tx.QueryRow(t.ctx, sql, args...).Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, t.note(err)
}

// exists asks a yes-or-no question (SELECT EXISTS …).
func (t *tx) exists(sql string, args ...any) (bool, error) {
	var yes bool
	_, err := t.one(sql, args, &yes)
	return yes, err
}

// all reads every row of a query, each by scan, before the caller does
// anything else with the transaction (a connection reads one result at a
// time, and callbacks such as EachUser's run further queries).
func all[T any](t *tx, ctx context.Context, scan func(pgx.CollectableRow) (T, error), sql string, args ...any) ([]T, error) {
	if err := t.send(); err != nil {
		return nil, err
	}
	rows, _ := t.tx.Query(ctx, sql, args...)
	out, err := pgx.CollectRows(rows, pgx.RowToFunc[T](scan))
	return out, t.note(err)
}
