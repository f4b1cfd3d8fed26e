package ui

import (
	"fmt"

	"docket/model"
)

// A case opened from the related list that is not in the queue in view is
// shown in the pane "pinned" over the selected row: keys act on it, as on
// any case on display, until the selection moves or esc lets it go.

// openCase shows case c: selected in the queue if the queue holds it,
// otherwise pinned in the pane.
func (m *Model) openCase(c *model.Case) {
	m.unpin()
	m.pane.back()
	m.report(m.queue.seek(c.ID))
	m.pane.tab, m.focus = tabOverview, focusCase
	if sel := m.queue.selected(); sel != nil && sel.ID == c.ID {
		m.showSelected()
		return
	}
	m.pinned, m.pinnedName = c.ID, c.Name
	m.pinnedKey = fmt.Sprintf("%s@%d", c.ID, c.Version)
	m.pinnedOver = ""
	note := fmt.Sprintf("%s is not in %s", c.Name, m.tabs[m.activeTab].label)
	if sel := m.queue.selected(); sel != nil {
		m.pinnedOver = sel.ID
		note += fmt.Sprintf("; %s returns to %s", m.keys.first("back"), sel.Name)
	}
	m.pane.pinnedNote = note
	m.detailWanted = m.pinnedKey
}

// keepPinned is showSelected's first step: while the queue's selection is
// the one the pinned case was opened over, the pane keeps showing (and
// reading again, after a change) the pinned case. A new selection lets it
// go.
func (m *Model) keepPinned(sel *model.Case) bool {
	if m.pinned == "" {
		return false
	}
	id := ""
	if sel != nil {
		id = sel.ID
	}
	if id != m.pinnedOver {
		m.unpin()
		return false
	}
	m.detailWanted = m.pinnedKey
	return true
}

// unpin lets the pinned case go; showSelected then shows the selected row.
func (m *Model) unpin() bool {
	if m.pinned == "" {
		return false
	}
	m.pinned, m.pinnedKey, m.pinnedOver, m.pinnedName = "", "", "", ""
	m.pane.pinnedNote = ""
	return true
}

// pinnedCase is the pinned case once the pane shows it, else nil.
func (m *Model) pinnedCase() *model.Case {
	if d := m.pane.detail; d != nil && m.pinned != "" && d.Case.ID == m.pinned {
		return d.Case
	}
	return nil
}
