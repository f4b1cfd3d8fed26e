package conform

import (
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const goodCase = `{"data":{"type":"case","id":"case_1","attributes":{"status":"Open","name":"KYC-1",
 "resolution":null,"created-at":"2026-01-02T03:04:05Z","tags":[],"fields":{}},
 "relationships":{"case-template":{"data":{"type":"case-template","id":"ctmpl_1"}},
 "inquiries":{"data":[{"type":"inquiry","id":"inq_1"}]}}},
 "included":[{"type":"inquiry","id":"inq_1","attributes":{"status":"approved",
  "fields":{"name-first":{"type":"string","value":"Amara"}}}}]}`

func TestAValidCaseDocumentConforms(t *testing.T) {
	s := Load(t).Response("/cases/{case-id}", "GET", 200)
	if err := s.Validate([]byte(goodCase)); err != nil {
		t.Fatal(err)
	}
}

// failuresOf validates doc and returns "pointer: message" lines.
func failuresOf(t *testing.T, s *Schema, doc string) []Failure {
	t.Helper()
	err := s.Validate([]byte(doc))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("want a conformance error, got %v", err)
	}
	if !strings.Contains(e.Error(), s.Name()) {
		t.Errorf("the error does not name the schema %q: %v", s.Name(), e)
	}
	return e.Failures
}

func wantPointers(t *testing.T, got []Failure, want ...string) {
	t.Helper()
	var ptrs []string
	for _, f := range got {
		ptrs = append(ptrs, f.Pointer)
	}
	if strings.Join(ptrs, " ") != strings.Join(want, " ") {
		t.Fatalf("failures at %q, want %q: %+v", ptrs, want, got)
	}
}

func TestFailuresNameTheMemberThatIsWrong(t *testing.T) {
	s := Load(t).Response("/cases/{case-id}", "GET", 200)
	bad := strings.Replace(goodCase, `"id":"case_1",`, `"id":"case_1","meta":{"docket-workflow":"kyc"},`, 1)
	bad = strings.Replace(bad, `{"data":{"type":"case-template","id":"ctmpl_1"}}`, `{"data":null}`, 1)
	bad = strings.Replace(bad, `"status":"approved",`, `"status":"approved","address-country-code":"DE",`, 1)
	got := failuresOf(t, s, bad)
	wantPointers(t, got, "/data/meta", "/data/relationships/case-template/data", "/included/0/attributes/address-country-code")
	if !strings.Contains(got[0].Message, "not allowed") || !strings.Contains(got[1].Message, "want object") {
		t.Errorf("messages do not say why: %+v", got)
	}
}

func TestAnIncludedObjectIsJudgedByItsOwnType(t *testing.T) {
	s := Load(t).Response("/cases/{case-id}", "GET", 200)
	doc := `{"data":{"type":"case","id":"c"},"included":[
	 {"type":"report/watchlist","id":"rep_1","attributes":{"matched-lists":[{"name":"OFAC","match-score":90}]}},
	 {"type":"report/unknown","id":"rep_2"}]}`
	got := failuresOf(t, s, doc)
	// Only the watchlist branch is followed for rep_1: its stray member is
	// named, not the 33 other types it is not.
	wantPointers(t, got, "/included/0/attributes/matched-lists/0/match-score", "/included/1")
	if !strings.Contains(got[1].Message, `"type"`) {
		t.Errorf("an unknown type should be said to be one: %+v", got[1])
	}
}

func TestComponents(t *testing.T) {
	s := Load(t)
	if err := s.Component("case-comment").Validate([]byte(`{"type":"case-comment","id":"cmt_1","attributes":{"message":"hi","commenter-id":"a@b.c","commenter-type":"user","created-at":"2026-01-02T03:04:05Z"}}`)); err != nil {
		t.Fatal(err)
	}
	got := failuresOf(t, s.Component("case-comment"), `{"type":"case-comment","id":"cmt_1","attributes":{"body":"hi","created-at":"yesterday"}}`)
	wantPointers(t, got, "/attributes/body", "/attributes/created-at")
}

func TestErrorResponses(t *testing.T) {
	s := Load(t)
	notFound := `{"errors":[{"title":"Not Found","details":"no case KYC-9"}]}`
	for _, tc := range []struct {
		path, method string
		status       int
		body         string
		bad          []string // pointers that must fail; none: it conforms
	}{
		{"/cases/{case-id}", "GET", 404, notFound, nil},
		{"/cases/{case-id}", "get", 404, `{"errors":[{"status":"404","title":"Not Found","detail":"x"}]}`, []string{"/errors/0/detail", "/errors/0/status"}},
		{"/cases/{case-id}", "GET", 401, `{"errors":[{"title":"Unauthorized"}]}`, nil},
		{"/cases/{case-id}", "GET", 401, `{"errors":[{"title":"Unauthorized","details":"bad token"}]}`, []string{"/errors/0/details"}},
		{"/cases/{case-id}/set-status", "POST", 422, `{"errors":[{"title":"Refused","details":"needs a comment","source":{"pointer":"/meta/comment"}}]}`, nil},
		{"/cases/{case-id}/set-status", "POST", 409, `{"errors":[{"title":"Conflict","source":{"pointer":"/meta"}}]}`, []string{"/errors/0/source"}},
		// Not listed for these paths: checked against the nearest shape.
		{"/cases/{case-id}", "PATCH", 412, `{"errors":[{"title":"Precondition Failed","details":"changed by bob"}]}`, nil},
		{"/cases", "POST", 413, `{"errors":[{"title":"Payload Too Large","details":"over 4 MB"}]}`, nil},
		{"/cases", "POST", 415, `{"errors":[{"title":"Unsupported Media Type","details":"want JSON"}],"meta":{}}`, []string{"/meta"}},
		{"/cases/{case-id}", "GET", 409, `{"errors":[{"title":"Conflict","details":"x"}]}`, nil},
	} {
		sch := s.Response(tc.path, tc.method, tc.status)
		if tc.bad == nil {
			if err := sch.Validate([]byte(tc.body)); err != nil {
				t.Errorf("%s: %v", sch.Name(), err)
			}
			continue
		}
		wantPointers(t, failuresOf(t, sch, tc.body), tc.bad...)
	}
}

func TestNotJSONIsAnError(t *testing.T) {
	err := Load(t).Component("case").Validate([]byte(`{"type":`))
	if err == nil || !strings.Contains(err.Error(), "not JSON") {
		t.Fatalf("got %v", err)
	}
}

// fatal records what a schema lookup would fail a test with.
type fatal struct {
	testing.TB
	msg string
}

func (f *fatal) Helper() {}
func (f *fatal) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func fatalOf(t *testing.T, fn func(s *Schemas)) string {
	f := &fatal{TB: t}
	s := Load(t)
	s.t = f
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(s)
	}()
	<-done
	return f.msg
}

func TestAnUnknownSchemaFailsTheTest(t *testing.T) {
	for want, fn := range map[string]func(s *Schemas){
		"no operation DELETE /cases (paths: /cases, ": func(s *Schemas) { s.Response("/cases", "DELETE", 200) },
		"lists no response 418":                       func(s *Schemas) { s.Response("/cases", "GET", 418) },
		"no schema components/schemas/nope":           func(s *Schemas) { s.Component("nope") },
		`no webhook "case.nope"`:                      func(s *Schemas) { s.Webhook("case.nope") },
	} {
		if got := fatalOf(t, fn); !strings.Contains(got, want) {
			t.Errorf("got %q, want it to say %q", got, want)
		}
	}
}

func TestWebhookEvents(t *testing.T) {
	s := Load(t).Webhook("inquiry.approved")
	ok := `{"data":{"type":"event","id":"evt_1","attributes":{"name":"inquiry.approved","created-at":"2026-01-02T03:04:05Z",
	 "payload":{"data":{"type":"inquiry","id":"inq_1","attributes":{"status":"approved"}}}}}}`
	if err := s.Validate([]byte(ok)); err != nil {
		t.Fatal(err)
	}
	wantPointers(t, failuresOf(t, s, strings.Replace(ok, `"inquiry.approved"`, `"inquiry.declined"`, 1)), "/data/attributes/name")
}

// TestOnlyTestsImportThisPackage keeps the validator and its dependency
// out of the program.
func TestOnlyTestsImportThisPackage(t *testing.T) {
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if imp.Path.Value == `"docket/store/persona/conform"` {
				t.Errorf("%s imports the conformance validator; only _test.go files may", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRequests(t *testing.T) {
	s := Load(t).Request("/cases/{case-id}/set-status", "POST")
	if err := s.Validate([]byte(`{"meta":{"status":"Approved"}}`)); err != nil {
		t.Fatal(err)
	}
	wantPointers(t, failuresOf(t, s, `{"meta":{"status":"Approved","reason":"fraud"}}`), "/meta/reason")
}
