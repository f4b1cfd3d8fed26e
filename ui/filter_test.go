package ui

import (
	"context"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"docket/model"
	"docket/store"
)

// Field terms typed into the filter act as filters beside free text.
func TestFilterFieldTerms(t *testing.T) {
	st := demoStore(t, 200)
	m := newModel(t, st, "me", 160, 40)
	press(t, m, "]", "]") // the Open queue
	press(t, m, "/", "type:status:pending", "enter")
	want, err := st.Count(context.Background(), store.Query{Queue: store.QueueOpen, Status: "Pending"})
	must(t, err)
	if want == 0 || m.queue.total != want || !m.queue.totalKnown {
		t.Fatalf("status:pending shows %d cases (known %v), the store has %d", m.queue.total, m.queue.totalKnown, want)
	}
	for _, c := range m.queue.rows {
		if c.Status != "Pending" {
			t.Fatalf("%s is %s", c.Name, c.Status)
		}
	}
	press(t, m, "/", "type: assignee:ravi", "enter")
	for _, c := range m.queue.rows {
		if c.Status != "Pending" || c.Assignee != "ravi" {
			t.Fatalf("%s is %s, %s", c.Name, c.Status, c.Assignee)
		}
	}
	if view := m.View(); !strings.Contains(view, "filter: status:pending assignee:ravi") {
		t.Fatalf("the kept filter is not shown:\n%s", view)
	}
}

// A filter's first page is shown before its total is known ("N+"), and
// the total that follows replaces it; the answer to a keystroke overtaken
// by the next one is dropped. ("e" matches more than a page of the Open
// queue.)
func TestFilterShowsThePageBeforeTheTotal(t *testing.T) {
	st := demoStore(t, 200)
	m := newModel(t, st, "me", 160, 40)
	press(t, m, "]", "]")
	press(t, m, "/")
	_, first := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("e")})
	_, second := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(" ")}) // "e ": filtered again
	for _, msg := range messages(first) {
		if msg, ok := msg.(filterMsg); ok {
			m.Update(msg) // the answer to "e", overtaken by "ea": dropped
		}
	}
	if m.queue.query.Text != "e" || !m.queue.searching {
		t.Fatalf("after a stale answer: text %q, searching %v", m.queue.query.Text, m.queue.searching)
	}
	var count tea.Cmd
	for _, msg := range messages(second) {
		if msg, ok := msg.(filterMsg); ok {
			_, count = m.Update(msg)
		}
	}
	if m.queue.totalKnown || !strings.HasSuffix(m.queue.position(), "+") {
		t.Fatalf("before the count: position %q, known %v", m.queue.position(), m.queue.totalKnown)
	}
	run(t, m, count)
	want, err := st.Count(context.Background(), store.Query{Queue: store.QueueOpen, Text: "e"})
	must(t, err)
	if !m.queue.totalKnown || m.queue.total != want || strings.HasSuffix(m.queue.position(), "+") {
		t.Fatalf("after the count: position %q, total %d, want %d", m.queue.position(), m.queue.total, want)
	}
}

// ":" jumps to any case by name, even one outside the queue in view.
func TestJumpToACase(t *testing.T) {
	st := demoStore(t, 200)
	m := newModel(t, st, "me", 160, 40)
	page, err := st.List(store.Query{Queue: store.QueueClosed, Limit: 1})
	must(t, err)
	closed := page.Cases[0]
	press(t, m, ":", "type:"+strings.ToLower(closed.Name), "enter")
	if c := m.queue.selected(); c == nil || c.ID != closed.ID {
		t.Fatalf("after :%s the selection is %v", closed.Name, c)
	}
	if m.tabs[m.activeTab].query.Queue != store.QueueClosed {
		t.Fatalf("jumped into %s", m.tabs[m.activeTab].label)
	}
	press(t, m, "esc") // clears the filter, keeps the case
	if c := m.queue.selected(); c == nil || c.ID != closed.ID || m.queue.query.Text != "" {
		t.Fatalf("after esc: %v, filter %q", c, m.queue.query.Text)
	}
	press(t, m, ":", "type:NOPE-1", "enter")
	if !strings.Contains(m.View(), `no case "NOPE-1"`) {
		t.Fatalf("an unknown case is not said:\n%s", m.View())
	}
}

// messages runs a command, and the commands of a batch, and returns the
// messages they give, without feeding them back.
func messages(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, messages(c)...)
		}
		return out
	default:
		return []tea.Msg{msg}
	}
}

// A case on display that someone else decides stays on display, with a
// note saying who decided it and when, though it has left the queue.
func TestCaseDecidedElsewhereIsNoted(t *testing.T) {
	st := demoStore(t, 60)
	m := newModel(t, st, "me", 160, 40)
	var c *model.Case
	for i := 0; i < 30 && c == nil; i++ {
		if sel := m.queue.selected(); sel != nil && sel.Workflow == "default" {
			c = sel
		} else {
			press(t, m, "j")
		}
	}
	if c == nil {
		t.Fatal("no default case in My queue")
	}
	press(t, m, "tab", "tab") // let the pane read it
	run(t, m, m.loadDetail())
	if _, err := st.SetStatus(store.Target{Actor: "lena", Case: c.ID}, store.StatusChange{Status: "Approved"}); err != nil {
		t.Fatal(err)
	}
	_, cmd := m.Update(changeMsg{Cases: []string{c.ID}})
	run(t, m, cmd)
	run(t, m, m.loadDetail())
	view := m.View()
	if !strings.Contains(view, "decided by lena just now (Approved)") || !strings.Contains(view, c.Name+"  Approved") {
		t.Fatalf("the pane does not say %s was decided elsewhere:\n%s", c.Name, view)
	}
	if sel := m.queue.selected(); sel != nil && sel.ID == c.ID {
		t.Fatalf("%s is still in My queue", c.Name)
	}
}

// A filter that cannot match (a status no workflow has) empties the list
// and says why: the rows of the filter before do not stand under it.
func TestAnInvalidFilterShowsNoRows(t *testing.T) {
	st := demoStore(t, 200)
	m := newModel(t, st, "me", 160, 40)
	press(t, m, "]", "]")
	press(t, m, "/", "type:e")
	if len(m.queue.rows) == 0 {
		t.Fatal("e matches nothing: the test needs rows first")
	}
	press(t, m, "type: status:nosuch")
	view := m.View()
	if len(m.queue.rows) != 0 || m.queue.total != 0 || !m.queue.totalKnown {
		t.Fatalf("under an invalid filter: %d rows, total %d (known %v)", len(m.queue.rows), m.queue.total, m.queue.totalKnown)
	}
	if !strings.Contains(view, `no workflow has a status "nosuch"`) || strings.Contains(view, "+ ") {
		t.Fatalf("the screen does not say why, or keeps a count to come:\n%s", view)
	}
	press(t, m, "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace", "backspace")
	if len(m.queue.rows) == 0 || m.queue.query.Text != "e" {
		t.Fatalf("back to %q: %d rows", m.queue.query.Text, len(m.queue.rows))
	}
}
