package pg

import (
	"strconv"

	"github.com/jackc/pgx/v5"

	"docket/model"
	"docket/store/backend"
)

// Claimable reads the next unassigned open cases in deadline order and
// locks them: FOR UPDATE SKIP LOCKED leaves out the rows another
// transaction holds, so processes pulling cases at once (case next) each
// get cases of their own and none waits on another.
func (t *tx) Claimable(workflow string, after []byte, limit int) ([]string, []byte, error) {
	args := []any{}
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	where := "open AND assignee IS NULL"
	if workflow != "" {
		where += " AND workflow = " + arg(workflow)
	}
	if after != nil {
		due, created, id, ok := backend.ParseSortKey(true, after)
		if !ok {
			return nil, nil, model.Invalidf("bad cursor: %d bytes are no position in the deadline order", len(after))
		}
		where += " AND (due, created_at, id) > (" + arg(stamp(due)) + ", " + arg(stamp(created)) + ", " + arg(id) + ")"
	}
	type claimable struct {
		id    string
		c     *model.Case
		order []byte
	}
	rows, err := all(t, t.ctx, func(r pgx.CollectableRow) (claimable, error) {
		var out claimable
		var record []byte
		if err := r.Scan(&out.id, &record); err != nil {
			return out, err
		}
		c, err := decodeRecord(out.id, record)
		out.c = c
		return out, err
	}, "SELECT id, record FROM cases WHERE "+where+" ORDER BY due, created_at, id LIMIT "+arg(limit+1)+" FOR UPDATE SKIP LOCKED", args...)
	if err != nil {
		return nil, nil, err
	}
	var ids []string
	for i, r := range rows {
		if i == limit {
			return ids, backend.SortKey(true, rows[i-1].c), nil
		}
		ids = append(ids, r.id)
	}
	return ids, nil, nil
}
