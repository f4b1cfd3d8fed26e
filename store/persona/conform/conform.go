// Package conform checks documents against Persona's published OpenAPI
// description of its case endpoints (testdata/persona-cases-api.json, an
// OpenAPI 3.1 file whose schemas are JSON Schema 2020-12). It is for tests
// only: import it from _test.go files, never from the program.
//
//	s := conform.Load(t)
//	err := s.Response("/cases/{case-id}", "GET", 200).Validate(body)
//
// Component, Request and Webhook give the other schemas it holds.
// An error names the JSON pointer of each value that failed and why.
package conform

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

var english = message.NewPrinter(language.English)

// File is where the reference lives, relative to the module root.
const File = "testdata/persona-cases-api.json"

// docURL is the name the reference is compiled under; schema locations are
// fragments of it.
const docURL = "persona-cases-api.json"

// Schemas is the loaded reference, bound to the test that asked for it so
// that a schema it does not have fails that test.
type Schemas struct {
	t testing.TB
	*reference
}

// reference is compiled once per test binary and shared.
type reference struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
	mu       sync.Mutex
	compiled map[string]*jsonschema.Schema
}

var (
	loadOnce sync.Once
	loaded   *reference
	loadErr  error
)

// Load reads the reference from the module's testdata, found by walking up
// from the working directory to go.mod. It fails t if it cannot.
func Load(t testing.TB) *Schemas {
	t.Helper()
	loadOnce.Do(func() { loaded, loadErr = load() })
	if loadErr != nil {
		t.Fatalf("conform: %v", loadErr)
	}
	return &Schemas{t: t, reference: loaded}
}

func load() (*reference, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(filepath.Join(root, File))
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", File, err)
	}
	m, ok := doc.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: not a JSON object", File)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat() // date-time values must be RFC 3339, as Persona writes them
	if err := c.AddResource(docURL, m); err != nil {
		return nil, fmt.Errorf("%s: %w", File, err)
	}
	return &reference{doc: m, compiler: c, compiled: map[string]*jsonschema.Schema{}}, nil
}

// moduleRoot is the nearest directory at or above the working directory
// that holds go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = up
	}
}

// Schema is one compiled schema of the reference.
type Schema struct {
	name string // where it is, for messages: "GET /cases/{case-id} 200"
	sch  *jsonschema.Schema
}

// Name says which schema this is.
func (s *Schema) Name() string { return s.name }

// Component is the schema components/schemas/NAME ("case", "inquiry",
// "report-watchlist", ...).
func (s *Schemas) Component(name string) *Schema {
	s.t.Helper()
	if _, ok := dig(s.doc, "components", "schemas", name).(map[string]any); !ok {
		s.t.Fatalf("conform: the reference has no schema components/schemas/%s", name)
	}
	return s.compile("component "+name, "/components/schemas/"+escape(name))
}

// Response is the schema of the body an endpoint answers with status, for
// path as the reference writes it ("/cases/{case-id}") and method
// ("GET", "post", ...). A status the reference does not list for the path
// is checked against the nearest error shape it does define (see
// errorFallback); an unknown path or method fails the test.
func (s *Schemas) Response(path, method string, status int) *Schema {
	s.t.Helper()
	method = strings.ToLower(method)
	op, ok := dig(s.doc, "paths", path, method).(map[string]any)
	if !ok {
		s.t.Fatalf("conform: the reference has no operation %s %s (paths: %s)", strings.ToUpper(method), path, strings.Join(s.paths(), ", "))
	}
	name := fmt.Sprintf("%s %s %d", strings.ToUpper(method), path, status)
	code := strconv.Itoa(status)
	if resp, ok := dig(op, "responses", code).(map[string]any); ok {
		ptr := "/paths/" + escape(path) + "/" + method + "/responses/" + code
		if ref, ok := resp["$ref"].(string); ok {
			ptr = strings.TrimPrefix(ref, "#")
			resp, _ = dig(s.doc, refPath(ref)...).(map[string]any)
		}
		if _, ok := dig(resp, "content", "application/json", "schema").(map[string]any); !ok {
			s.t.Fatalf("conform: %s has no application/json body in the reference", name)
		}
		return s.compile(name, ptr+"/content/application~1json/schema")
	}
	fallback, ok := errorFallback[status]
	if !ok {
		s.t.Fatalf("conform: the reference lists no response %d for %s %s and docket has no stand-in for it", status, strings.ToUpper(method), path)
	}
	return s.compile(name+" (as "+fallback+")", "/components/responses/"+fallback+"/content/application~1json/schema")
}

// Request is the schema of the JSON body an endpoint takes, as Persona
// publishes it (docket's own additions, such as set-status's meta.reason,
// are not in it).
func (s *Schemas) Request(path, method string) *Schema {
	s.t.Helper()
	method = strings.ToLower(method)
	if _, ok := dig(s.doc, "paths", path, method, "requestBody", "content", "application/json", "schema").(map[string]any); !ok {
		s.t.Fatalf("conform: the reference has no JSON request body for %s %s", strings.ToUpper(method), path)
	}
	return s.compile(fmt.Sprintf("request %s %s", strings.ToUpper(method), path),
		"/paths/"+escape(path)+"/"+method+"/requestBody/content/application~1json/schema")
}

// errorFallback is the error shape a status is checked against where the
// reference does not list it for a path. Persona's error bodies are all
// {"errors":[{"title","details"}]} (422 adds source.pointer, 401 only has
// title), so the nearest named shape is chosen by meaning: a failed
// precondition is a conflict with the case's current state; an oversized
// or unsupported body is a bad request; 500 and 503 are the service
// being unavailable. 409, 422 and 429 stand for themselves on the paths
// that lack them.
var errorFallback = map[int]string{
	400: "bad-request",
	401: "unauthorized",
	403: "forbidden",
	404: "not-found",
	409: "conflict",
	412: "conflict",
	413: "bad-request",
	415: "bad-request",
	422: "unprocessable-entity",
	429: "too-many-requests",
	500: "service-unavailable",
	503: "service-unavailable",
}

// Webhook is the schema of the body of a webhook event the reference
// describes ("inquiry.approved", ...).
func (s *Schemas) Webhook(event string) *Schema {
	s.t.Helper()
	ptr := "/webhooks/" + escape(event) + "/post/requestBody/content/application~1json/schema"
	if _, ok := dig(s.doc, "webhooks", event, "post", "requestBody", "content", "application/json", "schema").(map[string]any); !ok {
		s.t.Fatalf("conform: the reference describes no webhook %q", event)
	}
	return s.compile("webhook "+event, ptr)
}

func (s *Schemas) compile(name, ptr string) *Schema {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	sch, ok := s.compiled[ptr]
	if !ok {
		var err error
		if sch, err = s.compiler.Compile(docURL + "#" + ptr); err != nil {
			s.t.Fatalf("conform: compile %s: %v", name, err)
		}
		s.compiled[ptr] = sch
	}
	return &Schema{name: name, sch: sch}
}

func (s *Schemas) paths() []string {
	paths, _ := s.doc["paths"].(map[string]any)
	var out []string
	for p := range paths {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// Validate checks one JSON document. The error lists each value that
// failed, by JSON pointer, with what the schema wanted.
func (s *Schema) Validate(doc []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("%s: not JSON: %w", s.name, err)
	}
	err = s.sch.Validate(v)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	return &Error{Schema: s.name, Failures: failures(ve)}
}

// Error is a document that does not conform.
type Error struct {
	Schema   string
	Failures []Failure
}

// Failure is one value that failed: where (a JSON pointer into the
// document, "" for the whole of it) and why.
type Failure struct {
	Pointer string
	Message string

	unevaluated bool // refused by unevaluatedProperties (see dropEchoes)
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "does not conform to %s:", e.Schema)
	for _, f := range e.Failures {
		ptr := f.Pointer
		if ptr == "" {
			ptr = "(the document)"
		}
		fmt.Fprintf(&b, "\n  %s: %s", ptr, f.Message)
	}
	return b.String()
}

// failures flattens the validator's tree of errors to the leaves a person
// acts on. Where a oneOf fails (Persona's included objects are a oneOf
// over every object type), only the branches whose "type" matched are
// followed: the others fail only because the type differs, which is noise.
func failures(e *jsonschema.ValidationError) []Failure {
	var out []Failure
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		causes := e.Causes
		if _, ok := e.ErrorKind.(*kind.OneOf); ok && len(causes) > 0 {
			if causes = sameType(causes); len(causes) == 0 {
				out = append(out, Failure{Pointer: pointer(e.InstanceLocation), Message: "its \"type\" is none of those allowed here (" + keywordOf(e.SchemaURL) + ")"})
				return
			}
		}
		if len(causes) == 0 {
			out = append(out, leaves(e)...)
			return
		}
		for _, c := range causes {
			walk(c)
		}
	}
	walk(e)
	out = dropEchoes(out)
	slices.SortStableFunc(out, func(a, b Failure) int { return strings.Compare(a.Pointer, b.Pointer) })
	return out
}

// sameType keeps the branches of a failed oneOf that did not fail on the
// object's "type".
func sameType(branches []*jsonschema.ValidationError) []*jsonschema.ValidationError {
	var kept []*jsonschema.ValidationError
	for _, b := range branches {
		if !failsOnType(b, len(b.InstanceLocation)) {
			kept = append(kept, b)
		}
	}
	return kept
}

// failsOnType reports whether a branch failed on the "type" member of the
// value at depth.
func failsOnType(e *jsonschema.ValidationError, depth int) bool {
	loc := e.InstanceLocation
	if len(loc) == depth+1 && loc[depth] == "type" {
		return true
	}
	for _, c := range e.Causes {
		if failsOnType(c, depth) {
			return true
		}
	}
	return false
}

// notAllowed is how a member the schema does not allow is worded, whether
// additionalProperties or unevaluatedProperties refused it.
const notAllowed = "not allowed here"

// leaves words one failure. A member that is not allowed is named by its
// own pointer, so the message says exactly which member to drop.
func leaves(e *jsonschema.ValidationError) []Failure {
	ptr := pointer(e.InstanceLocation)
	where := ""
	if kw := keywordOf(e.SchemaURL); kw != "" {
		where = " (" + kw + ")"
	}
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		var out []Failure
		for _, p := range k.Properties {
			out = append(out, Failure{Pointer: ptr + "/" + escape(p), Message: notAllowed + where})
		}
		return out
	case *kind.FalseSchema:
		return []Failure{{ptr, notAllowed + where, strings.HasSuffix(where, "/unevaluatedProperties)")}}
	}
	return []Failure{{Pointer: ptr, Message: e.ErrorKind.LocalizedString(english) + where}}
}

// dropEchoes drops the members refused as unevaluated only because
// something else in their object failed: a failing allOf branch leaves
// every member it names unevaluated, so each would be refused too, and
// the other failure is what to fix. (A stray member beside a real
// failure shows up once that is fixed.)
func dropEchoes(fs []Failure) []Failure {
	var out []Failure
	for _, f := range fs {
		parent := f.Pointer[:strings.LastIndexByte(f.Pointer, '/')+1]
		echo := f.unevaluated && slices.ContainsFunc(fs, func(g Failure) bool {
			return !g.unevaluated && strings.HasPrefix(g.Pointer, parent)
		})
		if !echo {
			out = append(out, f)
		}
	}
	return out
}

// keywordOf is the schema location a failure comes from, shortened to the
// part within the reference.
func keywordOf(url string) string {
	_, frag, ok := strings.Cut(url, "#")
	if !ok {
		return ""
	}
	return "#" + frag
}

// pointer is a JSON pointer: "" is the whole document.
func pointer(loc []string) string {
	var b strings.Builder
	for _, p := range loc {
		b.WriteString("/" + escape(p))
	}
	return b.String()
}

// escape writes a JSON pointer token.
func escape(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// dig walks nested objects by key.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// refPath splits a local $ref ("#/components/responses/not-found") into
// its keys.
func refPath(ref string) []string {
	parts := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
	for i, p := range parts {
		parts[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(p)
	}
	return parts
}
