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

// checkCases walks every case, a page at a time.
func (x *txn) checkCases(r *CheckReport) error {
	sel := backend.Selection{Queue: QueueAll, Order: backend.Oldest, Limit: 500, Full: true, NoTotal: true}
	for {
		page, err := x.be.List(context.Background(), sel)
		if err != nil {
			return err
		}
		for _, c := range page.Cases {
			r.Cases++
			if err := x.checkCase(r, c); err != nil {
				return err
			}
		}
		if page.Next == nil {
			return nil
		}
		sel.After = page.Next
	}
}

func (x *txn) checkCase(r *CheckReport, c *model.Case) error {
	var err error
	if c.Fields, err = x.be.CaseFields(c.ID); err != nil {
		return err
	}
	events, err := x.be.Events(c.ID)
	if err != nil {
		r.add(caseWhere(c), "its audit trail does not decode: %v", err)
		return nil
	}
	r.Events += len(events)
	comments, err := x.be.Comments(c.ID)
	if err != nil {
		r.add(caseWhere(c), "its comments do not decode: %v", err)
		return nil
	}
	for _, p := range x.verifyCase(c, events, comments) {
		r.add(caseWhere(c)+" audit trail", "%s", p)
	}
	return nil
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
