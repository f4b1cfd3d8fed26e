package ui

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"docket/model"
	"docket/store"
)

// sharedAccount attaches one account to each case, as the actor who may.
func sharedAccount(t *testing.T, st *store.Store, id string, cases ...*model.Case) *model.Object {
	t.Helper()
	attrs, _ := json.Marshal(map[string]any{"name-first": "Amara", "name-last": "Okafor", "reference-id": "user-" + id})
	o := &model.Object{ObjectRef: model.ObjectRef{Kind: model.KindAccount, Type: "account", ID: id}, Attributes: attrs}
	for _, c := range cases {
		if _, err := st.Attach(store.Target{Actor: "lena", Case: c.ID}, o); err != nil {
			t.Fatal(err)
		}
	}
	return o
}

func TestRelatedCases(t *testing.T) {
	st := demoStore(t, 60)
	mine := newCase(t, st, "default", "me")
	alsoMine := newCase(t, st, "default", "me")
	elsewhere := newCase(t, st, "default", "mia")
	sharedAccount(t, st, "act_shared1", mine, alsoMine, elsewhere)

	m := newModel(t, st, "me", 140, 40)
	selectCase(t, m, mine.Name)
	press(t, m, "esc") // the filter goes; the case stays selected
	if sel := m.queue.selected(); sel == nil || sel.ID != mine.ID {
		t.Fatalf("selected %v", sel)
	}
	// The Overview counts the related cases instead of listing them.
	view := m.View()
	if !strings.Contains(view, "Related    2 cases sharing an object · enter lists them") {
		t.Fatalf("overview:\n%s", view)
	}
	if strings.Contains(view, elsewhere.Name) {
		t.Fatal("the Overview lists the related cases itself")
	}
	// enter lists them, each naming what it shares.
	press(t, m, "tab", "enter")
	view = m.View()
	for _, want := range []string{"Related cases (2)", alsoMine.Name, elsewhere.Name, "shares account act_shared1 (user-act_shared1)"} {
		if !strings.Contains(view, want) {
			t.Fatalf("the related list lacks %q:\n%s", want, view)
		}
	}
	// enter on a case of the queue in view selects it there.
	pick := func(c *model.Case) {
		t.Helper()
		for i, r := range m.pane.detail.Related {
			if r.ID == c.ID {
				m.pane.relCursor = i
				return
			}
		}
		t.Fatalf("%s is not related", c.Name)
	}
	pick(alsoMine)
	press(t, m, "enter")
	if sel := m.queue.selected(); sel == nil || sel.ID != alsoMine.ID || m.pane.detail.Case.ID != alsoMine.ID {
		t.Fatalf("enter did not select %s in the queue: %v", alsoMine.Name, sel)
	}
	// A case outside the queue opens in the pane, and keys act on it.
	press(t, m, "enter")
	pick(elsewhere)
	press(t, m, "enter")
	if m.pane.detail.Case.ID != elsewhere.ID || m.queue.selected().ID != alsoMine.ID {
		t.Fatalf("pane shows %s, queue selects %s", m.pane.detail.Case.Name, m.queue.selected().Name)
	}
	if view := m.View(); !strings.Contains(view, elsewhere.Name+" is not in My queue; esc returns to "+alsoMine.Name) {
		t.Fatalf("the pinned case is not explained:\n%s", view)
	}
	press(t, m, "P")
	if got := caseOf(t, st, elsewhere.ID); got.Status != "Pending" {
		t.Fatalf("P on the opened case: %s is %s (%s)", got.Name, got.Status, m.message)
	}
	if caseOf(t, st, alsoMine.ID).Status != "Open" {
		t.Fatal("P moved the selected row's case instead")
	}
	if m.pane.detail.Case.ID != elsewhere.ID || m.pane.detail.Case.Status != "Pending" {
		t.Fatalf("after the move the pane shows %s %s", m.pane.detail.Case.Name, m.pane.detail.Case.Status)
	}
	alsoMineVersion := caseOf(t, st, alsoMine.ID).Version
	// esc goes back to the selected row's case.
	press(t, m, "esc")
	if m.pane.detail.Case.ID != alsoMine.ID || m.pinned != "" {
		t.Fatalf("esc: pane shows %s", m.pane.detail.Case.Name)
	}
	// A key pressed before the opened case is on screen acts on nothing.
	m.Update(openCaseMsg{caseOf(t, st, elsewhere.ID)}) // its read is left undone
	m.Update(keyMsg("O"))
	if !strings.Contains(m.message, elsewhere.Name+" is still being read; nothing was done") {
		t.Fatalf("footer %q", m.message)
	}
	if caseOf(t, st, alsoMine.ID).Version != alsoMineVersion || caseOf(t, st, elsewhere.ID).Status != "Pending" {
		t.Fatal("a key acted while the opened case was being read")
	}
	press(t, m, "esc")
	// Moving in the queue lets a pinned case go too.
	press(t, m, "1", "enter")
	pick(elsewhere)
	press(t, m, "enter", "shift+tab")
	at := m.queue.cursor
	if press(t, m, "j"); m.queue.cursor == at {
		press(t, m, "k")
	}
	if m.pinned != "" || m.pane.detail.Case.ID != m.queue.selected().ID {
		t.Fatal("moving the queue's cursor kept the pinned case")
	}
}

// watchlist is a report whose match details are nested and long.
func watchlist(id string) *model.Object {
	long := "Designated for providing material support to a sanctioned entity; listed 2019-04-02; amended 2023-11-30 with additional aliases and addresses"
	attrs, _ := json.Marshal(map[string]any{
		"status": "ready", "has-match": true, "match-count": 1,
		"matched-lists": []any{map[string]any{"match-score": 0.91, "name": "OFAC SDN", "remarks": long,
			"aliases": []string{"A. Okafor", "Amara O."}}},
	})
	return &model.Object{ObjectRef: model.ObjectRef{Kind: model.KindReport, Type: "report/watchlist", ID: id}, Attributes: attrs}
}

func TestExpandedObjectIsATree(t *testing.T) {
	st := demoStore(t, 10)
	c := newCase(t, st, "default", "me")
	if _, err := st.Attach(store.Target{Actor: "me", Case: c.ID}, watchlist("rep_watch1")); err != nil {
		t.Fatal(err)
	}
	m := newModel(t, st, "me", 120, 40)
	selectCase(t, m, c.Name)
	press(t, m, "4")
	if m.focus != focusCase {
		press(t, m, "tab") // tab keys keep the focus where it was
	}
	if strings.Contains(m.View(), "attributes") {
		t.Fatal("the object is open before enter")
	}
	press(t, m, "enter")
	view := m.View()
	checkFrame(t, view, 120, 40)
	// Nested values are tree nodes, not JSON on one line.
	if !strings.Contains(view, "matched-lists […]") || strings.Contains(view, `[{"`) {
		t.Fatalf("matched-lists is not a tree node:\n%s", view)
	}
	// Unfold everything: the long remark is there whole, over several lines.
	press(t, m, "+")
	view = m.View()
	for _, want := range []string{"match-score: 0.91", `name: "OFAC SDN"`, "aliases", `"A. Okafor"`} {
		if !strings.Contains(view, want) {
			t.Fatalf("unfolded tree lacks %q:\n%s", want, view)
		}
	}
	flat := strings.Join(strings.Fields(paneText(view, m)), " ")
	if !strings.Contains(flat, "additional aliases and addresses\"") {
		t.Fatalf("the long remark is cut:\n%s", view)
	}
	// Folding works like the Enrichment tab's: fold all hides the lists.
	press(t, m, "-")
	if strings.Contains(m.View(), "OFAC SDN") {
		t.Fatal("- did not fold the tree")
	}
	// esc goes back to the list, not to the queue.
	press(t, m, "esc")
	if m.pane.objectOpen() || m.focus != focusCase {
		t.Fatalf("esc: object open %v, focus %d", m.pane.objectOpen(), m.focus)
	}
	// The tree's search takes typed keys: q there does not quit.
	press(t, m, "enter", "/")
	if quit := press(t, m, "type:qOFAC", "enter"); quit {
		t.Fatal("q typed into the object's search quit")
	}
}

// paneText is the right-hand pane of a split screen, lines joined.
func paneText(view string, m *Model) string {
	var out []string
	for _, l := range strings.Split(view, "\n") {
		r := []rune(l)
		if len(r) > m.queue.width+1 {
			out = append(out, strings.TrimRight(string(r[m.queue.width+1:]), " "))
		}
	}
	return strings.Join(out, "\n")
}

// queueLine is the line of the queue (left of the split) that shows name.
func queueLine(view, name string) string {
	for _, l := range strings.Split(view, "\n") {
		left, _, _ := strings.Cut(l, "│")
		if strings.Contains(left, " "+name+" ") {
			return left
		}
	}
	return ""
}

// twoTeamCases makes two-team cases in each Team 1 outcome.
func twoTeamCases(t *testing.T, st *store.Store) (approved, declined *model.Case) {
	t.Helper()
	approved, declined = newCase(t, st, "two-team", "ravi"), newCase(t, st, "two-team", "ravi")
	for _, x := range []struct {
		c  *model.Case
		ch store.StatusChange
	}{{approved, store.StatusChange{Status: "Approved by Team 1"}}, {declined, store.StatusChange{Status: "Declined by Team 1", Reason: "fraud"}}} {
		if _, err := st.SetStatus(store.Target{Actor: "ravi", Case: x.c.ID}, x.ch); err != nil {
			t.Fatal(err)
		}
	}
	return approved, declined
}

func TestQueueColumnsFitWhatTheyHold(t *testing.T) {
	st := demoStore(t, 120)
	approved, declined := twoTeamCases(t, st)
	m := newModel(t, st, "me", 160, 45)
	press(t, m, "]", "]", "/", "type:DUO", "enter") // Open, two-team cases
	view := m.View()
	if !strings.Contains(view, "SUBJECT") {
		t.Fatal("the subject column is gone at 160 columns")
	}
	for _, c := range []*model.Case{approved, declined} {
		if line := queueLine(view, c.Name); !strings.Contains(line, " Approved by Team 1 ") && !strings.Contains(line, " Declined by Team 1 ") {
			t.Fatalf("%s (%s) reads %q", c.Name, caseOf(t, st, c.ID).Status, line)
		}
	}
	for _, c := range m.queue.rows[:min(len(m.queue.rows), m.queue.height)] {
		if line := queueLine(view, c.Name); !strings.Contains(line, " "+c.Status+" ") {
			t.Fatalf("the status of %s is cut: %q", c.Name, line)
		}
	}
	// At 80×24 the SLA stays (with its "late"); WORKFLOW and AGE go first.
	m = newModel(t, st, "me", 80, 24)
	view = m.View()
	head := queueLine(view, "STATUS")
	if !strings.Contains(head, "SLA") || strings.Contains(head, "WORKFLOW") || strings.Contains(head, "AGE") {
		t.Fatalf("80×24 columns: %q", head)
	}
	if !strings.Contains(view, "late ") {
		t.Fatalf("no overdue case says late at 80×24:\n%s", view)
	}
	// A cut status keeps what tells it from its siblings.
	for _, tt := range []struct {
		in   string
		w    int
		want string
	}{
		{"Approved by Team 1", 15, "Approved…Team 1"},
		{"Declined by Team 2", 12, "Decli…Team 2"},
		{"Awaiting documentation", 15, "Awaiting docum…"},
		{"Pending", 10, "Pending   "},
	} {
		if got := fitStatus(tt.in, tt.w); got != tt.want {
			t.Errorf("fitStatus(%q, %d) = %q, want %q", tt.in, tt.w, got, tt.want)
		}
	}
}

func TestHeaderKeepsTheActiveTab(t *testing.T) {
	st := demoStore(t, 120)
	m := newModel(t, st, "me", 80, 24)
	press(t, m, "[") // the last tab: a reviewer's
	last := m.tabs[len(m.tabs)-1]
	header := strings.Split(m.View(), "\n")[0]
	if !strings.Contains(header, fmt.Sprintf("[%s %d]", last.label, last.count)) {
		t.Fatalf("the active tab is not in the header: %q", header)
	}
	shown := 0
	for _, tab := range m.tabs {
		if strings.Contains(header, fmt.Sprintf("%s %d", tab.label, tab.count)) {
			shown++
		}
	}
	if want := fmt.Sprintf("+%d more", len(m.tabs)-shown); !strings.Contains(header, want) {
		t.Fatalf("header %q does not say %q", header, want)
	}
	// Wide enough for every tab: nothing is said to be missing.
	m = newModel(t, st, "me", 220, 24)
	if header := strings.Split(m.View(), "\n")[0]; strings.Contains(header, "more") {
		t.Fatalf("220 columns: %q", header)
	}
}

func TestHelpUsesTheWidthAndScrolls(t *testing.T) {
	st := demoStore(t, 20)
	m := newModel(t, st, "me", 160, 45)
	press(t, m, "?")
	view := m.View()
	checkFrame(t, view, 160, 45)
	wide := 0
	for _, l := range strings.Split(view, "\n") {
		wide = max(wide, textWidth(strings.TrimRight(l, " ")))
	}
	if wide < 130 {
		t.Fatalf("help uses only %d of 160 columns:\n%s", wide, view)
	}
	for _, section := range []string{"Everywhere", "Queue", "Case pane", "Enrichment tree", "Workload (leads)", "Metrics", "Dialogs", "Statuses"} {
		if !strings.Contains(view, section) {
			t.Fatalf("help has no %q section:\n%s", section, view)
		}
	}
	// At 80×24 it scrolls: G shows the end, g the start, ctrl+d and pgdown
	// move down.
	m = newModel(t, st, "me", 80, 24)
	press(t, m, "?")
	end := "X Declined by Team 2"
	if strings.Contains(m.View(), end) {
		t.Fatal("the end of help is on the first screen")
	}
	press(t, m, "G")
	if view := m.View(); !strings.Contains(strings.ReplaceAll(view, "\u00a0", " "), end) {
		t.Fatalf("G did not scroll to the end:\n%s", view)
	}
	press(t, m, "g")
	if !strings.Contains(m.View(), "Everywhere") || m.helpScroll != 0 {
		t.Fatal("g did not go back to the top")
	}
	press(t, m, "ctrl+d")
	if m.helpScroll != (24-2)/2 {
		t.Fatalf("ctrl+d scrolled to %d", m.helpScroll)
	}
	press(t, m, "pgdown", "ctrl+u", "pgup")
	if m.helpScroll != 0 {
		t.Fatalf("back up: %d", m.helpScroll)
	}
	press(t, m, "esc")
	if m.help {
		t.Fatal("esc did not close help")
	}
	// It lists the bindings in force.
	km, err := newKeyMap(map[Action][]string{"claim": {"x"}, "window-longer": {"L"}})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := st.User("me")
	m, err = New(st, u, Options{Now: clock, Clipboard: &strings.Builder{}, Config: Config{Keys: km, Path: "test.yaml"}, Renderer: asciiRenderer()})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 45})
	press(t, m, "?")
	view = m.View()
	for _, want := range []string{`(^|\s)x\s+claim the case`, `\sL\s+metrics over a longer window`, `config test\.yaml`} {
		if !regexp.MustCompile(want).MatchString(view) {
			t.Fatalf("help lacks %s:\n%s", want, view)
		}
	}
}

func TestFooterOffersWhatApplies(t *testing.T) {
	st := demoStore(t, 40)
	own := newCase(t, st, "default", "ravi")
	free := newCase(t, st, "default", "")
	mias := newCase(t, st, "default", "mia")
	team1 := newCase(t, st, "two-team", "ines") // ines is team-2: Team 1's moves are not hers
	tests := []struct {
		user, tab string // tab: keys that reach the case's queue
		c         *model.Case
		want, not []string
	}{
		{"ravi", "", own, []string{"P Pending", "A Approved", "D Declined", "s moves", "m comment", "u unassign"}, []string{"c claim", "a assign", "d SLA", "O Open"}},
		{"ravi", "]", free, []string{"c claim"}, []string{"A Approved", "a assign", "m comment"}},
		{"me", "] ]", mias, []string{"c claim", "a assign", "d SLA", "A Approved"}, nil},
		{"ines", "", team1, []string{"m comment"}, []string{"A Approved by Team 1", "D Declined by Team 1", "c claim"}},
	}
	for _, tt := range tests {
		t.Run(tt.user+" "+tt.c.Name, func(t *testing.T) {
			m := newModel(t, st, tt.user, 160, 30)
			press(t, m, strings.Fields(tt.tab)...)
			selectCase(t, m, tt.c.Name)
			footer := m.footerView()
			for _, w := range tt.want {
				if !strings.Contains(footer, w) {
					t.Errorf("footer lacks %q: %s", w, footer)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(footer, n) {
					t.Errorf("footer offers %q: %s", n, footer)
				}
			}
		})
	}
}

func TestHistoryShowsFieldsBeforeAndAfter(t *testing.T) {
	st := demoStore(t, 10)
	c := newCase(t, st, "default", "ravi")
	if _, err := st.UpdateFields(store.Target{Actor: "ravi", Case: c.ID}, []byte(`{"risk":{"score":83},"note":"call back"}`)); err != nil {
		t.Fatal(err)
	}
	m := newModel(t, st, "ravi", 200, 30)
	selectCase(t, m, c.Name)
	press(t, m, "6")
	if view := m.View(); !strings.Contains(view, `ravi updated fields: note (none) → "call back"; risk.score 50 → 83`) {
		t.Fatalf("history:\n%s", view)
	}
}

func TestLeadScreensFit80Columns(t *testing.T) {
	st := demoStore(t, 120)
	for _, tt := range []struct{ key, want string }{{"ctrl+w", "TODAY"}, {"ctrl+t", "LATE"}} {
		m := newModel(t, st, "lena", 80, 24)
		press(t, m, tt.key)
		view := m.View()
		if !strings.Contains(view, tt.want) {
			t.Fatalf("%s at 80 columns has no %s:\n%s", tt.key, tt.want, view)
		}
		for _, l := range strings.Split(view, "\n")[1:] {
			if strings.HasSuffix(strings.TrimRight(l, " "), "…") {
				t.Fatalf("%s at 80 columns cuts %q", tt.key, l)
			}
		}
	}
	// Workload keeps the cursor on screen however many users there are.
	m := newModel(t, st, "lena", 80, 12)
	press(t, m, "ctrl+w", "G")
	last := m.lead.loads[len(m.lead.loads)-1].User.Name
	if !strings.Contains(m.View(), "▶ "+last) {
		t.Fatalf("the last user is not on screen:\n%s", m.View())
	}
}

func TestOpenObjectAndRelatedListAtAnySize(t *testing.T) {
	st := demoStore(t, 20)
	c := newCase(t, st, "default", "me")
	other := newCase(t, st, "two-team", "mia")
	if _, err := st.Attach(store.Target{Actor: "me", Case: c.ID}, watchlist("rep_watch2")); err != nil {
		t.Fatal(err)
	}
	sharedAccount(t, st, "act_any", c, other)
	sizes := [][2]int{{40, 10}, {41, 11}, {60, 12}, {79, 24}, {80, 24}, {120, 30}, {200, 60}}
	for _, keys := range [][]string{{"4", "enter", "+"}, {"1", "enter"}, {"1", "enter", "enter"}, {"?", "G"}, {"ctrl+w"}, {"ctrl+t", "G"}} {
		m := newModel(t, st, "me", 120, 30)
		selectCase(t, m, c.Name)
		press(t, m, append([]string{"tab"}, keys...)...)
		for _, s := range sizes {
			m.Update(tea.WindowSizeMsg{Width: s[0], Height: s[1]})
			checkFrame(t, m.View(), s[0], s[1])
			press(t, m, "j", "k")
			checkFrame(t, m.View(), s[0], s[1])
		}
	}
}
