package ui

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"docket/model"
	"docket/store"
	"docket/workflows"
)

// Bulk work goes in three steps: what to do (a picker, the tags, an SLA,
// a status and its form), the store's plan of it (how many cases it
// touches, which it would refuse and why, and for an assignment which the
// new assignee could not move on), confirmed with Cancel focused, then the
// run on the very cases planned.

// isBulkKey says whether a key acts on the whole selection (see bulkKey).
func (m *Model) isBulkKey(msg tea.KeyMsg) bool {
	k := m.keys
	return k.is(msg, "assign") || k.is(msg, "tags") || k.is(msg, "status-menu") || k.is(msg, "sla") || m.statusForKey(msg) != nil
}

// bulkKey handles a key that acts on the whole selection.
func (m *Model) bulkKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	switch {
	case k.is(msg, "assign"):
		m.openBulkAssign()
	case k.is(msg, "tags"):
		m.dialog = newTagEditor(m.styles, m.selectionLabel(), nil, (*Model).bulkTag)
	case k.is(msg, "status-menu"):
		return m.openBulkStatus()
	case k.is(msg, "sla"):
		m.dialog = newSLABox(m.styles, m.selectionLabel(), "", (*Model).bulkSLA)
	default:
		m.flashErr(fmt.Errorf("%s selected: press %s to move them all, esc to clear the selection",
			m.selectionLabel(), k.binding("status-menu").Help().Key))
	}
	return nil
}

func (m *Model) selectionLabel() string {
	return fmt.Sprintf("%d selected case(s)", m.queue.pickedCount())
}

// selectionIDs returns a function that lists the selected cases, reading
// the whole query when every case is picked. It runs on another goroutine
// while keys may pick more cases, so it works on its own copy.
func (m *Model) selectionIDs() func() ([]string, error) {
	q := &m.queue
	st, pickedAll, picked, query := m.st, q.pickedAll, maps.Clone(q.picked), q.query
	return func() ([]string, error) {
		v := queueView{st: st, query: query, picked: picked, pickedAll: pickedAll}
		return v.pickedIDs()
	}
}

// bulkOp is one store bulk operation (or its plan) on a list of cases.
type bulkOp func(st *store.Store, actor string, ids []string) (store.BulkResult, error)
type planOp func(st *store.Store, actor string, ids []string) (store.BulkPlan, error)

// bulkChange is a bulk change on its way to being confirmed.
type bulkChange struct {
	question func(n int) string // "Assign the 12 selected cases to mia?"
	verb     string             // for the result: "assigned to mia"
	yes      string             // the confirming button
	run      bulkOp
	move     *pendingMove // a status move: its form and r/m
	assignee string       // an assignment: to whom
}

// bulkPlanMsg brings the plan of a bulk change.
type bulkPlanMsg struct {
	change bulkChange
	ids    []string
	plan   store.BulkPlan
	err    error
}

// planBulk plans a change of the selection (ids, when already listed)
// off the UI goroutine; afterPlan asks to confirm it.
func (m *Model) planBulk(ids []string, ch bulkChange, plan planOp) tea.Cmd {
	if ids == nil && !m.queue.hasSelection() {
		return nil
	}
	list, st, actor := m.selectionIDs(), m.st, m.user.Name
	return func() tea.Msg {
		msg := bulkPlanMsg{change: ch, ids: ids}
		if msg.ids == nil {
			if msg.ids, msg.err = list(); msg.err != nil {
				return msg
			}
		}
		msg.plan, msg.err = plan(st, actor, msg.ids)
		return msg
	}
}

// afterPlan shows the plan and asks to go ahead; a plan that changes
// nothing is only shown.
func (m *Model) afterPlan(msg bulkPlanMsg) {
	if msg.err != nil {
		m.flashErr(msg.err)
		return
	}
	p, ch := msg.plan, msg.change
	details := planLines(p, ch.assignee)
	question := ch.question(p.Cases())
	if len(p.Changed) == 0 {
		m.dialog = &resultBox{title: question + " Nothing would change.", lines: details}
		return
	}
	run := func(m *Model) tea.Cmd {
		return m.runBulk(ch.verb, msg.ids, ch.run, ch.move != nil && ch.move.form != nil)
	}
	if ch.move != nil {
		d := m.moveConfirm(*ch.move, question, details, run)
		d.yesLabel = ch.yes
		m.dialog = d
		return
	}
	m.dialog = &confirm{question: question, details: details, yesLabel: ch.yes, onYes: run}
}

// planLines says what a plan would do: how many cases change, what is
// noted, then each case refused, and each the new assignee (who) could
// not move on, with why.
func planLines(p store.BulkPlan, who string) []string {
	counts := fmt.Sprintf("%d would change", len(p.Changed))
	if len(p.Unchanged) > 0 {
		counts += fmt.Sprintf(", %d already so", len(p.Unchanged))
	}
	if len(p.Refused) > 0 {
		counts += fmt.Sprintf(", %d refused", len(p.Refused))
	}
	lines := append([]string{counts + "."}, p.Notes...)
	if len(p.Refused) > 0 {
		lines = append(lines, "Refused:")
		lines = append(lines, refusalLines(p.Refused)...)
	}
	if len(p.Stuck) > 0 {
		lines = append(lines, fmt.Sprintf("%s could not move %d of them on:", clean(who), len(p.Stuck)))
		lines = append(lines, refusalLines(p.Stuck)...)
	}
	return lines
}

func refusalLines(rs []store.BulkRefusal) []string {
	var out []string
	for _, r := range rs {
		out = append(out, "  "+clean(r.Case)+": "+clean(r.Reason))
	}
	return out
}

// bulkDoneMsg reports a bulk operation.
type bulkDoneMsg struct {
	verb string
	res  store.BulkResult
	err  error
	sent bool // it carried the selection's draft comment
}

// runBulk runs a confirmed bulk change on the cases planned, off the UI
// goroutine.
func (m *Model) runBulk(verb string, ids []string, op bulkOp, sent bool) tea.Cmd {
	st, actor := m.st, m.user.Name
	return func() tea.Msg {
		res, err := op(st, actor, ids)
		return bulkDoneMsg{verb: verb, res: res, err: err, sent: sent}
	}
}

func (m *Model) afterBulk(msg bulkDoneMsg) {
	m.refreshAll()
	if msg.err != nil {
		m.flashErr(msg.err)
		return
	}
	r := msg.res
	m.queue.clearSelection()
	if msg.sent {
		delete(m.drafts, "") // the selection's comment went with the move
	}
	summary := fmt.Sprintf("%d case(s) %s", len(r.Changed), msg.verb)
	if len(r.Unchanged) > 0 {
		summary += fmt.Sprintf(", %d already so", len(r.Unchanged))
	}
	if len(r.Refused) == 0 {
		m.flash(summary)
		return
	}
	summary += fmt.Sprintf(", %d refused", len(r.Refused))
	m.flashErr(errors.New(summary))
	var lines []string
	for _, f := range r.Refused {
		lines = append(lines, clean(f.Case)+": "+clean(f.Reason))
	}
	m.dialog = &resultBox{title: summary, lines: lines}
}

func (m *Model) openBulkAssign() {
	if err := model.AuthorizeAssign(m.user, &model.Case{}, "\x00someone else"); err != nil {
		m.flashErr(err)
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
	m.dialog = newUserPicker(m.styles, m.selectionLabel(), users, load, (*Model).bulkAssign)
}

func (m *Model) bulkAssign(to string) tea.Cmd {
	ch := bulkChange{verb: "assigned to " + to, yes: "Assign", assignee: to,
		question: func(n int) string { return fmt.Sprintf("Assign the %d selected case(s) to %s?", n, clean(to)) },
		run: func(st *store.Store, actor string, ids []string) (store.BulkResult, error) {
			return st.BulkAssign(actor, ids, to)
		}}
	if to == "" {
		ch.verb, ch.yes = "unassigned", "Unassign"
		ch.question = func(n int) string { return fmt.Sprintf("Unassign the %d selected case(s)?", n) }
	}
	return m.planBulk(nil, ch, func(st *store.Store, actor string, ids []string) (store.BulkPlan, error) {
		return st.PlanAssign(actor, ids, to)
	})
}

func (m *Model) bulkTag(add, remove []string) tea.Cmd {
	ch := bulkChange{verb: "tagged", yes: "Tag",
		question: func(n int) string {
			return fmt.Sprintf("Tag the %d selected case(s): %s?", n, clean(tagEditText(add, remove)))
		},
		run: func(st *store.Store, actor string, ids []string) (store.BulkResult, error) {
			return st.BulkTag(actor, ids, add, remove)
		}}
	return m.planBulk(nil, ch, func(st *store.Store, actor string, ids []string) (store.BulkPlan, error) {
		return st.PlanTag(actor, ids, add, remove)
	})
}

// tagEditText writes a tag change back as typed: "+vip -pep".
func tagEditText(add, remove []string) string {
	var parts []string
	for _, t := range add {
		parts = append(parts, "+"+t)
	}
	for _, t := range remove {
		parts = append(parts, "-"+t)
	}
	return strings.Join(parts, " ")
}

func (m *Model) bulkSLA(d time.Duration) tea.Cmd {
	ch := bulkChange{verb: "given a new SLA", yes: "Set SLA",
		question: func(n int) string {
			if d == 0 {
				return fmt.Sprintf("Clear the SLA of the %d selected case(s)?", n)
			}
			return fmt.Sprintf("Make the %d selected case(s) due in %s?", n, model.FormatDuration(d))
		},
		run: func(st *store.Store, actor string, ids []string) (store.BulkResult, error) {
			return st.BulkSLA(actor, ids, d)
		}}
	return m.planBulk(nil, ch, func(st *store.Store, actor string, ids []string) (store.BulkPlan, error) {
		return st.PlanSLA(actor, ids, d)
	})
}

// bulkMenuMsg brings what the bulk status menu offers: the selected cases
// and how many of them each workflow holds.
type bulkMenuMsg struct {
	ids    []string
	counts map[string]int
	err    error
}

// openBulkStatus lists the selection and the workflows its cases use, off
// the UI goroutine; the menu opens when they are known.
func (m *Model) openBulkStatus() tea.Cmd {
	list, st := m.selectionIDs(), m.st
	return func() tea.Msg {
		ids, err := list()
		if err != nil {
			return bulkMenuMsg{err: err}
		}
		counts, err := st.WorkflowsOf(ids)
		return bulkMenuMsg{ids: ids, counts: counts, err: err}
	}
}

// afterBulkMenu opens the bulk status menu: the statuses of the workflows
// the selected cases use, each once. Where two of those workflows give one
// key to different statuses, the key stays with the status of the case
// under the cursor's workflow; the other is chosen from the list.
func (m *Model) afterBulkMenu(msg bulkMenuMsg) {
	if msg.err != nil {
		m.flashErr(msg.err)
		return
	}
	if len(msg.ids) == 0 {
		m.flashErr(errors.New("no case is selected"))
		return
	}
	wfs := slices.Clone(m.st.Workflows())
	first := ""
	if c := m.queue.selected(); c != nil {
		first = c.Workflow
	}
	sort.SliceStable(wfs, func(i, j int) bool { return wfs[i].ID == first && wfs[j].ID != first })
	menu := &statusMenu{caseName: m.selectionLabel(), bulk: true, ids: msg.ids}
	at := map[string]int{}      // status name (folded) -> option
	keys := map[string]string{} // key -> status name (folded) that has it
	for _, w := range wfs {
		n := msg.counts[w.ID]
		if n == 0 {
			continue
		}
		for i := range w.Statuses {
			st := &w.Statuses[i]
			name := strings.ToLower(st.Name)
			if j, ok := at[name]; ok {
				menu.counts[j] += n
				continue
			}
			if owner, taken := keys[st.Key]; st.Key != "" && taken && owner != name {
				copied := *st
				copied.Key = "" // the key means another status here
				st = &copied
			} else if st.Key != "" {
				keys[st.Key] = name
			}
			at[name] = len(menu.options)
			menu.options = append(menu.options, workflows.Option{Status: st, Allowed: true})
			menu.counts = append(menu.counts, n)
		}
	}
	m.dialog = menu
}

// beginBulkMove asks for what the status needs (with full, any reason it
// takes), then plans the move and confirms it: many cases move at once.
func (m *Model) beginBulkMove(st *workflows.Status, ids []string, full bool) tea.Cmd {
	pm := pendingMove{caseName: m.selectionLabel(), status: st, bulk: true, ids: ids}
	if needsForm(st, full) {
		m.dialog = newMoveForm(m, pm, 0)
		return nil
	}
	return m.confirmOrRun(pm)
}

// planBulkMove plans moving the selection; the confirmation offers r and
// m, and goes back to the form the move came from.
func (m *Model) planBulkMove(pm pendingMove) tea.Cmd {
	ch := store.StatusChange{Status: pm.status.Name, Reason: pm.reason, Comment: pm.comment}
	change := bulkChange{verb: "moved to " + pm.status.Name, yes: pm.status.Name, move: &pm,
		question: func(n int) string {
			return fmt.Sprintf("Move the %d selected case(s) to %s?%s", n, pm.status.Name, moveText(pm))
		},
		run: func(st *store.Store, actor string, ids []string) (store.BulkResult, error) {
			return st.BulkStatus(actor, ids, ch)
		}}
	return m.planBulk(pm.ids, change, func(st *store.Store, actor string, ids []string) (store.BulkPlan, error) {
		return st.PlanStatus(actor, ids, ch)
	})
}

// ---- one case: next, SLA ----

// nextCase asks the store for the most urgent case this user may take
// and shows it in My queue.
func (m *Model) nextCase() tea.Cmd {
	st, actor := m.st, m.user.Name
	return func() tea.Msg {
		c, err := st.NextCase(actor, "")
		msg := writeDoneMsg{err: err}
		if c != nil {
			msg.done, msg.caseID = c.Name+" is yours (next case)", c.ID
			msg.show = true
		}
		return msg
	}
}

func (m *Model) openSLA() {
	c := m.actionCase()
	if c == nil {
		return
	}
	if err := model.Authorize(m.user, model.ActSLA, c); err != nil {
		m.flashErr(err)
		return
	}
	m.dialog = newSLABox(m.styles, c.Name, deadlineText(c.SLAExpiresAt, m.now()), func(m *Model, d time.Duration) tea.Cmd {
		done := c.Name + " has no SLA now"
		if d > 0 {
			done = fmt.Sprintf("%s is due in %s", c.Name, model.FormatDuration(d))
		}
		return m.write(c, done, false, func(st *store.Store, t store.Target) (*model.Case, error) { return st.SetSLA(t, d) })
	})
}
