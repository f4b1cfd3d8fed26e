package pg

import (
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"docket/model"
)

// The outbox: one row per delivery of one change to one subscription, its
// id the row's seq; a pending one carries the document it sends and its
// next attempt, which the partial index outbox_due orders per
// subscription.

const deliveryColumns = `seq, webhook, event, name, case_id, case_name, created_at, state, attempts,
	last_status, last_error, last_attempt_at, next_attempt_at, delivered_at, failed_at`

func scanDelivery(r pgx.CollectableRow) (model.Delivery, error) {
	var d model.Delivery
	var seq int64
	var lastStatus *int32
	var lastError *string
	var created, last, next, delivered, failed pgtype.Timestamptz
	err := r.Scan(&seq, &d.Webhook, &d.Event, &d.Name, &d.Case, &d.CaseName, &created, &d.State, &d.Attempts,
		&lastStatus, &lastError, &last, &next, &delivered, &failed)
	d.ID = strconv.FormatInt(seq, 10)
	if lastStatus != nil {
		d.LastStatus = int(*lastStatus)
	}
	d.LastError = orEmpty(lastError)
	d.CreatedAt, d.LastAttemptAt, d.NextAttemptAt = timeOf(created), timeOf(last), timeOf(next)
	d.DeliveredAt, d.FailedAt = timeOf(delivered), timeOf(failed)
	return d, err
}

// seqOf is the row of a delivery id; ok is false for an id no row has.
func seqOf(id string) (int64, bool) {
	seq, err := strconv.ParseInt(id, 10, 64)
	return seq, err == nil && seq > 0
}

func (t *tx) QueueDelivery(d *model.Delivery, doc []byte) error {
	var seq int64
	_, err := t.one(`INSERT INTO outbox (webhook, event, name, case_id, case_name, created_at, state, next_attempt_at, doc)
		VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8) RETURNING seq`,
		[]any{d.Webhook, d.Event, d.Name, d.Case, d.CaseName, stamp(d.CreatedAt), stamp(d.NextAttemptAt), doc}, &seq)
	d.ID = strconv.FormatInt(seq, 10)
	return err
}

func (t *tx) Delivery(id string) (model.Delivery, bool, error) {
	seq, ok := seqOf(id)
	if !ok {
		return model.Delivery{}, false, nil
	}
	rows, err := all(t, t.ctx, scanDelivery, "SELECT "+deliveryColumns+" FROM outbox WHERE seq = $1", seq)
	if err != nil || len(rows) == 0 {
		return model.Delivery{}, false, err
	}
	return rows[0], true, nil
}

// UpdateDelivery writes the delivery's state; a delivery no longer pending
// drops its document and its next attempt (the row's check wants both).
func (t *tx) UpdateDelivery(_, d model.Delivery) error {
	seq, ok := seqOf(d.ID)
	if !ok {
		return t.damaged("webhook delivery id %q", d.ID)
	}
	next := maybeStamp(d.NextAttemptAt)
	if d.State != model.DeliveryPending {
		next = pgtype.Timestamptz{}
	}
	return t.exec(`UPDATE outbox SET state = $2, attempts = $3, last_status = $4, last_error = $5,
		last_attempt_at = $6, next_attempt_at = $7, delivered_at = $8, failed_at = $9,
		doc = CASE WHEN $2 = 'pending' THEN doc END
		WHERE seq = $1`,
		seq, string(d.State), d.Attempts, nonZero(d.LastStatus), maybe(d.LastError),
		maybeStamp(d.LastAttemptAt), next, maybeStamp(d.DeliveredAt), maybeStamp(d.FailedAt))
}

// nonZero is n for a column where 0 is NULL.
func nonZero(n int) *int32 {
	if n == 0 {
		return nil
	}
	v := int32(n)
	return &v
}

func (t *tx) DeliveryDoc(id string) ([]byte, error) {
	seq, ok := seqOf(id)
	if !ok {
		return nil, nil
	}
	var doc []byte
	_, err := t.one("SELECT doc FROM outbox WHERE seq = $1", []any{seq}, &doc)
	return doc, err
}

func (t *tx) PutDeliveryDoc(id string, doc []byte) error {
	seq, ok := seqOf(id)
	if !ok {
		return t.damaged("webhook delivery id %q", id)
	}
	return t.exec("UPDATE outbox SET doc = $2 WHERE seq = $1 AND state = 'pending'", seq, doc)
}

// PendingOf reads the subscription's queue from outbox_due, a few rows at
// a time, each batch read before fn sees it (fn may change the queue).
func (t *tx) PendingOf(webhook string, max int, fn func(model.Delivery) (bool, error)) error {
	const batch = 64
	next, seq := time.Time{}, int64(0)
	seen := map[string]bool{} // one fn moved further down comes by once
	for read := 0; read < max; {
		n := min(batch, max-read)
		rows, err := all(t, t.ctx, scanDelivery, "SELECT "+deliveryColumns+` FROM outbox
			WHERE webhook = $1 AND state = 'pending' AND (next_attempt_at, seq) > ($2, $3)
			ORDER BY next_attempt_at, seq LIMIT $4`, webhook, stampOrMin(next), seq, n)
		if err != nil {
			return err
		}
		for _, d := range rows {
			if seen[d.ID] {
				continue
			}
			seen[d.ID] = true
			if more, err := fn(d); err != nil || !more {
				return err
			}
		}
		if len(rows) < n {
			return nil
		}
		read += len(rows)
		last := rows[len(rows)-1]
		next, seq = last.NextAttemptAt, mustSeq(last.ID)
	}
	return nil
}

// stampOrMin is t, or the earliest time a column holds when t is zero: a
// position before every row.
func stampOrMin(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{InfinityModifier: pgtype.NegativeInfinity, Valid: true}
	}
	return stamp(t)
}

func mustSeq(id string) int64 {
	seq, _ := seqOf(id)
	return seq
}

func (t *tx) EachPending(fn func(model.Delivery) error) error {
	rows, err := all(t, t.ctx, scanDelivery, "SELECT "+deliveryColumns+" FROM outbox WHERE state = 'pending' ORDER BY seq")
	if err != nil {
		return err
	}
	for _, d := range rows {
		if err := fn(d); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) NextDue() (time.Time, bool, error) {
	var at pgtype.Timestamptz
	found, err := t.one("SELECT min(next_attempt_at) FROM outbox WHERE state = 'pending'", nil, &at)
	if !found || err != nil || !at.Valid {
		return time.Time{}, false, err
	}
	return timeOf(at), true, nil
}

// EachDelivery reads the records newest first, a batch at a time.
func (t *tx) EachDelivery(fn func(model.Delivery) (bool, error)) error {
	const batch = 200
	before := int64(1<<63 - 1)
	for {
		rows, err := all(t, t.ctx, scanDelivery, "SELECT "+deliveryColumns+" FROM outbox WHERE seq < $1 ORDER BY seq DESC LIMIT $2", before, batch)
		if err != nil {
			return err
		}
		for _, d := range rows {
			if more, err := fn(d); err != nil || !more {
				return err
			}
		}
		if len(rows) < batch {
			return nil
		}
		before = mustSeq(rows[len(rows)-1].ID)
	}
}

// PruneDeliveries deletes the oldest finished records: ids grow with time,
// so the walk stops at the first delivery made after cutoff.
func (t *tx) PruneDeliveries(cutoff time.Time, max int) (int, error) {
	n, err := t.execN(`DELETE FROM outbox WHERE seq IN (
		SELECT seq FROM outbox
		WHERE seq < coalesce((SELECT min(seq) FROM outbox WHERE created_at > $1), 9223372036854775807)
		  AND state <> 'pending' AND coalesce(delivered_at, failed_at) < $1
		ORDER BY seq LIMIT $2)`, stamp(cutoff), max)
	return int(n), err
}
