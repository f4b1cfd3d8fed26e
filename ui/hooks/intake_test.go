package hooks_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"docket/model"
	"docket/store"
	"docket/ui/hooks"
)

// The signature clock of these tests; the store keeps its own (gateClock).
var signedAt = time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)

var (
	oldSecret = []byte("whsec_old_0123456789abcdef")
	newSecret = []byte("whsec_new_0123456789abcdef")
)

// gateClock is the store's clock; while held, every write waits on it (see
// TestIntakeOverrun).
type gateClock struct {
	mu   sync.Mutex
	gate chan struct{}
}

func (c *gateClock) Now() time.Time {
	c.mu.Lock()
	gate := c.gate
	c.mu.Unlock()
	if gate != nil {
		<-gate
	}
	return signedAt
}

func (c *gateClock) hold() {
	c.mu.Lock()
	c.gate = make(chan struct{})
	c.mu.Unlock()
}

func (c *gateClock) release() {
	c.mu.Lock()
	close(c.gate)
	c.gate = nil
	c.mu.Unlock()
}

// intakeEnv is a store with a team (ada admin, persona the webhook user, a
// lead; ravi a reviewer in team-1) behind a real intake server on loopback.
type intakeEnv struct {
	t     *testing.T
	st    *store.Store
	clock *gateClock
	srv   *httptest.Server
	log   *syncWriter
}

func newIntakeEnv(t *testing.T, opt hooks.IntakeOptions) *intakeEnv {
	t.Helper()
	return newIntakeEnvLimit(t, opt, 0)
}

// newIntakeEnvLimit is newIntakeEnv with a per-case limit (0: the default).
func newIntakeEnvLimit(t *testing.T, opt hooks.IntakeOptions, maxCase int) *intakeEnv {
	t.Helper()
	clock := &gateClock{}
	st, err := store.Open(filepath.Join(t.TempDir(), "docket.db"), store.Options{Now: clock.Now, MaxCaseBytes: maxCase})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Login("ada"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []model.User{
		{Name: "persona", Role: model.RoleLead},
		{Name: "ravi", Role: model.RoleReviewer, Teams: []string{"team-1"}},
	} {
		if err := st.AddUser("ada", u); err != nil {
			t.Fatal(err)
		}
	}
	if opt.Secrets == nil {
		opt.Secrets = [][]byte{newSecret}
	}
	if opt.User == "" {
		opt.User = "persona"
	}
	e := &intakeEnv{t: t, st: st, clock: clock, log: &syncWriter{}}
	opt.Now = func() time.Time { return signedAt }
	opt.Log = slog.New(slog.NewTextHandler(e.log, nil))
	e.srv = httptest.NewServer(hooks.NewIntake(st, opt))
	t.Cleanup(e.srv.Close)
	return e
}

// syncWriter is the server's log, read by the test while handlers write.
type syncWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// reply is an answer of the intake: its status and JSON body.
type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// post sends body with the signature header given ("" for none).
func (e *intakeEnv) post(body, signature string) reply {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/webhooks/persona", strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set(hooks.PersonaSignatureHeader, signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if err := json.Unmarshal(raw, &r.body); err != nil {
		e.t.Fatalf("answer %d is not JSON: %q", resp.StatusCode, raw)
	}
	return r
}

// deliver sends body signed with the current secret, as Persona does.
func (e *intakeEnv) deliver(body string) reply {
	e.t.Helper()
	return e.post(body, hooks.Sign([][]byte{newSecret}, signedAt, []byte(body)))
}

// ok delivers body and wants a 200 with the given outcome.
func (e *intakeEnv) ok(body, outcome string) reply {
	e.t.Helper()
	r := e.deliver(body)
	if r.status != http.StatusOK || r.outcome() != outcome {
		e.t.Fatalf("want 200 %s, got %d %s", outcome, r.status, r.raw)
	}
	return r
}

func (r reply) outcome() string {
	data, _ := r.body["data"].(map[string]any)
	s, _ := data["outcome"].(string)
	return s
}

func (r reply) repeat() bool {
	data, _ := r.body["data"].(map[string]any)
	b, _ := data["repeat"].(bool)
	return b
}

// errorOf is the one error of an error answer: its title and details.
func (r reply) errorOf(t *testing.T) (title, details string) {
	t.Helper()
	errs, _ := r.body["errors"].([]any)
	if len(errs) != 1 {
		t.Fatalf("want one error, got %s", r.raw)
	}
	e := errs[0].(map[string]any)
	title, _ = e["title"].(string)
	details, _ = e["details"].(string)
	return title, details
}

func (e *intakeEnv) detail(ref string) *store.Detail {
	e.t.Helper()
	d, err := e.st.CaseDetail(ref)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

func (e *intakeEnv) received() store.ReceivedEvents {
	e.t.Helper()
	got, err := e.st.ReceivedEvents("ada", 100)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

// receipt is what the store recorded of one event.
func (e *intakeEnv) receipt(id string) store.EventReceipt {
	e.t.Helper()
	for _, rec := range e.received().Recent {
		if rec.ID == id {
			return rec
		}
	}
	e.t.Fatalf("event %s is not recorded", id)
	return store.EventReceipt{}
}

func (e *intakeEnv) noCase(id string) {
	e.t.Helper()
	if _, err := e.st.CaseDetail(id); !errors.Is(err, model.ErrNotFound) {
		e.t.Fatalf("case %s: want none, got %v", id, err)
	}
}

// ---- Persona documents ----

const at0 = "2026-11-02T08:00:00Z"

func event(id, name, createdAt, payload string) string {
	return fmt.Sprintf(`{"data":{"type":"event","id":%q,"attributes":{"name":%q,"payload":%s,"created-at":%q}}}`,
		id, name, payload, createdAt)
}

func resource(typ, id, attrs string) string {
	return fmt.Sprintf(`{"type":%q,"id":%q,"attributes":%s}`, typ, id, attrs)
}

// casePayload is a case in workflow (its docket extension) with its
// included objects.
func casePayload(id, workflow, status, updated string, included ...string) string {
	return fmt.Sprintf(`{"data":{"type":"case","id":%q,"attributes":{"status":%q,"created-at":%q,"updated-at":%q},"meta":{"docket-workflow":%q}},"included":[%s]}`,
		id, status, at0, updated, workflow, strings.Join(included, ","))
}

func objectPayload(r string) string { return `{"data":` + r + `}` }

func caseEvent(evt, name, caseID, status, updated string, included ...string) string {
	return event(evt, name, updated, casePayload(caseID, "default", status, updated, included...))
}

// ---- signatures ----

func TestIntakeSignatures(t *testing.T) {
	body := caseEvent("evt_sig", "case.created", "case_sig", "Open", at0)
	rotating := hooks.Sign([][]byte{oldSecret, newSecret}, signedAt, []byte(body))
	refused := []struct {
		name, body, header string
		why                string
	}{
		{"missing header", body, "", "no signature header"},
		{"stale timestamp", body, hooks.Sign([][]byte{newSecret}, signedAt.Add(-6*time.Minute), []byte(body)), "older than"},
		{"tampered body", strings.Replace(body, `"Open"`, `"Approved"`, 1), hooks.Sign([][]byte{newSecret}, signedAt, []byte(body)), "no digest"},
		{"wrong secret", body, hooks.Sign([][]byte{[]byte("whsec_someone_else_0000")}, signedAt, []byte(body)), "no digest"},
		{"garbage", body, "v1=00,t=", "no digest"},
	}
	e := newIntakeEnv(t, hooks.IntakeOptions{})
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			r := e.post(c.body, c.header)
			if r.status != http.StatusUnauthorized || r.raw != `{"errors":[{"title":"Unauthorized"}]}`+"\n" {
				t.Fatalf("got %d %s", r.status, r.raw)
			}
			e.noCase("case_sig")
			if got := e.received(); len(got.Recent) != 0 || len(got.Counts) != 0 {
				t.Fatalf("a refused signature was recorded: %+v", got)
			}
			if !strings.Contains(e.log.String(), c.why) {
				t.Fatalf("the log does not say %q:\n%s", c.why, e.log)
			}
		})
	}

	// During a rotation Persona signs with both secrets; a server with
	// either accepts, and so does one holding both.
	for i, secrets := range [][][]byte{{oldSecret}, {newSecret}, {newSecret, oldSecret}} {
		t.Run(fmt.Sprintf("rotation %d", i), func(t *testing.T) {
			e := newIntakeEnv(t, hooks.IntakeOptions{Secrets: secrets})
			if r := e.post(body, rotating); r.status != http.StatusOK || r.outcome() != store.OutcomeApplied {
				t.Fatalf("got %d %s", r.status, r.raw)
			}
			if d := e.detail("case_sig"); d.Case.Status != "Open" {
				t.Fatalf("case %+v", d.Case)
			}
		})
	}
	t.Run("server rotating, Persona on the old secret", func(t *testing.T) {
		e := newIntakeEnv(t, hooks.IntakeOptions{Secrets: [][]byte{newSecret, oldSecret}})
		if r := e.post(body, hooks.Sign([][]byte{oldSecret}, signedAt, []byte(body))); r.status != http.StatusOK {
			t.Fatalf("got %d %s", r.status, r.raw)
		}
	})
}

// ---- cases ----

func TestIntakeCaseEventAppliedOnce(t *testing.T) {
	e := newIntakeEnv(t, hooks.IntakeOptions{})
	body := caseEvent("evt_once", "case.created", "case_1", "Open", at0,
		resource("inquiry", "inq_1", `{"status":"pending","updated-at":"`+at0+`"}`))
	first := e.ok(body, store.OutcomeApplied)
	again := e.ok(body, store.OutcomeApplied)
	if first.repeat() || !again.repeat() {
		t.Fatalf("repeat flags: first %s, again %s", first.raw, again.raw)
	}
	d := e.detail("case_1")
	if len(d.Events) != 1 || d.Case.Version != 1 {
		t.Fatalf("applied more than once: %+v", d.Events)
	}
	ev := d.Events[0]
	if ev.Actor != "persona" || ev.Kind != model.EventImported || ev.Source != "webhook evt_once case.created" {
		t.Fatalf("audit event %+v", ev)
	}
	got := e.received()
	if len(got.Recent) != 1 || got.Recent[0].Attempts != 1 || got.Recent[0].Cases[0] != "case_1" {
		t.Fatalf("received %+v", got)
	}
	if len(got.Counts) != 1 || got.Counts[0].Name != "case.created" || got.Counts[0].Applied != 1 {
		t.Fatalf("counts %+v", got.Counts)
	}
}

func TestIntakeCaseEventsOutOfOrder(t *testing.T) {
	e := newIntakeEnv(t, hooks.IntakeOptions{})
	e.ok(caseEvent("evt_1", "case.created", "case_1", "Open", "2026-11-02T08:00:00Z"), store.OutcomeApplied)
	e.ok(caseEvent("evt_3", "case.status-updated", "case_1", "Pending", "2026-11-02T10:00:00Z"), store.OutcomeApplied)
	before := e.detail("case_1")
	// The update of 09:00 arrives after the one of 10:00.
	r := e.ok(caseEvent("evt_2", "case.status-updated", "case_1", "Approved", "2026-11-02T09:00:00Z"), store.OutcomeUnchanged)
	if !strings.Contains(r.raw, "1 not newer") {
		t.Fatalf("answer %s", r.raw)
	}
	after := e.detail("case_1")
	if after.Case.Status != "Pending" || after.Case.Version != before.Case.Version || len(after.Events) != 2 {
		t.Fatalf("an older event changed the case: %s v%d, %d events", after.Case.Status, after.Case.Version, len(after.Events))
	}
	if src := after.Events[1].Source; src != "webhook evt_3 case.status-updated" {
		t.Fatalf("source %q", src)
	}
}

// A case event carries its objects; an older one must not put back an
// older copy of an object a newer event brought.
func TestIntakeCaseEventKeepsNewerObjects(t *testing.T) {
	e := newIntakeEnv(t, hooks.IntakeOptions{})
	inq := func(status, updated string) string {
		return resource("inquiry", "inq_1", `{"status":"`+status+`","updated-at":"`+updated+`"}`)
	}
	e.ok(caseEvent("evt_1", "case.created", "case_1", "Open", "2026-11-02T08:00:00Z", inq("pending", "2026-11-02T08:00:00Z")), store.OutcomeApplied)
	e.ok(event("evt_2", "inquiry.approved", "2026-11-02T10:00:00Z", objectPayload(inq("approved", "2026-11-02T10:00:00Z"))), store.OutcomeApplied)
	e.ok(caseEvent("evt_3", "case.updated", "case_1", "Pending", "2026-11-02T09:00:00Z", inq("pending", "2026-11-02T08:00:00Z")), store.OutcomeApplied)
	d := e.detail("case_1")
	if d.Case.Status != "Pending" || d.Objects[0].AttrString("status") != "approved" {
		t.Fatalf("status %s, inquiry %s", d.Case.Status, d.Objects[0].Attributes)
	}
}

// The webhook user moves a case as they would by hand: a move the
// workflow refuses them is answered 422 with the store's words, changes
// nothing, is recorded, and goes through once the cause is fixed and
// Persona retries.
func TestIntakeRefusedByRule(t *testing.T) {
	e := newIntakeEnv(t, hooks.IntakeOptions{})
	open := event("evt_open", "case.created", at0, casePayload("case_duo", "two-team", "Open", at0))
	e.ok(open, store.OutcomeApplied)
	before := e.detail("case_duo")
	move := event("evt_move", "case.status-updated", "2026-11-02T09:00:00Z",
		casePayload("case_duo", "two-team", "Approved by Team 1", "2026-11-02T09:00:00Z"))
	r := e.deliver(move)
	title, details := r.errorOf(t)
	if r.status != http.StatusUnprocessableEntity || title != "Unprocessable Entity" || !strings.Contains(details, "team-1") || !strings.Contains(details, "as its user would by hand") {
		t.Fatalf("got %d %s", r.status, r.raw)
	}
	after := e.detail("case_duo")
	if after.Case.Version != before.Case.Version || after.Case.Status != "Open" {
		t.Fatalf("a refused event changed the case: %+v", after.Case)
	}
	if strings.Contains(e.log.String(), "team-1") {
		t.Fatalf("the log carries the store's message:\n%s", e.log)
	}
	if rec := e.receipt("evt_move"); rec.Outcome != store.OutcomeRefused || !strings.Contains(rec.Detail, "team-1") {
		t.Fatalf("refusal not recorded: %+v", rec)
	}

	team := []string{"team-1"}
	if _, _, err := e.st.SetUser("ada", "persona", store.UserChange{Teams: &team}); err != nil {
		t.Fatal(err)
	}
	e.ok(move, store.OutcomeApplied)
	if d := e.detail("case_duo"); d.Case.Status != "Approved by Team 1" {
		t.Fatalf("retry not applied: %s", d.Case.Status)
	}
	if rec := e.receipt("evt_move"); rec.Attempts != 2 || rec.Outcome != store.OutcomeApplied {
		t.Fatalf("receipt %+v", rec)
	}
	for _, n := range e.received().Counts {
		if n.Name == "case.status-updated" && (n.Refused != 1 || n.Applied != 1) {
			t.Fatalf("counts %+v", n)
		}
	}
}

// ---- objects ----

func TestIntakeObjectEvents(t *testing.T) {
	kinds := []struct {
		event, typ, id string
		// the attributes the cases hold, an event's newer ones, and a
		// stale event's: older than the newer ones
		held, newer, stale string
		// the event times, for kinds with no updated-at
		newerAt, staleAt string
	}{
		{"inquiry.approved", "inquiry", "inq_1",
			`{"status":"pending","updated-at":"2026-11-02T08:00:00Z"}`,
			`{"status":"approved","updated-at":"2026-11-02T10:00:00Z"}`,
			`{"status":"declined","updated-at":"2026-11-02T09:00:00Z"}`, "2026-11-02T10:00:01Z", "2026-11-02T10:00:02Z"},
		{"account.tag-added", "account", "act_1",
			`{"reference-id":"u-1","tags":[],"updated-at":"2026-11-02T08:00:00Z"}`,
			`{"reference-id":"u-1","tags":["vip"],"updated-at":"2026-11-02T10:00:00Z"}`,
			`{"reference-id":"u-1","tags":["old"],"updated-at":"2026-11-02T09:00:00Z"}`, "2026-11-02T10:00:01Z", "2026-11-02T10:00:02Z"},
		{"report/watchlist.matched", "report/watchlist", "rep_1",
			`{"status":"pending","has-match":false}`,
			`{"status":"ready","has-match":true}`,
			`{"status":"ready","has-match":false}`, "2026-11-02T10:00:00Z", "2026-11-02T09:00:00Z"},
		{"verification.passed", "verification/government-id", "ver_1",
			`{"status":"submitted"}`,
			`{"status":"passed"}`,
			`{"status":"failed"}`, "2026-11-02T10:00:00Z", "2026-11-02T09:00:00Z"},
		{"transaction.labeled", "transaction", "txn_1",
			`{"status":"pending","updated-at":"2026-11-02T08:00:00Z"}`,
			`{"status":"labeled","updated-at":"2026-11-02T10:00:00Z"}`,
			`{"status":"created","updated-at":"2026-11-02T09:00:00Z"}`, "2026-11-02T10:00:01Z", "2026-11-02T10:00:02Z"},
	}
	for _, k := range kinds {
		t.Run(k.typ, func(t *testing.T) {
			e := newIntakeEnv(t, hooks.IntakeOptions{})
			held := resource(k.typ, k.id, k.held)
			e.ok(caseEvent("evt_a", "case.created", "case_a", "Open", at0, held), store.OutcomeApplied)
			e.ok(caseEvent("evt_b", "case.created", "case_b", "Open", at0, held), store.OutcomeApplied)

			r := e.ok(event("evt_new", k.event, k.newerAt, objectPayload(resource(k.typ, k.id, k.newer))), store.OutcomeApplied)
			action := model.EventAction(k.event)
			if !strings.Contains(r.raw, k.id+" "+action) {
				t.Fatalf("answer %s", r.raw)
			}
			for _, ref := range []string{"case_a", "case_b"} {
				d := e.detail(ref)
				last := d.Events[len(d.Events)-1]
				if last.Kind != model.EventObject || last.Actor != "persona" || last.Source != "webhook evt_new "+k.event ||
					!strings.HasPrefix(last.Changes[0], string(d.Objects[0].Kind)+" "+k.id+" "+action) {
					t.Fatalf("%s: audit event %+v", ref, last)
				}
				if !jsonEqual(d.Objects[0].Attributes, k.newer) || len(d.Broken) != 0 {
					t.Fatalf("%s: object %s, trail %v", ref, d.Objects[0].Attributes, d.Broken)
				}
			}

			e.ok(event("evt_stale", k.event, k.staleAt, objectPayload(resource(k.typ, k.id, k.stale))), store.OutcomeUnchanged)
			d := e.detail("case_a")
			if !jsonEqual(d.Objects[0].Attributes, k.newer) || d.Events[len(d.Events)-1].Source != "webhook evt_new "+k.event {
				t.Fatalf("a stale event overwrote the object: %s", d.Objects[0].Attributes)
			}
		})
	}
}

func jsonEqual(a []byte, b string) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal([]byte(b), &y) == nil && fmt.Sprint(x) == fmt.Sprint(y)
}

// Events docket has no use for are answered 200 and counted by name.
func TestIntakeUnusedEventsCounted(t *testing.T) {
	e := newIntakeEnv(t, hooks.IntakeOptions{})
	stranger := event("evt_u1", "inquiry.approved", at0, objectPayload(resource("inquiry", "inq_nobody", `{"status":"approved"}`)))
	e.ok(stranger, store.OutcomeUnused)
	e.ok(event("evt_u2", "inquiry.approved", at0, objectPayload(resource("inquiry", "inq_other", `{}`))), store.OutcomeUnused)
	e.ok(event("evt_u3", "document.created", at0, objectPayload(resource("document/government-id", "doc_1", `{}`))), store.OutcomeUnused)
	e.ok(event("evt_u4", "workflow-run.completed", at0, objectPayload(resource("workflow-run", "wfr_1", `{}`))), store.OutcomeUnused)
	if r := e.ok(stranger, store.OutcomeUnused); !r.repeat() {
		t.Fatalf("a repeat: %s", r.raw)
	}
	got := e.received()
	counts := map[string]store.EventCount{}
	for _, n := range got.Counts {
		counts[n.Name] = n
	}
	if counts["inquiry.approved"].Unused != 2 || counts["document.created"].Unused != 1 || counts["workflow-run.completed"].Unused != 1 || len(counts) != 3 {
		t.Fatalf("counts %+v", got.Counts)
	}
	if len(got.Recent) != 4 || got.Recent[0].Detail == "" {
		t.Fatalf("recent %+v", got.Recent)
	}
}

// ---- malformed ----

func TestIntakeMalformed(t *testing.T) {
	e := newIntakeEnv(t, hooks.IntakeOptions{MaxBody: 4 << 10})
	kase := casePayload("case_1", "default", "Open", at0)
	cases := []struct {
		name, body string
		status     int
		want       string
	}{
		{"not JSON", `{"data":`, 400, "malformed JSON"},
		{"trailing", event("evt_1", "case.created", at0, kase) + "x", 400, "malformed JSON"},
		{"an array", `[]`, 400, "the body is a JSON array"},
		{"no data", `{}`, 400, "data is missing"},
		{"not an event", `{"data":{"type":"case","id":"case_1","attributes":{}}}`, 400, `data.type is "case"`},
		{"type a number", `{"data":{"type":1}}`, 400, "data.type is a JSON number"},
		{"no attributes", `{"data":{"type":"event","id":"evt_1"}}`, 400, "data.attributes is missing"},
		{"id not evt_", event("case_1", "case.created", at0, kase), 400, "data.id"},
		{"no name", event("evt_1", "", at0, kase), 400, "data.attributes.name"},
		{"name without action", event("evt_1", "case", at0, kase), 400, "names no action"},
		{"bad created-at", event("evt_1", "case.created", "yesterday", kase), 400, "data.attributes.created-at"},
		{"no payload", event("evt_1", "case.created", at0, "null"), 400, "payload is missing"},
		{"payload a list", event("evt_1", "case.created", at0, `{"data":[]}`), 400, "carries one resource"},
		{"payload without type", event("evt_1", "case.created", at0, `{"data":{"id":"x"}}`), 400, "payload.data.type is missing"},
		{"case without status", event("evt_1", "case.created", at0, `{"data":{"type":"case","id":"case_1","attributes":{}}}`), 400, "in data.attributes.payload"},
		{"invalid UTF-8", event("evt_1", "case.created", at0, kase) + "\xff", 400, "invalid UTF-8"},
		{"too large", event("evt_1", "case.created", at0, casePayload("case_1", "default", "Open", at0, resource("inquiry", "inq_1", `{"note":"`+strings.Repeat("x", 5000)+`"}`))), 413, "over 4.0 KB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.deliver(c.body)
			title, details := r.errorOf(t)
			if r.status != c.status || title != http.StatusText(c.status) || !strings.Contains(details, c.want) {
				t.Fatalf("got %d %s, want %d saying %q", r.status, r.raw, c.status, c.want)
			}
			e.noCase("case_1")
			if got := e.received(); len(got.Recent) != 0 {
				t.Fatalf("recorded: %+v", got.Recent)
			}
		})
	}
	if strings.Contains(e.log.String(), "payload") {
		t.Fatalf("the log quotes a refused body:\n%s", e.log)
	}

	resp, err := http.Get(e.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
		t.Fatalf("GET: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

// A case over the store's per-case limit is refused as too large, though
// the body is within the intake's.
func TestIntakeCaseOverStoreLimit(t *testing.T) {
	e := newIntakeEnvLimit(t, hooks.IntakeOptions{}, 1<<10)
	big := caseEvent("evt_big", "case.created", "case_big", "Open", at0, resource("inquiry", "inq_1", `{"note":"`+strings.Repeat("x", 2000)+`"}`))
	r := e.deliver(big)
	if _, details := r.errorOf(t); r.status != http.StatusRequestEntityTooLarge || !strings.Contains(details, "over the limit") {
		t.Fatalf("got %d %s", r.status, r.raw)
	}
	e.noCase("case_big")
}

// ---- the deadline ----

// A delivery whose work outlasts the deadline is answered 503; the work
// commits on its own, and Persona's retry finds it settled.
func TestIntakeOverrun(t *testing.T) {
	e := newIntakeEnv(t, hooks.IntakeOptions{Timeout: 200 * time.Millisecond})
	body := caseEvent("evt_slow", "case.created", "case_slow", "Open", at0)
	e.clock.hold() // every store write now waits for the clock
	start := time.Now()
	r := e.deliver(body)
	took := time.Since(start)
	if _, details := r.errorOf(t); r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" || !strings.Contains(details, "retry") {
		t.Fatalf("got %d %s", r.status, r.raw)
	}
	if took > 2*time.Second {
		t.Fatalf("answered after %s", took)
	}
	e.clock.release()
	deadline := time.Now().Add(5 * time.Second)
	for len(e.received().Recent) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the overrun work never committed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r := e.ok(body, store.OutcomeApplied); !r.repeat() {
		t.Fatalf("the retry applied again: %s", r.raw)
	}
	if d := e.detail("case_slow"); len(d.Events) != 1 {
		t.Fatalf("events %+v", d.Events)
	}
}

// ---- concurrency ----

// Persona may deliver one event several times at once: it is applied
// exactly once, and every delivery is answered 200.
func TestIntakeConcurrentRepeats(t *testing.T) {
	e := newIntakeEnv(t, hooks.IntakeOptions{})
	e.ok(caseEvent("evt_0", "case.created", "case_1", "Open", at0,
		resource("inquiry", "inq_1", `{"status":"pending","updated-at":"`+at0+`"}`)), store.OutcomeApplied)
	body := event("evt_race", "inquiry.approved", "2026-11-02T10:00:00Z",
		objectPayload(resource("inquiry", "inq_1", `{"status":"approved","updated-at":"2026-11-02T10:00:00Z"}`)))
	const n = 16
	replies := make(chan reply, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replies <- e.deliver(body)
		}()
	}
	wg.Wait()
	close(replies)
	fresh := 0
	for r := range replies {
		if r.status != http.StatusOK || r.outcome() != store.OutcomeApplied {
			t.Fatalf("got %d %s", r.status, r.raw)
		}
		if !r.repeat() {
			fresh++
		}
	}
	d := e.detail("case_1")
	if fresh != 1 || len(d.Events) != 2 || d.Case.Version != 2 {
		t.Fatalf("applied %d times; %d events", fresh, len(d.Events))
	}
	for _, c := range e.received().Counts {
		if c.Name == "inquiry.approved" && c.Applied != 1 {
			t.Fatalf("counted %+v", c)
		}
	}
}
