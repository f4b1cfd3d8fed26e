package store

import (
	"bytes"
	"encoding/binary"
	"sort"
	"time"

	"docket/model"
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
		return x.be.EachUser(func(u model.User) error {
			p := pAssignee(u.Name, true)
			decided, err := x.be.DecidedOn(x.now, u.Name)
			out = append(out, Load{User: u, Open: x.openCount(u.Name),
				Overdue: x.overdueUnder(p), Oldest: x.oldestUnder(p),
				DecidedToday: decided})
			return err
		})
	})
	sort.Slice(out, func(i, j int) bool { return out[i].User.Name < out[j].User.Name })
	return out, err
}

// overdueUnder counts the entries of a prefix whose deadline has passed:
// they come first in deadline order, so the walk stops at the first one
// still on time.
func (x *txn) overdueUnder(p string) int {
	start := append([]byte(p), orderDeadline)
	now := timeKey(x.now)
	n := 0
	cur := x.b(indexBucket(p)).Cursor()
	for k, _ := cur.Seek(start); k != nil && bytes.HasPrefix(k, start); k, _ = cur.Next() {
		if binary.BigEndian.Uint64(k[len(start):]) >= now {
			break
		}
		n++
	}
	return n
}

// oldestUnder is the creation time of the oldest entry of a prefix.
func (x *txn) oldestUnder(p string) time.Time {
	start := append([]byte(p), orderCreated)
	k, _ := x.b(indexBucket(p)).Cursor().Seek(start)
	if k == nil || !bytes.HasPrefix(k, start) {
		return time.Time{}
	}
	return fromTimeKey(binary.BigEndian.Uint64(k[len(start):]))
}

func fromTimeKey(k uint64) time.Time {
	if k == ^uint64(0) {
		return time.Time{}
	}
	return time.Unix(0, int64(k^(1<<63))).UTC()
}

// OverdueCount counts the open cases of a query whose SLA has passed.
// Only an open case is ever overdue: a decided case keeps its deadline in
// the index, so the closed half of a queue is not walked at all.
func (s *Store) OverdueCount(q Query) (int, error) {
	n := 0
	err := s.view(func(x *txn) error {
		if err := x.normalise(&q); err != nil {
			return err
		}
		switch q.Queue {
		case QueueClosed:
			return nil
		case QueueAll:
			q.Queue = QueueOpen
		}
		p := x.plan(q)
		for _, pre := range p.prefixes {
			if p.exact {
				n += x.overdueUnder(pre)
				continue
			}
			c, err := x.countOverdueMatching(q, pre)
			if err != nil {
				return err
			}
			n += c
		}
		return nil
	})
	return n, err
}

// countOverdueMatching walks the overdue entries of one prefix, checking
// each case against the query's other filters.
func (x *txn) countOverdueMatching(q Query, p string) (int, error) {
	start := append([]byte(p), orderDeadline)
	now := timeKey(x.now)
	n := 0
	cur := x.b(indexBucket(p)).Cursor()
	for k, _ := cur.Seek(start); k != nil && bytes.HasPrefix(k, start); k, _ = cur.Next() {
		sk := k[len(start):]
		if binary.BigEndian.Uint64(sk) >= now {
			break
		}
		c, err := x.caseHeader(caseIDOf(orderDeadline, sk))
		if err != nil {
			return 0, err
		}
		if q.matches(c, false) && c.Open() {
			n++
		}
	}
	return n, nil
}
