package pg

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"docket/model"
	"docket/store/backend"
	"docket/store/pgtest"
)

// TestListPlans checks that the queries List makes read each named queue,
// first page and next, either way, in every order, from an index in that
// order: no Sort in the plan (the planner told to avoid sorting and
// whole-table scans), and the index the queue has. All merges its open
// and closed halves. A deadline listing of a status or a tag, when read
// by it, reads that index.
func TestListPlans(t *testing.T) {
	t.Parallel()
	db := open(t, pgtest.DB(t))
	after := backend.SortKey(true, &model.Case{ID: "case_x", CreatedAt: at(1), SLAExpiresAt: at(2)})
	afterCreated := backend.SortKey(false, &model.Case{ID: "case_x", CreatedAt: at(1)})
	indexes := map[string][2]string{ // by deadline, by creation
		backend.QueueMine:       {"cases_assignee_due", "cases_assignee_new"},
		backend.QueueUnassigned: {"cases_unassigned_due", "cases_unassigned_new"},
		backend.QueueOpen:       {"cases_queue_due", "cases_queue_new"},
		backend.QueueClosed:     {"cases_queue_due", "cases_queue_new"},
		backend.QueueAll:        {"cases_queue_due", "cases_queue_new"},
	}
	for queue, idx := range indexes {
		for _, order := range []string{backend.ByDeadline, backend.Oldest, backend.Newest} {
			for _, next := range []bool{false, true} {
				for _, reverse := range []bool{false, true} {
					sel := backend.Selection{Queue: queue, Actor: "mia", Order: order, Reverse: reverse}
					index := idx[1]
					if order == backend.ByDeadline {
						index = idx[0]
					}
					if next {
						sel.After = afterCreated
						if order == backend.ByDeadline {
							sel.After = after
						}
					}
					name := fmt.Sprintf("%s %s (next %t, reverse %t)", queue, order, next, reverse)
					checkPlan(t, db, name, sel, byCases, index, queue == backend.QueueAll)
				}
			}
		}
	}
	statuses := []backend.StatusRef{{Workflow: "kyc", Status: "In Review"}, {Workflow: "aml", Status: "in_review"}}
	checkPlan(t, db, "a status by deadline", backend.Selection{Queue: backend.QueueOpen, Order: backend.ByDeadline,
		Status: "in review", Statuses: statuses}, byStatus, "cases_status", true)
	checkPlan(t, db, "a tag by deadline, next page", backend.Selection{Queue: backend.QueueAll, Order: backend.ByDeadline,
		Tag: "VIP", After: after}, byTag, "case_tags_queue", true)
	checkPlan(t, db, "a tag in My queue", backend.Selection{Queue: backend.QueueMine, Actor: "mia", Order: backend.ByDeadline,
		Tag: "VIP"}, byTag, "case_tags_queue", false)
}

// checkPlan explains the page query of sel read by d, and checks that it
// reads index in order (and merges, when merged).
func checkPlan(t *testing.T, db *DB, name string, sel backend.Selection, d driver, index string, merged bool) {
	t.Helper()
	sel.Limit = 50
	l := &listing{sel: sel}
	sql, err := l.listSQL(d, sel.Limit+1)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	plan := explain(t, db, sql, l.args...)
	if !strings.Contains(plan, " using "+index+" ") && !strings.Contains(plan, " using "+index+"\n") && !strings.HasSuffix(plan, " using "+index) ||
		sorts(plan) || merged != strings.Contains(plan, "Merge Append") {
		t.Errorf("%s is not read from %s in its order (merged: %t):\n%s\n%s", name, index, merged, sql, plan)
	}
}

// sorts says whether a plan has a Sort node (a Merge Append's "Sort Key"
// merges what comes sorted).
func sorts(plan string) bool {
	for _, line := range strings.Split(plan, "\n") {
		node := strings.TrimSpace(line)
		if _, child, ok := strings.Cut(node, "->  "); ok {
			node = child
		}
		if strings.HasPrefix(node, "Sort ") && !strings.HasPrefix(node, "Sort Key") || node == "Sort" || strings.HasPrefix(node, "Incremental Sort") {
			return true
		}
	}
	return false
}

// explain is the plan of a query, with sorting and whole-table scans
// made as dear as they go.
func explain(t *testing.T, db *DB, sql string, args ...any) string {
	t.Helper()
	ctx := context.Background()
	var plan []string
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		for _, set := range []string{"enable_seqscan", "enable_sort", "enable_bitmapscan", "enable_incremental_sort"} {
			if _, err := tx.Exec(ctx, "SET LOCAL "+set+" = off"); err != nil {
				return err
			}
		}
		rows, _ := tx.Query(ctx, "EXPLAIN (COSTS OFF) "+sql, args...)
		var err error
		plan, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		t.Fatalf("explain %s: %v", sql, err)
	}
	return strings.Join(plan, "\n")
}

// TestListCancelled gives up a listing whose context is done, with the
// context's error.
func TestListCancelled(t *testing.T) {
	t.Parallel()
	db := open(t, pgtest.DB(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := db.View(context.Background(), func(tx backend.Tx) error {
		_, err := tx.List(ctx, backend.Selection{Queue: backend.QueueOpen, Order: backend.ByDeadline, Limit: 10})
		return err
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("List with a cancelled context: %v; want context.Canceled", err)
	}
	err = db.View(context.Background(), func(tx backend.Tx) error {
		_, err := tx.Count(ctx, backend.Selection{Queue: backend.QueueOpen, Text: "x"})
		return err
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Count with a cancelled context: %v; want context.Canceled", err)
	}
}

// TestDriverOf reads a deadline listing by a tag or status only when that
// holds fewer cases than the queue and every other index it could use.
func TestDriverOf(t *testing.T) {
	t.Parallel()
	db := open(t, pgtest.DB(t))
	mustUpdate(t, db, func(tx backend.Tx) error {
		for i := range 12 {
			c := testCase(fmt.Sprintf("case_%02d", i))
			c.Name, c.Assignee, c.Tags = fmt.Sprintf("KYC-%d", i), "ana", []string{"common"}
			switch i {
			case 0:
				c.Tags = []string{"rare"}
			case 1:
				c.Assignee = "bob"
			}
			if err := tx.PutCase(nil, c); err != nil {
				return err
			}
		}
		return nil
	})
	newOnly := []backend.StatusRef{{Workflow: "kyc", Status: "New"}}
	for _, tc := range []struct {
		name string
		sel  backend.Selection
		want driver
	}{
		{"a rare tag", backend.Selection{Tag: "RARE"}, byTag},
		{"a rare tag, oldest first", backend.Selection{Tag: "rare", Order: backend.Oldest}, byCases},
		{"a common tag of one person", backend.Selection{Tag: "common", Assignee: "bob"}, byCases},
		{"a status every case has", backend.Selection{Status: "new", Statuses: newOnly}, byCases},
		{"a status no case has", backend.Selection{Status: "done", Statuses: []backend.StatusRef{{Workflow: "kyc", Status: "Done"}}}, byStatus},
		{"an object", backend.Selection{Object: "inq_1", Tag: "rare"}, byObject},
	} {
		sel := tc.sel
		sel.Queue = backend.QueueOpen
		if sel.Order == "" {
			sel.Order = backend.ByDeadline
		}
		db.View(context.Background(), func(btx backend.Tx) error {
			if d, err := btx.(*tx).driverOf(sel); d != tc.want || err != nil {
				t.Errorf("%s: read by %d (%v); want %d", tc.name, d, err, tc.want)
			}
			return nil
		})
	}
}
