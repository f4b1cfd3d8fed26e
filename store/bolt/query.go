package bolt

import (
	"bytes"
	"context"
	"slices"

	bbolt "go.etcd.io/bbolt"

	"docket/model"
	"docket/store/backend"
)

// The bbolt backend's listing: a queue index keyed by deadline then
// creation (see index.go), walked in order, its prefixes merged.

// plan is how a selection walks the index: the prefixes to merge, and
// whether the prefixes alone already say every case matches.
type plan struct {
	prefixes []string
	exact    bool
}

// List pages through a selection, in its order, from the index.
func (b *boltTx) List(ctx context.Context, q backend.Selection) (backend.Page, error) {
	p := b.plan(q)
	order, reverse := orderDeadline, false
	switch q.Order {
	case backend.Oldest:
		order = orderCreated
	case backend.Newest:
		order, reverse = orderCreated, true
	}
	if order == orderCreated && len(p.prefixes) > 0 && !hasCreatedOrder(p.prefixes[0]) {
		p = plan{prefixes: b.queuePrefixes(q)}
	}
	from := position{key: q.After}
	if q.From != nil {
		from = position{key: q.From, inclusive: true}
	}
	var err error
	if q.Object != "" {
		return b.listObject(q, order, reverse != q.Reverse, from)
	}
	page := backend.Page{Cases: []*model.Case{}, Total: -1}
	var last []byte
	add := func(sk []byte, c *model.Case) bool {
		if len(page.Cases) == q.Limit {
			page.Next = last
			return false
		}
		page.Cases = append(page.Cases, c)
		last = bytes.Clone(sk)
		return true
	}
	if b.splittable(q, p, from) {
		err = b.walkFromBothEnds(ctx, q, p, order, add)
	} else {
		err = b.walk(ctx, q, p, order, reverse != q.Reverse, from, nil, add)
	}
	if err == nil && !q.NoTotal && (p.exact || !q.QuickTotal) {
		page.Total, err = b.total(ctx, q, p)
	}
	return page, err
}

// walk calls fn with each case the plan selects, in the order asked, until
// fn returns false. It skips entries whose search text lacks the query's
// text before reading anything else (see entryValue), and reads the row
// summary of each match beside its case (see summaryKey).
//
// Given meet, it is one of two walks of one index from either end, and
// stops where the other has been (see walkFromBothEnds): once it has
// handled that entry, so that the entry where the walks meet is not left
// to the other walk, which may have passed it.
func (b *boltTx) walk(ctx context.Context, q backend.Selection, p plan, order byte, reverse bool, from position, meet *meeting, fn func(sk []byte, c *model.Case) bool) error {
	m := &merged{reverse: reverse}
	for _, pre := range p.prefixes {
		m.scans = append(m.scans, newScanner(b.tx, pre, order, reverse, from))
	}
	v := visitor{b: b, q: q, exact: p.exact, order: order, cases: b.bucket(bCases), needle: []byte(q.Text), fn: fn}
	for n := 0; ; n++ {
		if n&1023 == 1023 && ctx.Err() != nil {
			return ctx.Err()
		}
		sk, value, _ := m.next()
		if sk == nil {
			meet.finish(reverse)
			return nil
		}
		met := n&255 == 255 && meet.reached(reverse, sk)
		more, err := v.visit(sk, value)
		if err != nil || !more || met {
			return err
		}
	}
}

// visitor is what a walk does with each entry.
type visitor struct {
	b      *boltTx
	q      backend.Selection
	exact  bool // the plan's prefixes select exactly the query's cases
	order  byte
	cases  *bbolt.Bucket
	needle []byte
	key    []byte // the summary key, reused
	fn     func(sk []byte, c *model.Case) bool
}

// visit passes the entry's case to fn if it matches, and says whether the
// walk goes on.
func (v *visitor) visit(sk, value []byte) (bool, error) {
	text := searchText(value)
	if text != nil && !bytes.Contains(text, v.needle) {
		return true, nil // not a match: no need to read its row
	}
	id := caseIDOf(v.order, sk)
	v.key = append(append(v.key[:0], id...), 0)
	summary := v.cases.Get(v.key)
	if text == nil {
		if text = searchText(summary); text != nil && !bytes.Contains(text, v.needle) {
			return true, nil
		}
	}
	c, err := v.b.row(id, summary)
	if err == nil && v.q.Full {
		c, err = v.b.mustCase(c.ID)
	}
	if err != nil {
		return false, err
	}
	if (v.exact || v.q.Matches(c, text != nil)) && !v.fn(sk, c) {
		return false, nil
	}
	return true, nil
}

// row decodes the case a row shows: from its summary, or from the case
// header when the summary is missing (check names that).
func (b *boltTx) row(id string, summary []byte) (*model.Case, error) {
	if len(summary) > 0 && summary[0] == summaryFormat {
		return decodeRow(summary)
	}
	return b.mustCase(id)
}

// plan picks the smallest index that covers the query; the other filters
// are checked on each case read.
func (b *boltTx) plan(q backend.Selection) plan {
	var options [][]string
	queue := map[string][]string{
		backend.QueueMine:       {pAssignee(q.Actor, true)},
		backend.QueueUnassigned: {pUnassigned()},
		backend.QueueOpen:       {pQueue(true)},
		backend.QueueClosed:     {pQueue(false)},
		backend.QueueAll:        {pQueue(true), pQueue(false)},
	}[q.Queue]
	options = append(options, queue)
	filters := 0
	each := func(build func(open bool) string) []string {
		var ps []string
		for _, open := range q.OpenStates() {
			ps = append(ps, build(open))
		}
		return ps
	}
	if q.Assignee != "" {
		filters++
		options = append(options, each(func(o bool) string { return pAssignee(q.Assignee, o) }))
	}
	if q.Unassigned {
		filters += 2                                                       // never exact: closed cases have no unassigned index
		if q.Queue != backend.QueueClosed && q.Queue != backend.QueueAll { // the index holds open cases only
			options = append(options, []string{pUnassigned()})
		}
	}
	if q.Workflow != "" {
		filters++
		options = append(options, each(func(o bool) string { return pWorkflow(q.Workflow, o) }))
	}
	if q.Tag != "" {
		filters++
		options = append(options, each(func(o bool) string { return pTag(q.Tag, o) }))
	}
	if q.Status != "" {
		filters++
		options = append(options, b.statusPrefixes(q))
	}
	best := options[0]
	for _, o := range options[1:] {
		if b.countOf(o) < b.countOf(best) {
			best = o
		}
	}
	// Text is matched on every case walked, through the row summaries
	// (see walk), so the smallest index is the cheapest to walk with text
	// too: a filter of My queue reads no one else's cases.
	// Without filters the queue's own prefixes are exact; with one filter
	// its prefixes are exact when the queue is only an open/closed split.
	if q.Text != "" || q.Reference != "" {
		filters += 2 // never exact: text is matched on each case
	}
	exact := filters == 0 ||
		(filters == 1 && !slices.Equal(best, queue) && q.Status == "" &&
			(q.Queue == backend.QueueOpen || q.Queue == backend.QueueClosed || q.Queue == backend.QueueAll))
	return plan{prefixes: best, exact: exact}
}

// queuePrefixes are the open/closed queue prefixes a query covers.
func (b *boltTx) queuePrefixes(q backend.Selection) []string {
	var ps []string
	for _, open := range q.OpenStates() {
		ps = append(ps, pQueue(open))
	}
	return ps
}

// statusPrefixes lists the status index prefixes for a status name in
// every workflow that has it (or only the filtered one).
func (b *boltTx) statusPrefixes(q backend.Selection) []string {
	ps := []string{}
	for _, st := range q.Statuses {
		ps = append(ps, pStatus(st.Workflow, st.Status))
	}
	return ps
}

func (b *boltTx) countOf(prefixes []string) int {
	n := 0
	for _, p := range prefixes {
		n += b.count(p)
	}
	return n
}

// listObject pages through the cases that hold q.Object: few, read from
// the object's links and ordered here.
func (b *boltTx) listObject(q backend.Selection, order byte, reverse bool, from position) (backend.Page, error) {
	type keyed struct {
		key []byte
		c   *model.Case
	}
	var all []keyed
	ids, err := b.CasesOf(q.Object)
	if err != nil {
		return backend.Page{}, err
	}
	for _, id := range ids {
		c, err := b.mustCase(id)
		if err != nil {
			return backend.Page{}, err
		}
		if q.Matches(c, false) {
			all = append(all, keyed{sortKey(order, c), c})
		}
	}
	slices.SortFunc(all, func(k1, k2 keyed) int {
		if reverse {
			return bytes.Compare(k2.key, k1.key)
		}
		return bytes.Compare(k1.key, k2.key)
	})
	page := backend.Page{Cases: []*model.Case{}, Total: -1}
	if !q.NoTotal {
		page.Total = len(all)
	}
	for _, k := range all {
		if from.key != nil {
			cmp := bytes.Compare(k.key, from.key)
			if reverse {
				cmp = -cmp
			}
			if cmp < 0 || cmp == 0 && !from.inclusive {
				continue
			}
		}
		if len(page.Cases) == q.Limit {
			page.Next = sortKey(order, page.Cases[len(page.Cases)-1])
			break
		}
		page.Cases = append(page.Cases, k.c)
	}
	return page, nil
}

// total counts the whole selection: from the counts bucket when the plan
// is exact, else by walking the chosen (smallest) index.
func (b *boltTx) total(ctx context.Context, q backend.Selection, p plan) (int, error) {
	if p.exact {
		return b.countOf(p.prefixes), nil
	}
	n := 0
	err := b.walk(ctx, q, p, orderDeadline, false, position{}, nil, func([]byte, *model.Case) bool { n++; return true })
	return n, err
}

// mustCase reads a case the index names: one that is not there is an
// error, as the index and the cases disagree.
func (b *boltTx) mustCase(id string) (*model.Case, error) {
	c, err := b.CaseHeader(id)
	if err == nil && c == nil {
		err = model.NotFoundf("no case with id %q", id)
	}
	return c, err
}

// Count is how many cases a selection holds: from the counters when its
// index says it exactly, else by walking the index (cancelled with ctx).
func (b *boltTx) Count(ctx context.Context, q backend.Selection) (int, error) {
	if q.Object != "" {
		return b.objectCases(q, func(*model.Case) bool { return true })
	}
	return b.total(ctx, q, b.plan(q))
}

// objectCases counts the cases holding q.Object that the selection keeps
// and keep says yes to: few, read from the object's links.
func (b *boltTx) objectCases(q backend.Selection, keep func(*model.Case) bool) (int, error) {
	ids, err := b.CasesOf(q.Object)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		c, err := b.mustCase(id)
		if err != nil {
			return 0, err
		}
		if q.Matches(c, false) && keep(c) {
			n++
		}
	}
	return n, nil
}

// QueueCounts reads the named queues' counters.
func (b *boltTx) QueueCounts(actor string) (map[string]int, error) {
	out := map[string]int{
		backend.QueueMine:       b.count(pAssignee(actor, true)),
		backend.QueueUnassigned: b.count(pUnassigned()),
		backend.QueueOpen:       b.count(pQueue(true)),
		backend.QueueClosed:     b.count(pQueue(false)),
	}
	out[backend.QueueAll] = out[backend.QueueOpen] + out[backend.QueueClosed]
	return out, nil
}

// Claimable pages through Unassigned: bbolt has one writer at a time, so
// no other claimer can hold a case it lists.
func (b *boltTx) Claimable(workflow string, after []byte, limit int) ([]string, []byte, error) {
	page, err := b.List(context.Background(), backend.Selection{Queue: backend.QueueUnassigned, Workflow: workflow,
		Order: backend.ByDeadline, After: after, Limit: limit, NoTotal: true})
	var ids []string
	for _, c := range page.Cases {
		ids = append(ids, c.ID)
	}
	return ids, page.Next, err
}
