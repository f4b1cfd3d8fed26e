// Package jsontree is a foldable, searchable JSON viewer component: the
// case pane's Enrichment tab. It parses with its own single-pass scanner
// into a flat slice of nodes that point into the raw bytes, keeps the list
// of visible lines up to date incrementally and draws only the lines on
// screen, so a 10 MB document opens and scrolls as fast as a small one.
//
// Everything drawn from the document goes through safe.Line.
package jsontree

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"docket/ui/safe"
)

// CopyMsg asks the root to put Text on the clipboard. What is "path" or
// "value". Text holds no escape sequence, control or format character
// (only a string value keeps its newlines and tabs).
type CopyMsg struct{ What, Text string }

// Model is the tree view. Copies of a Model share the document and its
// fold state, as usual for Bubble Tea models: keep the one Update returns.
type Model struct {
	keys          KeyMap
	styles        *Styles // nil: no colour
	d             *doc
	width, height int
	cursor        int // line under the cursor
	offset        int // first line drawn

	wrap int // rows a long value may take (0 or 1: one row, cut)

	searching bool    // the search input has focus
	input     []rune  // text typed into the search input
	query     string  // the search in force (lower case); "" for none
	matches   []int32 // nodes matching query, in document order
}

// New parses raw. An empty (or all-blank) input is an empty object; a
// syntax error is a *SyntaxError naming the byte offset.
func New(raw []byte, keys KeyMap) (Model, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte("{}")
	}
	nodes, err := parse(raw)
	if err != nil {
		return Model{}, err
	}
	return Model{keys: keys, d: newDoc(raw, nodes)}, nil
}

// SetSize sets the size of the view, status line included.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = max(width, 0), max(height, 0)
	m.keepInView()
}

// SetWrap lets a long scalar value go on over up to rows lines (cut with
// "…" after that) instead of being cut at the edge; 0 or 1 turns it off.
func (m *Model) SetWrap(rows int) {
	m.wrap = rows
	m.keepInView()
}

// Searching reports whether the search input has focus; the root must then
// send every key here, so that letters typed into the search stay there.
func (m Model) Searching() bool { return m.searching }

// Lines is the number of visible lines.
func (m Model) Lines() int {
	if m.d == nil {
		return 0
	}
	return len(m.d.vis)
}

// Update handles keys (per the KeyMap, or the search input while it is
// open) and mouse wheel scrolling.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if m.d == nil {
		return m, nil
	}
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if m.searching {
			m.searchKey(msg)
			return m, nil
		}
		return m.handleKey(msg)
	case tea.MouseMsg:
		if msg.Action == tea.MouseActionPress {
			switch msg.Button {
			case tea.MouseButtonWheelUp:
				m.scroll(-3)
			case tea.MouseButtonWheelDown:
				m.scroll(3)
			}
		}
	}
	return m, nil
}

func (m *Model) handleKey(msg tea.KeyMsg) (Model, tea.Cmd) {
	k := &m.keys
	page := max(m.bodyHeight(), 1)
	switch {
	case key.Matches(msg, k.Up):
		m.moveTo(m.cursor - 1)
	case key.Matches(msg, k.Down):
		m.moveTo(m.cursor + 1)
	case key.Matches(msg, k.PageUp):
		m.moveTo(m.cursor - page)
	case key.Matches(msg, k.PageDown):
		m.moveTo(m.cursor + page)
	case key.Matches(msg, k.HalfUp):
		m.moveTo(m.cursor - max(page/2, 1))
	case key.Matches(msg, k.HalfDown):
		m.moveTo(m.cursor + max(page/2, 1))
	case key.Matches(msg, k.Top):
		m.moveTo(0)
	case key.Matches(msg, k.Bottom):
		m.moveTo(len(m.d.vis) - 1)
	case key.Matches(msg, k.Toggle):
		m.toggle()
	case key.Matches(msg, k.Expand):
		m.expand()
	case key.Matches(msg, k.Collapse):
		m.collapse()
	case key.Matches(msg, k.ExpandAll):
		m.refold(m.d.unfoldAll)
	case key.Matches(msg, k.CollapseAll):
		m.refold(m.d.foldAll)
	case key.Matches(msg, k.Search):
		m.searching, m.input = true, nil
	case key.Matches(msg, k.NextMatch):
		m.nextMatch(true)
	case key.Matches(msg, k.PrevMatch):
		m.nextMatch(false)
	case key.Matches(msg, k.CopyPath):
		return *m, copyCmd("path", safe.Line(m.Path()))
	case key.Matches(msg, k.CopyValue):
		return *m, copyCmd("value", m.clipValue())
	}
	return *m, nil
}

func copyCmd(what, text string) tea.Cmd {
	return func() tea.Msg { return CopyMsg{What: what, Text: text} }
}

// node returns the node under the cursor.
func (m Model) node() int32 { return m.d.vis[m.cursor] }

func (m *Model) moveTo(line int) {
	m.cursor = min(max(line, 0), len(m.d.vis)-1)
	m.keepInView()
}

// toggle folds or unfolds the cursor node. Lines change only below it, so
// the cursor line stays put.
func (m *Model) toggle() {
	i := m.node()
	if !m.d.foldable(i) {
		return
	}
	if m.d.nodes[i].folded() {
		m.d.unfold(i)
	} else {
		m.d.fold(i)
	}
	m.keepInView()
}

func (m *Model) expand() {
	i := m.node()
	switch {
	case !m.d.foldable(i):
	case m.d.nodes[i].folded():
		m.d.unfold(i)
	default:
		m.moveTo(m.cursor + 1) // the first child is the next line
	}
	m.keepInView()
}

func (m *Model) collapse() {
	i := m.node()
	if m.d.foldable(i) && !m.d.nodes[i].folded() {
		m.d.fold(i)
		m.keepInView()
		return
	}
	if p := m.d.nodes[i].parent; p >= 0 {
		m.moveTo(m.d.line(p))
	}
}

// refold applies a whole-tree change and puts the cursor back on its node,
// or on the nearest ancestor still shown.
func (m *Model) refold(change func()) {
	i := m.node()
	change()
	m.cursor = m.d.nearestVisible(i)
	m.keepInView()
}

// jump unfolds what hides node i and moves the cursor to it.
func (m *Model) jump(i int32) {
	m.d.reveal(i)
	m.moveTo(m.d.line(i))
}

func (m Model) bodyHeight() int { return max(m.height-1, 0) }

// keepInView scrolls like a viewport: the least movement that shows the
// cursor, and never past the last line.
func (m *Model) keepInView() {
	if m.d == nil {
		return
	}
	m.cursor = min(max(m.cursor, 0), len(m.d.vis)-1)
	h := m.bodyHeight()
	if h == 0 {
		m.offset = m.cursor
		return
	}
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+h {
		m.offset = m.cursor - h + 1
	}
	m.offset = min(m.offset, max(len(m.d.vis)-h, 0))
	m.offset = max(m.offset, 0)
	// Wrapped values take several rows: scroll on until the cursor's
	// rows are all on screen.
	for m.wrap > 1 && m.offset < m.cursor && m.rows(m.offset, m.cursor) > h {
		m.offset++
	}
}

// rows counts the screen rows lines from through to take.
func (m *Model) rows(from, to int) int {
	n := 0
	for l := from; l <= to; l++ {
		n += m.lineRows(l)
	}
	return n
}

// lineRows is how many rows a line takes (see drawLine).
func (m *Model) lineRows(line int) int {
	if m.wrap <= 1 {
		return 1
	}
	var sb strings.Builder
	return m.drawLine(&sb, m.palette(), line, m.wrap)
}

// scroll moves the window and drags the cursor along only if it would
// otherwise leave the screen.
func (m *Model) scroll(n int) {
	h := m.bodyHeight()
	m.offset = min(max(m.offset+n, 0), max(len(m.d.vis)-h, 0))
	if h > 0 {
		m.cursor = min(max(m.cursor, m.offset), m.offset+h-1)
	}
	m.keepInView()
}

// Path is the jq-style path of the cursor node: .risk.signals[2],
// .["odd key"], or . for the root.
func (m Model) Path() string {
	if m.d == nil {
		return "."
	}
	return m.d.path(m.node())
}

func (d *doc) path(i int32) string {
	var chain []int32
	for ; d.nodes[i].parent >= 0; i = d.nodes[i].parent {
		chain = append(chain, i)
	}
	if len(chain) == 0 {
		return "."
	}
	var sb strings.Builder
	for j := len(chain) - 1; j >= 0; j-- {
		n := &d.nodes[chain[j]]
		if n.keyOff < 0 {
			if j == len(chain)-1 {
				sb.WriteByte('.')
			}
			sb.WriteByte('[')
			sb.WriteString(strconv.Itoa(int(n.index)))
			sb.WriteByte(']')
			continue
		}
		k := d.keyText(n)
		switch {
		case isIdent(k):
			sb.WriteByte('.')
			sb.WriteString(k)
		case j == len(chain)-1:
			sb.WriteString(".[")
			quoteJSON(&sb, k)
			sb.WriteByte(']')
		default:
			sb.WriteByte('[')
			quoteJSON(&sb, k)
			sb.WriteByte(']')
		}
	}
	return sb.String()
}

// Value is the cursor node as compact JSON; a string is given without
// quotes or escapes, the way a reviewer wants to paste it.
func (m Model) Value() string {
	if m.d == nil {
		return "{}"
	}
	return m.d.value(m.node())
}

// clipValue is Value made safe to paste: a terminal pastes it as typed, so
// an escape sequence in it could end a bracketed paste (ESC [201~) and a
// newline after that would run as a command. Escapes, control and format
// characters go; a string value keeps its newlines and tabs, which are
// its text.
func (m Model) clipValue() string {
	if m.d != nil && m.d.nodes[m.node()].kind == kString {
		return safe.TextTabs(m.Value())
	}
	return safe.Line(m.Value())
}

func (d *doc) value(i int32) string {
	n := &d.nodes[i]
	b := d.raw[n.valOff:n.valEnd]
	switch n.kind {
	case kString:
		s, _ := unescape(b, n.flags&fValEsc != 0, 0)
		return s
	case kObject, kArray:
		return compact(b)
	}
	return string(b)
}

// keyText decodes the key of n.
func (d *doc) keyText(n *node) string {
	s, _ := unescape(d.raw[n.keyOff:n.keyEnd], n.flags&fKeyEsc != 0, 0)
	return s
}
