package ui

import (
	"bytes"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"docket/store"
)

// TestShutdownMsg: a workstation told to shut down from outside says why
// in its footer and quits.
func TestShutdownMsg(t *testing.T) {
	st := demoStore(t, 30)
	u, err := st.User("me")
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(st, u, Options{Now: clock, Clipboard: &bytes.Buffer{}, Renderer: asciiRenderer()})
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 24))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("My queue")) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	tm.Send(keyMsg("?")) // help has no footer: the notice closes it
	tm.Send(ShutdownMsg{Reason: "server shutting down"})
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	view := tm.FinalModel(t).View()
	lines := strings.Split(view, "\n")
	if foot := lines[len(lines)-1]; !strings.HasPrefix(foot, "■ server shutting down") {
		t.Errorf("footer %q, screen:\n%s", foot, view)
	}
	if out, _ := io.ReadAll(tm.FinalOutput(t)); !strings.Contains(ansi.Strip(string(out)), "server shutting down") {
		t.Errorf("the notice never reached the terminal: %q", out)
	}

	// A terminal too small for the layout shows the notice instead.
	m.Update(tea.WindowSizeMsg{Width: 30, Height: 5})
	if v := m.View(); !strings.HasPrefix(v, "server shutting down") {
		t.Errorf("too small: %q", v)
	}
}

// syncBuffer is a terminal's output read while a program writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitOutput waits until the output holds want.
func waitOutput(t *testing.T, out *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never showed %q; it got:\n%q", want, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestNewProgramOnATerminal runs the workstation as an SSH session would:
// on given input and output, at a given size, with its own renderer. Its
// first frame has the size given; a resize is sent; a change made by
// someone else shows without a key; e edits in the workstation, though
// $EDITOR is set; Shutdown quits it with the reason on the screen and,
// after the screen is given back, below it.
func TestNewProgramOnATerminal(t *testing.T) {
	t.Setenv("VISUAL", "")
	t.Setenv("EDITOR", "vi") // locally, e would run it
	st := demoStore(t, 30)
	u, err := st.User("me")
	if err != nil {
		t.Fatal(err)
	}
	in, keys := io.Pipe()
	defer keys.Close()
	out := &syncBuffer{}
	p, err := NewProgram(st, u, Options{Now: clock}, Terminal{In: in, Out: out, Width: 90, Height: 20, Environ: []string{"TERM=xterm-256color", "NO_COLOR=1"}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run() }()

	mine := myCount(t, st, "me")
	waitOutput(t, out, "[My queue "+mine+"]")
	first := strings.SplitN(ansi.Strip(out.String()), "\n", 2)[0]
	if !strings.Contains(first, "docket me") || ansi.StringWidth(first) != 90 {
		t.Errorf("first line (%d wide) %q", ansi.StringWidth(first), first)
	}
	if sgr := regexp.MustCompile(`\x1b\[[0-9;]*m`).FindString(out.String()); sgr != "" {
		t.Errorf("NO_COLOR, yet %q: %q", sgr, out.String())
	}

	p.Send(tea.WindowSizeMsg{Width: 60, Height: 12})
	if _, err := keys.Write([]byte("6")); err != nil { // typed on the terminal
		t.Fatal(err)
	}
	waitOutput(t, out, "[6 Hist")

	// Someone else gives me a case: the header counts it, no key pressed.
	c := newCase(t, st, "default", "")
	if _, err := st.Assign(store.Target{Actor: "lena", Case: c.ID}, "me"); err != nil {
		t.Fatal(err)
	}
	want := myCount(t, st, "me")
	if want == mine {
		t.Fatalf("my queue still counts %s", mine)
	}
	waitOutput(t, out, "My queue "+want)

	// e edits the enrichment here: an editor would run on this machine.
	if _, err := keys.Write([]byte("e")); err != nil {
		t.Fatal(err)
	}
	waitOutput(t, out, "Enrichment of")

	p.Shutdown("server shutting down")
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the program did not quit")
	}
	got := out.String()
	if !strings.HasSuffix(got, "docket: server shutting down\r\n") {
		t.Errorf("the terminal does not end with the reason: %q", got[max(0, len(got)-200):])
	}
	if !strings.Contains(ansi.Strip(got), "■ server shutting down") {
		t.Errorf("the last frame does not say why: %q", got)
	}
	p.Wait() // returns at once: the program has ended
	if p.model.width != 60 || p.model.height != 12 {
		t.Errorf("resized to %d×%d", p.model.width, p.model.height)
	}
}

// myCount is the count My queue shows for user, as text.
func myCount(t *testing.T, st *store.Store, user string) string {
	t.Helper()
	counts, err := st.Counts(user)
	if err != nil {
		t.Fatal(err)
	}
	return strconv.Itoa(counts[store.QueueMine])
}

// TestTerminalRenderer: without a renderer of its own, a program's colours
// follow its terminal's environment, not this process's.
func TestTerminalRenderer(t *testing.T) {
	tests := []struct {
		env  []string
		want termenv.Profile
	}{
		{[]string{"TERM=xterm-256color", "COLORTERM=truecolor"}, termenv.TrueColor},
		{[]string{"TERM=xterm-256color"}, termenv.ANSI256},
		{[]string{"TERM=xterm"}, termenv.ANSI},
		{[]string{"TERM=xterm-256color", "COLORTERM=truecolor", "NO_COLOR=1"}, termenv.Ascii},
		{[]string{"TERM=dumb"}, termenv.Ascii},
		{nil, termenv.Ascii},
	}
	for _, tt := range tests {
		if got := terminalRenderer(io.Discard, tt.env).ColorProfile(); got != tt.want {
			t.Errorf("%q: profile %v, want %v", tt.env, got, tt.want)
		}
	}
}
