package bolt

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"docket/model"
	"docket/store/backend"
)

// splitFixture is a file of n Open cases whose names all hold "case", and
// a filter that matches each of them with room on its page for all.
func splitFixture(t *testing.T, n int) (*DB, []string, backend.Selection) {
	d := openTest(t)
	var ids []string
	update(t, d, func(tx backend.Tx) error {
		tx.Bulk()
		for i := range n {
			c := testCase(i, "", "Open", model.Initial)
			c.ID, c.Name = fmt.Sprintf("case_%04d", i), fmt.Sprintf("CASE-%d", i)
			ids = append(ids, c.ID)
			must(t, putCase(tx, c))
		}
		return nil
	})
	return d, ids, backend.Selection{Queue: backend.QueueOpen, Text: "case", Limit: n + 1, NoTotal: true}
}

// splitWalk gathers what the walk from both ends gives, holding up the
// forward walk at its first match for hold.
func splitWalk(t *testing.T, d *DB, q backend.Selection, hold time.Duration) []string {
	var got []string
	must(t, d.View(func(btx backend.Tx) error {
		b := btx.(*boltTx)
		return b.walkFromBothEnds(context.Background(), q, b.plan(q), orderDeadline, func(sk []byte, c *model.Case) bool {
			if len(got) == 0 {
				time.Sleep(hold)
			}
			got = append(got, c.ID)
			return true
		})
	}))
	return got
}

// Where the two walks of a long index meet, the case there is given once,
// whichever walk gets there first: held up at its first case (as a
// descheduled goroutine is), the forward walk stopped at its 256th entry
// without giving it, and the merge dropped the backward walk's copy as
// given by both.
func TestSplitWalkKeepsTheCaseWhereTheWalksMeet(t *testing.T) {
	d, ids, q := splitFixture(t, 600)
	for _, hold := range []time.Duration{200 * time.Millisecond, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0} {
		if got := splitWalk(t, d, q, hold); !slices.Equal(got, ids) {
			var lost []string
			for _, id := range ids {
				if !slices.Contains(got, id) {
					lost = append(lost, id)
				}
			}
			t.Fatalf("held up %v: the walk from both ends gave %d of %d cases; lost %q", hold, len(got), len(ids), lost)
		}
	}
}

// The walk from both ends reads one state of the index: when a commit
// comes between the listing's transaction and the second walk's, the
// second walk would read the newer state, so the first walks alone.
func TestSplitWalkReadsOneState(t *testing.T) {
	d, ids, q := splitFixture(t, 600)
	var got []string
	must(t, d.View(func(btx backend.Tx) error {
		b := btx.(*boltTx)
		// A case added after this transaction began, last in deadline
		// order: not in its state.
		update(t, d, func(tx backend.Tx) error {
			c := testCase(5000, "", "Open", model.Initial)
			c.ID, c.Name = "case_9999", "CASE-9999"
			return putCase(tx, c)
		})
		return b.walkFromBothEnds(context.Background(), q, b.plan(q), orderDeadline, func(sk []byte, c *model.Case) bool {
			if len(got) == 0 {
				time.Sleep(100 * time.Millisecond) // the other walk goes first
			}
			got = append(got, c.ID)
			return true
		})
	}))
	if !slices.Equal(got, ids) {
		t.Fatalf("the walk gave %d cases (the transaction holds %d); case_9999 among them: %v", len(got), len(ids), slices.Contains(got, "case_9999"))
	}
}
