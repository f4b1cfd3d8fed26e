package store

import (
	"errors"
	"fmt"
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
	p, err := s.chunked(actor, refs, fn, nil, false)
	return p.BulkResult, err
}

// BulkPlan is what a bulk change would do if it ran now.
type BulkPlan struct {
	BulkResult               // the cases it would change, leave as they are, or refuse (and why)
	Stuck      []BulkRefusal // assign: changed cases the new assignee could not move on, and the workflow's why
	Notes      []string      // about the change as a whole ("mia is unavailable")
}

// Cases is how many cases the plan covers.
func (p BulkPlan) Cases() int { return len(p.Changed) + len(p.Unchanged) + len(p.Refused) }

// plan makes the change case by case with every rule of the real run, in
// transactions that are rolled back: a dry run. after, when given, looks
// at each case the change would make (assign: can the new assignee move
// it on?) and says what stands in the way.
func (s *Store) plan(actor string, refs []string, fn change, after func(x *txn, c *model.Case) error) (BulkPlan, error) {
	return s.chunked(actor, refs, fn, after, true)
}

func (s *Store) chunked(actor string, refs []string, fn change, after func(x *txn, c *model.Case) error, dry bool) (BulkPlan, error) {
	var res BulkPlan
	for first := true; first || len(refs) > 0; first = false {
		part, done, err := s.bulkChunk(actor, refs, fn, after, dry)
		res.Changed = append(res.Changed, part.Changed...)
		res.Unchanged = append(res.Unchanged, part.Unchanged...)
		res.Refused = append(res.Refused, part.Refused...)
		res.Stuck = append(res.Stuck, part.Stuck...)
		if err != nil {
			return res, err
		}
		refs = refs[done:]
	}
	return res, nil
}

// bulkChunk applies the change to the first cases of refs in one
// transaction (rolled back when dry) and says how many it took.
func (s *Store) bulkChunk(actor string, refs []string, fn change, after func(x *txn, c *model.Case) error, dry bool) (BulkPlan, int, error) {
	var res BulkPlan
	done := 0
	err := s.update(func(x *txn) error {
		res, done = BulkPlan{}, 0
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
				if after == nil {
					break
				}
				err := after(x, c)
				if errors.As(err, &refusal) {
					res.Stuck = append(res.Stuck, BulkRefusal{Case: c.Name, Reason: refusal.Msg})
				} else if err != nil {
					return err
				}
			default:
				res.Unchanged = append(res.Unchanged, c.Name)
			}
		}
		if dry {
			return errNoChange // roll back: nothing of a dry run is kept
		}
		return nil
	})
	if err != nil {
		return BulkPlan{}, 0, err
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

// PlanAssign is what BulkAssign would do, and which of the cases the new
// assignee could not move on from where they are (the workflow's teams,
// roles, four eyes and paths, for them), without doing it.
func (s *Store) PlanAssign(actor string, refs []string, to string) (BulkPlan, error) {
	var target model.User
	var after func(x *txn, c *model.Case) error
	if to != "" {
		if err := s.view(func(x *txn) (err error) { target, err = x.actor(to); return err }); err != nil {
			return BulkPlan{}, err
		}
		after = func(x *txn, c *model.Case) error { return x.canMoveOn(target, c) }
	}
	p, err := s.plan(actor, refs, assignChange(to), after)
	if target.Availability == model.Busy || target.Availability == model.Unavailable {
		p.Notes = append(p.Notes, fmt.Sprintf("%s is %s", target.Name, target.Availability))
	}
	return p, err
}

// PlanTag is what BulkTag would do, without doing it.
func (s *Store) PlanTag(actor string, refs []string, add, remove []string) (BulkPlan, error) {
	return s.plan(actor, refs, tagChange(add, remove), nil)
}

// PlanStatus is what BulkStatus would do, without doing it.
func (s *Store) PlanStatus(actor string, refs []string, ch StatusChange) (BulkPlan, error) {
	return s.plan(actor, refs, statusChange(ch), nil)
}

// PlanSLA is what BulkSLA would do, without doing it.
func (s *Store) PlanSLA(actor string, refs []string, d time.Duration) (BulkPlan, error) {
	return s.plan(actor, refs, slaChange(d), nil)
}

// WorkflowsOf counts the cases of refs per workflow id, so that a bulk
// status menu offers the statuses of those workflows only.
func (s *Store) WorkflowsOf(refs []string) (map[string]int, error) {
	out := map[string]int{}
	err := s.view(func(x *txn) error {
		for _, ref := range refs {
			c, err := x.caseByRef(ref)
			if err != nil {
				return err
			}
			out[c.Workflow]++
		}
		return nil
	})
	return out, err
}
