package jsontree

import "github.com/charmbracelet/bubbles/key"

// KeyMap is the tree's bindings. The root model shows them in its help.
type KeyMap struct {
	Up, Down, PageUp, PageDown, HalfUp, HalfDown, Top, Bottom key.Binding

	Toggle      key.Binding // fold/unfold the node under the cursor
	Expand      key.Binding // unfold; on an unfolded node, move to its first child
	Collapse    key.Binding // fold; on a leaf or folded node, move to its parent
	ExpandAll   key.Binding
	CollapseAll key.Binding
	Search      key.Binding // open the inline search input
	NextMatch   key.Binding
	PrevMatch   key.Binding
	CopyPath    key.Binding // copy the jq-style path of the node under the cursor
	CopyValue   key.Binding // copy its value as compact JSON
}

// DefaultKeyMap is vi-style with the arrow and paging keys as alternatives.
func DefaultKeyMap() KeyMap {
	b := func(help string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(helpKeys(keys), help))
	}
	return KeyMap{
		Up:          b("up", "up", "k"),
		Down:        b("down", "down", "j"),
		PageUp:      b("page up", "pgup"),
		PageDown:    b("page down", "pgdown"),
		HalfUp:      b("half page up", "ctrl+u"),
		HalfDown:    b("half page down", "ctrl+d"),
		Top:         b("top", "g", "home"),
		Bottom:      b("bottom", "G", "end"),
		Toggle:      b("fold/unfold", "enter", " "),
		Expand:      b("unfold / first child", "l", "right"),
		Collapse:    b("fold / parent", "h", "left"),
		ExpandAll:   b("unfold all", "+", "="),
		CollapseAll: b("fold all", "-"),
		Search:      b("search", "/"),
		NextMatch:   b("next match", "n"),
		PrevMatch:   b("previous match", "N"),
		CopyPath:    b("copy path", "y"),
		CopyValue:   b("copy value", "Y"),
	}
}

// helpKeys spells the keys the way the help line shows them.
func helpKeys(keys []string) string {
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += "/"
		}
		switch k {
		case " ":
			k = "space"
		case "up":
			k = "↑"
		case "down":
			k = "↓"
		case "left":
			k = "←"
		case "right":
			k = "→"
		}
		s += k
	}
	return s
}

// ShortHelp and FullHelp let the root pass the map to bubbles/help.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Toggle, k.Search, k.NextMatch, k.CopyPath}
}

// FullHelp groups the bindings: moving, folding, searching and copying.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.HalfUp, k.HalfDown, k.Top, k.Bottom},
		{k.Toggle, k.Expand, k.Collapse, k.ExpandAll, k.CollapseAll},
		{k.Search, k.NextMatch, k.PrevMatch},
		{k.CopyPath, k.CopyValue},
	}
}
