package store

import (
	"sort"
	"time"

	"docket/model"
	"docket/store/backend"
)

// Load is one user's share of the work, for the lead's workload view.
type Load struct {
	User         model.User
	Open         int       // open cases assigned to them
	Overdue      int       // of those, past their SLA
	Oldest       time.Time // creation of their oldest open case (zero: none)
	DecidedToday int       // cases they moved to an end status today (UTC)
}

// Workload lists every user's load (leads and admins). It reads only
// counters and index keys (deadlines and creation times are in the keys),
// never the cases.
func (s *Store) Workload(actor string) ([]Load, error) {
	var out []Load
	err := s.view(func(x *txn) error {
		if _, err := x.actorMay(actor, model.ActWorkload); err != nil {
			return err
		}
		return x.be.EachUser(func(u model.User, bad error) error {
			if bad != nil {
				return bad
			}
			decided, err := x.be.DecidedOn(x.now, u.Name)
			if err != nil {
				return err
			}
			overdue, err := x.be.Overdue(backend.Selection{Queue: QueueMine, Actor: u.Name}, x.now)
			if err != nil {
				return err
			}
			oldest, err := x.be.OldestOpenOf(u.Name)
			if err != nil {
				return err
			}
			open, err := x.openCount(u.Name)
			out = append(out, Load{User: u, Open: open,
				Overdue: overdue, Oldest: oldest, DecidedToday: decided})
			return err
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].User.Name < out[j].User.Name })
	return out, err
}

// OverdueCount counts the open cases of a query whose SLA has passed.
func (s *Store) OverdueCount(q Query) (int, error) {
	n := 0
	q.After, q.From = "", "" // a count covers the whole selection
	err := s.view(func(x *txn) error {
		sel, err := x.selection(q)
		if err != nil {
			return err
		}
		n, err = x.be.Overdue(sel, x.now)
		return err
	})
	return n, err
}
