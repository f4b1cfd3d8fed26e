package pg

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"docket/model"
	"docket/store/backend"
)

// What a copy of the whole database reads and writes beyond the rules'
// own operations (store/copy.go): every row of a kind, read a batch at a
// time in key order, and rows set as another database holds them.

const copyBatch = 1000

// eachByID pages through a table by its text key: fn gets each batch's
// rows, and after the id of the last.
func eachByID[T any](t *tx, scan func(pgx.CollectableRow) (T, error), idOf func(T) string, query string, fn func(T) error) error {
	after := ""
	for {
		rows, err := all(t, t.ctx, scan, query, after, copyBatch)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(rows) < copyBatch {
			return nil
		}
		after = idOf(rows[len(rows)-1])
	}
}

func (t *tx) EachCase(fn func(*model.Case) error) error {
	return eachByID(t, t.scanRecord, func(c *model.Case) string { return c.ID },
		"SELECT id, record FROM cases WHERE id > $1 ORDER BY id LIMIT $2", fn)
}

// EachCaseWithTrail reads the cases a batch at a time, and for each batch
// its fields, events and comments with one query each, over the batch's
// range of ids.
func (t *tx) EachCaseWithTrail(fn func(*model.Case, []model.Event, []model.Comment, error) error) error {
	after := ""
	for {
		cases, err := all(t, t.ctx, t.scanRecord, "SELECT id, record FROM cases WHERE id > $1 ORDER BY id LIMIT $2", after, copyBatch)
		if err != nil || len(cases) == 0 {
			return err
		}
		first, last := cases[0].ID, cases[len(cases)-1].ID
		fields, err := all(t, t.ctx, scanKeyed[string], "SELECT case_id, fields::text FROM case_fields WHERE case_id BETWEEN $1 AND $2", first, last)
		if err != nil {
			return err
		}
		events, err := all(t, t.ctx, scanKeyed[string], "SELECT case_id, body::text FROM events WHERE case_id BETWEEN $1 AND $2 ORDER BY case_id, seq", first, last)
		if err != nil {
			return err
		}
		comments, err := all(t, t.ctx, scanKeyed[string], "SELECT case_id, body::text FROM comments WHERE case_id BETWEEN $1 AND $2 ORDER BY case_id, seq", first, last)
		if err != nil {
			return err
		}
		fieldsOf := map[string]string{}
		for _, f := range fields {
			fieldsOf[f.key] = f.v
		}
		eventsOf, commentsOf := groupRows(events), groupRows(comments)
		for _, c := range cases {
			if f, ok := fieldsOf[c.ID]; ok {
				c.Fields = []byte(f)
			}
			evs, evErr := decodeAll[model.Event](eventsOf[c.ID], "audit event")
			cms, cmErr := decodeAll[model.Comment](commentsOf[c.ID], "comment")
			if err := fn(c, evs, cms, errors.Join(evErr, cmErr)); err != nil {
				return err
			}
		}
		if len(cases) < copyBatch {
			return nil
		}
		after = last
	}
}

// scanRecord reads an (id, record) row into a case header.
func (t *tx) scanRecord(r pgx.CollectableRow) (*model.Case, error) {
	var id string
	var raw []byte
	if err := r.Scan(&id, &raw); err != nil {
		return nil, err
	}
	c, err := decodeRecord(id, raw)
	if err != nil {
		return nil, t.damaged("%v", err)
	}
	return c, nil
}

// keyed is a row of a value under a key.
type keyed[V any] struct {
	key string
	v   V
}

func scanKeyed[V any](r pgx.CollectableRow) (keyed[V], error) {
	var k keyed[V]
	return k, r.Scan(&k.key, &k.v)
}

// groupRows gathers rows by key, keeping their order.
func groupRows(rows []keyed[string]) map[string][]string {
	out := map[string][]string{}
	for _, r := range rows {
		out[r.key] = append(out[r.key], r.v)
	}
	return out
}

// decodeAll decodes JSON documents of one kind; one that does not decode
// is left out and named.
func decodeAll[T any](docs []string, what string) ([]T, error) {
	out := make([]T, 0, len(docs))
	var errs []error
	for i, d := range docs {
		var v T
		if err := json.Unmarshal([]byte(d), &v); err != nil {
			errs = append(errs, fmt.Errorf("%s %d does not decode: %w", what, i+1, err))
			continue
		}
		out = append(out, v)
	}
	return out, errors.Join(errs...)
}

func (t *tx) ObjectsIn(ids []string) ([]*model.Object, error) {
	return all(t, t.ctx, scanObject, `SELECT id, kind, type, attributes::text, relationships::text, redacted, ref_only, sum
		FROM objects WHERE id = ANY($1)`, ids)
}

// scanObject reads a row of an object's columns.
func scanObject(r pgx.CollectableRow) (*model.Object, error) {
	o := &model.Object{}
	var attrs, rels *string
	err := r.Scan(&o.ID, &o.Kind, &o.Type, &attrs, &rels, &o.Redacted, &o.RefOnly, &o.Sum)
	if attrs != nil {
		o.Attributes = []byte(*attrs)
	}
	if rels != nil {
		o.Relationships = []byte(*rels)
	}
	return o, err
}

func (t *tx) EachObject(fn func(*model.Object) error) error {
	return eachByID(t, scanObject, func(o *model.Object) string { return o.ID },
		`SELECT id, kind, type, attributes::text, relationships::text, redacted, ref_only, sum
			FROM objects WHERE id > $1 ORDER BY id LIMIT $2`, fn)
}

func (t *tx) EachDecided(fn func(time.Time, string, int) error) error {
	type decided struct {
		day  time.Time
		user string
		n    int64
	}
	rows, err := all(t, t.ctx, func(r pgx.CollectableRow) (decided, error) {
		var d decided
		var day pgtype.Date
		err := r.Scan(&day, &d.user, &d.n)
		d.day = day.Time
		return d, err
	}, "SELECT day, username, n FROM decisions ORDER BY day, username")
	if err != nil {
		return err
	}
	for _, d := range rows {
		if err := fn(d.day, d.user, int(d.n)); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) PutDecided(day time.Time, user string, n int) error {
	k := dayOf(day, user)
	delete(t.decided, k)
	return t.exec(`INSERT INTO decisions (day, username, n) VALUES ($1::date, $2, $3)
		ON CONFLICT (day, username) DO UPDATE SET n = excluded.n`, k.day, k.user, n)
}

// EachState reads the records of each kind of state whose prefix falls
// under prefix (see stateKinds).
func (t *tx) EachState(prefix string, fn func(string, []byte) error) error {
	for _, k := range stateKinds {
		if !strings.HasPrefix(k.prefix, prefix) && !strings.HasPrefix(prefix, k.prefix) {
			continue
		}
		names, err := all(t, t.ctx, pgx.RowTo[string], k.names)
		if err != nil {
			return err
		}
		for _, name := range names {
			key := k.prefix + name
			if !strings.HasPrefix(key, prefix) {
				continue
			}
			v, err := k.get(t, name)
			if err != nil {
				return err
			}
			if v == nil {
				continue
			}
			if err := fn(key, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// PutDelivery inserts the row under the delivery's own seq and moves the
// identity past it.
func (t *tx) PutDelivery(d model.Delivery, doc []byte) error {
	seq, ok := seqOf(d.ID)
	if !ok {
		return fmt.Errorf("webhook delivery id %q", d.ID)
	}
	next := maybeStamp(d.NextAttemptAt)
	if d.State != model.DeliveryPending {
		next, doc = pgtype.Timestamptz{}, nil
	}
	var lastStatus *int32
	if d.LastStatus != 0 {
		s := int32(d.LastStatus)
		lastStatus = &s
	}
	if err := t.exec(`INSERT INTO outbox (`+deliveryColumns+`, doc)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		seq, d.Webhook, d.Event, d.Name, d.Case, d.CaseName, stamp(d.CreatedAt), d.State, d.Attempts,
		lastStatus, maybe(d.LastError), maybeStamp(d.LastAttemptAt), next, maybeStamp(d.DeliveredAt), maybeStamp(d.FailedAt), doc); err != nil {
		return err
	}
	return t.KeepDeliveryIDsAfter(uint64(seq)) // forward only: never below ids already given
}

func (t *tx) LastDeliveryID() (uint64, error) {
	var last *int64
	_, err := t.one("SELECT pg_sequence_last_value(pg_get_serial_sequence('outbox', 'seq')::regclass)", nil, &last)
	if last == nil || *last < 0 {
		return 0, err
	}
	return uint64(*last), err
}

func (t *tx) KeepDeliveryIDsAfter(n uint64) error {
	last, err := t.LastDeliveryID()
	if err != nil || n <= last {
		return err
	}
	return t.exec("SELECT setval(pg_get_serial_sequence('outbox', 'seq'), $1)", int64(n))
}

func (t *tx) EachObjectAsOf(fn func(string, time.Time) error) error {
	type asOf struct {
		id string
		at time.Time
	}
	scan := func(r pgx.CollectableRow) (asOf, error) {
		var a asOf
		var at pgtype.Timestamptz
		err := r.Scan(&a.id, &at)
		a.at = timeOf(at)
		return a, err
	}
	return eachByID(t, scan, func(a asOf) string { return a.id },
		"SELECT id, as_of FROM objects WHERE id > $1 AND as_of IS NOT NULL ORDER BY id LIMIT $2",
		func(a asOf) error { return fn(a.id, a.at) })
}

// PutEventCount keeps the counts in shard 0, in place of every shard's.
func (t *tx) PutEventCount(n backend.EventCount) error {
	if err := t.exec("DELETE FROM inbox_counts WHERE name = $1", n.Name); err != nil {
		return err
	}
	return t.exec(`INSERT INTO inbox_counts (name, shard, applied, unchanged, unused, refused, last)
		VALUES ($1, 0, $2, $3, $4, $5, $6)`, n.Name, n.Applied, n.Unchanged, n.Unused, n.Refused, maybeStamp(n.Last))
}

// HoldsData says whether the database dsn names holds docket users or
// cases, reading it without changing it: a copy asks before it opens a
// target, since opening lays out or upgrades docket's schema.
func HoldsData(ctx context.Context, dsn string) (bool, error) {
	cfg, err := parseDSN(dsn)
	if err != nil {
		return false, err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return false, redactErr(dsn, fmt.Errorf("open database %s: %w", Redact(dsn), plainly(err)))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, table := range []string{"users", "cases"} {
		var exists, holds bool
		if err := conn.QueryRow(ctx, "SELECT to_regclass($1) IS NOT NULL", table).Scan(&exists); err != nil || !exists {
			if err != nil {
				return false, redactErr(dsn, err)
			}
			continue
		}
		if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+table+")").Scan(&holds); err != nil || holds {
			return holds, redactErr(dsn, err)
		}
	}
	return false, nil
}
