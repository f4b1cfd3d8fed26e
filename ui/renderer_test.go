package ui

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// rendererSteps walk a workstation through every kind of screen: the queue
// and a case, the enrichment tree, an open object, help, a decision's
// confirmation, the comment form, the filter, the lead's views (charts
// included) and a terminal too small.
var rendererSteps = [][]string{
	{},
	{"5"},
	{"tab", "j", "enter"},
	{"esc", "3", "enter"},
	{"esc", "esc", "?"},
	{"esc", "A"},
	{"n", "m", "type:checked"},
	{"esc", "/", "type:a"},
	{"esc", "ctrl+w"},
	{"esc", "ctrl+t"},
	{"esc", "size:30x8"},
	{"size:140x34", "t"},
}

// step takes m through rendererSteps[i] and returns the frame it draws.
func step(t *testing.T, m *Model, i int) string {
	t.Helper()
	for _, k := range rendererSteps[i] {
		if size, ok := strings.CutPrefix(k, "size:"); ok {
			w, h, _ := strings.Cut(size, "x")
			width, _ := strconv.Atoi(w)
			height, _ := strconv.Atoi(h)
			_, cmd := m.Update(tea.WindowSizeMsg{Width: width, Height: height})
			run(t, m, cmd)
			continue
		}
		press(t, m, k)
	}
	return m.View()
}

// drive takes m through every step alone.
func drive(t *testing.T, m *Model) []string {
	t.Helper()
	frames := make([]string, len(rendererSteps))
	for i := range rendererSteps {
		frames[i] = step(t, m, i)
	}
	return frames
}

// sgr24 is a 24-bit colour sequence (foreground or background).
var sgr24 = regexp.MustCompile(`\x1b\[[0-9;]*[34]8;2;[0-9]+;[0-9]+;[0-9]+`)

// TestTwoTerminalsInOneProcess: two workstations in one process, as two
// SSH sessions are, one for a terminal without colour (NO_COLOR) and one
// in true colour, taking turns: every frame of the plain one holds no
// escape sequence at all and marks the selected row with text, the
// coloured one draws 24-bit colours, and each draws exactly the frames it
// draws alone. Then both run at once on two goroutines (go test -race
// finds any style state they share).
func TestTwoTerminalsInOneProcess(t *testing.T) {
	st := demoStore(t, 60)
	open := func(r *lipgloss.Renderer) *Model {
		u, err := st.User("me")
		if err != nil {
			t.Fatal(err)
		}
		m, err := New(st, u, Options{Now: clock, Clipboard: &strings.Builder{}, Renderer: r})
		if err != nil {
			t.Fatal(err)
		}
		_, cmd := m.Update(tea.WindowSizeMsg{Width: 140, Height: 34})
		run(t, m, cmd)
		return m
	}
	plainAlone := drive(t, open(renderer(termenv.Ascii)))
	colourAlone := drive(t, open(renderer(termenv.TrueColor)))

	// In turn: a step of one, then the same step of the other.
	plain, colour := open(renderer(termenv.Ascii)), open(renderer(termenv.TrueColor))
	var plainFrames, colourFrames []string
	for i := range rendererSteps {
		plainFrames = append(plainFrames, step(t, plain, i))
		colourFrames = append(colourFrames, step(t, colour, i))
	}

	compare := func(who string, got, alone []string) {
		t.Helper()
		if len(got) != len(alone) {
			t.Fatalf("%s: %d frames, %d alone", who, len(got), len(alone))
		}
		for i := range got {
			if got[i] != alone[i] {
				t.Errorf("%s, step %d %q: the frame differs from the one drawn alone:\n%s\nalone:\n%s", who, i, rendererSteps[i], got[i], alone[i])
			}
		}
	}
	compare("plain", plainFrames, plainAlone)
	compare("colour", colourFrames, colourAlone)
	for i, f := range plainFrames {
		if strings.Contains(f, "\x1b") {
			t.Errorf("plain, step %d %q: an escape sequence: %q", i, rendererSteps[i], f)
		}
	}
	if !strings.Contains(plainFrames[0], "▶") {
		t.Errorf("plain: the selected row has no marker:\n%s", plainFrames[0])
	}
	for _, i := range []int{0, 1, 4, 5, 8, 9} { // queue, tree, help, dialog, workload, metrics
		if !sgr24.MatchString(colourFrames[i]) {
			t.Errorf("colour, step %d %q: no 24-bit colour: %q", i, rendererSteps[i], colourFrames[i])
		}
	}

	// At once, on two goroutines.
	plain, colour = open(renderer(termenv.Ascii)), open(renderer(termenv.TrueColor))
	var wg sync.WaitGroup
	var plainNow, colourNow []string
	wg.Add(2)
	go func() { defer wg.Done(); plainNow = drive(t, plain) }()
	go func() { defer wg.Done(); colourNow = drive(t, colour) }()
	wg.Wait()
	compare("plain, at once", plainNow, plainAlone)
	compare("colour, at once", colourNow, colourAlone)
}
