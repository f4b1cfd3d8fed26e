package ui

import (
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"docket/store"
)

// An empty database's first screen says what to do: import, create, or
// f for the next case (issue 10, README). A queue that is only empty says
// so plainly.
func TestEmptyDatabaseSaysWhatToDo(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "docket.db"), store.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Login("me"); err != nil {
		t.Fatal(err)
	}
	m := newModel(t, st, "me", 160, 45)
	view := m.View()
	for _, want := range []string{"No cases yet", "docket import FILE...", "docket case create --workflow default", "docket demo", "Then f takes"} {
		if !strings.Contains(view, want) {
			t.Errorf("the first screen of an empty database lacks %q:\n%s", want, view)
		}
	}
	checkFrame(t, view, 160, 45)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	checkFrame(t, m.View(), 80, 24)

	if _, err := st.CreateCase("me", store.NewCase{Workflow: "default"}); err != nil {
		t.Fatal(err)
	}
	press(t, m, "r") // refresh: My queue is empty, the database is not
	if view := m.View(); strings.Contains(view, "No cases yet") || !strings.Contains(view, "no cases here") {
		t.Errorf("an empty queue of a database with cases:\n%s", view)
	}
}
