package ui

import (
	"strings"
)

// sparkBlocks are eight heights of a sparkline, lowest first.
var sparkBlocks = []rune("▁▂▃▄▅▆▇█")

// sparkline draws values as a row of block characters scaled to the
// largest; zero is the lowest block so the days stay countable.
func sparkline(values []int) string {
	top := 0
	for _, v := range values {
		top = max(top, v)
	}
	var b strings.Builder
	for _, v := range values {
		i := 0
		if top > 0 {
			i = v * (len(sparkBlocks) - 1) / top
		}
		b.WriteRune(sparkBlocks[i])
	}
	return b.String()
}

// bar draws value as a horizontal bar of at most width cells, scaled to
// top, with eighth-cell precision at the end.
func bar(value, top, width int) string {
	if top <= 0 || width <= 0 || value <= 0 {
		return ""
	}
	eighths := value * width * 8 / top
	full, part := eighths/8, eighths%8
	s := strings.Repeat("█", full)
	if part > 0 {
		s += string([]rune("▏▎▍▌▋▊▉")[part-1])
	}
	if s == "" {
		s = "▏"
	}
	return s
}
