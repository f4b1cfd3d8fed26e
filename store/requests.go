package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"docket/model"
	"docket/store/backend"
)

// Idempotent requests. An API client may send a key with a write; the
// same key and request within RequestTTL answers with the first reply and
// changes nothing. The change and a marker naming its key are written in
// one transaction, so a retry after any crash never applies a change
// twice; the reply itself is saved just after it is sent (SaveReply). A
// marker without a reply (the process died in between, or the first
// request is still running) makes a retry ErrReplayed.

// RequestTTL is how long a request key is remembered.
const RequestTTL = 24 * time.Hour

// maxPrunedPerSave bounds the expired keys one SaveReply deletes, so no
// write pays for a long backlog at once.
const maxPrunedPerSave = 64

// Request names one write for idempotency: who sent it, the key they gave,
// and a digest of the request (method, path, body).
type Request struct {
	User   string
	Key    string
	Digest string
}

// Reply is what an idempotent request was answered with.
type Reply = backend.Reply

// ErrReplayed is a write whose key was used before by a request that
// changed something and has no saved reply yet.
var ErrReplayed = errors.New("request replayed")

// ReplayError is ErrReplayed with what the first request left.
type ReplayError struct{ First Reply }

func (e ReplayError) Error() string {
	return fmt.Sprintf("a request with this key changed %s at %s and is not answered yet", e.First.Case, e.First.At.Format(time.RFC3339))
}
func (e ReplayError) Is(target error) bool { return target == ErrReplayed }

// ValidateRequestKey checks an idempotency key: 1 to 255 visible ASCII
// characters.
func ValidateRequestKey(key string) error {
	if key == "" || len(key) > 255 {
		return model.Invalidf("the Idempotency-Key must be 1 to 255 characters, not %d", len(key))
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return model.Invalidf("the Idempotency-Key holds byte %#02x at %d; use visible ASCII characters", key[i], i)
		}
	}
	return nil
}

// RequestReply is what an earlier request with r's key left, if it is
// still remembered. The same key with another request is refused.
func (s *Store) RequestReply(r Request) (Reply, bool, error) {
	var out Reply
	var found bool
	err := s.view(func(x *txn) error {
		var err error
		out, found, err = x.requestReply(r)
		return err
	})
	return out, found, err
}

// SaveReply keeps the reply to r for RequestTTL, and forgets a few keys
// that have expired.
func (s *Store) SaveReply(r Request, reply Reply) error {
	reply.Digest, reply.Done = r.Digest, true
	return s.update(func(x *txn) error {
		first, found, err := x.requestReply(r)
		if err != nil {
			return err
		}
		if found {
			reply.At, reply.Case = first.At, first.Case
		} else {
			reply.At = x.now
		}
		if err := x.putReply(r, reply); err != nil {
			return err
		}
		return x.pruneReplies()
	})
}

// claimRequest marks r as having changed caseID, in the transaction that
// makes the change; a key already claimed refuses the change.
func (x *txn) claimRequest(r *Request, caseID string) error {
	if r == nil {
		return nil
	}
	first, found, err := x.requestReply(*r)
	if err != nil {
		return err
	}
	if found {
		return ReplayError{first}
	}
	return x.putReply(*r, Reply{Digest: r.Digest, At: x.now, Case: caseID})
}

func (x *txn) requestReply(r Request) (Reply, bool, error) {
	var out Reply
	raw, err := x.be.Reply(r.User, r.Key)
	if err != nil || raw == nil {
		return out, false, err
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return out, false, backend.Damaged(x.s.path, fmt.Sprintf("the reply to request key %q: %v", r.Key, err))
	}
	if x.now.Sub(out.At) >= RequestTTL {
		return Reply{}, false, nil
	}
	if out.Digest != r.Digest {
		return out, true, model.Conflictf("the Idempotency-Key %q was used %s for another request; use a new key for a new request",
			r.Key, model.Ago(out.At, x.now))
	}
	return out, true, nil
}

func (x *txn) putReply(r Request, reply Reply) error {
	raw, err := json.Marshal(reply)
	if err != nil {
		return err
	}
	return x.be.PutReply(r.User, r.Key, reply.At, raw)
}

// pruneReplies forgets the oldest expired keys.
func (x *txn) pruneReplies() error {
	return x.be.PruneReplies(x.now.Add(-RequestTTL), maxPrunedPerSave)
}
