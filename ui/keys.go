package ui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"docket/workflows"
)

// Action names what a key does. The names are what config.yaml uses.
type Action string

// Groups say where a binding is active; two bindings clash only when their
// groups can be active at the same time.
const (
	groupGlobal     = "Global"
	groupMove       = "Moving around"
	groupQueue      = "Queue"
	groupCase       = "Case pane"
	groupEnrichment = "Enrichment tree"
	groupDialog     = "Dialogs"
	groupStatuses   = "Statuses"
	groupViews      = "Workload and metrics"
)

// binding is one action with its keys.
type binding struct {
	action Action
	group  string
	help   string
	keys   []string
}

// defaultBindings is every built-in binding, in the order help lists them.
var defaultBindings = []binding{
	{"quit", groupGlobal, "quit", []string{"q", "ctrl+c"}},
	{"help", groupGlobal, "all keys", []string{"?"}},
	{"next-pane", groupGlobal, "next pane", []string{"tab"}},
	{"prev-pane", groupGlobal, "previous pane", []string{"shift+tab"}},
	{"next-queue", groupGlobal, "next queue tab", []string{"]"}},
	{"prev-queue", groupGlobal, "previous queue tab", []string{"["}},
	{"workflow", groupGlobal, "cycle the workflow filter", []string{"w"}},
	{"sort", groupGlobal, "cycle the sort (SLA, newest, oldest)", []string{"o"}},
	{"refresh", groupGlobal, "refresh", []string{"r", "ctrl+r"}},
	{"status-menu", groupGlobal, "move the case to… (status menu)", []string{"s"}},
	{"claim", groupGlobal, "claim the case", []string{"c"}},
	{"unassign", groupGlobal, "give the case back (unassign)", []string{"u"}},
	{"assign", groupGlobal, "assign the case to… (leads)", []string{"a"}},
	{"comment", groupGlobal, "comment", []string{"m"}},
	{"tags", groupGlobal, "add or remove tags", []string{"t"}},
	{"edit", groupGlobal, "edit the enrichment in $VISUAL or $EDITOR (here, when neither is set or over SSH)", []string{"e"}},
	{"edit-here", groupGlobal, "edit the enrichment here, as JSON in a text area", []string{"E"}},
	{"next-case", groupGlobal, "take the next case (most urgent you may)", []string{"f"}},
	{"sla", groupGlobal, "set or clear the SLA (leads)", []string{"d"}},
	{"new-case", groupGlobal, "create a case (workflow, assignee, fields)", []string{"ctrl+n"}},
	{"attach", groupGlobal, "attach a Persona object document from a file", []string{"i"}},
	{"detach", groupGlobal, "detach an attached object (pull it off)", []string{"p"}},
	{"redact", groupGlobal, "redact the case (leads; asks first)", []string{"ctrl+x"}},
	{"availability", groupGlobal, "cycle availability (yours, or the reviewer's in workload)", []string{"v"}},
	{"workload", groupGlobal, "workload view (leads)", []string{"ctrl+w"}},
	{"metrics", groupGlobal, "metrics view", []string{"ctrl+t"}},
	{"tab-overview", groupGlobal, "Overview tab", []string{"1"}},
	{"tab-inquiries", groupGlobal, "Inquiries tab", []string{"2"}},
	{"tab-accounts", groupGlobal, "Accounts tab", []string{"3"}},
	{"tab-reports", groupGlobal, "Reports tab", []string{"4"}},
	{"tab-enrichment", groupGlobal, "Enrichment tab", []string{"5"}},
	{"tab-history", groupGlobal, "History tab", []string{"6"}},
	{"back", groupGlobal, "back out (close, clear, cancel)", []string{"esc"}},
	{"jump", groupGlobal, "jump to any case by name or id", []string{":"}},

	{"up", groupMove, "up", []string{"k", "up"}},
	{"down", groupMove, "down", []string{"j", "down"}},
	{"top", groupMove, "first", []string{"g", "home"}},
	{"bottom", groupMove, "last", []string{"G", "end"}},
	{"half-down", groupMove, "half a page down", []string{"ctrl+d"}},
	{"half-up", groupMove, "half a page up", []string{"ctrl+u"}},
	{"page-down", groupMove, "page down", []string{"pgdown"}},
	{"page-up", groupMove, "page up", []string{"pgup"}},

	{"filter", groupQueue, "filter (name, id, subject, reference, tag; status: assignee: tag: workflow:)", []string{"/"}},
	{"select", groupQueue, "select the case for bulk work", []string{"space"}},
	{"select-all", groupQueue, "select every case of the queue and filter", []string{"*"}},
	{"open", groupQueue, "open the case pane", []string{"enter"}},

	{"expand", groupCase, "open an object whole; on the Overview, the related cases", []string{"enter", "space"}},

	{"tree-toggle", groupEnrichment, "fold or unfold", []string{"enter", "space"}},
	{"tree-expand", groupEnrichment, "unfold / into", []string{"l", "right"}},
	{"tree-collapse", groupEnrichment, "fold / out to parent", []string{"h", "left"}},
	{"tree-expand-all", groupEnrichment, "unfold all", []string{"+", "="}},
	{"tree-collapse-all", groupEnrichment, "fold all", []string{"-"}},
	{"tree-search", groupEnrichment, "search", []string{"/"}},
	{"tree-next", groupEnrichment, "next match", []string{"n"}},
	{"tree-prev", groupEnrichment, "previous match", []string{"N"}},
	{"tree-copy-path", groupEnrichment, "copy the path", []string{"y"}},
	{"tree-copy-value", groupEnrichment, "copy the value", []string{"Y"}},

	{"open-queue", groupViews, "open the reviewer's queue", []string{"enter"}},
	{"window-longer", groupViews, "metrics over a longer window", []string{"+", "="}},
	{"window-shorter", groupViews, "metrics over a shorter window", []string{"-"}},

	{"confirm", groupDialog, "accept", []string{"y"}},
	{"cancel", groupDialog, "cancel", []string{"n"}},
	{"submit", groupDialog, "choose / save", []string{"enter"}},
	{"save", groupDialog, "save the enrichment being edited here", []string{"ctrl+s"}},
	{"newline", groupDialog, "new line in a comment", []string{"alt+enter", "ctrl+j"}},
	{"add-reason", groupDialog, "give a reason (at a move's confirmation)", []string{"r"}},
	{"add-comment", groupDialog, "add a comment (at a move's confirmation)", []string{"m"}},
	{"next-field", groupDialog, "next field or button", []string{"tab", "right"}},
	{"prev-field", groupDialog, "previous field or button", []string{"shift+tab", "left"}},
}

// KeyMap is the bindings in force: the defaults with config.yaml applied.
type KeyMap struct {
	list     []binding
	bindings map[Action]key.Binding
}

// DefaultKeyMap is the built-in key map.
func DefaultKeyMap() KeyMap {
	km, _ := newKeyMap(nil)
	return km
}

// newKeyMap applies overrides (action -> keys) to the defaults.
func newKeyMap(overrides map[Action][]string) (KeyMap, error) {
	km := KeyMap{bindings: map[Action]key.Binding{}}
	for _, b := range defaultBindings {
		if keys, ok := overrides[b.action]; ok {
			b.keys = keys
		}
		km.list = append(km.list, b)
		km.bindings[b.action] = key.NewBinding(key.WithKeys(teaKeys(b.keys)...), key.WithHelp(keyLabel(b.keys), b.help))
	}
	for a := range overrides {
		if _, ok := km.bindings[a]; !ok {
			return km, fmt.Errorf("unknown action %q (actions: %s)", a, strings.Join(actionNames(), ", "))
		}
	}
	return km, km.selfClashes()
}

func actionNames() []string {
	var names []string
	for _, b := range defaultBindings {
		names = append(names, string(b.action))
	}
	return names
}

// teaKeys spells keys the way Bubble Tea reports them: the space bar
// arrives as " ", which config files and help call "space".
func teaKeys(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		if k == "space" {
			k = " "
		}
		out[i] = k
	}
	return out
}

// keyLabel shows keys the way help writes them.
func keyLabel(keys []string) string {
	pretty := map[string]string{"up": "↑", "down": "↓", "left": "←", "right": "→", "space": "space"}
	var out []string
	for _, k := range keys {
		if p, ok := pretty[k]; ok {
			k = p
		}
		out = append(out, k)
	}
	return strings.Join(out, "/")
}

// is reports whether msg is one of the action's keys.
func (k KeyMap) is(msg tea.KeyMsg, a Action) bool { return key.Matches(msg, k.bindings[a]) }

// binding returns the bubbles binding of an action.
func (k KeyMap) binding(a Action) key.Binding { return k.bindings[a] }

// overlap reports whether bindings of two groups can be live at once.
func overlap(a, b string) bool {
	if a == groupDialog || b == groupDialog {
		return a == b
	}
	if a == b || a == groupGlobal || b == groupGlobal || a == groupStatuses || b == groupStatuses {
		return true
	}
	return a == groupMove || b == groupMove
}

// selfClashes refuses a key map (after config) where one key means two
// things in the same place.
func (k KeyMap) selfClashes() error {
	var problems []string
	for i, a := range k.list {
		for _, b := range k.list[i+1:] {
			if !overlap(a.group, b.group) {
				continue
			}
			for _, key := range a.keys {
				if slices.Contains(b.keys, key) {
					problems = append(problems, fmt.Sprintf("key %q is bound to both %s and %s", key, a.action, b.action))
				}
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

// statusClashes lists workflow status keys that a built-in binding already
// uses. The built-in wins; the status stays reachable from the status menu.
func (k KeyMap) statusClashes(wfs []*workflows.Workflow) []string {
	var out []string
	for _, w := range wfs {
		for _, st := range w.Statuses {
			if st.Key == "" {
				continue
			}
			for _, b := range k.list {
				if overlap(b.group, groupStatuses) && slices.Contains(b.keys, st.Key) {
					out = append(out, fmt.Sprintf("workflow %s: key %q for %q is already %s (%s); use the status menu",
						w.ID, st.Key, st.Name, b.action, b.help))
				}
			}
		}
	}
	return out
}

// groups lists the bindings of each group, for the help screen.
func (k KeyMap) groups() map[string][]binding {
	out := map[string][]binding{}
	for _, b := range k.list {
		out[b.group] = append(out[b.group], b)
	}
	return out
}

// ---- the help screen ----

// helpSection is one block of the help screen: where its keys work.
type helpSection struct {
	title   string
	actions []Action
	notes   [][2]string // lines that are not bindings: keys, what they do
}

// helpSections say where each binding works, screen by screen. A binding
// can be listed in several; one listed in none still shows, under its
// group's name (see helpBlocks), so help never leaves a key out.
var helpSections = []helpSection{
	{title: "Everywhere", actions: []Action{"quit", "help", "next-pane", "prev-pane", "next-queue", "prev-queue",
		"workflow", "sort", "refresh", "next-case", "availability", "workload", "metrics", "back"}},
	{title: "The selected case", actions: []Action{"status-menu", "claim", "unassign", "assign", "comment", "tags", "sla", "edit", "edit-here",
		"tab-overview", "tab-inquiries", "tab-accounts", "tab-reports", "tab-enrichment", "tab-history"},
		notes: [][2]string{{"A, D, …", "the case's status keys (below, and in the footer)"}}},
	{title: "Moving around (queue, case pane, lists)", actions: []Action{"up", "down", "top", "bottom", "half-down", "half-up", "page-down", "page-up"}},
	{title: "Queue", actions: []Action{"filter", "open", "select", "select-all"}},
	{title: "With cases selected", actions: []Action{"status-menu", "assign", "tags", "sla", "back"}},
	{title: "Case pane", actions: []Action{"expand", "back"},
		notes: [][2]string{{"", "in the related cases, enter opens one (in the queue if it is there)"},
			{"", "an open object's attributes use the tree keys"}}},
	{title: "Enrichment tree and open objects", actions: []Action{"tree-toggle", "tree-expand", "tree-collapse", "tree-expand-all",
		"tree-collapse-all", "tree-search", "tree-next", "tree-prev", "tree-copy-path", "tree-copy-value"}},
	{title: "Workload (leads)", actions: []Action{"up", "down", "top", "bottom", "open-queue", "availability", "metrics", "refresh", "back"}},
	{title: "Metrics", actions: []Action{"window-longer", "window-shorter", "workload", "refresh", "back"}},
	{title: "Dialogs", actions: []Action{"confirm", "cancel", "submit", "newline", "next-field", "prev-field", "back"}},
	{title: "Editing the enrichment here", actions: []Action{"save", "back"},
		notes: [][2]string{{"", "every other key is text (q, ? and the tab key too: it indents)"},
			{"", "esc asks before it drops a change"}}},
}

// helpBlock is a section drawn as plain lines: a title, then key and text.
type helpBlock struct {
	title string
	rows  [][2]string
}

// helpBlocks builds the sections from the bindings in force, then each
// workflow's status keys.
func (m *Model) helpBlocks() []helpBlock {
	listed := map[Action]bool{}
	var blocks []helpBlock
	for _, sec := range helpSections {
		b := helpBlock{title: sec.title}
		for _, a := range sec.actions {
			if bd, ok := m.keys.find(a); ok {
				b.rows = append(b.rows, [2]string{keyLabel(bd.keys), bd.help})
				listed[a] = true
			}
		}
		b.rows = append(b.rows, sec.notes...)
		blocks = append(blocks, b)
	}
	extra := map[string]int{}
	for _, bd := range m.keys.list {
		if listed[bd.action] {
			continue
		}
		i, ok := extra[bd.group]
		if !ok {
			i = len(blocks)
			extra[bd.group] = i
			blocks = append(blocks, helpBlock{title: bd.group})
		}
		blocks[i].rows = append(blocks[i].rows, [2]string{keyLabel(bd.keys), bd.help})
	}
	st := helpBlock{title: groupStatuses}
	for _, w := range m.st.Workflows() {
		var parts []string
		for _, s := range w.Statuses {
			if s.Key != "" {
				// No-break spaces keep a key with its status when the
				// line wraps.
				parts = append(parts, strings.ReplaceAll(s.Key+" "+s.Name, " ", "\u00a0"))
			}
		}
		st.rows = append(st.rows, [2]string{w.ID, strings.Join(parts, " · ")})
	}
	return append(blocks, st)
}

// builtIn reports whether a built-in binding that is live beside the
// status keys takes key: that status key never reaches the case.
func (k KeyMap) builtIn(key string) bool {
	for _, b := range k.list {
		if overlap(b.group, groupStatuses) && slices.Contains(b.keys, key) {
			return true
		}
	}
	return false
}

// first is the first key of an action, as help writes it.
func (k KeyMap) first(a Action) string {
	if b, ok := k.find(a); ok && len(b.keys) > 0 {
		return keyLabel(b.keys[:1])
	}
	return "?"
}

// find returns the binding of an action.
func (k KeyMap) find(a Action) (binding, bool) {
	for _, b := range k.list {
		if b.action == a {
			return b, true
		}
	}
	return binding{}, false
}

// helpColumns is how many columns of sections fit side by side.
func helpColumns(width int) int { return max(1, min(4, width/48)) }

// drawBlock draws a section in width cells: keys in a column as wide as
// the longest, texts wrapped beside them.
func (m *Model) drawBlock(b helpBlock, width int) []string {
	keyW := 0
	for _, r := range b.rows {
		keyW = max(keyW, textWidth(r[0]))
	}
	keyW = min(keyW, max(4, width/3))
	lines := []string{m.styles.title.Render(fit(b.title, width))}
	for _, r := range b.rows {
		label := clean(r[0])
		textW := max(8, width-keyW-2)
		if textWidth(label) > keyW {
			// A long label (a workflow id, many keys) gets its own line.
			lines = append(lines, fit(m.styles.accent.Render(label), width))
			label = ""
		}
		for i, t := range wrapText(clean(r[1]), textW) {
			if i > 0 {
				label = ""
			}
			lines = append(lines, fit(m.styles.accent.Render(fit(label, keyW))+"  "+t, width))
		}
	}
	return lines
}

// helpLines lays the sections out in columns as wide as the terminal
// allows, each column filled top-down to about the same height.
func (m *Model) helpLines() []string {
	blocks := m.helpBlocks()
	cols := helpColumns(m.width)
	colW := m.width / cols
	drawn := make([][]string, len(blocks))
	total := 0
	for i, b := range blocks {
		drawn[i] = m.drawBlock(b, colW-2)
		total += len(drawn[i]) + 1
	}
	columns := packColumns(drawn, cols, total)
	height := 0
	for _, c := range columns {
		height = max(height, len(c))
	}
	var lines []string
	if len(m.warnings) > 0 {
		lines = append(lines, m.styles.errorMsg.Render("Key clashes (the built-in key wins; use the status menu)"))
		for _, w := range m.warnings {
			lines = append(lines, wrapText(clean(w), m.width)...)
		}
		lines = append(lines, "")
	}
	for y := 0; y < height; y++ {
		var b strings.Builder
		for _, c := range columns {
			cell := ""
			if y < len(c) {
				cell = c[y]
			}
			b.WriteString(fit(cell, colW))
		}
		lines = append(lines, b.String())
	}
	return lines
}

// packColumns puts the blocks, in order, into at most cols columns as
// short as it can: the lowest height at which they fit, tried upward.
func packColumns(blocks [][]string, cols, total int) [][]string {
	pack := func(height int) [][]string {
		columns := [][]string{nil}
		for _, b := range blocks {
			cur := &columns[len(columns)-1]
			if len(*cur) > 0 && len(*cur)+1+len(b) > height {
				columns = append(columns, nil)
				cur = &columns[len(columns)-1]
			}
			if len(*cur) > 0 {
				*cur = append(*cur, "")
			}
			*cur = append(*cur, b...)
		}
		return columns
	}
	for height := total / cols; ; height++ {
		if columns := pack(height); len(columns) <= cols {
			return columns
		}
	}
}

// helpBodyHeight is the lines of help on screen between its title and
// its foot.
func (m *Model) helpBodyHeight() int { return max(1, m.height-2) }

// helpKey scrolls the help screen or closes it.
func (m *Model) helpKey(msg tea.KeyMsg) {
	k, h := m.keys, m.helpBodyHeight()
	switch {
	case k.is(msg, "help"), k.is(msg, "back"), k.is(msg, "quit"):
		m.help, m.helpScroll = false, 0
		return
	case k.is(msg, "down"):
		m.helpScroll++
	case k.is(msg, "up"):
		m.helpScroll--
	case k.is(msg, "half-down"):
		m.helpScroll += max(1, h/2)
	case k.is(msg, "half-up"):
		m.helpScroll -= max(1, h/2)
	case k.is(msg, "page-down"):
		m.helpScroll += h
	case k.is(msg, "page-up"):
		m.helpScroll -= h
	case k.is(msg, "top"):
		m.helpScroll = 0
	case k.is(msg, "bottom"):
		m.helpScroll = len(m.helpLines())
	}
	m.helpScroll = max(0, min(m.helpScroll, len(m.helpLines())-h))
}

// helpView is the help screen: a title line, the sections from the
// scroll position, and a foot saying where in them the screen is.
func (m *Model) helpView() string {
	lines := m.helpLines()
	h := m.helpBodyHeight()
	m.helpScroll = max(0, min(m.helpScroll, len(lines)-h))
	end := min(len(lines), m.helpScroll+h)
	head := m.styles.header.Render("docket keys") + m.styles.dim.Render(" — the bindings in force; "+m.configNote())
	b := m.keys.first
	foot := fmt.Sprintf("lines %d–%d of %d · %s/%s %s/%s %s/%s scroll · %s or %s closes",
		m.helpScroll+1, end, len(lines), b("down"), b("up"), b("top"), b("bottom"), b("half-down"), b("half-up"), b("help"), b("back"))
	return fit(head, m.width) + "\n" + strings.Join(lines[m.helpScroll:end], "\n") +
		strings.Repeat("\n", h-(end-m.helpScroll)) + "\n" + m.styles.dim.Render(fit(foot, m.width))
}

func (m *Model) configNote() string {
	if m.opts.Config.Path != "" {
		return "config " + m.opts.Config.Path
	}
	return "defaults (no config.yaml)"
}
