package ui

import (
	"path/filepath"
	"strings"
	"testing"

	"docket/store"
	"docket/store/persona"
)

// A Persona account keeps its name as a hash of {type, value} pairs; the
// Accounts tab reads it as "Amara Okafor", in the summary and expanded
// (issue 10 item 5).
func TestAccountNameReadsAsAName(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "docket.db"), store.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Login("me"); err != nil {
		t.Fatal(err)
	}
	docs, err := persona.Decode([]byte(`{"data": {"type": "case", "id": "case_amara1", "attributes": {"status": "open", "name": "KYC-1"},
	  "relationships": {"accounts": {"data": [{"type": "account", "id": "act_amara"}]}}},
	 "included": [{"type": "account", "id": "act_amara", "attributes": {"reference-id": "user-9",
	  "fields": {"name": {"type": "hash", "value": {"first": {"type": "string", "value": "Amara"},
	   "last": {"type": "string", "value": "Okafor"}}}}}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.ImportDocs(docs, store.ImportOptions{Actor: "me"}); err != nil {
		t.Fatal(err)
	}
	m := newModel(t, st, "me", 160, 45)
	press(t, m, "]") // Unassigned
	press(t, m, "3")
	if m.focus != focusCase {
		press(t, m, "tab")
	}
	view := m.View()
	if !strings.Contains(view, "Amara Okafor") || !strings.Contains(view, "name      Amara Okafor") {
		t.Fatalf("the account's name is not read as a name:\n%s", view)
	}
	press(t, m, "enter", "+") // open it, unfold every attribute
	view = m.View()
	if !strings.Contains(view, `"Amara"`) || strings.Contains(view, `"type"`) {
		t.Fatalf("the expanded account shows Persona's typed values:\n%s", view)
	}
}
