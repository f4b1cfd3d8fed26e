package pg

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"docket/store/pgtest"
)

// tables are the tables schema 1 makes, docket_meta included.
var tables = []string{"api_tokens", "case_fields", "case_objects", "case_tags", "cases", "comments",
	"decisions", "docket_meta", "events", "inbox", "inbox_counts", "name_counters", "objects", "outbox",
	"queue_counts", "requests", "round_robin", "unfinished_copy", "user_keys", "user_releases", "users", "webhooks", "workflows"}

func open(t *testing.T, dsn string) *DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(db.Close)
	return db
}

func strs(t *testing.T, db *DB, sql string, args ...any) []string {
	t.Helper()
	rows, _ := db.pool.Query(context.Background(), sql, args...)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

func TestMigrationsMatchVersion(t *testing.T) {
	if len(migrations) != SchemaVersion {
		t.Fatalf("SchemaVersion is %d, but there are %d migrations", SchemaVersion, len(migrations))
	}
}

func TestOpenCreatesSchema(t *testing.T) {
	t.Parallel()
	db := open(t, pgtest.DB(t))
	got := strs(t, db, "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1")
	if !slices.Equal(got, tables) {
		t.Errorf("tables:\n got %v\nwant %v", got, tables)
	}
	meta := strs(t, db, "SELECT key || '=' || CASE WHEN key = 'schema' THEN value ELSE 'when' END FROM docket_meta ORDER BY key")
	if want := append(migratedTo(SchemaVersion, "=when"), fmt.Sprint("schema=", SchemaVersion)); !slices.Equal(meta, want) {
		t.Errorf("docket_meta holds %v; want %v", meta, want)
	}
	indexes := strs(t, db, "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema()")
	for _, want := range []string{"cases_assignee_due", "cases_assignee_new", "cases_unassigned_due", "cases_unassigned_new",
		"cases_queue_due", "cases_queue_new", "cases_workflow", "cases_status", "case_tags_queue", "objects_reference",
		"case_objects_object", "outbox_due", "requests_at", "inbox_received", "cases_name_key_key", "users_email_key_key", "comments_id_key"} {
		if !slices.Contains(indexes, want) {
			t.Errorf("no index %s (indexes: %v)", want, indexes)
		}
	}
}

// migratedTo lists the docket_meta keys that record each migration up to
// version v, each followed by suffix.
func migratedTo(v int, suffix string) []string {
	var out []string
	for i := 1; i <= v; i++ {
		out = append(out, fmt.Sprint("migrated to ", i, suffix))
	}
	return out
}

// catalog describes the schema and docket_meta, row versions included, so
// that any change to either shows.
func catalog(t *testing.T, db *DB) []string {
	t.Helper()
	out := strs(t, db, `SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
		FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1`)
	out = append(out, strs(t, db, "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1")...)
	out = append(out, strs(t, db, `SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
		FROM pg_constraint WHERE connamespace = current_schema()::regnamespace ORDER BY 1`)...)
	return append(out, strs(t, db, "SELECT xmin::text || ' ' || key || '=' || value FROM docket_meta ORDER BY key")...)
}

func TestOpenAgainChangesNothing(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DB(t)
	db := open(t, dsn)
	before := catalog(t, db)
	db.Close()
	db = open(t, dsn)
	if after := catalog(t, db); !slices.Equal(before, after) {
		t.Errorf("opening again changed the database:\nbefore %q\n after %q", before, after)
	}
}

func TestConcurrentOpens(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DB(t)
	const n = 4
	start := make(chan struct{})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			db, err := Open(context.Background(), dsn)
			if err == nil {
				db.Close()
			}
			errs[i] = err
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d of %d at once: %v", i+1, n, err)
		}
	}
	db := open(t, dsn)
	if got, want := strs(t, db, "SELECT key FROM docket_meta WHERE key LIKE 'migrated%' ORDER BY key"), migratedTo(SchemaVersion, ""); !slices.Equal(got, want) {
		t.Errorf("the migrations were applied as %v; want each once: %v", got, want)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DB(t)
	db := open(t, dsn)
	if _, err := db.pool.Exec(context.Background(), "UPDATE docket_meta SET value = '99' WHERE key = 'schema'"); err != nil {
		t.Fatal(err)
	}
	before := catalog(t, db)
	newer, err := Open(context.Background(), dsn)
	if err == nil {
		newer.Close()
		t.Fatal("a database of schema 99 opened")
	}
	want := fmt.Sprintf("it was written by a newer docket (schema 99; this binary reads up to %d); upgrade docket", SchemaVersion)
	if !strings.HasSuffix(err.Error(), want) || !errors.Is(err, ErrNewerSchema) {
		t.Errorf("Open: %v (is ErrNewerSchema: %t); want it to end %q", err, errors.Is(err, ErrNewerSchema), want)
	}
	if !strings.Contains(err.Error(), "docket_t_") {
		t.Errorf("Open: %v; want it to name the database", err)
	}
	if after := catalog(t, db); !slices.Equal(before, after) {
		t.Errorf("refusing the database changed it:\nbefore %q\n after %q", before, after)
	}
}

func TestOtherTablesRefused(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DB(t)
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "CREATE TABLE invoices (id int)"); err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), dsn)
	if err == nil {
		db.Close()
		t.Fatal("a database holding another application's table opened")
	}
	if !errors.Is(err, ErrNotDocket) || !strings.Contains(err.Error(), "invoices") {
		t.Errorf("Open: %v; want ErrNotDocket naming the table invoices", err)
	}
	var meta bool
	if err := conn.QueryRow(context.Background(), "SELECT to_regclass('docket_meta') IS NOT NULL").Scan(&meta); err != nil || meta {
		t.Errorf("refusing the database left docket_meta in it (%v)", err)
	}
}

func TestBadDSN(t *testing.T) {
	t.Parallel()
	const pw = "Hunter2-s3cret"
	for _, tc := range []struct{ dsn, says string }{
		{"", "no PostgreSQL DSN given"},
		{"   ", "no PostgreSQL DSN given"},
		{"mysql://docket:" + pw + "@127.0.0.1/docket", `not postgres:// or postgresql://`},
		{"postgres://docket:" + pw + "@127.0.0.1:port/docket", "invalid port"},
		{"postgres://docket:" + pw + "@127.0.0.1:99999/docket", "port"},
		{"postgres://docket:" + pw + "@127.0.0.1/docket?sslmode=sometimes", "sslmode"},
		{"postgres://docket@127.0.0.1/docket?password=" + pw + "&pool_max_conns=many", "pool_max_conns"},
		{"postgres://docket:" + pw + "@127.0.0.1/docket?connect_timeout=soon", "connect_timeout"},
		{"host=127.0.0.1 port=x password=" + pw + " dbname=docket", "port"},
		{"host=127.0.0.1 password='" + pw + " x' sslmode=sometimes", "sslmode"},
		{"host=127.0.0.1 password", "password"},
		// Well formed, but nothing listens on port 1: connecting fails.
		{"postgres://docket:" + pw + "@127.0.0.1:1/docket?sslmode=disable&connect_timeout=5", "connect"},
	} {
		db, err := Open(context.Background(), tc.dsn)
		if err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", tc.dsn)
			continue
		}
		msg := err.Error()
		t.Logf("%q: %s", tc.dsn, msg)
		if !strings.Contains(msg, tc.says) {
			t.Errorf("Open(%q): %s\nwant it to say %q", tc.dsn, msg, tc.says)
		}
		if strings.Contains(msg, "Hunter2") || strings.Contains(msg, "s3cret") {
			t.Errorf("Open(%q): %s\nshows the password", tc.dsn, msg)
		}
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"postgres://u:secret@h:5432/db?sslmode=disable", "postgres://u:xxxxx@h:5432/db?sslmode=disable"},
		{"postgresql://u:p@ss@h/db", "postgresql://u:xxxxx@h/db"},
		{"postgres://u@h/db?password=secret&sslpassword=s2", "postgres://u@h/db?password=xxxxx&sslpassword=xxxxx"},
		{"postgres://u@h/db", "postgres://u@h/db"},
		{"host=h password=secret dbname=db", "host=h password=xxxxx dbname=db"},
		{"host=h password = 'se cret\\' x' dbname=db", "host=h password=xxxxx dbname=db"},
		{"host=h sslpassword=secret", "host=h sslpassword=xxxxx"},
	} {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

// TestDocumentsKeepTheirBytes is why documents are json, not jsonb: what
// docket's digests cover comes back exactly, repeated keys, order, white
// space and \u0000 included, and SQL still reads into it.
func TestDocumentsKeepTheirBytes(t *testing.T) {
	t.Parallel()
	db := open(t, pgtest.DB(t))
	ctx := context.Background()
	for i, doc := range []string{
		`{"name-last": "Müller",  "b": 1.50, "a": [2e3], "a": 3}`,
		`{"name-last": "Müller", "note": "x\u0000y"}`,
	} {
		id := fmt.Sprint("inq_", i)
		_, err := db.pool.Exec(ctx, `INSERT INTO objects (id, kind, type, attributes, sum) VALUES ($1, 'inquiry', 'inquiry', $2, 's')`, id, doc)
		if err != nil {
			t.Fatal(err)
		}
		var back string
		if err := db.pool.QueryRow(ctx, "SELECT attributes::text FROM objects WHERE id = $1", id).Scan(&back); err != nil {
			t.Fatal(err)
		}
		if back != doc {
			t.Errorf("stored %s\n    got %s", doc, back)
		}
	}
	var name string
	if err := db.pool.QueryRow(ctx, "SELECT attributes->>'name-last' FROM objects WHERE id = 'inq_0'").Scan(&name); err != nil || name != "Müller" {
		t.Errorf("attributes->>'name-last' = %q, %v; want Müller", name, err)
	}
}

// TestQueuesUseTheirIndexes checks that each queue's page, first and next,
// in either direction, is read from an index in its order: the plan has no
// Sort, with the planner told to avoid sorting and whole-table scans.
func TestQueuesUseTheirIndexes(t *testing.T) {
	t.Parallel()
	db := open(t, pgtest.DB(t))
	ctx := context.Background()
	const cases = `SELECT id FROM cases WHERE %s ORDER BY due %[2]s, created_at %[2]s, id %[2]s LIMIT 50`
	const byCreation = `SELECT id FROM cases WHERE %s ORDER BY created_at %[2]s, id %[2]s LIMIT 50`
	const after = ` AND (due, created_at, id) > ('2026-01-01', '2026-01-01', 'case_x')`
	for _, tc := range []struct{ name, sql, index string }{
		{"My queue", fmt.Sprintf(cases, "assignee = 'mia' AND open", ""), "cases_assignee_due"},
		{"My queue, next page", fmt.Sprintf(cases, "assignee = 'mia' AND open"+after, ""), "cases_assignee_due"},
		{"My queue, latest deadline first", fmt.Sprintf(cases, "assignee = 'mia' AND open", "DESC"), "cases_assignee_due"},
		{"My queue, newest", fmt.Sprintf(byCreation, "assignee = 'mia' AND open", "DESC"), "cases_assignee_new"},
		{"someone's closed cases", fmt.Sprintf(cases, "assignee = 'mia' AND NOT open", ""), "cases_assignee_due"},
		{"Unassigned", fmt.Sprintf(cases, "assignee IS NULL AND open", ""), "cases_unassigned_due"},
		{"Unassigned, next page", fmt.Sprintf(cases, "assignee IS NULL AND open"+after, ""), "cases_unassigned_due"},
		{"Unassigned, oldest", fmt.Sprintf(byCreation, "assignee IS NULL AND open", ""), "cases_unassigned_new"},
		{"Open", fmt.Sprintf(cases, "open", ""), "cases_queue_due"},
		{"Open, next page", fmt.Sprintf(cases, "open"+after, ""), "cases_queue_due"},
		{"Open, newest", fmt.Sprintf(byCreation, "open", "DESC"), "cases_queue_new"},
		{"Closed", fmt.Sprintf(cases, "NOT open", ""), "cases_queue_due"},
		{"Closed, oldest", fmt.Sprintf(byCreation, "NOT open", ""), "cases_queue_new"},
		{"a workflow", fmt.Sprintf(cases, "workflow = 'kyc' AND open", ""), "cases_workflow"},
		{"a status", fmt.Sprintf(cases, "workflow = 'kyc' AND status = 'Pending'", ""), "cases_status"},
		{"a tag", `SELECT case_id FROM case_tags WHERE tag = 'pep' AND open ORDER BY due, created_at, case_id LIMIT 50`, "case_tags_queue"},
		{"a tag, next page", `SELECT case_id FROM case_tags WHERE tag = 'pep' AND open
			AND (due, created_at, case_id) > ('2026-01-01', '2026-01-01', 'case_x') ORDER BY due, created_at, case_id LIMIT 50`, "case_tags_queue"},
		{"objects by reference id", `SELECT id FROM objects WHERE reference_id = 'user-1'`, "objects_reference"},
		{"cases sharing an object", `SELECT case_id FROM case_objects WHERE object_id = 'act_1'`, "case_objects_object"},
		{"due deliveries", `SELECT seq FROM outbox WHERE webhook = 'wh_1' AND state = 'pending' AND next_attempt_at <= now() ORDER BY next_attempt_at, seq LIMIT 50`, "outbox_due"},
	} {
		var plan []string
		err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			for _, set := range []string{"enable_seqscan", "enable_sort", "enable_bitmapscan", "enable_incremental_sort"} {
				if _, err := tx.Exec(ctx, "SET LOCAL "+set+" = off"); err != nil {
					return err
				}
			}
			rows, _ := tx.Query(ctx, "EXPLAIN (COSTS OFF) "+tc.sql)
			var err error
			plan, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		text := strings.Join(plan, "\n")
		if !strings.Contains(text, "using "+tc.index+" ") && !strings.HasSuffix(text, "using "+tc.index) || strings.Contains(text, "Sort") {
			t.Errorf("%s is not read from %s in its order:\n%s\n%s", tc.name, tc.index, tc.sql, text)
		}
	}
}

// TestShardedCounts shows the counting scheme of queue_counts at work:
// writers on several connections add to their own shards at once, and the
// sum is exact.
func TestShardedCounts(t *testing.T) {
	t.Parallel()
	db := open(t, pgtest.DB(t))
	ctx := context.Background()
	const writers, adds = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for range writers {
		wg.Go(func() {
			for range adds {
				_, err := db.pool.Exec(ctx, `INSERT INTO queue_counts (queue, shard, n) VALUES ('open', pg_backend_pid() % 16, 1)
					ON CONFLICT (queue, shard) DO UPDATE SET n = queue_counts.n + excluded.n`)
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var n int64
	if err := db.pool.QueryRow(ctx, "SELECT coalesce(sum(n), 0) FROM queue_counts WHERE queue = 'open'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != writers*adds {
		t.Errorf("the Open count is %d; want %d", n, writers*adds)
	}
}

// A DSN without connect_timeout gets a bounded one: a host that never
// answers is said within seconds.
func TestDefaultConnectTimeout(t *testing.T) {
	cfg, err := parseDSN("postgres://docket@192.0.2.1/docket")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ConnConfig.ConnectTimeout != defaultConnectTimeout {
		t.Fatalf("connect timeout %v", cfg.ConnConfig.ConnectTimeout)
	}
	cfg, err = parseDSN("postgres://docket@192.0.2.1/docket?connect_timeout=3")
	if err != nil || cfg.ConnConfig.ConnectTimeout != 3*time.Second {
		t.Fatalf("the DSN's own timeout: %v, %v", cfg.ConnConfig.ConnectTimeout, err)
	}
}
