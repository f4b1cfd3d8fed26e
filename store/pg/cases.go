package pg

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"docket/model"
)

// Case records. A case is one row of cases: the columns the queues select
// and order by (see queues.go), and the record itself (cases.record), from
// which every read of a case is decoded, so that what comes back is what
// was written, nanoseconds included. Its fields are a row of case_fields,
// its tags rows of case_tags (which order a tag's queue), its queue counts
// rows of queue_counts (see counts.go).
//
// The record is model.Case as JSON, without the fields. store/bolt/codec.go's
// binary encoding would be smaller and cheaper to decode, but it is
// package store's own; decodeCase there reads this form too (a record
// starting '{'), so a later move to the binary form reads what is stored
// now.

// encodeRecord is the record of c (without its fields).
func encodeRecord(c *model.Case) ([]byte, error) {
	h := *c
	h.Fields = nil
	// In UTC, as bbolt gives times back (a zone would come back as a
	// fixed offset).
	for _, tm := range []*time.Time{&h.CreatedAt, &h.UpdatedAt, &h.AssignedAt, &h.ResolvedAt, &h.SLAExpiresAt, &h.SourceUpdatedAt} {
		*tm = tm.UTC()
	}
	return json.Marshal(&h)
}

// decodeRecord reads a record back as bbolt's decodeCase gives a header:
// tags and objects never nil, no empty references.
func decodeRecord(id string, raw []byte) (*model.Case, error) {
	c := &model.Case{}
	if err := json.Unmarshal(raw, c); err != nil {
		return nil, fmt.Errorf("case %s: the record does not decode: %w", id, err)
	}
	c.Tags = nonNil(c.Tags)
	c.Objects = nonNil(c.Objects)
	c.References = nilIfEmpty(c.References)
	return c, nil
}

// searchText is what a text filter searches in a case: name, id,
// subject, reference ids and tags, folded, each after a U+0000, exactly as
// bbolt's row summary holds them (store/bolt/codec.go, encodeSummary), so that
// a filter's text (folded by the rules) is found in the same cases.
func searchText(c *model.Case) []byte { return []byte(c.SearchText()) }

func (t *tx) CaseHeader(id string) (*model.Case, error) {
	var raw []byte
	found, err := t.one("SELECT record FROM cases WHERE id = $1", []any{id}, &raw)
	if !found || err != nil {
		return nil, err
	}
	return decodeRecord(id, raw)
}

func (t *tx) HasCase(id string) (bool, error) {
	return t.exists("SELECT EXISTS (SELECT 1 FROM cases WHERE id = $1)", id)
}

func (t *tx) CaseFields(id string) ([]byte, error) {
	var fields string
	found, err := t.one("SELECT fields::text FROM case_fields WHERE case_id = $1", []any{id}, &fields)
	if !found || err != nil {
		return nil, err
	}
	return []byte(fields), nil
}

// nameKey is the claim on a case name: names are unique in any letter
// case, as bbolt's names bucket keys them.
func nameKey(name string) string { return strings.ToUpper(name) }

func (t *tx) CaseNamed(name string) (string, bool, error) {
	var id string
	found, err := t.one("SELECT id FROM cases WHERE name_key = $1", []any{nameKey(name)}, &id)
	return id, found, err
}

// PutCase writes the case row (its record, and the columns the queues
// read: the name claim is its name_key), its fields when they changed, its
// tag rows when what they hold changed, and its counts, in one round trip.
func (t *tx) PutCase(old, c *model.Case) error {
	record, err := encodeRecord(c)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	b.Queue(upsertCase, caseColumns(c, record)...)
	if old == nil || !bytes.Equal(old.Fields, c.Fields) {
		queueFields(b, c)
	}
	if old == nil || tagRowsChanged(old, c) {
		queueTags(b, c)
	}
	if t.queued != nil { // a bulk transaction sends it with its other writes
		for _, q := range b.QueuedQueries {
			if err := t.exec(q.SQL, q.Arguments...); err != nil {
				return fmt.Errorf("write case %s: %w", c.ID, err)
			}
		}
	} else if err := t.note(t.tx.SendBatch(t.ctx, b).Close()); err != nil {
		return fmt.Errorf("write case %s: %w", c.ID, err)
	}
	t.moveCounts(old, c)
	return nil
}

const upsertCase = `INSERT INTO cases (id, name, name_key, workflow, status, status_type, assignee, assigner, creator, resolver,
	subject, created_at, updated_at, assigned_at, resolved_at, sla_expires_at, version, tags, reference_ids, redacted,
	search, fields_sum, objects_sum, comments_sum, record)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_key = excluded.name_key, workflow = excluded.workflow,
	status = excluded.status, status_type = excluded.status_type, assignee = excluded.assignee,
	assigner = excluded.assigner, creator = excluded.creator, resolver = excluded.resolver, subject = excluded.subject,
	created_at = excluded.created_at, updated_at = excluded.updated_at, assigned_at = excluded.assigned_at,
	resolved_at = excluded.resolved_at, sla_expires_at = excluded.sla_expires_at, version = excluded.version,
	tags = excluded.tags, reference_ids = excluded.reference_ids, redacted = excluded.redacted,
	search = excluded.search, fields_sum = excluded.fields_sum, objects_sum = excluded.objects_sum,
	comments_sum = excluded.comments_sum, record = excluded.record`

// caseColumns are upsertCase's arguments for c.
func caseColumns(c *model.Case, record []byte) []any {
	return []any{c.ID, c.Name, nameKey(c.Name), c.Workflow, c.Status, string(c.StatusType),
		maybe(c.Assignee), maybe(c.Assigner), maybe(c.Creator), maybe(c.Resolver), maybe(columnText(c.Subject)),
		stamp(c.CreatedAt), stamp(c.UpdatedAt), maybeStamp(c.AssignedAt), maybeStamp(c.ResolvedAt), maybeStamp(c.SLAExpiresAt),
		c.Version, nonNil(c.Tags), columnTexts(c.References), c.Redacted,
		searchText(c), maybe(c.FieldsSum), maybe(c.ObjectsSum), maybe(c.CommentsSum), record}
}

// queueFields writes c's fields, or drops them when it has none.
func queueFields(b *pgx.Batch, c *model.Case) {
	if len(c.Fields) == 0 {
		b.Queue("DELETE FROM case_fields WHERE case_id = $1", c.ID)
		return
	}
	b.Queue(`INSERT INTO case_fields (case_id, fields) VALUES ($1, $2::text::json)
		ON CONFLICT (case_id) DO UPDATE SET fields = excluded.fields`, c.ID, string(c.Fields))
}

// tagKeys are the case's tags as case_tags holds them: lower-cased (as
// bbolt's tag index), each once.
func tagKeys(c *model.Case) []string {
	var out []string
	for _, tag := range c.Tags {
		if k := strings.ToLower(tag); !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return nonNil(out)
}

// tagRowsChanged says whether c's tag rows must be written again: its
// tags, or the order they sort it in, changed.
func tagRowsChanged(old, c *model.Case) bool {
	return !slices.Equal(tagKeys(old), tagKeys(c)) || old.Open() != c.Open() ||
		!micro(old.SLAExpiresAt).Equal(micro(c.SLAExpiresAt)) || !micro(old.CreatedAt).Equal(micro(c.CreatedAt))
}

// queueTags writes c's tag rows and drops those of tags it no longer has.
func queueTags(b *pgx.Batch, c *model.Case) {
	keys := tagKeys(c)
	b.Queue("DELETE FROM case_tags WHERE case_id = $1 AND tag <> ALL ($2::text[])", c.ID, keys)
	if len(keys) == 0 {
		return
	}
	b.Queue(`INSERT INTO case_tags (case_id, tag, open, due, created_at)
		SELECT $1, tag, $3, $4, $5 FROM unnest($2::text[]) AS tag
		ON CONFLICT (case_id, tag) DO UPDATE SET open = excluded.open, due = excluded.due, created_at = excluded.created_at`,
		c.ID, keys, c.Open(), stamp(c.SLAExpiresAt), stamp(c.CreatedAt))
}
