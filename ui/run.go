package ui

import (
	"fmt"
	"os"
	"os/signal"
	"slices"
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

// editorCommand is the command line of the editor: the configured one,
// else $VISUAL, else $EDITOR, else vi, split into words as a shell would
// ("code --wait", "'/opt/My Editor/edit' -n").
func editorCommand(configured string, getenv func(string) string) ([]string, error) {
	line, from := configured, "the configured editor"
	for _, v := range []string{"VISUAL", "EDITOR"} {
		if line == "" {
			line, from = getenv(v), "$"+v
		}
	}
	if strings.TrimSpace(line) == "" {
		return []string{"vi"}, nil
	}
	words, err := shellWords(line)
	if err != nil {
		return nil, fmt.Errorf("%s %q: %v", from, line, err)
	}
	return words, nil
}

// shellWords splits a command line the way a POSIX shell splits words:
// blanks separate them; single quotes keep everything up to the next one;
// double quotes keep everything but \", \\, \$ and \` escapes; a
// backslash outside quotes keeps the next character. Nothing is expanded.
func shellWords(line string) ([]string, error) {
	var words []string
	var word strings.Builder
	inWord := false
	r := []rune(line)
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, word.String())
				word.Reset()
				inWord = false
			}
			continue
		case c == '\\':
			if i+1 == len(r) {
				return nil, fmt.Errorf("a backslash ends it")
			}
			i++
			word.WriteRune(r[i])
		case c == '\'':
			end := slices.Index(r[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("a single quote is not closed")
			}
			word.WriteString(string(r[i+1 : i+1+end]))
			i += end + 1
		case c == '"':
			n, err := doubleQuoted(r[i+1:], &word)
			if err != nil {
				return nil, err
			}
			i += n
		default:
			word.WriteRune(c)
		}
		inWord = true
	}
	if inWord {
		words = append(words, word.String())
	}
	return words, nil
}

// doubleQuoted copies what follows an opening double quote, up to the
// closing one, into w and says how many runes it took (the quote too).
func doubleQuoted(r []rune, w *strings.Builder) (int, error) {
	for i := 0; i < len(r); i++ {
		switch c := r[i]; {
		case c == '"':
			return i + 1, nil
		case c == '\\' && i+1 < len(r) && strings.ContainsRune("\"\\$`", r[i+1]):
			i++
			w.WriteRune(r[i])
		default:
			w.WriteRune(c)
		}
	}
	return 0, fmt.Errorf("a double quote is not closed")
}
