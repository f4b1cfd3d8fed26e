package pg

import (
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"docket/model"
)

// Audit trails and comments: one row each, under the case and seq, the
// item as docket encodes it (JSON, as bbolt stores it) in body, and beside
// it the columns a person querying the table reads by.

func (t *tx) Event(caseID string, seq int64) (model.Event, bool, error) {
	var e model.Event
	var body string
	found, err := t.one("SELECT body::text FROM events WHERE case_id = $1 AND seq = $2", []any{caseID, seq}, &body)
	if !found || err != nil {
		return e, false, err
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		return e, true, fmt.Errorf("event %d of case %s does not decode: %w", seq, caseID, err)
	}
	return e, true, nil
}

func (t *tx) Events(caseID string) ([]model.Event, error) {
	return all(t, t.ctx, decodeBody[model.Event], "SELECT seq, body::text FROM events WHERE case_id = $1 ORDER BY seq", caseID)
}

func (t *tx) PutEvent(e model.Event) error {
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return t.exec(`INSERT INTO events (case_id, seq, at, actor, kind, body) VALUES ($1, $2, $3, $4, $5, $6::text::json)
		ON CONFLICT (case_id, seq) DO UPDATE SET at = excluded.at, actor = excluded.actor, kind = excluded.kind, body = excluded.body`,
		e.CaseID, e.Seq, stamp(e.At), e.Actor, string(e.Kind), string(body))
}

func (t *tx) Comments(caseID string) ([]model.Comment, error) {
	return all(t, t.ctx, decodeBody[model.Comment], "SELECT seq, body::text FROM comments WHERE case_id = $1 ORDER BY seq", caseID)
}

func (t *tx) LastCommentSeq(caseID string) (int64, error) {
	var seq int64
	_, err := t.one("SELECT coalesce(max(seq), 0) FROM comments WHERE case_id = $1", []any{caseID}, &seq)
	return seq, err
}

// PutComment writes the comment; its id is the row's, unique: a rewrite
// that changes the id releases the old one (bbolt keeps both claimed).
func (t *tx) PutComment(cm model.Comment) error {
	body, err := json.Marshal(cm)
	if err != nil {
		return err
	}
	return t.exec(`INSERT INTO comments (case_id, seq, id, author, created_at, redacted, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7::text::json)
		ON CONFLICT (case_id, seq) DO UPDATE SET id = excluded.id, author = excluded.author, created_at = excluded.created_at,
			redacted = excluded.redacted, body = excluded.body`,
		cm.CaseID, cm.Seq, cm.ID, cm.Author, stamp(cm.CreatedAt), cm.Redacted, string(body))
}

func (t *tx) HasCommentID(id string) (bool, error) {
	return t.exists("SELECT EXISTS (SELECT 1 FROM comments WHERE id = $1)", id)
}

// decodeBody reads a (seq, body) row into an event or a comment.
func decodeBody[T any](r pgx.CollectableRow) (T, error) {
	var item T
	var seq int64
	var body string
	if err := r.Scan(&seq, &body); err != nil {
		return item, err
	}
	if err := json.Unmarshal([]byte(body), &item); err != nil {
		return item, fmt.Errorf("record %d does not decode: %w", seq, err)
	}
	return item, nil
}
