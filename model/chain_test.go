package model

import (
	"strings"
	"testing"
	"time"
)

func sealedTrail() []Event {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	events := []Event{
		{Kind: EventCreated, To: "Open"},
		{Kind: EventCommented, Comment: "passport looks edited"},
		{Kind: EventFields, To: `{"risk":"high"}`},
		{Kind: EventStatus, From: "Open", To: "Declined", Reason: "fraud", Comment: "confirmed"},
	}
	prev := ""
	for i := range events {
		e := &events[i]
		e.CaseID, e.Seq, e.At, e.Actor = "case_1", int64(i+1), at.Add(time.Duration(i)*time.Hour), "ravi"
		e.Seal(prev, []byte{byte(i), 1, 2, 3, 4, 5, 6, 7})
		prev = e.Hash
	}
	return events
}

func TestVerifyChain(t *testing.T) {
	tests := []struct {
		name   string
		tamper func([]Event) []Event
		want   []string // substrings of the problems, in order
	}{
		{"intact", func(e []Event) []Event { return e }, nil},
		{"edited comment", func(e []Event) []Event { e[1].Comment = "all fine"; return e }, []string{"event 2: its content does not match its hash"}},
		{"edited actor", func(e []Event) []Event { e[3].Actor = "mia"; return e }, []string{"event 4: its content"}},
		{"edited and rehashed", func(e []Event) []Event {
			e[1].Comment = "all fine"
			e[1].Hash = e[1].chainHash()
			return e
		}, []string{"event 3: does not link to event 2"}},
		{"removed", func(e []Event) []Event { return append(e[:1:1], e[2:]...) }, []string{"event 2: missing: the trail jumps to event 3"}},
		{"removed last", func(e []Event) []Event { return e[:3] }, []string{"event 4: the case is at version 4 but its trail ends at event 3"}},
		{"reordered", func(e []Event) []Event { e[1], e[2] = e[2], e[1]; return e }, []string{"event 2: missing", "event 2: out of order"}},
		{"hash dropped", func(e []Event) []Event { e[0].Hash = ""; return e }, []string{"event 1: has no hash", "event 2: does not link"}},
		{"redacted", func(e []Event) []Event {
			for i := range e {
				e[i].RedactText()
			}
			return e
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := VerifyChain(tt.tamper(sealedTrail()), 4)
			if len(got) != len(tt.want) {
				t.Fatalf("problems %v, want %d like %q", got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i].String(), w) {
					t.Errorf("problem %d = %q, want %q", i, got[i], w)
				}
			}
		})
	}
}

func TestRedactTextDropsTextAndSalt(t *testing.T) {
	e := sealedTrail()[2]
	e.RedactText()
	if e.To != "" || e.Comment != "" || e.Salt != "" || e.TextSum == "" {
		t.Fatalf("after redaction: %+v", e)
	}
	status := sealedTrail()[3]
	status.RedactText()
	if status.To != "Declined" || status.Comment != "" {
		t.Fatalf("a status event keeps its statuses, loses its comment: %+v", status)
	}
	plain := sealedTrail()[0]
	plain.RedactText()
	if plain.TextSum != "" || plain.Salt == "" {
		t.Fatalf("an event without text is left as it is: %+v", plain)
	}
}
