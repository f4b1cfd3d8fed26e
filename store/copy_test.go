package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"docket/model"
	"docket/store/pgtest"
)

// richStore is a database holding one of everything a copy must carry:
// cases in every state with fields, objects, tags, comments and a
// redaction; SSH keys, an API token, a webhook with pending and delivered
// deliveries, a received webhook event, an idempotent request's reply, a
// round robin's turn, a name counter, an unavailable reviewer's released
// cases, decisions counted per day.
func richStore(t *testing.T) (*Store, *clock) {
	s, c := newStore(t)
	line, _ := newKey(t, "mia@laptop")
	_, err := s.AddUserKey("ada", "mia", line)
	must(t, err)
	_, err = s.CreateToken("ada", "ravi", "risk engine", 90*24*time.Hour)
	must(t, err)
	_, err = s.AddWebhook("ada", NewWebhook{URL: "https://hooks.example.com/docket", Events: []string{"*"},
		Secrets: [][]byte{[]byte("a-secret-of-enough-bytes")}})
	must(t, err)
	var ids []string
	for i := range 12 {
		c.advance(time.Minute)
		assignee := []string{"", "mia", "ravi"}[i%3]
		k := mustCase(t, s, "default", assignee)
		ids = append(ids, k.ID)
		who := Target{Actor: "lena", Case: k.ID}
		_, err := s.UpdateFields(who, []byte(fmt.Sprintf(`{"risk":{"score":%d,"note":"line\u0000two \u001b[31m"}}`, i)))
		must(t, err)
		_, err = s.Tag(who, []string{fmt.Sprintf("batch-%d", i%2), "vip"}, nil)
		must(t, err)
		_, err = s.Attach(who, &model.Object{ObjectRef: model.ObjectRef{ID: fmt.Sprintf("inq_%02d", i), Kind: model.KindInquiry, Type: "inquiry"},
			Attributes: json.RawMessage(fmt.Sprintf(`{"reference-id":"ref-%d","name-first":"Ann"}`, i))})
		must(t, err)
		_, err = s.Comment(who, fmt.Sprintf("looked at it, round %d", i))
		must(t, err)
		switch i % 4 {
		case 1:
			_, err = s.SetStatus(who, StatusChange{Status: "Pending"})
		case 2:
			_, err = s.SetStatus(who, StatusChange{Status: "Approved"})
		case 3:
			_, err = s.SetStatus(who, StatusChange{Status: "Declined", Reason: "fraud"})
		}
		must(t, err)
	}
	c.advance(time.Hour)
	_, err = s.CreateCase("lena", NewCase{Workflow: "two-team"}) // round robin: its turn, and when ravi last got a case
	must(t, err)
	_, err = s.Redact(Target{Actor: "ada", Case: ids[5]})
	must(t, err)
	// The first delivery of the webhook delivered, the rest pending.
	ds, err := s.Deliveries("ada", DeliveryQuery{})
	must(t, err)
	if len(ds) < 2 {
		t.Fatalf("%d deliveries", len(ds))
	}
	must(t, s.RecordDelivery(ds[len(ds)-1].ID, DeliveryAttempt{Status: 200, At: c.now}))
	_, _, err = s.ReceiveEvent("lena", inbound(t, "evt_1", "inquiry.approved", c.now,
		`{"data":{"type":"inquiry","id":"inq_00","attributes":{"status":"approved","reference-id":"ref-0"}}}`))
	must(t, err)
	req := Request{User: "ravi", Key: "retry-1", Digest: "d1"}
	_, _, err = s.RequestReply(req)
	must(t, err)
	must(t, s.SaveReply(req, Reply{Status: 200, ETag: `"2"`, Body: []byte(`{"data":{}}`)}))
	away := model.Unavailable
	_, _, err = s.SetUser("lena", "mia", UserChange{Availability: &away})
	must(t, err)
	return s, c
}

// The whole database goes to the other backend and back: the export's
// bytes, every record the backends enumerate, and check all come back
// the same, and the copy works (a token signs in, a case moves).
func TestCopyRoundTrip(t *testing.T) {
	s, c := richStore(t)
	from := s.Path()
	before := exportAll(t, s)
	dumpBefore := dumpAll(t, s)
	must(t, s.Close())
	for _, kind := range []string{"workflows", "users", "keys", "tokens", "webhooks", "objects", "cases", "state rr/",
		"state last/", "state seq/", "state released/", "decided", "receipts", "event counts", "as of", "replies", "deliveries"} {
		if dumpBefore[kind] == "" {
			t.Errorf("the source holds no %s", kind)
		}
	}

	other := pgtest.DB(t) // the other backend: PostgreSQL from a file, a file from PostgreSQL
	if IsServer(from) {
		other = filepath.Join(t.TempDir(), "copy.db")
	}
	back := filepath.Join(t.TempDir(), "back.db")
	if IsServer(from) {
		back = pgtest.DB(t)
	}
	var seen []CopyProgress
	res, err := Copy(from, other, CopyOptions{Actor: "ada", Now: c.Now, Progress: func(p CopyProgress) { seen = append(seen, p) }})
	must(t, err)
	if res.Cases != 13 || res.Users != 4 || res.Objects != 12 || res.Deliveries == 0 || res.Comments != 12 {
		t.Fatalf("copied %+v", res)
	}
	if len(seen) == 0 || seen[len(seen)-1] != (CopyProgress{Cases: 13, Total: 13}) {
		t.Fatalf("progress %v", seen)
	}
	_, err = Copy(other, back, CopyOptions{Actor: "ada", Now: c.Now})
	must(t, err)

	for _, db := range []string{other, back} {
		s := openAt(t, db, c)
		r, err := s.Check()
		must(t, err)
		if len(r.Problems) > 0 || r.Cases != 13 {
			t.Fatalf("check %s: %+v", db, r)
		}
		if got := exportAll(t, s); !bytes.Equal(got, before) {
			t.Fatalf("the export of %s differs from the source's:\n%s\nwant\n%s", db, got, before)
		}
		dump := dumpAll(t, s)
		for k, v := range dumpBefore {
			if dump[k] != v {
				t.Errorf("%s in %s:\n%s\nwant\n%s", k, db, dump[k], v)
			}
		}
		if len(dump) != len(dumpBefore) {
			t.Errorf("%s holds %d kinds of records, the source %d", db, len(dump), len(dumpBefore))
		}
		must(t, s.Close())
	}
	s = openAt(t, back, c)
	page, err := s.List(Query{Queue: QueueMine, Actor: "ravi"})
	must(t, err)
	if len(page.Cases) == 0 {
		t.Fatal("ravi has no cases after the round trip")
	}
	c.advance(time.Minute)
	if _, err := s.SetStatus(Target{Actor: "ravi", Case: page.Cases[0].ID}, StatusChange{Status: "Pending"}); err != nil &&
		!strings.Contains(err.Error(), "already") {
		t.Fatal(err)
	}
	nc, err := s.CreateCase("lena", NewCase{Workflow: "default"})
	must(t, err)
	if nc.Name != "CASE-13" {
		t.Fatalf("the next case is named %s, want CASE-13 (the name counter came along)", nc.Name)
	}
}

// A copy writes only into a new database: an existing file or a database
// with users is refused and left as it was.
func TestCopyRefusesATargetInUse(t *testing.T) {
	s, c := newStore(t)
	from := s.Path()
	mustCase(t, s, "default", "mia")
	must(t, s.Close())

	file := filepath.Join(t.TempDir(), "there.db")
	must(t, os.WriteFile(file, []byte("mine"), 0o600))
	_, err := Copy(from, file, CopyOptions{Actor: "ada", Now: c.Now})
	if err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("copy onto a file: %v", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "mine" {
		t.Fatal("the file was changed")
	}
	used := pgtest.DB(t)
	u := openAt(t, used, c)
	_, err = u.Login("zoe")
	must(t, err)
	must(t, u.Close())
	_, err = Copy(from, used, CopyOptions{Actor: "ada", Now: c.Now})
	if err == nil || !strings.Contains(err.Error(), "empty database") {
		t.Fatalf("copy into a database with users: %v", err)
	}
	if !IsServer(from) {
		held := openAt(t, from, c)
		_, err = Copy(from, filepath.Join(t.TempDir(), "new.db"), CopyOptions{Actor: "ada", Now: c.Now})
		if err == nil || !strings.Contains(err.Error(), "docket backup FILE works while it runs") {
			t.Fatalf("copy of a file in use: %v", err)
		}
		must(t, held.Close())
	}
	_, err = Copy(from, filepath.Join(t.TempDir(), "new.db"), CopyOptions{Actor: "mia", Now: c.Now})
	if err == nil || !strings.Contains(err.Error(), "back up") {
		t.Fatalf("a reviewer copies: %v", err)
	}
}

// A database a copy did not finish is refused by Open, naming what to do;
// check still reads it.
func TestUnfinishedCopyIsRefused(t *testing.T) {
	s, c := newStore(t)
	path := s.Path()
	must(t, s.update(func(x *txn) error { return x.be.PutState(copyMark, []byte("old.db")) }))
	must(t, s.Close())
	_, err := Open(path, Options{Now: c.Now})
	if err == nil || !strings.Contains(err.Error(), "unfinished copy of old.db") {
		t.Fatalf("open: %v", err)
	}
	s, err = Open(path, Options{Now: c.Now, Inspect: true})
	must(t, err)
	must(t, s.Close())
}

func exportAll(t *testing.T, s *Store) []byte {
	t.Helper()
	var b bytes.Buffer
	_, err := s.Export(&b, FormatJSONL, Query{Actor: "ada", Queue: QueueAll})
	must(t, err)
	return b.Bytes()
}

// dumpAll is every record the backend enumerates, by kind, as JSON.
func dumpAll(t *testing.T, s *Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	add := func(kind string, v any) {
		b, err := json.Marshal(v)
		must(t, err)
		out[kind] += string(b) + "\n"
	}
	must(t, s.view(func(x *txn) error {
		tx := x.be
		must(t, tx.EachWorkflow(func(id string, src []byte, sum string) error {
			add("workflows", []string{id, string(src), sum})
			return nil
		}))
		must(t, tx.EachUser(func(u model.User, bad error) error {
			add("users", u)
			keys, err := tx.KeysOf(u.Name)
			add("keys", keys)
			return errors.Join(bad, err)
		}))
		must(t, tx.EachToken(func(tk model.APIToken) error {
			_, digest, _, err := tx.Token(tk.ID)
			add("tokens", []any{tk, digest})
			return err
		}))
		must(t, tx.EachWebhook(func(w model.Webhook, secrets [][]byte, bad error) error {
			add("webhooks", []any{w, secrets})
			return bad
		}))
		must(t, tx.EachObject(func(o *model.Object) error {
			cases, err := tx.CasesOf(o.ID)
			add("objects", []any{o, cases})
			return err
		}))
		must(t, tx.EachCase(func(c *model.Case) error {
			fields, err := tx.CaseFields(c.ID)
			must(t, err)
			events, err := tx.Events(c.ID)
			must(t, err)
			comments, err := tx.Comments(c.ID)
			if len(comments) == 0 {
				comments = nil // one backend says none with an empty list
			}
			add("cases", []any{c, string(fields), events, comments})
			return err
		}))
		for _, p := range statePrefixes {
			must(t, tx.EachState(p, func(k string, v []byte) error { add("state "+p, []string{k, string(v)}); return nil }))
		}
		must(t, tx.EachDecided(func(day time.Time, user string, n int) error { add("decided", []any{day, user, n}); return nil }))
		recs, err := tx.RecentReceipts(100)
		add("receipts", recs)
		must(t, err)
		counts, err := tx.EventCounts()
		add("event counts", counts)
		must(t, err)
		must(t, tx.EachObjectAsOf(func(id string, at time.Time) error { add("as of", []any{id, at}); return nil }))
		must(t, tx.EachReply(func(user, key string, reply []byte) error {
			add("replies", []string{user, key, string(reply)})
			return nil
		}))
		last, err := tx.LastDeliveryID()
		add("last delivery id", last)
		must(t, err)
		must(t, tx.EachDelivery(func(d model.Delivery) (bool, error) {
			doc, err := tx.DeliveryDoc(d.ID)
			add("deliveries", []any{d, string(doc)})
			return true, err
		}))
		return nil
	}))
	return out
}

// On a database server, backup writes a verified bbolt file from one
// snapshot, and restore copies such a file into an empty database.
func TestBackupAndRestoreOnAServer(t *testing.T) {
	c := newClock()
	dsn := pgtest.DB(t)
	s := openAt(t, dsn, c)
	_, err := s.Login("ada")
	must(t, err)
	must(t, s.AddUser("ada", model.User{Name: "mia", Role: model.RoleReviewer}))
	must(t, s.AddUser("ada", model.User{Name: "lena", Role: model.RoleLead}))
	k := mustCase(t, s, "default", "mia")
	want := exportAll(t, s)

	file := filepath.Join(t.TempDir(), "backup.db")
	if err := s.BackupTo(file, "mia"); err == nil || !strings.Contains(err.Error(), "back up") {
		t.Fatalf("a reviewer backs up: %v", err)
	}
	if _, err := os.Stat(file); err == nil {
		t.Fatal("a refused backup left a file")
	}
	must(t, s.BackupTo(file, "ada"))
	if err := s.BackupTo(file, "ada"); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("a backup over a file: %v", err)
	}
	must(t, BackupFile(dsn, filepath.Join(t.TempDir(), "again.db"), "ada"))
	b := openAt(t, file, c)
	if got := exportAll(t, b); !bytes.Equal(got, want) {
		t.Fatalf("the backup's export:\n%s\nwant\n%s", got, want)
	}
	must(t, b.Close())

	if _, err := Restore(file, dsn, "ada"); err == nil || !strings.Contains(err.Error(), "empty database") {
		t.Fatalf("a restore over a database in use: %v", err)
	}
	if got, err := s.Case(k.ID); err != nil || got.Version != k.Version {
		t.Fatalf("the refused restore changed the case: %v %v", got, err)
	}
	fresh := pgtest.DB(t)
	kept, err := Restore(file, fresh, "ada")
	must(t, err)
	if kept != "" {
		t.Fatalf("kept %q", kept)
	}
	r := openAt(t, fresh, c)
	if got := exportAll(t, r); !bytes.Equal(got, want) {
		t.Fatalf("the restored database's export:\n%s\nwant\n%s", got, want)
	}
}
