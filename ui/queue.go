package ui

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"docket/model"
	"docket/store"
)

const (
	pageSize  = 100  // rows read per store call
	maxWindow = 1000 // rows kept in memory around the cursor
)

// queueView is the list of cases of one queue. It never holds the whole
// queue: it keeps a window of rows read a page at a time from the store's
// index, and draws only the rows on screen.
type queueView struct {
	st     *store.Store
	styles styles
	now    func() time.Time

	query store.Query   // the queue, its filters and sort
	rows  []*model.Case // the window
	start int           // absolute position of rows[0]
	total int           // cases in the queue; while !totalKnown, how many are known to be
	atEnd bool          // the window reaches the end of the queue

	// A filtered queue's total costs a walk of its index, so it is
	// counted off the UI goroutine after the first page is on screen.
	totalKnown bool
	countGen   int                // bumped when the total becomes unknown
	counting   int                // the countGen a count is running for
	cancel     context.CancelFunc // stops the filter read and count running
	ctx        context.Context
	cursor     int // absolute position of the selected row
	offset     int // absolute position of the first row on screen
	width      int
	height     int // rows on screen, the column header excluded

	rowCache   map[string]string     // rows as drawn (see row)
	layout     []column              // the columns as last sized (see columns)
	layoutFor  string                // what they were sized for
	layoutSig  string                // their titles and widths, for the row cache
	cellCache  map[string]*[7]string // cell texts by case version (see cell)
	cellMinute string                // the clock minute they were worked out at

	// The cases picked for bulk work: by id, or every case of the query.
	picked    map[string]bool
	pickedAll bool

	filter    textinput.Model
	filtering bool // the filter input has the keyboard
	jump      textinput.Model
	jumping   bool // the jump input (":") has the keyboard
	filterSeq int  // answers to older filter keystrokes are dropped
	searching bool // a filter query is running

	// noCases: the database holds no case at all, so the empty queue says
	// how to bring some in; nextCaseKey is the key that takes one.
	noCases     bool
	nextCaseKey string
}

func newQueueView(st *store.Store, st2 styles, now func() time.Time) queueView {
	ti := st2.textInput()
	ti.Prompt = "/"
	ti.Placeholder = "name, id, subject, reference, tag, or status: assignee: tag: workflow:"
	ti.CharLimit = 200
	jump := st2.textInput()
	jump.Prompt = ":"
	jump.Placeholder = "case name or id (KYC-118, case_…)"
	jump.CharLimit = 200
	return queueView{st: st, styles: st2, now: now, filter: ti, jump: jump, query: store.Query{Sort: store.SortSLA}, nextCaseKey: "f"}
}

// selected is the case under the cursor, nil when none is loaded there.
func (q *queueView) selected() *model.Case {
	i := q.cursor - q.start
	if i < 0 || i >= len(q.rows) {
		return nil
	}
	return q.rows[i]
}

// setQuery switches to another queue or filter and reads its first page.
// Cases picked one by one stay picked (a selection can be gathered across
// filters); "every case" meant the old list, so it is dropped.
func (q *queueView) setQuery(query store.Query) error {
	q.stopReads()
	q.query = query
	q.pickedAll = false
	q.cursor, q.offset = 0, 0
	return q.loadTop()
}

// loadTop reads the first page.
func (q *queueView) loadTop() error {
	page, err := q.list(q.query, pageSize)
	if err != nil {
		return err
	}
	q.apply(page, 0)
	return nil
}

func (q *queueView) list(query store.Query, limit int) (store.Page, error) {
	query.Limit, query.QuickTotal = limit, true
	page, err := q.st.List(query)
	if err == nil {
		q.noCases = page.Total == 0 && q.databaseEmpty()
	}
	return page, err
}

// databaseEmpty reports whether no queue holds a case (from the counters).
func (q *queueView) databaseEmpty() bool {
	counts, err := q.st.Counts(q.query.Actor)
	return err == nil && counts[store.QueueAll] == 0
}

// apply installs a page read from the top (or from start) as the window.
func (q *queueView) apply(page store.Page, start int) {
	q.rows, q.start, q.atEnd = page.Cases, start, page.Next == ""
	q.noteTotal(page, true)
	q.clamp()
}

// noteTotal takes what a page says of the total: the count when the store
// gave one, the exact number when the window reaches the end from an exact
// start, else at least the cases known so far (and a count to come).
func (q *queueView) noteTotal(page store.Page, exactStart bool) {
	switch {
	case page.Total >= 0:
		q.total, q.totalKnown = page.Total, true
	case q.atEnd && exactStart:
		q.total, q.totalKnown = q.start+len(q.rows), true
	default:
		if q.totalKnown {
			q.totalKnown = false
			q.countGen++
		}
		q.total = max(q.total, q.start+len(q.rows))
	}
}

// stopReads cancels the filter read and count of the query being left.
func (q *queueView) stopReads() {
	if q.cancel != nil {
		q.cancel()
		q.cancel = nil
	}
	q.totalKnown, q.total = false, q.start+len(q.rows)
	q.countGen++
}

// readContext is the context of the current query's background reads.
func (q *queueView) readContext() context.Context {
	if q.cancel == nil {
		var ctx context.Context
		ctx, q.cancel = context.WithCancel(context.Background())
		q.ctx = ctx
	}
	return q.ctx
}

// countMsg carries the total of a filtered queue.
type countMsg struct {
	gen int
	n   int
	err error
}

// countIfUnknown starts counting the queue's total when it is not known
// and no count is under way for it.
func (q *queueView) countIfUnknown() tea.Cmd {
	if q.totalKnown || q.searching || q.counting == q.countGen {
		return nil
	}
	q.counting = q.countGen
	ctx, gen, query, st := q.readContext(), q.countGen, q.query, q.st
	return func() tea.Msg {
		n, err := st.Count(ctx, query)
		return countMsg{gen: gen, n: n, err: err}
	}
}

// applyCount installs a total unless the queue changed since it was asked.
func (q *queueView) applyCount(msg countMsg) error {
	if msg.gen != q.countGen {
		return nil
	}
	if msg.err != nil {
		return msg.err
	}
	q.total, q.totalKnown = msg.n, true
	q.clamp()
	return q.fill()
}

// refresh re-reads the window in place (after a write or a change
// elsewhere), keeping the cursor on the same case if it is still there.
func (q *queueView) refresh() error {
	if len(q.rows) == 0 || q.start == 0 {
		return q.reloadKeeping(q.query, func(query store.Query) (store.Page, error) {
			return q.list(query, max(len(q.rows), pageSize))
		})
	}
	from := store.CursorOf(q.rows[0], q.query.Sort)
	return q.reloadKeeping(q.query, func(query store.Query) (store.Page, error) {
		query.From = from
		return q.list(query, max(len(q.rows), pageSize))
	})
}

func (q *queueView) reloadKeeping(query store.Query, read func(store.Query) (store.Page, error)) error {
	var keep string
	if c := q.selected(); c != nil {
		keep = c.ID
	}
	page, err := read(query)
	if err != nil {
		return err
	}
	start := q.start
	q.rows, q.atEnd = page.Cases, page.Next == ""
	q.noteTotal(page, start == 0)
	if q.atEnd && q.totalKnown {
		start = max(0, q.total-len(q.rows))
	}
	if q.totalKnown {
		start = min(start, max(0, q.total-len(q.rows)))
	}
	q.start = start
	for i, c := range q.rows {
		if c.ID == keep {
			q.cursor = q.start + i
		}
	}
	q.clamp()
	return nil
}

// clamp keeps cursor and offset inside the queue and the screen.
func (q *queueView) clamp() {
	q.cursor = max(0, min(q.cursor, q.total-1))
	h := max(1, q.height)
	if q.cursor < q.offset {
		q.offset = q.cursor
	}
	if q.cursor >= q.offset+h {
		q.offset = q.cursor - h + 1
	}
	q.offset = max(0, min(q.offset, q.total-h))
}

// move puts the cursor at an absolute position and reads whatever rows the
// screen then needs.
func (q *queueView) move(to int) error {
	q.cursor = to
	q.clamp()
	return q.fill()
}

// fill extends the window so it covers the screen (and a little more),
// reading forward or backward from its edges, and trims it when it grows
// too large.
func (q *queueView) fill() error {
	h := max(1, q.height)
	for !q.atEnd && q.offset+2*h > q.start+len(q.rows) {
		if err := q.readForward(); err != nil {
			return err
		}
	}
	for q.start > 0 && q.offset-h < q.start {
		if err := q.readBackward(); err != nil {
			return err
		}
	}
	q.trim()
	return nil
}

func (q *queueView) readForward() error {
	query := q.query
	if len(q.rows) > 0 {
		query.After = store.CursorOf(q.rows[len(q.rows)-1], q.query.Sort)
	}
	page, err := q.list(query, pageSize)
	if err != nil {
		return err
	}
	q.rows = append(q.rows, page.Cases...)
	q.atEnd = page.Next == ""
	q.noteTotal(page, !q.totalKnown && q.start == 0 || q.totalKnown)
	return nil
}

func (q *queueView) readBackward() error {
	if len(q.rows) == 0 {
		q.start = 0
		return q.loadTop()
	}
	query := q.query
	query.Reverse, query.After = true, store.CursorOf(q.rows[0], q.query.Sort)
	page, err := q.list(query, pageSize)
	if err != nil {
		return err
	}
	got := page.Cases
	for i, j := 0, len(got)-1; i < j; i, j = i+1, j-1 {
		got[i], got[j] = got[j], got[i]
	}
	q.rows = append(got, q.rows...)
	q.start -= len(got)
	if page.Next == "" || q.start < 0 { // reached the top: positions are exact again
		shift := -q.start
		q.start, q.cursor, q.offset = 0, q.cursor+shift, q.offset+shift
	}
	if page.Total >= 0 {
		q.total, q.totalKnown = page.Total, true
	}
	return nil
}

// trim drops rows far from the screen so memory stays bounded.
func (q *queueView) trim() {
	if len(q.rows) <= maxWindow {
		return
	}
	keepFrom := max(q.start, q.offset-maxWindow/2)
	if drop := keepFrom - q.start; drop > 0 {
		q.rows, q.start = q.rows[drop:], keepFrom
	}
	if len(q.rows) > maxWindow {
		q.rows, q.atEnd = q.rows[:maxWindow], false
	}
}

// seek puts the cursor on case id if it is among the first cases of the
// queue (so that clearing a filter keeps the case found with it), reading
// further pages as needed up to the window's size.
func (q *queueView) seek(id string) error {
	if id == "" {
		return nil
	}
	for {
		for i, c := range q.rows {
			if c.ID == id {
				return q.move(q.start + i)
			}
		}
		if q.atEnd || len(q.rows) >= maxWindow {
			return nil
		}
		if err := q.readForward(); err != nil {
			return err
		}
	}
}

// bottom jumps to the last case by reading the queue backwards. Its
// position needs the total: a filtered queue's is counted now if the
// count has not come yet.
func (q *queueView) bottom() error {
	if q.atEnd && q.totalKnown {
		return q.move(q.total - 1)
	}
	if !q.totalKnown {
		n, err := q.st.Count(context.Background(), q.query)
		if err != nil {
			return err
		}
		q.total, q.totalKnown = n, true
	}
	query := q.query
	query.Reverse = true
	page, err := q.list(query, pageSize)
	if err != nil {
		return err
	}
	rows := page.Cases
	for i, j := 0, len(rows)-1; i < j; i, j = i+1, j-1 {
		rows[i], rows[j] = rows[j], rows[i]
	}
	q.rows, q.atEnd = rows, true
	if page.Total >= 0 {
		q.total = page.Total
	}
	q.start = q.total - len(rows)
	return q.move(q.total - 1)
}

// top jumps to the first case.
func (q *queueView) top() error {
	if q.start > 0 {
		if err := q.loadTop(); err != nil {
			return err
		}
	}
	return q.move(0)
}

// filterMsg carries the first page of a filter keystroke's query.
type filterMsg struct {
	seq  int
	page store.Page
	err  error
}

// runFilter reads the first page of the queue filtered by the input's
// text, off the UI goroutine: on a large queue a filter scans many cases.
// The read and count of the keystroke before are cancelled, and the total
// is counted after the page is on screen (see countIfUnknown).
func (q *queueView) runFilter() tea.Cmd {
	q.stopReads()
	q.filterSeq++
	q.searching = true
	seq, query := q.filterSeq, q.query
	query.Text = strings.TrimSpace(q.filter.Value())
	query.Limit, query.QuickTotal = pageSize, true
	q.query.Text = query.Text
	ctx, st := q.readContext(), q.st
	return func() tea.Msg {
		page, err := st.ListContext(ctx, query)
		return filterMsg{seq: seq, page: page, err: err}
	}
}

// applyFilter installs a filter answer unless a newer keystroke came since.
func (q *queueView) applyFilter(msg filterMsg) (bool, error) {
	if msg.seq != q.filterSeq {
		return false, nil
	}
	q.searching = false
	if msg.err != nil {
		if errors.Is(msg.err, model.ErrInvalid) {
			// The filter as typed matches nothing (a status no workflow
			// has): the rows of the filter before must not stand under
			// it as if they matched it.
			msg.page = store.Page{Total: 0}
		} else {
			return true, msg.err
		}
	}
	q.cursor, q.offset = 0, 0
	q.apply(msg.page, 0)
	return true, msg.err
}

// rowAt maps a screen row (0 = first case row) to an absolute position.
func (q *queueView) rowAt(y int) (int, bool) {
	i := q.offset + y
	return i, y >= 0 && y < q.height && i < q.total
}

// ---- drawing ----

// column is one column of the queue table.
type column struct {
	idx   int // its place among every column, for the cell cache
	title string
	width int
	most  int                                 // the widest it is worth being
	text  func(c *model.Case) string          // the cell as plain text
	style func(c *model.Case) *lipgloss.Style // how to colour it (nil: as is)
	fit   func(s string, width int) string    // how a cell is cut to width (nil: fit)
}

// subjectMin is the narrowest subject column worth showing.
const subjectMin = 8

// statusMin is how far a status is cut before the SLA would have to go.
const statusMin = 10

// columns sizes the table from what the rows on screen hold: case name,
// status, workflow, assignee, SLA and age take the width their longest
// value needs (status first, so "Approved by Team 1" and "Approved by
// Team 2" stay apart), and the subject takes what is left. When that does
// not fit, columns give way in turn: one with nothing to say on this page,
// WORKFLOW, AGE, ASSIGNEE, the subject, and only then is the status cut.
// SLA, the sort key, stays.
func (q *queueView) columns() []column {
	key := q.layoutKey()
	if key == q.layoutFor {
		return q.layout
	}
	now := q.now()
	cols := []column{
		{title: "CASE", most: 16, text: func(c *model.Case) string { return clean(c.Name) }},
		{title: "STATUS", most: 28, fit: fitStatus, text: func(c *model.Case) string { return clean(c.Status) },
			style: func(c *model.Case) *lipgloss.Style { st := q.styles.status(c.StatusType); return &st }},
		{title: "WORKFLOW", most: 12, text: func(c *model.Case) string { return clean(c.Workflow) }},
		{title: "ASSIGNEE", most: 14, text: func(c *model.Case) string { return dash(clean(c.Assignee)) }},
		{title: "SUBJECT", text: func(c *model.Case) string { return dash(clean(c.Subject)) }},
		{title: "SLA", most: 12, text: func(c *model.Case) string { return q.slaText(c, now) },
			style: func(c *model.Case) *lipgloss.Style { return q.slaStyle(c, now) }},
		{title: "AGE", most: 7, text: func(c *model.Case) string { return model.FormatDuration(now.Sub(c.CreatedAt)) }},
	}
	for i := range cols {
		cols[i].idx = i
	}
	// In one person's queue, or the unassigned one, the assignee column
	// says nothing.
	if q.query.Queue == store.QueueMine || q.query.Queue == store.QueueUnassigned || q.query.Assignee != "" {
		cols = without(cols, "ASSIGNEE")
	}
	empty := q.measure(cols)
	fits := func() bool {
		need := q.fixedWidth(cols)
		if has(cols, "SUBJECT") {
			need += subjectMin
		}
		return need <= q.width
	}
	for _, drop := range append(empty, "WORKFLOW", "AGE", "ASSIGNEE", "SUBJECT") {
		if fits() {
			break
		}
		cols = without(cols, drop)
	}
	if i := index(cols, "STATUS"); i >= 0 && !fits() {
		cols[i].width = max(statusMin, cols[i].width-(q.fixedWidth(cols)-q.width))
	}
	if !fits() {
		cols = without(cols, "SLA")
	}
	for i := range cols {
		if cols[i].title == "SUBJECT" {
			cols[i].width = max(subjectMin, q.width-q.fixedWidth(cols)-1)
		}
	}
	q.layout, q.layoutFor, q.layoutSig = cols, key, signature(cols)
	return cols
}

// measure sets each sized column to the width its title and the values on
// screen need, and names the columns that hold nothing ("-") on screen.
func (q *queueView) measure(cols []column) (empty []string) {
	for i := range cols {
		c := &cols[i]
		c.width = textWidth(c.title)
		blank := true
		for y := 0; y < q.height; y++ {
			j := q.offset + y - q.start
			if j < 0 || j >= len(q.rows) {
				continue
			}
			text := q.cell(*c, q.rows[j])
			c.width = max(c.width, textWidth(text))
			blank = blank && text == "-"
		}
		if c.most > 0 {
			c.width = min(c.width, c.most)
		}
		if blank && c.title != "CASE" && c.title != "STATUS" {
			empty = append(empty, c.title)
		}
	}
	return empty
}

// cell is a column's text for case c, worked out once per case version
// (and clock minute, see freshCells): sizing the columns and drawing a row
// both need it.
func (q *queueView) cell(col column, c *model.Case) string {
	key := c.ID + "@" + strconv.FormatInt(c.Version, 10)
	texts := q.cellCache[key]
	if texts == nil {
		texts = &[7]string{}
		for i := range texts {
			texts[i] = "\x00" // not worked out yet
		}
		q.cellCache[key] = texts
	}
	if texts[col.idx] == "\x00" {
		texts[col.idx] = col.text(c)
	}
	return texts[col.idx]
}

// freshCells drops the cell texts worked out at another clock minute
// (SLA and age move on), or too many to keep.
func (q *queueView) freshCells() {
	minute := q.now().Format("15:04")
	if q.cellCache == nil || q.cellMinute != minute || len(q.cellCache) > 4*maxWindow {
		q.cellCache, q.cellMinute = map[string]*[7]string{}, minute
	}
}

// layoutKey names what the column layout depends on: the width, the queue
// and the cases on screen as of the clock's minute.
func (q *queueView) layoutKey() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(q.width))
	for _, s := range []string{q.query.Queue, q.query.Assignee, q.now().Format("15:04")} {
		b.WriteByte('|')
		b.WriteString(s)
	}
	for y := 0; y < q.height; y++ {
		if j := q.offset + y - q.start; j >= 0 && j < len(q.rows) {
			b.WriteByte('|')
			b.WriteString(q.rows[j].ID)
			b.WriteByte('@')
			b.WriteString(strconv.FormatInt(q.rows[j].Version, 10))
		}
	}
	return b.String()
}

func index(cols []column, title string) int {
	for i, c := range cols {
		if c.title == title {
			return i
		}
	}
	return -1
}

func has(cols []column, title string) bool { return index(cols, title) >= 0 }

func without(cols []column, title string) []column {
	if i := index(cols, title); i >= 0 {
		return append(cols[:i:i], cols[i+1:]...)
	}
	return cols
}

// fixedWidth is the marker plus every sized column and its gap.
func (q *queueView) fixedWidth(cols []column) int {
	w := 3
	for _, c := range cols {
		if c.title != "SUBJECT" {
			w += c.width + 1
		}
	}
	return w
}

// slaText says how long is left; overdue cases say so in words (and
// colour, see slaStyle).
func (q *queueView) slaText(c *model.Case, now time.Time) string {
	switch {
	case c.SLAExpiresAt.IsZero() || !c.Open():
		return "-"
	case c.Overdue(now):
		return "late " + model.FormatDuration(now.Sub(c.SLAExpiresAt))
	case c.SLAExpiresAt.Sub(now) < 4*time.Hour:
		return "due " + model.FormatDuration(c.SLAExpiresAt.Sub(now))
	default:
		return model.FormatDuration(c.SLAExpiresAt.Sub(now))
	}
}

func (q *queueView) slaStyle(c *model.Case, now time.Time) *lipgloss.Style {
	switch {
	case c.SLAExpiresAt.IsZero() || !c.Open():
		return &q.styles.dim
	case c.Overdue(now):
		return &q.styles.overdue
	case c.SLAExpiresAt.Sub(now) < 4*time.Hour:
		return &q.styles.dueSoon
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// view draws the column header, the rows on screen and nothing else.
func (q *queueView) view(focused bool) string {
	q.freshCells()
	cols := q.columns()
	var b strings.Builder
	head := "   "
	for _, c := range cols {
		head += fit(c.title, c.width) + " "
	}
	b.WriteString(q.styles.dim.Render(fit(head, q.width)))
	for y := 0; y < q.height; y++ {
		b.WriteByte('\n')
		i := q.offset + y
		if i >= q.total {
			if lines := q.emptyText(); q.total == 0 && y < len(lines) {
				b.WriteString(q.styles.dim.Render(fit("   "+lines[y], q.width)))
			}
			continue
		}
		b.WriteString(q.row(cols, i, focused))
	}
	return b.String()
}

// emptyText is what an empty queue shows; on an empty database, what to
// do first.
func (q *queueView) emptyText() []string {
	switch {
	case q.searching:
		return []string{"filtering…"}
	case q.query.Text != "":
		return []string{fmt.Sprintf("no case matches %q", clean(q.query.Text))}
	case q.noCases:
		var out []string
		for _, l := range []string{
			"No cases yet. Bring some in from a shell:",
			"• docket import FILE... (Persona case documents; leads)",
			"• docket case create --workflow default (one by hand)",
			"• docket demo (a demo database to try docket on)",
			"Then " + q.nextCaseKey + " takes the most urgent unassigned case you may.",
		} {
			for i, w := range wrapText(l, max(10, q.width-5)) {
				if i > 0 {
					w = "  " + w
				}
				out = append(out, w)
			}
		}
		return out
	default:
		return []string{"no cases here"}
	}
}

func (q *queueView) row(cols []column, i int, focused bool) string {
	j := i - q.start
	if j < 0 || j >= len(q.rows) {
		return q.styles.dim.Render(fit("   …", q.width))
	}
	c := q.rows[j]
	marker := " "
	if i == q.cursor {
		marker = "▶"
		if !focused {
			marker = "›"
		}
	}
	if q.isPicked(c) {
		marker += "●"
	} else {
		marker += " "
	}
	// A row depends on its case, its marker, the width and the clock's
	// minute (SLA and age); drawing it again at every key would cost more
	// than everything else a key does.
	key := c.ID + "@" + strconv.FormatInt(c.Version, 10) + "|" + marker + "|" + q.layoutSig + "|" + q.cellMinute
	if line, ok := q.rowCache[key]; ok {
		return line
	}
	// Cells are fitted as plain text (cheap to measure) and coloured after;
	// the columns add up to the width, so the line needs no second pass.
	var b strings.Builder
	b.WriteString(marker + " ")
	for _, col := range cols {
		text := q.cell(col, c)
		if col.fit != nil {
			text = col.fit(text, col.width)
		} else {
			text = fit(text, col.width)
		}
		if col.style != nil && i != q.cursor {
			if style := col.style(c); style != nil {
				text = style.Render(text)
			}
		}
		b.WriteString(text)
		b.WriteByte(' ')
	}
	line := b.String()
	if i == q.cursor {
		line = q.styles.selected.Render(fit(line, q.width))
	}
	if q.rowCache == nil || len(q.rowCache) > 4*maxWindow {
		q.rowCache = map[string]string{}
	}
	q.rowCache[key] = line
	return line
}

// signature names a layout for the row cache.
func signature(cols []column) string {
	var b strings.Builder
	for _, c := range cols {
		b.WriteString(c.title[:2])
		b.WriteString(strconv.Itoa(c.width))
		b.WriteByte(',')
	}
	return b.String()
}

// position says where the cursor is, for the queue's title line.
func (q *queueView) position() string {
	switch {
	case q.total == 0 && q.totalKnown:
		return "0"
	case !q.totalKnown:
		return fmt.Sprintf("%d/%d+", q.cursor+1, q.total) // counting
	}
	return fmt.Sprintf("%d/%d", q.cursor+1, q.total)
}

// ---- bulk selection ----

func (q *queueView) hasSelection() bool { return q.pickedAll || len(q.picked) > 0 }

func (q *queueView) clearSelection() { q.picked, q.pickedAll = nil, false }

func (q *queueView) toggleSelected() {
	c := q.selected()
	if c == nil {
		return
	}
	if q.pickedAll {
		return // everything is picked already
	}
	if q.picked == nil {
		q.picked = map[string]bool{}
	}
	if q.picked[c.ID] {
		delete(q.picked, c.ID)
	} else {
		q.picked[c.ID] = true
	}
}

func (q *queueView) toggleSelectAll() {
	all := !q.pickedAll
	q.clearSelection()
	q.pickedAll = all
}

func (q *queueView) isPicked(c *model.Case) bool { return q.pickedAll || q.picked[c.ID] }

// pickedCount is how many cases bulk work would touch.
func (q *queueView) pickedCount() int {
	if q.pickedAll {
		return q.total
	}
	return len(q.picked)
}

// pickedIDs lists the picked cases (reading the whole query for "all").
func (q *queueView) pickedIDs() ([]string, error) {
	if q.pickedAll {
		return q.st.IDs(q.query)
	}
	ids := make([]string, 0, len(q.picked))
	for id := range q.picked {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, nil
}
