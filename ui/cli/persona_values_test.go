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
}
