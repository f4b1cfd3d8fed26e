package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"docket/model"
	"docket/store"
)

// fixture is a real store in a temporary file behind a real HTTP server on
// loopback, with a token for each of ada (admin), lena (lead), ravi and
// mia (reviewers).
type fixture struct {
	t      *testing.T
	st     *store.Store
	api    *Server
	srv    *httptest.Server
	tokens map[string]string
}

func newFixture(t *testing.T, opt Options) *fixture {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "docket.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Login("ada"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []model.User{
		{Name: "lena", Role: model.RoleLead, Email: "lena@example.com", Teams: []string{"team-1", "team-2"}},
		{Name: "ravi", Role: model.RoleReviewer, Email: "ravi@example.com", Teams: []string{"team-1"}},
		{Name: "mia", Role: model.RoleReviewer, Email: "mia@example.com", Teams: []string{"team-2"}},
	} {
		if err := st.AddUser("ada", u); err != nil {
			t.Fatal(err)
		}
	}
	f := &fixture{t: t, st: st, tokens: map[string]string{}}
	for _, name := range []string{"ada", "lena", "ravi", "mia"} {
		nt, err := st.CreateToken("ada", name, "tests", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		f.tokens[name] = nt.Token
	}
	f.api = New(st, opt)
	f.srv = httptest.NewServer(f.api)
	t.Cleanup(f.srv.Close)
	return f
}

// response is what a request got back.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends a request as user ("" for none) with a JSON body (if any) and
// header pairs.
func (f *fixture) do(user, method, path, body string, header ...string) response {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+f.tokens[user])
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(raw)}
}

// want checks the status and returns the body decoded.
func (r response) want(t *testing.T, status int) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	var out map[string]any
	if r.body != "" {
		if err := json.Unmarshal([]byte(r.body), &out); err != nil {
			t.Fatalf("the body is not JSON: %v\n%s", err, r.body)
		}
	}
	return out
}

// wantError checks an error answer: the status, Persona's error shape and
// a detail mentioning want.
func (r response) wantError(t *testing.T, status int, want string) {
	t.Helper()
	body := r.want(t, status)
	errs, _ := body["errors"].([]any)
	if len(errs) != 1 {
		t.Fatalf("errors %v", body)
	}
	item := errs[0].(map[string]any)
	text, _ := item["details"].(string)
	if status == http.StatusUnauthorized {
		text, _ = item["title"].(string)
	}
	if !strings.Contains(text, want) {
		t.Fatalf("error %v does not say %q", item, want)
	}
}

// attr reads data.attributes.name of a case document.
func attr(doc map[string]any, name string) any {
	data, _ := doc["data"].(map[string]any)
	attrs, _ := data["attributes"].(map[string]any)
	return attrs[name]
}

func dataID(doc map[string]any) string {
	data, _ := doc["data"].(map[string]any)
	id, _ := data["id"].(string)
	return id
}

// mustCase creates a case in the default workflow, assigned to assignee.
func (f *fixture) mustCase(assignee string) *model.Case {
	f.t.Helper()
	c, err := f.st.CreateCase("lena", store.NewCase{Workflow: "default", Assignee: assignee})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}
