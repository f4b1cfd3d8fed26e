package jsontree

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"docket/ui/safe"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
)

// FuzzNew checks that any input either parses or fails with a SyntaxError
// inside the input, agrees with encoding/json on validity, and that a
// parsed document draws within its size whatever keys are pressed.
func FuzzNew(f *testing.F) {
	for _, s := range []string{sample, `{}`, `[1,[2,[3]]]`, `"\u001b[2J"`, `{"a":1,}`, `{"\ud83d":"\ud83d\ude00"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := New(data, DefaultKeyMap())
		blank := len(bytes.TrimSpace(data)) == 0
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(data) {
				t.Fatalf("error %v", err)
			}
			if json.Valid(data) {
				t.Fatalf("rejected valid JSON: %v", err)
			}
			return
		}
		if !blank && !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		if m.d.nodes[0].container() && !json.Valid([]byte(m.Value())) {
			t.Fatalf("root value %q is not JSON", m.Value())
		}
		for _, keys := range [][]string{nil, {"+", "G"}, {"j", "l", "l", "/", "a", "enter", "n"}, {"-", "N", "h"}} {
			m := press(m, keys...)
			for _, size := range [][2]int{{0, 0}, {1, 1}, {2, 3}, {7, 4}, {33, 10}} {
				if err := viewErr(m, size[0], size[1]); err != nil {
					t.Fatal(err)
				}
			}
			_ = m.Path()
			_ = m.Value()
		}
	})
}

// fuzzKeys are the keys FuzzKeys presses, picked by the bytes of its second
// input; bytes 0x40-0x44 instead type into the search, resize, paste or
// turn the mouse wheel.
var fuzzKeys = []string{"up", "down", "pgup", "pgdown", "ctrl+u", "ctrl+d", "g", "G", "enter", " ",
	"l", "h", "+", "-", "/", "n", "N", "y", "Y", "esc", "backspace", "ctrl+w", "home", "end"}

// FuzzKeys drives a tree built from the first input with keys, searches,
// mouse wheel and resizes taken from the second, and checks after each
// step that the incremental state (visible lines, matches, cursor, scroll)
// equals what a fresh computation gives, and that the view keeps its size
// and holds no control character from the document.
func FuzzKeys(f *testing.F) {
	for _, s := range []struct{ doc, keys string }{
		{sample, "\x00\x01\x07\x06\x08\x0c\x0d\x0e\x0f\x10"},
		{sample, "\x0e\x40a\x40e\x08\x0f\x0f\x10\x13\x14\x15"},
		{sample, "\x41\x03\x41\xff\x0b\x0b\x0d\x0c\x0b\x43\x44\x43\x16\x17"},
		{`{"中\u001b[2J":[null,{"\u202eabc":"` + strings.Repeat("é", 50) + `"}],"a":{"b":{"c":[1,[2,[3]]]}}}`, "\x0c\x0e\x40c\x08\x07\x0a\x0b\x41\x02\x41\x09\x01"},
		{strings.Repeat(`[`, 300) + strings.Repeat(`]`, 300), "\x0c\x07\x0b\x0b\x0d\x07\x08\x41\x05"},
		{`"just a string"`, "\x08\x0c\x0d\x0e\x40j\x08"},
		{`{"a":"` + strings.Repeat("word ", 40) + `","b":[1,"` + strings.Repeat("中", 30) + `"]}`, "\x45\x04\x0c\x07\x07\x41\x51\x07\x0b\x44\x45\x02\x08"},
		{`{"a":"\ud800","b":"\ud83d\ude00","c":"x\u0000y"}`, "\x0e\x40\xff\x42\x0f\x10\x41\x01"},
	} {
		f.Add([]byte(s.doc), []byte(s.keys))
	}
	f.Fuzz(func(t *testing.T, data, keys []byte) {
		m, err := New(data, DefaultKeyMap())
		if err != nil {
			return // FuzzNew checks refusals
		}
		colour := len(keys) > 0 && keys[0]&0x80 != 0
		if colour {
			m.SetStyles(trueColor)
		} else {
			m.SetStyles(ascii)
		}
		m.SetSize(40, 10)
		for i := 0; i < len(keys) && i < 200; i++ {
			b := keys[i]
			arg := byte(0)
			if i+1 < len(keys) {
				arg = keys[i+1]
			}
			switch {
			case int(b) < len(fuzzKeys):
				m, _ = m.Update(keyMsg(fuzzKeys[b]))
			case b == 0x40: // type the next byte, or a character of the document
				r := rune(arg)
				if arg >= 0x80 && len(data) > 0 {
					r = []rune(string(data))[int(arg)%len([]rune(string(data)))]
				}
				m, _ = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
				i++
			case b == 0x41: // resize to a size from the next byte
				m.SetSize(int(arg>>3), int(arg&7))
				i++
			case b == 0x42: // a paste with line breaks and escapes
				m, _ = m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("a\n\x1b[2J\u202eé")})
			case b == 0x45: // wrap long values over up to (next byte % 6) rows
				m.SetWrap(int(arg % 6))
				i++
			case b == 0x43, b == 0x44:
				button := tea.MouseButtonWheelUp
				if b == 0x44 {
					button = tea.MouseButtonWheelDown
				}
				m, _ = m.Update(tea.MouseMsg{Action: tea.MouseActionPress, Button: button})
			default:
				m, _ = m.Update(keyMsg(fuzzKeys[int(b)%len(fuzzKeys)]))
			}
			if err := checkState(m); err != nil {
				t.Fatalf("after key %d (%#x): %v", i, b, err)
			}
			if err := checkOutput(m, m.width, m.height, colour); err != nil {
				t.Fatalf("after key %d (%#x): %v", i, b, err)
			}
		}
		for _, size := range [][2]int{{1, 2}, {3, 3}, {12, 5}, {80, 24}} {
			if err := checkOutput(m, size[0], size[1], colour); err != nil {
				t.Fatal(err)
			}
		}
		if v := m.Value(); m.d.nodes[m.node()].kind != kString && !json.Valid([]byte(v)) {
			t.Fatalf("value %q is not JSON", v)
		}
	})
}

// checkState compares what the model keeps up to date with a computation
// from scratch.
func checkState(m Model) error {
	d := m.d
	if want := d.appendVisible(nil, 0, int32(len(d.nodes))); !slices.Equal(d.vis, want) {
		return fmt.Errorf("visible lines %v, want %v", d.vis, want)
	}
	h := m.bodyHeight()
	switch {
	case m.cursor < 0 || m.cursor >= len(d.vis):
		return fmt.Errorf("cursor %d of %d lines", m.cursor, len(d.vis))
	case m.wrap > 1 && h > 0 && (m.offset < 0 || m.cursor < m.offset || m.offset < m.cursor && m.rows(m.offset, m.cursor) > h):
		// Wrapped values take several rows: the cursor's rows are on
		// screen (all of them, unless its line alone is taller).
		return fmt.Errorf("wrapped: cursor %d off screen (offset %d, %d high)", m.cursor, m.offset, h)
	case m.wrap > 1:
	case m.offset < 0 || m.offset > max(len(d.vis)-h, 0) && h > 0:
		return fmt.Errorf("offset %d of %d lines, %d high", m.offset, len(d.vis), h)
	case h > 0 && (m.cursor < m.offset || m.cursor >= m.offset+h):
		return fmt.Errorf("cursor %d off screen (offset %d, %d high)", m.cursor, m.offset, h)
	}
	var want []int32
	if m.query != "" {
		for i := range d.nodes {
			if d.match(int32(i), m.query) != 0 {
				want = append(want, int32(i))
			}
		}
	}
	if !slices.Equal(m.matches, want) {
		return fmt.Errorf("matches for %q: %v, want %v", m.query, m.matches, want)
	}
	return nil
}

// The tree's colours without colour (NO_COLOR) and in true colour.
var (
	ascii     = stylesFor(termenv.Ascii)
	trueColor = stylesFor(termenv.TrueColor)
)

// checkOutput draws m at a size and wants the layout contract kept, with
// nothing but text (and, in colour, SGR sequences) in the lines.
func checkOutput(m Model, width, height int, colour bool) error {
	if err := viewErr(m, width, height); err != nil {
		return err
	}
	m.SetSize(width, height)
	v := m.View()
	if !colour && strings.Contains(v, "\x1b") {
		return fmt.Errorf("%dx%d: escape in a plain view: %q", width, height, v)
	}
	for _, line := range strings.Split(v, "\n") {
		plain := ansi.Strip(line)
		if !utf8.ValidString(plain) {
			return fmt.Errorf("%dx%d: invalid UTF-8 in %q", width, height, plain)
		}
		for _, r := range plain {
			if r < 0x20 || r >= 0x7f && r < 0xa0 || isBidi(r) {
				return fmt.Errorf("%dx%d: %U in %q", width, height, r, plain)
			}
		}
	}
	for _, s := range []string{m.Path(), safe.Line(m.Path())} {
		if s != safe.Line(s) {
			return fmt.Errorf("path %q is not inert", s)
		}
	}
	return nil
}
