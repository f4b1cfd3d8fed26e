package ui

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"

	"github.com/aymanbagabas/go-osc52/v2"
	tea "github.com/charmbracelet/bubbletea"

	"docket/model"
	"docket/store"
	"docket/ui/jsontree"
	"docket/workflows"
)

func errorf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// flash shows a transient message in the footer until the next key.
func (m *Model) flash(s string) { m.message, m.messageErr = s, false }

// flashErr shows why something was refused or failed.
func (m *Model) flashErr(err error) { m.message, m.messageErr = err.Error(), true }

// report flashes err if there is one.
func (m *Model) report(err error) {
	if err != nil {
		m.flashErr(err)
	}
}

// ---- queues ----

// buildTabs lists the queues in the header: the named ones, and for leads
// each reviewer's open cases.
func (m *Model) buildTabs() error {
	base := store.Query{Actor: m.user.Name, Workflow: m.workflow}
	tab := func(label, queue string) queueTab {
		q := base
		q.Queue = queue
		return queueTab{label: label, query: q}
	}
	m.tabs = []queueTab{tab("My queue", store.QueueMine), tab("Unassigned", store.QueueUnassigned),
		tab("Open", store.QueueOpen), tab("Closed", store.QueueClosed)}
	if m.user.Role.AtLeast(model.RoleLead) {
		users, err := m.st.Users()
		if err != nil {
			return err
		}
		for _, u := range users {
			if u.Role == model.RoleReviewer || u.Name != m.user.Name && u.Role == model.RoleLead {
				q := base
				q.Queue, q.Assignee = store.QueueOpen, u.Name
				m.tabs = append(m.tabs, queueTab{label: u.Name, query: q})
			}
		}
	}
	return m.refreshCounts()
}

// refreshCounts reads every tab's count from the store's counters.
func (m *Model) refreshCounts() error {
	counts, err := m.st.Counts(m.user.Name)
	if err != nil {
		return err
	}
	load, err := m.st.AssigneeCounts()
	if err != nil {
		return err
	}
	m.counts = counts
	m.overdueStale = true
	for i := range m.tabs {
		t := &m.tabs[i]
		switch {
		case m.workflow != "":
			// Counters are per queue; with a workflow filter, ask the index.
			q := t.query
			q.Limit = 1
			page, err := m.st.List(q)
			if err != nil {
				return err
			}
			t.count = page.Total
		case t.query.Assignee != "":
			t.count = load[t.query.Assignee]
		default:
			t.count = counts[t.query.Queue]
		}
	}
	return nil
}

func (m *Model) switchTab(i int) error {
	m.activeTab = i
	m.overdueStale = true
	q := m.tabs[i].query
	q.Sort, q.Text = m.queue.query.Sort, m.queue.query.Text
	if q.Sort == "" {
		q.Sort = store.SortSLA
	}
	err := m.queue.setQuery(q)
	m.showSelected()
	return err
}

// cycleWorkflow steps the workflow filter through every workflow and back
// to all.
func (m *Model) cycleWorkflow() {
	ids := []string{""}
	for _, w := range m.st.Workflows() {
		ids = append(ids, w.ID)
	}
	i := slices.Index(ids, m.workflow)
	m.workflow = ids[(i+1)%len(ids)]
	m.report(m.buildTabs())
	m.report(m.switchTab(m.activeTab))
}

func (m *Model) cycleSort() {
	order := []store.Sort{store.SortSLA, store.SortNewest, store.SortOldest}
	i := slices.Index(order, m.queue.query.Sort)
	q := m.queue.query
	q.Sort = order[(i+1)%len(order)]
	m.report(m.queue.setQuery(q))
	m.showSelected()
}

// refreshAll re-reads counts, the queue window and the case on display
// (and tries again a case that could not be read).
func (m *Model) refreshAll() {
	m.report(m.refreshCounts())
	m.report(m.queue.refresh())
	m.detailFor, m.detailFailed = "", ""
	m.showSelected()
}

// actionCase is the case an action key acts on: the one the pane has read
// and shows, and only while it is the selected row's. Otherwise nothing is
// acted on, the footer says why, and it returns nil: the workstation never
// acts on a case other than the one on display.
func (m *Model) actionCase() *model.Case {
	sel := m.queue.selected()
	d := m.pane.detail
	switch {
	case m.pinned != "":
		if c := m.pinnedCase(); c != nil {
			return c
		}
		m.flashErr(fmt.Errorf("%s is still being read; nothing was done", m.pinnedName))
	case sel == nil:
		m.flashErr(errors.New("no case selected"))
	case d != nil && d.Case.ID == sel.ID:
		return d.Case
	case m.detailFailed != "" && m.detailFailed == m.detailWanted:
		m.flashErr(fmt.Errorf("%s could not be read: %v; nothing was done", sel.Name, m.detailErr))
	default:
		m.flashErr(fmt.Errorf("%s is still being read; nothing was done", sel.Name))
	}
	return nil
}

// showSelected asks for the selected case to be shown in the pane. The
// case is read off the UI goroutine (see loadDetail), so moving through the
// queue never waits for a case's objects and history.
func (m *Model) showSelected() {
	c := m.queue.selected()
	if m.keepPinned(c) {
		return
	}
	if m.notedCase != "" && (c == nil || c.ID != m.notedCase) {
		m.pane.pinnedNote, m.notedCase = "", ""
	}
	if c == nil {
		m.pane.show(nil, nil)
		m.detailFor, m.detailWanted = "", ""
		return
	}
	m.detailWanted = fmt.Sprintf("%s@%d", c.ID, c.Version)
}

// detailMsg brings a case read for the pane.
type detailMsg struct {
	key string
	d   *store.Detail
	err error
}

// loadDetail reads the wanted case unless it is shown, on its way, or
// could not be read (a refresh tries again).
func (m *Model) loadDetail() tea.Cmd {
	key := m.detailWanted
	if key == "" || key == m.detailFor || key == m.detailAsked || key == m.detailFailed {
		return nil
	}
	m.detailAsked = key
	st, id := m.st, key[:strings.LastIndexByte(key, '@')]
	return func() tea.Msg {
		d, err := st.CaseDetail(id)
		return detailMsg{key: key, d: d, err: err}
	}
}

// showDetail puts a case read by loadDetail in the pane, unless another
// case was selected meanwhile. A case that cannot be read replaces the
// one shown by the reason, so the pane never shows one case while another
// is selected.
func (m *Model) showDetail(msg detailMsg) {
	if msg.key == m.detailAsked {
		m.detailAsked = ""
	}
	if msg.key != m.detailWanted {
		return
	}
	if msg.err != nil {
		name := msg.key
		if sel := m.queue.selected(); sel != nil {
			name = sel.Name
		}
		m.detailFailed, m.detailErr, m.detailFor = msg.key, msg.err, ""
		why := fmt.Errorf("%s could not be read: %w", name, msg.err)
		m.pane.showUnreadable(why.Error())
		m.flashErr(why)
		return
	}
	w, _ := m.st.Workflow(msg.d.Case.Workflow)
	m.pane.show(msg.d, w)
	m.detailFor = msg.key
}

// showNow reads the wanted case at once: for the first frame.
func (m *Model) showNow() {
	if cmd := m.loadDetail(); cmd != nil {
		if msg, ok := cmd().(detailMsg); ok {
			m.showDetail(msg)
		}
	}
}

// ---- writes ----

// writeDoneMsg reports a store write that ran in a tea.Cmd.
type writeDoneMsg struct {
	done   string // what to say when it worked
	err    error
	caseID string
	index  int  // queue position of the case when the write began
	next   bool // select the next case afterwards (after a decision)
	show   bool // go to My queue and select the case (after next case)
	sent   bool // the write carried the case's draft comment: drop it once saved
}

// write runs an operation on case c (taken from actionCase when the action
// began) off the UI goroutine, with the version the reviewer saw, so a
// change made meanwhile is refused, not overwritten.
func (m *Model) write(c *model.Case, done string, next bool, op func(st *store.Store, t store.Target) (*model.Case, error)) tea.Cmd {
	st, t := m.st, store.Target{Actor: m.user.Name, Case: c.ID, Expect: c.Version}
	msg := writeDoneMsg{done: done, caseID: c.ID, index: m.queue.cursor, next: next}
	return func() tea.Msg {
		_, msg.err = op(st, t)
		return msg
	}
}

func (m *Model) afterWrite(msg writeDoneMsg) {
	m.refreshAll()
	if msg.err != nil {
		if msg.sent {
			msg.err = fmt.Errorf("%w; your comment is kept as a draft", msg.err)
		}
		m.flashErr(msg.err)
		return
	}
	if msg.sent {
		delete(m.drafts, msg.caseID)
	}
	m.flash(msg.done)
	switch {
	case msg.next:
		m.selectNext(msg)
	case msg.show:
		m.showInMyQueue(msg.caseID)
	}
}

// showInMyQueue switches to My queue with the case selected.
func (m *Model) showInMyQueue(id string) {
	m.report(m.switchTab(0))
	for i, c := range m.queue.rows {
		if c.ID == id {
			m.report(m.queue.move(m.queue.start + i))
			m.showSelected()
			return
		}
	}
}

// selectNext moves on after a decision: if the case left the queue, the
// one that took its place; if it stayed, the one after it.
func (m *Model) selectNext(msg writeDoneMsg) {
	q := &m.queue
	target := msg.index
	if c := q.selected(); c != nil && q.cursor == msg.index && c.ID == msg.caseID {
		target++
	} else if i := slices.IndexFunc(q.rows, func(c *model.Case) bool { return c.ID == msg.caseID }); i >= 0 && q.start+i == msg.index {
		target++
	}
	m.report(q.move(min(target, q.total-1)))
	m.showSelected()
}

// pendingMove is a status change being put together: the reason and
// comment asked for, then the confirmation.
type pendingMove struct {
	caseID, caseName string
	version          int64
	status           *workflows.Status
	reason, comment  string
	bulk             bool      // the selection, not one case
	ids              []string  // the selection's cases
	form             *moveForm // the form it was put together in, if any
}

// draftKey is whose draft comment the move's comment is: the case's, or
// the selection's.
func (pm pendingMove) draftKey() string { return pm.caseID }

// keepDraft keeps text as the unsent comment of a case ("" forgets it),
// for the session: the next comment form on the case starts from it.
func (m *Model) keepDraft(key, text string) {
	if text == "" {
		delete(m.drafts, key)
		return
	}
	if m.drafts == nil {
		m.drafts = map[string]string{}
	}
	m.drafts[key] = text
}

// beginMove starts moving the case to st: refused moves say why at once;
// a required reason or comment, or with full any reason the status takes,
// is asked for in the form; ending moves are confirmed.
func (m *Model) beginMove(st *workflows.Status, full bool) tea.Cmd {
	c := m.actionCase()
	if c == nil {
		return nil
	}
	if err := m.checkMove(c, st); err != nil {
		m.flashErr(err)
		return nil
	}
	pm := pendingMove{caseID: c.ID, caseName: c.Name, version: c.Version, status: st}
	if needsForm(st, full) {
		m.dialog = newMoveForm(m, pm, 0)
		return nil
	}
	return m.confirmOrRun(pm)
}

// needsForm says whether moving to st asks for a reason or comment first.
func needsForm(st *workflows.Status, full bool) bool {
	return st.RequireComment || st.RequireReason || full && len(st.Reasons) > 0
}

// checkMove previews the store's rules so that nobody types a comment for
// a move that will be refused anyway. The store checks again when writing.
func (m *Model) checkMove(c *model.Case, st *workflows.Status) error {
	if err := model.Authorize(m.user, model.ActStatus, c); err != nil {
		return err
	}
	w, err := m.st.Workflow(c.Workflow)
	if err != nil {
		return err
	}
	if strings.EqualFold(c.Status, st.Name) {
		return fmt.Errorf("%s is already %s", c.Name, st.Name)
	}
	for _, o := range w.Options(m.user, c.Name, c.Status, m.took(c)) {
		if o.Status.Name == st.Name && !o.Allowed {
			return errors.New(o.Why)
		}
	}
	return nil
}

// took is who took which status on case c, from the audit trail on
// display (the store checks against the stored one).
func (m *Model) took(c *model.Case) map[string]string {
	if d := m.pane.detail; d != nil && d.Case.ID == c.ID {
		return model.TookStatuses(d.Events)
	}
	return nil
}

// confirmOrRun makes a move once its form (if any) is done: a move of the
// selection is planned and confirmed, an ending move confirmed, any other
// made at once.
func (m *Model) confirmOrRun(pm pendingMove) tea.Cmd {
	if pm.bulk {
		return m.planBulkMove(pm)
	}
	if pm.status.Type != model.End {
		return m.runMove(pm)
	}
	q := fmt.Sprintf("Move %s to %s?%s This decides the case.", clean(pm.caseName), pm.status.Name, moveText(pm))
	m.dialog = m.moveConfirm(pm, q, nil, func(m *Model) tea.Cmd { return m.runMove(pm) })
	return nil
}

// moveConfirm asks before a move: n and esc go back to the form the move
// came from, r and m open it on the reason or the comment.
func (m *Model) moveConfirm(pm pendingMove, question string, details []string, run outcome) *confirm {
	d := &confirm{question: question, details: details, yesLabel: pm.status.Name, onYes: run}
	if pm.form != nil {
		d.back = pm.form
	}
	reopen := func(field int) outcome {
		return func(m *Model) tea.Cmd {
			f := pm.form
			if f == nil {
				f = newMoveForm(m, pm, field)
			}
			f.focus(field)
			m.dialog = f
			return nil
		}
	}
	if len(pm.status.Reasons) > 0 {
		d.onReason = reopen(0)
	}
	d.onNote = reopen(1)
	return d
}

// moveText says the reason and comment a move carries, for its
// confirmation.
func moveText(pm pendingMove) string {
	var s string
	if pm.reason != "" {
		s += " Reason: " + pm.reason + "."
	}
	if pm.comment != "" {
		first, _, more := strings.Cut(pm.comment, "\n")
		first = clip(clean(first), 60)
		if more {
			first += " …"
		}
		s += " Comment: “" + first + "”."
	}
	return s
}

func (m *Model) runMove(pm pendingMove) tea.Cmd {
	ch := store.StatusChange{Status: pm.status.Name, Reason: pm.reason, Comment: pm.comment}
	msg := writeDoneMsg{done: fmt.Sprintf("%s → %s", pm.caseName, pm.status.Name), caseID: pm.caseID, index: m.queue.cursor,
		next: true, sent: pm.form != nil}
	st, t := m.st, store.Target{Actor: m.user.Name, Case: pm.caseID, Expect: pm.version}
	return func() tea.Msg {
		_, msg.err = st.SetStatus(t, ch)
		return msg
	}
}

func (m *Model) openStatusMenu() {
	c := m.actionCase()
	if c == nil {
		return
	}
	w, err := m.st.Workflow(c.Workflow)
	if err != nil {
		m.flashErr(err)
		return
	}
	menu := &statusMenu{caseName: c.Name, options: w.Options(m.user, c.Name, c.Status, m.took(c)),
		blocked: model.Authorize(m.user, model.ActStatus, c)}
	m.dialog = menu
}

func (m *Model) claim() tea.Cmd {
	c := m.actionCase()
	if c == nil {
		return nil
	}
	return m.write(c, c.Name+" is yours", false, func(st *store.Store, t store.Target) (*model.Case, error) { return st.Claim(t) })
}

func (m *Model) unassign() tea.Cmd {
	c := m.actionCase()
	if c == nil {
		return nil
	}
	return m.write(c, c.Name+" is unassigned", false, func(st *store.Store, t store.Target) (*model.Case, error) { return st.Unassign(t) })
}

// openAssign offers the user picker to leads; a reviewer is told why not.
func (m *Model) openAssign() {
	c := m.actionCase()
	if c == nil {
		return
	}
	if err := model.AuthorizeAssign(m.user, c, "\x00someone else"); err != nil {
		m.flashErr(fmt.Errorf("%v; press %s to claim it yourself", err, m.keys.binding("claim").Help().Key))
		return
	}
	users, err := m.st.Users()
	if err != nil {
		m.flashErr(err)
		return
	}
	load, err := m.st.AssigneeCounts()
	if err != nil {
		m.flashErr(err)
		return
	}
	sort.Slice(users, func(i, j int) bool { return users[i].Name < users[j].Name })
	m.dialog = newUserPicker(m.styles, c.Name, users, load, func(m *Model, to string) tea.Cmd { return m.assignTo(c, to) })
}

// assignTo gives case c (the one the picker was opened for) to user to.
func (m *Model) assignTo(c *model.Case, to string) tea.Cmd {
	done := c.Name + " assigned to " + to
	if to == "" {
		done = c.Name + " is unassigned"
	}
	return m.write(c, done, false, func(st *store.Store, t store.Target) (*model.Case, error) { return st.Assign(t, to) })
}

func (m *Model) openComment() {
	c := m.actionCase()
	if c == nil {
		return
	}
	m.dialog = newCommentBox(m, c.ID, c.Name, func(m *Model, body string) tea.Cmd {
		cmd := m.write(c, "comment saved", false, func(st *store.Store, t store.Target) (*model.Case, error) { return st.Comment(t, body) })
		return func() tea.Msg {
			msg := cmd().(writeDoneMsg)
			msg.sent = true
			return msg
		}
	})
}

func (m *Model) openTags() {
	c := m.actionCase()
	if c == nil {
		return
	}
	m.dialog = newTagEditor(m.styles, c.Name, c.Tags, func(m *Model, add, remove []string) tea.Cmd {
		return m.write(c, "tags saved", false, func(st *store.Store, t store.Target) (*model.Case, error) { return st.Tag(t, add, remove) })
	})
}

// ---- enrichment in $EDITOR ----

// editorDoneMsg comes back when the editor exits.
type editorDoneMsg struct {
	path     string
	before   []byte
	caseID   string
	caseName string
	version  int64
	err      error
}

// editEnrichment opens the case's fields, pretty-printed, in the user's
// editor. The store checks the permission when the edit is saved.
func (m *Model) editEnrichment() tea.Cmd {
	c := m.actionCase()
	if c == nil {
		return nil
	}
	if err := model.Authorize(m.user, model.ActFields, c); err != nil {
		m.flashErr(err)
		return nil
	}
	f, err := os.CreateTemp("", "docket-"+c.Name+"-*.json")
	if err != nil {
		m.flashErr(err)
		return nil
	}
	_, err = f.Write(append(prettyJSON(c.Fields), '\n'))
	f.Close()
	if err != nil {
		os.Remove(f.Name())
		m.flashErr(err)
		return nil
	}
	return m.openEditor(editorDoneMsg{path: f.Name(), before: c.Fields, caseID: c.ID, caseName: c.Name, version: c.Version})
}

// openEditor runs the editor on the edit's file, the terminal handed over
// to it until it exits.
func (m *Model) openEditor(msg editorDoneMsg) tea.Cmd {
	args, err := editorCommand(m.opts.Editor, os.Getenv)
	if err != nil {
		os.Remove(msg.path)
		m.flashErr(fmt.Errorf("%v; nothing saved", err))
		return nil
	}
	run := m.execProcess
	if run == nil {
		run = tea.ExecProcess
	}
	return run(exec.Command(args[0], append(args[1:], msg.path)...), func(err error) tea.Msg {
		msg.err = err
		return msg
	})
}

// afterEditor validates the edited document and saves the difference as a
// merge patch. A document that is not a JSON object is not lost: the
// editor can open again on it, with the reason on top.
func (m *Model) afterEditor(msg editorDoneMsg) tea.Cmd {
	if msg.err != nil {
		os.Remove(msg.path)
		m.flashErr(fmt.Errorf("editor: %v; nothing saved", msg.err))
		return nil
	}
	raw, err := os.ReadFile(msg.path)
	if err != nil {
		os.Remove(msg.path)
		m.flashErr(err)
		return nil
	}
	after := stripEditorNotes(raw)
	patch, err := model.MergeDiff(msg.before, after)
	if err != nil {
		m.offerEditAgain(msg, after, err)
		return nil
	}
	os.Remove(msg.path)
	if string(patch) == "{}" {
		m.flash("enrichment unchanged")
		return nil
	}
	st, t := m.st, store.Target{Actor: m.user.Name, Case: msg.caseID, Expect: msg.version}
	done := writeDoneMsg{done: "enrichment of " + msg.caseName + " saved", caseID: msg.caseID, index: m.queue.cursor}
	return func() tea.Msg {
		_, done.err = st.UpdateFields(t, patch)
		return done
	}
}

// editorNote starts the lines docket puts on top of an edit it reopens:
// they say what was wrong and are taken off before the edit is read.
const editorNote = "// docket: "

// offerEditAgain asks whether to reopen the editor on a document that
// could not be read, with the reason on top; "Edit again" has the focus.
func (m *Model) offerEditAgain(msg editorDoneMsg, text []byte, why error) {
	note := editorNote + strings.ReplaceAll(why.Error(), "\n", " ") + "\n" +
		editorNote + "fix it and save; these lines are taken off before it is read\n"
	if err := os.WriteFile(msg.path, append([]byte(note), text...), 0o600); err != nil {
		os.Remove(msg.path)
		m.flashErr(fmt.Errorf("%v; and the edit could not be kept: %v", why, err))
		return
	}
	m.flashErr(fmt.Errorf("%v; nothing saved yet", why))
	m.dialog = &confirm{
		question: fmt.Sprintf("The enrichment of %s as edited cannot be saved: %v. Edit it again (your text, with this reason on top)?", clean(msg.caseName), why),
		yesLabel: "Edit again", noLabel: "Drop the edit", focus: 1,
		onYes: func(m *Model) tea.Cmd { return m.openEditor(msg) },
		onNo: func(m *Model) tea.Cmd {
			os.Remove(msg.path)
			m.flash("edit dropped; nothing saved")
			return nil
		},
	}
}

// stripEditorNotes takes docket's note lines off the top of an edit.
func stripEditorNotes(raw []byte) []byte {
	for bytes.HasPrefix(raw, []byte(editorNote)) {
		i := bytes.IndexByte(raw, '\n')
		if i < 0 {
			return nil
		}
		raw = raw[i+1:]
	}
	return raw
}

// ---- clipboard ----

// copyToClipboard sends text to the terminal's clipboard with OSC 52.
func (m *Model) copyToClipboard(msg jsontree.CopyMsg) {
	if _, err := osc52.New(msg.Text).WriteTo(m.opts.Clipboard); err != nil {
		m.flashErr(err)
		return
	}
	m.flash("copied " + msg.What + " " + clip(clean(msg.Text), 60))
}

// overdueMsg brings the overdue count of a queue, counted off the UI
// goroutine: it walks every overdue case of the queue, which on a large
// queue would hold up the first frame.
type overdueMsg struct {
	tab int
	n   int
}

func (m *Model) countOverdue() tea.Cmd {
	m.overdueStale = false
	st, tab, q := m.st, m.activeTab, m.tabs[m.activeTab].query
	return func() tea.Msg {
		n, err := st.OverdueCount(q)
		if err != nil {
			return nil
		}
		return overdueMsg{tab: tab, n: n}
	}
}
