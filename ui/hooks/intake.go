package hooks

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"time"

	"docket/model"
	"docket/store"
)

// Persona's webhook events coming in (POST /webhooks/persona, mounted by
// the HTTP API). A delivery is checked at the edge (its size, its
// signature, its envelope) and applied by the store as the webhook user,
// which deduplicates it by event id and applies the workflow's rules.
//
// What each answer means, for Persona (which retries anything but a 2xx):
//
//	200 applied, unchanged, unused (an event docket does not use), or a
//	    repeat of an event already settled: nothing more to do
//	400 not JSON, or not a Persona event envelope: a retry would fail alike
//	401 no signature, a stale one, or none made with our secret; nothing read further
//	405 not a POST
//	408 the body did not arrive within the deadline
//	413 the body is over IntakeOptions.MaxBody, or a case over the store's per-case limit
//	422 the store refused the event (a workflow rule, a limit, the webhook
//	    user's role), its message in details; nothing of it was written and
//	    a retry is applied afresh, so fixing the cause lets Persona's retry through
//	500 the store failed; nothing was written, a retry may succeed
//	503 the work did not finish within IntakeOptions.Timeout: it goes on
//	    and commits (or not) on its own, and the retry finds it settled
//	    (200) or applies it

// DefaultMaxBody bounds a delivery's body: Persona's events are a few
// kilobytes, a case with its objects rarely a few hundred.
const DefaultMaxBody = 2 << 20

// DefaultIntakeTimeout is how long a delivery may take to answer, body
// read and store write included: under Persona's own timeout, with room
// for the network.
const DefaultIntakeTimeout = 4 * time.Second

// IntakeOptions configure NewIntake.
type IntakeOptions struct {
	// Secrets are the webhook secrets a delivery may be signed with (more
	// than one while a secret rotates); see ReadSecretFile.
	Secrets [][]byte
	// Tolerance is how far a signature's timestamp may be from now
	// (default DefaultTolerance).
	Tolerance time.Duration
	// User is the docket user every event acts as: every change is made
	// and audited as them, with their permissions (a lead or admin; see
	// store.CheckEventActor).
	User string
	// Log hears of every delivery: event id and name, answer, outcome,
	// time taken; never case data. Default: discarded.
	Log *slog.Logger
	// Now is the clock signatures are checked against (default time.Now).
	Now func() time.Time
	// MaxBody bounds a delivery's body (default DefaultMaxBody).
	MaxBody int64
	// Timeout bounds a delivery from its arrival to its answer (default
	// DefaultIntakeTimeout).
	Timeout time.Duration
}

func (o *IntakeOptions) fill() {
	if o.Tolerance <= 0 {
		o.Tolerance = DefaultTolerance
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultIntakeTimeout
	}
}

type intake struct {
	st  *store.Store
	opt IntakeOptions
}

// NewIntake is the handler Persona's webhook deliveries are posted to.
func NewIntake(st *store.Store, opt IntakeOptions) http.Handler {
	opt.fill()
	return &intake{st: st, opt: opt}
}

// intakeReply is what one delivery is answered with.
type intakeReply struct {
	status int
	title  string // the error's title; "" for a success
	detail string
	rec    store.EventReceipt
	repeat bool
}

func (in *intake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	deadline := start.Add(in.opt.Timeout)
	var ev store.InboundEvent
	reply := in.handle(w, r, deadline, &ev)
	in.logDelivery(r, ev, reply, time.Since(start)) // first, so the log has it once the sender has the answer
	in.answer(w, reply)
}

func (in *intake) handle(w http.ResponseWriter, r *http.Request, deadline time.Time, ev *store.InboundEvent) intakeReply {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return failure(http.StatusMethodNotAllowed, "POST a Persona webhook event here")
	}
	// A slow sender must not hold the handler past the deadline.
	http.NewResponseController(w).SetReadDeadline(deadline)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, in.opt.MaxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return failure(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %s", model.ByteSize(in.opt.MaxBody)))
	case errors.Is(err, os.ErrDeadlineExceeded):
		return failure(http.StatusRequestTimeout, "the body did not arrive in time")
	case err != nil:
		return failure(http.StatusBadRequest, "the body could not be read")
	}
	if err := Verify(r.Header.Get(PersonaSignatureHeader), in.opt.Secrets, body, in.opt.Now(), in.opt.Tolerance); err != nil {
		return intakeReply{status: http.StatusUnauthorized, title: http.StatusText(http.StatusUnauthorized), detail: err.Error()}
	}
	if *ev, err = ParseEvent(body); err != nil {
		return failure(http.StatusBadRequest, err.Error())
	}
	return in.apply(r, *ev, deadline)
}

// apply hands the event to the store and waits for it until the deadline.
// The store's work cannot be stopped halfway (a transaction commits or
// not), so on overrun it goes on alone and the answer is 503: Persona
// retries, and the retry finds the event settled, or applies it.
func (in *intake) apply(r *http.Request, ev store.InboundEvent, deadline time.Time) intakeReply {
	done := make(chan intakeReply, 1)
	go func() {
		rec, repeat, err := in.st.ReceiveEvent(in.opt.User, ev)
		done <- storeReply(rec, repeat, err)
	}()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case reply := <-done:
		return reply
	case <-timer.C:
		return failure(http.StatusServiceUnavailable, "the event is still being applied; a retry will find it settled")
	case <-r.Context().Done():
		return failure(http.StatusServiceUnavailable, "the request ended before the event was applied")
	}
}

// storeReply is the answer to what the store said.
func storeReply(rec store.EventReceipt, repeat bool, err error) intakeReply {
	var refusal *model.Refusal
	switch {
	case err == nil:
		return intakeReply{status: http.StatusOK, rec: rec, repeat: repeat}
	case errors.Is(err, model.ErrTooLarge):
		return intakeReply{status: http.StatusRequestEntityTooLarge, title: http.StatusText(http.StatusRequestEntityTooLarge), detail: err.Error(), rec: rec}
	case errors.As(err, &refusal):
		return intakeReply{status: http.StatusUnprocessableEntity, title: http.StatusText(http.StatusUnprocessableEntity), detail: err.Error(), rec: rec}
	}
	return intakeReply{status: http.StatusInternalServerError, title: http.StatusText(http.StatusInternalServerError),
		detail: "docket could not store the event; nothing of it was written: " + err.Error()}
}

func failure(status int, detail string) intakeReply {
	return intakeReply{status: status, title: http.StatusText(status), detail: detail}
}

// answer writes the reply in Persona's shape: a small receipt, or
// {"errors":[{"title","details"}]}. A refused signature gets its title
// alone: the caller learns nothing about why.
func (in *intake) answer(w http.ResponseWriter, reply intakeReply) {
	var body any
	switch {
	case reply.title == "":
		body = map[string]any{"data": map[string]any{"id": reply.rec.ID, "outcome": reply.rec.Outcome,
			"repeat": reply.repeat, "detail": reply.rec.Detail}}
	case reply.status == http.StatusUnauthorized:
		body = map[string]any{"errors": []map[string]string{{"title": reply.title}}}
	default:
		body = map[string]any{"errors": []map[string]string{{"title": reply.title, "details": reply.detail}}}
	}
	if reply.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(reply.status)
	json.NewEncoder(w).Encode(body)
}

// logDelivery says what became of a delivery, in words that carry no case
// data: a store refusal is told by its status alone (the message names
// cases and users; docket webhook received shows it to a lead).
func (in *intake) logDelivery(r *http.Request, ev store.InboundEvent, reply intakeReply, took time.Duration) {
	attrs := []any{"remote", r.RemoteAddr, "status", reply.status, "ms", took.Milliseconds()}
	if ev.ID != "" {
		attrs = append(attrs, "event", ev.ID, "name", ev.Name)
	}
	switch {
	case reply.status == http.StatusOK:
		in.opt.Log.Info("webhook received", append(attrs, "outcome", reply.rec.Outcome, "repeat", reply.repeat)...)
	case reply.status == http.StatusUnprocessableEntity || reply.status == http.StatusRequestEntityTooLarge && ev.ID != "":
		in.opt.Log.Warn("webhook refused by a rule; docket webhook received says why", attrs...)
	case reply.status == http.StatusInternalServerError:
		in.opt.Log.Error("webhook not stored", append(attrs, "err", reply.detail)...)
	case reply.status == http.StatusBadRequest:
		in.opt.Log.Warn("webhook turned away: not a Persona event", attrs...) // the reason may quote the body
	default:
		in.opt.Log.Warn("webhook turned away", append(attrs, "why", reply.detail)...)
	}
}
