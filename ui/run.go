package ui

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"docket/model"
	"docket/store"
	"docket/ui/safe"
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

// Run opens the workstation full-screen on the process's own terminal
// until the user quits, or a signal says to stop (see quitOnSignals).
func Run(st *store.Store, user model.User, opts Options) error {
	p, err := newProgram(st, user, opts, tea.WithAltScreen(), tea.WithMouseCellMotion(), tea.WithoutSignalHandler())
	if err != nil {
		return err
	}
	stopped := quitOnSignals(p.tea)
	err = p.Run()
	if sig := stopped(); sig != nil && err == nil {
		err = fmt.Errorf("stopped by signal: %v", sig)
	}
	return err
}

// Terminal is a terminal that is not the process's own, such as an SSH
// session's, for a workstation started with NewProgram.
type Terminal struct {
	In  io.Reader
	Out io.Writer
	// Width and Height are its size at the start (0: unknown until the
	// first tea.WindowSizeMsg); later sizes are sent with Program.Send.
	Width, Height int
	// Environ is its environment ("TERM=xterm-256color", "NO_COLOR=1"):
	// the colour profile when Options.Renderer is nil.
	Environ []string
}

// Program is one workstation running, following the store's change feed.
type Program struct {
	tea   *tea.Program
	st    *store.Store
	model *Model
	out   io.Writer // where the shutdown notice goes after the screen is given back (nil: nowhere)
}

// NewProgram makes a workstation for user on a terminal that is not the
// process's own: one of many in a process, each with its own screen,
// size, colours and change feed (an SSH session's). It leaves the
// process's signals alone, uses the in-app editor (an editor process would
// run on this machine, as its user, not on the terminal's), copies to the
// terminal's clipboard, and draws with opts.Renderer, by default one made
// for term.Out from term.Environ (TERM, COLORTERM, NO_COLOR) on a dark
// background. extra options come last (tea.WithContext, say).
func NewProgram(st *store.Store, user model.User, opts Options, term Terminal, extra ...tea.ProgramOption) (*Program, error) {
	out := term.Out
	if _, isFile := out.(*os.File); !isFile {
		// The renderer writes frames from its own goroutine and a copy to
		// the clipboard comes from Update's: an SSH channel must not be
		// written by two at once.
		out = &lockedWriter{w: out}
	}
	if opts.Renderer == nil {
		opts.Renderer = terminalRenderer(out, term.Environ)
	}
	if opts.Clipboard == nil {
		opts.Clipboard = out
	}
	opts.InAppEditor = true
	teaOpts := append([]tea.ProgramOption{tea.WithInput(term.In), tea.WithOutput(out), tea.WithEnvironment(term.Environ),
		tea.WithAltScreen(), tea.WithMouseCellMotion(), tea.WithoutSignalHandler()}, extra...)
	p, err := newProgram(st, user, opts, teaOpts...)
	if err != nil {
		return nil, err
	}
	if term.Width > 0 && term.Height > 0 {
		p.model.resize(term.Width, term.Height)
	}
	p.out = out
	return p, nil
}

func newProgram(st *store.Store, user model.User, opts Options, teaOpts ...tea.ProgramOption) (*Program, error) {
	m, err := New(st, user, opts)
	if err != nil {
		return nil, err
	}
	return &Program{tea: tea.NewProgram(m, teaOpts...), st: st, model: m}, nil
}

// Run runs the workstation until it quits: the user leaves, Shutdown,
// Kill, or the context of tea.WithContext ends. After a Shutdown it
// writes the reason on the terminal, below the screen it gave back.
func (p *Program) Run() error {
	feed := p.st.Subscribe()
	defer feed.Close()
	stop := make(chan struct{})
	defer close(stop)
	p.model.Subscribe(feed, stop)
	final, err := p.tea.Run()
	if m, ok := final.(*Model); ok && m.stopping != "" && p.out != nil {
		fmt.Fprintf(p.out, "docket: %s\r\n", safe.Line(m.stopping))
	}
	return err
}

// Send gives the workstation a message: a tea.WindowSizeMsg when the
// terminal is resized. It waits until the program takes it, or has ended.
func (p *Program) Send(msg tea.Msg) { p.tea.Send(msg) }

// Shutdown makes the workstation say why it stops (the footer says
// reason, "server shutting down") and quit the ordinary way, giving the
// terminal back. It does not wait: Wait does.
func (p *Program) Shutdown(reason string) { go p.tea.Send(ShutdownMsg{Reason: reason}) }

// Kill ends the workstation at once, without a last frame.
func (p *Program) Kill() { p.tea.Kill() }

// Wait blocks until Run has ended.
func (p *Program) Wait() { p.tea.Wait() }

// ShutdownMsg ends the workstation from outside (the server stopping): it
// shows Reason in the footer, or in place of a screen too small for one,
// and quits. A write already sent still finishes in the store.
type ShutdownMsg struct{ Reason string }

// lockedWriter lets two goroutines write whole buffers in turn.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

// terminalRenderer draws for a terminal that is not the process's: its
// colour profile from its environment (the output is not this process's
// terminal, so termenv is told to trust TERM and COLORTERM), NO_COLOR
// honoured, a dark background assumed rather than asked for.
func terminalRenderer(out io.Writer, env []string) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(out, termenv.WithEnvironment(environ(env)), termenv.WithUnsafe())
	r.SetHasDarkBackground(true)
	return r
}

// environ is a terminal's environment as termenv reads it.
type environ []string

func (e environ) Environ() []string { return e }

func (e environ) Getenv(key string) string {
	for i := len(e) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(e[i], key+"="); ok {
			return v
		}
	}
	return ""
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
