package pg

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"docket/model"
	"docket/store/backend"
)

// Listing. A selection (backend.Selection; its Matches is what it means)
// becomes one SELECT: every part of it a condition on cases' columns (the
// text found in the search column's bytes), in the order asked, from
// a position (a row comparison with the cursor's sort key, which an index
// scan starts at), LIMIT one more than the page to tell whether more
// follow. Each queue's first page and every next one is read from an
// index in its order (see schema.go and TestListPlans):
//
//   - a queue, or a person's, in either order: cases' own indexes;
//   - All, whose two halves (open, closed) sit apart in those indexes: the
//     two halves read in order and merged (UNION ALL under ORDER BY …
//     LIMIT: a Merge Append);
//   - by deadline with a status or tag filter, when that is the smaller
//     set (from the counters, as bbolt's plan): the index of each status
//     named (cases_status), merged, or the tag's rows of case_tags, each
//     beside its case;
//   - the cases holding one object: their links (few), sorted.
//
// Positions are sort keys (backend.SortKey), whose times have nanoseconds;
// the columns hold microseconds, and a position's times are cut the same
// way before they are compared (see stamp). So a cursor always resumes
// right after its case, and two cases less than a microsecond apart are
// ordered by id.

// driver is the index a listing is read in order from.
type driver int

const (
	byCases  driver = iota // cases' indexes on queue, assignee, workflow
	byStatus               // cases_status, one read per status named
	byTag                  // case_tags_queue
	byObject               // the object's links
)

// listing builds the SQL of one selection, gathering its arguments.
type listing struct {
	sel  backend.Selection
	args []any
}

// arg adds an argument and returns its placeholder.
func (l *listing) arg(v any) string {
	l.args = append(l.args, v)
	return "$" + strconv.Itoa(len(l.args))
}

// byDeadline says whether the order is the deadline's (the default).
func byDeadline(sel backend.Selection) bool {
	return sel.Order != backend.Oldest && sel.Order != backend.Newest
}

// descending says whether the walk goes down the index.
func descending(sel backend.Selection) bool { return (sel.Order == backend.Newest) != sel.Reverse }

// queueConds are the queue's conditions; the open/closed half only when
// withOpen (a read of one half says it itself).
func (l *listing) queueConds(withOpen bool) []string {
	var w []string
	switch l.sel.Queue {
	case backend.QueueMine:
		w = append(w, "c.assignee = "+l.arg(l.sel.Actor))
	case backend.QueueUnassigned:
		w = append(w, "c.assignee IS NULL")
	}
	if withOpen {
		switch l.sel.Queue {
		case backend.QueueClosed:
			w = append(w, "NOT c.open")
		case backend.QueueAll:
		default:
			w = append(w, "c.open")
		}
	}
	return w
}

// filterConds are the selection's filters, but the one the driver reads
// by.
func (l *listing) filterConds(d driver) []string {
	s := l.sel
	var w []string
	if s.Text != "" {
		w = append(w, "position("+l.arg([]byte(s.Text))+"::bytea IN c.search) > 0")
	}
	if s.Assignee != "" {
		w = append(w, "c.assignee = "+l.arg(s.Assignee))
	}
	if s.Unassigned {
		w = append(w, "c.assignee IS NULL")
	}
	if s.Workflow != "" {
		w = append(w, "c.workflow = "+l.arg(s.Workflow))
	}
	if s.Status != "" && d != byStatus {
		w = append(w, l.statusCond())
	}
	if s.Tag != "" && d != byTag {
		w = append(w, "EXISTS (SELECT 1 FROM case_tags ct WHERE ct.case_id = c.id AND ct.tag = "+l.arg(strings.ToLower(s.Tag))+")")
	}
	if s.Reference != "" {
		w = append(w, l.arg(columnText(s.Reference))+" = ANY (c.reference_ids)")
	}
	if s.Object != "" && d != byObject {
		w = append(w, "EXISTS (SELECT 1 FROM case_objects co WHERE co.case_id = c.id AND co.object_id = "+l.arg(s.Object)+")")
	}
	return w
}

// statuses are the stored statuses the selection's status names: those of
// Statuses that are spelled as it is (backend.SameStatus), so a case
// matches as Selection.Matches says and is found in the status's index.
func statuses(sel backend.Selection) []backend.StatusRef {
	var out []backend.StatusRef
	for _, st := range sel.Statuses {
		if backend.SameStatus(st.Status, sel.Status) {
			out = append(out, st)
		}
	}
	return out
}

func (l *listing) statusCond() string {
	var or []string
	for _, st := range statuses(l.sel) {
		or = append(or, "(c.workflow = "+l.arg(st.Workflow)+" AND c.status = "+l.arg(st.Status)+")")
	}
	if len(or) == 0 {
		return "false"
	}
	return "(" + strings.Join(or, " OR ") + ")"
}

// source is one read of a listing in its order.
type source struct {
	from  string
	where []string
	keys  []string // the order's columns
}

// sources are the reads a driver merges.
func (l *listing) sources(d driver) []source {
	keys := []string{"c.due", "c.created_at", "c.id"}
	if !byDeadline(l.sel) {
		keys = keys[1:]
	}
	var out []source
	switch d {
	case byObject:
		where := append([]string{"co.object_id = " + l.arg(l.sel.Object)}, l.queueConds(true)...)
		out = append(out, source{"case_objects co JOIN cases c ON c.id = co.case_id", where, keys})
	case byStatus:
		for _, st := range statuses(l.sel) {
			where := append([]string{"c.workflow = " + l.arg(st.Workflow), "c.status = " + l.arg(st.Status)}, l.queueConds(true)...)
			out = append(out, source{"cases c", where, keys})
		}
	case byTag:
		tag := l.arg(strings.ToLower(l.sel.Tag))
		for _, open := range l.sel.OpenStates() {
			where := append([]string{"t.tag = " + tag, openCond("t", open)}, l.queueConds(false)...)
			out = append(out, source{"case_tags t JOIN cases c ON c.id = t.case_id", where, []string{"t.due", "t.created_at", "t.case_id"}})
		}
	default:
		for _, open := range l.sel.OpenStates() {
			out = append(out, source{"cases c", append([]string{openCond("c", open)}, l.queueConds(false)...), keys})
		}
	}
	filters := l.filterConds(d)
	for i := range out {
		out[i].where = append(out[i].where, filters...)
	}
	return out
}

func openCond(table string, open bool) string {
	if open {
		return table + ".open"
	}
	return "NOT " + table + ".open"
}

// position is the condition that starts a read at the selection's cursor
// (nil: at the start), in its direction.
func (l *listing) position(keys []string) (string, error) {
	cursor, inclusive := l.sel.After, false
	if l.sel.From != nil {
		cursor, inclusive = l.sel.From, true
	}
	if cursor == nil {
		return "", nil
	}
	due, created, id, ok := backend.ParseSortKey(byDeadline(l.sel), cursor)
	if !ok {
		return "", model.Invalidf("bad cursor: %d bytes are no position in the %s order", len(cursor), l.sel.Order)
	}
	vals := []string{l.arg(stamp(created)), l.arg(id)}
	if byDeadline(l.sel) {
		vals = append([]string{l.arg(stamp(due))}, vals...)
	}
	op := ">"
	if descending(l.sel) {
		op = "<"
	}
	if inclusive {
		op += "="
	}
	return "(" + strings.Join(keys, ", ") + ") " + op + " (" + strings.Join(vals, ", ") + ")", nil
}

// listSQL is the query of one page of the selection, read by driver d:
// the id and record of up to limit cases.
func (l *listing) listSQL(d driver, limit int) (string, error) {
	dir := ""
	if descending(l.sel) {
		dir = " DESC"
	}
	srcs := l.sources(d)
	if len(srcs) == 0 {
		return "SELECT NULL::text, NULL::bytea WHERE false", nil
	}
	lim := l.arg(limit)
	var reads []string
	for _, s := range srcs {
		where := s.where
		pos, err := l.position(s.keys)
		if err != nil {
			return "", err
		}
		if pos != "" {
			where = append(where, pos)
		}
		// A read merged with others also gives its sort key, to merge by.
		cols := "c.id, c.record"
		for i, k := range s.keys {
			if len(srcs) > 1 {
				cols += fmt.Sprintf(", %s AS s%d", k, i+1)
			}
		}
		reads = append(reads, fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT %s",
			cols, s.from, strings.Join(where, " AND "), orderBy(s.keys, dir), lim))
	}
	if len(reads) == 1 {
		return reads[0], nil
	}
	merged := make([]string, len(srcs[0].keys))
	for i := range merged {
		merged[i] = "s" + strconv.Itoa(i+1)
	}
	return fmt.Sprintf("SELECT id, record FROM ((%s)) m ORDER BY %s LIMIT %s",
		strings.Join(reads, ") UNION ALL ("), orderBy(merged, dir), lim), nil
}

func orderBy(keys []string, dir string) string {
	return strings.Join(keys, dir+", ") + dir
}

// countSQL is the query that counts the whole selection.
func (l *listing) countSQL() string {
	where := append(l.queueConds(true), l.filterConds(byCases)...)
	return "SELECT count(*) FROM cases c" + whereClause(where)
}

func whereClause(w []string) string {
	if len(w) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w, " AND ")
}

// List reads one page of a selection, and its total as asked.
func (t *tx) List(ctx context.Context, sel backend.Selection) (backend.Page, error) {
	page := backend.Page{Cases: []*model.Case{}, Total: -1}
	if err := ctx.Err(); err != nil {
		return page, err
	}
	d, err := t.driverOf(sel)
	if err != nil {
		return page, err
	}
	if sel.Limit > 0 {
		if page.Cases, page.Next, err = t.page(ctx, sel, d); err != nil {
			return page, err
		}
	}
	page.Total, err = t.listTotal(ctx, sel)
	return page, err
}

// page reads the cases of a page, and the position after its last case
// when more follow.
func (t *tx) page(ctx context.Context, sel backend.Selection, d driver) ([]*model.Case, []byte, error) {
	l := &listing{sel: sel}
	sql, err := l.listSQL(d, sel.Limit+1)
	if err != nil {
		return nil, nil, err
	}
	cases, err := t.readCases(ctx, sql, l.args...)
	if err != nil {
		return nil, nil, err
	}
	var next []byte
	if len(cases) > sel.Limit {
		cases = cases[:sel.Limit]
		next = backend.SortKey(byDeadline(sel), cases[len(cases)-1])
	}
	if !sel.Full {
		for i, c := range cases {
			cases[i] = rowOf(c)
		}
	}
	return cases, next, nil
}

// readCases runs a query of (id, record) rows and decodes each.
func (t *tx) readCases(ctx context.Context, sql string, args ...any) ([]*model.Case, error) {
	out, err := all(t, ctx, func(r pgx.CollectableRow) (*model.Case, error) {
		var id string
		var raw []byte
		if err := r.Scan(&id, &raw); err != nil {
			return nil, err
		}
		return decodeRecord(id, raw)
	}, sql, args...)
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return out, err
}

// rowOf is the part of a case a queue row shows, what bbolt's rows carry
// (store/bolt/codec.go, decodeRow): a listing that does not ask for whole
// records gets no more here than there.
func rowOf(c *model.Case) *model.Case {
	return &model.Case{ID: c.ID, Name: c.Name, Workflow: c.Workflow, Status: c.Status, StatusType: c.StatusType,
		Assignee: c.Assignee, Resolver: c.Resolver, Subject: c.Subject,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, ResolvedAt: c.ResolvedAt, SLAExpiresAt: c.SLAExpiresAt,
		Tags: c.Tags, Version: c.Version, Redacted: c.Redacted, Objects: []model.ObjectRef{}}
}

// listTotal is a page's total: -1 when not asked for, or asked for only
// if quick and the counters cannot say it.
func (t *tx) listTotal(ctx context.Context, sel backend.Selection) (int, error) {
	if sel.NoTotal {
		return -1, nil
	}
	n, exact, err := t.countedTotal(sel)
	switch {
	case err != nil || exact:
		return n, err
	case sel.QuickTotal && sel.Object == "": // bbolt counts an object's few cases always
		return -1, nil
	}
	return t.countAll(ctx, sel)
}

// Count is how many cases the selection holds.
func (t *tx) Count(ctx context.Context, sel backend.Selection) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	n, exact, err := t.countedTotal(sel)
	if err != nil || exact {
		return n, err
	}
	return t.countAll(ctx, sel)
}

// countAll counts the selection's rows.
func (t *tx) countAll(ctx context.Context, sel backend.Selection) (int, error) {
	l := &listing{sel: sel}
	var n int
	if err := t.send(); err != nil {
		return 0, err
	}
	err := t.tx.QueryRow(ctx, l.countSQL(), l.args...).Scan(&n)
	if err != nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return n, t.note(err)
}

// countedTotal is the selection's total from the counters, when they say
// it exactly (exact): a queue alone, or the open, closed or whole queue
// with one filter by assignee, workflow or tag. These are the totals
// bbolt reads from its counters.
func (t *tx) countedTotal(sel backend.Selection) (n int, exact bool, err error) {
	queues, ok := countedQueues(sel)
	if !ok {
		return 0, false, nil
	}
	n, err = t.sumCounts(queues)
	return n, err == nil, err
}

// countedQueues are the counted queues whose sum is the selection, if
// there are.
func countedQueues(sel backend.Selection) ([]string, bool) {
	if sel.Text != "" || sel.Reference != "" || sel.Object != "" || sel.Unassigned || sel.Status != "" {
		return nil, false
	}
	var queue func(open bool) string
	filters := 0
	if sel.Assignee != "" {
		filters++
		queue = func(open bool) string { return qAssignee(sel.Assignee, open) }
	}
	if sel.Workflow != "" {
		filters++
		queue = func(open bool) string { return qWorkflow(sel.Workflow, open) }
	}
	if sel.Tag != "" {
		filters++
		queue = func(open bool) string { return qTag(sel.Tag, open) }
	}
	switch {
	case filters == 0:
		return queueCounted(sel), true
	case filters > 1 || sel.Queue == backend.QueueMine || sel.Queue == backend.QueueUnassigned:
		return nil, false
	}
	return perHalf(sel, queue), true
}

// queueCounted are the counted queues whose sum is a named queue.
func queueCounted(sel backend.Selection) []string {
	switch sel.Queue {
	case backend.QueueMine:
		return []string{qAssignee(sel.Actor, true)}
	case backend.QueueUnassigned:
		return []string{qUnassigned()}
	case backend.QueueClosed:
		return []string{qQueue(false)}
	case backend.QueueAll:
		return []string{qQueue(true), qQueue(false)}
	}
	return []string{qQueue(true)}
}

// driverOf picks the index a listing reads in order: by deadline, a
// status's or tag's when the counters say it holds fewer cases than any
// of cases' own indexes the planner may pick (the queue's, the assignee's,
// the workflow's), as bbolt's plan picks the smallest.
func (t *tx) driverOf(sel backend.Selection) (driver, error) {
	switch {
	case sel.Object != "":
		return byObject, nil
	case !byDeadline(sel) || sel.Status == "" && sel.Tag == "":
		return byCases, nil
	}
	options := readOptions(sel)
	var names []string
	for _, sets := range options {
		for _, qs := range sets {
			names = append(names, qs...)
		}
	}
	n, err := t.counts(names...)
	if err != nil {
		return byCases, err
	}
	best, least := byCases, -1
	for _, d := range []driver{byCases, byStatus, byTag} {
		for _, qs := range options[d] {
			size := 0
			for _, q := range qs {
				size += n[q]
			}
			if least < 0 || size < least {
				best, least = d, size
			}
		}
	}
	return best, nil
}

// readOptions lists, for each driver, the indexes it may read a deadline
// listing from, each as the counted queues that hold its cases.
func readOptions(sel backend.Selection) map[driver][][]string {
	out := map[driver][][]string{byCases: {queueCounted(sel)}}
	if sel.Assignee != "" {
		out[byCases] = append(out[byCases], perHalf(sel, func(open bool) string { return qAssignee(sel.Assignee, open) }))
	}
	if sel.Workflow != "" {
		out[byCases] = append(out[byCases], perHalf(sel, func(open bool) string { return qWorkflow(sel.Workflow, open) }))
	}
	if sel.Tag != "" {
		out[byTag] = [][]string{perHalf(sel, func(open bool) string { return qTag(sel.Tag, open) })}
	}
	if sel.Status != "" {
		qs := []string{}
		for _, st := range statuses(sel) {
			qs = append(qs, qStatus(st.Workflow, st.Status))
		}
		out[byStatus] = [][]string{qs}
	}
	return out
}

// perHalf is a counted queue for each open/closed half the selection's
// queue covers.
func perHalf(sel backend.Selection, queue func(open bool) string) []string {
	var out []string
	for _, open := range sel.OpenStates() {
		out = append(out, queue(open))
	}
	return out
}

// Overdue counts the open cases of the selection whose deadline passed
// before now.
func (t *tx) Overdue(sel backend.Selection, now time.Time) (int, error) {
	if sel.Queue == backend.QueueClosed {
		return 0, nil
	}
	l := &listing{sel: sel}
	where := append([]string{"c.open", "c.due < " + l.arg(stamp(now))}, l.queueConds(false)...)
	where = append(where, l.filterConds(byCases)...)
	var n int
	_, err := t.one("SELECT count(*) FROM cases c"+whereClause(where), l.args, &n)
	return n, err
}

// QueueCounts reads the named queues' counters.
func (t *tx) QueueCounts(actor string) (map[string]int, error) {
	mine := qAssignee(actor, true)
	n, err := t.counts(mine, qUnassigned(), qQueue(true), qQueue(false))
	if err != nil {
		return nil, err
	}
	return map[string]int{
		backend.QueueMine:       n[mine],
		backend.QueueUnassigned: n[qUnassigned()],
		backend.QueueOpen:       n[qQueue(true)],
		backend.QueueClosed:     n[qQueue(false)],
		backend.QueueAll:        n[qQueue(true)] + n[qQueue(false)],
	}, nil
}

// OldestOpenOf is when the oldest open case assigned to user was created,
// read from its record (the column holds microseconds).
func (t *tx) OldestOpenOf(user string) (time.Time, error) {
	cases, err := t.readCases(t.ctx, `SELECT id, record FROM cases WHERE assignee = $1 AND open ORDER BY created_at, id LIMIT 1`, user)
	if err != nil || len(cases) == 0 {
		return time.Time{}, err
	}
	return cases[0].CreatedAt, nil
}
