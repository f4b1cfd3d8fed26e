package api

import (
	"net/http"
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
