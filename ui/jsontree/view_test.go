package jsontree

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
)

// checkView asserts the layout contract: exactly height lines, each
// exactly width cells wide.
func checkView(t testing.TB, m Model, width, height int) {
	t.Helper()
	if err := viewErr(m, width, height); err != nil {
		t.Fatal(err)
	}
}

func viewErr(m Model, width, height int) error {
	m.SetSize(width, height)
	v := m.View()
	if height <= 0 {
		if v != "" {
			return fmt.Errorf("%dx%d: view %q, want empty", width, height, v)
		}
		return nil
	}
	lines := strings.Split(v, "\n")
	if len(lines) != height {
		return fmt.Errorf("%dx%d: %d lines:\n%s", width, height, len(lines), v)
	}
	for i, l := range lines {
		if w := lipgloss.Width(l); w != max(width, 0) {
			return fmt.Errorf("%dx%d: line %d is %d wide: %q", width, height, i, w, l)
		}
		if strings.ContainsAny(ansi.Strip(l), "\x1b\r\t\a") {
			return fmt.Errorf("%dx%d: line %d has control characters: %q", width, height, i, l)
		}
	}
	return nil
}

func statusLine(t testing.TB, m Model) string {
	t.Helper()
	v := ansi.Strip(m.View())
	return v[strings.LastIndexByte(v, '\n')+1:]
}

// stylesFor is the tree's colours on a terminal of profile p with a dark
// background. (A renderer reads its profile from its output's terminal and
// environment, not from termenv.WithProfile: it is set explicitly.)
func stylesFor(p termenv.Profile) *Styles {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(p)
	r.SetHasDarkBackground(true)
	return NewStyles(r)
}

func TestViewExact(t *testing.T) {
	m := newSample(t)
	m.SetSize(40, 9)
	want := []string{
		"> ▾ {…}                                 ",
		"    ▾ risk {…}                          ",
		"        score: 0.93                     ",
		"      ▸ signals [3 items]               ",
		`        level: "high"                   `,
		"    ▾ transactions {…}                  ",
		"        count: 5                        ",
		"      ▸ recent [5 items]                ",
		".                                       ",
	}
	if got := strings.Split(m.View(), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("view:\n%s\nwant:\n%s", strings.Join(got, "|\n"), strings.Join(want, "|\n"))
	}

	// Narrow, scrolled to the end, with a search in force.
	m = press(m, "/", "o", "enter", "G")
	m.SetSize(24, 6)
	want = []string{
		`        [1]: "review"   `,
		`>     note: "Velocity c…`,
		`.note        match 11/11`,
	}
	m.SetSize(24, 3)
	if got := strings.Split(m.View(), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("view:\n%s\nwant:\n%s", strings.Join(got, "|\n"), strings.Join(want, "|\n"))
	}
}

func TestViewFoldedSummaries(t *testing.T) {
	m, err := New([]byte(`{"o":{"a":{"x":1},"b":{},"c":[1],"d":[],"e":[1,2]}}`), DefaultKeyMap())
	if err != nil {
		t.Fatal(err)
	}
	m.SetSize(30, 8)
	got := ansi.Strip(m.View())
	for _, want := range []string{"▸ a {1 key}", "  b: {}", "▸ c [1 item]", "  d: []", "▸ e [2 items]"} {
		if !strings.Contains(got, want) {
			t.Errorf("view lacks %q:\n%s", want, got)
		}
	}
}

func TestViewSearchInput(t *testing.T) {
	m := press(newSample(t), "/", "amo")
	if st := statusLine(t, m); !strings.HasPrefix(st, "/amo") || !strings.Contains(st, "5 matches") {
		t.Errorf("status %q", st)
	}
}

// The cursor has a text marker, so it shows with NO_COLOR; with colour the
// line is also highlighted.
func TestCursorMarker(t *testing.T) {
	m := press(newSample(t), "j", "j")
	lines := strings.Split(m.View(), "\n")
	if !strings.HasPrefix(lines[2], "> ") || strings.HasPrefix(lines[1], ">") {
		t.Errorf("marker not on the cursor line: %q", lines[:3])
	}
	m.SetStyles(stylesFor(termenv.TrueColor))
	lines = strings.Split(m.View(), "\n")
	if !strings.Contains(lines[2], "\x1b[7m") && !strings.Contains(lines[2], ";7m") {
		t.Errorf("cursor line not highlighted: %q", lines[2])
	}
	if strings.Contains(lines[1], "\x1b[7m") || strings.Contains(lines[1], ";7m") {
		t.Errorf("other line highlighted: %q", lines[1])
	}
}

func TestEscapesAreInert(t *testing.T) {
	raw := `{"\u001b[2J\u001b]0;pwned\u0007key": "\u001b[31mred\u001b[0m \u009b31m c1 \u202eevil", "ok\u0000": 1, "a\nb": ["\u001bP+q\u001b\\"]}`
	m, err := New([]byte(raw), DefaultKeyMap())
	if err != nil {
		t.Fatal(err)
	}
	m = press(m, "+")
	for _, size := range [][2]int{{80, 10}, {20, 5}, {3, 3}} {
		m.SetSize(size[0], size[1])
		for line := 0; line < m.Lines(); line++ {
			m.cursor = line
			m.keepInView()
			// Without colour, any escape in the output leaked from the data.
			m.SetStyles(stylesFor(termenv.Ascii))
			plain := m.View()
			if strings.ContainsAny(plain, "\x1b\x07\x00\r\u009b\u202e") {
				t.Fatalf("escape drawn: %q", plain)
			}
			// With colour, the only sequences are our own styling.
			m.SetStyles(stylesFor(termenv.TrueColor))
			if colour := m.View(); ansi.Strip(colour) != plain {
				t.Fatalf("colour view differs from plain:\n%q\n%q", colour, plain)
			}
			if err := viewErr(m, size[0], size[1]); err != nil {
				t.Fatal(err)
			}
		}
	}
	m.SetStyles(stylesFor(termenv.Ascii))
	m.SetSize(80, 10)
	text := m.View()
	for _, want := range []string{`key: "red  c1 evil"`, "ok: 1", "a b"} {
		if !strings.Contains(text, want) {
			t.Errorf("view lacks %q:\n%s", want, text)
		}
	}
	// The path escapes the key, so it is inert wherever it is shown.
	m = press(m, "g", "j")
	if got, want := m.Path(), `.["\u001b[2J\u001b]0;pwned\u0007key"]`; got != want {
		t.Errorf("Path() = %s, want %s", got, want)
	}
}

func TestSizes(t *testing.T) {
	docs := []string{sample, `{}`, `[]`, `"just a string"`, `12345678901234567890`,
		`{"中文键":"全角文字の値","emoji":"😀😀😀😀","combining":"e\u0301e\u0301"}`,
		`{"long":"` + strings.Repeat("x", 100_000) + `"}`,
		`{"n":` + strings.Repeat("9", 100_000) + `}`,
		strings.Repeat("[", 500) + strings.Repeat("]", 500),
	}
	for _, p := range []termenv.Profile{termenv.Ascii, termenv.ANSI256} {
		styles := stylesFor(p)
		for _, doc := range docs {
			m, err := New([]byte(doc), DefaultKeyMap())
			if err != nil {
				t.Fatal(err)
			}
			m.SetStyles(styles)
			states := []Model{m, press(m, "+", "G"), press(m, "/", "e"), press(m, "/", "x", "enter")}
			for _, st := range states {
				for _, w := range []int{-1, 0, 1, 2, 3, 4, 5, 7, 10, 17, 40, 81, 200} {
					for _, h := range []int{-1, 0, 1, 2, 3, 5, 24} {
						if err := viewErr(st, w, h); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
		}
	}
}

func TestNoSizeNoView(t *testing.T) {
	m := newSample(t)
	m.SetSize(0, 0)
	if v := m.View(); v != "" {
		t.Errorf("0x0 view = %q", v)
	}
	var zero Model
	zero.SetSize(10, 10)
	zero, _ = zero.Update(keyMsg("j"))
	if zero.View() != "" || zero.Path() != "." || zero.Lines() != 0 {
		t.Error("zero Model misbehaves")
	}
}

func TestWrapLongValues(t *testing.T) {
	long := strings.Repeat("word ", 14) + "end"
	doc := `{"a":1,"remark":"` + long + `","b":{"c":"` + strings.Repeat("x", 70) + `"},"z":2}`
	m, err := New([]byte(doc), DefaultKeyMap())
	if err != nil {
		t.Fatal(err)
	}
	m.SetSize(40, 8)
	// Off by default: one line per node, cut.
	if v := ansi.Strip(m.View()); !strings.Contains(v, "…") || strings.Contains(v, "end") {
		t.Fatalf("unwrapped view:\n%s", v)
	}
	m.SetWrap(4)
	checkView(t, m, 40, 8)
	v := ansi.Strip(m.View())
	rows := strings.Split(v, "\n")
	// The remark goes on under its value, words kept whole, to its end.
	if !strings.HasPrefix(rows[2], `      remark: "word word`) || !strings.HasPrefix(rows[3], strings.Repeat(" ", 14)+"word") {
		t.Fatalf("wrapped rows:\n%s", v)
	}
	if !strings.Contains(strings.Join(strings.Fields(v), " "), `word end"`) {
		t.Fatalf("the remark is cut:\n%s", v)
	}
	// A value longer than its rows ends in "…" on the last of them.
	m.SetWrap(2)
	v = ansi.Strip(m.View())
	if rows := strings.Split(v, "\n"); !strings.HasSuffix(strings.TrimRight(rows[3], " "), "…") || strings.Contains(rows[4], "word") {
		t.Fatalf("two rows at most:\n%s", v)
	}
	// Moving to the last line scrolls until all of its rows are on screen,
	// the status line kept.
	m.SetWrap(4)
	m = press(m, "+", "G")
	checkView(t, m, 40, 8)
	v = ansi.Strip(m.View())
	if !strings.Contains(v, ">     z: 2") || !strings.Contains(v, `xxxxxxxxxxxxx"`) || statusLine(t, m) != ".z"+strings.Repeat(" ", 38) {
		t.Fatalf("after G:\n%s", v)
	}
	m = press(m, "k", "k")
	if v := ansi.Strip(m.View()); !strings.Contains(v, `> `) || !strings.Contains(v, "c: \"xxx") {
		t.Fatalf("after k k:\n%s", v)
	}
	for w := 0; w < 50; w++ {
		for h := 0; h < 10; h++ {
			if err := viewErr(m, w, h); err != nil {
				t.Fatal(err)
			}
		}
	}
}
