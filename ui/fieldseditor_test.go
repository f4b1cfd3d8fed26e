package ui

import (
	"os/exec"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"docket/model"
	"docket/store"
)

// editing opens the in-app editor (E) on a fresh case of ravi's, as ravi.
func editing(t *testing.T, fields string) (*store.Store, *Model, *model.Case) {
	t.Helper()
	st := demoStore(t, 10)
	c, err := st.CreateCase("lena", store.NewCase{Workflow: "default", Assignee: "ravi", Fields: []byte(fields)})
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(t, st, "ravi", 100, 30)
	selectCase(t, m, c.Name)
	press(t, m, "E")
	if m.editor == nil {
		t.Fatalf("E opened no editor: %q", m.message)
	}
	return st, m, c
}

// setText replaces the editor's text.
func setText(m *Model, text string) { m.editor.text.SetValue(text) }

func fieldEvents(t *testing.T, st *store.Store, id string) int {
	t.Helper()
	n := 0
	for _, e := range detailOf(t, st, id).Events {
		if e.Kind == model.EventFields {
			n++
		}
	}
	return n
}

func TestFieldsEditor(t *testing.T) {
	const fields = `{"risk":{"score":50,"level":"low"},"note":"x"}`
	const stored = `{"note":"x","risk":{"level":"low","score":50}}` // as the store keeps it
	tests := []struct {
		name string
		text string   // the editor's text before the keys ("": as opened)
		keys []string // pressed in the editor
		// meanwhile changes the case after the editor opened.
		meanwhile func(t *testing.T, st *store.Store, c *model.Case)

		open    bool   // the editor is still open
		problem string // what it says under the text
		dialog  bool   // a confirmation is asked
		fields  string // the case's fields afterwards
		events  int    // fields events written (meanwhile's too)
		footer  string
	}{
		{name: "save", text: `{"risk":{"score":83,"level":"low"},"note":"x","new":[1,2]}`, keys: []string{"ctrl+s"},
			fields: `{"new":[1,2],"note":"x","risk":{"level":"low","score":83}}`, events: 1, footer: "saved"},
		{name: "typed text and save", keys: []string{"down", "end", "type: ", "ctrl+s"},
			fields: `{"note":"x","risk":{"level":"low","score":50}}`, footer: "unchanged"},
		{name: "removed key", text: `{"note":"x"}`, keys: []string{"ctrl+s"},
			fields: `{"note":"x"}`, events: 1, footer: "saved"},
		{name: "invalid JSON", text: "{\n  \"risk\": {\"score\": 83,}\n}", keys: []string{"ctrl+s"},
			open: true, problem: "not valid JSON at line 2, column 24", fields: stored},
		{name: "unfinished JSON", text: "{\n  \"risk\": {\"score\": 83", keys: []string{"ctrl+s"},
			open: true, problem: "line 2, column 23", fields: stored},
		{name: "not an object", text: `[1]`, keys: []string{"ctrl+s"},
			open: true, problem: "must be a JSON object", fields: stored},
		{name: "emptied", text: "  \n", keys: []string{"ctrl+s"},
			open: true, problem: "the text is empty", fields: stored},
		{name: "conflict", text: `{"note":"mine"}`, keys: []string{"ctrl+s"},
			meanwhile: func(t *testing.T, st *store.Store, c *model.Case) {
				if _, err := st.UpdateFields(store.Target{Actor: "lena", Case: c.ID}, []byte(`{"risk":{"score":99}}`)); err != nil {
					t.Fatal(err)
				}
			},
			open: true, problem: "nothing saved, your text is kept (ctrl+s saves it over the change", fields: `{"note":"x","risk":{"level":"low","score":99}}`, events: 1},
		{name: "conflict, saved over", text: `{"note":"mine"}`, keys: []string{"ctrl+s", "ctrl+s"},
			meanwhile: func(t *testing.T, st *store.Store, c *model.Case) {
				if _, err := st.UpdateFields(store.Target{Actor: "lena", Case: c.ID}, []byte(`{"risk":{"score":99}}`)); err != nil {
					t.Fatal(err)
				}
			},
			fields: `{"note":"mine"}`, events: 2, footer: "saved"},
		{name: "esc with changes asks", text: `{"note":"y"}`, keys: []string{"esc"},
			open: true, dialog: true, fields: stored},
		{name: "esc, keep editing", text: `{"note":"y"}`, keys: []string{"esc", "n"},
			open: true, fields: stored},
		{name: "esc, then y drops", text: `{"note":"y"}`, keys: []string{"esc", "y"},
			fields: stored, footer: "edit dropped; nothing saved"},
		{name: "esc unchanged closes", keys: []string{"esc"}, fields: stored},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, m, c := editing(t, fields)
			if tt.text != "" {
				setText(m, tt.text)
			}
			before := fieldEvents(t, st, c.ID)
			if tt.meanwhile != nil {
				tt.meanwhile(t, st, c)
			}
			if quit := press(t, m, tt.keys...); quit {
				t.Fatal("the workstation quit")
			}
			if (m.editor != nil) != tt.open {
				t.Fatalf("editor open %v, want %v (footer %q)", m.editor != nil, tt.open, m.message)
			}
			if _, asked := m.dialog.(*confirm); asked != tt.dialog {
				t.Errorf("dialog %T, want a confirmation %v", m.dialog, tt.dialog)
			}
			if m.editor != nil {
				if !strings.Contains(m.editor.problem, tt.problem) || tt.problem == "" && m.editor.problem != "" {
					t.Errorf("problem %q, want %q", m.editor.problem, tt.problem)
				}
				if tt.text != "" && m.editor.text.Value() != tt.text {
					t.Errorf("the text changed to %q", m.editor.text.Value())
				}
				view := m.View()
				checkFrame(t, view, 100, 30)
				if tt.problem != "" && !strings.Contains(view, tt.problem[:min(20, len(tt.problem))]) {
					t.Errorf("the screen does not say %q:\n%s", tt.problem, view)
				}
			}
			if got := string(caseOf(t, st, c.ID).Fields); got != tt.fields {
				t.Errorf("fields %s, want %s", got, tt.fields)
			}
			if got := fieldEvents(t, st, c.ID) - before; got != tt.events {
				t.Errorf("%d fields events written, want %d", got, tt.events)
			}
			if !strings.Contains(m.message, tt.footer) {
				t.Errorf("footer %q, want %q", m.message, tt.footer)
			}
		})
	}
}

// TestFieldsEditorKeysAreText: everything typed lands in the text, q and ?
// too, and tab indents.
func TestFieldsEditorKeysAreText(t *testing.T) {
	_, m, _ := editing(t, `{}`)
	setText(m, "")
	press(t, m, "type:{", "tab", "type:\"q?\": 1}")
	if got := m.editor.text.Value(); got != `{  "q?": 1}` {
		t.Fatalf("text %q", got)
	}
	if m.help || m.editor == nil {
		t.Fatal("a key acted instead of being typed")
	}
}

// TestFieldsEditorKeepsValues: the text shows numbers with every digit and
// invisible or bidi characters as escapes, so saving an untouched text
// changes nothing.
func TestFieldsEditorKeepsValues(t *testing.T) {
	fields := `{"big":12345678901234567890,"f":1.50,"s":"a\u202eb\u200bc\u0085d😀"}`
	st, m, c := editing(t, fields)
	text := m.editor.text.Value()
	for _, want := range []string{"12345678901234567890", "1.50", `"a\u202eb\u200bc\u0085d😀"`} {
		if !strings.Contains(text, want) {
			t.Errorf("the text lacks %s:\n%s", want, text)
		}
	}
	if strings.ContainsAny(m.View(), "\u202e\u200b\u0085") {
		t.Error("an invisible character reached the screen")
	}
	version := caseOf(t, st, c.ID).Version
	press(t, m, "ctrl+s")
	if m.editor != nil || !strings.Contains(m.message, "unchanged") || caseOf(t, st, c.ID).Version != version {
		t.Fatalf("editor %v, footer %q", m.editor != nil, m.message)
	}
}

// TestEditKeyChoosesTheEditor: e runs $VISUAL/$EDITOR when one is set and
// the workstation is local; otherwise, and always with E, it edits here.
func TestEditKeyChoosesTheEditor(t *testing.T) {
	tests := []struct {
		name    string
		editor  string // $EDITOR
		inApp   bool   // Options.InAppEditor
		key     string
		here    bool // the in-app editor opens
		program bool // an editor program runs
	}{
		{"e with $EDITOR", "fake-editor", false, "e", false, true},
		{"e without", "", false, "e", true, false},
		{"e in app", "fake-editor", true, "e", true, false},
		{"E with $EDITOR", "fake-editor", false, "E", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("VISUAL", "")
			t.Setenv("EDITOR", tt.editor)
			st := demoStore(t, 10)
			c := newCase(t, st, "default", "ravi")
			m := newModel(t, st, "ravi", 100, 30)
			m.opts.InAppEditor = tt.inApp
			ran := false
			m.execProcess = func(cmd *exec.Cmd, done tea.ExecCallback) tea.Cmd {
				ran = true
				return nil
			}
			selectCase(t, m, c.Name)
			press(t, m, tt.key)
			if (m.editor != nil) != tt.here || ran != tt.program {
				t.Errorf("in-app editor %v, program %v; want %v, %v (footer %q)", m.editor != nil, ran, tt.here, tt.program, m.message)
			}
		})
	}
}

// TestShutdownWhileEditing: the notice says the edit was not saved.
func TestShutdownWhileEditing(t *testing.T) {
	_, m, _ := editing(t, `{}`)
	setText(m, `{"a":1}`)
	_, cmd := m.Update(ShutdownMsg{Reason: "server shutting down"})
	if !run(t, m, cmd) {
		t.Fatal("no quit")
	}
	if !strings.Contains(m.View(), "server shutting down; your edit of the enrichment of") {
		t.Errorf("footer:\n%s", m.View())
	}
}

// TestFieldsEditorTooLong refuses a text the text area would cut.
func TestFieldsEditorTooLong(t *testing.T) {
	st := demoStore(t, 10)
	big := `{"list":[` + strings.Repeat(`1,`, textareaMaxLines) + `1]}`
	c, err := st.CreateCase("lena", store.NewCase{Workflow: "default", Assignee: "ravi", Fields: []byte(big)})
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(t, st, "ravi", 100, 30)
	selectCase(t, m, c.Name)
	press(t, m, "E")
	if m.editor != nil || !strings.Contains(m.message, "docket case enrich "+c.Name) {
		t.Fatalf("editor %v, footer %q", m.editor != nil, m.message)
	}
}

// TestFieldsEditorSeesAChange: when the change feed says the case changed
// while it is being edited, the editor says a save will be refused.
func TestFieldsEditorSeesAChange(t *testing.T) {
	st, m, c := editing(t, `{"a":1}`)
	if _, err := st.Comment(store.Target{Actor: "lena", Case: c.ID}, "meanwhile"); err != nil {
		t.Fatal(err)
	}
	_, cmd := m.Update(changeMsg{Cases: []string{c.ID}})
	run(t, m, cmd)
	if v := m.View(); !strings.Contains(v, "changed since you opened it (now v2): a save will be refused as a conflict") {
		t.Errorf("no word of the change:\n%s", v)
	}
}
