package ui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"docket/store"
	"docket/store/demo"
)

// TestHistoryShowsATamperedTrail edits a comment in the file's bytes, as
// someone with the file but not docket might, and expects the History tab
// to say the trail does not verify, and where.
func TestHistoryShowsATamperedTrail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.db")
	if _, err := demo.Generate(path, demo.Options{Cases: 20, Seed: 1, Now: now, OSUser: "me"}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(path, store.Options{Now: clock})
	must(t, err)
	m := newModel(t, st, "me", 120, 30)
	first := m.queue.selected()
	if first == nil {
		t.Fatal("My queue is empty")
	}
	_, err = st.Comment(store.Target{Actor: "me", Case: first.Name}, "customer confirmed by phone")
	must(t, err)
	must(t, st.Close())

	raw, err := os.ReadFile(path)
	must(t, err)
	edited := bytes.ReplaceAll(raw, []byte("customer confirmed by phone"), []byte("customer confirmed by email"))
	must(t, os.WriteFile(path, edited, 0o600))

	st, err = store.Open(path, store.Options{Now: clock})
	must(t, err)
	defer st.Close()
	m = newModel(t, st, "me", 120, 30)
	press(t, m, "tab", "6")
	view := m.View()
	if !strings.Contains(view, "AUDIT TRAIL DOES NOT VERIFY") || !strings.Contains(view, "event 6: its content does not match its hash") {
		t.Fatalf("History after tampering:\n%s", view)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestTooSmallIgnoresKeys: a terminal too small to show anything takes no
// action but quitting, so a key pressed blind decides nothing.
func TestTooSmallIgnoresKeys(t *testing.T) {
	st := demoStore(t, 30)
	c := newCase(t, st, "default", "ravi")
	m := newModel(t, st, "ravi", 120, 30)
	press(t, m, "]", "]") // the Open queue
	selectCase(t, m, c.Name)
	m.Update(tea.WindowSizeMsg{Width: 30, Height: 8})
	if quit := press(t, m, "P"); quit {
		t.Fatal("a blind key quit")
	}
	if after := caseOf(t, st, c.ID); after.Version != c.Version {
		t.Fatalf("%s moved to %s on a too-small screen", c.Name, after.Status)
	}
	if !strings.Contains(m.View(), "docket needs a terminal") {
		t.Fatalf("view: %q", m.View())
	}
	if quit := press(t, m, "q"); !quit {
		t.Fatal("q did not quit")
	}
}

// TestImportedCommentAndReferenceOnlyObject: a comment an import brought
// reads as imported, with its source's author and date, never as a comment
// that user made in docket; an object the case names but the import did
// not include says so.
func TestImportedCommentAndReferenceOnlyObject(t *testing.T) {
	path := filepath.Join(t.TempDir(), "docket.db")
	st, err := store.Open(path, store.Options{Now: clock})
	must(t, err)
	defer st.Close()
	_, err = st.Login("me")
	must(t, err)
	doc := `{"data":{"type":"case","id":"case_1","attributes":{"status":"Open","name":"KYC-1","assignee-id":"me",` +
		`"created-at":"2026-11-20T00:00:00Z","updated-at":"2026-11-20T00:00:00Z"},` +
		`"relationships":{"inquiries":{"data":[{"type":"inquiry","id":"inq_elsewhere"}]}}},` +
		`"included":[{"type":"case-comment","id":"cscm_1","attributes":{"body":"all good","creator-id":"kai","created-at":"2019-03-04T05:06:07Z"}}]}`
	file := filepath.Join(t.TempDir(), "cases.jsonl")
	must(t, os.WriteFile(file, []byte(doc+"\n"), 0o600))
	_, err = st.Import([]store.Source{{Name: "cases.jsonl", Path: file}}, store.ImportOptions{Actor: "me"})
	must(t, err)

	m := newModel(t, st, "me", 200, 30)
	press(t, m, "tab", "6")
	view := m.View()
	if !strings.Contains(view, "me imported a comment by kai dated 2019-03-04 05:06 UTC at the source: all") ||
		strings.Contains(view, "kai commented") {
		t.Fatalf("History:\n%s", view)
	}
	press(t, m, "2")
	if view := m.View(); !strings.Contains(view, "(not included in the import: docket knows its kind and id only)") {
		t.Fatalf("Inquiries:\n%s", view)
	}
}
