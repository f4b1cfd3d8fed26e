package pg

import (
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"docket/model"
)

// SSH keys and API tokens, each row with the digest of its record, taken
// as bbolt takes it (store/bolt/records.go: encodeKey, tokenSum).
// A key's fingerprint is its row's primary key: one user per key.

func keySum(k model.UserKey) (string, error) { return model.KeySum(k), nil }

const keyColumns = "username, fingerprint, type, comment, key, added_at, added_by, sum"

type storedKey struct {
	k   model.UserKey
	sum string
}

func scanKey(r pgx.CollectableRow) (storedKey, error) {
	var s storedKey
	var comment *string
	var added pgtype.Timestamptz
	err := r.Scan(&s.k.User, &s.k.Fingerprint, &s.k.Type, &comment, &s.k.Key, &added, &s.k.AddedBy, &s.sum)
	s.k.Comment, s.k.AddedAt = orEmpty(comment), timeOf(added)
	return s, err
}

func (t *tx) checkKey(s storedKey) (model.UserKey, error) {
	if sum, err := keySum(s.k); err != nil || sum != s.sum {
		return s.k, t.damaged("SSH key %s of %s: %v", s.k.Fingerprint, s.k.User, errDigest)
	}
	return s.k, nil
}

func (t *tx) Key(user, fingerprint string) (model.UserKey, bool, error) {
	rows, err := all(t, t.ctx, scanKey, "SELECT "+keyColumns+" FROM user_keys WHERE fingerprint = $1 AND username = $2", fingerprint, user)
	if err != nil || len(rows) == 0 {
		return model.UserKey{}, false, err
	}
	k, err := t.checkKey(rows[0])
	return k, true, err
}

// KeysOf lists user's keys by fingerprint, as bbolt's bucket orders them.
func (t *tx) KeysOf(user string) ([]model.UserKey, error) {
	rows, err := all(t, t.ctx, scanKey, "SELECT "+keyColumns+" FROM user_keys WHERE username = $1 ORDER BY fingerprint", user)
	if err != nil {
		return nil, err
	}
	out := []model.UserKey{}
	for _, s := range rows {
		k, err := t.checkKey(s)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

func (t *tx) KeyOwner(fingerprint string) (string, bool, error) {
	var user string
	found, err := t.one("SELECT username FROM user_keys WHERE fingerprint = $1", []any{fingerprint}, &user)
	return user, found, err
}

func (t *tx) PutKey(k model.UserKey) error {
	k.AddedAt = micro(k.AddedAt)
	sum, err := keySum(k)
	if err != nil {
		return err
	}
	return t.exec(`INSERT INTO user_keys (username, fingerprint, type, comment, key, added_at, added_by, sum)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (fingerprint) DO UPDATE SET username = excluded.username, type = excluded.type, comment = excluded.comment,
			key = excluded.key, added_at = excluded.added_at, added_by = excluded.added_by, sum = excluded.sum`,
		k.User, k.Fingerprint, k.Type, maybe(k.Comment), k.Key, stamp(k.AddedAt), k.AddedBy, sum)
}

func (t *tx) DropKey(user, fingerprint string) error {
	return t.exec("DELETE FROM user_keys WHERE fingerprint = $1 AND username = $2", fingerprint, user)
}

// tokenSum is the digest of a token record, as bbolt's.
func tokenSum(tok model.APIToken, digest []byte) (string, error) {
	return model.TokenSum(tok, digest), nil
}

// canonToken is a token as its row gives it back: times to the
// microsecond, a digest never nil (the column is NOT NULL).
func canonToken(tok model.APIToken, digest []byte) (model.APIToken, []byte) {
	tok.CreatedAt, tok.ExpiresAt = micro(tok.CreatedAt), micro(tok.ExpiresAt)
	return tok, nonNil(digest)
}

const tokenColumns = "id, username, label, created_at, created_by, expires_at, digest, sum"

type storedToken struct {
	tok    model.APIToken
	digest []byte
	sum    string
}

func scanToken(r pgx.CollectableRow) (storedToken, error) {
	var s storedToken
	var label *string
	var created, expires pgtype.Timestamptz
	err := r.Scan(&s.tok.ID, &s.tok.User, &label, &created, &s.tok.CreatedBy, &expires, &s.digest, &s.sum)
	s.tok.Label, s.tok.CreatedAt, s.tok.ExpiresAt = orEmpty(label), timeOf(created), timeOf(expires)
	return s, err
}

func (t *tx) checkToken(s storedToken) (model.APIToken, error) {
	if sum, err := tokenSum(s.tok, s.digest); err != nil || sum != s.sum {
		return s.tok, t.damaged("API token %s: %v", s.tok.ID, errDigest)
	}
	return s.tok, nil
}

func (t *tx) Token(id string) (model.APIToken, []byte, bool, error) {
	rows, err := all(t, t.ctx, scanToken, "SELECT "+tokenColumns+" FROM api_tokens WHERE id = $1", id)
	if err != nil || len(rows) == 0 {
		return model.APIToken{}, nil, false, err
	}
	tok, err := t.checkToken(rows[0])
	if err != nil {
		return tok, nil, true, err
	}
	return tok, rows[0].digest, true, nil
}

// EachToken calls fn with every token, by id.
func (t *tx) EachToken(fn func(model.APIToken) error) error {
	rows, err := all(t, t.ctx, scanToken, "SELECT "+tokenColumns+" FROM api_tokens ORDER BY id")
	if err != nil {
		return err
	}
	for _, s := range rows {
		tok, err := t.checkToken(s)
		if err != nil {
			return err
		}
		if err := fn(tok); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) PutToken(tok model.APIToken, digest []byte) error {
	tok, digest = canonToken(tok, digest)
	sum, err := tokenSum(tok, digest)
	if err != nil {
		return err
	}
	return t.exec(`INSERT INTO api_tokens (id, username, label, created_at, created_by, expires_at, digest, sum)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (id) DO UPDATE SET username = excluded.username, label = excluded.label, created_at = excluded.created_at,
			created_by = excluded.created_by, expires_at = excluded.expires_at, digest = excluded.digest, sum = excluded.sum`,
		tok.ID, tok.User, maybe(tok.Label), stamp(tok.CreatedAt), tok.CreatedBy, maybeStamp(tok.ExpiresAt), digest, sum)
}

func (t *tx) DropToken(id string) error { return t.exec("DELETE FROM api_tokens WHERE id = $1", id) }
