package hooks

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"docket/model"
	"docket/store"
	"docket/store/persona"
	"docket/store/persona/conform"
	"docket/store/pgtest"
)

const testSecret = "a-receiver-secret-0123456789"

// newHookStore opens a fresh database with ada (admin), lena (lead) and
// ravi (reviewer).
func newHookStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "docket.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Login("ada"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []model.User{{Name: "lena", Role: model.RoleLead}, {Name: "ravi", Role: model.RoleReviewer}} {
		if err := st.AddUser("ada", u); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

func subscribe(t *testing.T, st *store.Store, url string, events ...string) model.Webhook {
	t.Helper()
	w, err := st.AddWebhook("ada", store.NewWebhook{URL: url, Events: events, Secrets: [][]byte{[]byte(testSecret)}})
	if err != nil {
		t.Fatal(err)
	}
	return w.Webhook
}

// received is one request a receiver got.
type received struct {
	id, attempt, event, name string
	verified                 error
	body                     []byte
}

// receiver records what it is sent and answers with answer(n), n counting
// requests from 1.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	got      []received
	answered atomic.Int32
}

func newReceiver(t *testing.T, answer func(n int, w http.ResponseWriter)) *receiver {
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var env struct {
			Data struct {
				ID         string
				Attributes struct{ Name string }
			}
		}
		json.Unmarshal(body, &env)
		rec := received{id: req.Header.Get(WebhookIDHeader), attempt: req.Header.Get(WebhookAttemptHeader),
			event: env.Data.ID, name: env.Data.Attributes.Name, body: body,
			verified: Verify(req.Header.Get(DocketSignatureHeader), [][]byte{[]byte(testSecret)}, body, time.Now(), DefaultTolerance)}
		r.mu.Lock()
		r.got = append(r.got, rec)
		n := len(r.got)
		r.mu.Unlock()
		answer(n, w)
		r.answered.Add(1)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// waitFor polls until ok, or fails the test after 10 seconds.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("gave up waiting for %s", what)
}

// run runs a deliverer until the test ends, or stop is called.
func run(t *testing.T, st *store.Store, opt Options) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		NewDeliverer(st, opt).Run(ctx)
	}()
	stop = func() {
		cancel()
		<-done
	}
	t.Cleanup(stop)
	return stop
}

func deliveries(t *testing.T, st *store.Store) []model.Delivery {
	t.Helper()
	ds, err := st.Deliveries("ada", store.DeliveryQuery{})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(ds)
	return ds
}

// Every event name, as a receiver on loopback gets it: signed so that
// Verify accepts it, with its delivery id and attempt, the event id the
// store queued, and the case document as the change left it (valid as
// Persona's GET /cases/{case-id} answer, and one docket's import reads);
// each delivery marked delivered.
func TestReceiverGetsEverySignedEvent(t *testing.T) {
	st := newHookStore(t)
	r := newReceiver(t, func(int, http.ResponseWriter) {})
	subscribe(t, st, r.URL+"/hook?token=abc", "*")
	run(t, st, Options{})
	c, err := st.CreateCase("lena", store.NewCase{Workflow: "default", Assignee: "ravi"})
	if err != nil {
		t.Fatal(err)
	}
	tgt := store.Target{Actor: "ravi", Case: c.ID}
	lead := store.Target{Actor: "lena", Case: c.ID}
	inq := &model.Object{ObjectRef: model.ObjectRef{Kind: model.KindInquiry, Type: "inquiry", ID: "inq_1"}, Attributes: []byte(`{"name-first":"Amara"}`)}
	for _, step := range []func() (*model.Case, error){
		func() (*model.Case, error) { return st.SetStatus(tgt, store.StatusChange{Status: "Pending"}) },
		func() (*model.Case, error) { return st.Tag(tgt, []string{"vip"}, nil) },
		func() (*model.Case, error) { return st.Comment(tgt, "called the customer") },
		func() (*model.Case, error) { return st.Attach(tgt, inq) },
		func() (*model.Case, error) { return st.Assign(lead, "lena") },
		func() (*model.Case, error) { return st.Redact(lead) },
	} {
		if _, err := step(); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"case.created", "case.status-updated", "case.updated", "case.comment-created",
		"case.objects-updated", "case.assigned", "case.redacted"}
	waitFor(t, "every delivery to be recorded", func() bool {
		ds := deliveries(t, st)
		return len(ds) == len(want) && !slices.ContainsFunc(ds, func(d model.Delivery) bool { return d.State != model.DeliveryDelivered })
	})
	ds := deliveries(t, st)
	got := r.requests()
	caseSchema := conform.Load(t).Response("/cases/{case-id}", "GET", 200)
	if len(got) != len(want) {
		t.Fatalf("%d requests for %d events", len(got), len(want))
	}
	slices.SortFunc(got, func(a, b received) int { x, _ := strconv.Atoi(a.id); y, _ := strconv.Atoi(b.id); return x - y })
	for i, d := range ds {
		g := got[i]
		if g.verified != nil || g.id != d.ID || g.attempt != "1" || g.event != d.Event || g.name != want[i] || d.Name != want[i] {
			t.Fatalf("event %d: got %+v for %+v", i, g, d)
		}
		if d.Attempts != 1 || d.LastStatus != 200 || d.DeliveredAt.IsZero() {
			t.Fatalf("delivery %d: %+v", i, d)
		}
		docs, err := persona.Decode(g.body)
		if err != nil || len(docs) != 1 || docs[0].Case.ID != c.ID {
			t.Fatalf("event %d does not carry the case: %v", i, err)
		}
		var env struct {
			Data struct {
				Attributes struct{ Payload json.RawMessage }
			}
		}
		json.Unmarshal(g.body, &env)
		if err := caseSchema.Validate(env.Data.Attributes.Payload); err != nil {
			t.Fatalf("event %d: the payload is not Persona's case document: %v", i, err)
		}
		if i == 1 && docs[0].Case.Status != "Pending" {
			t.Fatalf("the status change sent status %q", docs[0].Case.Status)
		}
	}
}

// A redirect is a failed attempt: the target it names gets nothing.
func TestRedirectNotFollowed(t *testing.T) {
	st := newHookStore(t)
	target := newReceiver(t, func(int, http.ResponseWriter) {})
	r := newReceiver(t, func(_ int, w http.ResponseWriter) {
		w.Header().Set("Location", target.URL)
		w.WriteHeader(http.StatusFound)
	})
	subscribe(t, st, r.URL, "case.created")
	run(t, st, Options{FirstRetry: time.Hour})
	if _, err := st.CreateCase("lena", store.NewCase{Workflow: "default"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the attempt to be recorded", func() bool { return deliveries(t, st)[0].Attempts == 1 })
	d := deliveries(t, st)[0]
	if d.State != model.DeliveryPending || d.LastStatus != 302 || !strings.Contains(d.LastError, "redirects are not followed") ||
		!strings.Contains(d.LastError, target.URL) || d.NextAttemptAt.Before(time.Now().Add(20*time.Minute)) {
		t.Fatalf("after a redirect: %+v", d)
	}
	if n := len(target.requests()); n != 0 {
		t.Fatalf("the redirect's target got %d requests", n)
	}
}

// A 500, then a 200: retried, delivered once, then left alone.
func TestRetriedUntilDelivered(t *testing.T) {
	st := newHookStore(t)
	r := newReceiver(t, func(n int, w http.ResponseWriter) {
		if n == 1 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	subscribe(t, st, r.URL, "case.created")
	run(t, st, Options{FirstRetry: 20 * time.Millisecond})
	if _, err := st.CreateCase("lena", store.NewCase{Workflow: "default"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "delivered", func() bool { return deliveries(t, st)[0].State == model.DeliveryDelivered })
	time.Sleep(100 * time.Millisecond) // time for a wrong third attempt
	got := r.requests()
	d := deliveries(t, st)[0]
	if len(got) != 2 || got[0].attempt != "1" || got[1].attempt != "2" || got[0].event != got[1].event || got[1].event != d.Event {
		t.Fatalf("requests %+v", got)
	}
	if d.Attempts != 2 || d.LastStatus != 200 || d.LastError != "" {
		t.Fatalf("delivery %+v", d)
	}
}

// Retried for RetryFor, then marked failed, and still listed.
func TestGivesUpAfterRetryWindow(t *testing.T) {
	st := newHookStore(t)
	r := newReceiver(t, func(_ int, w http.ResponseWriter) { w.WriteHeader(http.StatusServiceUnavailable) })
	subscribe(t, st, r.URL, "case.created")
	run(t, st, Options{FirstRetry: 10 * time.Millisecond, RetryFor: 150 * time.Millisecond})
	if _, err := st.CreateCase("lena", store.NewCase{Workflow: "default"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "failed", func() bool { return deliveries(t, st)[0].State == model.DeliveryFailed })
	d := deliveries(t, st)[0]
	if d.Attempts < 3 || d.LastStatus != 503 || d.FailedAt.Sub(d.CreatedAt) < 150*time.Millisecond || len(r.requests()) != d.Attempts {
		t.Fatalf("failed delivery %+v after %d requests", d, len(r.requests()))
	}
	failed, err := st.Deliveries("ada", store.DeliveryQuery{Failed: true})
	if err != nil || len(failed) != 1 {
		t.Fatalf("failed listing: %v %v", failed, err)
	}
}

// A receiver that never answers delays no decision and holds no other
// receiver: decisions return while it blocks (its attempts time out only
// after a minute), a second subscription gets
// its events, and at most PerReceiver attempts wait on the blocked one.
// Stopping the deliverer abandons those attempts; they stay pending.
func TestBlockedReceiverDelaysNothing(t *testing.T) {
	st := newHookStore(t)
	release := make(chan struct{})
	blocked := newReceiver(t, func(int, http.ResponseWriter) { <-release })
	defer close(release)
	fast := newReceiver(t, func(int, http.ResponseWriter) {})
	slow := subscribe(t, st, blocked.URL, "*")
	subscribe(t, st, fast.URL, "*")
	stop := run(t, st, Options{PerReceiver: 2, Timeout: time.Minute})
	const n = 20
	var ids []string
	for range n {
		c, err := st.CreateCase("lena", store.NewCase{Workflow: "default"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	waitFor(t, "the blocked receiver to hold two attempts", func() bool { return len(blocked.requests()) == 2 })
	began := time.Now()
	for _, id := range ids {
		if _, err := st.SetStatus(store.Target{Actor: "lena", Case: id}, store.StatusChange{Status: "Pending"}); err != nil {
			t.Fatal(err)
		}
	}
	took := time.Since(began)
	if blocked.answered.Load() != 0 {
		t.Fatal("the blocked receiver answered")
	}
	waitFor(t, "the fast receiver to get every event", func() bool { return len(fast.requests()) == 2*n })
	events := map[string]bool{}
	for _, r := range fast.requests() {
		events[r.event] = true
	}
	if len(events) != 2*n {
		t.Fatalf("the fast receiver got %d events twice", 2*n-len(events))
	}
	if got := len(blocked.requests()); got != 2 {
		t.Fatalf("the blocked receiver has %d attempts waiting; the bound is 2", got)
	}
	t.Logf("%d decisions while a receiver blocked: %v", n, took)
	stop()
	pending := 0
	for _, d := range deliveries(t, st) {
		if d.Webhook == slow.ID {
			if d.State != model.DeliveryPending || d.Attempts != 0 {
				t.Fatalf("an abandoned attempt was recorded: %+v", d)
			}
			pending++
		}
	}
	if pending != 2*n {
		t.Fatalf("%d of %d deliveries to the blocked receiver pending", pending, 2*n)
	}
}

func TestBackoff(t *testing.T) {
	first, max := 5*time.Second, time.Hour
	for n, want := range map[int]time.Duration{1: 5 * time.Second, 2: 10 * time.Second, 4: 40 * time.Second, 10: 2560 * time.Second, 11: time.Hour, 60: time.Hour} {
		for range 50 {
			if got := backoff(n, first, max); got < want/2 || got > want {
				t.Fatalf("backoff(%d) = %v, want %v/2 to %v", n, got, want, want)
			}
		}
	}
}

// Two servers on one PostgreSQL database, each with its deliverer: every
// delivery reaches the receiver once, whichever server posts it.
func TestTwoServersDeliverEachOnce(t *testing.T) {
	dsn := pgtest.DB(t)
	open := func() *store.Store {
		st, err := store.Open(dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	a := open()
	if _, err := a.Login("ada"); err != nil {
		t.Fatal(err)
	}
	if err := a.AddUser("ada", model.User{Name: "lena", Role: model.RoleLead}); err != nil {
		t.Fatal(err)
	}
	r := newReceiver(t, func(int, http.ResponseWriter) { time.Sleep(2 * time.Millisecond) })
	subscribe(t, a, r.URL, "*")
	b := open() // the second server, opened once the subscription exists
	run(t, a, Options{PerReceiver: 8})
	run(t, b, Options{PerReceiver: 8})
	const cases = 60
	for i := range cases {
		st := a
		if i%2 == 1 {
			st = b
		}
		if _, err := st.CreateCase("lena", store.NewCase{Workflow: "default"}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "every delivery to be recorded", func() bool {
		ds := deliveries(t, a)
		return len(ds) == cases && !slices.ContainsFunc(ds, func(d model.Delivery) bool { return d.State != model.DeliveryDelivered })
	})
	got := map[string]int{}
	for _, g := range r.requests() {
		got[g.id]++
	}
	for _, d := range deliveries(t, a) {
		if got[d.ID] != 1 || d.Attempts != 1 {
			t.Errorf("delivery %s was posted %d times (%d attempts recorded)", d.ID, got[d.ID], d.Attempts)
		}
	}
}
