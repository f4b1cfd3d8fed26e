package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"

	"docket/ui/safe"
)

// fit truncates s (which may carry styling) to width cells, adding "…"
// when cut, and pads it with spaces to exactly width.
func fit(s string, width int) string {
	if width <= 0 {
		return ""
	}
	w := textWidth(s)
	if w > width {
		s = ansi.Truncate(s, width, "…")
		w = ansi.StringWidth(s)
	}
	if pad := width - w; pad > 0 {
		s += strings.Repeat(" ", pad)
	}
	return s
}

// textWidth is the width of s in cells; plain ASCII, the common case, is
// measured without parsing.
func textWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || c < 0x20 {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// clip truncates s to width cells without padding.
func clip(s string, width int) string {
	if width <= 0 {
		return ""
	}
	if ansi.StringWidth(s) > width {
		return ansi.Truncate(s, width, "…")
	}
	return s
}

// clean makes case data safe to draw on one line.
func clean(s string) string { return safe.Line(s) }

// frame forces a block of text to exactly width×height cells: extra lines
// are dropped, short ones padded, long ones cut. It is the last guard that
// nothing drawn is ever wider or taller than the terminal.
func frame(s string, width, height int) string {
	if width <= 0 || height <= 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > height {
		lines = lines[:height]
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	for i, l := range lines {
		lines[i] = fit(l, width)
	}
	return strings.Join(lines, "\n")
}

// stack keeps exactly height lines of s, dropping or adding lines; it
// leaves their widths alone.
func stack(s string, height int) string {
	if height <= 0 {
		return ""
	}
	n := strings.Count(s, "\n") + 1
	switch {
	case n > height:
		cut := 0
		for i := 0; i < height; i++ {
			cut += strings.IndexByte(s[cut:], '\n') + 1
		}
		return s[:cut-1]
	case n < height:
		return s + strings.Repeat("\n", height-n)
	}
	return s
}

// wrapText breaks plain text into lines of at most width cells.
func wrapText(s string, width int) []string {
	if width <= 0 {
		return nil
	}
	var out []string
	for _, para := range strings.Split(s, "\n") {
		wrapped := ansi.Wrap(para, width, " ")
		out = append(out, strings.Split(wrapped, "\n")...)
	}
	return out
}

// fitStatus fits a status name to width like fit, but a name ending in a
// short token ("Approved by Team 1", "Level 2") keeps its last two words
// when cut, so statuses that differ only there stay apart:
// "Approved…Team 1", not "Approved by T…".
func fitStatus(s string, width int) string {
	if textWidth(s) <= width {
		return fit(s, width)
	}
	words := strings.Fields(s)
	if n := len(words); n >= 3 && len([]rune(words[n-1])) <= 3 {
		tail := words[n-2] + " " + words[n-1]
		if head := width - 1 - textWidth(tail); head >= 3 {
			return fit(strings.TrimRight(ansi.Truncate(s, head, ""), " ")+"…"+tail, width)
		}
	}
	return fit(s, width)
}
