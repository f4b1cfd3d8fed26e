package pg

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"docket/model"
	"docket/store/backend"
)

// The intake's record: a receipt per webhook event received (inbox), kept
// from its first delivery until it is pruned; counts of the events by name
// and outcome, sharded as the queue counts are (inbox_counts); and, on the
// object's row, the time of the copy a webhook last applied (as_of).

const receiptColumns = "id, name, type, created_at, received_at, last_at, attempts, outcome, detail, case_ids"

func scanReceipt(r pgx.CollectableRow) (backend.EventReceipt, error) {
	var rec backend.EventReceipt
	var typ, detail *string
	var created, received, last pgtype.Timestamptz
	err := r.Scan(&rec.ID, &rec.Name, &typ, &created, &received, &last, &rec.Attempts, &rec.Outcome, &detail, &rec.Cases)
	rec.Type, rec.Detail = orEmpty(typ), orEmpty(detail)
	rec.CreatedAt, rec.ReceivedAt, rec.LastAt = timeOf(created), timeOf(received), timeOf(last)
	rec.Cases = nilIfEmpty(rec.Cases)
	return rec, err
}

func (t *tx) Receipt(id string) (backend.EventReceipt, bool, error) {
	rows, err := all(t, t.ctx, scanReceipt, "SELECT "+receiptColumns+" FROM inbox WHERE id = $1", id)
	if err != nil || len(rows) == 0 {
		return backend.EventReceipt{}, false, err
	}
	return rows[0], true, nil
}

// PutReceipt writes the receipt; the time of its first delivery, from
// which it is kept, stays the first one's.
func (t *tx) PutReceipt(rec backend.EventReceipt, _ bool) error {
	cases := rec.Cases
	if cases == nil {
		cases = []string{}
	}
	return t.exec(`INSERT INTO inbox (`+receiptColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, type = excluded.type, created_at = excluded.created_at,
			last_at = excluded.last_at, attempts = excluded.attempts, outcome = excluded.outcome,
			detail = excluded.detail, case_ids = excluded.case_ids`,
		rec.ID, rec.Name, maybe(rec.Type), stamp(rec.CreatedAt), stamp(rec.ReceivedAt), stamp(rec.LastAt),
		rec.Attempts, rec.Outcome, maybe(rec.Detail), cases)
}

// CountEvent adds to this connection's shard of the name's counts, so
// that servers receiving events at once do not queue on one row.
func (t *tx) CountEvent(name, outcome string, at time.Time) error {
	column := map[string]string{
		backend.OutcomeApplied: "applied", backend.OutcomeUnchanged: "unchanged",
		backend.OutcomeUnused: "unused", backend.OutcomeRefused: "refused",
	}[outcome]
	if column == "" {
		return t.damaged("webhook event outcome %q", outcome)
	}
	return t.exec(`INSERT INTO inbox_counts (name, shard, `+column+`, last) VALUES ($1, pg_backend_pid() % 16, 1, $2)
		ON CONFLICT (name, shard) DO UPDATE SET `+column+` = inbox_counts.`+column+` + 1,
			last = greatest(inbox_counts.last, excluded.last)`, name, stamp(at))
}

func (t *tx) EventCounts() ([]backend.EventCount, error) {
	return all(t, t.ctx, func(r pgx.CollectableRow) (backend.EventCount, error) {
		var n backend.EventCount
		var last pgtype.Timestamptz
		err := r.Scan(&n.Name, &n.Applied, &n.Unchanged, &n.Unused, &n.Refused, &last)
		n.Last = timeOf(last)
		return n, err
	}, `SELECT name, sum(applied), sum(unchanged), sum(unused), sum(refused), max(last)
		FROM inbox_counts GROUP BY name ORDER BY name`)
}

func (t *tx) RecentReceipts(limit int) ([]backend.EventReceipt, error) {
	out, err := all(t, t.ctx, scanReceipt, "SELECT "+receiptColumns+" FROM inbox ORDER BY received_at DESC, id DESC LIMIT $1", limit)
	if out == nil {
		out = []backend.EventReceipt{}
	}
	return out, err
}

func (t *tx) PruneReceipts(cutoff time.Time, max int) error {
	return t.exec(`DELETE FROM inbox WHERE id IN (
		SELECT id FROM inbox WHERE received_at <= $1 ORDER BY received_at LIMIT $2)`, stamp(cutoff), max)
}

func (t *tx) ObjectAsOf(id string) (time.Time, bool, error) {
	var at pgtype.Timestamptz
	found, err := t.one("SELECT as_of FROM objects WHERE id = $1", []any{id}, &at)
	if !found || err != nil || !at.Valid {
		return time.Time{}, false, err
	}
	return timeOf(at), true, nil
}

// NoteObjectAsOf notes the time on the object's row, which the webhook
// that applied the copy has just written.
func (t *tx) NoteObjectAsOf(id string, at time.Time) error {
	return t.exec("UPDATE objects SET as_of = $2 WHERE id = $1", id, stamp(at))
}

// The rest of backend.Tx.

// EventHash reads an event's hash alone.
func (t *tx) EventHash(caseID string, seq int64) (string, bool, error) {
	var hash *string
	found, err := t.one("SELECT body->>'hash' FROM events WHERE case_id = $1 AND seq = $2", []any{caseID, seq}, &hash)
	return orEmpty(hash), found, err
}

// EachEvent reads the trails a batch of events at a time, in case and seq
// order, each with its case's record in the same query (decoded once per
// case): a metrics walk over a million cases makes no query per case.
func (t *tx) EachEvent(fn func(*model.Case, model.Event) error) error {
	const batch = 2000
	type row struct {
		caseID string
		e      model.Event
		record []byte // the case's, beside each of its events
	}
	afterCase, afterSeq := "", int64(0)
	var c *model.Case
	for {
		rows, err := all(t, t.ctx, func(r pgx.CollectableRow) (row, error) {
			var out row
			var seq int64
			var body string
			if err := r.Scan(&out.caseID, &seq, &body, &out.record); err != nil {
				return out, err
			}
			if err := json.Unmarshal([]byte(body), &out.e); err != nil {
				return out, fmt.Errorf("event %d of case %s does not decode: %w", seq, out.caseID, err)
			}
			return out, nil
		}, `SELECT case_id, seq, body::text, (SELECT record FROM cases WHERE id = events.case_id) FROM events
			WHERE (case_id, seq) > ($1, $2) ORDER BY case_id, seq LIMIT $3`, afterCase, afterSeq, batch)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if c == nil || c.ID != r.caseID {
				if r.record == nil {
					return t.damaged("the audit trail of case %s has no case", r.caseID)
				}
				if c, err = decodeRecord(r.caseID, r.record); err != nil {
					return t.damaged("%v", err)
				}
			}
			if err := fn(c, r.e); err != nil {
				return err
			}
		}
		if len(rows) < batch {
			return nil
		}
		last := rows[len(rows)-1]
		afterCase, afterSeq = last.caseID, last.e.Seq
	}
}

func (t *tx) CasesIn(wf, status string) ([]string, error) {
	return all(t, t.ctx, pgx.RowTo[string],
		"SELECT id FROM cases WHERE workflow = $1 AND status = $2 ORDER BY due, created_at, id", wf, status)
}

// NoteRedaction changes nothing in the transaction: the redacted values
// stay in dead row versions until VACUUM reclaims them, which compacting a
// PostgreSQL database runs.
func (t *tx) NoteRedaction() error { return nil }
