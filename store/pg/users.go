package pg

import (
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"docket/model"
)

// Users. Each user is a row of users with the digest of its record, taken
// as bbolt takes it (the JSON of model.User, store/tx.go encodeUser), so a
// row changed outside docket is named rather than misread. The email
// claim is the row's email_key: the address lower-cased, as bbolt's
// emails bucket keys it, unique.

// canonUser is u as a row gives it back: times to the microsecond, no
// empty team list.
func canonUser(u model.User) model.User {
	u.CreatedAt = micro(u.CreatedAt)
	u.Teams = nilIfEmpty(u.Teams)
	return u
}

func userSum(u model.User) (string, error) { return model.UserSum(u), nil }

// emailKey is the claim on an email.
func emailKey(email string) string { return strings.ToLower(email) }

const userColumns = "name, email, role, teams, availability, created_at, sum"

// scanUser reads a row of userColumns, and whether it matches its digest.
func scanUser(r pgx.CollectableRow) (storedUser, error) {
	var s storedUser
	var email *string
	var created pgtype.Timestamptz
	err := r.Scan(&s.u.Name, &email, &s.u.Role, &s.u.Teams, &s.u.Availability, &created, &s.sum)
	s.u.Email, s.u.CreatedAt, s.u.Teams = orEmpty(email), timeOf(created), nilIfEmpty(s.u.Teams)
	return s, err
}

type storedUser struct {
	u   model.User
	sum string
}

// checkUser verifies a user row against its digest.
func (t *tx) checkUser(s storedUser) (model.User, error) {
	if sum, err := userSum(s.u); err != nil || sum != s.sum {
		return s.u, t.damaged("user %s: %v", s.u.Name, errDigest)
	}
	return s.u, nil
}

func (t *tx) User(name string) (model.User, bool, error) {
	rows, err := all(t, t.ctx, scanUser, "SELECT "+userColumns+" FROM users WHERE name = $1", name)
	if err != nil || len(rows) == 0 {
		return model.User{}, false, err
	}
	u, err := t.checkUser(rows[0])
	return u, true, err
}

func (t *tx) UserByEmail(email string) (string, bool, error) {
	var name string
	found, err := t.one("SELECT name FROM users WHERE email_key = $1", []any{emailKey(email)}, &name)
	return name, found, err
}

// PutUser writes the user and claims its email. Unlike bbolt, where a
// claim is a record of its own, a user written without an email claims
// none.
func (t *tx) PutUser(u model.User) error {
	u = canonUser(u)
	sum, err := userSum(u)
	if err != nil {
		return err
	}
	var key *string
	if u.Email != "" {
		key = maybe(emailKey(u.Email))
	}
	return t.exec(`INSERT INTO users (name, email, email_key, role, teams, availability, created_at, sum)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (name) DO UPDATE SET email = excluded.email, email_key = excluded.email_key, role = excluded.role,
			teams = excluded.teams, availability = excluded.availability, created_at = excluded.created_at, sum = excluded.sum`,
		u.Name, maybe(u.Email), key, string(u.Role), nonNil(u.Teams), string(u.Availability), maybeStamp(u.CreatedAt), sum)
}

// DropEmail releases a claim; the user's record keeps the address until
// it is written again (schema 2).
func (t *tx) DropEmail(email string) error {
	return t.exec("UPDATE users SET email_key = NULL WHERE email_key = $1", emailKey(email))
}

// EachUser gives each user as its row reads: a row always decodes, and
// one that does not match its digest is named where the user acts (User)
// and by check, not here, as bbolt does.
func (t *tx) EachUser(fn func(model.User, error) error) error {
	rows, err := all(t, t.ctx, scanUser, "SELECT "+userColumns+" FROM users ORDER BY name")
	if err != nil {
		return err
	}
	for _, s := range rows {
		if err := fn(s.u, nil); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) HasUsers() (bool, error) { return t.exists("SELECT EXISTS (SELECT 1 FROM users)") }
