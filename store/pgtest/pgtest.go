// Package pgtest gives a test a PostgreSQL database of its own, on the
// server DOCKET_TEST_PG names (.ci/run starts a throwaway one): made
// empty for the test and dropped after it, so tests are isolated and may
// run in parallel.
//
// Without DOCKET_TEST_PG, or when its server cannot be reached, a test
// that asks for a database is skipped, so `go test ./...` passes on a
// machine without PostgreSQL; under CI=true it fails instead, so that CI
// never passes by skipping them.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env names the variable holding the server's DSN, for a user that may
// CREATE DATABASE.
const Env = "DOCKET_TEST_PG"

// timeout bounds reaching the server and making or dropping a database.
const timeout = 30 * time.Second

// DB makes an empty database docket_t_<random> on the server in
// DOCKET_TEST_PG and returns its DSN; the database is dropped (WITH
// (FORCE): connections left open are closed) when the test ends. It skips
// the test, or under CI=true fails it, when there is no server to use.
func DB(t testing.TB) string {
	t.Helper()
	return create(t, os.Getenv(Env), inCI())
}

// Server returns the DSN in DOCKET_TEST_PG, after checking that its
// server answers, skipping or failing the test as DB does when it does
// not: for tests that need the server itself.
func Server(t testing.TB) string {
	t.Helper()
	dsn, ci := os.Getenv(Env), inCI()
	conn := connect(t, dsn, ci)
	if conn == nil {
		return ""
	}
	conn.Close(context.Background())
	return dsn
}

// inCI reports whether CI is set true: missing PostgreSQL then fails.
func inCI() bool {
	ci, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && ci
}

// create is DB with its inputs given.
func create(t testing.TB, dsn string, ci bool) string {
	t.Helper()
	conn := connect(t, dsn, ci)
	if conn == nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	defer conn.Close(ctx)
	name := "docket_t_" + randomHex(8)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create the test database %s on %s: %v", name, redact(dsn), err)
		return ""
	}
	t.Cleanup(func() { drop(t, dsn, name) })
	out, err := withDatabase(dsn, name)
	if err != nil {
		t.Fatalf("make the DSN of the test database %s from %s: %v", name, redact(dsn), err)
		return ""
	}
	return out
}

// connect opens a connection to the server in dsn, or skips or fails the
// test (returning nil) when there is no server to use.
func connect(t testing.TB, dsn string, ci bool) *pgx.Conn {
	t.Helper()
	if dsn == "" {
		if ci {
			t.Fatal("PostgreSQL tests need " + Env + "; .ci/run starts a server")
		} else {
			t.Skip("PostgreSQL tests need " + Env + ": run .ci/run, which starts a throwaway server, or set " + Env +
				"=postgres://USER@HOST:PORT/postgres?sslmode=disable (a user that may create databases)")
		}
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		msg := "the PostgreSQL server in " + Env + " (" + redact(dsn) + ") cannot be reached: " + scrub(dsn, err.Error())
		if ci {
			t.Fatal("PostgreSQL tests need a server: " + msg + "; .ci/run starts one")
		} else {
			t.Skip("skipping PostgreSQL tests: " + msg + "; run .ci/run, which starts a throwaway server, or unset " + Env)
		}
		return nil
	}
	return conn
}

// drop drops a test's database, closing the connections left to it.
func drop(t testing.TB, dsn, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Errorf("drop the test database %s: %s", name, scrub(dsn, err.Error()))
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		t.Errorf("drop the test database %s: %v", name, err)
	}
}

// withDatabase is dsn naming the database name instead of its own.
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", err
		}
		u.Path, u.RawPath = "/"+name, ""
		q := u.Query()
		if q.Has("dbname") || q.Has("database") {
			q.Del("dbname")
			q.Del("database")
			u.RawQuery = q.Encode()
		}
		return u.String(), nil
	}
	return dsn + " dbname=" + name, nil // the last setting of a keyword counts
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// redact is dsn with its password masked.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		return u.Redacted()
	}
	return kvPassword.ReplaceAllString(dsn, "${1}=xxxxx")
}

var kvPassword = regexp.MustCompile(`(?i)\b(password)\s*=\s*(?:'(?:[^'\\]|\\.)*'?|\S*)`)

// scrub takes dsn's password out of msg.
func scrub(dsn, msg string) string {
	msg = strings.ReplaceAll(msg, dsn, redact(dsn))
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return msg
}

// Conn is a connection to the database dsn names (as DB gives it), closed
// when the test ends: for a test that changes rows behind docket's back.
func Conn(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to %s: %v", redact(dsn), err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}
