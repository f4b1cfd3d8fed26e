package ui

import (
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"docket/store"
	"docket/store/demo"
)

// TestCommentOverTheLimitIsRefusedNotCut: the comment form counts what was
// typed and shows the store's limit; over it, enter refuses to send and
// keeps every character (nothing is cut at 5,000 characters or anywhere).
func TestCommentOverTheLimitIsRefusedNotCut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.db")
	if _, err := demo.Generate(path, demo.Options{Cases: 10, Seed: 1, Now: now, OSUser: "me"}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(path, store.Options{Now: clock, MaxCaseBytes: 6000})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := newCase(t, st, "default", "ravi")
	m := newModel(t, st, "ravi", 120, 40)
	selectCase(t, m, c.Name)
	long := strings.Repeat("0123456789", 601) // 6,010 characters
	press(t, m, "m")
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(long), Paste: true})
	box := m.dialog.(*commentBox)
	if box.text.Value() != long {
		t.Fatalf("the box holds %d of %d characters", len(box.text.Value()), len(long))
	}
	if view := m.View(); !strings.Contains(view, "10 bytes over the limit of 5.9 KB") {
		t.Fatalf("no count over the limit:\n%s", view)
	}
	press(t, m, "enter")
	if m.dialog != box || !strings.Contains(box.problem, "over the limit of 5.9 KB") || box.text.Value() != long {
		t.Fatalf("dialog %T, problem %q", m.dialog, box.problem)
	}
	if d := detailOf(t, st, c.ID); len(d.Comments) != 0 {
		t.Fatal("a comment over the limit was sent")
	}
	press(t, m, "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace")
	if view := m.View(); !strings.Contains(view, "6000 characters · limit 5.9 KB") {
		t.Fatalf("no count:\n%s", view)
	}
	press(t, m, "enter")
	if d := detailOf(t, st, c.ID); len(d.Comments) != 1 || d.Comments[0].Body != long[:6000] {
		t.Fatalf("comments %d (%s)", len(d.Comments), m.message)
	}

	// The same in a decision's form.
	press(t, m, "D", "1", "m")
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(long), Paste: true})
	press(t, m, "enter")
	f, ok := m.dialog.(*moveForm)
	if !ok || !strings.Contains(f.problem, "over the limit") || f.comment.Value() != long {
		t.Fatalf("dialog %T %+v", m.dialog, m.dialog)
	}
	// A paste the textarea would cut (it holds 10,000 lines) is refused.
	press(t, m, "esc", "m", "ctrl+u")
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(strings.Repeat("x\n", textareaMaxLines)), Paste: true})
	if box := m.dialog.(*commentBox); !strings.Contains(box.problem, "nothing was pasted") {
		t.Fatalf("problem %q", box.problem)
	}
}

// TestCommentsKeepLineBreaksInHistory: a comment's lines show as lines in
// the History tab, each cleaned of escape sequences.
func TestCommentsKeepLineBreaksInHistory(t *testing.T) {
	st := demoStore(t, 10)
	c := newCase(t, st, "default", "ravi")
	m := newModel(t, st, "ravi", 120, 30)
	selectCase(t, m, c.Name)
	press(t, m, "m", "type:called the customer", "ctrl+j", "type:no answer", "ctrl+j", "type:will retry", "enter")
	press(t, m, "6", "tab")
	lines := strings.Split(m.View(), "\n")
	at := -1
	for i, l := range lines {
		if strings.Contains(l, "ravi commented: called the customer") {
			at = i
		}
	}
	if at < 0 || at+2 >= len(lines) || !strings.HasSuffix(strings.TrimRight(lines[at+1], " "), "           no answer") ||
		!strings.Contains(lines[at+2], "will retry") {
		t.Fatalf("History:\n%s", strings.Join(lines, "\n"))
	}
}
