package jsontree

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"
)

const sample = `{
  "risk": {"score": 0.93, "signals": ["velocity", "new_device", "vpn"], "level": "high"},
  "transactions": {"count": 5, "recent": [
    {"id": "t1", "amount": 10.5},
    {"id": "t2", "amount": 20},
    {"id": "t3", "amount": 30},
    {"id": "t4", "amount": 12345678901234567890},
    {"id": "t5", "amount": -1e3}
  ]},
  "odd key": {"a b": true, "x.y": null},
  "tags": ["VIP", "review"],
  "note": "Velocity check"
}`

// Initially visible lines of sample:
//  0 .            5 .transactions         10 .["odd key"]["x.y"]
//  1 .risk        6 .transactions.count   11 .tags
//  2 .risk.score  7 .transactions.recent  12 .tags[0]
//  3 .risk.signals (folded)               13 .tags[1]
//  4 .risk.level  8 .["odd key"]          14 .note
//                 9 .["odd key"]["a b"]

func newSample(t testing.TB) Model {
	t.Helper()
	m, err := New([]byte(sample), DefaultKeyMap())
	if err != nil {
		t.Fatal(err)
	}
	m.SetStyles(stylesFor(termenv.Ascii))
	m.SetSize(60, 8)
	return m
}

// keyMsg builds the message Bubble Tea sends for a key, named as in
// key.WithKeys.
func keyMsg(k string) tea.KeyMsg {
	named := map[string]tea.KeyType{
		"enter": tea.KeyEnter, "esc": tea.KeyEsc, "up": tea.KeyUp, "down": tea.KeyDown,
		"left": tea.KeyLeft, "right": tea.KeyRight, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown,
		"home": tea.KeyHome, "end": tea.KeyEnd, "ctrl+u": tea.KeyCtrlU, "ctrl+d": tea.KeyCtrlD,
		"ctrl+w": tea.KeyCtrlW, "backspace": tea.KeyBackspace, " ": tea.KeySpace, "tab": tea.KeyTab,
	}
	if t, ok := named[k]; ok {
		return tea.KeyMsg{Type: t}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// press sends keys; a key of more than one rune that is not a named key is
// typed rune by rune (for the search input).
func press(m Model, keys ...string) Model {
	for _, k := range keys {
		msg := keyMsg(k)
		if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 {
			for _, r := range msg.Runes {
				m, _ = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
			}
			continue
		}
		m, _ = m.Update(msg)
	}
	return m
}

func TestUpdateMoveAndFold(t *testing.T) {
	tests := []struct {
		name  string
		keys  []string
		path  string
		lines int
	}{
		{"start", nil, ".", 15},
		{"down", []string{"j", "down"}, ".risk.score", 15},
		{"up stops at top", []string{"k", "up"}, ".", 15},
		{"bottom", []string{"G"}, ".note", 15},
		{"end then home", []string{"end", "home"}, ".", 15},
		{"bottom stays", []string{"G", "j"}, ".note", 15},
		{"page down", []string{"pgdown"}, ".transactions.recent", 15},  // body is 7 lines
		{"page up", []string{"G", "pgup"}, ".transactions.recent", 15}, // 14-7
		{"half down", []string{"ctrl+d"}, ".risk.signals", 15},         // 7/2 = 3
		{"half up", []string{"G", "ctrl+u"}, ".tags", 15},
		{"fold a container", []string{"j", "enter"}, ".risk", 12},
		{"fold and unfold with space", []string{"j", " ", " "}, ".risk", 15},
		{"unfold folded", []string{"3", "j", "j", "j", "l"}, ".risk.signals", 18},
		{"expand moves to first child", []string{"j", "j", "j", "l", "l"}, ".risk.signals[0]", 18},
		{"right arrow unfolds", []string{"j", "j", "j", "right"}, ".risk.signals", 18},
		{"toggle on a leaf does nothing", []string{"j", "j", "enter"}, ".risk.score", 15},
		{"expand on a leaf does nothing", []string{"j", "j", "l"}, ".risk.score", 15},
		{"collapse folds", []string{"j", "h"}, ".risk", 12},
		{"collapse on leaf goes to parent", []string{"j", "j", "h"}, ".risk", 15},
		{"collapse on folded goes to parent", []string{"j", "j", "j", "h"}, ".risk", 15},
		{"collapse twice folds the parent", []string{"j", "j", "h", "left"}, ".risk", 12},
		{"collapse on root folds it", []string{"h"}, ".", 1},
		{"collapse on folded root stays", []string{"h", "h"}, ".", 1},
		{"expand all keeps node", []string{"G", "+"}, ".note", 33},
		{"expand all with =", []string{"j", "j", "j", "="}, ".risk.signals", 33},
		{"collapse all keeps node", []string{"j", "j", "-"}, ".risk", 6},
		{"collapse all then expand all", []string{"G", "-", "+"}, ".note", 33},
		{"collapse all goes to ancestor", []string{"+", "G", "k", "k", "-"}, ".tags", 6},
		{"unfold then fold parent", []string{"j", "j", "j", "l", "k", "k", "h", "l"}, ".risk", 18},
		{"path with index", []string{"G", "k", "k"}, ".tags[0]", 15},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := press(newSample(t), tt.keys...)
			if got := m.Path(); got != tt.path {
				t.Errorf("Path() = %s, want %s", got, tt.path)
			}
			if got := m.Lines(); got != tt.lines {
				t.Errorf("Lines() = %d, want %d", got, tt.lines)
			}
			checkView(t, m, 60, 8)
		})
	}
}

func TestCopy(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		want CopyMsg
	}{
		{"path of root", []string{"y"}, CopyMsg{"path", "."}},
		{"value of root", []string{"-", "Y"}, CopyMsg{"value", `{"risk":{"score":0.93,"signals":["velocity","new_device","vpn"],"level":"high"},"transactions":{"count":5,"recent":[{"id":"t1","amount":10.5},{"id":"t2","amount":20},{"id":"t3","amount":30},{"id":"t4","amount":12345678901234567890},{"id":"t5","amount":-1e3}]},"odd key":{"a b":true,"x.y":null},"tags":["VIP","review"],"note":"Velocity check"}`}},
		{"path deep", []string{"7", "j", "j", "j", "j", "j", "j", "j", "l", "l", "j", "j", "j", "l", "l", "j", "y"}, CopyMsg{"path", ".transactions.recent[3].amount"}},
		{"big number exact", []string{"j", "j", "j", "j", "j", "j", "j", "l", "l", "j", "j", "j", "l", "l", "j", "Y"}, CopyMsg{"value", "12345678901234567890"}},
		{"string without quotes", []string{"G", "Y"}, CopyMsg{"value", "Velocity check"}},
		{"odd key path", []string{"G", "k", "k", "k", "k", "y"}, CopyMsg{"path", `.["odd key"]["x.y"]`}},
		{"container value", []string{"j", "j", "j", "Y"}, CopyMsg{"value", `["velocity","new_device","vpn"]`}},
		{"null value", []string{"G", "k", "k", "k", "k", "Y"}, CopyMsg{"value", "null"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newSample(t)
			keys := tt.keys
			m = press(m, keys[:len(keys)-1]...)
			_, cmd := m.Update(keyMsg(keys[len(keys)-1]))
			if cmd == nil {
				t.Fatal("no command")
			}
			if got := cmd(); got != tt.want {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestSearch(t *testing.T) {
	tests := []struct {
		name   string
		keys   []string
		path   string
		status string // expected substring of the status line
	}{
		{"typing keeps the cursor", []string{"/", "amount"}, ".", "5 matches"},
		{"enter jumps to first match", []string{"/", "amount", "enter"}, ".transactions.recent[0].amount", "match 1/5"},
		{"n goes to next", []string{"/", "amount", "enter", "n", "n"}, ".transactions.recent[2].amount", "match 3/5"},
		{"n wraps", []string{"/", "amount", "enter", "n", "n", "n", "n", "n"}, ".transactions.recent[0].amount", "match 1/5"},
		{"N wraps backwards", []string{"/", "amount", "enter", "N"}, ".transactions.recent[4].amount", "match 5/5"},
		{"N goes back", []string{"/", "amount", "enter", "N", "N"}, ".transactions.recent[3].amount", "match 4/5"},
		{"enter starts at the cursor", []string{"G", "/", "amount", "enter"}, ".transactions.recent[0].amount", "match 1/5"},
		{"values, ignoring case", []string{"/", "VELO", "enter"}, ".risk.signals[0]", "match 1/2"},
		{"values then n", []string{"/", "velo", "enter", "n"}, ".note", "match 2/2"},
		{"keys with spaces", []string{"/", "a b", "enter"}, `.["odd key"]["a b"]`, "match 1/1"},
		{"numbers as written", []string{"/", "45678901", "enter"}, ".transactions.recent[3].amount", "match 1/1"},
		{"literals", []string{"/", "NULL", "enter"}, `.["odd key"]["x.y"]`, "match 1/1"},
		{"enter from a later node", []string{"j", "j", "j", "j", "/", "velo", "enter"}, ".note", "match 2/2"},
		{"off a match shows the count", []string{"/", "amount", "enter", "k"}, ".transactions.recent[0].id", "5 matches"},
		{"no match", []string{"/", "zzz", "enter"}, ".", `no match for "zzz"`},
		{"no match while typing", []string{"/", "zzz"}, ".", "no match"},
		{"esc clears", []string{"/", "amount", "enter", "esc"}, ".transactions.recent[0].amount", "match 1/5"},
		{"esc in the input clears", []string{"/", "amount", "enter", "/", "x", "esc", "n"}, ".transactions.recent[0].amount", ""},
		{"backspace widens", []string{"/", "amountx", "backspace", "enter"}, ".transactions.recent[0].amount", "match 1/5"},
		{"ctrl+w deletes a word", []string{"/", "level xx", "ctrl+w", "backspace", "enter"}, ".risk.level", "match 1/1"},
		{"q is typed, not a key", []string{"/", "q"}, ".", "/q"},
		{"n without a search", []string{"n", "N"}, ".", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := press(newSample(t), tt.keys...)
			if got := m.Path(); got != tt.path {
				t.Errorf("Path() = %s, want %s", got, tt.path)
			}
			st := statusLine(t, m)
			if !strings.Contains(st, tt.status) {
				t.Errorf("status %q does not contain %q", st, tt.status)
			}
			checkView(t, m, 60, 8)
		})
	}
}

func TestSearchingFocus(t *testing.T) {
	m := newSample(t)
	if m.Searching() {
		t.Fatal("searching at start")
	}
	m = press(m, "/")
	if !m.Searching() {
		t.Fatal("/ did not open the search")
	}
	m = press(m, "q", "j", "G", "y")
	if !m.Searching() || m.Path() != "." || string(m.input) != "qjGy" {
		t.Errorf("keys leaked out of the search: searching %v path %s input %q", m.Searching(), m.Path(), string(m.input))
	}
	if _, cmd := m.Update(keyMsg("y")); cmd != nil {
		t.Error("y in the search produced a command")
	}
	m = press(m, "enter")
	if m.Searching() {
		t.Error("enter did not close the search")
	}
	m = press(m, "/", "esc")
	if m.Searching() || m.query != "" || len(m.matches) != 0 {
		t.Error("esc did not close and clear the search")
	}
}

// Matches inside folded containers are revealed: their ancestors unfold.
func TestSearchUnfolds(t *testing.T) {
	m := press(newSample(t), "-", "/", "vpn", "enter")
	if m.Path() != ".risk.signals[2]" {
		t.Fatalf("Path() = %s", m.Path())
	}
	view := m.View()
	if !strings.Contains(view, `> `) || !strings.Contains(view, `[2]: "vpn"`) {
		t.Errorf("match not on screen:\n%s", view)
	}
}

func TestMouseWheel(t *testing.T) {
	m := newSample(t) // 15 lines, 7 on screen
	wheel := func(m Model, b tea.MouseButton) Model {
		m, _ = m.Update(tea.MouseMsg{Button: b, Action: tea.MouseActionPress})
		return m
	}
	m = wheel(m, tea.MouseButtonWheelDown)
	if m.offset != 3 || m.cursor != 3 {
		t.Errorf("after wheel down: offset %d cursor %d", m.offset, m.cursor)
	}
	m = wheel(wheel(wheel(m, tea.MouseButtonWheelDown), tea.MouseButtonWheelDown), tea.MouseButtonWheelDown)
	if m.offset != 8 {
		t.Errorf("wheel scrolled past the end: offset %d", m.offset)
	}
	m = wheel(m, tea.MouseButtonWheelUp)
	if m.offset != 5 || m.cursor != 8 {
		t.Errorf("after wheel up: offset %d cursor %d", m.offset, m.cursor)
	}
}

func TestCursorStaysInView(t *testing.T) {
	m := newSample(t)
	m = press(m, "+")
	for i := 0; i < 40; i++ {
		m = press(m, "j")
		if m.cursor < m.offset || m.cursor >= m.offset+m.bodyHeight() {
			t.Fatalf("cursor %d outside [%d,%d)", m.cursor, m.offset, m.offset+m.bodyHeight())
		}
	}
	m = press(m, "-")
	if m.offset > m.Lines()-m.bodyHeight() && m.offset != 0 {
		t.Errorf("offset %d past the end after folding (%d lines)", m.offset, m.Lines())
	}
}

func TestPathSyntax(t *testing.T) {
	m, err := New([]byte(`[{"odd key":[[1]],"":2,"_ok9":3,"9no":4,"q\"t":5}]`), DefaultKeyMap())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{".", ".[0]", `.[0]["odd key"]`, `.[0]["odd key"][0]`, `.[0]["odd key"][0][0]`,
		`.[0][""]`, ".[0]._ok9", `.[0]["9no"]`, `.[0]["q\"t"]`}
	var got []string
	for i := range m.d.nodes {
		got = append(got, m.d.path(int32(i)))
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("paths:\n%q\nwant:\n%q", got, want)
	}
}

// TestCopyIsSafeToPaste: a value that would end a bracketed paste and run
// its second line in a shell is copied without the escape; a string keeps
// its newline and tab, a key in a path keeps neither.
func TestCopyIsSafeToPaste(t *testing.T) {
	doc := `{"cmd":"ls\u001b[201~\nrm -rf ~\t#\r\n","k\u001b]0;x\u0007\u202e":{"n":1},"arr":["\u009b1m\nx"]}`
	m, err := New([]byte(doc), DefaultKeyMap())
	if err != nil {
		t.Fatal(err)
	}
	m.SetSize(60, 10)
	for _, tt := range []struct {
		keys []string
		want CopyMsg
	}{
		{[]string{"j", "Y"}, CopyMsg{"value", "ls\nrm -rf ~\t# \n"}},
		{[]string{"j", "j", "y"}, CopyMsg{"path", `.["k\u001b]0;x\u0007\u202e"]`}}, // quoted, so inert
		{[]string{"j", "j", "Y"}, CopyMsg{"value", `{"n":1}`}},
		{[]string{"G", "k", "Y"}, CopyMsg{"value", `["\u009b1m\nx"]`}},
		{[]string{"G", "Y"}, CopyMsg{"value", "\nx"}}, // the C1 CSI and its parameters go
	} {
		mm := press(m, tt.keys[:len(tt.keys)-1]...)
		_, cmd := mm.Update(keyMsg(tt.keys[len(tt.keys)-1]))
		if got := cmd(); got != tt.want {
			t.Errorf("%v: got %#v, want %#v", tt.keys, got, tt.want)
		}
	}
}
