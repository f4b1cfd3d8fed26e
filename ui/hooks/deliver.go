package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"docket/model"
	"docket/store"
)

// Delivery of docket's own events. The store queues each case change for
// the subscriptions that want it, in the change's own transaction (see
// store/outbox.go); a Deliverer, run by the process that owns the
// database, posts what is due and tells the store how each attempt went.
// It never holds the write path: a change only writes its queue entry,
// and a receiver that is down or slow costs the change nothing.
//
// Delivery is at least once: a delivery posted but not yet recorded when
// the process dies is posted again at the next start. Order per case is
// best effort: one delivery per case and subscription is in flight at a
// time, but a failed one waits for its retry while later ones go ahead.
// Receivers deduplicate by the event id and order by the case's
// updated-at.

// Headers every delivery carries besides Docket-Signature.
const (
	WebhookIDHeader      = "Docket-Webhook-Id"      // the delivery's id, as docket webhook deliveries lists it
	WebhookAttemptHeader = "Docket-Webhook-Attempt" // 1 for the first attempt, 2 for the first retry, …
)

// Options tune a Deliverer. The zero value is what docket serve uses.
type Options struct {
	Timeout     time.Duration // one attempt, from connecting to the answer's headers (default 10s)
	PerReceiver int           // attempts in flight to one subscription at once (default 4)
	FirstRetry  time.Duration // the wait after a first failure, doubled after each (default 5s)
	MaxRetry    time.Duration // the longest wait between attempts (default 1h)
	RetryFor    time.Duration // how long a delivery is retried before it is marked failed (default 24h)
	KeepFor     time.Duration // how long finished deliveries stay listed (default 7 days)
	Log         *slog.Logger  // attempts that fail, receivers failing and recovering; never bodies or URLs
	// Transport carries the requests (default: a copy of
	// http.DefaultTransport).
	Transport http.RoundTripper
}

func (o *Options) defaults() {
	set := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	set(&o.Timeout, 10*time.Second)
	set(&o.FirstRetry, 5*time.Second)
	set(&o.MaxRetry, time.Hour)
	set(&o.RetryFor, 24*time.Hour)
	set(&o.KeepFor, 7*24*time.Hour)
	if o.PerReceiver <= 0 {
		o.PerReceiver = 4
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Transport == nil {
		o.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
}

// idle is the longest a Deliverer sleeps without looking at the outbox.
const idle = time.Minute

// Deliverer posts the outbox's due deliveries.
type Deliverer struct {
	st     *store.Store
	opt    Options
	client *http.Client
	freed  chan struct{} // an attempt ended: room for another

	mu       sync.Mutex
	inFlight map[string]bool // delivery ids being posted
	recent   map[string]bool // delivery ids recorded since the pass began (see pass)
	busy     map[string]int  // attempts in flight per subscription
	cases    map[string]bool // subscription \0 case with an attempt in flight
	failing  map[string]bool // subscriptions whose last attempt failed
	wg       sync.WaitGroup
}

// NewDeliverer makes a deliverer for st's outbox; Run runs it.
func NewDeliverer(st *store.Store, opt Options) *Deliverer {
	opt.defaults()
	return &Deliverer{
		st: st, opt: opt, freed: make(chan struct{}, 1),
		client: &http.Client{
			Timeout:   opt.Timeout,
			Transport: opt.Transport,
			// A redirect is an answer, not a delivery: the receiver's URL
			// is what an admin subscribed, and nothing else gets the body.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		inFlight: map[string]bool{}, recent: map[string]bool{}, busy: map[string]int{}, cases: map[string]bool{}, failing: map[string]bool{},
	}
}

// Run delivers until ctx ends, woken by the store's change feed (a change
// may have queued something), by an attempt ending, and by a timer for
// the next retry. Attempts in flight when ctx ends are abandoned, not
// recorded: those deliveries stay pending and go again at the next start.
func (d *Deliverer) Run(ctx context.Context) error {
	feed := d.st.Subscribe()
	defer feed.Close()
	defer d.wg.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	var pruned time.Time
	for {
		if time.Since(pruned) >= time.Hour {
			if _, err := d.st.PruneDeliveries(d.opt.KeepFor); err != nil {
				d.opt.Log.Error("webhook outbox: pruning finished deliveries", "error", err.Error())
			}
			pruned = time.Now()
		}
		timer.Reset(d.pass(ctx))
		select {
		case <-ctx.Done():
			return nil
		case <-feed.Ready():
			feed.Take()
		case <-d.freed:
		case <-timer.C:
		}
	}
}

// pass starts what is due and says how long to sleep.
func (d *Deliverer) pass(ctx context.Context) time.Duration {
	// The outbox is read as of the start of the pass: a delivery recorded
	// after that still reads as due, and must not go twice. What was
	// recorded before is seen as it is.
	d.mu.Lock()
	clear(d.recent)
	d.mu.Unlock()
	// One per case and subscription in a pass too. The claim's
	// transaction may run again (it met another process's), so a case
	// keeps the delivery chosen for it the first time.
	chosen := map[string]string{}
	due, err := d.st.ClaimDeliveries(d.lease(), d.room, func(o model.Delivery) bool {
		k := o.Webhook + "\x00" + o.Case
		if id, ok := chosen[k]; (ok && id != o.ID) || d.taken(o) {
			return true
		}
		chosen[k] = o.ID
		return false
	})
	if err != nil {
		d.opt.Log.Error("webhook outbox", "error", err.Error())
		return idle
	}
	for _, o := range due {
		d.start(ctx, o)
	}
	next, ok := d.st.NextDelivery()
	if wait := next.Sub(d.st.Now()); ok && wait > 0 && wait < idle {
		return wait
	}
	// Nothing pending, or what is due waits for room: an attempt ending
	// wakes the loop.
	return idle
}

// lease is how long a claimed delivery is held for this process: longer
// than an attempt may take, so no other process posts it meanwhile.
func (d *Deliverer) lease() time.Duration { return 2*d.opt.Timeout + 5*time.Second }

// room is how many more attempts a subscription may have in flight.
func (d *Deliverer) room(webhook string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.opt.PerReceiver - d.busy[webhook]
}

// taken reports a delivery already in flight, or whose case has one in
// flight to the same subscription.
func (d *Deliverer) taken(o model.Delivery) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.inFlight[o.ID] || d.recent[o.ID] || d.cases[o.Webhook+"\x00"+o.Case]
}

// start posts o in a goroutine of its own, unless one of its case is
// already on its way.
func (d *Deliverer) start(ctx context.Context, o store.Outgoing) {
	caseKey := o.Webhook + "\x00" + o.Case
	d.mu.Lock()
	if d.inFlight[o.ID] || d.recent[o.ID] || d.cases[caseKey] || d.busy[o.Webhook] >= d.opt.PerReceiver {
		d.mu.Unlock()
		return
	}
	d.inFlight[o.ID], d.cases[caseKey] = true, true
	d.busy[o.Webhook]++
	d.mu.Unlock()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		d.deliver(ctx, o)
		d.mu.Lock()
		delete(d.inFlight, o.ID)
		d.recent[o.ID] = true
		delete(d.cases, caseKey)
		d.busy[o.Webhook]--
		d.mu.Unlock()
		select {
		case d.freed <- struct{}{}:
		default:
		}
	}()
}

// deliver makes one attempt and records it, unless the attempt was cut
// short by shutdown.
func (d *Deliverer) deliver(ctx context.Context, o store.Outgoing) {
	a := d.attempt(ctx, o)
	if ctx.Err() != nil && a.Status == 0 {
		return // abandoned: still pending, sent again when its claim ends
	}
	if err := d.st.RecordDelivery(o.ID, a); err != nil {
		d.opt.Log.Error("webhook outbox: recording an attempt", "delivery", o.ID, "error", err.Error())
	}
	d.report(o, a)
}

// attempt posts o once.
func (d *Deliverer) attempt(ctx context.Context, o store.Outgoing) store.DeliveryAttempt {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.URL, bytes.NewReader(o.Body))
	if err != nil {
		return d.failed(o, 0, "the request could not be made: "+withoutURL(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "docket-webhooks")
	req.Header.Set(DocketSignatureHeader, Sign(o.Secrets, time.Now(), o.Body))
	req.Header.Set(WebhookIDHeader, o.ID)
	req.Header.Set(WebhookAttemptHeader, strconv.Itoa(o.Attempts+1))
	resp, err := d.client.Do(req)
	if err != nil {
		return d.failed(o, 0, withoutURL(err))
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // so the connection can be reused
	resp.Body.Close()
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
		return store.DeliveryAttempt{At: d.st.Now(), Status: code}
	case code >= 300 && code < 400:
		return d.failed(o, code, fmt.Sprintf("%s: redirects are not followed (Location %.200q)", resp.Status, resp.Header.Get("Location")))
	default:
		return d.failed(o, code, resp.Status)
	}
}

// failed is a failed attempt, with when to try again: never, once the
// delivery has been retried for RetryFor.
func (d *Deliverer) failed(o store.Outgoing, status int, why string) store.DeliveryAttempt {
	now := d.st.Now()
	a := store.DeliveryAttempt{At: now, Status: status, Err: why}
	if now.Sub(o.CreatedAt) < d.opt.RetryFor {
		a.Retry = now.Add(backoff(o.Attempts+1, d.opt.FirstRetry, d.opt.MaxRetry))
	}
	return a
}

// backoff is the wait after the nth failed attempt: first, doubled each
// time up to max, of which a random half, so receivers coming back are
// not met by every delivery at once.
func backoff(n int, first, max time.Duration) time.Duration {
	wait := first
	for i := 1; i < n && wait < max; i++ {
		wait *= 2
	}
	wait = min(wait, max)
	return wait/2 + rand.N(wait/2+1)
}

// withoutURL is an error's text without the URL net/http puts in it (it
// may hold a token in its query).
func withoutURL(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// report logs a subscription starting to fail, a failure for good, and a
// subscription answering again: a receiver that is down for hours makes
// a few lines, not one per attempt.
func (d *Deliverer) report(o store.Outgoing, a store.DeliveryAttempt) {
	d.mu.Lock()
	was := d.failing[o.Webhook]
	d.failing[o.Webhook] = !a.OK()
	d.mu.Unlock()
	log := d.opt.Log.With("webhook", o.Webhook, "delivery", o.ID, "event", o.Name)
	switch {
	case a.OK() && was:
		log.Info("webhook receiver answering again", "status", a.Status)
	case !a.OK() && a.Retry.IsZero():
		log.Warn("webhook delivery failed for good", "attempts", o.Attempts+1, "error", a.Err)
	case !a.OK() && !was:
		log.Warn("webhook receiver failing; retrying", "error", a.Err, "next", a.Retry.Format(time.RFC3339))
	}
}
