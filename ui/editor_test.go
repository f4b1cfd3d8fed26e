package ui

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"docket/store"
)

func TestEditorCommandSplitsLikeAShell(t *testing.T) {
	tests := []struct {
		configured, visual, editor string
		want                       []string
		err                        string
	}{
		{"", "", "", []string{"vi"}, ""},
		{"", "", "nano", []string{"nano"}, ""},
		{"", "code --wait", "nano", []string{"code", "--wait"}, ""},
		{"", "", "nvim -u NONE", []string{"nvim", "-u", "NONE"}, ""},
		{"", `'/opt/My Editor/edit' -n`, "", []string{"/opt/My Editor/edit", "-n"}, ""},
		{"", `"/opt/My Editor/edit" --title "a \"b\" c"`, "", []string{"/opt/My Editor/edit", "--title", `a "b" c`}, ""},
		{"", `/opt/My\ Editor/edit  -x`, "", []string{"/opt/My Editor/edit", "-x"}, ""},
		{"", `emacs -nw''`, "", []string{"emacs", "-nw"}, ""},
		{"", `"a"b'c'`, "", []string{"abc"}, ""},
		{"micro", "code --wait", "", []string{"micro"}, ""},
		{"", "", `vim 'unclosed`, nil, `$EDITOR "vim 'unclosed": a single quote is not closed`},
		{"", `code "--wait`, "", nil, "$VISUAL"},
	}
	for _, tt := range tests {
		env := map[string]string{"VISUAL": tt.visual, "EDITOR": tt.editor}
		got, err := editorCommand(tt.configured, func(k string) string { return env[k] })
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q/%q/%q: error %v, want %q", tt.configured, tt.visual, tt.editor, err, tt.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("%q/%q/%q: %q %v, want %q", tt.configured, tt.visual, tt.editor, got, err, tt.want)
		}
	}
}

// TestEditorWithArgumentsAndInvalidJSON runs a fake editor given with
// arguments and a space in its path (as $EDITOR): its first save is not
// JSON, which is kept and offered again with the reason on top; the
// second save is good and is written.
func TestEditorWithArgumentsAndInvalidJSON(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my editor")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "fake-edit")
	// $1 is --mode, $2 its value, $3 the file. The first run leaves broken
	// JSON; the second checks the note is on top and the broken text kept,
	// then writes a good document.
	body := `#!/bin/sh
[ "$1" = "--mode" ] && [ "$2" = "two words" ] || { echo "bad args: $*" >&2; exit 3; }
if [ -e "$0.ran" ]; then
	head -1 "$3" | grep -q '^// docket: the edited fields are not valid JSON' || exit 4
	grep -q '"risk": {"score": 77' "$3" || exit 5
	printf '{"risk": {"score": 77}, "note": "checked"}\n' > "$3"
else
	touch "$0.ran"
	printf '{"risk": {"score": 77' > "$3"
fi
`
	if err := os.WriteFile(script, []byte(body), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", `'`+script+`' --mode "two words"`)

	st := demoStore(t, 10)
	c := newCase(t, st, "default", "ravi")
	m := newModel(t, st, "ravi", 120, 30)
	var ran []string
	m.execProcess = func(cmd *exec.Cmd, done tea.ExecCallback) tea.Cmd {
		ran = append(ran, strings.Join(cmd.Args, "|"))
		return func() tea.Msg { return done(cmd.Run()) }
	}
	selectCase(t, m, c.Name)
	press(t, m, "e")
	if len(ran) != 1 || !strings.HasPrefix(ran[0], script+"|--mode|two words|") {
		t.Fatalf("ran %q", ran)
	}
	d, ok := m.dialog.(*confirm)
	if !ok || !strings.Contains(d.question, "not valid JSON") || d.focus != 1 || caseOf(t, st, c.ID).Version != c.Version {
		t.Fatalf("after a bad save: dialog %T %+v, footer %q", m.dialog, m.dialog, m.message)
	}
	press(t, m, "enter") // Edit again has the focus
	if len(ran) != 2 {
		t.Fatalf("the editor ran %d times (%s)", len(ran), m.message)
	}
	if got := caseOf(t, st, c.ID); string(got.Fields) != `{"note":"checked","risk":{"score":77}}` {
		t.Fatalf("fields %s, footer %q", got.Fields, m.message)
	}
	path := strings.Split(ran[1], "|")[3]
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("the edit file %s is left behind: %v", path, err)
	}
}

// TestDroppedEditIsRemoved: n drops a bad edit, and says so.
func TestDroppedEditIsRemoved(t *testing.T) {
	st := demoStore(t, 10)
	c := newCase(t, st, "default", "ravi")
	m := newModel(t, st, "ravi", 120, 30)
	selectCase(t, m, c.Name)
	path := filepath.Join(t.TempDir(), "edit.json")
	if err := os.WriteFile(path, []byte(`["not", "an object"]`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, cmd := m.Update(editorDoneMsg{path: path, before: c.Fields, caseID: c.ID, caseName: c.Name, version: c.Version})
	run(t, m, cmd)
	if _, ok := m.dialog.(*confirm); !ok || !strings.Contains(m.message, "must be a JSON object") {
		t.Fatalf("dialog %T, footer %q", m.dialog, m.message)
	}
	kept, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(kept), "// docket: the edited fields must be a JSON object") || !strings.HasSuffix(string(kept), `["not", "an object"]`) {
		t.Fatalf("kept %q", kept)
	}
	press(t, m, "n")
	if _, err := os.Stat(path); !os.IsNotExist(err) || !strings.Contains(m.message, "edit dropped") {
		t.Fatalf("stat %v, footer %q", err, m.message)
	}
}

// TestEditorKeepsEveryDigit: the editor gets the fields as stored, so a
// number too long for a float64 is saved back unchanged when another
// field is edited.
func TestEditorKeepsEveryDigit(t *testing.T) {
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", "fake-editor")
	st := demoStore(t, 10)
	c, err := st.CreateCase("lena", store.NewCase{Workflow: "default", Assignee: "ravi", Fields: []byte(`{"big":12345678901234567890,"note":"x"}`)})
	if err != nil {
		t.Fatal(err)
	}
	m := newModel(t, st, "ravi", 120, 30)
	m.execProcess = func(cmd *exec.Cmd, done tea.ExecCallback) tea.Cmd {
		path := cmd.Args[len(cmd.Args)-1]
		text, err := os.ReadFile(path)
		if err == nil {
			err = os.WriteFile(path, []byte(strings.Replace(string(text), `"x"`, `"y"`, 1)), 0o600)
		}
		return func() tea.Msg { return done(err) }
	}
	selectCase(t, m, c.Name)
	press(t, m, "e")
	if got := string(caseOf(t, st, c.ID).Fields); got != `{"big":12345678901234567890,"note":"y"}` {
		t.Fatalf("fields %s, footer %q", got, m.message)
	}
}
