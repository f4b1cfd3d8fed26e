package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"docket/model"
	"docket/store"
	"docket/ui/jsontree"
)

// View draws the whole screen. Whatever happens above, the result is
// exactly the terminal's size.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	if m.tooSmall() {
		if m.stopping != "" {
			return frame(strings.Join(wrapText(clean(m.stopping), m.width), "\n"), m.width, m.height)
		}
		msg := fmt.Sprintf("docket needs a terminal of at least %d×%d (this one is %d×%d); %s quits", minWidth, minHeight, m.width, m.height, m.keys.binding("quit").Help().Key)
		return frame(strings.Join(wrapText(msg, m.width), "\n"), m.width, m.height)
	}
	if m.help {
		return frame(m.helpView(), m.width, m.height)
	}
	var body string
	switch {
	case m.editor != nil:
		body = m.editorView(m.height - 2)
	case m.screen == viewWorkload:
		body = frame(m.workloadView(), m.width, m.height-2)
	case m.screen == viewMetrics:
		body = frame(m.metricsView(), m.width, m.height-2)
	default:
		body = m.bodyView()
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
// overdue count, workflow filter and sort in force (shorter when room is
// short: the tabs matter more).
func (m *Model) headerView() string {
	// Drawn again only when something in it changed: styling it costs a
	// good part of a frame.
	var k strings.Builder
	for _, n := range []int{m.width, m.activeTab, m.overdue} {
		k.WriteString(strconv.Itoa(n))
		k.WriteByte('|')
	}
	k.WriteString(m.workflow + "|" + string(m.queue.query.Sort) + "|" + m.user.Name + "|" + string(m.user.Role) + "|" + string(m.user.Availability))
	for _, t := range m.tabs {
		k.WriteString("|" + t.label + "|" + strconv.Itoa(t.count))
	}
	if key := k.String(); key != m.headerFor {
		m.header, m.headerFor = m.drawHeader(), key
	}
	return m.header
}

func (m *Model) drawHeader() string {
	// Who is working, shorter on a narrow screen so the active tab fits.
	labels, widths := m.tabLabels()
	name := clean(m.user.Name)
	who := m.styles.header.Render("docket") + " " + name + m.styles.dim.Render(" ("+string(m.user.Role)+")")
	if a := m.user.Availability; a != "" && a != model.Available {
		who += " " + m.styles.overdue.Render(string(a)) // no new cases come to you
	}
	if need := widths[m.activeTab] + 2 + len(moreText(len(m.tabs))) + 16; m.width-ansi.StringWidth(who) < need {
		who = m.styles.header.Render(name)
		if a := m.user.Availability; a != "" && a != model.Available {
			who += " " + m.styles.overdue.Render(string(a))
		}
	}
	wf := m.workflow
	if wf == "" {
		wf = "all"
	}
	var overdue string
	if m.overdue > 0 {
		overdue = m.styles.overdue.Render(fmt.Sprintf("%d overdue", m.overdue))
	}
	// The filter and sort in words, shorter, or only what differs from
	// the defaults: whichever leaves the tab strip room for the named
	// queues (or all of its tabs).
	var minimal []string
	if m.workflow != "" {
		minimal = append(minimal, "workflow "+wf)
	}
	if m.queue.query.Sort != store.SortSLA {
		minimal = append(minimal, "sort "+string(m.queue.query.Sort))
	}
	variants := []string{
		fmt.Sprintf("workflow %s · sort %s", wf, m.queue.query.Sort),
		fmt.Sprintf("%s · %s", wf, m.queue.query.Sort),
		strings.Join(minimal, " · "),
	}
	var right string
	for i, v := range variants {
		parts := []string{}
		if overdue != "" {
			parts = append(parts, overdue)
		}
		if v != "" {
			parts = append(parts, m.styles.dim.Render(v))
		}
		right = strings.Join(parts, m.styles.dim.Render(" · "))
		room := m.width - ansi.StringWidth(who) - ansi.StringWidth(right) - 4
		if i == len(variants)-1 || m.tabsShown(widths, room) >= min(len(m.tabs), 4) {
			break
		}
	}
	room := m.width - ansi.StringWidth(who) - ansi.StringWidth(right) - 4
	return fit(who+"  "+fit(m.tabsView(labels, widths, room), max(0, room))+"  "+right, m.width)
}

// moreText says how many tabs the strip leaves out.
func moreText(n int) string { return fmt.Sprintf(" +%d more", n) }

// tabWindow chooses the tabs the strip shows in width (widths are the
// tabs' label widths): the first ones, or a run around the active one
// when it would not be among them. The active tab is always in it.
func (m *Model) tabWindow(widths []int, width int) (first, last int) {
	n := len(widths)
	span := func(first, last int) int {
		w := 0
		for i := first; i <= last; i++ {
			w += widths[i] + 2
		}
		if hidden := n - (last - first + 1); hidden > 0 {
			w += len(moreText(hidden))
			if first > 0 {
				w++ // the "…" before
			}
		}
		return w
	}
	first, last = 0, m.activeTab
	for first < m.activeTab && span(first, last) > width {
		first++
	}
	for last+1 < n && span(first, last+1) <= width {
		last++
	}
	return first, last
}

// tabLabels are the tabs' labels and their widths.
func (m *Model) tabLabels() ([]string, []int) {
	labels, widths := make([]string, len(m.tabs)), make([]int, len(m.tabs))
	for i, t := range m.tabs {
		labels[i] = clean(t.label) + " " + strconv.Itoa(t.count)
		widths[i] = textWidth(labels[i])
	}
	return labels, widths
}

// tabsShown is how many tabs the strip shows in width.
func (m *Model) tabsShown(widths []int, width int) int {
	first, last := m.tabWindow(widths, width)
	return last - first + 1
}

// tabsView draws the tab strip in width: the tabs of tabWindow, and how
// many it leaves out ("+3 more").
func (m *Model) tabsView(labels []string, widths []int, width int) string {
	n := len(labels)
	first, last := m.tabWindow(widths, width)
	var b strings.Builder
	if first > 0 {
		b.WriteString(m.styles.dim.Render("…"))
	}
	for i := first; i <= last; i++ {
		if i == m.activeTab {
			b.WriteString(m.styles.tabActive.Render("[" + labels[i] + "]"))
		} else {
			b.WriteString(m.styles.tab.Render(" " + labels[i] + " "))
		}
	}
	if hidden := n - (last - first + 1); hidden > 0 {
		b.WriteString(m.styles.dim.Render(moreText(hidden)))
	}
	s := b.String()
	if ansi.StringWidth(s) > width {
		// Too narrow for even the active tab whole: it is cut, still first.
		more := moreText(n - 1)
		s = clip(m.styles.tabActive.Render("["+labels[m.activeTab]+"]"), max(0, width-len(more))) + m.styles.dim.Render(more)
	}
	return s
}

// footerView shows the last message, or the main keys of the focused pane.
func (m *Model) footerView() string {
	if m.stopping != "" {
		return m.styles.errorMsg.Render(fit("■ "+clean(m.stopping), m.width))
	}
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

// shortHelp is the footer's line of keys: on the main screen the shown
// case's own status keys (the moves open to this user) and the actions
// that apply to it, then the keys of the pane in focus. What does not fit
// is left out whole; "? keys" always ends the line.
func (m *Model) shortHelp() string {
	var keys []footerKey
	switch {
	case m.editor != nil:
		b := m.keys.first
		return fmt.Sprintf("%s save · %s close (asks first if changed) · keys here are text (%s does not quit) · %s indents", b("save"), b("back"), b("quit"), "tab")
	case m.queue.filtering:
		return "type to filter (status:… assignee:… tag:… workflow:… too) · enter keep · esc clear"
	case m.queue.jumping:
		return "type a case name or id · enter go · esc cancel"
	case m.screen == viewWorkload:
		keys = m.footerKeys("down", "open-queue", "availability", "metrics", "back", "quit")
	case m.screen == viewMetrics:
		keys = m.footerKeys("window-longer", "window-shorter", "workload", "back", "quit")
	case m.queue.hasSelection() && m.focus == focusQueue:
		keys = m.footerKeys("status-menu", "assign", "tags", "sla", "select", "back")
	default:
		keys = append(m.statusKeys(), m.caseActionKeys()...)
		keys = append(keys, m.paneKeys()...)
	}
	tail := m.keys.first("help") + " keys"
	room := m.width - textWidth(tail)
	var parts []string
	for _, k := range keys {
		part := k.key + " " + k.what
		if used := textWidth(strings.Join(append(parts, part), " · ")) + 3; used > room {
			break // the keys come most important first
		}
		parts = append(parts, part)
	}
	return strings.Join(append(parts, tail), " · ")
}

// footerKey is one key the footer offers.
type footerKey struct{ key, what string }

// footerWords say what an action does in a word or two, for the footer.
var footerWords = map[Action]string{
	"status-menu": "moves", "claim": "claim", "unassign": "unassign", "assign": "assign", "comment": "comment",
	"tags": "tags", "sla": "SLA", "edit": "edit", "edit-here": "edit here", "filter": "filter", "next-case": "next case",
	"next-queue": "next queue", "select": "pick", "back": "back", "quit": "quit", "expand": "expand",
	"tree-toggle": "fold", "tree-search": "search", "tree-copy-path": "copy path", "tree-copy-value": "copy value",
	"open-queue": "open queue", "availability": "availability", "window-longer": "longer", "window-shorter": "shorter",
	"workload": "workload", "metrics": "metrics", "down": "down", "open": "open", "next-pane": "case pane",
}

func (m *Model) footerKeys(actions ...Action) []footerKey {
	out := make([]footerKey, 0, len(actions))
	for _, a := range actions {
		what := footerWords[a]
		if what == "" {
			what = shortDesc(m.keys.binding(a).Help().Desc)
		}
		out = append(out, footerKey{m.keys.first(a), what})
	}
	return out
}

// shortDesc keeps the first words of a help text for the footer.
func shortDesc(s string) string {
	if i := strings.IndexAny(s, "(…"); i > 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}

// statusKeys are the shown case's status keys for the moves open to this
// user now; a key a built-in binding takes is left out (the status menu
// still has it).
func (m *Model) statusKeys() []footerKey {
	c := m.caseOnDisplay()
	if c == nil || m.pane.wf == nil || model.Authorize(m.user, model.ActStatus, c) != nil {
		return nil
	}
	var out []footerKey
	for _, o := range m.pane.wf.Options(m.user, c.Name, c.Status, model.TookStatuses(m.pane.detail.Events)) {
		if o.Allowed && o.Status.Key != "" && !m.keys.builtIn(o.Status.Key) {
			out = append(out, footerKey{o.Status.Key, clean(o.Status.Name)})
		}
	}
	return out
}

// caseActionKeys are the case actions the store would allow this user on
// the shown case: no claim on one's own case, no assign for a reviewer.
func (m *Model) caseActionKeys() []footerKey {
	c, u := m.caseOnDisplay(), m.user
	if c == nil {
		return nil
	}
	var acts []Action
	if model.Authorize(u, model.ActStatus, c) == nil {
		acts = append(acts, "status-menu")
	}
	if c.Open() && c.Assignee != u.Name && model.AuthorizeAssign(u, c, u.Name) == nil {
		acts = append(acts, "claim")
	}
	if model.AuthorizeAssign(u, c, "\x00someone else") == nil {
		acts = append(acts, "assign")
	}
	if model.Authorize(u, model.ActComment, c) == nil {
		acts = append(acts, "comment")
	}
	if c.Assignee != "" && model.AuthorizeAssign(u, c, "") == nil {
		acts = append(acts, "unassign")
	}
	if model.Authorize(u, model.ActTag, c) == nil {
		acts = append(acts, "tags")
	}
	if model.Authorize(u, model.ActSLA, c) == nil {
		acts = append(acts, "sla")
	}
	return m.footerKeys(acts...)
}

// paneKeys are the keys of the pane in focus.
func (m *Model) paneKeys() []footerKey {
	if m.focus == focusQueue {
		keys := m.footerKeys("filter", "next-case", "next-queue")
		if m.user.Role.AtLeast(model.RoleLead) {
			keys = append(keys, m.footerKeys("select")...)
		}
		return keys
	}
	tabs := footerKey{m.keys.first("tab-overview") + "-" + m.keys.first("tab-history"), "tabs"}
	switch {
	case m.pane.detail == nil:
		return append([]footerKey{tabs}, m.footerKeys("back")...)
	case m.pane.objectOpen():
		return append(m.footerKeys("tree-toggle", "tree-search", "tree-copy-value"), footerKey{m.keys.first("back"), "close"})
	case m.pane.tab == tabEnrichment:
		return append(m.footerKeys("tree-toggle", "tree-search", "tree-copy-path"), tabs)
	case m.pane.tab == tabOverview && m.pane.listing():
		return []footerKey{{m.keys.first("expand"), "open the case"}, {m.keys.first("back"), "close"}}
	case m.pane.tab == tabOverview && len(m.pane.detail.Related) > 0:
		return []footerKey{{m.keys.first("expand"), "related cases"}, tabs}
	case tabKinds[m.pane.tab] != nil:
		return append(m.footerKeys("expand"), tabs)
	}
	return []footerKey{tabs}
}

// caseOnDisplay is the case the pane shows when keys would act on it: the
// selected row's, once read. Otherwise nil.
func (m *Model) caseOnDisplay() *model.Case {
	d := m.pane.detail
	if d == nil {
		return nil
	}
	if sel := m.queue.selected(); sel != nil && sel.ID == d.Case.ID {
		return d.Case
	}
	return m.pinnedCase()
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
	if p.tab == tabEnrichment || p.objectOpen() {
		tree := &p.tree
		if p.tab != tabEnrichment {
			tree = &p.objTree
		}
		for i := 0; i < abs(step); i++ {
			name := "down"
			if step < 0 {
				name = "up"
			}
			*tree, _ = tree.Update(keyMsg(name))
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

// prettyJSON indents a JSON document for the editor, as it is: numbers
// keep every digit (decoded, 12345678901234567890 would come back rounded,
// and a save would write the rounded number).
func prettyJSON(raw []byte) []byte {
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return raw
	}
	return b.Bytes()
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
