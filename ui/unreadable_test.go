package ui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"

	"docket/store"
	"docket/store/demo"
)

// brokenCase is a case of me's whose comment record is damaged in the
// file's bytes: the queue lists it from its index entry, but it cannot be
// read for the pane. Writes to it still work (they do not read comments),
// so a key that acted on it would change the database.
const brokenCase = "BRK-1"

// unreadableStore is a demo database holding brokenCase.
func unreadableStore(t *testing.T) *store.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "demo.db")
	_, err := demo.Generate(path, demo.Options{Cases: 30, Seed: 1, Now: now, OSUser: "me"})
	must(t, err)
	st, err := store.Open(path, store.Options{Now: clock})
	must(t, err)
	doc := `{"data":{"type":"case","id":"case_broken","attributes":{"name":"` + brokenCase + `","status":"Open",` +
		`"created-at":"2026-11-20T10:00:00Z","updated-at":"2026-11-20T10:00:00Z","assignee-id":"me","tags":[],"fields":{}}},` +
		`"included":[{"type":"case-comment","id":"cc_broken","attributes":{"body":"BREAKME, said the comment",` +
		`"creator-id":"me","created-at":"2026-11-20T11:00:00Z"}}]}`
	src := filepath.Join(t.TempDir(), "broken.jsonl")
	must(t, os.WriteFile(src, []byte(doc+"\n"), 0o600))
	_, err = st.Import([]store.Source{{Name: "broken.jsonl", Path: src}}, store.ImportOptions{Actor: "me"})
	must(t, err)
	must(t, st.Close())
	raw, err := os.ReadFile(path)
	must(t, err)
	if bytes.Count(raw, []byte(`"body":"BREAKME`)) != 1 {
		t.Fatal("the comment to damage is not in the file once")
	}
	must(t, os.WriteFile(path, bytes.Replace(raw, []byte(`"body":"BREAKME`), []byte(`"body":!BREAKME`), 1), 0o600))
	st, err = store.Open(path, store.Options{Now: clock})
	must(t, err)
	t.Cleanup(func() { st.Close() })
	if _, err := st.CaseDetail(brokenCase); err == nil {
		t.Fatal("the damaged case still reads")
	}
	return st
}

// TestActionKeysRefuseAnUnreadableCase: with the pane showing a case and
// the selection moved to one that cannot be read, the pane says why and
// every key that acts on a case refuses with that reason, instead of acting
// on the selected row (or the case still on display), and nothing changes.
func TestActionKeysRefuseAnUnreadableCase(t *testing.T) {
	st := unreadableStore(t)
	for _, key := range []string{"P", "A", "D", "s", "c", "u", "a", "m", "t", "d", "e"} {
		t.Run(key, func(t *testing.T) {
			m := newModel(t, st, "me", 140, 34)
			m.opts.Editor = "false"
			shown := m.queue.selected()
			if shown == nil || m.pane.detail == nil || m.pane.detail.Case.ID != shown.ID {
				t.Fatal("the pane does not show the first case")
			}
			selectCase(t, m, brokenCase)
			m.showNow()
			view := m.View()
			if !strings.Contains(view, brokenCase+" could not be read: ") || strings.Contains(view, shown.Name) {
				t.Fatalf("the pane does not say %s could not be read, or still shows %s:\n%s", brokenCase, shown.Name, view)
			}
			before, err := st.Digest()
			must(t, err)
			press(t, m, key)
			if !strings.Contains(m.message, brokenCase+" could not be read: ") || !strings.Contains(m.message, "nothing was done") || m.dialog != nil {
				t.Fatalf("%s: footer %q, dialog %T", key, m.message, m.dialog)
			}
			if after, _ := st.Digest(); after != before {
				t.Fatalf("%s changed the database", key)
			}
			if !strings.Contains(m.View(), "could not be read") {
				t.Fatalf("the refusal is not on screen:\n%s", m.View())
			}
		})
	}
}

// TestActionKeysWaitForTheCaseOnDisplay: a key pressed after the selection
// moved but before the new case is read acts on neither case.
func TestActionKeysWaitForTheCaseOnDisplay(t *testing.T) {
	st := demoStore(t, 30)
	m := newModel(t, st, "me", 140, 34)
	first := m.pane.detail.Case
	m.queueKey(keyMsg("j")) // moves the cursor; the read is not done yet
	next := m.queue.selected()
	before, err := st.Digest()
	must(t, err)
	m.handleKey(keyMsg("c"))
	if !strings.Contains(m.message, next.Name+" is still being read; nothing was done") {
		t.Fatalf("footer %q (pane shows %s, %s selected)", m.message, first.Name, next.Name)
	}
	if after, _ := st.Digest(); after != before {
		t.Fatal("a key acted while the case was being read")
	}
}

func TestGoldenUnreadableCase(t *testing.T) {
	st := unreadableStore(t)
	golden.RequireEqual(t, []byte(screen(t, st, "me", 140, 34, "could not be read", "/", "type:"+brokenCase, "enter")))
}
