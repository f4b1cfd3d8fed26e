package pg

import (
	"strings"

	"github.com/jackc/pgx/v5"

	"docket/model"
)

// Objects: one row each, attributes and relationships as json (their
// bytes exactly), with the content digest docket gives them; links are
// rows of case_objects.

func (t *tx) Object(id string) (*model.Object, error) {
	o := &model.Object{}
	var attrs, rels *string
	found, err := t.one(`SELECT kind, type, attributes::text, relationships::text, redacted, ref_only, sum FROM objects WHERE id = $1`,
		[]any{id}, &o.Kind, &o.Type, &attrs, &rels, &o.Redacted, &o.RefOnly, &o.Sum)
	if !found || err != nil {
		return nil, err
	}
	o.ID = id
	if attrs != nil {
		o.Attributes = []byte(*attrs)
	}
	if rels != nil {
		o.Relationships = []byte(*rels)
	}
	return o, nil
}

func (t *tx) HasObject(id string) (bool, error) {
	return t.exists("SELECT EXISTS (SELECT 1 FROM objects WHERE id = $1)", id)
}

// ObjectSum is "" when the object is missing or cannot be read: it enters
// a digest, which then names the difference.
func (t *tx) ObjectSum(id string) string {
	var sum string
	t.one("SELECT sum FROM objects WHERE id = $1", []any{id}, &sum)
	return sum
}

// PutObject sets o.Sum, as bbolt's does, and writes the row unless the
// very same object is there: the statement's WHERE leaves an identical
// row alone, and RETURNING says whether it wrote. A bulk transaction
// queues it unread and says it wrote (see backend.Objects).
func (t *tx) PutObject(o *model.Object) (bool, error) {
	o.Sum = o.ContentDigest()
	args := []any{o.ID, string(o.Kind), o.Type, referenceOf(o), jsonOrNull(o.Attributes), jsonOrNull(o.Relationships), o.Redacted, o.RefOnly, o.Sum}
	if t.queued != nil {
		return true, t.exec(upsertObject, args...)
	}
	rows, err := all(t, t.ctx, pgx.RowTo[bool], upsertObject+" RETURNING true", args...)
	return len(rows) > 0, err
}

const upsertObject = `INSERT INTO objects (id, kind, type, reference_id, attributes, relationships, redacted, ref_only, sum)
		VALUES ($1, $2, $3, $4, $5::text::json, $6::text::json, $7, $8, $9)
		ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, type = excluded.type, reference_id = excluded.reference_id,
			attributes = excluded.attributes, relationships = excluded.relationships, redacted = excluded.redacted,
			ref_only = excluded.ref_only, sum = excluded.sum
		WHERE (objects.kind, objects.type, objects.redacted, objects.ref_only, objects.sum, objects.attributes::text, objects.relationships::text)
			IS DISTINCT FROM (excluded.kind, excluded.type, excluded.redacted, excluded.ref_only, excluded.sum, excluded.attributes::text, excluded.relationships::text)`

// referenceOf is the object's reference id, as model.ReferencesOf reads
// it, for the objects_reference index; nil for none.
func referenceOf(o *model.Object) *string {
	// A copy: Attr keeps what it decoded, and o's attributes may change
	// after this.
	fresh := &model.Object{Attributes: o.Attributes}
	return maybe(columnText(strings.TrimSpace(fresh.AttrString("reference-id"))))
}

// jsonOrNull is a JSON document for a json column; nil (NULL) for none.
func jsonOrNull(doc []byte) *string {
	if len(doc) == 0 {
		return nil
	}
	s := string(doc)
	return &s
}

// Link attaches an object to a case, after the objects it already has.
func (t *tx) Link(objectID, caseID string) error {
	return t.exec(`INSERT INTO case_objects (case_id, object_id, pos)
		VALUES ($1, $2, (SELECT coalesce(max(pos) + 1, 0) FROM case_objects WHERE case_id = $1))
		ON CONFLICT (case_id, object_id) DO NOTHING`, caseID, objectID)
}

func (t *tx) Unlink(objectID, caseID string) error {
	return t.exec("DELETE FROM case_objects WHERE case_id = $1 AND object_id = $2", caseID, objectID)
}

// CasesOf lists the cases in id order (as bbolt's links bucket).
func (t *tx) CasesOf(objectID string) ([]string, error) {
	return all(t, t.ctx, pgx.RowTo[string], "SELECT case_id FROM case_objects WHERE object_id = $1 ORDER BY case_id", objectID)
}
