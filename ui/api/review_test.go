package api

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// If-None-Match as clients send it (RFC 9110 13.1.2): a list of tags, weak
// ones (W/, compared weakly), or * for any current case.
func TestIfNoneMatchForms(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.mustCase("ravi").ID
	for header, want := range map[string]int{
		`"1"`:            http.StatusNotModified,
		`W/"1"`:          http.StatusNotModified,
		`"7", "1"`:       http.StatusNotModified,
		`"7",W/"1"`:      http.StatusNotModified,
		`*`:              http.StatusNotModified,
		`"2"`:            http.StatusOK,
		`"7", "8"`:       http.StatusOK,
		`1`:              http.StatusOK,
		`"1`:             http.StatusOK,
		`W/"2", "11"`:    http.StatusOK,
		`"1" garbage`:    http.StatusOK,
		`  "1"  ,  "2" `: http.StatusNotModified,
	} {
		r := f.do("ravi", "GET", "/api/v1/cases/"+id, "", "If-None-Match", header)
		if r.status != want {
			t.Errorf("If-None-Match %s: %d, want %d", header, r.status, want)
		}
		if r.header.Get("ETag") != `"1"` {
			t.Errorf("If-None-Match %s: ETag %q", header, r.header.Get("ETag"))
		}
	}
}

// A member given twice is refused, naming it: decoders disagree on which
// one counts (Go's keeps the last, many the first), so a proxy that
// checked one and docket that acted on the other would differ.
func TestDuplicateMembersRefused(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.mustCase("ravi").ID
	for body, pointer := range map[string]string{
		`{"meta":{"status":"Pending","status":"Open"}}`:        "/meta/status",
		`{"meta":{"comment":"x"},"meta":{"status":"Pending"}}`: "/meta",
	} {
		f.do("ravi", "POST", "/api/v1/cases/"+id+"/set-status", body).wantError(t, http.StatusBadRequest, pointer+": is given twice")
	}
	f.do("ravi", "PATCH", "/api/v1/cases/"+id, `{"data":{"attributes":{"fields":{"a":{"type":"string","value":"1"},"a":null}}}}`).
		wantError(t, http.StatusBadRequest, "/data/attributes/fields/a: is given twice")
	if c, _ := f.st.Case(id); c.Version != 1 {
		t.Fatalf("a refused request changed the case: version %d", c.Version)
	}
}

// set-tags without its list names the member Persona documents.
func TestSetTagsWithoutTheListNamesTagName(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.mustCase("ravi").ID
	f.do("ravi", "POST", "/api/v1/cases/"+id+"/set-tags", `{"meta":{}}`).wantError(t, http.StatusBadRequest, "/meta/tag-name: is required")
}

// 405 says which methods the path takes (RFC 9110 15.5.6).
func TestMethodNotAllowedSaysAllow(t *testing.T) {
	f := newFixture(t, Options{})
	id := f.mustCase("ravi").ID
	for path, allow := range map[string]string{
		"/api/v1/cases":                   "GET, POST",
		"/api/v1/cases/" + id:             "GET, PATCH, DELETE",
		"/api/v1/cases/" + id + "/assign": "POST",
	} {
		r := f.do("ravi", "PUT", path, "")
		r.wantError(t, http.StatusMethodNotAllowed, "does not take PUT")
		if got := r.header.Get("Allow"); got != allow {
			t.Errorf("PUT %s: Allow %q, want %q", path, got, allow)
		}
	}
}

// The log line of a request is bounded whatever its path: the path comes
// before any token is checked.
func TestLogLineBounded(t *testing.T) {
	var log bytes.Buffer
	f := newFixture(t, Options{Log: slog.New(slog.NewTextHandler(&log, nil))})
	f.do("", "GET", "/api/v1/cases/"+strings.Repeat("A", 64<<10), "").wantError(t, http.StatusUnauthorized, "send an API token")
	line := strings.TrimSpace(log.String())
	if len(line) > 512 || !strings.Contains(line, "path=/api/v1/cases/AAAA") || !strings.Contains(line, "status=401") {
		t.Fatalf("a %d-byte line: %.300q", len(line), line)
	}
}
