package pgtest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// fakeTB records what create does to a test instead of doing it.
type fakeTB struct {
	testing.TB
	skipped, failed string
	cleanups        []func()
}

func (f *fakeTB) Helper()                           {}
func (f *fakeTB) Skip(args ...any)                  { f.skipped = fmt.Sprint(args...) }
func (f *fakeTB) Fatal(args ...any)                 { f.failed = fmt.Sprint(args...) }
func (f *fakeTB) Fatalf(format string, args ...any) { f.failed = fmt.Sprintf(format, args...) }
func (f *fakeTB) Errorf(format string, args ...any) { f.failed = fmt.Sprintf(format, args...) }
func (f *fakeTB) Cleanup(fn func())                 { f.cleanups = append(f.cleanups, fn) }

func TestWithoutServer(t *testing.T) {
	t.Parallel()
	// Port 1 on loopback: nothing listens there, so connecting is refused at once.
	unreachable := "postgres://docket:Hunter2-secret@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=5"
	for _, tc := range []struct {
		name       string
		dsn        string
		ci         bool
		failed     []string // what the failure says; nil: it is skipped
		skipped    []string
		notContain string
	}{
		{name: "unset", skipped: []string{"PostgreSQL tests need DOCKET_TEST_PG", ".ci/run", "DOCKET_TEST_PG=postgres://"}},
		{name: "unset in CI", ci: true, failed: []string{"PostgreSQL tests need DOCKET_TEST_PG; .ci/run starts a server"}},
		{name: "unreachable", dsn: unreachable, notContain: "Hunter2",
			skipped: []string{"cannot be reached", "127.0.0.1:1", "docket:xxxxx@", "connect", ".ci/run", "unset DOCKET_TEST_PG"}},
		{name: "unreachable in CI", dsn: unreachable, ci: true, notContain: "Hunter2",
			failed: []string{"PostgreSQL tests need a server", "cannot be reached", "127.0.0.1:1", "connect", ".ci/run starts one"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeTB{TB: t}
			if got := create(f, tc.dsn, tc.ci); got != "" {
				t.Errorf("create gave %q; want nothing", got)
			}
			if len(f.cleanups) > 0 {
				t.Errorf("create registered %d cleanups with no database made", len(f.cleanups))
			}
			check := func(what, got string, want []string) {
				if want == nil && got != "" {
					t.Errorf("the test was %s (%q); it should not have been", what, got)
				}
				if want != nil && got == "" {
					t.Errorf("the test was not %s", what)
				}
				for _, w := range want {
					if !strings.Contains(got, w) {
						t.Errorf("the test was %s with %q, which does not say %q", what, got, w)
					}
				}
				if tc.notContain != "" && strings.Contains(got, tc.notContain) {
					t.Errorf("the message %q shows the password", got)
				}
			}
			t.Logf("failed: %q; skipped: %q", f.failed, f.skipped)
			check("failed", f.failed, tc.failed)
			check("skipped", f.skipped, tc.skipped)
		})
	}
}

func TestWithDatabase(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "postgres://postgres@127.0.0.1:5432/docket_t_x?sslmode=disable"},
		{"postgresql://u:p@h/db", "postgresql://u:p@h/docket_t_x"},
		{"postgres://u@h", "postgres://u@h/docket_t_x"},
		{"postgres://u@h/db?dbname=other&sslmode=disable", "postgres://u@h/docket_t_x?sslmode=disable"},
		{"host=h user=u dbname=db", "host=h user=u dbname=db dbname=docket_t_x"},
	} {
		got, err := withDatabase(tc.in, "docket_t_x")
		if err != nil || got != tc.want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"postgres://u:secret@h/db", "postgres://u:xxxxx@h/db"},
		{"postgres://u@h/db", "postgres://u@h/db"},
		{"host=h password=secret dbname=db", "host=h password=xxxxx dbname=db"},
		{"host=h password='se cret' dbname=db", "host=h password=xxxxx dbname=db"},
	} {
		if got := redact(tc.in); got != tc.want {
			t.Errorf("redact(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}

// TestDB makes two databases, checks each is empty, its own, and can be
// used, and that both are gone once the test that made them ends.
func TestDB(t *testing.T) {
	t.Parallel()
	server := Server(t)
	ctx := context.Background()
	var names []string
	t.Run("make", func(t *testing.T) {
		a, b := DB(t), DB(t)
		if a == b {
			t.Fatalf("two databases with one DSN %q", a)
		}
		for _, dsn := range []string{a, b} {
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatalf("connect to %s: %v", dsn, err)
			}
			var name string
			var tables int
			err = conn.QueryRow(ctx, `SELECT current_database(),
				(SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema'))`).Scan(&name, &tables)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(name, "docket_t_") || tables != 0 {
				t.Errorf("%s is database %s with %d tables; want an empty docket_t_…", dsn, name, tables)
			}
			if _, err := conn.Exec(ctx, "CREATE TABLE t (x int)"); err != nil {
				t.Errorf("the test database %s takes no table: %v", name, err)
			}
			names = append(names, name)
			// Left open on purpose: dropping closes it (WITH (FORCE)).
		}
	})
	if len(names) != 2 {
		t.Fatalf("made databases %v", names)
	}
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var left int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = ANY($1)", names).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d of the test databases %v are still there after their test", left, names)
	}
}
