package model

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Outbound webhooks: an admin subscribes a URL to some of docket's case
// events; every change whose audit event maps to one of them is queued for
// that URL in the same transaction as the change (see store/outbox.go).

// The event names a subscription may ask for, in Persona's style
// (resource.past-tense-action, kebab-case). Each audit event of a case maps
// to exactly one of them (WebhookEventOf).
const (
	HookCaseCreated        = "case.created"         // created, or imported new
	HookCaseStatusUpdated  = "case.status-updated"  // a status move, by hand, by import or by a workflow migration
	HookCaseAssigned       = "case.assigned"        // assigned, claimed, unassigned
	HookCaseUpdated        = "case.updated"         // fields, tags, SLA, or an imported update that left the status
	HookCaseCommentCreated = "case.comment-created" // a comment
	HookCaseObjectsUpdated = "case.objects-updated" // objects attached, detached, or changed elsewhere
	HookCaseRedacted       = "case.redacted"
)

// WebhookEvents lists every event name, in the order help shows them.
var WebhookEvents = []string{HookCaseCreated, HookCaseStatusUpdated, HookCaseAssigned, HookCaseUpdated,
	HookCaseCommentCreated, HookCaseObjectsUpdated, HookCaseRedacted}

// HookAll subscribes to every event, including names added later.
const HookAll = "*"

// WebhookEventOf names the webhook event an audit event is.
func WebhookEventOf(e Event) string {
	switch e.Kind {
	case EventCreated:
		return HookCaseCreated
	case EventImported:
		switch {
		case e.From == "":
			return HookCaseCreated
		case e.From != e.To:
			return HookCaseStatusUpdated
		}
		return HookCaseUpdated
	case EventStatus, EventMigrated:
		return HookCaseStatusUpdated
	case EventAssigned, EventClaimed, EventUnassigned:
		return HookCaseAssigned
	case EventCommented:
		return HookCaseCommentCreated
	case EventAttached, EventDetached, EventObject:
		return HookCaseObjectsUpdated
	case EventRedacted:
		return HookCaseRedacted
	}
	return HookCaseUpdated // fields, tags, sla
}

// ParseWebhookEvents reads the event names of a subscription ("*" or
// "all" for every one), refusing unknown names with the list of known
// ones. The result is sorted, without repeats.
func ParseWebhookEvents(names []string) ([]string, error) {
	var out []string
	for _, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		switch {
		case n == "":
			continue
		case n == HookAll || n == "all":
			return []string{HookAll}, nil
		case !slices.Contains(WebhookEvents, n):
			return nil, Invalidf("unknown webhook event %q (known: %s, or * for all)", prefixRunes(n, 60), strings.Join(WebhookEvents, ", "))
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, Invalidf("name the events to send (%s, or * for all)", strings.Join(WebhookEvents, ", "))
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// maxURLBytes bounds a webhook's URL.
const maxURLBytes = 2048

// ValidateWebhookURL checks a subscription's URL: absolute http or https
// with a host, no user name or password in it (they would show in every
// listing), no fragment, nothing hidden. It returns the URL as given.
func ValidateWebhookURL(raw string) (string, error) {
	if len(raw) > maxURLBytes || !utf8.ValidString(raw) || strings.IndexFunc(raw, func(r rune) bool { return Hidden(r) || r == ' ' }) >= 0 {
		return "", Invalidf("the webhook URL must be at most %d bytes of printable text without spaces", maxURLBytes)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", Invalidf("the webhook URL does not parse: %v", urlProblem(err))
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", Invalidf("the webhook URL must start with https:// or http://")
	case u.User != nil:
		return "", Invalidf("the webhook URL must not carry a user name or password: docket signs each delivery instead (Docket-Signature)")
	case u.Hostname() == "":
		return "", Invalidf("the webhook URL has no host")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "", Invalidf("the webhook URL must not have a #fragment")
	}
	return raw, nil
}

// urlProblem is the reason a URL did not parse, without the URL (which
// may hold a password).
func urlProblem(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// Webhook is a subscription: docket posts the named events to URL, signed
// with the subscription's secret, which is never listed.
type Webhook struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"` // names, or ["*"]
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
}

// Wants reports whether the subscription asks for the named event.
func (w Webhook) Wants(name string) bool {
	return slices.Contains(w.Events, HookAll) || slices.Contains(w.Events, name)
}

// DeliveryState is where a delivery stands.
type DeliveryState string

const (
	DeliveryPending   DeliveryState = "pending"   // waiting for its next attempt
	DeliveryDelivered DeliveryState = "delivered" // a 2xx answered it
	DeliveryFailed    DeliveryState = "failed"    // retried past the retry window, or its webhook was removed
)

// Delivery is one event queued for one subscription, and how its attempts
// went.
type Delivery struct {
	ID            string        `json:"id"`
	Webhook       string        `json:"webhook"`
	Event         string        `json:"event"` // evt_…, the same for every subscription of one change
	Name          string        `json:"name"`  // case.status-updated, …
	Case          string        `json:"case"`
	CaseName      string        `json:"case_name"`
	CreatedAt     time.Time     `json:"created_at"`
	State         DeliveryState `json:"state"`
	Attempts      int           `json:"attempts"`
	LastStatus    int           `json:"last_status,omitempty"` // the HTTP status of the last answer
	LastError     string        `json:"last_error,omitempty"`
	LastAttemptAt time.Time     `json:"last_attempt_at,omitzero"`
	NextAttemptAt time.Time     `json:"next_attempt_at,omitzero"` // pending only
	DeliveredAt   time.Time     `json:"delivered_at,omitzero"`
	FailedAt      time.Time     `json:"failed_at,omitzero"`
}

// String names a delivery in a log line: its id, event and subscription.
func (d Delivery) String() string {
	return fmt.Sprintf("delivery %s (%s %s to %s)", d.ID, d.Name, d.Event, d.Webhook)
}

// Ended is when the delivery was delivered or failed (zero while pending).
func (d Delivery) Ended() time.Time {
	switch d.State {
	case DeliveryDelivered:
		return d.DeliveredAt
	case DeliveryFailed:
		return d.FailedAt
	}
	return time.Time{}
}
