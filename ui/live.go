package ui

import (
	"fmt"
	"slices"

	"docket/model"
)

// A change made elsewhere (another session, a command, an import) redraws
// the rows, counts and case on display. A case on display that someone
// else has just decided stays on display, with a note saying who and
// when, even when it has left the queue in view: a reviewer is never
// left wondering where it went, and a stale decision on it is refused as
// a conflict by the store.

// shownCaseID is the case the pane shows ("" for none).
func (m *Model) shownCaseID() string {
	if d := m.pane.detail; d != nil {
		return d.Case.ID
	}
	return ""
}

// afterChange follows a change made elsewhere: everything is read again,
// and a case on display that the change decided is noted.
func (m *Model) afterChange(ch changeMsg) {
	shown := m.shownCaseID()
	m.refreshAll()
	if shown == "" || !(ch.All || slices.Contains(ch.Cases, shown)) {
		return
	}
	c, err := m.st.Case(shown)
	if err != nil || c.Open() || c.Resolver == "" || c.Resolver == m.user.Name {
		return
	}
	note := fmt.Sprintf("decided by %s %s (%s)", c.Resolver, model.Ago(c.ResolvedAt, m.now()), c.Status)
	if sel := m.queue.selected(); sel != nil && sel.ID == c.ID || m.pinned == c.ID {
		m.pane.pinnedNote, m.notedCase = note, c.ID
		return
	}
	m.openCase(c) // it left the queue: pinned, so it stays on display
	m.pane.pinnedNote = note + "; " + m.pane.pinnedNote
}
