package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"docket/model"
	"docket/store"
)

// apiError is one error answer. Persona's published error shape is
// {"errors":[{"title","details"}]} (401: title alone), and docket answers
// in it; with ?docket=1 the error carries JSON:API's own members too:
// status, detail and source.pointer.
type apiError struct {
	status     int
	title      string
	detail     string
	pointer    string        // the JSON pointer of the request member at fault
	retryAfter time.Duration // 429
}

// fail is an error reply. pointer may be "".
func fail(status int, title, pointer, format string, args ...any) reply {
	return reply{status: status, err: &apiError{status: status, title: title, pointer: pointer, detail: fmt.Sprintf(format, args...)}}
}

// badRequest is a malformed request, naming the member at fault.
func badRequest(pointer, format string, args ...any) reply {
	return fail(http.StatusBadRequest, "Bad Request", pointer, format, args...)
}

// storeError answers a refusal of the store with its own message. A case
// the request names but that does not exist is 404; a missing user or
// object the request refers to is a refusal like any other (422).
func (s *Server) storeError(c *call, err error) reply {
	var re store.ReplayError
	switch {
	case errors.As(err, &re):
		return fail(http.StatusConflict, "Conflict", "", "%v", err)
	case errors.Is(err, model.ErrTooLarge):
		return fail(http.StatusRequestEntityTooLarge, "Payload Too Large", "", "%v", err)
	case errors.Is(err, model.ErrForbidden):
		return fail(http.StatusForbidden, "Forbidden", "", "%v", err)
	case errors.Is(err, model.ErrConflict) && c.r.Header.Get("If-Match") != "":
		return fail(http.StatusPreconditionFailed, "Precondition Failed", "", "%v", err)
	case errors.Is(err, model.ErrConflict):
		return fail(http.StatusConflict, "Conflict", "", "%v", err)
	case errors.Is(err, model.ErrNotFound), errors.Is(err, model.ErrInvalid):
		return fail(http.StatusUnprocessableEntity, "Unprocessable Entity", "", "%v", err)
	}
	s.opt.Log.Error("api store error", "method", logged(c.r.Method), "path", logged(c.r.URL.Path), "user", c.user.Name, "err", err)
	if errors.Is(err, store.ErrDamaged) {
		return fail(http.StatusInternalServerError, "Internal Server Error", "", "the database is damaged; an administrator must run docket check")
	}
	return fail(http.StatusInternalServerError, "Internal Server Error", "", "the server failed; its log says why")
}

// send writes a reply: the document, or the error in Persona's shape.
func (s *Server) send(w http.ResponseWriter, c *call, rep reply) {
	if rec, ok := w.(*recorder); ok {
		rec.user = c.user.Name
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	if rep.etag != "" {
		h.Set("ETag", rep.etag)
	}
	if rep.location != "" {
		h.Set("Location", rep.location)
	}
	if rep.allow != "" {
		h.Set("Allow", rep.allow)
	}
	if rep.replayed {
		h.Set("Idempotent-Replayed", "true")
	}
	body := rep.body
	if rep.err != nil {
		body = rep.err.document(c.docket)
		switch rep.status {
		case http.StatusUnauthorized:
			h.Set("WWW-Authenticate", `Bearer realm="docket"`)
		case http.StatusTooManyRequests:
			h.Set("Retry-After", strconv.Itoa(int(math.Ceil(rep.err.retryAfter.Seconds()))))
		}
	}
	if rep.status == http.StatusNotModified {
		w.WriteHeader(rep.status)
		return
	}
	w.WriteHeader(rep.status)
	w.Write(body)
}

func (e *apiError) document(docket bool) []byte {
	var item map[string]any
	switch {
	case docket:
		item = map[string]any{"status": strconv.Itoa(e.status), "title": e.title, "detail": e.detail}
		if e.pointer != "" {
			item["source"] = map[string]string{"pointer": e.pointer}
		}
	case e.status == http.StatusUnauthorized:
		// Persona's 401 has a title alone; the reason goes in the title.
		item = map[string]any{"title": e.title + ": " + e.detail}
	default:
		details := e.detail
		if e.pointer != "" {
			details = e.pointer + ": " + details
		}
		item = map[string]any{"title": e.title, "details": details}
	}
	out, _ := json.Marshal(map[string]any{"errors": []any{item}})
	return out
}
