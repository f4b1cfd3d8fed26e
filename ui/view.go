package ui

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"docket/model"
	"docket/ui/jsontree"
)

// View draws the whole screen. Whatever happens above, the result is
// exactly the terminal's size.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	if m.tooSmall() {
		msg := fmt.Sprintf("docket needs a terminal of at least %d×%d (this one is %d×%d); %s quits", minWidth, minHeight, m.width, m.height, m.keys.binding("quit").Help().Key)
		return frame(strings.Join(wrapText(msg, m.width), "\n"), m.width, m.height)
	}
	if m.help {
		return frame(m.helpView(), m.width, m.height)
	}
	body := m.bodyView()
	switch m.screen {
	case viewWorkload:
		body = frame(m.workloadView(), m.width, m.height-2)
	case viewMetrics:
		body = frame(m.metricsView(), m.width, m.height-2)
	}
	if m.dialog != nil {
		body = m.overlay(body, m.dialogBox())
	}
	// Every part is fitted to the width already; this only fixes the count
	// of lines (measuring every line again would cost a quarter of a frame).
	return stack(m.headerView()+"\n"+body+"\n"+m.footerView(), m.height)
}

func (m *Model) bodyView() string {
	bodyH := m.height - 2
	queue := m.queueTitle() + "\n" + m.queue.view(m.focus == focusQueue)
	if !m.splitScreen() {
		if m.focus == focusCase {
			return frame(m.pane.view(true), m.width, bodyH)
		}
		return frame(queue, m.width, bodyH)
	}
	left := strings.Split(frame(queue, m.queue.width, bodyH), "\n")
	right := strings.Split(frame(m.pane.view(m.focus == focusCase), m.pane.width, bodyH), "\n")
	sep := m.styles.dim.Render("│")
	lines := make([]string, bodyH)
	for i := range lines {
		lines[i] = left[i] + sep + right[i]
	}
	return strings.Join(lines, "\n")
}

// queueTitle is the line above the queue: its name and position, and the
// filter being typed or kept.
func (m *Model) queueTitle() string {
	q := &m.queue
	title := m.styles.title.Render(m.tabs[m.activeTab].label) + " " + m.styles.dim.Render(q.position())
	if q.hasSelection() {
		title += "  " + m.styles.accent.Render(fmt.Sprintf("● %d selected", q.pickedCount()))
	}
	switch {
	case q.filtering:
		q.filter.Width = max(5, q.width-ansi.StringWidth(title)-4)
		title += "  " + q.filter.View()
	case q.jumping:
		q.jump.Width = max(5, q.width-ansi.StringWidth(title)-4)
		title += "  " + q.jump.View()
	case q.query.Text != "":
		title += "  " + m.styles.accent.Render("filter: "+clean(q.query.Text)) + m.styles.dim.Render(" (esc clears)")
	}
	return fit(title, q.width)
}

// headerView: who is working, the queue tabs with their counts, and the
// workflow filter and sort in force.
func (m *Model) headerView() string {
	who := m.styles.header.Render("docket") + " " + clean(m.user.Name) + m.styles.dim.Render(" ("+string(m.user.Role)+")")
	if a := m.user.Availability; a != "" && a != model.Available {
		who += " " + m.styles.overdue.Render(string(a)) // no new cases come to you
	}
	wf := m.workflow
	if wf == "" {
		wf = "all"
	}
	right := m.styles.dim.Render(fmt.Sprintf("workflow %s · sort %s", wf, m.queue.query.Sort))
	if m.overdue > 0 {
		right = m.styles.overdue.Render(fmt.Sprintf("%d overdue", m.overdue)) + m.styles.dim.Render(" · ") + right
	}
	room := m.width - ansi.StringWidth(who) - ansi.StringWidth(right) - 4
	return fit(who+"  "+m.tabsView(room)+"  "+right, m.width)
}

// tabsView fits the queue tabs into width, keeping the active one visible.
func (m *Model) tabsView(width int) string {
	labels := make([]string, len(m.tabs))
	for i, t := range m.tabs {
		label := fmt.Sprintf("%s %d", t.label, t.count)
		if i == m.activeTab {
			labels[i] = m.styles.tabActive.Render("[" + label + "]")
		} else {
			labels[i] = m.styles.tab.Render(" " + label + " ")
		}
	}
	first := 0
	for first < m.activeTab && ansi.StringWidth(strings.Join(labels[first:m.activeTab+1], "")) > width {
		first++
	}
	s := strings.Join(labels[first:], "")
	if first > 0 {
		s = "…" + s
	}
	return clip(s, max(0, width))
}

// footerView shows the last message, or the main keys of the focused pane.
func (m *Model) footerView() string {
	if m.message != "" {
		style := m.styles.okMsg
		prefix := "✓ "
		if m.messageErr {
			style, prefix = m.styles.errorMsg, "✗ "
		}
		return style.Render(fit(prefix+clean(m.message), m.width))
	}
	return m.styles.footer.Render(fit(m.shortHelp(), m.width))
}

func (m *Model) shortHelp() string {
	var actions []Action
	switch {
	case m.queue.filtering:
		return "type to filter (status:… assignee:… tag:… workflow:… too) · enter keep · esc clear"
	case m.queue.jumping:
		return "type a case name or id · enter go · esc cancel"
	case m.screen == viewWorkload:
		actions = []Action{"down", "open-queue", "availability", "metrics", "back", "help", "quit"}
	case m.screen == viewMetrics:
		actions = []Action{"window-longer", "window-shorter", "workload", "back", "help", "quit"}
	case m.queue.hasSelection() && m.focus == focusQueue:
		actions = []Action{"select", "status-menu", "assign", "tags", "sla", "back", "help"}
	case m.focus == focusCase && m.pane.tab == tabEnrichment:
		actions = []Action{"tree-toggle", "tree-search", "tree-copy-path", "status-menu", "back", "help", "quit"}
	case m.focus == focusCase:
		actions = []Action{"down", "tab-overview", "expand", "status-menu", "comment", "back", "help", "quit"}
	default:
		actions = []Action{"down", "filter", "status-menu", "claim", "comment", "next-queue", "help", "quit"}
	}
	var parts []string
	for _, a := range actions {
		b := m.keys.binding(a)
		label, desc := b.Help().Key, b.Help().Desc
		if a == "tab-overview" {
			label, desc = "1-6", "tabs"
		}
		parts = append(parts, label+" "+shortDesc(desc))
	}
	return strings.Join(parts, " · ")
}

// shortDesc keeps the first words of a help text for the footer.
func shortDesc(s string) string {
	if i := strings.IndexAny(s, "(…"); i > 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}

// dialogBox renders the open dialog in its border.
func (m *Model) dialogBox() string {
	w := min(m.width-4, 64)
	content := m.dialog.view(m, w)
	return m.styles.dialog.Width(w - 2).Render(content)
}

// overlay puts box in the middle of base, line by line.
func (m *Model) overlay(base, box string) string {
	lines := strings.Split(base, "\n")
	boxLines := strings.Split(box, "\n")
	bw := 0
	for _, l := range boxLines {
		bw = max(bw, ansi.StringWidth(l))
	}
	top := max(0, (len(lines)-len(boxLines))/2)
	left := max(0, (m.width-bw)/2)
	for i, bl := range boxLines {
		y := top + i
		if y >= len(lines) {
			break
		}
		line := lines[y]
		rest := ansi.TruncateLeft(line, left+bw, "")
		if ansi.StringWidth(rest) > m.width-left-bw {
			// A wide character half under the box's edge: a space shows
			// its uncovered half.
			rest = " " + ansi.TruncateLeft(line, left+bw+1, "")
		}
		lines[y] = fit(ansi.Truncate(line, left, ""), left) + fit(bl, bw) + rest
	}
	return strings.Join(lines, "\n")
}

// helpView lists every binding in force, grouped by where it works, and
// each workflow's status keys.
func (m *Model) helpView() string {
	groups := m.keys.groups()
	order := []string{groupGlobal, groupMove, groupQueue, groupCase, groupEnrichment, groupDialog}
	var blocks []string
	for _, g := range order {
		lines := []string{m.styles.title.Render(g)}
		for _, b := range groups[g] {
			lines = append(lines, fit(keyLabel(b.keys), 18)+" "+b.help)
		}
		blocks = append(blocks, strings.Join(lines, "\n"))
	}
	blocks = append(blocks, m.statusHelp())
	colW := 56
	cols := max(1, min(3, m.width/colW))
	if cols > 1 {
		colW = m.width / cols
	} else {
		colW = m.width
	}
	var rows []string
	for i := 0; i < len(blocks); i += cols {
		var cells []string
		for j := i; j < min(i+cols, len(blocks)); j++ {
			cells = append(cells, frame(blocks[j], colW-1, lipgloss.Height(blocks[j]))+" ")
		}
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, cells...))
	}
	head := m.styles.header.Render("docket keys") + m.styles.dim.Render(" — the bindings in force; "+m.configNote()+" · j/k scroll · ? or esc closes")
	if len(m.warnings) > 0 {
		head += "\n\n" + m.styles.errorMsg.Render("Key clashes (the built-in key wins; use the status menu)")
		for _, w := range m.warnings {
			head += "\n" + strings.Join(wrapText(w, m.width), "\n")
		}
	}
	all := strings.Split(head+"\n\n"+strings.Join(rows, "\n\n"), "\n")
	m.helpScroll = min(m.helpScroll, max(0, len(all)-m.height))
	return strings.Join(all[m.helpScroll:], "\n")
}

func (m *Model) configNote() string {
	if m.opts.Config.Path != "" {
		return "config " + m.opts.Config.Path
	}
	return "defaults (no config.yaml)"
}

func (m *Model) statusHelp() string {
	lines := []string{m.styles.title.Render(groupStatuses)}
	for _, w := range m.st.Workflows() {
		var parts []string
		for _, st := range w.Statuses {
			if st.Key != "" {
				parts = append(parts, st.Key+" "+st.Name)
			}
		}
		lines = append(lines, fit(w.ID, 14)+" "+strings.Join(parts, " · "))
	}
	return strings.Join(lines, "\n")
}

// ---- helpers shared with the case pane ----

// treeKeys builds the enrichment tree's key map from the bindings in force.
func (k KeyMap) treeKeys() jsontree.KeyMap {
	b := k.binding
	return jsontree.KeyMap{
		Up: b("up"), Down: b("down"), PageUp: b("page-up"), PageDown: b("page-down"),
		HalfUp: b("half-up"), HalfDown: b("half-down"), Top: b("top"), Bottom: b("bottom"),
		Toggle: b("tree-toggle"), Expand: b("tree-expand"), Collapse: b("tree-collapse"),
		ExpandAll: b("tree-expand-all"), CollapseAll: b("tree-collapse-all"),
		Search: b("tree-search"), NextMatch: b("tree-next"), PrevMatch: b("tree-prev"),
		CopyPath: b("tree-copy-path"), CopyValue: b("tree-copy-value"),
	}
}

// scrollWheel scrolls the current tab by lines.
func (p *casePane) scrollWheel(step int) {
	if p.detail == nil {
		return
	}
	if p.tab == tabEnrichment {
		for i := 0; i < abs(step); i++ {
			name := "down"
			if step < 0 {
				name = "up"
			}
			p.tree, _ = p.tree.Update(keyMsg(name))
		}
		return
	}
	p.scrollBy(step, len(p.lines()))
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// prettyJSON indents a JSON document for the editor.
func prettyJSON(raw []byte) []byte {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return raw
	}
	out, _ := json.MarshalIndent(v, "", "  ")
	return out
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
