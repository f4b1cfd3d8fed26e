package ui

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"docket/model"
	"docket/store"
	"docket/workflows"
)

// selectCase puts the queue cursor on the case called name, searching the
// active queue with the filter mechanism itself.
func selectCase(t testing.TB, m *Model, name string) {
	t.Helper()
	press(t, m, "/", "ctrl+u", "type:"+name, "enter")
	for i, c := range m.queue.rows {
		if c.Name == name {
			if err := m.queue.move(m.queue.start + i); err != nil {
				t.Fatal(err)
			}
			m.showSelected()
			return
		}
	}
	t.Fatalf("%s is not in queue %s (rows %d)", name, m.tabs[m.activeTab].label, len(m.queue.rows))
}

// newCase creates a case for a test: lena creates it in wf, assigned to who.
func newCase(t testing.TB, st *store.Store, wf, who string) *model.Case {
	t.Helper()
	c, err := st.CreateCase("lena", store.NewCase{Workflow: wf, Assignee: who, Fields: []byte(`{"risk":{"score":50}}`)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNavigation(t *testing.T) {
	st := demoStore(t, 300)
	m := newModel(t, st, "me", 120, 30)
	total := m.queue.total
	if total < 20 {
		t.Fatalf("my queue has only %d cases", total)
	}
	steps := []struct {
		keys []string
		want func() int
	}{
		{[]string{"j"}, func() int { return 1 }},
		{[]string{"j", "j", "k"}, func() int { return 2 }},
		{[]string{"G"}, func() int { return total - 1 }},
		{[]string{"g"}, func() int { return 0 }},
		{[]string{"ctrl+d"}, func() int { return m.queue.height / 2 }},
		{[]string{"ctrl+u"}, func() int { return 0 }},
		{[]string{"k"}, func() int { return 0 }}, // stays at the top
		{[]string{"down"}, func() int { return 1 }},
	}
	for _, s := range steps {
		press(t, m, s.keys...)
		if m.queue.cursor != s.want() {
			t.Fatalf("after %v: cursor %d, want %d", s.keys, m.queue.cursor, s.want())
		}
		if sel := m.queue.selected(); sel == nil || m.pane.detail == nil || m.pane.detail.Case.ID != sel.ID {
			t.Fatalf("after %v: the pane does not show the selected case", s.keys)
		}
	}
	// Tab moves the focus; j then scrolls the pane, not the queue.
	press(t, m, "tab", "j")
	if m.focus != focusCase || m.queue.cursor != 1 {
		t.Fatalf("focus %d cursor %d", m.focus, m.queue.cursor)
	}
	press(t, m, "5")
	if m.pane.tab != tabEnrichment {
		t.Fatalf("tab %d", m.pane.tab)
	}
	press(t, m, "esc")
	if m.focus != focusQueue {
		t.Fatal("esc did not return to the queue")
	}
	// The next queue tab is Unassigned.
	press(t, m, "]")
	if m.tabs[m.activeTab].query.Queue != store.QueueUnassigned || m.queue.cursor != 0 {
		t.Fatalf("tab %+v", m.tabs[m.activeTab])
	}
	for _, c := range m.queue.rows {
		if c.Assignee != "" || !c.Open() {
			t.Fatalf("unassigned queue shows %s (%s, %s)", c.Name, c.Assignee, c.Status)
		}
	}
}

func TestBigQueueWindow(t *testing.T) {
	st := demoStore(t, 1500)
	m := newModel(t, st, "me", 120, 30)
	press(t, m, "3") // Open tab? no: 3 is the Accounts case tab; switch queue instead
	press(t, m, "esc", "]", "]")
	if m.tabs[m.activeTab].query.Queue != store.QueueOpen {
		t.Fatalf("tab %s", m.tabs[m.activeTab].label)
	}
	total := m.queue.total
	press(t, m, "G")
	last := m.queue.selected()
	if m.queue.cursor != total-1 || last == nil {
		t.Fatalf("G: cursor %d of %d", m.queue.cursor, total)
	}
	// Walking up from the end reads backwards and keeps positions exact.
	for i := 0; i < 150; i++ {
		press(t, m, "k")
	}
	page, err := st.List(store.Query{Queue: store.QueueOpen, Actor: "me", Limit: total})
	if err != nil {
		t.Fatal(err)
	}
	want := page.Cases[total-151]
	if got := m.queue.selected(); got == nil || got.ID != want.ID || m.queue.cursor != total-151 {
		t.Fatalf("after G and 150 k: cursor %d on %v, want %s", m.queue.cursor, got, want.Name)
	}
	press(t, m, "g")
	if m.queue.selected().ID != page.Cases[0].ID || m.queue.start != 0 {
		t.Fatal("g did not return to the first case")
	}
	if len(m.queue.rows) > maxWindow {
		t.Fatalf("window holds %d rows", len(m.queue.rows))
	}
}

func TestFilter(t *testing.T) {
	st := demoStore(t, 300)
	m := newModel(t, st, "me", 120, 30)
	press(t, m, "]", "]") // Open
	subject := m.queue.rows[3].Subject
	last := strings.Fields(subject)[1]
	if quit := press(t, m, "/", "type:q"+strings.ToLower(last)[:0], "backspace"); quit {
		t.Fatal("q typed into the filter quit")
	}
	press(t, m, "type:"+last)
	if !m.queue.filtering || m.queue.query.Text != last {
		t.Fatalf("filtering %v text %q", m.queue.filtering, m.queue.query.Text)
	}
	for _, c := range m.queue.rows {
		if !c.Matches(strings.ToLower(last)) {
			t.Fatalf("%s (%s) does not match %q", c.Name, c.Subject, last)
		}
	}
	found := len(m.queue.rows)
	press(t, m, "enter")
	if m.queue.filtering || m.queue.query.Text != last || len(m.queue.rows) != found {
		t.Fatal("enter did not keep the filter")
	}
	if !strings.Contains(m.View(), "filter: "+last) {
		t.Fatal("the kept filter is not shown")
	}
	press(t, m, "esc")
	if m.queue.query.Text != "" || m.queue.total <= found {
		t.Fatalf("esc did not clear the filter: %q, %d rows", m.queue.query.Text, m.queue.total)
	}
	// A reference id finds its case too.
	ref := ""
	for _, c := range m.queue.rows {
		if len(c.References) > 0 {
			ref = c.References[0]
			break
		}
	}
	press(t, m, "/", "type:"+ref, "enter")
	if m.queue.total < 1 || !m.queue.rows[0].Matches(strings.ToLower(ref)) {
		t.Fatalf("reference %s not found", ref)
	}
	press(t, m, "/", "type:zzzz-nothing", "enter")
	if m.queue.total != 0 || !strings.Contains(m.View(), "no case matches") {
		t.Fatal("an empty result is not said")
	}
}

// TestDecisions drives every path of a status change and checks the store.
func TestDecisions(t *testing.T) {
	type setup struct {
		wf, assignee, status string // the case before
	}
	tests := []struct {
		name    string
		user    string
		setup   setup
		keys    []string
		status  string // the case after ("" = unchanged)
		reason  string
		comment string
		footer  string
		dialog  bool // a dialog is still open at the end
	}{
		{"intermediate, no questions", "ravi", setup{"default", "ravi", ""}, []string{"P"}, "Pending", "", "", "→ Pending", false},
		{"refused: someone else's case", "ravi", setup{"default", "mia", ""}, []string{"P"}, "", "", "", "assigned to mia", false},
		{"refused: workflow path", "ravi", setup{"pipeline", "ravi", ""}, []string{"O"}, "", "", "", "can only be reached from Ready to order", false},
		{"refused: already there", "ravi", setup{"default", "ravi", ""}, []string{"O"}, "", "", "", "already Open", false},
		{"requires a reason: a digit picks it, then confirm", "ravi", setup{"default", "ravi", ""}, []string{"D", "2", "y"}, "Declined", "sanctions-match", "", "→ Declined", false},
		{"a required reason starts unchosen: enter does not go on", "ravi", setup{"default", "ravi", ""}, []string{"D", "enter", "y", "enter"}, "", "", "", "", true},
		{"typing filters the reasons, enter takes the first match", "ravi", setup{"default", "ravi", ""}, []string{"D", "type:mis", "enter", "y"}, "Declined", "identity-mismatch", "", "→ Declined", false},
		{"the reason list wraps upwards", "ravi", setup{"default", "ravi", ""}, []string{"D", "up", "enter", "y"}, "Declined", "incomplete", "", "→ Declined", false},
		{"the reason list wraps downwards", "ravi", setup{"default", "ravi", ""}, []string{"D", "down", "down", "down", "down", "down", "enter", "y"}, "Declined", "fraud", "", "→ Declined", false},
		{"a reason and a comment", "ravi", setup{"default", "ravi", ""}, []string{"D", "1", "m", "type:ring of 3", "enter", "y"}, "Declined", "fraud", "ring of 3", "→ Declined", false},
		{"an optional reason from the confirmation", "ravi", setup{"default", "ravi", ""}, []string{"A", "r", "2", "y"}, "Approved", "low-risk", "", "→ Approved", false},
		{"an optional comment from the confirmation", "ravi", setup{"default", "ravi", ""}, []string{"A", "m", "type:all documents seen", "enter", "y"}, "Approved", "", "all documents seen", "→ Approved", false},
		{"n at the confirmation goes back to the form, keeping the text", "ravi", setup{"default", "ravi", ""}, []string{"D", "1", "m", "type:ring", "enter", "n", "type: of 3", "enter", "y"}, "Declined", "fraud", "ring of 3", "→ Declined", false},
		{"the status menu's enter opens the full form", "ravi", setup{"default", "ravi", ""}, []string{"s", "j", "enter", "1", "y"}, "Approved", "identity-verified", "", "→ Approved", false},
		{"an optional reason can stay none", "ravi", setup{"default", "ravi", ""}, []string{"s", "j", "enter", "enter", "y"}, "Approved", "", "", "→ Approved", false},
		{"reason form cancelled", "ravi", setup{"default", "ravi", ""}, []string{"D", "esc"}, "", "", "", "nothing changed", false},
		{"requires a comment", "ravi", setup{"review", "ravi", "Review in progress"}, []string{"W", "type:passport please", "enter"}, "Awaiting documentation", "", "passport please", "→ Awaiting documentation", false},
		{"word-left with only spaces before it", "ravi", setup{"review", "ravi", "Review in progress"}, []string{"W", "alt+left", "alt+b", "type:  ", "alt+left", "type:passport please", "enter"}, "Awaiting documentation", "", "passport please", "→ Awaiting documentation", false},
		{"empty comment refused by the form", "ravi", setup{"review", "ravi", "Review in progress"}, []string{"W", "enter"}, "", "", "", "", true},
		{"confirmation cancelled with n", "ravi", setup{"default", "ravi", ""}, []string{"A", "n"}, "", "", "", "cancelled", false},
		{"confirmation cancelled with esc", "ravi", setup{"default", "ravi", ""}, []string{"A", "esc"}, "", "", "", "cancelled", false},
		{"enter presses the focused Cancel", "ravi", setup{"default", "ravi", ""}, []string{"A", "enter"}, "", "", "", "cancelled", false},
		{"confirmation accepted with y", "ravi", setup{"default", "ravi", ""}, []string{"A", "y"}, "Approved", "", "", "→ Approved", false},
		{"confirmation accepted on the focused button", "ravi", setup{"default", "ravi", ""}, []string{"A", "tab", "enter"}, "Approved", "", "", "→ Approved", false},
		{"status menu", "ravi", setup{"default", "ravi", ""}, []string{"s", "enter"}, "Pending", "", "", "→ Pending", false},
		{"status menu: disabled entry says why", "ravi", setup{"pipeline", "ravi", ""}, []string{"s", "j", "j", "enter"}, "", "", "", "can only be reached from", true},
		{"reopen is a lead's move", "ravi", setup{"default", "ravi", "Approved"}, []string{"O"}, "", "", "", "reopening a decided case is a lead's move", false},
		{"lead reopens", "lena", setup{"default", "ravi", "Approved"}, []string{"O"}, "Open", "", "", "→ Open", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := demoStore(t, 30)
			c := newCase(t, st, tt.setup.wf, tt.setup.assignee)
			if tt.setup.status != "" {
				if _, err := st.SetStatus(store.Target{Actor: "lena", Case: c.ID}, store.StatusChange{Status: tt.setup.status}); err != nil {
					t.Fatal(err)
				}
			}
			c = caseOf(t, st, c.ID)
			m := newModel(t, st, tt.user, 120, 30)
			press(t, m, "]", "]") // the Open queue (or Closed, for decided cases)
			if !c.Open() {
				press(t, m, "]")
			}
			selectCase(t, m, c.Name)
			before := detailOf(t, st, c.ID)
			press(t, m, tt.keys...)
			after := detailOf(t, st, c.ID)
			if tt.status == "" {
				if after.Case.Version != before.Case.Version {
					t.Fatalf("refused or cancelled move changed the case: %s v%d", after.Case.Status, after.Case.Version)
				}
			} else {
				last := after.Events[len(after.Events)-1]
				if after.Case.Status != tt.status || last.Kind != model.EventStatus || last.Reason != tt.reason || last.Comment != tt.comment || last.Actor != tt.user {
					t.Fatalf("case %s, last event %+v", after.Case.Status, last)
				}
			}
			if !strings.Contains(m.message, tt.footer) {
				t.Fatalf("footer %q, want %q", m.message, tt.footer)
			}
			if (m.dialog != nil) != tt.dialog {
				t.Fatalf("dialog open: %v", m.dialog != nil)
			}
			checkFrame(t, m.View(), 120, 30)
		})
	}
}

// TestDecisionSelectsNextCase works down My queue: after each decision the
// next case is selected.
func TestDecisionSelectsNextCase(t *testing.T) {
	st := demoStore(t, 30)
	var cases []*model.Case
	for i := 0; i < 4; i++ {
		cases = append(cases, newCase(t, st, "default", "ravi"))
	}
	m := newModel(t, st, "ravi", 120, 30)
	selectCase(t, m, cases[0].Name)
	press(t, m, "esc") // drop the filter, keep the selection
	first := m.queue.cursor
	want := m.queue.rows[first-m.queue.start+1].ID
	press(t, m, "A", "y") // Approved: leaves My queue
	if sel := m.queue.selected(); sel == nil || sel.ID != want || m.queue.cursor != first {
		t.Fatalf("after approving, selected %v at %d; want %s at %d", sel, m.queue.cursor, want, first)
	}
	want = m.queue.rows[first-m.queue.start+1].ID
	press(t, m, "P") // Pending: stays in My queue, so move past it
	if sel := m.queue.selected(); sel == nil || sel.ID != want || m.queue.cursor != first+1 {
		t.Fatalf("after pending, selected %v at %d; want %s", sel, m.queue.cursor, want)
	}
}

func TestClaimAssignTagsComment(t *testing.T) {
	st := demoStore(t, 30)
	free := newCase(t, st, "default", "")
	m := newModel(t, st, "ravi", 120, 30)
	press(t, m, "]") // Unassigned
	selectCase(t, m, free.Name)
	press(t, m, "c")
	if got := caseOf(t, st, free.ID); got.Assignee != "ravi" || !strings.Contains(m.message, "is yours") {
		t.Fatalf("claim: assignee %q, footer %q", got.Assignee, m.message)
	}
	// It left Unassigned; My queue (with the same filter) has it.
	press(t, m, "[")
	if sel := m.queue.selected(); sel == nil || sel.ID != free.ID {
		t.Fatalf("my queue shows %v", sel)
	}
	// A reviewer cannot assign to others: told why, nothing opens.
	press(t, m, "a")
	if m.dialog != nil || !strings.Contains(m.message, "only a lead") {
		t.Fatalf("reviewer assign: dialog %v footer %q", m.dialog != nil, m.message)
	}
	// Tags and comments on the claimed case (it stays selected).
	press(t, m, "t", "type:+vip +pep", "enter")
	press(t, m, "t", "type:-pep", "enter")
	if got := caseOf(t, st, free.ID); strings.Join(got.Tags, ",") != "vip" {
		t.Fatalf("tags %v", got.Tags)
	}
	press(t, m, "m", "type:called the customer", "ctrl+j", "type:no answer", "enter")
	d := detailOf(t, st, free.ID)
	if len(d.Comments) != 1 || d.Comments[0].Body != "called the customer\nno answer" || d.Comments[0].Author != "ravi" {
		t.Fatalf("comments %+v", d.Comments)
	}
	press(t, m, "u")
	if got := caseOf(t, st, free.ID); got.Assignee != "" {
		t.Fatalf("unassign: %q", got.Assignee)
	}

	// A lead assigns with the fuzzy finder.
	lead := newModel(t, st, "lena", 120, 30)
	press(t, lead, "]")
	selectCase(t, lead, free.Name)
	press(t, lead, "a", "type:ma")
	p, ok := lead.dialog.(*userPicker)
	if !ok || len(p.shown) == 0 || p.shown[0].name != "mia" {
		t.Fatalf("picker shows %+v", p)
	}
	press(t, lead, "enter")
	if got := caseOf(t, st, free.ID); got.Assignee != "mia" || got.Assigner != "lena" {
		t.Fatalf("assign: %+v", got)
	}
}

func TestStaleWriteIsRefused(t *testing.T) {
	st := demoStore(t, 30)
	c := newCase(t, st, "default", "ravi")
	m := newModel(t, st, "ravi", 120, 30)
	selectCase(t, m, c.Name)
	// Someone else changes the case after ravi's screen read it.
	if _, err := st.Comment(store.Target{Actor: "lena", Case: c.ID}, "lead note"); err != nil {
		t.Fatal(err)
	}
	press(t, m, "P")
	if got := caseOf(t, st, c.ID); got.Status != "Open" || !strings.Contains(m.message, "was changed by lena") {
		t.Fatalf("status %s, footer %q", got.Status, m.message)
	}
	// The screen now shows the fresh case, so the second try works.
	press(t, m, "P")
	if got := caseOf(t, st, c.ID); got.Status != "Pending" {
		t.Fatalf("second try: %s (%s)", got.Status, m.message)
	}
}

func TestLiveRefreshFromChangeFeed(t *testing.T) {
	st := demoStore(t, 30)
	m := newModel(t, st, "ravi", 120, 30)
	before := m.tabs[0].count
	c := newCase(t, st, "default", "ravi") // written elsewhere
	m.Update(changeMsg{Cases: []string{c.ID}})
	if m.tabs[0].count != before+1 || m.queue.total != before+1 {
		t.Fatalf("count %d → %d, queue total %d", before, m.tabs[0].count, m.queue.total)
	}
	if !strings.Contains(m.View(), fmt.Sprintf("My queue %d", before+1)) {
		t.Fatal("header count not redrawn")
	}
}

func TestEscapeSequencesAreInert(t *testing.T) {
	st := demoStore(t, 10)
	c := newCase(t, st, "default", "ravi")
	evil := &model.Object{ObjectRef: model.ObjectRef{Kind: model.KindInquiry, Type: "inquiry", ID: "inq_evil"},
		Attributes: []byte(`{"name-first":"\u001b]0;x\u0007\u001b[2JMallory","reference-id":"\u009b31mref"}`)}
	if _, err := st.Attach(store.Target{Actor: "ravi", Case: c.ID}, evil); err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpdateFields(store.Target{Actor: "ravi", Case: c.ID}, []byte(`{"\u001b[31mkey":"\u001b]52;c;AAAA\u0007val"}`)); err != nil {
		t.Fatal(err)
	}
	m := newModel(t, st, "ravi", 140, 40)
	selectCase(t, m, c.Name)
	for _, tab := range []string{"1", "2", "5", "6"} {
		press(t, m, tab)
		view := m.View()
		if strings.ContainsAny(view, "\x1b\x07\u009b") {
			t.Fatalf("tab %s draws a control character: %q", tab, view)
		}
		if tab == "1" && !strings.Contains(view, "Mallory") {
			t.Fatal("the subject is not shown")
		}
	}
}

func TestWorkflowKeyClashIsReported(t *testing.T) {
	st := demoStore(t, 10)
	w, err := workflows.Parse("clash.yaml", []byte("id: clash\nname: Clash\nkey: CL\nstatuses:\n  - {name: Open, type: initial, key: O}\n  - {name: Done, type: end, key: q}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.LoadWorkflow("admin", w); err != nil {
		t.Fatal(err)
	}
	m := newModel(t, st, "me", 120, 30)
	if len(m.warnings) != 1 || !strings.Contains(m.warnings[0], `workflow clash: key "q" for "Done" is already quit`) {
		t.Fatalf("warnings %v", m.warnings)
	}
	if !m.messageErr || !strings.Contains(m.message, "key clash") {
		t.Fatalf("footer %q", m.message)
	}
	press(t, m, "?")
	if !strings.Contains(m.View(), "Key clashes") {
		t.Fatal("help does not list the clash")
	}
}

func TestAnySizeDraws(t *testing.T) {
	st := demoStore(t, 60)
	m := newModel(t, st, "me", 120, 30)
	sizes := [][2]int{{0, 0}, {1, 1}, {20, 6}, {39, 9}, {40, 10}, {60, 12}, {79, 24}, {80, 24}, {100, 30}, {200, 60}, {300, 5}}
	for _, tab := range []string{"1", "2", "4", "5", "6"} {
		press(t, m, tab)
		for _, s := range sizes {
			m.Update(tea.WindowSizeMsg{Width: s[0], Height: s[1]})
			checkFrame(t, m.View(), s[0], s[1])
			press(t, m, "s")
			checkFrame(t, m.View(), s[0], s[1])
			press(t, m, "esc", "?")
			checkFrame(t, m.View(), s[0], s[1])
			press(t, m, "esc")
		}
	}
}

// TestOverlayKeepsWidth puts a dialog over lines whose wide characters
// straddle its edges: every line stays as wide as the screen.
func TestOverlayKeepsWidth(t *testing.T) {
	m := &Model{width: 20}
	box := "+----+\n|box |\n+----+" // 6 wide: columns 7 to 12
	tests := []struct{ name, base string }{
		{"plain", "abcdefghijklmnopqrst"},
		{"wide under the right edge", "abcdefghijkl日nopqrs"},
		{"wide under the left edge", "abcdef日hijklmnopqrs"},
		{"wide on both edges", "abcdef日hijk本nopqrs"},
		{"all wide", "日本語日本語日本語日"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if w := ansi.StringWidth(tt.base); w != 20 {
				t.Fatalf("base is %d wide", w)
			}
			base := strings.Repeat(tt.base+"\n", 2) + tt.base
			out := strings.Split(m.overlay(base, box), "\n")
			for i, l := range out {
				if w := ansi.StringWidth(l); w != 20 || !strings.Contains(l, strings.Split(box, "\n")[i]) {
					t.Fatalf("line %d is %d wide: %q", i, w, l)
				}
			}
		})
	}
}

func TestKeysArrivingTogetherAreSplit(t *testing.T) {
	st := demoStore(t, 30)
	c := newCase(t, st, "default", "ravi")
	m := newModel(t, st, "ravi", 120, 30)
	selectCase(t, m, c.Name)
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("Ay")})
	run(t, m, cmd)
	if got := caseOf(t, st, c.ID); got.Status != "Approved" {
		t.Fatalf("status %s, footer %q", got.Status, m.message)
	}
	// Typed into a comment, a burst stays text.
	press(t, m, "esc")
	selectCase(t, m, newCase(t, st, "default", "ravi").Name)
	press(t, m, "m")
	m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("Ay there")})
	if box, ok := m.dialog.(*commentBox); !ok || box.text.Value() != "Ay there" {
		t.Fatalf("comment box %+v", m.dialog)
	}
}

func TestMouse(t *testing.T) {
	st := demoStore(t, 120)
	m := newModel(t, st, "me", 120, 30)
	// Rows start on screen line 3 (header, queue title, column header).
	_, cmd := m.Update(tea.MouseMsg{X: 5, Y: 3 + 4, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	run(t, m, cmd)
	if m.queue.cursor != 4 || m.pane.detail.Case.ID != m.queue.selected().ID {
		t.Fatalf("click: cursor %d", m.queue.cursor)
	}
	m.Update(tea.MouseMsg{X: 5, Y: 10, Action: tea.MouseActionPress, Button: tea.MouseButtonWheelDown})
	if m.queue.cursor != 7 {
		t.Fatalf("wheel: cursor %d", m.queue.cursor)
	}
	// A click on the case pane's tab bar picks the tab.
	x := m.queue.width + 1
	labels := m.pane.tabLabels()
	for _, l := range labels[:tabHistory] {
		x += len([]rune(l)) + 2
	}
	m.Update(tea.MouseMsg{X: x + 1, Y: 1, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	if m.pane.tab != tabHistory || m.focus != focusCase {
		t.Fatalf("tab click: tab %d focus %d", m.pane.tab, m.focus)
	}
}

func TestEditEnrichment(t *testing.T) {
	st := demoStore(t, 10)
	c := newCase(t, st, "default", "ravi")
	m := newModel(t, st, "ravi", 120, 30)
	selectCase(t, m, c.Name)
	edit := func(body string) {
		path := t.TempDir() + "/edit.json"
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		d := detailOf(t, st, c.ID)
		_, cmd := m.Update(editorDoneMsg{path: path, before: d.Case.Fields, caseID: c.ID, caseName: c.Name, version: d.Case.Version})
		run(t, m, cmd)
	}
	edit(`{"risk": {"score": 50`)
	if got := caseOf(t, st, c.ID); got.Version != c.Version || !strings.Contains(m.message, "not valid JSON") {
		t.Fatalf("bad edit wrote v%d, footer %q", got.Version, m.message)
	}
	edit(`["not", "an object"]`)
	if !strings.Contains(m.message, "must be a JSON object") {
		t.Fatalf("footer %q", m.message)
	}
	edit(`{"risk": {"score": 50}}`)
	if !strings.Contains(m.message, "unchanged") {
		t.Fatalf("footer %q", m.message)
	}
	edit(`{"risk": {"score": 91, "level": "high"}, "note": "checked"}`)
	if got := caseOf(t, st, c.ID); string(got.Fields) != `{"note":"checked","risk":{"level":"high","score":91}}` {
		t.Fatalf("fields %s, footer %q", got.Fields, m.message)
	}
}

func TestCopyWritesOSC52(t *testing.T) {
	st := demoStore(t, 10)
	u, _ := st.User("me")
	var clip strings.Builder
	m, err := New(st, u, Options{Now: clock, Clipboard: &clip, Renderer: asciiRenderer()})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	press(t, m, "]", "]", "5", "tab", "j", "y")
	if !strings.HasPrefix(clip.String(), "\x1b]52;c;") || !strings.Contains(m.message, "copied path .") {
		t.Fatalf("clipboard %q footer %q", clip.String(), m.message)
	}
}

func TestBulkWork(t *testing.T) {
	st := demoStore(t, 30)
	var mine []*model.Case
	for i := 0; i < 3; i++ {
		mine = append(mine, newCase(t, st, "default", "ravi"))
	}
	theirs := newCase(t, st, "default", "mia")
	m := newModel(t, st, "ravi", 120, 30)
	press(t, m, "]", "]") // Open
	for _, c := range append(mine, theirs) {
		selectCase(t, m, c.Name)
		press(t, m, "space")
	}
	if m.queue.pickedCount() != 4 || !strings.Contains(m.View(), "● 4 selected") {
		t.Fatalf("picked %d", m.queue.pickedCount())
	}
	// A status key does not act on one case while a selection exists.
	press(t, m, "P")
	if !strings.Contains(m.message, "4 selected case(s) selected") && !strings.Contains(m.message, "press s to move them all") {
		t.Fatalf("footer %q", m.message)
	}
	press(t, m, "s")
	menu, ok := m.dialog.(*statusMenu)
	if !ok || !menu.bulk {
		t.Fatalf("dialog %T", m.dialog)
	}
	press(t, m, "D", "2") // Declined needs a reason: sanctions-match
	c, ok := m.dialog.(*confirm)
	if !ok {
		t.Fatalf("no confirmation for a bulk move: %T", m.dialog)
	}
	// The plan says, before anything moves, what the store would refuse.
	if !strings.Contains(c.question, "Move the 4 selected case(s) to Declined? Reason: sanctions-match.") ||
		!slices.Contains(c.details, "3 would change, 1 refused.") ||
		!slices.Contains(c.details, "  "+theirs.Name+": "+theirs.Name+" is assigned to mia; you may only change the status of your own cases") {
		t.Fatalf("confirmation %q %q", c.question, c.details)
	}
	press(t, m, "y")
	for _, c := range mine {
		if got := detailOf(t, st, c.ID); got.Case.Status != "Declined" || got.Events[len(got.Events)-1].Reason != "sanctions-match" {
			t.Fatalf("%s: %s", c.Name, got.Case.Status)
		}
	}
	if got := caseOf(t, st, theirs.ID); got.Status != "Open" {
		t.Fatalf("mia's case moved: %s", got.Status)
	}
	box, ok := m.dialog.(*resultBox)
	if !ok || len(box.lines) != 1 || !strings.Contains(box.lines[0], theirs.Name+": "+theirs.Name+" is assigned to mia") {
		t.Fatalf("result %+v", m.dialog)
	}
	if !strings.Contains(m.message, "3 case(s) moved to Declined, 1 refused") || m.queue.hasSelection() {
		t.Fatalf("footer %q, selection %v", m.message, m.queue.hasSelection())
	}
	press(t, m, "esc")

	// A lead selects the whole filtered queue and reassigns it.
	lead := newModel(t, st, "lena", 120, 30)
	press(t, lead, "]") // Unassigned
	total := lead.queue.total
	press(t, lead, "*", "a", "type:omar", "enter", "y")
	if n, _ := st.List(store.Query{Queue: store.QueueOpen, Assignee: "omar", Limit: 1}); n.Total < total {
		t.Fatalf("omar has %d open, want at least %d", n.Total, total)
	}
	if page, _ := st.List(store.Query{Queue: store.QueueUnassigned}); page.Total != 0 {
		t.Fatalf("%d still unassigned", page.Total)
	}
}

// TestBulkCommandOwnsItsSelection runs a bulk command on its own
// goroutine, as Bubble Tea does, while more cases are picked: under -race
// the two must not share the selection.
func TestBulkCommandOwnsItsSelection(t *testing.T) {
	st := demoStore(t, 30)
	m := newModel(t, st, "me", 120, 30)
	press(t, m, "]", "]", "space", "space") // two cases of the Open queue
	bulk := m.bulkTag([]string{"stress"}, nil)
	done := make(chan tea.Msg)
	go func() { done <- bulk() }()
	press(t, m, "space", "space", "space")
	msg, ok := (<-done).(bulkPlanMsg)
	if !ok || msg.err != nil || len(msg.plan.Changed) != 2 || len(msg.ids) != 2 {
		t.Fatalf("bulk: %+v", msg)
	}
}

func TestNextCaseAndAvailabilityKeys(t *testing.T) {
	st := demoStore(t, 30)
	m := newModel(t, st, "ravi", 120, 30)
	before := m.tabs[0].count
	press(t, m, "f")
	if m.tabs[0].count != before+1 || m.activeTab != 0 || !strings.Contains(m.message, "is yours (next case)") {
		t.Fatalf("next: count %d→%d, footer %q", before, m.tabs[0].count, m.message)
	}
	if sel := m.queue.selected(); sel == nil || !strings.Contains(m.message, sel.Name) {
		t.Fatalf("the new case is not selected: %v", sel)
	}
	press(t, m, "v") // available -> busy
	if u, _ := st.User("ravi"); u.Availability != model.Busy {
		t.Fatalf("availability %s", u.Availability)
	}
	press(t, m, "f")
	if !strings.Contains(m.message, "ravi is busy") {
		t.Fatalf("busy next: %q", m.message)
	}
	press(t, m, "v", "y") // busy -> unavailable, confirmed: cases go back
	if page, _ := st.List(store.Query{Queue: store.QueueMine, Actor: "ravi"}); page.Total != 0 || !strings.Contains(m.message, "went back to Unassigned") {
		t.Fatalf("unavailable: %d left, footer %q", page.Total, m.message)
	}
}

func TestWorkloadAndMetricsViews(t *testing.T) {
	st := demoStore(t, 120)
	r := newModel(t, st, "ravi", 120, 30)
	press(t, r, "ctrl+w")
	if r.screen != viewMain || !strings.Contains(r.message, "only a lead or admin may see the workload") {
		t.Fatalf("reviewer workload: screen %d footer %q", r.screen, r.message)
	}
	m := newModel(t, st, "lena", 140, 34)
	press(t, m, "ctrl+w")
	if m.screen != viewWorkload || len(m.lead.loads) != 8 {
		t.Fatalf("workload: %d rows", len(m.lead.loads))
	}
	// Down to mia, open her queue.
	for m.lead.loads[m.lead.cursor].User.Name != "mia" {
		press(t, m, "j")
	}
	press(t, m, "enter")
	if m.screen != viewMain || m.tabs[m.activeTab].label != "mia" {
		t.Fatalf("open queue: screen %d tab %s", m.screen, m.tabs[m.activeTab].label)
	}
	press(t, m, "ctrl+t")
	if m.screen != viewMetrics || m.lead.report.Total.Decided == 0 {
		t.Fatalf("metrics %+v", m.lead.report.Total)
	}
	week := m.lead.report.Total.Decided
	press(t, m, "+")
	if m.lead.report.Total.Decided < week || windows[m.lead.window] != 30*24*time.Hour {
		t.Fatalf("longer window: %d < %d", m.lead.report.Total.Decided, week)
	}
	checkFrame(t, m.View(), 140, 34)
	press(t, m, "esc")
	if m.screen != viewMain {
		t.Fatal("esc did not leave the metrics")
	}
}

// TestEdgeInput replays what TestStress found: keys and clicks that once
// panicked or hung, and what must hold after them.
func TestEdgeInput(t *testing.T) {
	click := func(x, y int) tea.MouseMsg {
		return tea.MouseMsg{X: x, Y: y, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft}
	}
	tests := []struct {
		name  string
		user  string
		steps []any // key names as press takes them, or messages
		check func(t *testing.T, m *Model)
	}{
		{"click on the case tabs with no case shown", "me",
			[]any{"/", "type:zzzz-nothing", "enter", click(70, 1)},
			func(t *testing.T, m *Model) {
				if m.pane.detail != nil || m.focus != focusCase {
					t.Fatalf("detail %v focus %d", m.pane.detail != nil, m.focus)
				}
			}},
		{"delete word forward from the last character of the filter", "me",
			[]any{"/", "type:ab", "left", "alt+d"},
			func(t *testing.T, m *Model) {
				if v := m.queue.filter.Value(); v != "a" || !m.queue.filtering {
					t.Fatalf("filter %q", v)
				}
			}},
		{"delete word forward from the last character of a word", "me",
			[]any{"/", "type:ab cd", "home", "right", "alt+delete"},
			func(t *testing.T, m *Model) {
				if v := m.queue.filter.Value(); v != "a cd" {
					t.Fatalf("filter %q", v)
				}
			}},
		{"delete word forward in the tags, SLA and assignee inputs", "me",
			[]any{"t", "type:+vip", "left", "alt+d", "esc", "d", "type:4h", "left", "alt+d", "esc", "a", "type:ma", "left", "alt+d"},
			func(t *testing.T, m *Model) {
				if p, ok := m.dialog.(*userPicker); !ok || p.input.Value() != "m" {
					t.Fatalf("dialog %T %+v", m.dialog, m.dialog)
				}
			}},
		{"down in the assignee picker with nobody found", "me",
			[]any{"a", "type:zz", "down", "backspace", "backspace", "type:mia", "enter"},
			func(t *testing.T, m *Model) {
				if m.dialog != nil || !strings.Contains(m.message, "assigned to mia") {
					t.Fatalf("dialog %T, footer %q", m.dialog, m.message)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := demoStore(t, 30)
			m := newModel(t, st, tt.user, 120, 30)
			for _, s := range tt.steps {
				switch s := s.(type) {
				case string:
					press(t, m, s)
				case tea.Msg:
					_, cmd := m.Update(s)
					run(t, m, cmd)
				}
			}
			tt.check(t, m)
			checkFrame(t, m.View(), 120, 30)
		})
	}
}

// TestTabKeysKeepTheFocus: 1–6 switch the case tab; j and k go on moving
// through the queue. Where only one pane fits, the tab is shown.
func TestTabKeysKeepTheFocus(t *testing.T) {
	st := demoStore(t, 30)
	m := newModel(t, st, "me", 120, 30)
	press(t, m, "2", "j")
	if m.pane.tab != tabInquiries || m.focus != focusQueue || m.queue.cursor != 1 {
		t.Fatalf("tab %d focus %d cursor %d", m.pane.tab, m.focus, m.queue.cursor)
	}
	press(t, m, "tab", "6", "j")
	if m.pane.tab != tabHistory || m.focus != focusCase || m.queue.cursor != 1 {
		t.Fatalf("in the case pane: tab %d focus %d cursor %d", m.pane.tab, m.focus, m.queue.cursor)
	}
	narrow := newModel(t, st, "me", 60, 20)
	press(t, narrow, "5")
	if narrow.pane.tab != tabEnrichment || narrow.focus != focusCase {
		t.Fatalf("narrow: tab %d focus %d", narrow.pane.tab, narrow.focus)
	}
}

// TestBulkAssignSaysWhoCannotActFirst: before a bulk reassignment runs,
// the lead is told how many cases it touches and which of them the new
// assignee could not move on (the store's rules: teams, four eyes), and
// nothing moves until it is confirmed.
func TestBulkAssignSaysWhoCannotActFirst(t *testing.T) {
	st := demoStore(t, 30)
	waiting := newCase(t, st, "two-team", "ravi")
	if _, err := st.SetStatus(store.Target{Actor: "ravi", Case: waiting.ID}, store.StatusChange{Status: "Approved by Team 1"}); err != nil {
		t.Fatal(err)
	}
	plain := newCase(t, st, "default", "omar")
	m := newModel(t, st, "lena", 140, 40)
	press(t, m, "]", "]") // Open
	for _, c := range []*model.Case{waiting, plain} {
		selectCase(t, m, c.Name)
		press(t, m, "space")
	}
	press(t, m, "a", "type:mia", "enter")
	c, ok := m.dialog.(*confirm)
	if !ok {
		t.Fatalf("no confirmation: %T", m.dialog)
	}
	view := m.View()
	for _, want := range []string{"Assign the 2 selected case(s) to mia?", "2 would change.", "mia could not move 1 of them on:",
		"  " + waiting.Name + ": Approved by Team 2 is taken by team-2; mia is in team-1"} {
		if !strings.Contains(strings.Join(append([]string{c.question}, c.details...), "\n"), want) {
			t.Fatalf("confirmation lacks %q:\n%s", want, view)
		}
	}
	if got := caseOf(t, st, plain.ID); got.Assignee != "omar" {
		t.Fatal("the plan moved a case")
	}
	press(t, m, "enter") // Cancel has the focus
	if got := caseOf(t, st, waiting.ID); got.Assignee == "mia" || m.dialog != nil || !strings.Contains(m.message, "nothing changed") {
		t.Fatalf("cancelled: assignee %s, dialog %T, footer %q", got.Assignee, m.dialog, m.message)
	}
	press(t, m, "a", "type:mia", "enter", "y")
	for _, k := range []*model.Case{waiting, plain} {
		if got := caseOf(t, st, k.ID); got.Assignee != "mia" {
			t.Fatalf("%s: %s", k.Name, got.Assignee)
		}
	}
	if !strings.Contains(m.message, "2 case(s) assigned to mia") {
		t.Fatalf("footer %q", m.message)
	}
}

// TestBulkStatusMenuOffersTheSelectionsStatuses: the bulk menu lists the
// statuses of the workflows the selected cases use, each key once; where
// two of them give one key to different statuses, the key is the status
// of the case under the cursor's workflow.
func TestBulkStatusMenuOffersTheSelectionsStatuses(t *testing.T) {
	st := demoStore(t, 30)
	def := newCase(t, st, "default", "me")
	pipe := newCase(t, st, "pipeline", "me")
	for _, to := range []string{"Transfer initiated", "Ready to order"} {
		if _, err := st.SetStatus(store.Target{Actor: "me", Case: pipe.ID}, store.StatusChange{Status: to}); err != nil {
			t.Fatal(err)
		}
	}
	m := newModel(t, st, "me", 140, 40)
	for _, c := range []*model.Case{def, pipe} {
		selectCase(t, m, c.Name)
		press(t, m, "space")
	}
	selectCase(t, m, pipe.Name)
	press(t, m, "s")
	menu, ok := m.dialog.(*statusMenu)
	if !ok {
		t.Fatalf("dialog %T", m.dialog)
	}
	var got []string
	keys := map[string]bool{}
	for i, o := range menu.options {
		got = append(got, fmt.Sprintf("%s %s %d", o.Status.Key, o.Status.Name, menu.counts[i]))
		if o.Status.Key != "" && keys[o.Status.Key] {
			t.Fatalf("key %s twice: %v", o.Status.Key, got)
		}
		keys[o.Status.Key] = true
	}
	want := " New request 1,T Transfer initiated 1,R Ready to order 1,O Ordered 1, Open 1,P Pending 1,A Approved 1,D Declined 1"
	if strings.Join(got, ",") != want {
		t.Fatalf("menu %s\nwant %s", strings.Join(got, ","), want)
	}
	// O is Ordered here (the cursor's case is a pipeline case): the plan
	// refuses the default case, which has no such status.
	press(t, m, "O")
	c, ok := m.dialog.(*confirm)
	if !ok || !strings.Contains(c.question, "to Ordered?") || !slices.ContainsFunc(c.details, func(l string) bool {
		return strings.HasPrefix(l, "  "+def.Name+":") && strings.Contains(l, "no such status")
	}) {
		t.Fatalf("dialog %T %+v", m.dialog, m.dialog)
	}
}

// TestUnsentCommentsAreKept: esc in a comment keeps it as the case's
// draft, which the next comment form on that case (and only that case)
// starts from; a comment the store refuses stays a draft too.
func TestUnsentCommentsAreKept(t *testing.T) {
	st := demoStore(t, 30)
	one := newCase(t, st, "default", "ravi")
	two := newCase(t, st, "default", "ravi")
	m := newModel(t, st, "ravi", 120, 30)
	selectCase(t, m, one.Name)
	press(t, m, "m", "type:called the customer", "esc")
	if m.dialog != nil || !strings.Contains(m.message, "kept as a draft for "+one.Name) {
		t.Fatalf("dialog %T, footer %q", m.dialog, m.message)
	}
	// Another case has its own (no) draft.
	selectCase(t, m, two.Name)
	press(t, m, "m")
	if box := m.dialog.(*commentBox); box.text.Value() != "" {
		t.Fatalf("%s starts with %q", two.Name, box.text.Value())
	}
	press(t, m, "esc")
	// The draft comes back in the decision form of its case, and n at
	// the confirmation goes back to the form with the reason and text.
	selectCase(t, m, one.Name)
	press(t, m, "D", "3")
	f, ok := m.dialog.(*confirm)
	if !ok || !strings.Contains(f.question, "Reason: identity-mismatch. Comment: “called the customer”.") {
		t.Fatalf("confirmation %T %+v", m.dialog, m.dialog)
	}
	press(t, m, "n")
	form, ok := m.dialog.(*moveForm)
	if !ok || form.comment.Value() != "called the customer" || form.reasons[form.pick] != "identity-mismatch" {
		t.Fatalf("back to %T %+v", m.dialog, m.dialog)
	}
	press(t, m, "esc")
	// A refused write keeps the comment.
	if _, err := st.Tag(store.Target{Actor: "lena", Case: one.ID}, []string{"vip"}, nil); err != nil {
		t.Fatal(err)
	}
	press(t, m, "m", "enter")
	if got := detailOf(t, st, one.ID); len(got.Comments) != 0 || !strings.Contains(m.message, "kept as a draft") {
		t.Fatalf("comments %d, footer %q", len(got.Comments), m.message)
	}
	press(t, m, "m")
	if box := m.dialog.(*commentBox); box.text.Value() != "called the customer" {
		t.Fatalf("after a refusal the box holds %q", box.text.Value())
	}
	press(t, m, "enter")
	if got := detailOf(t, st, one.ID); len(got.Comments) != 1 || got.Comments[0].Body != "called the customer" {
		t.Fatalf("comments %+v (%s)", got.Comments, m.message)
	}
	press(t, m, "m")
	if box := m.dialog.(*commentBox); box.text.Value() != "" {
		t.Fatalf("a saved comment stays a draft: %q", box.text.Value())
	}
}

// TestAvailabilityAsksAndGivesBack: becoming unavailable is asked first,
// naming how many cases go back; your own availability shows in the
// header; becoming available again offers, with one key, to give back the
// cases that left at that change and are still unassigned.
func TestAvailabilityAsksAndGivesBack(t *testing.T) {
	st := demoStore(t, 30)
	var mine []*model.Case
	for i := 0; i < 3; i++ {
		mine = append(mine, newCase(t, st, "default", "ravi"))
	}
	open, _ := st.List(store.Query{Queue: store.QueueOpen, Assignee: "ravi", Limit: 1})
	m := newModel(t, st, "ravi", 140, 30)
	press(t, m, "v") // available -> busy: nothing leaves
	if u, _ := st.User("ravi"); u.Availability != model.Busy || m.dialog != nil {
		t.Fatalf("availability %s, dialog %T", u.Availability, m.dialog)
	}
	if head := strings.Split(m.View(), "\n")[0]; !strings.Contains(head, "ravi (reviewer) busy") {
		t.Fatalf("header %q", head)
	}
	press(t, m, "v") // busy -> unavailable: asked first
	c, ok := m.dialog.(*confirm)
	if !ok || !strings.Contains(c.question, fmt.Sprintf("Make ravi unavailable? Your %d open case(s) go back to Unassigned", open.Total)) {
		t.Fatalf("dialog %T %+v", m.dialog, m.dialog)
	}
	press(t, m, "enter") // Cancel has the focus
	if u, _ := st.User("ravi"); u.Availability != model.Busy {
		t.Fatalf("cancelled, yet %s", u.Availability)
	}
	press(t, m, "v", "y")
	if page, _ := st.List(store.Query{Queue: store.QueueMine, Actor: "ravi"}); page.Total != 0 ||
		!strings.Contains(m.message, fmt.Sprintf("%d open case(s) went back to Unassigned", open.Total)) {
		t.Fatalf("unavailable: %d left, footer %q", page.Total, m.message)
	}
	if head := strings.Split(m.View(), "\n")[0]; !strings.Contains(head, "ravi (reviewer) unavailable") {
		t.Fatalf("header %q", head)
	}
	// Meanwhile a lead hands one of them to mia.
	if _, err := st.Assign(store.Target{Actor: "lena", Case: mine[0].ID}, "mia"); err != nil {
		t.Fatal(err)
	}
	press(t, m, "v") // unavailable -> available: the offer
	c, ok = m.dialog.(*confirm)
	if !ok || !strings.Contains(c.question, fmt.Sprintf("Give back the %d case(s)", open.Total-1)) {
		t.Fatalf("dialog %T %+v", m.dialog, m.dialog)
	}
	press(t, m, "y")
	if page, _ := st.List(store.Query{Queue: store.QueueMine, Actor: "ravi"}); page.Total != open.Total-1 ||
		!strings.Contains(m.message, fmt.Sprintf("%d case(s) given back to ravi", open.Total-1)) {
		t.Fatalf("given back: %d, footer %q", page.Total, m.message)
	}
	if got := caseOf(t, st, mine[0].ID); got.Assignee != "mia" {
		t.Fatalf("%s went back from mia to %s", mine[0].Name, got.Assignee)
	}
	d := detailOf(t, st, mine[1].ID)
	if last := d.Events[len(d.Events)-1]; last.Kind != model.EventAssigned || last.To != "ravi" || !strings.Contains(last.Reason, "given back") {
		t.Fatalf("audit %+v", last)
	}
	if head := strings.Split(m.View(), "\n")[0]; strings.Contains(head, "available") {
		t.Fatalf("header %q", head)
	}
}

// TestLeadMakesAReviewerUnavailableOnlyWhenAsked: v on the workload screen
// asks before a reviewer's cases leave them.
func TestLeadMakesAReviewerUnavailableOnlyWhenAsked(t *testing.T) {
	st := demoStore(t, 60)
	m := newModel(t, st, "lena", 140, 34)
	press(t, m, "ctrl+w")
	for m.lead.loads[m.lead.cursor].User.Name != "ravi" {
		press(t, m, "j")
	}
	n := m.lead.loads[m.lead.cursor].Open
	press(t, m, "v") // busy: no question
	press(t, m, "v")
	c, ok := m.dialog.(*confirm)
	if !ok || !strings.Contains(c.question, fmt.Sprintf("Make ravi unavailable? Their %d open case(s) go back", n)) {
		t.Fatalf("dialog %T %+v", m.dialog, m.dialog)
	}
	press(t, m, "n")
	if page, _ := st.List(store.Query{Queue: store.QueueOpen, Assignee: "ravi", Limit: 1}); page.Total != n {
		t.Fatalf("ravi has %d open, had %d", page.Total, n)
	}
}

// TestSLADialogShowsTheDeadline: d says the case's deadline before asking
// for a new one.
func TestSLADialogShowsTheDeadline(t *testing.T) {
	st := demoStore(t, 10)
	c := newCase(t, st, "default", "ravi") // the default SLA: 72h from now
	m := newModel(t, st, "lena", 120, 30)
	press(t, m, "]", "]")
	selectCase(t, m, c.Name)
	press(t, m, "d")
	if view := m.View(); !strings.Contains(view, "now: due 2026-11-26 12:00 (in 3d)") {
		t.Fatalf("SLA dialog:\n%s", view)
	}
	press(t, m, "type:clear", "enter")
	press(t, m, "d")
	if view := m.View(); !strings.Contains(view, "now: no SLA") {
		t.Fatalf("SLA dialog:\n%s", view)
	}
	press(t, m, "esc")
	late := newCase(t, st, "default", "ravi")
	if _, err := st.SetSLA(store.Target{Actor: "lena", Case: late.ID}, time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := deadlineText(caseOf(t, st, late.ID).SLAExpiresAt, now.Add(2*time.Hour)); got != "now: OVERDUE by 1h59m (was due 2026-11-23 12:01)" {
		t.Fatalf("overdue: %q", got)
	}
}

func TestReasonFilterMatchesWordStarts(t *testing.T) {
	f := &moveForm{reasons: []string{"", "fraud", "sanctions-match", "identity-mismatch", "incomplete"}}
	for filter, want := range map[string]string{"": "0,1,2,3,4", "mis": "3", "match": "2", "i": "3,4", "y": "", "identity-m": "3", "FR": "1"} {
		f.filter = filter
		var got []string
		for _, i := range f.matches() {
			got = append(got, fmt.Sprint(i))
		}
		if strings.Join(got, ",") != want {
			t.Errorf("filter %q: %v, want %s", filter, got, want)
		}
	}
}

// TestKeystrokeCounts pins the keys of the everyday decisions: approve is
// A y; a decline with its required reason D 1 y; with a comment as well
// D 1 m, the text, enter, y; taking the next case and approving it f A y;
// reassigning a case a, enough of the name, enter.
func TestKeystrokeCounts(t *testing.T) {
	st := demoStore(t, 30)
	m := newModel(t, st, "ravi", 120, 30)
	decide := func(keys []string, status, reason, comment string) {
		t.Helper()
		c := newCase(t, st, "default", "ravi")
		selectCase(t, m, c.Name)
		press(t, m, keys...)
		d := detailOf(t, st, c.ID)
		last := d.Events[len(d.Events)-1]
		if d.Case.Status != status || last.Reason != reason || last.Comment != comment {
			t.Fatalf("%v: %s, reason %q, comment %q (%s)", keys, d.Case.Status, last.Reason, last.Comment, m.message)
		}
	}
	decide([]string{"A", "y"}, "Approved", "", "")
	decide([]string{"D", "1", "y"}, "Declined", "fraud", "")
	decide([]string{"D", "1", "m", "type:ring of 3", "enter", "y"}, "Declined", "fraud", "ring of 3")

	press(t, m, "esc") // drop the filter
	press(t, m, "f")
	next := m.queue.selected()
	press(t, m, "A", "y")
	if got := caseOf(t, st, next.ID); got.Status != "Approved" || got.Assignee != "ravi" {
		t.Fatalf("f A y: %s %s", got.Status, got.Assignee)
	}

	lead := newModel(t, st, "lena", 120, 30)
	c := newCase(t, st, "default", "ravi")
	press(t, lead, "]", "]")
	selectCase(t, lead, c.Name)
	press(t, lead, "a", "type:mia", "enter")
	if got := caseOf(t, st, c.ID); got.Assignee != "mia" {
		t.Fatalf("a mia enter: %s", got.Assignee)
	}
}
