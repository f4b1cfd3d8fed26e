package model

import "strings"

// Persona's webhook events are named by id (evt_…) and by what happened
// (inquiry.approved, case.status-updated). Both become keys of the store's
// record of received events, so they are checked where they arrive.

// maxEventNameBytes bounds an event's name; Persona's are a few dozen.
const maxEventNameBytes = 100

// ValidateEventID checks a webhook event's id: an id (see ValidateID) that
// starts with evt_, as Persona's do.
func ValidateEventID(id string) error {
	if err := ValidateID("the event id", id); err != nil {
		return err
	}
	if !strings.HasPrefix(id, "evt_") || len(id) == len("evt_") {
		return Invalidf("the event id %q does not start with evt_ (Persona's event ids do)", id)
	}
	return nil
}

// ValidateEventName checks a webhook event's name: lower-case words of
// letters, digits, hyphens, underscores and slashes (report/watchlist)
// joined by dots, at least two of them (resource.action), at most 100
// bytes.
func ValidateEventName(name string) error {
	if name == "" || len(name) > maxEventNameBytes {
		return Invalidf("the event name must be 1 to %d bytes, not %d", maxEventNameBytes, len(name))
	}
	words := strings.Split(name, ".")
	for _, w := range words {
		if w == "" || strings.Trim(w, "abcdefghijklmnopqrstuvwxyz0123456789-_/") != "" {
			return Invalidf("the event name %q is not resource.action in lower-case letters, digits, -, _ and /", prefixRunes(name, 60))
		}
	}
	if len(words) < 2 {
		return Invalidf("the event name %q names no action (want resource.action, like inquiry.approved)", name)
	}
	return nil
}

// EventAction is what an event name says happened, in words:
// "marked for review" for inquiry.marked-for-review.
func EventAction(name string) string {
	_, action, _ := strings.Cut(name, ".")
	return actionWords.Replace(action)
}

var actionWords = strings.NewReplacer("-", " ", "_", " ", ".", " ")
