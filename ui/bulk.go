package ui

import (
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"docket/model"
	"docket/store"
	"docket/workflows"
)

// bulkKey handles the keys that act on the whole selection. It reports
// whether it took the key.
func (m *Model) bulkKey(msg tea.KeyMsg) bool {
	k := m.keys
	switch {
	case k.is(msg, "assign"):
		m.openBulkAssign()
	case k.is(msg, "tags"):
		m.dialog = newTagEditor(m.selectionLabel(), nil, (*Model).bulkTag)
	case k.is(msg, "status-menu"):
		m.openBulkStatus()
	case k.is(msg, "sla"):
		m.dialog = newSLABox(m.selectionLabel(), (*Model).bulkSLA)
	case m.statusForKey(msg) != nil:
		m.flashErr(fmt.Errorf("%s selected: press %s to move them all, esc to clear the selection",
			m.selectionLabel(), k.binding("status-menu").Help().Key))
	default:
		return false
	}
	return true
}

func (m *Model) selectionLabel() string {
	return fmt.Sprintf("%d selected case(s)", m.queue.pickedCount())
}

// bulkDoneMsg reports a bulk operation.
type bulkDoneMsg struct {
	verb string
	res  store.BulkResult
	err  error
}

// bulk runs one store bulk operation on the selection, off the UI goroutine.
func (m *Model) bulk(verb string, op func(st *store.Store, actor string, ids []string) (store.BulkResult, error)) tea.Cmd {
	q, st, actor := &m.queue, m.st, m.user.Name
	if !q.hasSelection() {
		return nil
	}
	// The command runs on another goroutine while keys may pick more
	// cases: it gets its own copy of the selection.
	pickedAll, picked, query := q.pickedAll, maps.Clone(q.picked), q.query
	return func() tea.Msg {
		v := queueView{st: st, query: query, picked: picked, pickedAll: pickedAll}
		ids, err := v.pickedIDs()
		if err != nil {
			return bulkDoneMsg{verb: verb, err: err}
		}
		res, err := op(st, actor, ids)
		return bulkDoneMsg{verb: verb, res: res, err: err}
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
		lines = append(lines, f.Case+": "+f.Reason)
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
	m.dialog = newUserPicker(m.selectionLabel(), users, load, (*Model).bulkAssign)
}

func (m *Model) bulkAssign(to string) tea.Cmd {
	verb := "assigned to " + to
	if to == "" {
		verb = "unassigned"
	}
	return m.bulk(verb, func(st *store.Store, actor string, ids []string) (store.BulkResult, error) {
		return st.BulkAssign(actor, ids, to)
	})
}

func (m *Model) bulkTag(add, remove []string) tea.Cmd {
	return m.bulk("tagged", func(st *store.Store, actor string, ids []string) (store.BulkResult, error) {
		return st.BulkTag(actor, ids, add, remove)
	})
}

func (m *Model) bulkSLA(d time.Duration) tea.Cmd {
	return m.bulk("given a new SLA", func(st *store.Store, actor string, ids []string) (store.BulkResult, error) {
		return st.BulkSLA(actor, ids, d)
	})
}

// openBulkStatus offers every status name of the workflows in view; the
// store checks each case against its own workflow.
func (m *Model) openBulkStatus() {
	var opts []workflows.Option
	seen := map[string]bool{}
	for _, w := range m.st.Workflows() {
		if m.workflow != "" && w.ID != m.workflow {
			continue
		}
		for i := range w.Statuses {
			st := &w.Statuses[i]
			if key := strings.ToLower(st.Name); !seen[key] {
				seen[key] = true
				opts = append(opts, workflows.Option{Status: st, Allowed: true})
			}
		}
	}
	m.dialog = &statusMenu{caseName: m.selectionLabel(), options: opts, bulk: true}
}

// beginBulkMove asks for what the status needs, then always confirms:
// many cases move at once.
func (m *Model) beginBulkMove(st *workflows.Status) tea.Cmd {
	pm := pendingMove{caseName: m.selectionLabel(), status: st, bulk: true}
	if st.RequireComment || st.RequireReason {
		m.dialog = newMoveForm(pm, m.keys)
		return nil
	}
	return m.confirmOrRun(pm)
}

func (m *Model) runBulkMove(pm pendingMove) tea.Cmd {
	ch := store.StatusChange{Status: pm.status.Name, Reason: pm.reason, Comment: pm.comment}
	return m.bulk("moved to "+pm.status.Name, func(st *store.Store, actor string, ids []string) (store.BulkResult, error) {
		return st.BulkStatus(actor, ids, ch)
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
	m.dialog = newSLABox(c.Name, func(m *Model, d time.Duration) tea.Cmd {
		done := c.Name + " has no SLA now"
		if d > 0 {
			done = fmt.Sprintf("%s is due in %s", c.Name, model.FormatDuration(d))
		}
		return m.write(c, done, false, func(st *store.Store, t store.Target) (*model.Case, error) { return st.SetSLA(t, d) })
	})
}
