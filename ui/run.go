package ui

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

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

// Run opens the workstation full-screen until the user quits, or a signal
// says to stop (see quitOnSignals).
func Run(st *store.Store, user model.User, opts Options) error {
	m, err := New(st, user, opts)
	if err != nil {
		return err
	}
	feed := st.Subscribe()
	defer feed.Close()
	m.Subscribe(feed)
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithMouseCellMotion(), tea.WithoutSignalHandler())
	stopped := quitOnSignals(p)
	_, err = p.Run()
	if sig := stopped(); sig != nil && err == nil {
		err = fmt.Errorf("stopped by signal: %v", sig)
	}
	return err
}

// stopSignals end the workstation: the terminal closing (SIGHUP), kill and
// service managers (SIGTERM), ctrl+\ (SIGQUIT) and, when input is not a
// terminal, ctrl+c (SIGINT). Left to Go, most of them end the process at
// once, in the alternate screen with the terminal in raw mode.
var stopSignals = []os.Signal{syscall.SIGHUP, syscall.SIGTERM, syscall.SIGQUIT, syscall.SIGINT}

// quitGrace is how long a quit may take before the program is killed
// (which still restores the terminal).
const quitGrace = 2 * time.Second

// quitOnSignals makes the first stop signal quit p the ordinary way, so the
// terminal is restored and Run returns, and its caller closes the store. A
// program that has not ended after quitGrace, or a second signal, kills it.
// The returned function stops listening and says which signal came, if any.
func quitOnSignals(p *tea.Program) func() os.Signal {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, stopSignals...)
	done := make(chan struct{})
	var got atomic.Value
	go func() {
		select {
		case sig := <-sigs:
			got.Store(sig)
			p.Quit()
		case <-done:
			return
		}
		select {
		case <-sigs:
		case <-time.After(quitGrace):
		case <-done:
			return
		}
		p.Kill()
	}()
	return func() os.Signal {
		signal.Stop(sigs)
		close(done)
		sig, _ := got.Load().(os.Signal)
		return sig
	}
}
