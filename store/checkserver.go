package store

import (
	"context"
	"fmt"

	"docket/model"
	"docket/store/backend"
)

// checkServer verifies a PostgreSQL database as check verifies a file,
// through the seam: every case against its audit trail, fields, objects
// and comments (verifyCase, the rule bbolt's check applies too); every
// user, key, token and webhook record against its digest; and the queue
// counts against the cases they count. What a file has of its own (index
// entries, page consistency) PostgreSQL keeps with its constraints.
func (s *Store) checkServer() (CheckReport, error) {
	var r CheckReport
	err := s.view(func(x *txn) error {
		if err := x.checkCases(&r); err != nil {
			return err
		}
		if err := x.checkRecords(&r); err != nil {
			return err
		}
		return x.checkCounts(&r)
	})
	return r, err
}

// checkCases walks every case with its trail, a batch at a time, reading
// the objects of a batch's cases together.
func (x *txn) checkCases(r *CheckReport) error {
	type whole struct {
		c        *model.Case
		events   []model.Event
		comments []model.Comment
		bad      error
	}
	var batch []whole
	check := func() error {
		var ids []string
		for _, w := range batch {
			for _, o := range w.c.Objects {
				ids = append(ids, o.ID)
			}
		}
		objects, err := x.be.ObjectsIn(ids)
		if err != nil {
			return err
		}
		byID := make(map[string]*model.Object, len(objects))
		for _, o := range objects {
			byID[o.ID] = o
		}
		object := func(id string) (*model.Object, error) { return byID[id], nil }
		for _, w := range batch {
			r.Cases++
			r.Events += len(w.events)
			if w.bad != nil {
				r.add(caseWhere(w.c), "its audit trail or comments do not decode: %v", w.bad)
				continue
			}
			for _, p := range verifyCase(w.c, w.events, w.comments, object) {
				r.add(caseWhere(w.c)+" audit trail", "%s", p)
			}
		}
		batch = batch[:0]
		return nil
	}
	err := x.be.EachCaseWithTrail(func(c *model.Case, events []model.Event, comments []model.Comment, bad error) error {
		if batch = append(batch, whole{c, events, comments, bad}); len(batch) == 500 {
			return check()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return check()
}

// checkRecords verifies the records that carry their own digest.
func (x *txn) checkRecords(r *CheckReport) error {
	var names []string
	err := x.be.EachUser(func(u model.User, bad error) error {
		if bad != nil {
			r.add(fmt.Sprintf("user %q", u.Name), "%v", bad)
		}
		names = append(names, u.Name)
		return nil
	})
	if err != nil {
		return err
	}
	for _, name := range names {
		if _, _, err := x.be.User(name); err != nil {
			r.add(fmt.Sprintf("user %q", name), "%v", err)
		}
		if _, err := x.be.KeysOf(name); err != nil {
			r.add(fmt.Sprintf("the SSH keys of %s", name), "%v", err)
		}
	}
	if err := x.be.EachToken(func(model.APIToken) error { return nil }); err != nil {
		r.add("API tokens", "%v", err)
	}
	return x.be.EachWebhook(func(w model.Webhook, _ [][]byte, bad error) error {
		if bad != nil {
			r.add("webhooks", "%v", bad)
		}
		return nil
	})
}

// checkCounts compares each named queue's count, and each reviewer's open
// cases, with the cases a listing finds.
func (x *txn) checkCounts(r *CheckReport) error {
	counts, err := x.be.QueueCounts("")
	if err != nil {
		return err
	}
	for _, q := range []string{QueueUnassigned, QueueOpen, QueueClosed} {
		if err := x.compareCount(r, "count of the "+q+" queue", counts[q], backend.Selection{Queue: q}); err != nil {
			return err
		}
	}
	return x.be.EachUser(func(u model.User, _ error) error {
		n, err := x.be.OpenOf(u.Name)
		if err != nil {
			return err
		}
		return x.compareCount(r, "count of "+u.Name+"'s open cases", n, backend.Selection{Queue: QueueMine, Actor: u.Name})
	})
}

// compareCount lists the selection to the end and names a count that
// says otherwise.
func (x *txn) compareCount(r *CheckReport, what string, says int, sel backend.Selection) error {
	sel.Order, sel.Limit, sel.NoTotal = backend.Oldest, 1000, true
	n := 0
	for {
		page, err := x.be.List(context.Background(), sel)
		if err != nil {
			return err
		}
		n += len(page.Cases)
		if page.Next == nil {
			break
		}
		sel.After = page.Next
	}
	if n != says {
		r.add(what, "says %d, the cases say %d", says, n)
	}
	return nil
}
