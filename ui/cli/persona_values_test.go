package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// accountDoc is a Persona case whose only person is an account that keeps
// its name as a hash of typed values, as Persona's accounts do.
const accountDoc = `{"data": {"type": "case", "id": "case_amara1", "attributes": {"status": "open", "name": "KYC-1"},
  "relationships": {"accounts": {"data": [{"type": "account", "id": "act_amara"}]}}},
 "included": [{"type": "account", "id": "act_amara", "attributes": {"reference-id": "user-9",
  "fields": {"name": {"type": "hash", "value": {"first": {"type": "string", "value": "Amara"},
   "last": {"type": "string", "value": "Okafor"}}}}}}]}`

// Persona's {type, value} pairs read as values wherever a person reads
// them: case show, the subject in case list (issue 10 item 5).
func TestPersonaAccountNameReadsAsAName(t *testing.T) {
	h := newHarness(t)
	h.team()
	file := filepath.Join(h.dir, "case.json")
	must(t, os.WriteFile(file, []byte(accountDoc), 0o600))
	h.ok("import", file)
	show := h.ok("case", "show", "case_amara1")
	if !strings.Contains(show, "account act_amara (Amara Okafor)") || !strings.Contains(show, "subject   Amara Okafor") {
		t.Errorf("case show:\n%s", show)
	}
	if strings.Contains(show, `"type"`) || strings.Contains(show, `"first"`) {
		t.Errorf("case show prints Persona's typed values:\n%s", show)
	}
	if list := h.ok("case", "list", "--queue", "all"); !strings.Contains(list, "Amara Okafor") {
		t.Errorf("case list:\n%s", list)
	}

	// A case without a subject gets one by attaching an account that names
	// the person (README: where a case's subject comes from).
	h.ok("case", "create", "--workflow", "default", "--assign", "ravi")
	if show := h.ok("case", "show", "CASE-1"); !strings.Contains(show, "subject   -") {
		t.Fatalf("a new case has a subject:\n%s", show)
	}
	acct := filepath.Join(h.dir, "account.json")
	must(t, os.WriteFile(acct, []byte(`{"data": {"type": "account", "id": "act_kai", "attributes": {"fields":
		{"name": {"type": "hash", "value": {"first": {"type": "string", "value": "Kai"}, "last": {"type": "string", "value": "Sato"}}}}}}}`), 0o600))
	h.ok("case", "attach", "CASE-1", acct, "--user", "ravi")
	if show := h.ok("case", "show", "CASE-1"); !strings.Contains(show, "subject   Kai Sato") {
		t.Errorf("attaching an account did not set the subject:\n%s", show)
	}
}
