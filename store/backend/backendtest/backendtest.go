// Package backendtest is the conformance suite of backend.Tx: what every
// backend must do, written once, so that bbolt and PostgreSQL keep the
// same records the same way and the rules above them cannot tell which
// they run on. A backend's tests call Run with a way to open a fresh,
// empty store of theirs; the suite imports neither package store nor any
// backend.
//
// What the suite asks beyond backend's doc comments, because the rules
// rely on it:
//
//   - A record written comes back as written: a case header, nanoseconds
//     included; fields, object documents and workflow sources byte for
//     byte. Other records (users, keys, tokens, webhooks, request
//     replies, state) may keep their times to the microsecond, so the
//     suite writes those with microsecond times; the rules' clock should
//     give no finer ones to a backend that keeps no finer ones.
//   - A case's records (events, comments, links) and an object's links
//     are written for a case and an object that exist when the
//     transaction commits, maybe after them (an import links and takes in
//     comments before it writes the case).
//   - State keys are those the rules use (rr/…, last/…, seq/…,
//     released/…) with values as the rules encode them; a reply to a
//     request is the JSON of the rules' Reply. A backend may keep them in
//     columns.
//   - A listing's order is its sort key's (backend.SortKey); a backend
//     that keeps times to the microsecond may order two cases less than a
//     microsecond apart by id instead. The suite's cases are further
//     apart.
package backendtest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"docket/model"
	"docket/store/backend"
)

// Store is a backend under test.
type Store interface {
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(backend.Tx) error) error
	// Update runs fn in a transaction, calls Finish and commits if fn
	// returns nil; it may run fn again after a conflict with a concurrent
	// Update.
	Update(ctx context.Context, fn func(backend.Tx) error) error
	// Tamper changes the stored record of kind named id (a key by its
	// fingerprint) behind the backend's back, so that it no longer
	// matches its digest.
	Tamper(t *testing.T, kind Kind, id string)
}

// Kind is a kind of record with a digest.
type Kind string

const (
	KindUser    Kind = "user"
	KindKey     Kind = "key"
	KindToken   Kind = "token"
	KindWebhook Kind = "webhook"
)

// Run runs the suite, each test in parallel on a store open gives it:
// a fresh, empty one.
func Run(t *testing.T, open func(t *testing.T) Store) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, Store)
	}{
		{"Missing", testMissing},
		{"CaseRoundTrip", testCaseRoundTrip},
		{"CaseRewrite", testCaseRewrite},
		{"Users", testUsers},
		{"EmailClaims", testEmailClaims},
		{"DamagedUser", testDamagedUser},
		{"Events", testEvents},
		{"Comments", testComments},
		{"Objects", testObjects},
		{"Links", testLinks},
		{"Workflows", testWorkflows},
		{"Decisions", testDecisions},
		{"CountsFollowMoves", testCountsFollowMoves},
		{"State", testState},
		{"Keys", testKeys},
		{"Tokens", testTokens},
		{"DamagedCredentials", testDamagedCredentials},
		{"Replies", testReplies},
		{"PruneReplies", testPruneReplies},
		{"Webhooks", testWebhooks},
		{"DamagedWebhook", testDamagedWebhook},
		{"Queues", testQueues},
		{"QueuesAfterMoves", testQueuesAfterMoves},
		{"ObjectCounts", testObjectCounts},
		{"QueueCounts", testQueueCounts},
		{"CursorOfMovedCase", testCursorOfMovedCase},
		{"NanosecondCursors", testNanosecondCursors},
		{"RowsAndRecords", testRowsAndRecords},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"TrailWalks", testTrailWalks},
		{"Outbox", testOutbox},
		{"Inbox", testInbox},
		{"WholeDatabase", testWholeDatabase},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// update runs fn in an Update that must succeed. fn may fail the test
// (t.Fatal ends the transaction too).
func update(t *testing.T, s Store, fn func(tx backend.Tx)) {
	t.Helper()
	if err := s.Update(context.Background(), func(tx backend.Tx) error { fn(tx); return nil }); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// view runs fn in a View that must succeed.
func view(t *testing.T, s Store, fn func(tx backend.Tx)) {
	t.Helper()
	if err := s.View(context.Background(), func(tx backend.Tx) error { fn(tx); return nil }); err != nil {
		t.Fatalf("View: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// same reports got and want differing, as what.
func same(t *testing.T, what string, got, want any) bool {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %s\nwant %s", what, show(got), show(want))
		return false
	}
	return true
}

// show prints a value readably: JSON, or Go syntax for what JSON cannot
// hold.
func show(v any) string {
	if b, err := json.Marshal(v); err == nil {
		return string(b)
	}
	return fmt.Sprintf("%#v", v)
}

// base is the suite's clock: times are whole microseconds after it.
var base = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// at is base plus minutes.
func at(minutes int) time.Time { return base.Add(time.Duration(minutes) * time.Minute) }

// jsonCopy is v as it comes back from JSON: what a backend that keeps a
// record as JSON gives back, and bbolt too (events, comments).
func jsonCopy[T any](t *testing.T, v T) T {
	t.Helper()
	raw, err := json.Marshal(v)
	must(t, err)
	var out T
	must(t, json.Unmarshal(raw, &out))
	return out
}

// header is c as CaseHeader gives it back: without its fields, tags and
// objects never nil, no empty references.
func header(c *model.Case) *model.Case {
	h := c.Clone()
	h.Fields = nil
	if h.Tags == nil {
		h.Tags = []string{}
	}
	if h.Objects == nil {
		h.Objects = []model.ObjectRef{}
	}
	if len(h.References) == 0 {
		h.References = nil
	}
	return h
}

// row is the part of a case a listing's row carries (bbolt's decodeRow);
// a backend may carry more in a row, which the suite does not look at.
func row(c *model.Case) *model.Case {
	tags := c.Tags
	if tags == nil {
		tags = []string{}
	}
	return &model.Case{ID: c.ID, Name: c.Name, Workflow: c.Workflow, Status: c.Status, StatusType: c.StatusType,
		Assignee: c.Assignee, Resolver: c.Resolver, Subject: c.Subject,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, ResolvedAt: c.ResolvedAt, SLAExpiresAt: c.SLAExpiresAt,
		Tags: tags, Version: c.Version, Redacted: c.Redacted}
}

// putCases writes new cases, with their fields.
func putCases(t *testing.T, s Store, cases ...*model.Case) {
	t.Helper()
	update(t, s, func(tx backend.Tx) {
		for _, c := range cases {
			must(t, tx.PutCase(nil, c))
		}
	})
}

// putUsers writes users with just a name.
func putUsers(t *testing.T, s Store, names ...string) {
	t.Helper()
	update(t, s, func(tx backend.Tx) {
		for _, n := range names {
			must(t, tx.PutUser(model.User{Name: n, Role: model.RoleReviewer, Availability: model.Available, CreatedAt: at(0)}))
		}
	})
}

// simpleCase is an open case of workflow kyc, created at minute n.
func simpleCase(id, name string, n int) *model.Case {
	return &model.Case{ID: id, Name: name, Workflow: "kyc", Status: "New", StatusType: model.Initial,
		CreatedAt: at(n), UpdatedAt: at(n), Tags: []string{}, Objects: []model.ObjectRef{}, Version: 1,
		Fields: []byte(`{}`), FieldsSum: model.FieldsDigest([]byte(`{}`))}
}
