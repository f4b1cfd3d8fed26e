package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"docket/store"
)

func TestWebhookReceived(t *testing.T) {
	h := newHarness(t)
	h.team()
	if got := h.ok("webhook", "received"); got != "no webhook events received\n" {
		t.Fatalf("empty: %q", got)
	}
	s, err := store.Open(h.env["DOCKET_DB"], store.Options{})
	must(t, err)
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for _, ev := range []store.InboundEvent{
		{ID: "evt_doc1", Name: "document.created", CreatedAt: at, Type: "document/government-id"},
		{ID: "evt_doc2", Name: "document.created", CreatedAt: at, Type: "document/government-id"},
	} {
		if _, _, err := s.ReceiveEvent("lena", ev); err != nil {
			t.Fatal(err)
		}
	}
	// A reviewer may not be the webhook user: refused, and recorded.
	if _, _, err := s.ReceiveEvent("ravi", store.InboundEvent{ID: "evt_ravi", Name: "case.created", CreatedAt: at}); err == nil {
		t.Fatal("a reviewer's event was applied")
	}
	must(t, s.Close())

	out := h.ok("webhook", "received", "--user", "lena")
	if !strings.Contains(out, "document.created  0        0          2       0") {
		t.Errorf("the count of document.created is not 2 unused:\n%s", out)
	}
	for _, want := range []string{"EVENT", "case.created", "latest 3:", "evt_ravi", "refused", "only a lead or admin may import", "docket keeps no document/government-id"} {
		if !strings.Contains(out, want) {
			t.Errorf("webhook received lacks %q:\n%s", want, out)
		}
	}
	var got store.ReceivedEvents
	if err := json.Unmarshal([]byte(h.ok("webhook", "received", "--json", "--limit", "1")), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Recent) != 1 || len(got.Counts) != 2 {
		t.Fatalf("--json --limit 1: %+v", got)
	}
	h.fails(1, "only a lead or admin", "webhook", "received", "--user", "ravi")
	h.fails(1, "--limit", "webhook", "received", "--limit", "-1")
}
