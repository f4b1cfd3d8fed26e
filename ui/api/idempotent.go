package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"docket/model"
	"docket/store"
)

// waitForFirst is how long a retry waits for the first request with its
// key, still running, to answer.
const waitForFirst = 10 * time.Second

// idempotent makes h honour an Idempotency-Key: the same key and request
// within a day answers with the first reply and changes nothing (the store
// claims the key in the change's own transaction, see store/requests.go).
func (s *Server) idempotent(h handler) handler {
	return func(c *call) reply {
		key := c.r.Header.Get("Idempotency-Key")
		if key == "" {
			return h(c)
		}
		if err := store.ValidateRequestKey(key); err != nil {
			return badRequest("", "%v", err)
		}
		req := store.Request{User: c.user.Name, Key: key, Digest: requestDigest(c)}
		// One request per key at a time: a retry that arrives while the
		// first still runs waits for its answer.
		slot := req.User + "\x00" + key
		done := make(chan struct{})
		if first, running := s.pending.LoadOrStore(slot, done); running {
			select {
			case <-first.(chan struct{}):
				return s.idempotent(h)(c)
			case <-time.After(s.waitFirst):
				return fail(http.StatusConflict, "Conflict", "", "a request with this Idempotency-Key is still running; retry later")
			case <-c.r.Context().Done():
				return fail(http.StatusConflict, "Conflict", "", "a request with this Idempotency-Key is still running")
			}
		}
		defer func() { s.pending.Delete(slot); close(done) }()

		first, found, err := s.st.RequestReply(req)
		switch {
		case errors.Is(err, model.ErrConflict):
			return fail(http.StatusUnprocessableEntity, "Unprocessable Entity", "", "%v", err)
		case err != nil:
			return s.storeError(c, err)
		case found && first.Done:
			return reply{status: first.Status, body: first.Body, etag: first.ETag, location: first.Location, replayed: true}
		case found:
			return s.save(c, req, s.interrupted(c, first))
		}
		c.request = &req
		return s.save(c, req, h(c))
	}
}

// interrupted answers a key whose change was made but whose reply was never
// saved (the server stopped in between): with the case as it is now.
func (s *Server) interrupted(c *call, first store.Reply) reply {
	creation := c.r.URL.Path == "/api/v1/cases"
	status := http.StatusOK
	if creation || strings.HasSuffix(c.r.URL.Path, "/comments") {
		status = http.StatusCreated
	}
	rep := s.caseDocument(c, first.Case, status)
	if creation && rep.err == nil {
		rep.location = caseURL(first.Case)
	}
	rep.replayed = true
	return rep
}

// save keeps a reply for the key's retries; a server failure is not kept,
// so a retry tries again.
func (s *Server) save(c *call, req store.Request, rep reply) reply {
	if rep.status >= 500 {
		return rep
	}
	body := rep.body
	if rep.err != nil {
		body = rep.err.document(c.docket)
	}
	err := s.st.SaveReply(req, store.Reply{Status: rep.status, ETag: rep.etag, Location: rep.location, Body: body})
	if err != nil {
		s.opt.Log.Error("api: saving an idempotent reply", "user", c.user.Name, "err", err)
	}
	return rep
}

// requestDigest identifies what was asked: method, path, query and body.
func requestDigest(c *call) string {
	h := sha256.New()
	h.Write([]byte(c.r.Method + " " + c.r.URL.RequestURI() + "\n"))
	h.Write(c.body)
	return hex.EncodeToString(h.Sum(nil))
}
