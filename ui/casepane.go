package ui

import (
	"fmt"
	"sort"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"docket/model"
	"docket/store"
	"docket/ui/jsontree"
	"docket/ui/safe"
	"docket/workflows"
)

// The case pane's tabs.
const (
	tabOverview = iota
	tabInquiries
	tabAccounts
	tabReports
	tabEnrichment
	tabHistory
	tabCount
)

var tabNames = [tabCount]string{"Overview", "Inquiries", "Accounts", "Reports", "Enrichment", "History"}

// tabKinds are the object kinds each object tab lists.
var tabKinds = map[int][]model.ObjectKind{
	tabInquiries: {model.KindInquiry},
	tabAccounts:  {model.KindAccount},
	tabReports:   {model.KindReport, model.KindVerification, model.KindTransaction},
}

// casePane shows the selected case across its tabs.
type casePane struct {
	styles styles
	keys   KeyMap
	now    func() time.Time
	user   model.User

	detail     *store.Detail
	wf         *workflows.Workflow
	unreadable string // why the selected case is not shown, when it could not be read
	tab        int
	width      int
	height     int // including the tab bar

	scroll [tabCount]int // first line shown, per tab
	cursor [tabCount]int // selected object, per object tab

	// An object tab may show one object whole: its summary and its
	// attributes as a tree (the Enrichment tab's component).
	openObj string // the object's id, "" for the list
	objTree jsontree.Model
	objErr  error
	objFor  string // the object version the tree was built for

	// The Overview may list the related cases instead, with a cursor.
	relOpen    bool
	relCursor  int
	pinnedNote string // why the case shown is not the selected row's, when it is not

	tree    jsontree.Model
	treeErr error
	treeFor string // case id and version the tree was built for

	cached   []string // the overview or history lines last drawn
	cacheKey string   // what they were drawn for
}

func newCasePane(s styles, keys KeyMap, now func() time.Time, user model.User) casePane {
	return casePane{styles: s, keys: keys, now: now, user: user}
}

// show replaces the case on display. The same case keeps its scroll
// positions (a refresh); another case starts at the top.
func (p *casePane) show(d *store.Detail, wf *workflows.Workflow) {
	if p.detail == nil || d == nil || p.detail.Case.ID != d.Case.ID {
		p.scroll, p.cursor = [tabCount]int{}, [tabCount]int{}
		p.openObj, p.relOpen, p.relCursor = "", false, 0
	}
	p.detail, p.wf, p.unreadable = d, wf, ""
	p.cacheKey = ""
	p.rebuildTree()
	p.reopenObject()
}

// showUnreadable replaces the case on display by why the selected one
// could not be read.
func (p *casePane) showUnreadable(why string) {
	p.show(nil, nil)
	p.unreadable = why
}

// rebuildTree parses the enrichment when the case or its version changed.
func (p *casePane) rebuildTree() {
	if p.detail == nil {
		p.treeFor = ""
		return
	}
	key := fmt.Sprintf("%s@%d", p.detail.Case.ID, p.detail.Case.Version)
	if key == p.treeFor {
		return
	}
	p.treeFor = key
	p.tree, p.treeErr = jsontree.New(p.detail.Case.Fields, p.keys.treeKeys())
	p.tree.SetStyles(p.styles.tree)
	p.tree.SetSize(p.width, p.bodyHeight())
}

func (p *casePane) setSize(w, h int) {
	p.width, p.height = w, h
	p.tree.SetSize(w, p.bodyHeight())
	p.sizeObjTree()
}

func (p *casePane) bodyHeight() int { return max(0, p.height-2) }

// update handles a key for the focused case pane. Opening a related case
// is the root's business: it comes back as an openCaseMsg.
func (p *casePane) update(msg tea.KeyMsg) tea.Cmd {
	if p.detail == nil {
		return nil
	}
	switch {
	case p.tab == tabEnrichment:
		var cmd tea.Cmd
		p.tree, cmd = p.tree.Update(msg)
		return cmd
	case p.objectOpen():
		var cmd tea.Cmd
		p.objTree, cmd = p.objTree.Update(msg)
		return cmd
	case tabKinds[p.tab] != nil:
		p.updateObjects(msg)
		return nil
	case p.listing():
		return p.updateRelated(msg)
	case p.tab == tabOverview && p.keys.is(msg, "expand") && len(p.detail.Related) > 0:
		p.relOpen, p.relCursor = true, 0
		p.scroll[tabOverview] = 0
		return nil
	}
	p.scrollBy(p.moveDelta(msg), len(p.lines()))
	return nil
}

// back closes what the pane has open (an object, the related list) and
// reports whether there was something.
func (p *casePane) back() bool {
	switch {
	case p.objectOpen():
		p.openObj = ""
	case p.listing():
		p.relOpen = false
		p.scroll[tabOverview] = 0
	default:
		return false
	}
	return true
}

// searching reports whether a tree's search input has the keyboard.
func (p *casePane) searching() bool {
	switch {
	case p.detail == nil:
		return false
	case p.tab == tabEnrichment:
		return p.tree.Searching()
	case p.objectOpen():
		return p.objTree.Searching()
	}
	return false
}

// moveDelta turns a movement key into a number of lines.
func (p *casePane) moveDelta(msg tea.KeyMsg) int {
	h := max(1, p.bodyHeight())
	switch {
	case p.keys.is(msg, "down"):
		return 1
	case p.keys.is(msg, "up"):
		return -1
	case p.keys.is(msg, "half-down"):
		return h / 2
	case p.keys.is(msg, "half-up"):
		return -h / 2
	case p.keys.is(msg, "page-down"):
		return h
	case p.keys.is(msg, "page-up"):
		return -h
	case p.keys.is(msg, "top"):
		return -1 << 30
	case p.keys.is(msg, "bottom"):
		return 1 << 30
	}
	return 0
}

func (p *casePane) scrollBy(delta, lines int) {
	s := p.scroll[p.tab] + delta
	p.scroll[p.tab] = max(0, min(s, lines-p.bodyHeight()))
}

func (p *casePane) updateObjects(msg tea.KeyMsg) {
	objs := p.objects(p.tab)
	if len(objs) == 0 {
		return
	}
	if p.keys.is(msg, "expand") {
		p.openObject(objs[p.cursor[p.tab]])
		return
	} else if d := p.moveDelta(msg); d != 0 {
		step := max(-len(objs), min(len(objs), d))
		p.cursor[p.tab] = max(0, min(len(objs)-1, p.cursor[p.tab]+step))
	}
	// Keep the selected object's lines on screen.
	lines, starts := p.objectLines(objs)
	first := starts[p.cursor[p.tab]]
	if first < p.scroll[p.tab] {
		p.scroll[p.tab] = first
	}
	last := len(lines)
	if p.cursor[p.tab]+1 < len(starts) {
		last = starts[p.cursor[p.tab]+1]
	}
	if end := p.scroll[p.tab] + p.bodyHeight(); last > end {
		p.scroll[p.tab] = min(first, last-p.bodyHeight())
	}
}

// objects lists the case's objects shown on an object tab.
func (p *casePane) objects(tab int) []*model.Object {
	var out []*model.Object
	for _, o := range p.detail.Objects {
		for _, k := range tabKinds[tab] {
			if o.Kind == k {
				out = append(out, o)
			}
		}
	}
	return out
}

// ---- drawing ----

func (p *casePane) view(focused bool) string {
	if p.width <= 0 || p.height <= 0 {
		return ""
	}
	if p.detail == nil && p.unreadable != "" {
		return frame(p.styles.errorMsg.Render(strings.Join(wrapText(clean(p.unreadable), p.width), "\n")), p.width, p.height)
	}
	if p.detail == nil {
		return frame(p.styles.dim.Render("no case selected"), p.width, p.height)
	}
	body := p.body()
	return frame(p.tabBar(focused)+"\n"+p.styles.dim.Render(strings.Repeat("─", p.width))+"\n"+body, p.width, p.height)
}

func (p *casePane) body() string {
	switch {
	case p.tab == tabEnrichment:
		if p.treeErr != nil {
			return p.styles.errorMsg.Render("enrichment is not valid JSON: " + clean(p.treeErr.Error()))
		}
		return p.tree.View()
	case p.objectOpen():
		return p.objectView()
	}
	lines := p.lines()
	start := min(p.scroll[p.tab], max(0, len(lines)-1))
	end := min(len(lines), start+p.bodyHeight())
	return strings.Join(lines[start:end], "\n")
}

// Tab labels from long to short; the tab bar uses the longest that fits.
var tabShort = [tabCount]string{"Over", "Inq", "Acct", "Rep", "Enr", "Hist"}

func (p *casePane) tabLabels() []string {
	for _, style := range []struct {
		names  [tabCount]string
		counts bool
	}{{tabNames, true}, {tabShort, true}, {tabShort, false}} {
		labels := make([]string, tabCount)
		width := 0
		for i := range labels {
			labels[i] = fmt.Sprintf("%d %s", i+1, style.names[i])
			if n := p.tabCount(i); n >= 0 && style.counts {
				labels[i] += fmt.Sprintf(" (%d)", n)
			}
			width += len([]rune(labels[i])) + 2
		}
		if width <= p.width {
			return labels
		}
	}
	labels := make([]string, tabCount)
	for i := range labels {
		labels[i] = fmt.Sprint(i + 1)
		if i == p.tab {
			labels[i] += " " + tabShort[i]
		}
	}
	return labels
}

func (p *casePane) tabBar(focused bool) string {
	var parts []string
	for i, label := range p.tabLabels() {
		switch {
		case i == p.tab && focused:
			parts = append(parts, p.styles.tabActive.Render("["+label+"]"))
		case i == p.tab:
			parts = append(parts, p.styles.bold.Render("["+label+"]"))
		default:
			parts = append(parts, p.styles.tab.Render(" "+label+" "))
		}
	}
	return strings.Join(parts, "")
}

// tabCount is the number shown beside a tab name (-1 for none).
func (p *casePane) tabCount(tab int) int {
	switch {
	case tabKinds[tab] != nil:
		return len(p.objects(tab))
	case tab == tabHistory:
		return len(p.detail.Events) + len(p.detail.Comments)
	}
	return -1
}

// tabAt maps a column of the tab bar to a tab, for mouse clicks. Without
// a case there is no tab bar.
func (p *casePane) tabAt(x int) (int, bool) {
	if p.detail == nil {
		return 0, false
	}
	pos := 0
	for i, label := range p.tabLabels() {
		w := len([]rune(label)) + 2
		if x >= pos && x < pos+w {
			return i, true
		}
		pos += w
	}
	return 0, false
}

// lines renders the current (non-tree) tab as lines.
func (p *casePane) lines() []string {
	if p.listing() {
		lines, _ := p.relatedLines()
		return lines
	}
	switch p.tab {
	case tabOverview, tabHistory:
		// These depend only on the case, the width and the clock's minute:
		// drawn once, not at every frame.
		key := fmt.Sprintf("%s@%d|%d|%d|%s|%s", p.detail.Case.ID, p.detail.Case.Version, p.tab, p.width, p.now().Format("15:04"), p.pinnedNote)
		if key != p.cacheKey {
			if p.tab == tabOverview {
				p.cached = p.overview()
			} else {
				p.cached = p.history()
			}
			p.cacheKey = key
		}
		return p.cached
	default:
		lines, _ := p.objectLines(p.objects(p.tab))
		return lines
	}
}

func (p *casePane) kv(label, value string) string {
	return p.styles.dim.Render(fit(label, 11)) + value
}

func (p *casePane) overview() []string {
	c, now := p.detail.Case, p.now()
	wfName := c.Workflow
	if p.wf != nil {
		wfName = p.wf.Name
	}
	var lines []string
	if p.pinnedNote != "" {
		for _, l := range wrapText(clean("↪ "+p.pinnedNote), p.width) {
			lines = append(lines, p.styles.accent.Render(l))
		}
	}
	lines = append(lines,
		p.styles.title.Render(clean(c.Name))+"  "+p.styles.status(c.StatusType).Render(clean(c.Status))+
			p.styles.dim.Render(fmt.Sprintf(" (%s) · %s · v%d", c.StatusType, clean(wfName), c.Version)),
		p.kv("Subject", dash(clean(c.Subject))),
		p.kv("Assignee", p.assigneeText(c, now)),
		p.kv("SLA", p.slaText(c, now)),
		p.kv("Created", when(c.CreatedAt, now)),
		p.kv("Updated", when(c.UpdatedAt, now)))
	if !c.ResolvedAt.IsZero() {
		lines = append(lines, p.kv("Resolved", when(c.ResolvedAt, now)+" by "+dash(clean(c.Resolver))))
	}
	lines = append(lines,
		p.kv("Tags", dash(clean(strings.Join(c.Tags, ", ")))),
		p.kv("References", dash(clean(strings.Join(c.References, ", ")))),
		p.kv("Objects", p.objectSummary()),
		p.kv("Case id", clean(c.ID)))
	if c.Redacted {
		lines = append(lines, p.kv("Redacted", "personal data was removed"))
	}
	if n := len(p.detail.Related); n > 0 {
		lines = append(lines, p.kv("Related", fmt.Sprintf("%d %s sharing an object", n, plural("case", n))+
			p.styles.dim.Render(" · "+p.keys.first("expand")+" lists them")))
	}
	lines = append(lines, "", p.styles.bold.Render("Key fields"))
	lines = append(lines, p.keyFields()...)
	lines = append(lines, "", p.styles.bold.Render("Moves"))
	return append(lines, p.moves()...)
}

func (p *casePane) assigneeText(c *model.Case, now time.Time) string {
	if c.Assignee == "" {
		return p.styles.dim.Render("unassigned")
	}
	s := clean(c.Assignee)
	if c.Assigner != "" && c.Assigner != c.Assignee {
		s += p.styles.dim.Render(fmt.Sprintf(" (by %s, %s)", clean(c.Assigner), model.Ago(c.AssignedAt, now)))
	} else if !c.AssignedAt.IsZero() {
		s += p.styles.dim.Render(" (claimed " + model.Ago(c.AssignedAt, now) + ")")
	}
	return s
}

func (p *casePane) slaText(c *model.Case, now time.Time) string {
	switch {
	case c.SLAExpiresAt.IsZero():
		return p.styles.dim.Render("none")
	case !c.Open():
		return p.styles.dim.Render("due " + c.SLAExpiresAt.Local().Format("2006-01-02 15:04"))
	case c.Overdue(now):
		return p.styles.overdue.Render("OVERDUE by "+model.FormatDuration(now.Sub(c.SLAExpiresAt))) +
			p.styles.dim.Render(" (due "+c.SLAExpiresAt.Local().Format("2006-01-02 15:04")+")")
	default:
		return model.FormatDuration(c.SLAExpiresAt.Sub(now)) + " left" +
			p.styles.dim.Render(" (due "+c.SLAExpiresAt.Local().Format("2006-01-02 15:04")+")")
	}
}

func when(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04") + " (" + model.Ago(t, now) + ")"
}

func (p *casePane) objectSummary() string {
	counts := map[model.ObjectKind]int{}
	matches := 0
	for _, o := range p.detail.Objects {
		counts[o.Kind]++
		if o.Attr("has-match") == true {
			matches++
		}
	}
	var parts []string
	for _, k := range model.ObjectKinds {
		if n := counts[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, plural(string(k), n)))
		}
	}
	s := dash(strings.Join(parts, " · "))
	if matches > 0 {
		s += " · " + p.styles.overdue.Render(fmt.Sprintf("%d %s", matches, plural("match", matches)))
	}
	return s
}

func plural(word string, n int) string {
	switch {
	case n == 1:
		return word
	case strings.HasSuffix(word, "y"):
		return word[:len(word)-1] + "ies"
	case strings.HasSuffix(word, "ch"):
		return word + "es"
	}
	return word + "s"
}

// listing reports whether the Overview lists the related cases.
func (p *casePane) listing() bool {
	return p.relOpen && p.tab == tabOverview && p.detail != nil && len(p.detail.Related) > 0
}

// relatedEntry is one related case and what it shares with this one.
type relatedEntry struct {
	c      *model.Case
	shared []*model.Object // this case's objects that the other holds too
}

// relatedEntries pairs each related case with the objects it shares.
func (p *casePane) relatedEntries() []relatedEntry {
	out := make([]relatedEntry, 0, len(p.detail.Related))
	for _, r := range p.detail.Related {
		e := relatedEntry{c: r}
		for _, o := range p.detail.Objects {
			if r.HasObject(o.ID) {
				e.shared = append(e.shared, o)
			}
		}
		out = append(out, e)
	}
	return out
}

// sharedText names the shared objects: kind, id and reference.
func sharedText(objs []*model.Object) string {
	var parts []string
	for _, o := range objs {
		s := string(o.Kind) + " " + o.ID
		if ref := o.AttrString("reference-id"); ref != "" {
			s += " (" + ref + ")"
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "an object no longer attached here"
	}
	return strings.Join(parts, ", ")
}

// relatedLines draws the related list: each case on a line, what it
// shares under it. starts says where each entry begins.
func (p *casePane) relatedLines() ([]string, []int) {
	entries := p.relatedEntries()
	lines := []string{p.styles.bold.Render(fmt.Sprintf("Related cases (%d)", len(entries))) +
		p.styles.dim.Render(fmt.Sprintf(" · %s opens one · %s back", p.keys.first("expand"), p.keys.first("back")))}
	var starts []int
	for i, e := range entries {
		starts = append(starts, len(lines))
		marker := "  "
		if i == p.relCursor {
			marker = "▶ "
		}
		head := marker + p.styles.bold.Render(clean(e.c.Name)) + " " + p.styles.status(e.c.StatusType).Render(clean(e.c.Status)) +
			p.styles.dim.Render(" · "+dash(clean(e.c.Subject))+" · "+dash(clean(e.c.Assignee)))
		if i == p.relCursor {
			head = p.styles.selected.Render(fit(head, p.width))
		}
		lines = append(lines, head)
		for _, l := range wrapText(clean("shares "+sharedText(e.shared)), max(10, p.width-4)) {
			lines = append(lines, "    "+p.styles.dim.Render(l))
		}
	}
	return lines, starts
}

// openCaseMsg asks the root to open a case: select it in the queue if it
// is there, else show it in the pane.
type openCaseMsg struct{ c *model.Case }

// updateRelated moves through the related list; expand opens the case.
func (p *casePane) updateRelated(msg tea.KeyMsg) tea.Cmd {
	entries := p.detail.Related
	if p.keys.is(msg, "expand") {
		c := entries[p.relCursor]
		return func() tea.Msg { return openCaseMsg{c} }
	}
	if d := p.moveDelta(msg); d != 0 {
		p.relCursor = max(0, min(len(entries)-1, p.relCursor+max(-len(entries), min(len(entries), d))))
	}
	lines, starts := p.relatedLines()
	first, last := starts[p.relCursor], len(lines)
	if p.relCursor+1 < len(starts) {
		last = starts[p.relCursor+1]
	}
	if p.relCursor == 0 {
		first = 0 // the title line with it
	}
	if first < p.scroll[tabOverview] {
		p.scroll[tabOverview] = first
	}
	if end := p.scroll[tabOverview] + p.bodyHeight(); last > end {
		p.scroll[tabOverview] = min(first, last-p.bodyHeight())
	}
	return nil
}

// keyFields shows the enrichment's scalar values near the top of the
// tree: enough to decide most cases without opening the tree. They come
// from the tree already parsed for the Enrichment tab.
func (p *casePane) keyFields() []string {
	if p.treeErr != nil {
		return []string{p.styles.dim.Render("  none")}
	}
	fields := p.tree.Fields(2)
	if len(fields) == 0 {
		return []string{p.styles.dim.Render("  none")}
	}
	var out []string
	for i, f := range fields {
		if i == 12 {
			out = append(out, p.styles.dim.Render(fmt.Sprintf("  … %d more (5 Enrichment)", len(fields)-12)))
			break
		}
		out = append(out, "  "+clean(strings.TrimPrefix(f.Path, ".")+" "+f.Value))
	}
	return out
}

// moves lists the workflow's statuses with their keys and whether this
// user may move the case there now.
func (p *casePane) moves() []string {
	if p.wf == nil {
		return []string{p.styles.dim.Render("  workflow " + clean(p.detail.Case.Workflow) + " is not loaded")}
	}
	c := p.detail.Case
	var out []string
	permErr := model.Authorize(p.user, model.ActStatus, c)
	for _, opt := range p.wf.Options(p.user, c.Name, c.Status, model.TookStatuses(p.detail.Events)) {
		k := opt.Status.Key
		if k == "" {
			k = " "
		}
		line := fmt.Sprintf("  %s %s", p.styles.accent.Render(k), p.styles.status(opt.Status.Type).Render(opt.Status.Name))
		switch {
		case permErr != nil:
			line = p.styles.dim.Render(fmt.Sprintf("  %s %s", k, opt.Status.Name))
		case !opt.Allowed:
			line = p.styles.dim.Render(fmt.Sprintf("  %s %s — %s", k, opt.Status.Name, opt.Why))
		}
		out = append(out, line)
	}
	if permErr != nil {
		out = append(out, p.styles.dim.Render("  "+permErr.Error()))
	}
	return out
}

// objectLines renders objects as compact summaries, long values wrapped,
// and says on which line each object starts.
func (p *casePane) objectLines(objs []*model.Object) ([]string, []int) {
	if len(objs) == 0 {
		return []string{p.styles.dim.Render("none attached")}, []int{0}
	}
	var lines []string
	var starts []int
	for i, o := range objs {
		starts = append(starts, len(lines))
		marker := "  "
		if i == p.cursor[p.tab] {
			marker = "▶ "
		}
		head := marker + "▸ " + p.styles.bold.Render(clean(o.Type)) + " " + p.styles.dim.Render(clean(o.ID))
		if i == p.cursor[p.tab] {
			head = p.styles.selected.Render(fit(head, p.width))
		}
		lines = append(lines, head)
		lines = append(lines, p.summaryLines(o, "     ")...)
	}
	return lines, starts
}

// summaryLines is an object's summary with each value wrapped under its
// label.
func (p *casePane) summaryLines(o *model.Object, indent string) []string {
	var out []string
	for _, l := range summarize(o) {
		label, value := "", l
		if len(l) > 10 && l[9] == ' ' && !strings.HasPrefix(l, "(") {
			label, value = l[:10], l[10:]
		}
		pad := indent + strings.Repeat(" ", len(label))
		for i, w := range wrapText(value, max(10, p.width-len(pad))) {
			if i == 0 {
				out = append(out, indent+label+w)
			} else {
				out = append(out, pad+w)
			}
		}
	}
	return out
}

// objectOpen reports whether the tab shows one object whole.
func (p *casePane) objectOpen() bool {
	return p.openObj != "" && p.detail != nil && p.shownObject() != nil
}

// shownObject is the open object, if it belongs to the current tab.
func (p *casePane) shownObject() *model.Object {
	for _, o := range p.objects(p.tab) {
		if o.ID == p.openObj {
			return o
		}
	}
	return nil
}

// openObject shows o whole: its summary, then its attributes as a tree
// whose long values wrap.
func (p *casePane) openObject(o *model.Object) {
	p.openObj = o.ID
	p.objFor = ""
	p.reopenObject()
}

// reopenObject builds the open object's tree again when the object
// changed (or was just opened); a refresh of the same object keeps its
// folds and cursor.
func (p *casePane) reopenObject() {
	if p.openObj == "" || p.detail == nil {
		return
	}
	var o *model.Object
	for _, x := range p.detail.Objects {
		if x.ID == p.openObj {
			o = x
		}
	}
	if o == nil {
		p.openObj = ""
		return
	}
	key := o.ID + "@" + o.Sum + "@" + fmt.Sprint(len(o.Attributes))
	if key == p.objFor {
		return
	}
	p.objFor = key
	// Persona's {type, value} pairs read as their values here too.
	p.objTree, p.objErr = jsontree.New([]byte(model.JSONText(o.Values())), p.keys.treeKeys())
	p.objTree.SetStyles(p.styles.tree)
	p.objTree.SetWrap(objectWrapRows)
	p.sizeObjTree()
}

// objectWrapRows is how many lines a long value of an open object may
// take before it is cut.
const objectWrapRows = 8

// objectHead is the lines above an open object's tree: its name and
// summary, the summary cut so that the tree keeps most of the pane.
func (p *casePane) objectHead(o *model.Object) []string {
	head := []string{"▾ " + p.styles.bold.Render(clean(o.Type)) + " " + p.styles.dim.Render(clean(o.ID)) +
		p.styles.dim.Render(" · "+p.keys.first("back")+" back to the list")}
	sum := p.summaryLines(o, "  ")
	if room := p.bodyHeight()/3 - 1; len(sum) > room {
		sum = append(sum[:max(0, room-1)], p.styles.dim.Render("  …"))
	}
	head = append(head, sum...)
	return append(head, p.styles.dim.Render("attributes"))
}

func (p *casePane) sizeObjTree() {
	if o := p.shownObjectAny(); o != nil {
		p.objTree.SetSize(p.width, max(0, p.bodyHeight()-len(p.objectHead(o))))
	}
}

// shownObjectAny is the open object whatever the tab.
func (p *casePane) shownObjectAny() *model.Object {
	if p.detail == nil || p.openObj == "" {
		return nil
	}
	for _, o := range p.detail.Objects {
		if o.ID == p.openObj {
			return o
		}
	}
	return nil
}

// objectView draws the open object: head, then the attribute tree.
func (p *casePane) objectView() string {
	o := p.shownObject()
	head := p.objectHead(o)
	if p.objErr != nil {
		return strings.Join(append(head, p.styles.errorMsg.Render("attributes are not valid JSON: "+clean(p.objErr.Error()))), "\n")
	}
	return strings.Join(head, "\n") + "\n" + p.objTree.View()
}

// summaryFields are the attributes a reviewer looks at first, by kind.
var summaryFields = []struct{ label, attr string }{
	{"status", "status"}, {"reference", "reference-id"}, {"birthdate", "birthdate"},
	{"email", "email-address"}, {"phone", "phone-number"}, {"risk", "phone-risk-level"},
	{"matches", "match-count"}, {"lists", "matched-lists"}, {"categories", "categories"},
	{"sources", "related-sources"}, {"results", "result"},
}

// summarize is an object's compact summary: name, address, then the
// attributes that matter most.
func summarize(o *model.Object) []string {
	var out []string
	if n := o.PersonName(); n != "" {
		out = append(out, "name      "+clean(n))
	}
	if a := address(o); a != "" {
		out = append(out, "address   "+clean(a))
	}
	if m, ok := o.Attr("has-match").(bool); ok {
		if m {
			out = append(out, "match     YES")
		} else {
			out = append(out, "match     no")
		}
	}
	for _, f := range summaryFields {
		if v := summaryValue(o.Attr(f.attr)); v != "" {
			out = append(out, fit(f.label, 10)+clean(v))
		}
	}
	if note := model.ObjectNote(o); note != "" {
		out = append(out, "("+note+")")
	}
	return out
}

// summaryValue is an attribute as a summary shows it: text as it is, a
// list of plain values joined, anything nested counted (the open object
// shows it whole, as a tree).
func summaryValue(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case map[string]any:
		return fmt.Sprintf("%d %s", len(v), plural("key", len(v)))
	case []any:
		parts := make([]string, 0, len(v))
		for _, x := range v {
			switch x.(type) {
			case map[string]any, []any:
				return fmt.Sprintf("%d %s", len(v), plural("item", len(v)))
			}
			parts = append(parts, summaryValue(x))
		}
		return strings.Join(parts, ", ")
	}
	return model.JSONText(v)
}

// address is the object's address: an inquiry's address-* attributes
// (top-level or under fields), else an account's address hash.
func address(o *model.Object) string {
	var parts []string
	for _, a := range []string{"address-street-1", "address-street-2", "address-city", "address-subdivision", "address-postal-code", "address-country-code"} {
		if v := strings.TrimSpace(o.AttrString(a)); v != "" {
			parts = append(parts, v)
		}
	}
	if hash, ok := o.Attr("address").(map[string]any); ok && len(parts) == 0 {
		for _, k := range []string{"street_1", "street_2", "city", "subdivision", "postal_code", "country_code"} {
			if v, _ := hash[k].(string); strings.TrimSpace(v) != "" {
				parts = append(parts, strings.TrimSpace(v))
			}
		}
	}
	return strings.Join(parts, ", ")
}

// chainLines says whether the audit trail verifies, and if not, where it
// breaks: a tampered trail must be impossible to miss.
func (p *casePane) chainLines() []string {
	broken := p.detail.Broken
	if len(broken) == 0 {
		return []string{p.styles.dim.Render(fmt.Sprintf("audit trail verified: %d events, hash-chained", len(p.detail.Events)))}
	}
	var out []string
	for _, l := range wrapText(fmt.Sprintf("✗ AUDIT TRAIL DOES NOT VERIFY: %d problem(s); run docket check", len(broken)), max(10, p.width)) {
		out = append(out, p.styles.errorMsg.Render(l))
	}
	for _, b := range broken {
		for _, l := range wrapText(b.String(), max(10, p.width-2)) {
			out = append(out, "  "+p.styles.errorMsg.Render(l))
		}
	}
	return out
}

// history lists audit events and comments, newest first.
func (p *casePane) history() []string {
	type entry struct {
		at   time.Time
		seq  int
		text string
	}
	var entries []entry
	now := p.now()
	for i, e := range p.detail.Events {
		if e.Kind == model.EventCommented {
			continue // shown as the comment itself
		}
		entries = append(entries, entry{e.At, i, p.styles.bold.Render(clean(e.Actor)) + " " + clean(model.DescribeEvent(e))})
	}
	for i, c := range p.detail.Comments {
		body := c.Body
		if c.Redacted {
			body = "(redacted)"
		}
		entries = append(entries, entry{c.CreatedAt, i, p.styles.bold.Render(clean(c.Author)) + " " + clean(model.DescribeComment(c)) + ": " + safe.Lines(body)})
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].at.After(entries[j].at) })
	if len(entries) == 0 {
		return []string{p.styles.dim.Render("no history")}
	}
	out := p.chainLines()
	for _, e := range entries {
		// "12d16h ago" fills the 10 cells; one more keeps it off the text.
		prefix := p.styles.dim.Render(fit(model.Ago(e.at, now), 10)) + " "
		for i, l := range wrapText(e.text, max(10, p.width-11)) {
			if i > 0 {
				prefix = strings.Repeat(" ", 11)
			}
			out = append(out, prefix+l)
		}
	}
	return out
}
