package ui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"docket/model"
	"docket/store"
)

// keyMsg builds a key message from its name ("down", "j", "ctrl+d").
func keyMsg(name string) tea.KeyMsg {
	if name == "space" {
		return tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
	}
	for t, n := range keyNames {
		if n == name {
			return tea.KeyMsg{Type: t}
		}
	}
	if l, ok := strings.CutPrefix(name, "ctrl+"); ok && len(l) == 1 && l[0] >= 'a' && l[0] <= 'z' {
		return tea.KeyMsg{Type: tea.KeyCtrlA + tea.KeyType(l[0]-'a')}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(name)}
}

var keyNames = map[tea.KeyType]string{
	tea.KeyUp: "up", tea.KeyDown: "down", tea.KeyLeft: "left", tea.KeyRight: "right",
	tea.KeyEnter: "enter", tea.KeyEsc: "esc", tea.KeyTab: "tab", tea.KeyShiftTab: "shift+tab",
	tea.KeyCtrlD: "ctrl+d", tea.KeyCtrlU: "ctrl+u", tea.KeyPgDown: "pgdown", tea.KeyPgUp: "pgup",
	tea.KeyHome: "home", tea.KeyEnd: "end", tea.KeySpace: " ", tea.KeyCtrlC: "ctrl+c", tea.KeyBackspace: "backspace",
}

// Run opens the workstation full-screen until the user quits.
func Run(st *store.Store, user model.User, opts Options) error {
	m, err := New(st, user, opts)
	if err != nil {
		return err
	}
	feed := st.Subscribe()
	defer feed.Close()
	m.Subscribe(feed)
	_, err = tea.NewProgram(m, tea.WithAltScreen(), tea.WithMouseCellMotion()).Run()
	return err
}
