package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"docket/model"
	"docket/store/backend"
	"docket/store/pg"
	"docket/workflows"
)

// A store on a database server: the same rules, run in PostgreSQL's
// transactions (store/pg). What belongs to a file (its check, backups,
// compaction, the checks that it was not replaced) belongs to bbolt; on a
// server those are refused, by name, until they have their PostgreSQL
// counterparts.

// IsServer says whether a --db value names a PostgreSQL database (a
// postgres:// or postgresql:// URL) rather than a file.
func IsServer(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// serverDB runs the rules' transactions in PostgreSQL's.
type serverDB struct{ db *pg.DB }

func (d serverDB) View(fn func(backend.Tx) error) error {
	return d.db.View(context.Background(), fn)
}

func (d serverDB) Update(fn func(backend.Tx) error) error {
	return d.db.Update(context.Background(), fn)
}

// openServer opens the PostgreSQL database dsn names, laying out docket's
// schema and built-in workflows in an empty one. The store's clock keeps
// microseconds, as PostgreSQL's times do, so every time a rule compares
// is one the database can hold.
func openServer(dsn string, opt Options) (*Store, error) {
	if opt.ReadOnly {
		return nil, fmt.Errorf("open database %s: read-only opens are for a file", pg.Redact(dsn))
	}
	ctx, cancel := context.WithTimeout(context.Background(), opt.LockTimeout+30*time.Second)
	defer cancel()
	db, err := pg.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	now := opt.Now
	s := &Store{server: db, path: db.String(), newID: opt.NewID, maxCase: opt.MaxCaseBytes,
		now: func() time.Time { return now().UTC().Truncate(time.Microsecond) }}
	s.be = serverDB{db}
	s.self = newSalt()
	listening, stop := context.WithCancel(context.Background())
	s.stopListening = stop
	go db.Listen(listening, string(hexOf(s.self)), func(ids []string, all bool) {
		if all {
			s.feeds.publishAll()
		} else {
			s.feeds.publish(ids)
		}
	})
	if err := s.seedWorkflows(); err != nil {
		stop()
		db.Close()
		return nil, err
	}
	err = s.be.View(func(tx backend.Tx) error {
		if err := s.loadHooks(tx); err != nil {
			return err
		}
		return s.loadWorkflows(tx)
	})
	if err == nil {
		err = s.refuseUnfinishedCopy(opt)
	}
	if err != nil {
		stop()
		db.Close()
		return nil, err
	}
	return s, nil
}

// announce tells the other processes on the database server which cases
// a commit changed (see pg.Listen); on a file, nobody else is there.
func (s *Store) announce(ids []string) {
	if s.server == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.server.Announce(ctx, string(hexOf(s.self)), changedCases(ids)) // live updates are a courtesy: a lost one costs a refresh
}

func hexOf(b []byte) []byte { return []byte(fmt.Sprintf("%x", b)) }

// seedWorkflows stores the built-in workflows in a database that has no
// workflow yet.
func (s *Store) seedWorkflows() error {
	return s.be.Update(func(tx backend.Tx) error {
		some := false
		if err := tx.EachWorkflow(func(string, []byte, string) error { some = true; return nil }); err != nil || some {
			return err
		}
		for _, w := range workflows.Builtins() {
			if err := tx.PutWorkflow(w.ID, w.Source, workflowSum(w.Source)); err != nil {
				return err
			}
		}
		return nil
	})
}

// fileOnly refuses, on a server, what only a file has.
func (s *Store) fileOnly(what string) error {
	if s.server == nil {
		return nil
	}
	return onServer(what, s.path)
}

// readOnly says whether the store was opened only to read.
func (s *Store) readOnly() bool { return s.db != nil && s.db.ReadOnly() }

func onServer(what, db string) error {
	return model.Invalidf("%s is for a bbolt file; %s is a PostgreSQL database (use its own tools: pg_dump, VACUUM)", what, db)
}

// RedactServer is a database server's DSN with its password masked.
func RedactServer(dsn string) string { return pg.Redact(dsn) }

// compactServer rewrites a PostgreSQL database's tables without the dead
// row versions that still hold what was updated or redacted (see
// pg.DB.Compact), as an admin may: the counterpart of compacting a file.
func compactServer(dsn, actor string) (before, after int64, err error) {
	s, err := Open(dsn, Options{})
	if err != nil {
		return 0, 0, err
	}
	defer s.Close()
	err = s.view(func(x *txn) error {
		_, err := x.actorMay(actor, model.ActCompact)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("compact %s: %w", s.path, err)
	}
	return s.server.Compact(context.Background())
}
