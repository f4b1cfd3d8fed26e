package jsontree

import (
	"slices"
	"strings"
	"unicode"

	tea "github.com/charmbracelet/bubbletea"
)

// searchKey edits the search input. It is a minimal line editor (type,
// backspace, ctrl+w, ctrl+u) rather than bubbles/textinput, which would pull
// in a clipboard package the module does not have.
func (m *Model) searchKey(msg tea.KeyMsg) {
	switch msg.Type {
	case tea.KeyEnter:
		m.searching = false
		if i, ok := m.matchFrom(m.node(), true); ok {
			m.jump(i)
		}
		return
	case tea.KeyEsc:
		m.searching, m.input = false, nil
		m.setQuery("")
		return
	case tea.KeyBackspace:
		if len(m.input) > 0 {
			m.input = m.input[:len(m.input)-1]
		}
	case tea.KeyCtrlW:
		m.input = []rune(strings.TrimRightFunc(strings.TrimRightFunc(string(m.input), unicode.IsSpace),
			func(r rune) bool { return !unicode.IsSpace(r) }))
	case tea.KeyCtrlU:
		m.input = nil
	case tea.KeySpace:
		m.input = append(m.input, ' ')
	case tea.KeyRunes:
		for _, r := range msg.Runes {
			if unicode.IsPrint(r) || r == ' ' { // a paste may carry newlines or escapes
				m.input = append(m.input, r)
			}
		}
	default:
		return
	}
	m.setQuery(string(m.input))
}

// setQuery recomputes the matches. Typing usually extends the query, and a
// longer query can only match nodes the shorter one matched, so only those
// are re-checked.
func (m *Model) setQuery(q string) {
	q = strings.ToLower(q)
	old := m.query
	m.query = q
	switch {
	case q == "":
		m.matches = nil
	case old != "" && strings.Contains(q, old):
		kept := m.matches[:0:0]
		for _, i := range m.matches {
			if m.d.match(i, q) != 0 {
				kept = append(kept, i)
			}
		}
		m.matches = kept
	default:
		m.matches = nil
		for i := range m.d.nodes {
			if m.d.match(int32(i), q) != 0 {
				m.matches = append(m.matches, int32(i))
			}
		}
	}
}

// Which part of a node matched the search.
const (
	matchKey = 1 << iota
	matchValue
)

// match reports which of node i's key and scalar value contain q (already
// lower case).
func (d *doc) match(i int32, q string) int {
	n := &d.nodes[i]
	found := 0
	if n.keyOff >= 0 && d.containsFold(n.keyOff, n.keyEnd, n.flags&fKeyEsc != 0, q) {
		found |= matchKey
	}
	if !n.container() && d.containsFold(n.valOff, n.valEnd, n.kind == kString && n.flags&fValEsc != 0, q) {
		found |= matchValue
	}
	return found
}

// containsFold reports whether the text at raw[from:to] contains q,
// ignoring case. Plain ASCII text, by far the common case, is compared in
// place without decoding or allocating.
func (d *doc) containsFold(from, to int32, esc bool, q string) bool {
	b := d.raw[from:to]
	if !esc && isASCII(b) {
		return indexFoldASCII(b, q) >= 0
	}
	s, _ := unescape(b, esc, 0)
	return strings.Contains(strings.ToLower(s), q)
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// indexFoldASCII finds q (lower case) in b, folding b's ASCII letters. A
// non-ASCII q never matches ASCII text, which is right.
func indexFoldASCII(b []byte, q string) int {
	if len(q) == 0 {
		return 0
	}
	first := q[0]
	for i := 0; i+len(q) <= len(b); i++ {
		if lowerASCII(b[i]) != first {
			continue
		}
		j := 1
		for j < len(q) && lowerASCII(b[i+j]) == q[j] {
			j++
		}
		if j == len(q) {
			return i
		}
	}
	return -1
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// matchFrom returns the first match after node i (or at it, if inclusive),
// wrapping to the first match.
func (m Model) matchFrom(i int32, inclusive bool) (int32, bool) {
	if len(m.matches) == 0 {
		return 0, false
	}
	k, found := slices.BinarySearch(m.matches, i)
	if found && !inclusive {
		k++
	}
	if k >= len(m.matches) {
		k = 0
	}
	return m.matches[k], true
}

// nextMatch moves to the next (or previous) match, wrapping around.
func (m *Model) nextMatch(forward bool) {
	if len(m.matches) == 0 {
		return
	}
	i := m.node()
	if forward {
		j, _ := m.matchFrom(i, false)
		m.jump(j)
		return
	}
	k, _ := slices.BinarySearch(m.matches, i) // first match >= i
	k--
	if k < 0 {
		k = len(m.matches) - 1
	}
	m.jump(m.matches[k])
}

// matchIndex is the 1-based position of node i among the matches, or 0.
func (m Model) matchIndex(i int32) int {
	if k, ok := slices.BinarySearch(m.matches, i); ok {
		return k + 1
	}
	return 0
}
