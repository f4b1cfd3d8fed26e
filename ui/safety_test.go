package ui

import (
	"encoding/base64"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"docket/store"
)

// TestCopiedValueIsSafeToPaste: OSC 52 carries what y/Y copy to the
// terminal's clipboard, and the terminal pastes it as typed. A value that
// ends a bracketed paste early (ESC [201~) would run its next line in a
// shell; the copy holds no escape, only the text and its newline.
func TestCopiedValueIsSafeToPaste(t *testing.T) {
	st := demoStore(t, 10)
	c, err := st.CreateCase("lena", store.NewCase{Workflow: "default", Assignee: "me",
		Fields: []byte(`{"cmd":"ls\u001b[201~\nrm -rf ~"}`)})
	must(t, err)
	u, _ := st.User("me")
	var clip strings.Builder
	m, err := New(st, u, Options{Now: clock, Clipboard: &clip, Renderer: asciiRenderer()})
	must(t, err)
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	selectCase(t, m, c.Name)
	press(t, m, "5", "tab", "j", "Y")
	payload, ok := strings.CutPrefix(clip.String(), "\x1b]52;c;")
	if !ok {
		t.Fatalf("clipboard %q", clip.String())
	}
	text, err := base64.StdEncoding.DecodeString(strings.TrimSuffix(payload, "\x07"))
	if err != nil {
		t.Fatalf("payload %q: %v", payload, err)
	}
	if string(text) != "ls\nrm -rf ~" {
		t.Fatalf("copied %q", text)
	}
}
