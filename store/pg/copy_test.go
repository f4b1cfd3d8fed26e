package pg

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"docket/model"
	"docket/store/backend"
	"docket/store/pgtest"
)

// HoldsData reads a database without changing it: an empty one and one
// with docket's tables but nothing in them hold nothing; one with a user,
// or with another program's users, holds data, and gets no docket table
// from being asked.
func TestHoldsData(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	holds := func(dsn string) bool {
		t.Helper()
		got, err := HoldsData(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	empty := pgtest.DB(t)
	if holds(empty) {
		t.Error("an empty database holds data")
	}
	db := open(t, empty)
	if holds(empty) {
		t.Error("docket's empty tables hold data")
	}
	mustUpdate(t, db, func(tx backend.Tx) error {
		return tx.PutUser(model.User{Name: "ada", Role: model.RoleAdmin, Availability: model.Available})
	})
	if !holds(empty) {
		t.Error("a database with a user holds no data")
	}

	other := pgtest.DB(t)
	conn, err := pgx.Connect(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE TABLE users (name text); INSERT INTO users VALUES ('someone else')"); err != nil {
		t.Fatal(err)
	}
	if !holds(other) {
		t.Error("another program's users are no data")
	}
	var cases bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass('cases') IS NOT NULL").Scan(&cases); err != nil || cases {
		t.Fatalf("asking made docket's tables (%v)", err)
	}
}
