package store

import (
	"errors"
	"time"

	"docket/model"
)

// BulkResult says, case by case, what a bulk operation did.
type BulkResult struct {
	Changed   []string      // case names changed
	Unchanged []string      // already as asked
	Refused   []BulkRefusal // refused, with why
}

// BulkRefusal is one case a bulk operation left alone, and why.
type BulkRefusal struct {
	Case   string
	Reason string
}

// bulk applies one change to many cases in one transaction. Each case is
// checked on its own against the current state; a refused case is listed
// and left untouched, and the others go ahead. Only a failure of the
// database itself undoes the lot.
func (s *Store) bulk(actor string, refs []string, fn change) (BulkResult, error) {
	var res BulkResult
	err := s.update(func(x *txn) error {
		res = BulkResult{}
		u, err := x.actor(actor)
		if err != nil {
			return err
		}
		for _, ref := range refs {
			c, changed, err := x.mutate(u, Target{Case: ref}, fn)
			var refusal *model.Refusal
			switch {
			case errors.As(err, &refusal):
				res.Refused = append(res.Refused, BulkRefusal{Case: x.nameOf(ref), Reason: refusal.Msg})
			case err != nil:
				return err
			case changed:
				res.Changed = append(res.Changed, c.Name)
			default:
				res.Unchanged = append(res.Unchanged, c.Name)
			}
		}
		return nil
	})
	return res, err
}

// nameOf is a case's name for messages, or the ref itself.
func (x *txn) nameOf(ref string) string {
	if c, err := x.caseByRef(ref); err == nil {
		return c.Name
	}
	return ref
}

// BulkAssign gives every case to user to ("" unassigns).
func (s *Store) BulkAssign(actor string, refs []string, to string) (BulkResult, error) {
	return s.bulk(actor, refs, assignChange(to))
}

// BulkTag adds and removes tags on every case.
func (s *Store) BulkTag(actor string, refs []string, add, remove []string) (BulkResult, error) {
	return s.bulk(actor, refs, tagChange(add, remove))
}

// BulkStatus moves every case to one status, with one comment and reason.
func (s *Store) BulkStatus(actor string, refs []string, ch StatusChange) (BulkResult, error) {
	return s.bulk(actor, refs, statusChange(ch))
}

// BulkSLA gives every case a deadline d from now (0 clears it).
func (s *Store) BulkSLA(actor string, refs []string, d time.Duration) (BulkResult, error) {
	return s.bulk(actor, refs, slaChange(d))
}
