package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"docket/store"
	"docket/store/demo"
	"docket/store/persona/conform"
)

// The conformance test: every endpoint's answers, successes and errors,
// validate against Persona's published schema for that endpoint, case by
// case on the demo database (every object kind it makes). remove-objects
// and comments are docket's own: remove-objects is checked as GET
// /cases/{case-id} answers, a new comment as POST /cases does.
func TestResponsesConformToPersonasSchemas(t *testing.T) {
	schemas := conform.Load(t)
	path := filepath.Join(t.TempDir(), "demo.db")
	if _, err := demo.Generate(path, demo.Options{Cases: 120, Seed: 3, Now: time.Now(), OSUser: "me"}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lead, err := st.CreateToken(demo.Admin, "me", "conformance", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	reviewer := ""
	users, _ := st.Users()
	for _, u := range users {
		if u.Role == "reviewer" {
			nt, err := st.CreateToken(demo.Admin, u.Name, "", time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			reviewer = nt.Token
			break
		}
	}
	srv := httptest.NewServer(New(st, Options{MaxBody: 1 << 20}))
	defer srv.Close()

	check := func(token, method, url, body, specPath, specMethod string, want int, header ...string) []byte {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+url, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var raw json.RawMessage
		if err := json.NewDecoder(res.Body).Decode(&raw); err != nil {
			t.Fatalf("%s %s: the body is not JSON: %v", method, url, err)
		}
		if res.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, url, res.StatusCode, want, raw)
		}
		if err := schemas.Response(specPath, specMethod, want).Validate(raw); err != nil {
			t.Fatalf("%s %s (%d) does not conform to %s %s: %v\n%s", method, url, want, specMethod, specPath, err, raw)
		}
		return raw
	}
	const one = "/cases/{case-id}"

	// Every page of the list, with every relationship included, and every
	// case on its own.
	var ids []string
	next := "/api/v1/cases?page[size]=50&include=inquiries,accounts,reports,verifications,txns,case-comments"
	for next != "" {
		raw := check(lead.Token, "GET", next, "", "/cases", "get", 200)
		var page struct {
			Data  []struct{ ID string }
			Links struct{ Next *string }
		}
		json.Unmarshal(raw, &page)
		for _, d := range page.Data {
			ids = append(ids, d.ID)
		}
		next = ""
		if page.Links.Next != nil {
			next = *page.Links.Next
		}
	}
	if len(ids) != 120 {
		t.Fatalf("listed %d cases", len(ids))
	}
	for _, id := range ids {
		check(lead.Token, "GET", "/api/v1/cases/"+id, "", one, "get", 200)
	}
	check(lead.Token, "GET", "/api/v1/cases?filter[status]=resolved", "", "/cases", "get", 200)

	// Every write, on a fresh case.
	created := check(lead.Token, "POST", "/api/v1/cases", `{"data":{"attributes":{"case-template-id":"default","fields":{"a":{"type":"string","value":"b"}}}}}`, "/cases", "post", 201)
	var doc struct{ Data struct{ ID string } }
	json.Unmarshal(created, &doc)
	id := doc.Data.ID
	var object string
	if c, err := st.Case(ids[0]); err == nil && len(c.Objects) > 0 {
		object = c.Objects[0].ID
	}
	base := "/api/v1/cases/" + id
	for _, w := range []struct{ method, url, body, spec, specMethod string }{
		{"PATCH", base, `{"data":{"attributes":{"fields":{"a":null}}},"meta":{"sla-expires-in-seconds":600}}`, one, "patch"},
		{"POST", base + "/assign", `{"meta":{"user-email-address":"me"}}`, one + "/assign", "post"},
		{"POST", base + "/add-tag", `{"meta":{"tag-name":"vip"}}`, one + "/add-tag", "post"},
		{"POST", base + "/remove-tag", `{"meta":{"tag-name":"vip"}}`, one + "/remove-tag", "post"},
		{"POST", base + "/set-tags", `{"meta":{"tag-name":["x","y"]}}`, one + "/set-tags", "post"},
		{"POST", base + "/add-objects", `{"meta":{"object-ids":["` + object + `"]}}`, one + "/add-objects", "post"},
		{"POST", base + "/remove-objects", `{"meta":{"object-ids":["` + object + `"]}}`, one, "get"},
		{"POST", base + "/set-status", `{"meta":{"status":"resolved","resolution":"Approved"}}`, one + "/set-status", "post"},
		{"DELETE", base, ``, one, "delete"},
	} {
		check(lead.Token, w.method, w.url, w.body, w.spec, w.specMethod, 200)
	}
	check(lead.Token, "POST", "/api/v1/cases/"+ids[1]+"/comments", `{"data":{"attributes":{"message":"hi"}}}`, "/cases", "post", 201) // a new thing: answered as POST /cases answers

	// Every error code, in Persona's error shapes.
	other := ids[2]
	for _, e := range []struct {
		token, method, url, body, spec, specMethod string
		status                                     int
		header                                     []string
	}{
		{"", "GET", "/api/v1/cases", "", "/cases", "get", 401, nil},
		{"dkt_x_y", "GET", "/api/v1/cases/" + other, "", one, "get", 401, nil},
		{lead.Token, "GET", "/api/v1/cases?page[size]=0", "", "/cases", "get", 400, nil},
		{lead.Token, "GET", "/api/v1/cases/case_missing", "", one, "get", 404, nil},
		{reviewer, "DELETE", "/api/v1/cases/" + other, "", one, "delete", 403, nil},
		{lead.Token, "POST", "/api/v1/cases/" + other + "/set-status", `{"meta":{"status":"Nowhere"}}`, one + "/set-status", "post", 422, nil},
		{lead.Token, "POST", "/api/v1/cases/" + other + "/set-status", `{"meta":{}}`, one + "/set-status", "post", 400, nil},
		{lead.Token, "POST", "/api/v1/cases/" + other + "/add-tag", `{"meta":{"tag-name":"z"}}`, one + "/add-tag", "post", 412, []string{"If-Match", `"1"`}},
		{lead.Token, "POST", "/api/v1/cases", `{"data":{"attributes":{"case-template-id":"nope"}}}`, "/cases", "post", 422, nil},
		{lead.Token, "PATCH", "/api/v1/cases/" + other, `{"data":{"attributes":{"fields":{"x":"` + strings.Repeat("y", 2<<20) + `"}}}}`, one, "patch", 413, nil},
		{lead.Token, "POST", "/api/v1/cases/" + other + "/assign", `x`, one + "/assign", "post", 415, []string{"Content-Type", "text/plain"}},
	} {
		t.Run(fmt.Sprintf("%d %s %s", e.status, e.method, e.spec), func(t *testing.T) {
			check(e.token, e.method, e.url, e.body, e.spec, e.specMethod, e.status, e.header...)
		})
	}
}
