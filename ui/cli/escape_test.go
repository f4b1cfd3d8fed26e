package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"docket/model"
	"docket/ui/safe"
)

// evil sets the terminal's title (OSC), starts a C1 CSI and a C1 OSC, and
// turns the text after it backwards.
const evil = "\x1b]0;pwned\x07\u009b31m\u009d0;t\u009c\u202e"

// evilReason is the reason code planted in a stored workflow (YAML escapes).
const evilReason = "\x1b]0;pwned\a\u009b\u009d\u202e"

// evilJSON is evil as a JSON string's content.
var evilJSON = strings.Trim(jsonString(evil), `"`)

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// inert fails if s holds anything a terminal acts on or hides.
func inert(t *testing.T, what, s string) {
	t.Helper()
	if i := strings.IndexFunc(s, func(r rune) bool {
		return r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r < 0xa0 || safe.IsFormat(r)
	}); i >= 0 {
		t.Errorf("%s printed %q (at byte %d of %q)", what, s[i:min(len(s), i+12)], i, s)
	}
}

// plant replaces placeholder in the database file's bytes with text of the
// same length, as data written before today's input checks would be.
func plant(t *testing.T, path, placeholder, text string) {
	t.Helper()
	if len(placeholder) != len(text) {
		t.Fatalf("plant: %q is %d bytes, %q %d", placeholder, len(placeholder), text, len(text))
	}
	raw, err := os.ReadFile(path)
	must(t, err)
	if !bytes.Contains(raw, []byte(placeholder)) {
		t.Fatalf("plant: %q is not in the file", placeholder)
	}
	must(t, os.WriteFile(path, bytes.ReplaceAll(raw, []byte(placeholder), []byte(text)), 0o600))
}

// plantSealed plants text in a record that carries its digest (a user, a
// workflow) and seals it again, so that it reads as a record docket wrote;
// plain and sum are the record's content and digest as stored.
func plantSealed(t *testing.T, path, kind, plain, sum, placeholder, text string) {
	t.Helper()
	if model.RecordSum(kind, []byte(plain)) != sum {
		t.Fatalf("plant: the %s record's digest is not %s", kind, sum)
	}
	plant(t, path, sum, model.RecordSum(kind, []byte(strings.Replace(plain, placeholder, text, 1))))
	plant(t, path, placeholder, text)
}

// storedUser finds the user record holding placeholder in the file and
// returns it without its digest, and the digest.
func storedUser(t *testing.T, path, placeholder string) (plain, sum string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	must(t, err)
	i := bytes.Index(raw, []byte(placeholder))
	start := bytes.LastIndex(raw[:i], []byte(`{"name":`))
	end := i + bytes.Index(raw[i:], []byte(`"}`)) + 2
	m := regexp.MustCompile(`,"sum":"([0-9a-f]+)"`).FindStringSubmatchIndex(string(raw[start:end]))
	if start < 0 || m == nil {
		t.Fatalf("plant: no user record holds %q", placeholder)
	}
	rec := string(raw[start:end])
	return rec[:m[0]] + rec[m[1]:], rec[m[2]:m[3]]
}

// TestStoredTextPrintsInert feeds case names, included resources, user
// emails, reason codes, audit problems and field values escape sequences,
// C1 controls and a bidi override, and runs every command that prints them:
// the human output holds none of it, and --json holds all of it, exactly.
func TestStoredTextPrintsInert(t *testing.T) {
	h := newHarness(t)
	h.team()
	db := h.env["DOCKET_DB"]
	// Case names are refused on the way in too: the case is imported under
	// a stand-in of the same length, then planted.
	evilName := "KYC-1" + evil
	namePlaceholder := "KYC-1-" + strings.Repeat("n", len(evilName)-len("KYC-1-"))
	doc := `{"data":{"type":"case","id":"case_evil","attributes":{"name":` + jsonString(namePlaceholder) +
		`,"status":"Open","created-at":"2026-11-01T10:00:00Z","updated-at":"2026-11-01T10:00:00Z","tags":[],"fields":{}}},` +
		`"included":[{"type":` + jsonString("gadget"+evil) + `,"id":"gad_1","attributes":{}}]}`
	must(t, os.WriteFile(filepath.Join(h.dir, "evil.jsonl"), []byte(doc+"\n"), 0o600))

	// Reason codes and emails are refused on the way in now; plant them as
	// an older docket could have stored them.
	wf := strings.Replace(strings.Replace(builtinSource(t, h, "default"), "id: default", "id: evil", 1), "key: CASE", "key: EVIL", 1)
	wf = strings.Replace(wf, "reasons: [fraud", "reasons: [reason-placeholder-xxxxxxxxx, fraud", 1)
	must(t, os.WriteFile(filepath.Join(h.dir, "evil.yaml"), []byte(wf), 0o600))
	h.ok("workflow", "load", filepath.Join(h.dir, "evil.yaml"))
	refusedWF := filepath.Join(h.dir, "refused.yaml")
	must(t, os.WriteFile(refusedWF, []byte(strings.Replace(wf, "reason-placeholder-xxxxxxxxx", `"\e]0;pwned\a"`, 1)), 0o600))
	h.fails(1, refusedWF+":21: statuses[3].reasons[0]: ", "workflow", "check", refusedWF)
	h.fails(1, refusedWF+":21: statuses[3].reasons[0]: ", "workflow", "load", refusedWF)
	emailPlaceholder := "zoe-placeholder-" + strings.Repeat("x", 40)
	pad := strings.Repeat("x", len(emailPlaceholder)-len("zoe"+evilJSON))
	h.ok("user", "add", "zoe", "--email", emailPlaceholder+"@example.com")
	h.ok("case", "create", "--workflow", "evil", "--assign", "ravi")
	plantSealed(t, db, "workflow", wf, model.RecordSum("workflow", []byte(wf)), "reason-placeholder-xxxxxxxxx", `"\e]0;pwned\a\x9b\x9d\u202e"`)
	plain, sum := storedUser(t, db, `"email":"`+emailPlaceholder)
	plantSealed(t, db, "user", plain, sum, `"email":"`+emailPlaceholder, `"email":"zoe`+evilJSON+pad)

	h.ok("import", filepath.Join(h.dir, "evil.jsonl"))
	plant(t, db, namePlaceholder, evilName)

	runs := []struct {
		args  []string
		stdin string
	}{
		{[]string{"import", filepath.Join(h.dir, "evil.jsonl")}, ""},
		{[]string{"case", "enrich", "case_evil", "-"}, `{"note":` + jsonString("note"+evil) + `}`},
		{[]string{"case", "claim", "case_evil"}, ""},
		{[]string{"case", "tag", "case_evil", "+vip"}, ""},
		{[]string{"case", "status", "case_evil", "Pending"}, ""},
		{[]string{"case", "status", "case_evil", "Declined"}, ""}, // refused: names the case and the reasons
		{[]string{"case", "status", "case_evil", "Approved", "--expect-version", "1"}, ""},
		{[]string{"case", "unassign", "case_evil"}, ""},
		{[]string{"case", "comment", "case_evil", "comment-placeholder"}, ""},
		{[]string{"case", "status", "EVIL-1", "Declined"}, ""}, // refused: lists the planted reason
		{[]string{"case", "status", "EVIL-1", "Declined", "--reason", evilReason}, ""},
		{[]string{"case", "list", "--queue", "all"}, ""},
		{[]string{"case", "show", "case_evil"}, ""},
		{[]string{"case", "history", "case_evil"}, ""},
		{[]string{"case", "history", "EVIL-1"}, ""},
		{[]string{"case", "show", "EVIL-1"}, ""},
		{[]string{"user", "list"}, ""},
		{[]string{"workflow", "list"}, ""},
		{[]string{"workflow", "show", "evil"}, ""},
		{[]string{"workload"}, ""},
		{[]string{"stats"}, ""},
		{[]string{"case", "status", "case_evil", "Open", "--expect-version", "99"}, ""},
	}
	for _, r := range runs {
		_, out, errOut := h.run(r.stdin, r.args...)
		inert(t, strings.Join(r.args, " ")+" (stdout)", out)
		inert(t, strings.Join(r.args, " ")+" (stderr)", errOut)
	}

	// check quotes the case name in its problem lines.
	plant(t, db, "comment-placeholder", "comment-Placeholder")
	code, out, errOut := h.run("", "check")
	if code != 1 || !strings.Contains(out, "KYC-1") || !strings.Contains(out, "audit trail") {
		t.Fatalf("check: exit %d\n%s%s", code, out, errOut)
	}
	inert(t, "check", out+errOut)

	// --json is exact: the stored text, escaped only by JSON's rules.
	var shown struct {
		Name   string
		Fields map[string]string
	}
	raw := h.ok("case", "show", "case_evil", "--json")
	must(t, json.Unmarshal([]byte(raw), &shown))
	if shown.Name != evilName || shown.Fields["note"] != "note"+evil || !strings.Contains(raw, "\u009b31m\u009d0;t\u009c\u202e") {
		t.Fatalf("case show --json altered the stored text:\n%s", raw)
	}
	var users []struct{ Name, Email string }
	must(t, json.Unmarshal([]byte(h.ok("user", "list", "--json")), &users))
	if users[len(users)-1].Email != "zoe"+evil+pad+"@example.com" {
		t.Fatalf("user list --json: %+v", users)
	}
	var wfJSON struct{ Statuses []struct{ Reasons []string } }
	must(t, json.Unmarshal([]byte(h.ok("workflow", "show", "evil", "--json")), &wfJSON))
	if got := wfJSON.Statuses[3].Reasons[0]; got != evilReason {
		t.Fatalf("workflow show --json: reason %q", got)
	}
	var hist struct{ Events []struct{ Reason string } }
	must(t, json.Unmarshal([]byte(h.ok("case", "history", "EVIL-1", "--json")), &hist))
	if got := hist.Events[len(hist.Events)-1].Reason; got != evilReason {
		t.Fatalf("case history --json: reason %q", got)
	}
}

// builtinSource is a built-in workflow's YAML, as workflow show prints it.
func builtinSource(t *testing.T, h *harness, id string) string {
	t.Helper()
	return h.ok("workflow", "show", id)
}
