package ui

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"docket/model"
	"docket/store"
	"docket/store/persona"
)

// A lead's daily jobs that once needed the command line: creating a case,
// attaching and detaching Persona objects, redacting. Each goes through
// the store's own operation, so its rules (who may, what is valid) are the
// command line's.

// openNewCase opens the new case form.
func (m *Model) openNewCase() {
	if len(m.st.Workflows()) == 0 {
		m.flashErr(errorf("the database has no workflows"))
		return
	}
	m.dialog = newNewCaseForm(m)
}

// createdMsg reports a case created from the workstation.
type createdMsg struct {
	c    *model.Case
	err  error
	form *newCaseForm // reopened, as typed, when the store refuses
}

func (m *Model) createCase(nc store.NewCase, f *newCaseForm) tea.Cmd {
	st, actor := m.st, m.user.Name
	return func() tea.Msg {
		c, err := st.CreateCase(actor, nc)
		return createdMsg{c: c, err: err, form: f}
	}
}

// afterCreate shows the new case: in My queue when it is yours, else
// where it is in the queue on screen.
func (m *Model) afterCreate(msg createdMsg) {
	if msg.err != nil {
		msg.form.problem = msg.err.Error()
		m.dialog = msg.form
		m.flashErr(msg.err)
		return
	}
	c := msg.c
	done := fmt.Sprintf("%s created in %s (%s)", c.Name, c.Workflow, c.Status)
	if c.Assignee != "" {
		done += ", assigned to " + c.Assignee
	}
	if c.Assignee == m.user.Name {
		m.showInMyQueue(c.ID)
	} else {
		m.refreshAll()
		m.report(m.queue.seek(c.ID))
		m.showSelected()
	}
	m.flash(done)
}

// openAttach asks for a file holding a Persona object document (an
// inquiry, account, report, verification or transaction, or a list).
func (m *Model) openAttach() {
	c := m.actionCase()
	if c == nil {
		return
	}
	m.dialog = m.attachBox(c, "")
}

func (m *Model) attachBox(c *model.Case, path string) *inputBox {
	box := newInputBox(m.styles, "Attach to "+clean(c.Name),
		"a file holding a Persona object document: an inquiry, account, report, verification or transaction, or a list of them",
		"~/persona/inq_123.json", func(m *Model, path string) tea.Cmd { return m.attach(c, path) })
	box.input.SetValue(path)
	box.input.CursorEnd()
	return box
}

// attachedMsg reports an attach; a refused one reopens the box with the
// path typed and the reason.
type attachedMsg struct {
	done writeDoneMsg
	c    *model.Case
	path string
}

func (m *Model) attach(c *model.Case, path string) tea.Cmd {
	st, t := m.st, store.Target{Actor: m.user.Name, Case: c.ID, Expect: c.Version}
	msg := attachedMsg{c: c, path: path, done: writeDoneMsg{caseID: c.ID, index: m.queue.cursor}}
	return func() tea.Msg {
		objs, err := readObjects(path)
		if err == nil {
			_, err = st.Attach(t, objs...)
		}
		if msg.done.err = err; err == nil {
			var ids []string
			for _, o := range objs {
				ids = append(ids, string(o.Kind)+" "+o.ID)
			}
			msg.done.done = fmt.Sprintf("attached %s to %s", strings.Join(ids, ", "), c.Name)
		}
		return msg
	}
}

// readObjects reads and decodes a Persona object document; a path may
// start with ~/ for the home directory. Errors name the file.
func readObjects(path string) ([]*model.Object, error) {
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, rest)
		}
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	objs, err := persona.DecodeObjects(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return objs, nil
}

func (m *Model) afterAttach(msg attachedMsg) {
	if msg.done.err != nil {
		box := m.attachBox(msg.c, msg.path)
		box.problem = msg.done.err.Error()
		m.afterWrite(msg.done)
		m.dialog = box
		return
	}
	m.afterWrite(msg.done)
}

// openDetach lists the case's attached objects to pick one to detach.
func (m *Model) openDetach() {
	c := m.actionCase()
	if c == nil {
		return
	}
	if len(c.Objects) == 0 {
		m.flashErr(fmt.Errorf("%s has no attached objects", c.Name))
		return
	}
	p := &objectPicker{caseName: c.Name, objects: c.Objects, labels: make([]string, len(c.Objects)),
		pick: func(m *Model, o model.ObjectRef) tea.Cmd {
			return m.write(c, fmt.Sprintf("detached %s %s from %s", o.Kind, o.ID, c.Name), false,
				func(st *store.Store, t store.Target) (*model.Case, error) { return st.Detach(t, o.ID) })
		}}
	if d := m.pane.detail; d != nil && d.Case.ID == c.ID {
		names := map[string]string{}
		for _, o := range d.Objects {
			names[o.ID] = o.PersonName()
		}
		for i, o := range c.Objects {
			p.labels[i] = names[o.ID]
		}
	}
	m.dialog = p
}

// openRedact asks before a redaction, naming what it drops, with Cancel
// focused. Who may redact is the store's rule (model.Authorize), asked
// first so that nobody confirms what would be refused.
func (m *Model) openRedact() {
	c := m.actionCase()
	if c == nil {
		return
	}
	if err := model.Authorize(m.user, model.ActRedact, c); err != nil {
		m.flashErr(err)
		return
	}
	m.dialog = &confirm{question: redactQuestion(c, m.pane.detail), yesLabel: "Redact",
		onYes: func(m *Model) tea.Cmd {
			return m.write(c, c.Name+" redacted", false, func(st *store.Store, t store.Target) (*model.Case, error) { return st.Redact(t) })
		}}
}

// redactQuestion names what a redaction of c drops and what it keeps.
func redactQuestion(c *model.Case, d *store.Detail) string {
	var fields map[string]json.RawMessage
	json.Unmarshal(c.Fields, &fields)
	comments, related := 0, 0
	if d != nil && d.Case.ID == c.ID {
		comments, related = len(d.Comments), len(d.Related)
	}
	q := fmt.Sprintf("Redact %s? This drops for good its enrichment (%s), the subject and reference ids, the attributes of its %s",
		clean(c.Name), countOf(len(fields), "field"), countOf(len(c.Objects), "attached object"))
	if related > 0 {
		q += fmt.Sprintf(" (%s sharing them lose them too)", countOf(related, "related case"))
	}
	q += fmt.Sprintf(", and the text of its %s and of the comments in its audit trail. Who did what and when stays, and the trail still verifies.",
		countOf(comments, "comment"))
	return q
}

// countOf is "1 field", "3 fields".
func countOf(n int, word string) string { return fmt.Sprintf("%d %s", n, plural(word, n)) }
