package bolt

import (
	"bytes"
	"encoding/binary"
	"time"

	"docket/model"
	"docket/store/backend"
)

// overdueUnder counts the entries of a prefix whose deadline has passed:
// they come first in deadline order, so the walk stops at the first one
// still on time.
func (b *boltTx) overdueUnder(p string, at time.Time) int {
	now := timeKey(at)
	n := 0
	for s := newScanner(b.tx, p, orderDeadline, false, position{}); s.key != nil && binary.BigEndian.Uint64(s.key) < now; s.next() {
		n++
	}
	return n
}

// OldestOpenOf is the creation time of the oldest entry of user's open
// queue.
func (b *boltTx) OldestOpenOf(user string) (time.Time, error) {
	p := pAssignee(user, true)
	start := append([]byte(p), orderCreated)
	k, _ := b.bucket(indexBucket(p)).Cursor().Seek(start)
	if k == nil || !bytes.HasPrefix(k, start) {
		return time.Time{}, nil
	}
	return fromTimeKey(binary.BigEndian.Uint64(k[len(start):])), nil
}

func fromTimeKey(k uint64) time.Time { return backend.FromTimeKey(k) }

// Overdue counts the open cases of a selection whose SLA has passed. Only
// an open case is ever overdue: a decided case keeps its deadline in the
// index, so the closed half of a queue is not walked at all.
func (b *boltTx) Overdue(q backend.Selection, at time.Time) (int, error) {
	switch q.Queue {
	case backend.QueueClosed:
		return 0, nil
	case backend.QueueAll:
		q.Queue = backend.QueueOpen
	}
	if q.Object != "" {
		return b.objectCases(q, func(c *model.Case) bool {
			return c.Open() && !c.SLAExpiresAt.IsZero() && c.SLAExpiresAt.Before(at)
		})
	}
	p := b.plan(q)
	n := 0
	for _, pre := range p.prefixes {
		if p.exact {
			n += b.overdueUnder(pre, at)
			continue
		}
		c, err := b.countOverdueMatching(q, pre, at)
		if err != nil {
			return 0, err
		}
		n += c
	}
	return n, nil
}

// countOverdueMatching walks the overdue entries of one prefix, checking
// each case against the query's other filters.
func (b *boltTx) countOverdueMatching(q backend.Selection, p string, at time.Time) (int, error) {
	now := timeKey(at)
	n := 0
	for s := newScanner(b.tx, p, orderDeadline, false, position{}); s.key != nil; s.next() {
		if binary.BigEndian.Uint64(s.key) >= now {
			break
		}
		c, err := b.mustCase(caseIDOf(orderDeadline, s.key))
		if err != nil {
			return 0, err
		}
		if q.Matches(c, false) && c.Open() {
			n++
		}
	}
	return n, nil
}
