// Package pg is the foundation of docket's PostgreSQL storage: opening a
// database, its schema (schema.go) and the migrations that bring a
// database up to it. It is one of the packages under store/ that may
// import pgx; the rules docket enforces on every write stay in store.
//
// A process opens one DB and shares it: a DB is one pool of connections
// (pgxpool), safe for concurrent use.
package pg

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is an open docket database on a PostgreSQL server.
type DB struct {
	pool *pgxpool.Pool
	dsn  string // with its password masked, for messages
}

// ErrNewerSchema is returned by Open for a database a newer docket has
// written: this binary does not know its layout.
var ErrNewerSchema = errors.New("database schema is newer than this docket")

// ErrNotDocket is returned by Open for a database that holds tables but
// no docket schema: only an empty database is ever made into a docket one.
var ErrNotDocket = errors.New("not a docket database")

// minServer is the oldest PostgreSQL docket runs on (server_version_num).
const minServer = 150000

// migrationLock is the advisory lock key Open's migration holds, so that
// two processes opening one database at once apply its schema once: the
// second waits, then finds it done. ("docket" in ASCII.)
const migrationLock int64 = 0x646f636b6574

// Open connects to the PostgreSQL database dsn names (a postgres:// URL
// or keyword=value settings, as libpq takes them, pool_max_conns and the
// like included) and brings its schema up to SchemaVersion: an empty
// database gets docket's tables, an older docket's is upgraded, a newer
// one's is refused (ErrNewerSchema), a database holding other tables is
// refused (ErrNotDocket). No error holds the DSN's password.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	db := &DB{dsn: Redact(dsn)}
	if db.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, redactErr(dsn, fmt.Errorf("open database %s: %w", db.dsn, err))
	}
	if err := db.migrate(ctx); err != nil {
		db.pool.Close()
		return nil, redactErr(dsn, fmt.Errorf("open database %s: %w", db.dsn, plainly(err)))
	}
	return db, nil
}

// Close closes every connection; it waits for those in use to be given
// back.
func (db *DB) Close() { db.pool.Close() }

// String names the database (its DSN, password masked).
func (db *DB) String() string { return db.dsn }

// migrate applies the migrations the database lacks, in one transaction
// that holds migrationLock, and records the version reached in
// docket_meta.
func (db *DB) migrate(ctx context.Context) error {
	var server int
	var version string
	if err := db.pool.QueryRow(ctx, "SELECT current_setting('server_version_num')::int, current_setting('server_version')").Scan(&server, &version); err != nil {
		return err
	}
	if server < minServer {
		return fmt.Errorf("the server runs PostgreSQL %s; docket needs 15 or newer", version)
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrationLock); err != nil {
			return fmt.Errorf("take the migration lock: %w", err)
		}
		v, err := schemaOf(ctx, tx)
		if err != nil {
			return err
		}
		switch {
		case v > SchemaVersion:
			return isErr{fmt.Sprintf("it was written by a newer docket (schema %d; this binary reads up to %d); upgrade docket", v, SchemaVersion), ErrNewerSchema}
		case v == SchemaVersion:
			return nil
		}
		for ; v < SchemaVersion; v++ {
			if _, err := tx.Exec(ctx, migrations[v]); err != nil {
				return fmt.Errorf("upgrade the schema from %d to %d: %w", v, v+1, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO docket_meta (key, value) VALUES ($1, now()::text)", "migrated to "+strconv.Itoa(v+1)); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO docket_meta (key, value) VALUES ('schema', $1)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, strconv.Itoa(v))
		return err
	})
}

// schemaOf reads the database's schema version, 0 for an empty database,
// for which it makes docket_meta. It runs under the migration lock.
func schemaOf(ctx context.Context, tx pgx.Tx) (int, error) {
	var hasMeta bool
	if err := tx.QueryRow(ctx, "SELECT to_regclass('docket_meta') IS NOT NULL").Scan(&hasMeta); err != nil {
		return 0, err
	}
	if !hasMeta {
		rows, _ := tx.Query(ctx, `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'f') ORDER BY 1 LIMIT 4`)
		tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return 0, err
		}
		if len(tables) > 0 {
			if len(tables) == 4 {
				tables[3] = "…"
			}
			return 0, isErr{fmt.Sprintf("it holds tables (%s) but no docket schema (no docket_meta table); give an empty database, or one docket made",
				strings.Join(tables, ", ")), ErrNotDocket}
		}
		_, err = tx.Exec(ctx, `CREATE TABLE docket_meta (
			key    text COLLATE "C" PRIMARY KEY,
			value  text NOT NULL
		)`)
		return 0, err
	}
	var raw string
	err := tx.QueryRow(ctx, "SELECT value FROM docket_meta WHERE key = 'schema'").Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, isErr{"its docket_meta table names no schema version", ErrNotDocket}
	}
	if err != nil {
		return 0, err
	}
	v, err := strconv.Atoi(raw)
	if err != nil || v < 0 {
		return 0, isErr{fmt.Sprintf("its docket_meta says schema %q, which is not a version", raw), ErrNotDocket}
	}
	return v, nil
}

// isErr is an error that says msg and is kind (errors.Is).
type isErr struct {
	msg  string
	kind error
}

func (e isErr) Error() string        { return e.msg }
func (e isErr) Is(target error) bool { return target == e.kind }

// Rows reads every row of every table in the database's schema, each as
// "table|row as JSON": what the tests compare to prove that a refused
// change wrote nothing.
func (db *DB) Rows(ctx context.Context) (map[string]string, error) {
	tables, err := collect[string](ctx, db, "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, table := range tables {
		rows, err := collect[string](ctx, db, "SELECT row_to_json(t)::text FROM "+pgx.Identifier{table}.Sanitize()+" t")
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[table+"|"+r] = ""
		}
	}
	return out, nil
}

func collect[T any](ctx context.Context, db *DB, sql string) ([]T, error) {
	rows, _ := db.pool.Query(ctx, sql)
	return pgx.CollectRows(rows, pgx.RowTo[T])
}

// Compact rewrites every table of the database without its dead row
// versions (VACUUM FULL), where an update or a redaction leaves the values
// it replaced until then, and says the database's size before and after.
// The tables are locked while each is rewritten. What the server's
// write-ahead log and backups hold is theirs to expire.
func (db *DB) Compact(ctx context.Context) (before, after int64, err error) {
	size := func() (n int64, err error) {
		err = db.pool.QueryRow(ctx, "SELECT pg_database_size(current_database())").Scan(&n)
		return n, err
	}
	if before, err = size(); err != nil {
		return 0, 0, err
	}
	tables, err := collect[string](ctx, db, "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
	if err != nil {
		return before, 0, err
	}
	for _, table := range tables {
		if _, err := db.pool.Exec(ctx, "VACUUM (FULL, ANALYZE) "+pgx.Identifier{table}.Sanitize()); err != nil {
			return before, 0, fmt.Errorf("compact %s: %w", table, err)
		}
	}
	after, err = size()
	return before, after, err
}
