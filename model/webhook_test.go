package model

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestWebhookEventOf(t *testing.T) {
	for _, c := range []struct {
		e    Event
		want string
	}{
		{Event{Kind: EventCreated}, HookCaseCreated},
		{Event{Kind: EventImported, To: "Open"}, HookCaseCreated},
		{Event{Kind: EventImported, From: "Open", To: "Approved"}, HookCaseStatusUpdated},
		{Event{Kind: EventImported, From: "Open", To: "Open"}, HookCaseUpdated},
		{Event{Kind: EventStatus}, HookCaseStatusUpdated},
		{Event{Kind: EventMigrated}, HookCaseStatusUpdated},
		{Event{Kind: EventAssigned}, HookCaseAssigned},
		{Event{Kind: EventClaimed}, HookCaseAssigned},
		{Event{Kind: EventUnassigned}, HookCaseAssigned},
		{Event{Kind: EventTags}, HookCaseUpdated},
		{Event{Kind: EventFields}, HookCaseUpdated},
		{Event{Kind: EventSLA}, HookCaseUpdated},
		{Event{Kind: EventCommented}, HookCaseCommentCreated},
		{Event{Kind: EventAttached}, HookCaseObjectsUpdated},
		{Event{Kind: EventDetached}, HookCaseObjectsUpdated},
		{Event{Kind: EventObject}, HookCaseObjectsUpdated},
		{Event{Kind: EventRedacted}, HookCaseRedacted},
	} {
		if got := WebhookEventOf(c.e); got != c.want {
			t.Errorf("%s %s→%s: got %s, want %s", c.e.Kind, c.e.From, c.e.To, got, c.want)
		}
	}
}

func TestParseWebhookEvents(t *testing.T) {
	got, err := ParseWebhookEvents([]string{" Case.Status-Updated", "case.created", "case.created", ""})
	if err != nil || !slices.Equal(got, []string{"case.created", "case.status-updated"}) {
		t.Fatalf("got %v %v", got, err)
	}
	for _, all := range []string{"*", "all", "ALL"} {
		if got, err := ParseWebhookEvents([]string{"case.created", all}); err != nil || !slices.Equal(got, []string{"*"}) {
			t.Fatalf("%s: %v %v", all, got, err)
		}
	}
	_, err = ParseWebhookEvents([]string{"case.resolved"})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), strings.Join(WebhookEvents, ", ")) {
		t.Fatalf("unknown name: %v", err)
	}
	if _, err := ParseWebhookEvents([]string{" ", ""}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("no names: %v", err)
	}
}
