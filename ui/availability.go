package ui

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"docket/model"
	"docket/store"
)

// cycleAvailability steps a user through available, busy, unavailable.
// Becoming unavailable gives the user's open cases back to Unassigned, so
// it is asked first, naming how many; becoming available again offers to
// give back those still unassigned. The store decides whether this user
// may change that user.
func (m *Model) cycleAvailability(u model.User) tea.Cmd {
	next := map[model.Availability]model.Availability{model.Available: model.Busy,
		model.Busy: model.Unavailable, model.Unavailable: model.Available}[u.Availability]
	if next == "" {
		next = model.Available
	}
	if next == model.Unavailable {
		load, err := m.st.AssigneeCounts()
		if err != nil {
			m.flashErr(err)
			return nil
		}
		if n := load[u.Name]; n > 0 {
			m.dialog = &confirm{
				question: fmt.Sprintf("Make %s unavailable? %s %d open case(s) go back to Unassigned, each with an audit event. "+
					"When %s is available again, those still unassigned can be given back.", clean(u.Name), whose(m.user, u), n, clean(u.Name)),
				yesLabel: "Make unavailable",
				onYes:    func(m *Model) tea.Cmd { return m.setAvailability(u, next) },
			}
			return nil
		}
	}
	return m.setAvailability(u, next)
}

// whose is "Your" or "Their" for a message about u's cases.
func whose(me, u model.User) string {
	if me.Name == u.Name {
		return "Your"
	}
	return "Their"
}

// setAvailability makes the change off the UI goroutine; becoming
// available again also reads what could be given back.
func (m *Model) setAvailability(u model.User, next model.Availability) tea.Cmd {
	st, actor := m.st, m.user.Name
	return func() tea.Msg {
		_, released, err := st.SetUser(actor, u.Name, store.UserChange{Availability: &next})
		msg := availabilityMsg{done: fmt.Sprintf("%s is %s", u.Name, next), name: u.Name, err: err}
		if released > 0 {
			msg.done += fmt.Sprintf("; %d open case(s) went back to Unassigned", released)
		}
		if err == nil && u.Availability == model.Unavailable {
			msg.release, msg.err = st.Released(u.Name)
		}
		return msg
	}
}

// availabilityMsg reports a change of availability and, for a user
// available again, what the change that made them unavailable released.
type availabilityMsg struct {
	done, name string
	release    store.Release
	err        error
}

func (m *Model) afterAvailability(msg availabilityMsg) {
	if msg.err != nil {
		m.flashErr(msg.err)
		return
	}
	if msg.name == m.user.Name {
		if u, err := m.st.User(m.user.Name); err == nil {
			m.user = u
		}
	}
	m.refreshAll()
	m.refreshLoads()
	m.flash(msg.done)
	if r := msg.release; len(r.Return) > 0 {
		change := fmt.Sprintf("%s made %s unavailable", clean(r.By), clean(r.User))
		if r.By == r.User {
			change = clean(r.User) + " became unavailable"
		}
		m.dialog = &confirm{
			question: fmt.Sprintf("%s is available. Give back the %d case(s) that went to Unassigned when %s (%s) and are still unassigned and open? %s",
				clean(r.User), len(r.Return), change, model.Ago(r.At, m.now()), clean(listNames(r.Return, 6))),
			yesLabel: "Give back",
			onYes:    func(m *Model) tea.Cmd { return m.giveBack(r.User) },
		}
	}
}

// listNames names a few cases and says how many more there are.
func listNames(names []string, most int) string {
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:most], ", "), len(names)-most)
}

// giveBackMsg reports cases given back.
type giveBackMsg struct {
	user  string
	given []string
	left  []store.BulkRefusal
	err   error
}

func (m *Model) giveBack(user string) tea.Cmd {
	st, actor := m.st, m.user.Name
	return func() tea.Msg {
		given, left, err := st.GiveBack(actor, user)
		return giveBackMsg{user: user, given: given, left: left, err: err}
	}
}

func (m *Model) afterGiveBack(msg giveBackMsg) {
	m.refreshAll()
	m.refreshLoads()
	if msg.err != nil {
		m.flashErr(msg.err)
		return
	}
	done := fmt.Sprintf("%d case(s) given back to %s", len(msg.given), msg.user)
	if len(msg.left) > 0 {
		done += fmt.Sprintf("; %d left as they are (taken or decided since)", len(msg.left))
	}
	m.flash(done)
}
