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

// Bulk operations commit in chunks of at most bulkChunk cases or about
// bulkBudget of work, whichever comes first, so that one over a whole queue
// never holds the write lock for long: every other writer gets a turn
// between chunks.
const (
	bulkChunk  = 100
	bulkBudget = 100 * time.Millisecond
)

// bulk applies one change to many cases. Each case is checked on its own
// against the current state; a refused case is listed and left untouched,
// and the others go ahead. The cases are independent, so they commit in
// chunks (see bulkChunk); a failure of the database itself undoes the
// chunk it happened in, and the result says what the chunks before it did.
func (s *Store) bulk(actor string, refs []string, fn change) (BulkResult, error) {
	var res BulkResult
	for first := true; first || len(refs) > 0; first = false {
		part, done, err := s.bulkChunk(actor, refs, fn)
		res.Changed = append(res.Changed, part.Changed...)
		res.Unchanged = append(res.Unchanged, part.Unchanged...)
		res.Refused = append(res.Refused, part.Refused...)
		if err != nil {
			return res, err
		}
		refs = refs[done:]
	}
	return res, nil
}

// bulkChunk applies the change to the first cases of refs in one
// transaction and says how many it took.
func (s *Store) bulkChunk(actor string, refs []string, fn change) (BulkResult, int, error) {
	var res BulkResult
	done := 0
	err := s.update(func(x *txn) error {
		res, done = BulkResult{}, 0
		u, err := x.actor(actor)
		if err != nil {
			return err
		}
		began := time.Now()
		for _, ref := range refs {
			if done == bulkChunk || time.Since(began) > bulkBudget {
				break
			}
			done++
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
	if err != nil {
		return BulkResult{}, 0, err
	}
	return res, done, nil
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
