package pg

import (
	"context"
	"testing"

	"docket/store/backend/backendtest"
	"docket/store/pgtest"
)

// TestBackend runs the backend conformance suite on PostgreSQL, each test
// on a database of its own.
func TestBackend(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) backendtest.Store { return suiteStore{open(t, pgtest.DB(t))} })
}

// suiteStore is a DB as the suite drives it.
type suiteStore struct{ *DB }

// tampering is how a record of each kind is changed behind docket's back:
// a column its digest covers.
var tampering = map[backendtest.Kind]string{
	backendtest.KindUser:    "UPDATE users SET availability = CASE availability WHEN 'busy' THEN 'available' ELSE 'busy' END WHERE name = $1",
	backendtest.KindKey:     "UPDATE user_keys SET comment = coalesce(comment, '') || ' (changed)' WHERE fingerprint = $1",
	backendtest.KindToken:   "UPDATE api_tokens SET label = coalesce(label, '') || ' (changed)' WHERE id = $1",
	backendtest.KindWebhook: "UPDATE webhooks SET url = url || '/elsewhere' WHERE id = $1",
}

func (s suiteStore) Tamper(t *testing.T, kind backendtest.Kind, id string) {
	t.Helper()
	tag, err := s.pool.Exec(context.Background(), tampering[kind], id)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("tamper with %s %s: %v (%d rows)", kind, id, err, tag.RowsAffected())
	}
}
