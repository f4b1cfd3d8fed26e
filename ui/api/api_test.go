package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"docket/model"
	"docket/store"
)

func TestEveryEndpoint(t *testing.T) {
	f := newFixture(t, Options{})
	inq := &model.Object{ObjectRef: model.ObjectRef{Kind: model.KindInquiry, Type: "inquiry", ID: "inq_1"},
		Attributes: []byte(`{"status":"approved","reference-id":"user-77","fields":{"name-first":{"type":"string","value":"Amara"}}}`)}
	acct := &model.Object{ObjectRef: model.ObjectRef{Kind: model.KindAccount, Type: "account", ID: "act_1"},
		Attributes: []byte(`{"reference-id":"user-77"}`)}
	seed := f.mustCase("")
	if _, err := f.st.Attach(store.Target{Actor: "lena", Case: seed.ID}, inq, acct); err != nil {
		t.Fatal(err)
	}

	// POST /cases: the template's fields as attributes, objects docket
	// holds, a deadline.
	created := f.do("lena", "POST", "/api/v1/cases", `{"data":{"attributes":{"case-template-id":"default",
		"fields":{"risk-score":{"type":"integer","value":80}},"source":{"type":"string","value":"monitor"}}},
		"meta":{"object-ids":["inq_1"],"sla-expires-in-seconds":3600}}`)
	doc := created.want(t, http.StatusCreated)
	id := dataID(doc)
	if created.header.Get("Location") != "/api/v1/cases/"+id || created.header.Get("ETag") != `"1"` || attr(doc, "status") != "Open" {
		t.Fatalf("created %v %v", created.header, doc)
	}
	cs, err := f.st.Case(id)
	if err != nil || cs.Creator != "lena" || !cs.HasObject("inq_1") || cs.SLAExpiresAt.IsZero() {
		t.Fatalf("the stored case %+v %v", cs, err)
	}
	full, _ := f.st.CaseDetail(id)
	if got := string(full.Case.Fields); got != `{"risk-score":80,"source":"monitor"}` {
		t.Fatalf("fields %s", got)
	}

	// GET /cases/{id} by id and by name, with If-None-Match.
	got := f.do("ravi", "GET", "/api/v1/cases/"+cs.Name, "")
	if d := got.want(t, http.StatusOK); dataID(d) != id || got.header.Get("ETag") != `"1"` {
		t.Fatalf("get by name %v", d)
	}
	if f.do("ravi", "GET", "/api/v1/cases/"+id, "", "If-None-Match", `"1"`).status != http.StatusNotModified {
		t.Fatal("If-None-Match of the current ETag is not 304")
	}

	// PATCH: fields as a merge patch and a new deadline, at once.
	patched := f.do("lena", "PATCH", "/api/v1/cases/"+id, `{"data":{"attributes":{"fields":{"source":null,"note":{"type":"string","value":"checked"}}}},
		"meta":{"sla-expires-in-seconds":null}}`, "If-Match", `"1"`)
	patched.want(t, http.StatusOK)
	full, _ = f.st.CaseDetail(id)
	if string(full.Case.Fields) != `{"note":"checked","risk-score":80}` || !full.Case.SLAExpiresAt.IsZero() || patched.header.Get("ETag") != `"3"` {
		t.Fatalf("after PATCH: %s %v %s", full.Case.Fields, full.Case.SLAExpiresAt, patched.header.Get("ETag"))
	}

	steps := []struct {
		path, body string
		check      func(c *model.Case) bool
	}{
		{"assign", `{"meta":{"user-email-address":"ravi@example.com"}}`, func(c *model.Case) bool { return c.Assignee == "ravi" }},
		{"add-tag", `{"meta":{"tag-name":"vip"}}`, func(c *model.Case) bool { return c.HasTag("vip") }},
		{"set-tags", `{"meta":{"tag-name":["a","b"]}}`, func(c *model.Case) bool { return slices.Equal(c.Tags, []string{"a", "b"}) }},
		{"remove-tag", `{"meta":{"tag-name":"a"}}`, func(c *model.Case) bool { return slices.Equal(c.Tags, []string{"b"}) }},
		{"add-objects", `{"meta":{"object-ids":["act_1"]}}`, func(c *model.Case) bool { return c.HasObject("act_1") }},
		{"remove-objects", `{"meta":{"object-ids":["inq_1","act_1"]}}`, func(c *model.Case) bool { return len(c.Objects) == 0 }},
		{"set-status", `{"meta":{"status":"Pending"}}`, func(c *model.Case) bool { return c.Status == "Pending" }},
	}
	for _, step := range steps {
		f.do("lena", "POST", "/api/v1/cases/"+id+"/"+step.path, step.body).want(t, http.StatusOK)
		if c, _ := f.st.Case(id); !step.check(c) {
			t.Fatalf("after %s: %+v", step.path, c)
		}
	}
	// Comments, in Persona's case-comment shape.
	f.do("ravi", "POST", "/api/v1/cases/"+id+"/comments", `{"data":{"type":"case-comment","attributes":{"message":"looks fine"}}}`).want(t, http.StatusCreated)
	full, _ = f.st.CaseDetail(id)
	if len(full.Comments) != 1 || full.Comments[0].Body != "looks fine" || full.Comments[0].Author != "ravi" {
		t.Fatalf("comments %+v", full.Comments)
	}
	// The older status shape: resolved with a resolution.
	f.do("ravi", "POST", "/api/v1/cases/"+id+"/set-status", `{"meta":{"status":"resolved","resolution":"approved","reason":"low-risk"}}`).want(t, http.StatusOK)
	if c, _ := f.st.Case(id); c.Status != "Approved" || c.Resolver != "ravi" {
		t.Fatalf("resolved: %+v", c)
	}
	// DELETE redacts (leads).
	f.do("lena", "DELETE", "/api/v1/cases/"+id, "").want(t, http.StatusOK)
	if c, _ := f.st.Case(id); !c.Redacted {
		t.Fatal("DELETE did not redact")
	}
	// Every change was the token's user's, in the trail.
	full, _ = f.st.CaseDetail(id)
	actors := map[string]int{}
	for _, e := range full.Events {
		actors[e.Actor]++
	}
	if actors["lena"] != 11 || actors["ravi"] != 2 || len(full.Broken) != 0 {
		t.Fatalf("the trail's actors %v (broken %v)", actors, full.Broken)
	}
}

func TestErrors(t *testing.T) {
	f := newFixture(t, Options{MaxBody: 4096})
	mine := f.mustCase("ravi")
	theirs := f.mustCase("mia")
	base := "/api/v1/cases/"
	// 401: no token, a bad one, a revoked one.
	f.do("", "GET", "/api/v1/cases", "").wantError(t, http.StatusUnauthorized, "Authorization: Bearer")
	res := f.do("", "GET", "/api/v1/cases", "", "Authorization", "Bearer dkt_nope_nope")
	res.wantError(t, http.StatusUnauthorized, "not valid")
	if res.header.Get("WWW-Authenticate") == "" {
		t.Error("a 401 without WWW-Authenticate")
	}
	nt, _ := f.st.CreateToken("ravi", "ravi", "", 0)
	f.st.RevokeToken("ravi", "ravi", nt.ID)
	f.do("", "GET", "/api/v1/cases", "", "Authorization", "Bearer "+nt.Token).wantError(t, http.StatusUnauthorized, "not valid")

	// 403: a reviewer's token cannot touch a colleague's case, nor redact.
	f.do("ravi", "POST", base+theirs.ID+"/set-status", `{"meta":{"status":"Pending"}}`).wantError(t, http.StatusForbidden, "")
	f.do("ravi", "POST", base+theirs.ID+"/add-tag", `{"meta":{"tag-name":"x"}}`).wantError(t, http.StatusForbidden, "")
	f.do("ravi", "DELETE", base+mine.ID, "").wantError(t, http.StatusForbidden, "")
	if c, _ := f.st.Case(theirs.ID); c.Version != theirs.Version {
		t.Fatal("a refused change changed the case")
	}

	// 404: no such case, on reads and writes.
	f.do("ravi", "GET", base+"case_nope", "").wantError(t, http.StatusNotFound, "case_nope")
	f.do("lena", "POST", base+"case_nope/set-status", `{"meta":{"status":"Pending"}}`).wantError(t, http.StatusNotFound, "case_nope")
	f.do("lena", "GET", "/api/v1/nothing", "").wantError(t, http.StatusNotFound, "no endpoint")
	f.do("lena", "PUT", base+mine.ID, "").wantError(t, http.StatusMethodNotAllowed, "does not take PUT")

	// 400: malformed bodies and parameters name the member at fault.
	for _, c := range []struct{ path, body, want string }{
		{mine.ID + "/set-status", `{"meta":`, "/: is not valid JSON"},
		{mine.ID + "/set-status", `[]`, "must be a JSON object"},
		{mine.ID + "/set-status", `{}`, "/meta: is required"},
		{mine.ID + "/set-status", `{"meta":{}}`, "/meta/status: is required"},
		{mine.ID + "/set-status", `{"meta":{"status":7}}`, "/meta/status: must be a string"},
		{mine.ID + "/set-status", `{"meta":{"status":"Pending","colour":"red"}}`, "/meta/colour: is not a member"},
		{mine.ID + "/assign", `{"meta":{}}`, "/meta/user-email-address: is required"},
		{mine.ID + "/add-objects", `{"meta":{"object-ids":[]}}`, "/meta/object-ids: is empty"},
		{mine.ID + "/comments", `{"data":{"attributes":{"message":" "}}}`, "/data/attributes/message: is required"},
	} {
		f.do("ravi", "POST", base+c.path, c.body).wantError(t, http.StatusBadRequest, c.want)
	}
	f.do("lena", "POST", "/api/v1/cases", `{"data":{"attributes":{}}}`).wantError(t, http.StatusBadRequest, "/data/attributes/case-template-id: is required")
	f.do("lena", "GET", "/api/v1/cases?filter[colour]=red", "").wantError(t, http.StatusBadRequest, "unknown filter filter[colour]")
	f.do("lena", "GET", "/api/v1/cases?page[size]=101", "").wantError(t, http.StatusBadRequest, "page[size] must be")
	f.do("lena", "GET", base+mine.ID, "", "If-Match", "seven").want(t, http.StatusOK) // reads ignore If-Match
	f.do("lena", "POST", base+mine.ID+"/add-tag", `{"meta":{"tag-name":"x"}}`, "If-Match", "seven").wantError(t, http.StatusBadRequest, "If-Match")
	f.do("lena", "POST", base+mine.ID+"/add-tag", `{"meta":{"tag-name":"x"}}`, "Idempotency-Key", "has space").wantError(t, http.StatusBadRequest, "Idempotency-Key")

	// 409 and 412: a stale If-Match names who changed the case.
	f.do("lena", "POST", base+mine.ID+"/add-tag", `{"meta":{"tag-name":"a"}}`).want(t, http.StatusOK)
	f.do("ravi", "POST", base+mine.ID+"/set-status", `{"meta":{"status":"Pending"}}`, "If-Match", `"1"`).
		wantError(t, http.StatusPreconditionFailed, "was changed by lena")
	f.api.pending.Store("ravi\x00busy", make(chan struct{}))
	f.api.waitFirst = 50 * time.Millisecond
	f.do("ravi", "POST", base+mine.ID+"/add-tag", `{"meta":{"tag-name":"b"}}`, "Idempotency-Key", "busy").wantError(t, http.StatusConflict, "still running")

	// 413: over the body limit, and over the store's per-case limit.
	f.do("lena", "PATCH", base+mine.ID, `{"data":{"attributes":{"fields":{"x":"`+strings.Repeat("y", 5000)+`"}}}}`).
		wantError(t, http.StatusRequestEntityTooLarge, "over the limit")
	// 415: not JSON.
	res = f.do("lena", "POST", base+mine.ID+"/add-tag", `{"meta":{"tag-name":"x"}}`, "Content-Type", "text/plain")
	res.wantError(t, http.StatusUnsupportedMediaType, "application/json")

	// 422: refused by a rule, in the store's words; the workflow's
	// statuses named.
	f.do("ravi", "POST", base+mine.ID+"/set-status", `{"meta":{"status":"Declined"}}`).wantError(t, http.StatusUnprocessableEntity, "reason")
	f.do("ravi", "POST", base+mine.ID+"/set-status", `{"meta":{"status":"Escalated"}}`).wantError(t, http.StatusUnprocessableEntity, "Escalated")
	f.do("lena", "POST", base+mine.ID+"/assign", `{"meta":{"user-email-address":"who@example.com"}}`).wantError(t, http.StatusUnprocessableEntity, "who@example.com")
	f.do("lena", "POST", base+mine.ID+"/add-objects", `{"meta":{"object-ids":["inq_unknown"]}}`).wantError(t, http.StatusUnprocessableEntity, "inq_unknown")
	f.do("lena", "POST", "/api/v1/cases", `{"data":{"attributes":{"case-template-id":"ctmpl_nope"}}}`).wantError(t, http.StatusUnprocessableEntity, "ctmpl_nope")

	// ?docket=1 carries JSON:API's status, detail and source pointer.
	res = f.do("ravi", "POST", base+mine.ID+"/set-status?docket=1", `{"meta":{"status":7}}`)
	body := res.want(t, http.StatusBadRequest)
	item := body["errors"].([]any)[0].(map[string]any)
	if item["status"] != "400" || item["source"].(map[string]any)["pointer"] != "/meta/status" || item["detail"] != "must be a string" {
		t.Fatalf("docket's error %v", item)
	}
}

func TestRateLimitPerToken(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	f := newFixture(t, Options{Rate: 2, Burst: 3, Now: func() time.Time { return now }})
	for i := 0; i < 3; i++ {
		f.do("ravi", "GET", "/api/v1/cases", "").want(t, http.StatusOK)
	}
	res := f.do("ravi", "GET", "/api/v1/cases", "")
	res.wantError(t, http.StatusTooManyRequests, "more than 2 requests a second")
	if res.header.Get("Retry-After") != "1" {
		t.Fatalf("Retry-After %q", res.header.Get("Retry-After"))
	}
	// Another token has its own bucket; time refills ravi's.
	f.do("mia", "GET", "/api/v1/cases", "").want(t, http.StatusOK)
	now = now.Add(500 * time.Millisecond)
	f.do("ravi", "GET", "/api/v1/cases", "").want(t, http.StatusOK)
}

func TestIdempotencyKey(t *testing.T) {
	f := newFixture(t, Options{})
	k := f.mustCase("ravi")
	path := "/api/v1/cases/" + k.ID + "/comments"
	body := `{"data":{"attributes":{"message":"once"}}}`
	first := f.do("ravi", "POST", path, body, "Idempotency-Key", "c-1")
	first.want(t, http.StatusCreated)
	again := f.do("ravi", "POST", path, body, "Idempotency-Key", "c-1")
	if again.status != first.status || again.body != first.body || again.header.Get("ETag") != first.header.Get("ETag") ||
		again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("the retry got %d %s", again.status, again.body)
	}
	d, _ := f.st.CaseDetail(k.ID)
	if len(d.Comments) != 1 {
		t.Fatalf("%d comments after a retry", len(d.Comments))
	}
	// Another body with the same key is refused; another user's key is theirs.
	f.do("ravi", "POST", path, `{"data":{"attributes":{"message":"twice"}}}`, "Idempotency-Key", "c-1").
		wantError(t, http.StatusUnprocessableEntity, "another request")
	f.do("lena", "POST", path, body, "Idempotency-Key", "c-1").want(t, http.StatusCreated)

	// A refusal is answered the same on a retry, and changes nothing.
	bad := `{"meta":{"status":"Declined"}}`
	f.do("ravi", "POST", "/api/v1/cases/"+k.ID+"/set-status", bad, "Idempotency-Key", "s-1").wantError(t, http.StatusUnprocessableEntity, "reason")
	f.do("ravi", "POST", "/api/v1/cases/"+k.ID+"/set-status", bad, "Idempotency-Key", "s-1").wantError(t, http.StatusUnprocessableEntity, "reason")

	// Creation: one case for two tries.
	create := `{"data":{"attributes":{"case-template-id":"default"}}}`
	a := f.do("lena", "POST", "/api/v1/cases", create, "Idempotency-Key", "new-1")
	b := f.do("lena", "POST", "/api/v1/cases", create, "Idempotency-Key", "new-1")
	if dataID(a.want(t, 201)) != dataID(b.want(t, 201)) || a.header.Get("Location") != b.header.Get("Location") {
		t.Fatalf("two creations: %s / %s", a.body, b.body)
	}

	// The server stopped between the change and its reply: the retry
	// changes nothing and answers with the case as it is.
	req := store.Request{User: "ravi", Key: "cut-1", Digest: digestOf("POST", path, body)}
	if _, err := f.st.Comment(store.Target{Actor: "ravi", Case: k.ID, Request: &req}, "once"); err != nil {
		t.Fatal(err)
	}
	cut := f.do("ravi", "POST", path, body, "Idempotency-Key", "cut-1")
	if d := cut.want(t, http.StatusCreated); dataID(d) != k.ID || cut.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("the interrupted retry: %s", cut.body)
	}
	d, _ = f.st.CaseDetail(k.ID)
	if len(d.Comments) != 3 { // ravi's, lena's, and the interrupted one
		t.Fatalf("%d comments", len(d.Comments))
	}
}

// digestOf is requestDigest for a request the test did not send.
func digestOf(method, path, body string) string {
	r, _ := http.NewRequest(method, path, nil)
	return requestDigest(&call{r: r, body: []byte(body)})
}

func TestPagingWhileCasesAreDecided(t *testing.T) {
	f := newFixture(t, Options{})
	var ids []string
	for i := 0; i < 1000; i++ {
		c, err := f.st.CreateCase("lena", store.NewCase{Workflow: "default"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	// Decide cases, newest first, while a client pages through them all.
	stop, started := make(chan struct{}), make(chan struct{})
	decided := make(chan int)
	go func() {
		n := 0
		defer func() { decided <- n }()
		defer close(started)
		for i := len(ids) - 1; i >= 0; i-- {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := f.st.SetStatus(store.Target{Actor: "lena", Case: ids[i]}, store.StatusChange{Status: "Approved"}); err == nil {
				n++
			}
			if n == 50 {
				started <- struct{}{}
			}
		}
	}()
	<-started
	seen := map[string]bool{}
	var order []string
	next := "/api/v1/cases?page[size]=37"
	for next != "" {
		page := f.do("mia", "GET", next, "").want(t, http.StatusOK)
		for _, item := range page["data"].([]any) {
			id := item.(map[string]any)["id"].(string)
			if seen[id] {
				t.Fatalf("case %s listed twice", id)
			}
			seen[id] = true
			order = append(order, id)
		}
		link, _ := page["links"].(map[string]any)["next"].(string)
		next = link
	}
	close(stop)
	n := <-decided
	if len(seen) != len(ids) {
		t.Fatalf("listed %d of %d cases (%d decided meanwhile)", len(seen), len(ids), n)
	}
	for i, id := range order {
		if id != ids[len(ids)-1-i] {
			t.Fatalf("position %d is %s, want %s (newest first)", i, id, ids[len(ids)-1-i])
		}
	}
	t.Logf("%d cases decided while paging", n)
	// And back: page[before] from the last page's first case.
	back := f.do("mia", "GET", fmt.Sprintf("/api/v1/cases?page[size]=5&page[before]=%s", order[10]), "").want(t, http.StatusOK)
	var got []string
	for _, item := range back["data"].([]any) {
		got = append(got, item.(map[string]any)["id"].(string))
	}
	if !slices.Equal(got, order[5:10]) {
		t.Fatalf("page[before] gave %v, want %v", got, order[5:10])
	}
}

func TestListFilters(t *testing.T) {
	f := newFixture(t, Options{})
	a := f.mustCase("ravi")
	b := f.mustCase("mia")
	f.mustCase("")
	acct := &model.Object{ObjectRef: model.ObjectRef{Kind: model.KindAccount, Type: "account", ID: "act_9"}, Attributes: []byte(`{"reference-id":"ref-9"}`)}
	if _, err := f.st.Attach(store.Target{Actor: "lena", Case: b.ID}, acct); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.SetStatus(store.Target{Actor: "ravi", Case: a.ID}, store.StatusChange{Status: "Approved"}); err != nil {
		t.Fatal(err)
	}
	for query, want := range map[string]int{
		"":                                                 3,
		"filter[status]=approved":                          1,
		"filter[status]=resolved":                          1,
		"filter[status]=open":                              2,
		"filter[status]=Escalated":                         0,
		"filter[assignee-id]=mia@example.com":              1,
		"filter[assignee-id]=mia":                          1,
		"filter[assignee-id]=nobody":                       0,
		"filter[case-template-id]=default":                 3,
		"filter[case-template-id]=ctmpl_x":                 0,
		"filter[account-id]=act_9":                         1,
		"filter[account-id]=act_9&filter[status]=Approved": 0,
		"filter[reference-id]=ref-9":                       1,
		"filter[reference-id]=ref":                         0,
	} {
		page := f.do("lena", "GET", "/api/v1/cases?"+query, "").want(t, http.StatusOK)
		if n := len(page["data"].([]any)); n != want {
			t.Errorf("%q: %d cases, want %d", query, n, want)
		}
	}
}

// Retries that race each other still make one change, and all get the
// first reply.
func TestIdempotencyKeyUnderConcurrentRetries(t *testing.T) {
	f := newFixture(t, Options{})
	k := f.mustCase("ravi")
	path := "/api/v1/cases/" + k.ID + "/comments"
	body := `{"data":{"attributes":{"message":"raced"}}}`
	replies := make(chan response, 10)
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			replies <- f.do("ravi", "POST", path, body, "Idempotency-Key", "race-1")
		}()
	}
	wg.Wait()
	close(replies)
	var first string
	for r := range replies {
		r.want(t, http.StatusCreated)
		if first == "" {
			first = r.body
		} else if r.body != first {
			t.Fatalf("two different replies:\n%s\n%s", first, r.body)
		}
	}
	d, _ := f.st.CaseDetail(k.ID)
	if len(d.Comments) != 1 {
		t.Fatalf("%d comments from 10 retries", len(d.Comments))
	}
}

func TestSparseFieldsetsAndInclude(t *testing.T) {
	f := newFixture(t, Options{})
	k := f.mustCase("ravi")
	acct := &model.Object{ObjectRef: model.ObjectRef{Kind: model.KindAccount, Type: "account", ID: "act_1"}, Attributes: []byte(`{"reference-id":"r"}`)}
	if _, err := f.st.Attach(store.Target{Actor: "lena", Case: k.ID}, acct); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Comment(store.Target{Actor: "ravi", Case: k.ID}, "hello"); err != nil {
		t.Fatal(err)
	}
	doc := f.do("ravi", "GET", "/api/v1/cases/"+k.ID+"?fields[case]=status,name", "").want(t, http.StatusOK)
	attrs := doc["data"].(map[string]any)["attributes"].(map[string]any)
	if len(attrs) != 2 || attrs["status"] != "Open" || attrs["name"] != k.Name {
		t.Fatalf("sparse attributes %v", attrs)
	}
	included := func(doc map[string]any) []string {
		var types []string
		for _, r := range doc["included"].([]any) {
			types = append(types, r.(map[string]any)["type"].(string))
		}
		return types
	}
	// One case includes everything; include= narrows it; a list includes
	// only what it is asked to.
	if got := included(f.do("ravi", "GET", "/api/v1/cases/"+k.ID, "").want(t, 200)); len(got) != 2 {
		t.Fatalf("included %v", got)
	}
	if got := included(f.do("ravi", "GET", "/api/v1/cases/"+k.ID+"?include=accounts", "").want(t, 200)); !slices.Equal(got, []string{"account"}) {
		t.Fatalf("include=accounts: %v", got)
	}
	if got := included(f.do("ravi", "GET", "/api/v1/cases", "").want(t, 200)); len(got) != 0 {
		t.Fatalf("a list included %v", got)
	}
	if got := included(f.do("ravi", "GET", "/api/v1/cases?include=case-comments", "").want(t, 200)); !slices.Equal(got, []string{"case-comment"}) {
		t.Fatalf("a list with include=case-comments: %v", got)
	}
	f.do("ravi", "GET", "/api/v1/cases?include=friends", "").wantError(t, http.StatusBadRequest, "friends")
}
