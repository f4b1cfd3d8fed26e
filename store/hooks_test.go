package store

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"docket/model"
	"docket/store/bolt"
	"docket/store/persona"
)

// subscribe adds a webhook for events as ada, with a known secret.
func subscribe(t testing.TB, s *Store, events ...string) model.Webhook {
	t.Helper()
	w, err := s.AddWebhook("ada", NewWebhook{URL: "https://hooks.example.com/docket", Events: events,
		Secrets: [][]byte{[]byte("a-secret-of-enough-bytes")}})
	must(t, err)
	return w.Webhook
}

// pending is every delivery, oldest first.
func allDeliveries(t testing.TB, s *Store) []model.Delivery {
	t.Helper()
	ds, err := s.Deliveries("ada", DeliveryQuery{})
	must(t, err)
	slices.Reverse(ds)
	return ds
}

func TestWebhookSubscriptions(t *testing.T) {
	s, clk := newStore(t)
	before := snapshot(t, s)
	good := NewWebhook{URL: "https://hooks.example.com/in", Events: []string{"case.created", "case.status-updated"}}
	_, err := s.AddWebhook("lena", good)
	refused(t, s, err, model.ErrForbidden, "only an admin may manage webhooks", before)
	for _, c := range []struct {
		nw   NewWebhook
		want string
	}{
		{NewWebhook{URL: "ftp://hooks.example.com/in", Events: []string{"*"}}, "https:// or http://"},
		{NewWebhook{URL: "https://user:hunter2@hooks.example.com/in", Events: []string{"*"}}, "must not carry a user name or password"},
		{NewWebhook{URL: "https:///in", Events: []string{"*"}}, "has no host"},
		{NewWebhook{URL: "https://hooks.example.com/in#x", Events: []string{"*"}}, "fragment"},
		{NewWebhook{URL: "https://hooks.example.com/a b", Events: []string{"*"}}, "without spaces"},
		{NewWebhook{URL: good.URL, Events: []string{"case.created", "case.decided"}}, `unknown webhook event "case.decided" (known: case.created, case.status-updated, case.assigned`},
		{NewWebhook{URL: good.URL}, "name the events"},
		{NewWebhook{URL: good.URL, Events: []string{"*"}, Secrets: [][]byte{[]byte("short")}}, "secret 1 is 5 bytes"},
	} {
		_, err := s.AddWebhook("ada", c.nw)
		refused(t, s, err, model.ErrInvalid, c.want, before)
		if strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("the refusal repeats the password: %v", err)
		}
	}

	made, err := s.AddWebhook("ada", good)
	must(t, err)
	clk.advance(time.Second)
	if !strings.HasPrefix(made.Secret, "whsec_") || len(made.Secret) < 40 {
		t.Fatalf("made secret %q", made.Secret)
	}
	all, err := s.AddWebhook("ada", NewWebhook{URL: "http://127.0.0.1:9/x", Events: []string{"all"}, Secrets: [][]byte{[]byte("0123456789abcdef")}})
	must(t, err)
	if all.Secret != "" || !slices.Equal(all.Events, []string{"*"}) {
		t.Fatalf("given secret, all events: %+v", all)
	}
	list, err := s.Webhooks("ada")
	must(t, err)
	raw, _ := json.Marshal(list)
	if len(list) != 2 || list[0].ID != made.ID || strings.Contains(string(raw), made.Secret) || strings.Contains(string(raw), "0123456789abcdef") {
		t.Fatalf("list %s", raw)
	}
	if !slices.Equal(list[0].Events, []string{"case.created", "case.status-updated"}) || list[0].CreatedBy != "ada" {
		t.Fatalf("first webhook %+v", list[0])
	}
	if _, err := s.Webhooks("ravi"); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("a reviewer lists webhooks: %v", err)
	}

	before = snapshot(t, s)
	_, err = s.RemoveWebhook("ada", "wh_nope")
	refused(t, s, err, model.ErrNotFound, "webhooks: "+made.ID+", "+all.ID, before)
	_, err = s.RemoveWebhook("lena", made.ID)
	refused(t, s, err, model.ErrForbidden, "admin", before)
	_, err = s.RemoveWebhook("ada", made.ID)
	must(t, err)
	list, _ = s.Webhooks("ada")
	if len(list) != 1 || list[0].ID != all.ID {
		t.Fatalf("after remove: %+v", list)
	}
}

// outboxKeys counts what the outbox buckets hold.
func outboxKeys(t testing.TB, s *Store) int {
	n := 0
	for k := range snapshot(t, s) {
		if strings.HasPrefix(k, "outbox") {
			n++
		}
	}
	return n
}

// Each kind of change queues the event its name maps to, once per
// change, in the transaction of the change, with the case as the change
// left it; a refused change queues nothing; a database without
// subscriptions writes no outbox at all.
func TestOutboxEventPerChange(t *testing.T) {
	s, clk := newStore(t)
	mustCase(t, s, "default", "ravi")
	if n := outboxKeys(t, s); n != 0 {
		t.Fatalf("no subscription, yet %d outbox keys", n)
	}
	w := subscribe(t, s, "*")
	var c *model.Case
	steps := []struct {
		want string
		do   func() error
	}{
		{"case.created", func() (err error) {
			c, err = s.CreateCase("lena", NewCase{Workflow: "default", Assignee: "ravi"})
			return err
		}},
		{"case.status-updated", func() error {
			_, err := s.SetStatus(Target{Actor: "ravi", Case: c.ID}, StatusChange{Status: "Pending"})
			return err
		}},
		{"case.assigned", func() error { _, err := s.Assign(Target{Actor: "lena", Case: c.ID}, "mia"); return err }},
		{"case.updated", func() error { _, err := s.Tag(Target{Actor: "mia", Case: c.ID}, []string{"vip"}, nil); return err }},
		{"case.updated", func() error {
			_, err := s.UpdateFields(Target{Actor: "mia", Case: c.ID}, []byte(`{"risk":7}`))
			return err
		}},
		{"case.updated", func() error { _, err := s.SetSLA(Target{Actor: "lena", Case: c.ID}, 4*time.Hour); return err }},
		{"case.comment-created", func() error { _, err := s.Comment(Target{Actor: "mia", Case: c.ID}, "looks fine"); return err }},
		{"case.objects-updated", func() error {
			_, err := s.Attach(Target{Actor: "mia", Case: c.ID}, inquiry("inq_1", "Amara", "Okafor"))
			return err
		}},
		{"case.objects-updated", func() error { _, err := s.Detach(Target{Actor: "mia", Case: c.ID}, "inq_1"); return err }},
		{"case.redacted", func() error { _, err := s.Redact(Target{Actor: "lena", Case: c.ID}); return err }},
		{"case.created", func() error {
			_, err := s.Import([]Source{src(fixtures + "case.json")}, ImportOptions{Actor: "ada"})
			return err
		}},
	}
	seen := map[string]bool{}
	for i, st := range steps {
		clk.advance(time.Minute)
		must(t, st.do())
		ds := allDeliveries(t, s)
		if len(ds) != i+1 {
			t.Fatalf("step %d (%s): %d deliveries", i, st.want, len(ds))
		}
		d := ds[i]
		if d.Name != st.want || d.Webhook != w.ID || d.State != model.DeliveryPending || !d.CreatedAt.Equal(clk.now) ||
			!strings.HasPrefix(d.Event, "evt_") || seen[d.Event] {
			t.Fatalf("step %d: want %s, got %+v", i, st.want, d)
		}
		seen[d.Event] = true
	}

	// The status change sends the case as it left it.
	out, err := s.DueDeliveries(func(string) int { return 100 }, func(model.Delivery) bool { return false })
	must(t, err)
	if len(out) != len(steps) || out[1].Name != "case.status-updated" || out[1].URL != "https://hooks.example.com/docket" ||
		string(out[1].Secrets[0]) != "a-secret-of-enough-bytes" {
		t.Fatalf("due: %d, second %+v", len(out), out[1].Delivery)
	}
	docs, err := persona.Decode(out[1].Body)
	must(t, err)
	if docs[0].Case.ID != c.ID || docs[0].Case.Status != "Pending" {
		t.Fatalf("the status change sent %+v", docs[0].Case)
	}
	var env struct {
		Data struct {
			Type, ID   string
			Attributes struct {
				Name      string
				CreatedAt string `json:"created-at"`
			}
		}
	}
	must(t, json.Unmarshal(out[1].Body, &env))
	if env.Data.Type != "event" || env.Data.ID != out[1].Event || env.Data.Attributes.Name != "case.status-updated" ||
		env.Data.Attributes.CreatedAt != out[1].CreatedAt.Format(time.RFC3339Nano) {
		t.Fatalf("envelope %+v", env)
	}

	// Refused: nothing queued, nothing written.
	other := mustCase(t, s, "default", "mia")
	before := snapshot(t, s)
	_, err = s.SetStatus(Target{Actor: "ravi", Case: other.ID}, StatusChange{Status: "Approved"})
	refused(t, s, err, model.ErrForbidden, "assigned to mia", before)
	checkClean(t, s)
}

// Only the subscriptions that want an event get it; removing one fails
// what it still had pending.
func TestOutboxPerSubscription(t *testing.T) {
	s, _ := newStore(t)
	created := subscribe(t, s, "case.created")
	status := subscribe(t, s, "case.status-updated", "case.assigned")
	c := mustCase(t, s, "default", "ravi")
	_, err := s.SetStatus(Target{Actor: "ravi", Case: c.ID}, StatusChange{Status: "Pending"})
	must(t, err)
	ds := allDeliveries(t, s)
	if len(ds) != 2 || ds[0].Webhook != created.ID || ds[1].Webhook != status.ID || ds[1].Name != "case.status-updated" {
		t.Fatalf("deliveries %+v", ds)
	}
	_, err = s.RemoveWebhook("ada", created.ID)
	must(t, err)
	ds = allDeliveries(t, s)
	if ds[0].State != model.DeliveryFailed || ds[0].LastError != "the webhook was removed" || ds[1].State != model.DeliveryPending {
		t.Fatalf("after removing %s: %+v", created.ID, ds)
	}
	mustCase(t, s, "default", "ravi")
	if n := len(allDeliveries(t, s)); n != 2 {
		t.Fatalf("a removed subscription still gets events: %d deliveries", n)
	}
	failed, err := s.Deliveries("ada", DeliveryQuery{Failed: true})
	must(t, err)
	if len(failed) != 1 || failed[0].ID != ds[0].ID {
		t.Fatalf("failed only: %+v", failed)
	}
	if _, err := s.Deliveries("lena", DeliveryQuery{}); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("a lead lists deliveries: %v", err)
	}
}

// An attempt's result: retried when told, delivered once on a 2xx (its
// document dropped), failed when given up; finished records are pruned
// after they have been kept long enough.
func TestDeliveryAttempts(t *testing.T) {
	s, clk := newStore(t)
	subscribe(t, s, "*")
	mustCase(t, s, "default", "ravi")
	mustCase(t, s, "default", "mia")
	all := func(string) int { return 10 }
	none := func(model.Delivery) bool { return false }
	due, err := s.DueDeliveries(all, none)
	must(t, err)
	if len(due) != 2 {
		t.Fatalf("%d due", len(due))
	}
	a, b := due[0], due[1]
	must(t, s.RecordDelivery(a.ID, DeliveryAttempt{At: clk.now, Status: 500, Err: "500 Internal Server Error", Retry: clk.now.Add(time.Minute)}))
	must(t, s.RecordDelivery(b.ID, DeliveryAttempt{At: clk.now, Err: "connection refused", Retry: clk.now.Add(2 * time.Minute)}))
	if due, _ := s.DueDeliveries(all, none); len(due) != 0 {
		t.Fatalf("due before the retry: %+v", due)
	}
	if next, ok := s.NextDelivery(); !ok || !next.Equal(clk.now.Add(time.Minute)) {
		t.Fatalf("next %v %v", next, ok)
	}
	clk.advance(time.Minute)
	due, _ = s.DueDeliveries(all, none)
	if len(due) != 1 || due[0].ID != a.ID || due[0].Attempts != 1 {
		t.Fatalf("due after a minute: %+v", due)
	}
	must(t, s.RecordDelivery(a.ID, DeliveryAttempt{At: clk.now, Status: 204}))
	must(t, s.RecordDelivery(a.ID, DeliveryAttempt{At: clk.now, Status: 500, Err: "late"})) // recorded already: no change
	clk.advance(time.Minute)
	must(t, s.RecordDelivery(b.ID, DeliveryAttempt{At: clk.now, Err: "connection refused"}))
	ds := allDeliveries(t, s)
	if ds[0].State != model.DeliveryDelivered || ds[0].Attempts != 2 || ds[0].LastStatus != 204 || ds[0].LastError != "" ||
		!ds[0].NextAttemptAt.IsZero() || ds[0].DeliveredAt.IsZero() {
		t.Fatalf("delivered: %+v", ds[0])
	}
	if ds[1].State != model.DeliveryFailed || ds[1].Attempts != 2 || ds[1].LastError != "connection refused" || ds[1].FailedAt.IsZero() {
		t.Fatalf("failed: %+v", ds[1])
	}
	if n := outboxKeys(t, s); n != 2 {
		t.Fatalf("finished deliveries keep their record alone; %d outbox keys", n)
	}
	if _, ok := s.NextDelivery(); ok {
		t.Fatal("nothing is pending")
	}
	n, err := s.PruneDeliveries(time.Hour)
	must(t, err)
	if n != 0 {
		t.Fatalf("pruned %d too soon", n)
	}
	clk.advance(time.Hour + time.Second)
	if n, err = s.PruneDeliveries(time.Hour); err != nil || n != 2 || len(allDeliveries(t, s)) != 0 {
		t.Fatalf("pruned %d: %v", n, err)
	}
}

// A redaction takes the redacted data out of what is still queued, for
// the case and for the cases that share its objects.
func TestRedactionScrubsTheOutbox(t *testing.T) {
	s, _ := newStore(t)
	subscribe(t, s, "case.objects-updated")
	a := mustCase(t, s, "default", "ravi")
	b := mustCase(t, s, "default", "mia")
	_, err := s.Attach(Target{Actor: "ravi", Case: a.ID}, account("act_1", "Amara", "Okafor"))
	must(t, err)
	_, err = s.Attach(Target{Actor: "mia", Case: b.ID}, account("act_1", "Amara", "Okafor"))
	must(t, err)
	holds := func() int {
		due, err := s.DueDeliveries(func(string) int { return 100 }, func(model.Delivery) bool { return false })
		must(t, err)
		n := 0
		for _, o := range due {
			if strings.Contains(string(o.Body), "Okafor") {
				n++
			}
		}
		return n
	}
	if n := holds(); n != 2 {
		t.Fatalf("%d queued documents name the account holder before the redaction", n)
	}
	_, err = s.Redact(Target{Actor: "lena", Case: a.ID})
	must(t, err)
	if n := holds(); n != 0 {
		t.Fatalf("%d queued documents still name the account holder", n)
	}
}

// check finds an outbox whose pending deliveries and due entries disagree,
// and a subscription record altered outside docket.
func TestCheckFindsABrokenOutbox(t *testing.T) {
	boltOnly(t)
	s, _ := newStore(t)
	w := subscribe(t, s, "*")
	mustCase(t, s, "default", "ravi")
	must(t, s.db.Edit(func(r *bolt.Raw) error {
		if err := r.Delete("outboxdue", r.First("outboxdue")); err != nil {
			return err
		}
		return r.Replace("webhooks", []byte(w.ID), "hooks.example.com", "evil.example.com")
	}))
	r, err := s.Check()
	must(t, err)
	var got []string
	for _, p := range r.Problems {
		got = append(got, p.Where+": "+p.What)
	}
	text := strings.Join(got, "\n")
	for _, want := range []string{"1 deliveries are pending but 0 are due", "webhook " + w.ID + ": the record does not match its digest"} {
		if !strings.Contains(text, want) {
			t.Errorf("check says\n%s\nwant %q", text, want)
		}
	}
	// A subscription that does not verify is not posted to.
	due, err := s.DueDeliveries(func(string) int { return 10 }, func(model.Delivery) bool { return false })
	if err != nil || len(due) != 0 {
		t.Fatalf("due from a tampered webhook: %v %v", due, err)
	}
}

// A file from before webhooks, opened read-only, has no outbox buckets:
// no webhooks, no deliveries, no panic.
func TestWebhooksOnAFileWithoutTheirBuckets(t *testing.T) {
	boltOnly(t)
	s, c := newStore(t)
	ro := reopenReadOnlyWithout(t, s, c, "webhooks", "outbox", "outboxdoc", "outboxdue")
	if hooks, err := ro.Webhooks("ada"); err != nil || len(hooks) != 0 {
		t.Fatalf("Webhooks: %v %v", hooks, err)
	}
	if ds, err := ro.Deliveries("ada", DeliveryQuery{}); err != nil || len(ds) != 0 {
		t.Fatalf("Deliveries: %v %v", ds, err)
	}
	if due, err := ro.DueDeliveries(func(string) int { return 1 }, func(model.Delivery) bool { return false }); err != nil || len(due) != 0 {
		t.Fatalf("DueDeliveries: %v %v", due, err)
	}
	if _, ok := ro.NextDelivery(); ok {
		t.Fatal("NextDelivery found one")
	}
	checkClean(t, ro)
}

// A receiver writes the error an attempt records (its status line, a
// Location): what is kept is bounded, however much it sends.
func TestDeliveryErrorBounded(t *testing.T) {
	s, clk := newStore(t)
	subscribe(t, s, "*")
	mustCase(t, s, "default", "ravi")
	due, err := s.DueDeliveries(func(string) int { return 10 }, func(model.Delivery) bool { return false })
	must(t, err)
	huge := "500 " + strings.Repeat("é", 1<<20)
	must(t, s.RecordDelivery(due[0].ID, DeliveryAttempt{At: clk.now, Status: 500, Err: huge, Retry: clk.now.Add(time.Minute)}))
	got := allDeliveries(t, s)[0].LastError
	if len(got) > maxDetailBytes+len("…") || !strings.HasPrefix(got, "500 éé") || !utf8.ValidString(got) {
		t.Fatalf("a %d-byte error is kept as %d bytes (valid UTF-8: %v)", len(huge), len(got), utf8.ValidString(got))
	}
}
