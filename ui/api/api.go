// Package api serves docket's HTTP API: Persona's case endpoints under
// /api/v1, answered from the store's operations and rules, so code written
// for Persona's API works against docket with a base-URL change. Every
// request acts as the user its bearer token names; nothing here decides
// what a user may do.
package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"docket/model"
	"docket/store"
	"docket/store/persona"
)

// Options tune the API. The zero value serves with no rate limit.
type Options struct {
	// Log hears one line per request (method, path, status, user, time);
	// never case data. Nil: discard.
	Log *slog.Logger
	// Rate is how many requests a second one token may make, on average;
	// Burst how many at once. 0: no limit.
	Rate  float64
	Burst int
	// MaxBody bounds a request body; 0: the store's per-case limit plus
	// room for the document around it.
	MaxBody int64
	// Webhooks, when set, answers POST /webhooks/persona (it checks its
	// own signatures, not tokens).
	Webhooks http.Handler
	// Now is the clock for rate limits; nil: time.Now.
	Now func() time.Time
}

// Server is the API's http.Handler.
type Server struct {
	st      *store.Store
	opt     Options
	mux     *http.ServeMux
	limits  *limiter
	pending sync.Map // user \0 Idempotency-Key -> chan struct{}, closed when answered
	// waitFirst is how long a retry waits for the first request with its
	// key to answer.
	waitFirst time.Duration
}

// New makes the API over st.
func New(st *store.Store, opt Options) *Server {
	if opt.Log == nil {
		opt.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.MaxBody <= 0 {
		opt.MaxBody = int64(st.CommentLimit()) + 64<<10
	}
	s := &Server{st: st, opt: opt, mux: http.NewServeMux(), limits: newLimiter(opt.Rate, opt.Burst, opt.Now), waitFirst: waitForFirst}
	s.routes()
	return s
}

func (s *Server) routes() {
	const base = "/api/v1/cases"
	s.handle("GET "+base, s.listCases)
	s.handle("POST "+base, s.idempotent(s.createCase))
	s.handle("GET "+base+"/{id}", s.getCase)
	s.handle("PATCH "+base+"/{id}", s.idempotent(s.updateCase))
	s.handle("DELETE "+base+"/{id}", s.redactCase)
	s.handle("POST "+base+"/{id}/set-status", s.idempotent(s.setStatus))
	s.handle("POST "+base+"/{id}/assign", s.idempotent(s.assign))
	s.handle("POST "+base+"/{id}/add-objects", s.idempotent(s.addObjects))
	s.handle("POST "+base+"/{id}/remove-objects", s.idempotent(s.removeObjects))
	s.handle("POST "+base+"/{id}/add-tag", s.idempotent(s.addTag))
	s.handle("POST "+base+"/{id}/remove-tag", s.idempotent(s.removeTag))
	s.handle("POST "+base+"/{id}/set-tags", s.idempotent(s.setTags))
	s.handle("POST "+base+"/{id}/comments", s.idempotent(s.comment))
	if s.opt.Webhooks != nil {
		s.mux.Handle("POST /webhooks/persona", s.opt.Webhooks)
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		c := &call{r: r, docket: wantsDocket(r)}
		s.send(w, c, s.unrouted(r))
	})
}

// unrouted says why no endpoint answers: an unknown path, or a method the
// path does not take.
func (s *Server) unrouted(r *http.Request) reply {
	probe := r.Clone(r.Context())
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete} {
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/" {
			allowed = append(allowed, m)
		}
	}
	if len(allowed) > 0 {
		rep := fail(http.StatusMethodNotAllowed, "Method Not Allowed", "", "%s does not take %s (it takes %s)", r.URL.Path, r.Method, strings.Join(allowed, ", "))
		rep.allow = strings.Join(allowed, ", ")
		return rep
	}
	return fail(http.StatusNotFound, "Not Found", "", "no endpoint %s %s; the case endpoints are under /api/v1/cases", r.Method, r.URL.Path)
}

// call is one authenticated request as a handler sees it.
type call struct {
	r        *http.Request
	user     model.User
	token    model.APIToken
	body     []byte
	docket   bool            // ?docket=1: docket's extension members
	encoding persona.Options // how documents are written: the extension, what is included
	fields   []string        // the case attributes to answer with (nil: all)
	request  *store.Request  // the Idempotency-Key, on writes that carry one
}

// reply is a handler's answer, written by send.
type reply struct {
	status   int
	body     []byte
	etag     string
	location string
	allow    string // 405: the methods the path takes
	replayed bool
	err      *apiError
}

type handler func(c *call) reply

// handle serves pattern with h behind authentication, the rate limit and
// the body checks.
func (s *Server) handle(pattern string, h handler) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c := &call{r: r, docket: wantsDocket(r)}
		c.encoding.Docket = c.docket
		s.send(w, c, s.serve(c, h))
	})
}

func (s *Server) serve(c *call, h handler) reply {
	if rep, ok := s.authenticate(c); !ok {
		return rep
	}
	if wait, ok := s.limits.allow(c.token.ID); !ok {
		rep := fail(http.StatusTooManyRequests, "Too Many Requests", "", "this token made more than %g requests a second; retry after %s", s.opt.Rate, wait)
		rep.err.retryAfter = wait
		return rep
	}
	if rep, ok := s.readBody(c); !ok {
		return rep
	}
	if rep, ok := readInclude(c); !ok {
		return rep
	}
	readFields(c)
	return h(c)
}

// authenticate finds the user of the request's bearer token.
func (s *Server) authenticate(c *call) (reply, bool) {
	auth := c.r.Header.Get("Authorization")
	scheme, token, _ := strings.Cut(auth, " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return fail(http.StatusUnauthorized, "Unauthorized", "", "send an API token: Authorization: Bearer dkt_… (docket user token create NAME makes one)"), false
	}
	u, t, err := s.st.UserByToken(strings.TrimSpace(token))
	if err != nil {
		if errors.Is(err, model.ErrNotFound) {
			return fail(http.StatusUnauthorized, "Unauthorized", "", "%v", err), false
		}
		return s.storeError(c, err), false
	}
	c.user, c.token = u, t
	return reply{}, true
}

// readBody reads a write's body whole, within the limit and of a JSON
// media type.
func (s *Server) readBody(c *call) (reply, bool) {
	r := c.r
	if r.Method == http.MethodGet || r.Method == http.MethodDelete {
		return reply{}, true
	}
	if r.ContentLength > s.opt.MaxBody {
		return tooLarge(r.ContentLength, s.opt.MaxBody), false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, s.opt.MaxBody+1))
	if err != nil {
		return fail(http.StatusBadRequest, "Bad Request", "", "the body could not be read: %v", err), false
	}
	if int64(len(body)) > s.opt.MaxBody {
		return tooLarge(int64(len(body)), s.opt.MaxBody), false
	}
	if len(bytes.TrimSpace(body)) > 0 && !jsonMediaType(r.Header.Get("Content-Type")) {
		return fail(http.StatusUnsupportedMediaType, "Unsupported Media Type", "",
			"the body is %q; send application/json (or application/vnd.api+json)", r.Header.Get("Content-Type")), false
	}
	c.body = body
	return reply{}, true
}

func tooLarge(n, limit int64) reply {
	return fail(http.StatusRequestEntityTooLarge, "Payload Too Large", "",
		"the body is %s, over the limit of %s", model.ByteSize(n), model.ByteSize(limit))
}

func jsonMediaType(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "application/json" || mt == "application/vnd.api+json"
}

// readInclude reads Persona's include parameter: the relationships whose
// resources a document includes (all, on one case, when not given).
func readInclude(c *call) (reply, bool) {
	q := c.r.URL.Query()
	if !q.Has("include") {
		return reply{}, true
	}
	c.encoding.Include = []string{}
	for _, rel := range strings.Split(q.Get("include"), ",") {
		rel = strings.TrimSpace(rel)
		switch {
		case rel == "":
		case slices.Contains(persona.Relationships, rel):
			c.encoding.Include = append(c.encoding.Include, rel)
		default:
			return badRequest("", "include: %q is not a relationship of a case (%s)", rel, strings.Join(persona.Relationships, ", ")), false
		}
	}
	return reply{}, true
}

// wantsDocket reports whether the request asks for docket's extension.
func wantsDocket(r *http.Request) bool {
	v := r.URL.Query().Get("docket")
	return v == "1" || v == "true"
}

// ServeHTTP logs each request and turns a panic into a 500 that names
// nothing of the case.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		if p := recover(); p != nil {
			s.opt.Log.Error("api panic", "method", logged(r.Method), "path", logged(r.URL.Path), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if !rec.wrote {
				s.send(rec, &call{r: r}, fail(http.StatusInternalServerError, "Internal Server Error", "", "the server failed; its log says why"))
			}
		}
		s.opt.Log.Info("api", "method", logged(r.Method), "path", logged(r.URL.Path), "status", rec.status,
			"user", rec.user, "ms", time.Since(start).Milliseconds())
	}()
	s.mux.ServeHTTP(rec, r)
}

// maxLogged bounds what a log line quotes of a request's method and path:
// they arrive before any token is checked, and may be a megabyte.
const maxLogged = 200

func logged(s string) string {
	if len(s) <= maxLogged {
		return s
	}
	return strings.ToValidUTF8(s[:maxLogged], "") + "…"
}

// recorder remembers the status written, for the log.
type recorder struct {
	http.ResponseWriter
	status int
	wrote  bool
	user   string
}

func (r *recorder) WriteHeader(code int) {
	r.status, r.wrote = code, true
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}
