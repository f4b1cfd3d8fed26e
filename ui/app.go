// Package ui is docket's workstation: a Bubble Tea program over the store.
// One root model owns the screen, the user, the store handle and the
// focus; keys go first to an open dialog or text input, then to the global
// bindings, then to the focused pane. Store writes run in tea.Cmds.
package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"docket/model"
	"docket/store"
	"docket/ui/jsontree"
	"docket/workflows"
)

// Options tune the workstation.
type Options struct {
	Config    Config
	Now       func() time.Time // the clock (tests fix it)
	Clipboard io.Writer        // where OSC 52 copies go (default: stdout)
	Editor    string           // for editing enrichment (default: $VISUAL, $EDITOR, vi)

	// Renderer draws every style for the terminal the workstation runs
	// on: its colour profile (NO_COLOR, 16, 256 or true colour) and its
	// background. Default: lipgloss's, for the process's own terminal.
	// Each SSH session passes its own.
	Renderer *lipgloss.Renderer

	// InAppEditor edits the enrichment in a text area of the workstation,
	// never in $VISUAL or $EDITOR: over SSH an editor process would run on
	// the server. (Locally E opens the text area, and e does too when no
	// editor is set.)
	InAppEditor bool
}

// The panes that can have the focus.
const (
	focusQueue = iota
	focusCase
)

// Minimum terminal size for the layout; smaller terminals get a notice.
const (
	minWidth  = 40
	minHeight = 10
)

// Model is the root of the workstation.
type Model struct {
	st     *store.Store
	user   model.User
	keys   KeyMap
	styles styles
	now    func() time.Time
	opts   Options
	feed   *store.Feed
	// feedStop is closed when the program has ended.
	feedStop <-chan struct{}

	width, height int
	screen        int // viewMain, viewWorkload or viewMetrics
	lead          leadViews
	focus         int
	queue         queueView
	pane          casePane
	dialog        dialog
	editor        *fieldsEditor // the enrichment being edited in the workstation
	help          bool
	helpScroll    int

	tabs         []queueTab
	activeTab    int
	workflow     string // the workflow filter, "" for all
	counts       map[string]int
	overdue      int  // open cases of the active queue past their SLA
	overdueStale bool // overdue needs counting again (see countOverdue)

	header, headerFor string // the header line as last drawn, and for what

	message      string
	messageErr   bool
	stopping     string   // why the workstation is being ended from outside (ShutdownMsg)
	warnings     []string // found at start-up: key clashes
	detailFor    string   // case id@version shown in the pane
	detailWanted string   // the one selected (shown once read)
	detailAsked  string   // the one being read
	detailFailed string   // the one whose read failed (not asked again until a refresh)
	detailErr    error    // why

	drafts map[string]string // unsent comments by case id, for the session (see keepDraft)

	// execProcess runs the editor (default tea.ExecProcess; tests run it
	// in place).
	execProcess func(*exec.Cmd, tea.ExecCallback) tea.Cmd

	// A case opened from the related list, shown instead of the selected
	// row's (see related.go).
	pinned, pinnedKey, pinnedOver, pinnedName string
	// notedCase is the case the pane's note is about when it is not pinned
	// (see afterChange): the note goes with the selection.
	notedCase string
}

// queueTab is one queue the header offers.
type queueTab struct {
	label string
	query store.Query
	count int
}

// New builds the workstation for user on an open store and reads the first
// page of My queue.
func New(st *store.Store, user model.User, opts Options) (*Model, error) {
	if opts.Now == nil {
		opts.Now = st.Now
	}
	if opts.Clipboard == nil {
		opts.Clipboard = os.Stdout
	}
	if opts.Config.Keys.bindings == nil {
		opts.Config.Keys = DefaultKeyMap()
	}
	if opts.Renderer == nil {
		opts.Renderer = lipgloss.DefaultRenderer()
	}
	s := newStyles(opts.Renderer)
	m := &Model{st: st, user: user, keys: opts.Config.Keys, styles: s, now: opts.Now, opts: opts,
		queue: newQueueView(st, s, opts.Now), pane: newCasePane(s, opts.Config.Keys, opts.Now, user)}
	m.queue.nextCaseKey = m.keys.binding("next-case").Help().Key
	m.warnings = m.keys.statusClashes(st.Workflows())
	if len(m.warnings) > 0 {
		m.flashErr(errorf("key clash: %s (? lists all)", m.warnings[0]))
	}
	if w := st.Warnings(); len(w) > 0 {
		// What the store found on opening (a redaction awaiting
		// compaction, a file others can read) outranks a key clash.
		m.flashErr(errorf("%s", w[0]))
	}
	if err := m.buildTabs(); err != nil {
		return nil, err
	}
	if err := m.switchTab(0); err != nil {
		return nil, err
	}
	m.showNow()
	return m, nil
}

// Subscribe makes the workstation follow the store's change feed until
// stop is closed (when its program has ended: nothing waits on the feed
// after that).
func (m *Model) Subscribe(f *store.Feed, stop <-chan struct{}) { m.feed, m.feedStop = f, stop }

// Init starts listening for changes made elsewhere, and counts what is
// overdue.
func (m *Model) Init() tea.Cmd { return tea.Batch(m.waitForChange(), m.countOverdue()) }

// changeMsg says that cases changed in the store.
type changeMsg store.Change

func (m *Model) waitForChange() tea.Cmd {
	if m.feed == nil {
		return nil
	}
	f, stop := m.feed, m.feedStop
	return func() tea.Msg {
		select {
		case <-f.Ready():
			return changeMsg(f.Take())
		case <-stop:
			return nil
		}
	}
}

// Update is the one place the model changes.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	model, cmd := m.update(msg)
	if m.overdueStale && len(m.tabs) > 0 {
		cmd = tea.Batch(cmd, m.countOverdue())
	}
	if load := m.loadDetail(); load != nil {
		cmd = tea.Batch(cmd, load)
	}
	if count := m.queue.countIfUnknown(); count != nil {
		cmd = tea.Batch(cmd, count)
	}
	return model, cmd
}

func (m *Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case overdueMsg:
		if msg.tab == m.activeTab {
			m.overdue = msg.n
		}
	case detailMsg:
		m.showDetail(msg)
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
	case tea.KeyMsg:
		return m, m.handleKeys(msg)
	case tea.MouseMsg:
		m.handleMouse(msg)
	case filterMsg:
		if ok, err := m.queue.applyFilter(msg); ok {
			m.report(err)
			m.showSelected()
		}
	case countMsg:
		if err := m.queue.applyCount(msg); !errors.Is(err, context.Canceled) {
			m.report(err)
		}
	case writeDoneMsg:
		m.afterWrite(msg)
	case editorDoneMsg:
		return m, m.afterEditor(msg)
	case fieldsSavedMsg:
		m.afterFieldsSaved(msg)
	case openCaseMsg:
		m.openCase(msg.c)
	case jsontree.CopyMsg:
		m.copyToClipboard(msg)
	case bulkDoneMsg:
		m.afterBulk(msg)
	case bulkPlanMsg:
		m.afterPlan(msg)
	case bulkMenuMsg:
		m.afterBulkMenu(msg)
	case availabilityMsg:
		m.afterAvailability(msg)
	case giveBackMsg:
		m.afterGiveBack(msg)
	case createdMsg:
		m.afterCreate(msg)
	case attachedMsg:
		m.afterAttach(msg)
	case changeMsg:
		m.afterChange(msg)
		return m, m.waitForChange()
	case ShutdownMsg:
		m.stopping, m.help = msg.Reason, false
		if e := m.editor; e != nil && e.changed() {
			m.stopping += fmt.Sprintf("; your edit of the enrichment of %s was not saved", e.caseName)
		}
		return m, tea.Quit
	}
	return m, nil
}

// resize lays the screen out again.
func (m *Model) resize(w, h int) {
	m.width, m.height = w, h
	qw, pw := m.paneWidths()
	bodyH := max(0, h-2) // header and footer
	m.queue.width, m.queue.height = qw, max(0, bodyH-2)
	m.pane.setSize(pw, bodyH)
	m.queue.clamp()
	m.report(m.queue.fill())
	m.sizeEditor()
}

// paneWidths splits the width between the queue and the case pane; narrow
// terminals show only the focused pane.
func (m *Model) paneWidths() (queue, pane int) {
	switch {
	case m.width < 80:
		return m.width, m.width
	case m.width < 120:
		queue = m.width / 2
	default:
		queue = m.width * 55 / 100
	}
	return queue, m.width - queue - 1
}

func (m *Model) splitScreen() bool { return m.width >= 80 }

// ---- keys ----

// handleKeys splits a burst of typed characters that arrived together
// (fast typing, or keys sent by a script) into single keys, unless a text
// input has the keyboard and wants them all.
func (m *Model) handleKeys(msg tea.KeyMsg) tea.Cmd {
	if msg.Type != tea.KeyRunes || len(msg.Runes) < 2 || msg.Paste || m.typing() {
		return m.handleKey(msg)
	}
	var cmds []tea.Cmd
	for _, r := range msg.Runes {
		cmds = append(cmds, m.handleKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}))
	}
	return tea.Sequence(cmds...)
}

// typing reports whether a text input has the keyboard.
func (m *Model) typing() bool {
	if m.dialog == nil && m.editor != nil {
		return true
	}
	switch m.dialog.(type) {
	case *commentBox, *tagEditor, *userPicker, *inputBox:
		return true
	case *newCaseForm:
		return m.dialog.(*newCaseForm).field > 0
	case *moveForm:
		return m.dialog.(*moveForm).field == 1
	}
	return m.queue.filtering || m.queue.jumping || (m.focus == focusCase && m.pane.searching())
}

func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	switch {
	case m.tooSmall():
		// Nothing can be seen, so nothing may be done but leave: a key
		// pressed blind must not decide a case.
		if msg.Type == tea.KeyCtrlC || (!m.typing() && m.keys.is(msg, "quit")) {
			return tea.Quit
		}
		return nil
	case m.help:
		m.helpKey(msg)
		return nil
	case m.dialog != nil:
		next, out := m.dialog.update(m, msg)
		m.dialog = next
		if out != nil {
			return out(m)
		}
		return nil
	case m.editor != nil:
		return m.editorKey(msg)
	case m.queue.filtering:
		return m.filterKey(msg)
	case m.queue.jumping:
		return m.jumpKey(msg)
	case m.focus == focusCase && m.pane.searching():
		return m.pane.update(msg)
	case m.screen != viewMain:
		m.message = ""
		return m.viewKey(msg)
	}
	m.message = ""
	if cmd, done := m.globalKey(msg); done {
		return cmd
	}
	if m.focus == focusCase {
		return m.pane.update(msg)
	}
	return m.queueKey(msg)
}

// globalKey handles the bindings that work wherever the focus is. done is
// false when the key is not one of them.
func (m *Model) globalKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	k := m.keys
	switch {
	case k.is(msg, "quit"):
		return tea.Quit, true
	case k.is(msg, "help"):
		m.help = true
	case k.is(msg, "next-pane"), k.is(msg, "prev-pane"):
		m.focus = 1 - m.focus
	case k.is(msg, "next-queue"):
		m.report(m.switchTab((m.activeTab + 1) % len(m.tabs)))
	case k.is(msg, "prev-queue"):
		m.report(m.switchTab((m.activeTab + len(m.tabs) - 1) % len(m.tabs)))
	case k.is(msg, "workflow"):
		m.cycleWorkflow()
	case k.is(msg, "sort"):
		m.cycleSort()
	case k.is(msg, "refresh"):
		m.refreshAll()
		m.flash("refreshed")
	case k.is(msg, "back"):
		m.back()
	case k.is(msg, "jump") && m.screen == viewMain:
		m.queue.jumping = true
		m.queue.jump.SetValue("")
		return m.queue.jump.Focus(), true
	case k.is(msg, "workload"):
		m.openWorkload()
	case k.is(msg, "metrics"):
		m.openMetrics()
	case k.is(msg, "availability"):
		return m.cycleAvailability(m.user), true
	case k.is(msg, "next-case"):
		return m.nextCase(), true
	case m.queue.hasSelection() && m.isBulkKey(msg):
		return m.bulkKey(msg), true
	case k.is(msg, "status-menu"):
		m.openStatusMenu()
	case k.is(msg, "claim"):
		return m.claim(), true
	case k.is(msg, "unassign"):
		return m.unassign(), true
	case k.is(msg, "assign"):
		m.openAssign()
	case k.is(msg, "comment"):
		m.openComment()
	case k.is(msg, "tags"):
		m.openTags()
	case k.is(msg, "sla"):
		m.openSLA()
	case k.is(msg, "edit"):
		if m.opts.InAppEditor || !m.editorSet() {
			m.openFieldsEditor()
			return nil, true
		}
		return m.editEnrichment(), true
	case k.is(msg, "edit-here"):
		m.openFieldsEditor()
	case k.is(msg, "new-case"):
		m.openNewCase()
	case k.is(msg, "attach"):
		m.openAttach()
	case k.is(msg, "detach"):
		m.openDetach()
	case k.is(msg, "redact"):
		m.openRedact()
	default:
		if tab, ok := m.tabKey(msg); ok {
			// The focus stays: j/k keep moving through the queue. Where
			// only one pane fits, the case pane is shown to show the tab.
			m.pane.tab = tab
			if !m.splitScreen() {
				m.focus = focusCase
			}
			return nil, true
		}
		if st := m.statusForKey(msg); st != nil {
			return m.beginMove(st, false), true
		}
		return nil, false
	}
	return nil, true
}

func (m *Model) tabKey(msg tea.KeyMsg) (int, bool) {
	names := []Action{"tab-overview", "tab-inquiries", "tab-accounts", "tab-reports", "tab-enrichment", "tab-history"}
	for i, a := range names {
		if m.keys.is(msg, a) {
			return i, true
		}
	}
	return 0, false
}

// statusForKey finds the status the key stands for in the selected case's
// workflow (the move itself acts only on the case the pane shows).
func (m *Model) statusForKey(msg tea.KeyMsg) *workflows.Status {
	c := m.queue.selected()
	if p := m.pinnedCase(); p != nil {
		c = p
	}
	if c == nil {
		return nil
	}
	w, err := m.st.Workflow(c.Workflow)
	if err != nil {
		return nil
	}
	return w.ByKey(msg.String())
}

// back leaves whatever transient state there is: an object or list open
// in the case pane, a case opened from the related list, the case pane,
// then a selection, then a kept filter.
func (m *Model) back() {
	switch {
	case m.focus == focusCase && m.pane.back():
	case m.unpin():
		m.showSelected()
	case m.focus == focusCase:
		m.focus = focusQueue
	case m.queue.hasSelection():
		m.queue.clearSelection()
		m.flash("selection cleared")
	case m.queue.query.Text != "":
		m.clearFilter()
	}
}

func (m *Model) queueKey(msg tea.KeyMsg) tea.Cmd {
	q, k := &m.queue, m.keys
	var err error
	switch {
	case k.is(msg, "down"):
		err = q.move(q.cursor + 1)
	case k.is(msg, "up"):
		err = q.move(q.cursor - 1)
	case k.is(msg, "half-down"):
		err = q.move(q.cursor + max(1, q.height/2))
	case k.is(msg, "half-up"):
		err = q.move(q.cursor - max(1, q.height/2))
	case k.is(msg, "page-down"):
		err = q.move(q.cursor + max(1, q.height))
	case k.is(msg, "page-up"):
		err = q.move(q.cursor - max(1, q.height))
	case k.is(msg, "top"):
		err = q.top()
	case k.is(msg, "bottom"):
		err = q.bottom()
	case k.is(msg, "filter"):
		q.filtering = true
		q.filter.SetValue(q.query.Text)
		q.filter.CursorEnd()
		return q.filter.Focus()
	case k.is(msg, "open"):
		m.focus = focusCase
		return nil
	case k.is(msg, "select"):
		q.toggleSelected()
		err = q.move(q.cursor + 1)
	case k.is(msg, "select-all"):
		q.toggleSelectAll()
		return nil
	default:
		return nil
	}
	m.report(err)
	m.showSelected()
	return nil
}

// filterKey edits the queue filter: every keystroke filters again; enter
// keeps the filter, esc clears it.
func (m *Model) filterKey(msg tea.KeyMsg) tea.Cmd {
	q := &m.queue
	switch msg.String() {
	case "esc":
		m.clearFilter()
		return nil
	case "enter":
		q.filtering = false
		q.filter.Blur()
		if q.searching {
			// The answer is still on its way: wait for it here, so that the
			// next key acts on the case the reviewer will see selected.
			q.filterSeq++
			q.searching = false
			m.report(q.setQuery(q.query))
			m.showSelected()
		}
		return nil
	case "up", "down":
		m.queueKey(msg)
		return nil
	}
	before := q.filter.Value()
	var cmd tea.Cmd
	q.filter, cmd = updateInput(q.filter, msg)
	if q.filter.Value() == before {
		return cmd
	}
	return tea.Batch(cmd, q.runFilter())
}

// jumpKey edits the jump input: enter goes to the case named, esc gives up.
func (m *Model) jumpKey(msg tea.KeyMsg) tea.Cmd {
	q := &m.queue
	switch msg.String() {
	case "esc", "enter":
		q.jumping = false
		q.jump.Blur()
		if msg.String() == "enter" {
			m.jumpTo(strings.TrimSpace(q.jump.Value()))
		}
		return nil
	}
	var cmd tea.Cmd
	q.jump, cmd = updateInput(q.jump, msg)
	return cmd
}

// jumpTo selects the case named ref wherever it is: in the Open or Closed
// queue (the workflow filter dropped if it hides the case), filtered by its
// name so it is on screen at once; esc clears the filter and keeps it
// selected.
func (m *Model) jumpTo(ref string) {
	if ref == "" {
		return
	}
	c, err := m.st.Case(ref)
	if err != nil {
		m.report(err)
		return
	}
	if m.workflow != "" && m.workflow != c.Workflow {
		m.workflow = ""
		m.report(m.buildTabs())
	}
	queue := store.QueueClosed
	if c.Open() {
		queue = store.QueueOpen
	}
	for i, t := range m.tabs {
		if t.query.Queue == queue && t.query.Assignee == "" {
			m.activeTab = i
			m.overdueStale = true
			q := t.query
			q.Sort, q.Text = m.queue.query.Sort, c.Name
			if q.Sort == "" {
				q.Sort = store.SortSLA
			}
			m.report(m.queue.setQuery(q))
			m.report(m.queue.seek(c.ID))
			m.showSelected()
			return
		}
	}
}

func (m *Model) clearFilter() {
	q := &m.queue
	q.filtering = false
	q.filter.Blur()
	q.filter.SetValue("")
	q.filterSeq++ // drop answers still on their way
	q.searching = false
	if q.query.Text != "" {
		var keep string
		if c := q.selected(); c != nil {
			keep = c.ID
		}
		q.query.Text = ""
		m.report(q.setQuery(q.query))
		m.report(q.seek(keep))
		m.showSelected()
	}
}

// tooSmall reports a terminal the layout cannot fit: the screen says so
// and nothing else.
func (m *Model) tooSmall() bool { return m.width < minWidth || m.height < minHeight }

// ---- mouse ----

func (m *Model) handleMouse(msg tea.MouseMsg) {
	if m.dialog != nil || m.editor != nil || m.help || m.tooSmall() || m.screen != viewMain {
		return // the queue and case pane are hidden: clicks must not reach them
	}
	inQueue := !m.splitScreen() && m.focus == focusQueue || m.splitScreen() && msg.X < m.queue.width
	switch {
	case msg.Button == tea.MouseButtonWheelDown || msg.Button == tea.MouseButtonWheelUp:
		step := 3
		if msg.Button == tea.MouseButtonWheelUp {
			step = -3
		}
		if inQueue {
			m.report(m.queue.move(m.queue.cursor + step))
			m.showSelected()
		} else {
			m.pane.scrollWheel(step)
		}
	case msg.Action == tea.MouseActionPress && msg.Button == tea.MouseButtonLeft:
		m.click(msg.X, msg.Y, inQueue)
	}
}

// click selects a queue row or a case tab. The queue's rows start below the
// header, the queue title and the column header.
func (m *Model) click(x, y int, inQueue bool) {
	if inQueue {
		if i, ok := m.queue.rowAt(y - 3); ok {
			m.focus = focusQueue
			m.report(m.queue.move(i))
			m.showSelected()
		}
		return
	}
	left := 0
	if m.splitScreen() {
		left = m.queue.width + 1
	}
	m.focus = focusCase
	if y == 1 {
		if tab, ok := m.pane.tabAt(x - left); ok {
			m.pane.tab = tab
		}
	}
}
