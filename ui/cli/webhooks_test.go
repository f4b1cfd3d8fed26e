package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"docket/model"
	"docket/store"
)

func TestWebhookCommands(t *testing.T) {
	h := newHarness(t)
	h.team()
	// A made secret: alone on standard output, said once.
	code, secret, errOut := h.run("", "webhook", "add", "https://hooks.example.com/docket?token=abc", "--events", "case.created,case.status-updated")
	secret = strings.TrimSpace(secret)
	if code != 0 || !strings.HasPrefix(secret, "whsec_") || !strings.Contains(errOut, "shown this once") ||
		!strings.Contains(errOut, "sends case.created, case.status-updated to https://hooks.example.com/docket?token=abc") {
		t.Fatalf("add: exit %d %q %q", code, secret, errOut)
	}
	// A given secret, from standard input, two lines while rotating.
	code, raw, errOut := h.run("old-secret-0123456789\nnew-secret-0123456789\n", "webhook", "add", "http://127.0.0.1:8080/in",
		"--events", "*", "--secret-file", "-", "--json")
	var added map[string]any
	if code != 0 || json.Unmarshal([]byte(raw), &added) != nil || added["secret"] != nil || added["events"].([]any)[0] != "*" {
		t.Fatalf("add --secret-file -: exit %d %q %q", code, raw, errOut)
	}
	secretFile := filepath.Join(h.dir, "secret")
	os.WriteFile(secretFile, []byte("short\n"), 0o600)
	h.fails(1, "secret:1: the line is 5 characters, too short", "webhook", "add", "https://x.example.com/", "--events", "*", "--secret-file", secretFile)
	os.WriteFile(secretFile, []byte("a-secret-others-may-read\n"), 0o644)
	os.Chmod(secretFile, 0o644)
	h.fails(1, "other users may read or change it", "webhook", "add", "https://x.example.com/", "--events", "*", "--secret-file", secretFile)
	h.fails(1, `unknown webhook event "case.resolved" (known: case.created,`, "webhook", "add", "https://x.example.com/", "--events", "case.resolved")
	h.fails(1, "must not carry a user name or password", "webhook", "add", "https://me:pw@x.example.com/", "--events", "*")
	h.fails(2, "usage: docket webhook add --events NAMES URL", "webhook", "add", "--events", "*")
	for _, args := range [][]string{
		{"webhook", "add", "https://x.example.com/", "--events", "*"}, {"webhook", "list"}, {"webhook", "remove", "wh_1"},
		{"webhook", "deliveries"},
	} {
		h.fails(1, "only an admin may manage webhooks", append(args, "--user", "lena")...)
	}

	out := h.ok("webhook", "list")
	for _, want := range []string{"ID", "URL", "https://hooks.example.com/docket?token=abc", "case.created,case.status-updated", "http://127.0.0.1:8080/in", "*"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	raw = h.ok("webhook", "list", "--json")
	var hooks []model.Webhook
	if json.Unmarshal([]byte(raw), &hooks) != nil || len(hooks) != 2 || strings.Contains(raw, "secret") {
		t.Fatalf("list --json %q", raw)
	}

	h.ok("case", "create", "--workflow", "default", "--assign", "ravi")
	h.ok("case", "status", "CASE-1", "Pending", "--user", "ravi")
	h.ok("case", "tag", "CASE-1", "+vip", "--user", "ravi")
	var ds []model.Delivery
	must(t, json.Unmarshal([]byte(h.ok("webhook", "deliveries", "--json", "--limit", "0")), &ds))
	names := map[string]int{}
	for _, d := range ds {
		names[d.Name+" "+d.Webhook]++
		if d.State != model.DeliveryPending || d.CaseName != "CASE-1" {
			t.Fatalf("delivery %+v", d)
		}
	}
	first, all := hooks[0].ID, hooks[1].ID
	if len(ds) != 5 || names["case.created "+first] != 1 || names["case.status-updated "+first] != 1 || names["case.updated "+all] != 1 {
		t.Fatalf("deliveries %v", names)
	}
	out = h.ok("webhook", "deliveries", "--webhook", first)
	if !strings.Contains(out, "case.status-updated") || strings.Contains(out, "case.updated") || !strings.Contains(out, "pending") {
		t.Fatalf("deliveries of %s:\n%s", first, out)
	}
	h.fails(1, "no webhook \"wh_nope\" (webhooks: "+first+", "+all+")", "webhook", "remove", "wh_nope")
	if out := h.ok("webhook", "remove", first); !strings.Contains(out, "removed webhook "+first) {
		t.Fatalf("remove: %q", out)
	}
	out = h.ok("webhook", "deliveries", "--failed")
	if strings.Count(out, "the webhook was removed") != 2 || strings.Contains(out, all) {
		t.Fatalf("failed after remove:\n%s", out)
	}
	h.ok("check")
}

// The receiver writes a delivery's last answer (its status line): the
// table prints it on one line, its tabs unable to shift the columns.
func TestDeliveriesPrintAReceiversAnswerInert(t *testing.T) {
	h := newHarness(t)
	h.team()
	h.ok("webhook", "add", "http://127.0.0.1:9/in", "--events", "*")
	h.ok("case", "create", "--workflow", "default")
	s, err := store.Open(h.env["DOCKET_DB"], store.Options{})
	must(t, err)
	due, err := s.DueDeliveries(func(string) int { return 1 }, func(model.Delivery) bool { return false })
	must(t, err)
	must(t, s.RecordDelivery(due[0].ID, store.DeliveryAttempt{At: s.Now(), Status: 500,
		Err: "500 x\tFORGED\x1b[31m\nline", Retry: s.Now().Add(time.Hour)}))
	must(t, s.Close())
	out := h.ok("webhook", "deliveries")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "500 x FORGED line") || strings.ContainsAny(out, "\t\x1b") {
		t.Fatalf("deliveries:\n%q", out)
	}
}
