package jsontree

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"docket/ui/safe"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// role is what a piece of a line is, which decides its colour.
type role uint8

const (
	rPlain role = iota
	rGlyph
	rKey
	rIndex
	rString
	rNumber
	rBool
	rNull
	rSummary
	rMatch
	rStatus
	nRoles
)

// sgr is a style reduced to the escape codes around its text. lipgloss's
// Render is far too slow to call for every piece of every line within the
// 2 ms a keystroke may take, so each style is rendered once, when the
// tree's Styles are made, and reused.
type sgr struct{ pre, suf string }

func (s sgr) wrap(sb *strings.Builder, text string) {
	sb.WriteString(s.pre)
	sb.WriteString(text)
	sb.WriteString(s.suf)
}

// palette holds the styles for ordinary lines and for the cursor line.
type palette struct{ normal, cursor [nRoles]sgr }

// Styles are the tree's colours as one terminal shows them: made from
// that terminal's renderer (its colour profile and background), so trees
// drawn for two terminals in one process each get their own. The zero
// palette draws plain text.
type Styles struct{ pal palette }

// NewStyles renders the tree's colours for r's terminal. It costs a few
// dozen renders: make it once per terminal and share it between trees.
func NewStyles(r *lipgloss.Renderer) *Styles {
	s := &Styles{}
	for role, st := range roleStyles(r) {
		s.pal.normal[role] = toSGR(st)
		s.pal.cursor[role] = toSGR(st.Reverse(true))
	}
	return s
}

// SetStyles sets the colours the tree is drawn in; nil draws it without
// colour.
func (m *Model) SetStyles(s *Styles) { m.styles = s }

// palette is the tree's colours; without Styles, none.
func (m Model) palette() *palette {
	if m.styles == nil {
		return &palette{}
	}
	return &m.styles.pal
}

func roleStyles(r *lipgloss.Renderer) [nRoles]lipgloss.Style {
	fg := func(light, dark string) lipgloss.Style {
		return r.NewStyle().Foreground(lipgloss.AdaptiveColor{Light: light, Dark: dark})
	}
	var s [nRoles]lipgloss.Style
	s[rPlain] = r.NewStyle()
	s[rGlyph] = fg("#6c6c6c", "#8a8a8a")
	s[rKey] = fg("#1f5fbf", "#7aa2f7")
	s[rIndex] = fg("#6c6c6c", "#8a8a8a")
	s[rString] = fg("#2e7d32", "#9ece6a")
	s[rNumber] = fg("#b35c00", "#ff9e64")
	s[rBool] = fg("#8e24aa", "#bb9af7")
	s[rNull] = fg("#757575", "#737aa2")
	s[rSummary] = fg("#808080", "#767676")
	s[rMatch] = fg("#000000", "#1a1b26").Background(lipgloss.AdaptiveColor{Light: "#ffd54f", Dark: "#e0af68"})
	s[rStatus] = fg("#5f5f5f", "#a0a0a0")
	return s
}

func toSGR(st lipgloss.Style) sgr {
	out := st.Render("x")
	i := strings.IndexByte(out, 'x')
	if i < 0 {
		return sgr{}
	}
	return sgr{pre: out[:i], suf: out[i+1:]}
}

// seg is a piece of a line, still plain text.
type seg struct {
	role role
	text string
}

// View draws exactly height lines, each exactly width cells wide; the last
// is the status line.
func (m Model) View() string {
	if m.d == nil || m.height <= 0 {
		return ""
	}
	if m.width <= 0 {
		return strings.Repeat("\n", m.height-1)
	}
	pal := m.palette()
	var sb strings.Builder
	sb.Grow((m.width + 16) * m.height)
	row := 0
	for l := m.offset; row < m.bodyHeight() && l >= 0 && l < len(m.d.vis); l++ {
		row += m.drawLine(&sb, pal, l, m.bodyHeight()-row)
	}
	for ; row < m.bodyHeight(); row++ {
		sb.WriteString(spaces(m.width))
		sb.WriteByte('\n')
	}
	m.drawStatus(&sb, pal)
	return sb.String()
}

// drawLine draws one node: cursor marker, indentation, fold glyph, label
// and value, each row ended by a newline. With wrapping on, a long value
// goes on over further rows (at most budget in all); it returns how many
// rows it drew.
func (m Model) drawLine(sb *strings.Builder, pal *palette, line, budget int) int {
	styles := &pal.normal
	marker := "  "
	if line == m.cursor {
		styles, marker = &pal.cursor, "> "
	}
	// The marker column is never truncated away: it is how the cursor
	// shows without colour.
	marker = marker[:min(len(marker), m.width)]
	styles[rPlain].wrap(sb, marker)
	avail := m.width - len(marker)

	i := m.d.vis[line]
	n := &m.d.nodes[i]
	var segs [6]seg
	parts := segs[:0]
	// Deep documents would push everything off screen; past a point the
	// indentation stops growing so the text stays readable.
	indent := min(2*int(n.depth), max(avail-20, avail/2))
	parts = append(parts, seg{rPlain, spaces(indent)})
	parts = append(parts, seg{rGlyph, m.glyph(i)})

	found := 0
	if m.query != "" && m.matchIndex(i) > 0 {
		found = m.d.match(i, m.query)
	}
	limit := 8*avail*max(1, m.wrap) + 64 // bytes of text worth decoding for this line
	if label := m.d.label(n, limit); label != "" {
		r := rIndex
		if n.keyOff >= 0 {
			r = rKey
		}
		if found&matchKey != 0 {
			r = rMatch
		}
		sep := ": "
		if m.d.foldable(i) {
			sep = " "
		}
		parts = append(parts, seg{r, label}, seg{rPlain, sep})
	}
	r, text := m.d.valueText(n, limit)
	if found&matchValue != 0 {
		r = rMatch
	}
	if m.wrap <= 1 || n.container() {
		parts = append(parts, seg{r, text})
		drawSegs(sb, styles, parts, avail)
		sb.WriteByte('\n')
		return 1
	}
	prefix := 0
	for _, p := range parts {
		prefix += width(p.text)
	}
	rows := m.valueRows(prefix, avail, text)
	parts = append(parts, seg{r, rows[0]})
	drawSegs(sb, styles, parts, avail)
	sb.WriteByte('\n')
	cont := contIndent(prefix, avail)
	drawn := 1
	for _, piece := range rows[1:] {
		if drawn == budget {
			break
		}
		styles[rPlain].wrap(sb, spaces(len(marker)+cont))
		drawSegs(sb, styles, []seg{{r, piece}}, avail-cont)
		sb.WriteByte('\n')
		drawn++
	}
	return drawn
}

// contIndent is where a wrapped value's further rows start: under the
// value, unless that leaves them too little room.
func contIndent(prefix, avail int) int { return min(prefix, avail/2) }

// valueRows cuts a scalar's text into the rows it takes (wrapping on):
// one unless the text is longer than the room after its prefix.
func (m Model) valueRows(prefix, avail int, text string) []string {
	if prefix+width(text) <= avail {
		return []string{text}
	}
	return wrapValue(text, avail-prefix, avail-contIndent(prefix, avail), m.wrap)
}

// wrapValue cuts text into at most maxRows rows of first cells, then cont
// cells each, breaking after a space where one falls in a row's second
// half. Text left over ends the last row in "…".
func wrapValue(text string, first, cont, maxRows int) []string {
	if first < 4 || cont < 4 {
		return []string{text}
	}
	var rows []string
	w := first
	for {
		if width(text) <= w {
			return append(rows, text)
		}
		if len(rows) == maxRows-1 {
			return append(rows, truncRight(text, w-1)+"…")
		}
		head := truncRight(text, w)
		if i := strings.LastIndexByte(head, ' '); i >= len(head)/2 {
			head = head[:i+1]
		}
		if head == "" { // a character wider than the row
			_, size := utf8.DecodeRuneInString(text)
			head = text[:size]
		}
		rows = append(rows, head)
		text, w = text[len(head):], cont
	}
}

func (m Model) glyph(i int32) string {
	switch {
	case !m.d.foldable(i):
		return "  "
	case m.d.nodes[i].folded():
		return "▸ "
	}
	return "▾ "
}

// label is the key of an object member (made inert) or the index of an
// array element; the root has none.
func (d *doc) label(n *node, limit int) string {
	switch {
	case n.parent < 0:
		return ""
	case n.keyOff < 0:
		return "[" + strconv.Itoa(int(n.index)) + "]"
	}
	s, cut := unescape(d.raw[n.keyOff:n.keyEnd], n.flags&fKeyEsc != 0, limit)
	s = safe.Line(s)
	if cut {
		s += "…"
	}
	if s == "" {
		return `""`
	}
	return s
}

// valueText is how a value is shown: scalars as written (strings quoted
// and made inert), containers as a summary.
func (d *doc) valueText(n *node, limit int) (role, string) {
	switch n.kind {
	case kObject, kArray:
		return rSummary, summary(n)
	case kString:
		s, cut := unescape(d.raw[n.valOff:n.valEnd], n.flags&fValEsc != 0, limit)
		if cut {
			return rString, `"` + safe.Line(s) + "…"
		}
		return rString, `"` + safe.Line(s) + `"`
	case kNumber:
		b := d.raw[n.valOff:n.valEnd]
		if len(b) > limit {
			return rNumber, string(b[:limit]) + "…"
		}
		return rNumber, string(b)
	case kNull:
		return rNull, "null"
	case kTrue:
		return rBool, "true"
	}
	return rBool, "false"
}

func summary(n *node) string {
	open, close := "{", "}"
	unit, units := " key", " keys"
	if n.kind == kArray {
		open, close, unit, units = "[", "]", " item", " items"
	}
	switch {
	case n.count == 0:
		return open + close
	case !n.folded():
		return open + "…" + close
	case n.count == 1:
		return open + "1" + unit + close
	}
	return open + strconv.Itoa(int(n.count)) + units + close
}

// drawSegs writes the pieces in their styles within avail cells: if they
// do not fit, the text is cut and ends in "…". The line is padded to avail
// so that the cursor highlight spans the pane.
func drawSegs(sb *strings.Builder, styles *[nRoles]sgr, parts []seg, avail int) {
	total := 0
	for _, p := range parts {
		total += width(p.text)
	}
	cut := total > avail
	budget := avail
	if cut {
		budget-- // room for the ellipsis
	}
	used, last := 0, rPlain
	for _, p := range parts {
		room := budget - used
		if room <= 0 {
			break
		}
		text := p.text
		if width(text) > room {
			text = truncRight(text, room)
		}
		styles[p.role].wrap(sb, text)
		used += width(text)
		last = p.role
	}
	if cut && avail > 0 {
		styles[last].wrap(sb, "…")
		used++
	}
	if used < avail {
		styles[rPlain].wrap(sb, spaces(avail-used))
	}
}

// drawStatus draws the status line: the cursor's path (or the search
// input) on the left, the match count on the right.
func (m Model) drawStatus(sb *strings.Builder, pal *palette) {
	styles := &pal.normal
	left := safe.Line(m.Path())
	right := ""
	switch {
	case m.searching:
		left = "/" + safe.Line(string(m.input))
		right = countText(len(m.matches))
		if len(m.input) == 0 {
			right = ""
		}
	case m.query != "" && len(m.matches) == 0:
		right = "no match for " + strconv.Quote(m.query)
	case m.query != "":
		if k := m.matchIndex(m.node()); k > 0 {
			right = "match " + strconv.Itoa(k) + "/" + strconv.Itoa(len(m.matches))
		} else {
			right = countText(len(m.matches))
		}
	}
	right = safe.Line(right)
	rw := width(right)
	if rw == 0 || rw+2 > m.width/2+m.width/4 {
		right, rw = "", 0 // too narrow: the path or the input matters more
	}
	lw := m.width - rw
	if rw > 0 {
		lw -= 2
	}
	if m.searching {
		lw-- // the input's cursor cell
	}
	left = truncLeft(left, max(lw, 0))
	used := width(left)
	styles[rStatus].wrap(sb, left)
	if m.searching && m.width > used {
		pal.cursor[rPlain].wrap(sb, " ")
		used++
	}
	if rw > 0 {
		styles[rPlain].wrap(sb, spaces(m.width-used-rw))
		styles[rStatus].wrap(sb, right)
		used = m.width
	}
	if used < m.width {
		styles[rPlain].wrap(sb, spaces(m.width-used))
	}
}

func countText(n int) string {
	switch n {
	case 0:
		return "no match"
	case 1:
		return "1 match"
	}
	return strconv.Itoa(n) + " matches"
}

// truncLeft keeps the end of s within w cells: the end of a path, or of
// what is being typed, is the part that matters.
func truncLeft(s string, w int) string {
	sw := width(s)
	if sw <= w {
		return s
	}
	if w <= 0 {
		return ""
	}
	// TruncateLeft keeps a wide character that straddles the cut, so cut
	// one more cell until it fits.
	for n := sw - w + 1; n < sw; n++ {
		if t := ansi.TruncateLeft(s, n, ""); width(t) <= w-1 {
			return "…" + t
		}
	}
	return "…"
}

// truncRight keeps the start of s within w cells.
func truncRight(s string, w int) string {
	for n := w; n > 0; n-- {
		if t := ansi.Truncate(s, n, ""); width(t) <= w {
			return t
		}
	}
	return ""
}

// width measures text in terminal cells; plain ASCII is counted directly.
func width(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

const blanks = "                                                                                                                                "

func spaces(n int) string {
	if n <= 0 {
		return ""
	}
	if n <= len(blanks) {
		return blanks[:n]
	}
	return strings.Repeat(" ", n)
}
