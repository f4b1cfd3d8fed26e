package ui

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"docket/model"
	"docket/store"
	"docket/store/demo"
)

// now is the fixed clock of every UI test.
var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

func TestMain(m *testing.M) {
	// Every style is made by the workstation's own renderer
	// (Options.Renderer: Ascii in tests). lipgloss's default renderer draws
	// in colour here, so a style made with it instead shows as escape
	// sequences in a golden screen.
	lipgloss.SetColorProfile(termenv.TrueColor)
	lipgloss.SetHasDarkBackground(true)
	os.Setenv("TZ", "UTC")
	time.Local = time.UTC
	os.Exit(m.Run())
}

// renderer draws for a terminal of colour profile p on a dark background.
// (A renderer takes its profile from its output's terminal and environment,
// not from termenv.WithProfile, so it is set.)
func renderer(p termenv.Profile) *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(p)
	r.SetHasDarkBackground(true)
	return r
}

// asciiRenderer draws without colour, as under NO_COLOR: the tests' screens.
func asciiRenderer() *lipgloss.Renderer { return renderer(termenv.Ascii) }

// demoStore is a demo database of n cases (seed 1) at the fixed clock;
// "me" is a lead with cases of their own.
func demoStore(t testing.TB, n int) *store.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "demo.db")
	if _, err := demo.Generate(path, demo.Options{Cases: n, Seed: 1, Now: now, OSUser: "me"}); err != nil {
		t.Fatal(err)
	}
	seq := 0
	newID := func() string { seq++; return fmt.Sprintf("case_test%019d", seq) }
	st, err := store.Open(path, store.Options{Now: clock, NewID: newID})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// newModel opens the workstation as user at a size.
func newModel(t testing.TB, st *store.Store, user string, w, h int) *Model {
	t.Helper()
	u, err := st.User(user)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(st, u, Options{Now: clock, Clipboard: &strings.Builder{}, Renderer: asciiRenderer()})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

// press sends keys by name ("j", "ctrl+d", "enter", or text like "hello"
// given as "type:hello") and runs the commands they return, feeding their
// messages back, as the Bubble Tea loop would. It reports whether a
// command asked to quit.
func press(t testing.TB, m *Model, keys ...string) (quit bool) {
	t.Helper()
	for _, k := range keys {
		var msgs []tea.Msg
		if text, ok := strings.CutPrefix(k, "type:"); ok {
			for _, r := range text {
				msgs = append(msgs, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
			}
		} else {
			msgs = append(msgs, keyByName(k))
		}
		for _, msg := range msgs {
			_, cmd := m.Update(msg)
			if run(t, m, cmd) {
				quit = true
			}
		}
	}
	return quit
}

// keyByName is keyMsg that also knows alt: "alt+left", "alt+enter".
func keyByName(k string) tea.KeyMsg {
	if k, ok := strings.CutPrefix(k, "alt+"); ok && k != "" {
		msg := keyByName(k)
		msg.Alt = true
		return msg
	}
	return keyMsg(k)
}

// run executes a command and everything it leads to.
func run(t testing.TB, m *Model, cmd tea.Cmd) (quit bool) {
	if cmd == nil {
		return false
	}
	msg := cmd()
	switch msg := msg.(type) {
	case nil:
	case tea.QuitMsg:
		return true
	case tea.BatchMsg:
		for _, c := range msg {
			if run(t, m, c) {
				quit = true
			}
		}
	default:
		_, next := m.Update(msg)
		return run(t, m, next)
	}
	return quit
}

// checkFrame asserts the screen is exactly the terminal's size.
func checkFrame(t testing.TB, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if w > 0 && h > 0 && len(lines) != h {
		t.Fatalf("%d×%d: view has %d lines", w, h, len(lines))
	}
	for i, l := range lines {
		if got := ansi.StringWidth(l); got > w {
			t.Fatalf("%d×%d: line %d is %d wide: %q", w, h, i, got, l)
		}
	}
}

func caseOf(t testing.TB, st *store.Store, ref string) *model.Case {
	t.Helper()
	c, err := st.Case(ref)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func detailOf(t testing.TB, st *store.Store, ref string) *store.Detail {
	t.Helper()
	d, err := st.CaseDetail(ref)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
