package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"docket/store/backend"
	"docket/store/backend/backendtest"
)

// TestBackend runs the backend conformance suite on bbolt, each test on a
// file of its own: the same suite PostgreSQL's backend passes.
func TestBackend(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) backendtest.Store { return suiteStore{openTest(t)} })
}

// suiteStore is a DB as the suite drives it.
type suiteStore struct{ d *DB }

func (st suiteStore) View(_ context.Context, fn func(backend.Tx) error) error {
	return st.d.View(fn)
}

func (st suiteStore) Update(_ context.Context, fn func(backend.Tx) error) error {
	return st.d.Update(func(tx backend.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return tx.Finish()
	})
}

// Tamper changes a value the record's digest covers (not a JSON key's
// name: Go's decoder matches keys in any letter case).
func (st suiteStore) Tamper(t *testing.T, kind backendtest.Kind, id string) {
	t.Helper()
	err := st.d.Edit(func(r *Raw) error {
		bucket, key := map[backendtest.Kind][]byte{
			backendtest.KindUser: bUsers, backendtest.KindToken: bTokens, backendtest.KindWebhook: bWebhooks, backendtest.KindKey: bKeys,
		}[kind], []byte(id)
		b := r.b.bucket(bucket)
		if kind == backendtest.KindKey { // stored as user \0 fingerprint
			b.ForEach(func(k, _ []byte) error {
				if bytes.HasSuffix(k, append([]byte{0}, id...)) {
					key = bytes.Clone(k)
				}
				return nil
			})
		}
		var rec map[string]any
		if err := json.Unmarshal(b.Get(key), &rec); err != nil {
			return err
		}
		field := map[backendtest.Kind]string{
			backendtest.KindUser: "availability", backendtest.KindKey: "added_by", backendtest.KindToken: "created_by", backendtest.KindWebhook: "url",
		}[kind]
		v, ok := rec[field].(string)
		if !ok {
			return fmt.Errorf("the record has no %s to change", field)
		}
		rec[field] = v + " (changed)"
		raw, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		return b.Put(key, raw)
	})
	if err != nil {
		t.Fatalf("tamper with %s %s: %v", kind, id, err)
	}
}
