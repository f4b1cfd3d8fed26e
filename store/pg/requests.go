package pg

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"docket/store/backend"
)

// Replies to idempotent requests. backend.Requests keeps each as the
// rules encode it (store/requests.go, Reply: JSON); schema 1 keeps its
// parts in columns of requests, so a person can see which request changed
// which case. So a reply is decoded here into a backend.Reply and encoded
// again when read: one that would not come back as it was given is
// refused (see decodeMirror). Its time is kept to the microsecond.

func (t *tx) Reply(user, key string) ([]byte, error) {
	rows, err := all(t, t.ctx, scanReply, "SELECT "+replyColumns+" FROM requests WHERE username = $1 AND key = $2", user, key)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return rows[0].raw, nil
}

// EachReply reads the replies a batch at a time, in key order.
func (t *tx) EachReply(fn func(user, key string, reply []byte) error) error {
	const batch = 1000
	afterUser, afterKey := "", ""
	for {
		rows, err := all(t, t.ctx, scanReply, "SELECT "+replyColumns+` FROM requests
			WHERE (username, key) > ($1, $2) ORDER BY username, key LIMIT $3`, afterUser, afterKey, batch)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := fn(r.user, r.key, r.raw); err != nil {
				return err
			}
		}
		if len(rows) < batch {
			return nil
		}
		afterUser, afterKey = rows[len(rows)-1].user, rows[len(rows)-1].key
	}
}

const replyColumns = "username, key, digest, at, case_id, done, status, etag, location, body"

// storedReply is a row of requests with the reply it holds, encoded as
// the rules encode it (backend.Reply's JSON).
type storedReply struct {
	user, key string
	raw       []byte
}

func scanReply(row pgx.CollectableRow) (storedReply, error) {
	var s storedReply
	var r backend.Reply
	var at pgtype.Timestamptz
	var caseID, etag, location *string
	var status *int32
	if err := row.Scan(&s.user, &s.key, &r.Digest, &at, &caseID, &r.Done, &status, &etag, &location, &r.Body); err != nil {
		return s, err
	}
	r.At, r.Case, r.ETag, r.Location = timeOf(at), orEmpty(caseID), orEmpty(etag), orEmpty(location)
	if status != nil {
		r.Status = int(*status)
	}
	var err error
	s.raw, err = json.Marshal(r)
	return s, err
}

// PutReply keeps the reply, made at at (which it holds too).
func (t *tx) PutReply(user, key string, at time.Time, raw []byte) error {
	var r backend.Reply
	if err := decodeMirror(raw, &r); err != nil {
		return fmt.Errorf("the reply to request key %q %w", key, err)
	}
	var status *int32
	if r.Status != 0 {
		s := int32(r.Status)
		status = &s
	}
	return t.exec(`INSERT INTO requests (username, key, digest, at, case_id, done, status, etag, location, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (username, key) DO UPDATE SET digest = excluded.digest, at = excluded.at, case_id = excluded.case_id,
			done = excluded.done, status = excluded.status, etag = excluded.etag, location = excluded.location, body = excluded.body`,
		user, key, r.Digest, stamp(at), maybe(r.Case), r.Done, status, maybe(r.ETag), maybe(r.Location), r.Body)
}

// PruneReplies forgets the oldest replies made by cutoff, at most max. A
// key claimed again has one row, of its newer time, so it stays.
func (t *tx) PruneReplies(cutoff time.Time, max int) error {
	return t.exec(`DELETE FROM requests WHERE (username, key) IN (
		SELECT username, key FROM requests WHERE at <= $1 ORDER BY at, username, key LIMIT $2)`, stamp(cutoff), max)
}
