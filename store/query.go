package store

import (
	"bytes"
	"context"
	"encoding/base64"
	"slices"
	"strings"

	"docket/model"
)

// Queue names.
const (
	QueueMine       = "mine"
	QueueUnassigned = "unassigned"
	QueueOpen       = "open"
	QueueClosed     = "closed"
	QueueAll        = "all"
)

// Queues lists the named queues in the order the UI shows them.
var Queues = []string{QueueMine, QueueUnassigned, QueueOpen, QueueClosed, QueueAll}

// Sort orders a queue.
type Sort string

const (
	SortSLA    Sort = "sla"    // SLA deadline first, then oldest; no deadline last
	SortOldest Sort = "oldest" // creation time, oldest first
	SortNewest Sort = "newest" // creation time, newest first
)

// Query selects a page of cases from one queue.
type Query struct {
	Queue    string // one of Queues; "" means open
	Actor    string // whose "mine"
	Workflow string
	Status   string
	Assignee string
	Tag      string
	// Text matches name, id, subject, reference ids or tags (ignoring case
	// and accents). It may also hold field terms, which act as the fields
	// above: status:pending assignee:ravi (or assignee:none) tag:vip
	// workflow:review; a value with spaces is quoted (status:"review in
	// progress") or written with dashes (status:review-in-progress).
	Text    string
	Sort    Sort
	Reverse bool   // walk the sort order backwards (to page up from a cursor)
	After   string // cursor: start after this case (see Page.Next and CursorOf)
	From    string // cursor: start at this case if it is still there, else after it
	Limit   int    // default 50

	// Unassigned keeps only cases nobody is assigned to (assignee:none).
	Unassigned bool
	// Object keeps only the cases that hold this object (by id).
	Object string
	// Reference keeps only the cases holding an object with this reference
	// id (the integrator's own id for a person or account), exactly.
	Reference string
	// Full reads each listed case's whole record; otherwise a page holds
	// what its rows show (see decodeRow), read from the index alone.
	Full bool

	// NoTotal skips counting the whole selection (Page.Total is then -1):
	// a filter shows its first page before a slow count (see Count).
	NoTotal bool
	// QuickTotal counts the selection only when the counters can say it
	// at once (no text, at most one filter); otherwise Total is -1.
	QuickTotal bool

	text string // Text, folded once
}

// Page is one page of a queue. Cases carry no fields (listing never decodes
// enrichment). Next continues the listing; "" at the end.
type Page struct {
	Cases []*model.Case
	Next  string
	Total int // cases in the whole selection; -1 when not counted (NoTotal)
}

// plan is how a query walks the index: the prefixes to merge, and whether
// the prefixes alone already say every case matches.
type plan struct {
	prefixes []string
	exact    bool
}

// List returns one page of a queue, read from the index in sort order.
func (s *Store) List(q Query) (Page, error) { return s.ListContext(context.Background(), q) }

// ListContext is List that gives up, with ctx's error, once ctx is done: a
// filter keystroke overtaken by the next one stops scanning at once.
func (s *Store) ListContext(ctx context.Context, q Query) (Page, error) {
	var page Page
	err := s.view(func(x *txn) error {
		var err error
		page, err = x.list(ctx, q)
		return err
	})
	return page, err
}

// Count is how many cases a query selects: from the counters when its
// index says it exactly, else by walking the index (cancelled with ctx).
func (s *Store) Count(ctx context.Context, q Query) (int, error) {
	var n int
	err := s.view(func(x *txn) error {
		if err := x.normalise(&q); err != nil {
			return err
		}
		var err error
		n, err = x.total(ctx, q, x.plan(q))
		return err
	})
	return n, err
}

func (x *txn) list(ctx context.Context, q Query) (Page, error) {
	if err := x.normalise(&q); err != nil {
		return Page{}, err
	}
	p := x.plan(q)
	order, reverse := orderDeadline, false
	switch q.Sort {
	case SortOldest:
		order = orderCreated
	case SortNewest:
		order, reverse = orderCreated, true
	}
	if order == orderCreated && len(p.prefixes) > 0 && !hasCreatedOrder(p.prefixes[0]) {
		p = plan{prefixes: x.queuePrefixes(q)}
	}
	from, err := startOf(q)
	if err != nil {
		return Page{}, err
	}
	if q.Object != "" {
		return x.listObject(q, order, reverse != q.Reverse, from)
	}
	page := Page{Cases: []*model.Case{}, Total: -1}
	var last []byte
	add := func(sk []byte, c *model.Case) bool {
		if len(page.Cases) == q.Limit {
			page.Next = encodeCursor(last)
			return false
		}
		page.Cases = append(page.Cases, c)
		last = bytes.Clone(sk)
		return true
	}
	if x.splittable(q, p, from) {
		err = x.walkFromBothEnds(ctx, q, p, order, add)
	} else {
		err = x.walk(ctx, q, p, order, reverse != q.Reverse, from, nil, add)
	}
	if err == nil && !q.NoTotal && (p.exact || !q.QuickTotal) {
		page.Total, err = x.total(ctx, q, p)
	}
	return page, err
}

// walk calls fn with each case the plan selects, in the order asked, until
// fn returns false. It skips entries whose search text lacks the query's
// text before reading anything else (see entryValue), and reads the row
// summary of each match beside its case (see summaryKey).
//
// Given meet, it is one of two walks of one index from either end, and
// stops where the other has been (see walkFromBothEnds).
func (x *txn) walk(ctx context.Context, q Query, p plan, order byte, reverse bool, from position, meet *meeting, fn func(sk []byte, c *model.Case) bool) error {
	m := &merged{reverse: reverse}
	for _, pre := range p.prefixes {
		m.scans = append(m.scans, newScanner(x.tx, pre, order, reverse, from))
	}
	cases := x.b(bCases)
	needle := []byte(q.text)
	var key []byte
	for n := 0; ; n++ {
		if n&1023 == 1023 && ctx.Err() != nil {
			return ctx.Err()
		}
		sk, v, _ := m.next()
		if sk == nil {
			meet.finish(reverse)
			return nil
		}
		if n&255 == 255 && meet.reached(reverse, sk) {
			return nil
		}
		text := searchText(v)
		if text != nil && !bytes.Contains(text, needle) {
			continue // not a match: no need to read its row
		}
		id := caseIDOf(order, sk)
		key = append(append(key[:0], id...), 0)
		summary := cases.Get(key)
		if text == nil {
			if text = searchText(summary); text != nil && !bytes.Contains(text, needle) {
				continue
			}
		}
		c, err := x.row(id, summary)
		if err == nil && q.Full {
			c, err = x.caseHeader(c.ID)
		}
		if err != nil {
			return err
		}
		if (p.exact || q.matches(c, text != nil)) && !fn(sk, c) {
			return nil
		}
	}
}

// row decodes the case a row shows: from its summary, or from the case
// header when the summary is missing (check names that).
func (x *txn) row(id string, summary []byte) (*model.Case, error) {
	if len(summary) > 0 && summary[0] == summaryFormat {
		return decodeRow(summary)
	}
	return x.caseHeader(id)
}

// ids lists the ids of every case a query selects, in its order.
func (x *txn) ids(q Query) ([]string, error) {
	var out []string
	q.Limit, q.NoTotal, q.After = 1000, true, ""
	for {
		page, err := x.list(context.Background(), q)
		if err != nil {
			return nil, err
		}
		for _, c := range page.Cases {
			out = append(out, c.ID)
		}
		if page.Next == "" {
			return out, nil
		}
		q.After = page.Next
	}
}

// IDs lists the ids of every case a query selects (for bulk work on a
// whole queue or filter).
func (s *Store) IDs(q Query) ([]string, error) {
	var out []string
	err := s.view(func(x *txn) error {
		var err error
		out, err = x.ids(q)
		return err
	})
	return out, err
}

func (x *txn) normalise(q *Query) error {
	if q.Queue == "" {
		q.Queue = QueueOpen
	}
	if !slices.Contains(Queues, q.Queue) {
		return model.Invalidf("unknown queue %q (want %s)", q.Queue, strings.Join(Queues, ", "))
	}
	if q.Sort == "" {
		q.Sort = SortSLA
	}
	if !slices.Contains([]Sort{SortSLA, SortOldest, SortNewest}, q.Sort) {
		return model.Invalidf("unknown sort %q (want sla, oldest or newest)", q.Sort)
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if err := q.takeTerms(); err != nil {
		return err
	}
	if q.Queue == QueueMine && q.Actor == "" {
		return model.Invalidf("the mine queue needs a user")
	}
	if q.Workflow != "" {
		if _, err := x.workflow(q.Workflow); err != nil {
			return err
		}
	}
	if q.Status != "" && len(x.statusPrefixes(*q)) == 0 {
		return model.Invalidf("no workflow has a status %q", q.Status)
	}
	if q.Object != "" {
		if err := model.ValidateID("the object id", q.Object); err != nil {
			return err
		}
	}
	if q.Reference != "" {
		// The search text holds reference ids: walk for it, then check
		// each match's references exactly.
		q.Full = true
		if q.text == "" {
			q.text = model.Fold(q.Reference)
		}
	}
	return nil
}

// takeTerms moves the field terms of Text into the query's fields and
// folds what is left for matching.
func (q *Query) takeTerms() error {
	rest, terms := splitTerms(q.Text)
	for _, t := range terms {
		field := map[string]*string{"status": &q.Status, "assignee": &q.Assignee, "tag": &q.Tag, "workflow": &q.Workflow}[t.key]
		if t.key == "assignee" && (t.value == "none" || t.value == "-") {
			q.Unassigned, field = true, nil
		}
		switch {
		case field == nil:
		case *field != "" && !strings.EqualFold(*field, t.value):
			return model.Invalidf("the filter asks for %s %q and %q at once", t.key, *field, t.value)
		default:
			*field = t.value
		}
	}
	q.text = model.Fold(rest)
	return nil
}

// term is one key:value of a filter's text.
type term struct{ key, value string }

// splitTerms separates the field terms of a filter's text from the free
// text around them. A word with a colon whose key is not a field stays
// text (ids and names may hold colons).
func splitTerms(text string) (rest string, terms []term) {
	var words []string
	for i := 0; i < len(text); {
		for i < len(text) && text[i] == ' ' {
			i++
		}
		start := i
		for i < len(text) && text[i] != ' ' {
			if text[i] == '"' { // a quoted stretch holds spaces
				if j := strings.IndexByte(text[i+1:], '"'); j >= 0 {
					i += j + 1
				}
			}
			i++
		}
		word := text[start:i]
		key, value, ok := strings.Cut(word, ":")
		key = strings.ToLower(key)
		if ok && value != "" && (key == "status" || key == "assignee" || key == "tag" || key == "workflow") {
			terms = append(terms, term{key, strings.Trim(value, `"`)})
		} else if word != "" {
			words = append(words, word)
		}
	}
	return strings.Join(words, " "), terms
}

// openStates are the open/closed halves a queue covers.
func (q Query) openStates() []bool {
	switch q.Queue {
	case QueueClosed:
		return []bool{false}
	case QueueAll:
		return []bool{true, false}
	default:
		return []bool{true}
	}
}

// plan picks the smallest index that covers the query; the other filters
// are checked on each case read.
func (x *txn) plan(q Query) plan {
	var options [][]string
	queue := map[string][]string{
		QueueMine:       {pAssignee(q.Actor, true)},
		QueueUnassigned: {pUnassigned()},
		QueueOpen:       {pQueue(true)},
		QueueClosed:     {pQueue(false)},
		QueueAll:        {pQueue(true), pQueue(false)},
	}[q.Queue]
	options = append(options, queue)
	filters := 0
	each := func(build func(open bool) string) []string {
		var ps []string
		for _, open := range q.openStates() {
			ps = append(ps, build(open))
		}
		return ps
	}
	if q.Assignee != "" {
		filters++
		options = append(options, each(func(o bool) string { return pAssignee(q.Assignee, o) }))
	}
	if q.Unassigned {
		filters += 2                                       // never exact: closed cases have no unassigned index
		if q.Queue != QueueClosed && q.Queue != QueueAll { // the index holds open cases only
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
		options = append(options, x.statusPrefixes(q))
	}
	best := options[0]
	for _, o := range options[1:] {
		if x.countOf(o) < x.countOf(best) {
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
			(q.Queue == QueueOpen || q.Queue == QueueClosed || q.Queue == QueueAll))
	return plan{prefixes: best, exact: exact}
}

// queuePrefixes are the open/closed queue prefixes a query covers.
func (x *txn) queuePrefixes(q Query) []string {
	var ps []string
	for _, open := range q.openStates() {
		ps = append(ps, pQueue(open))
	}
	return ps
}

// statusPrefixes lists the status index prefixes for a status name in
// every workflow that has it (or only the filtered one).
func (x *txn) statusPrefixes(q Query) []string {
	ps := []string{}
	for _, w := range x.s.Workflows() {
		if q.Workflow != "" && w.ID != q.Workflow {
			continue
		}
		if st := w.Lookup(q.Status); st != nil {
			ps = append(ps, pStatus(w.ID, st.Name))
		}
	}
	return ps
}

func (x *txn) countOf(prefixes []string) int {
	n := 0
	for _, p := range prefixes {
		n += x.count(p)
	}
	return n
}

// matches checks a case against every filter of the query; the text only
// if it was not already found in the case's row summary (textMatched).
func (q Query) matches(c *model.Case, textMatched bool) bool {
	switch q.Queue {
	case QueueMine:
		if !c.Open() || c.Assignee != q.Actor {
			return false
		}
	case QueueUnassigned:
		if !c.Open() || c.Assignee != "" {
			return false
		}
	case QueueOpen:
		if !c.Open() {
			return false
		}
	case QueueClosed:
		if c.Open() {
			return false
		}
	}
	return (textMatched || c.Matches(q.text)) &&
		(q.Assignee == "" || c.Assignee == q.Assignee) && (!q.Unassigned || c.Assignee == "") &&
		(q.Workflow == "" || c.Workflow == q.Workflow) &&
		(q.Status == "" || sameStatus(c.Status, q.Status)) &&
		(q.Tag == "" || c.HasTag(q.Tag)) &&
		(q.Reference == "" || slices.Contains(c.References, q.Reference))
}

// listObject pages through the cases that hold q.Object: few, read from
// the object's links and ordered here.
func (x *txn) listObject(q Query, order byte, reverse bool, from position) (Page, error) {
	type keyed struct {
		key []byte
		c   *model.Case
	}
	var all []keyed
	ids, err := x.casesOfObject(q.Object)
	if err != nil {
		return Page{}, err
	}
	for _, id := range ids {
		c, err := x.caseHeader(id)
		if err != nil {
			return Page{}, err
		}
		if q.matches(c, false) {
			all = append(all, keyed{sortKey(order, c), c})
		}
	}
	slices.SortFunc(all, func(a, b keyed) int {
		if reverse {
			return bytes.Compare(b.key, a.key)
		}
		return bytes.Compare(a.key, b.key)
	})
	page := Page{Cases: []*model.Case{}, Total: -1}
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
			page.Next = encodeCursor(sortKey(order, page.Cases[len(page.Cases)-1]))
			break
		}
		page.Cases = append(page.Cases, k.c)
	}
	return page, nil
}

func sameStatus(a, b string) bool {
	norm := func(s string) string {
		return strings.NewReplacer("-", " ", "_", " ").Replace(strings.ToLower(strings.TrimSpace(s)))
	}
	return norm(a) == norm(b)
}

// total counts the whole selection: from the counts bucket when the plan
// is exact, else by walking the chosen (smallest) index.
func (x *txn) total(ctx context.Context, q Query, p plan) (int, error) {
	if p.exact {
		return x.countOf(p.prefixes), nil
	}
	n := 0
	err := x.walk(ctx, q, p, orderDeadline, false, position{}, nil, func([]byte, *model.Case) bool { n++; return true })
	return n, err
}

// CursorOf is the cursor that continues a listing in the given sort right
// after (or, with Reverse, right before) case c.
func CursorOf(c *model.Case, sort Sort) string {
	if sort == SortSLA || sort == "" {
		return encodeCursor(sortKey(orderDeadline, c))
	}
	return encodeCursor(sortKey(orderCreated, c))
}

// AssigneeCounts is the number of open cases of each user who has any.
func (s *Store) AssigneeCounts() (map[string]int, error) {
	out := map[string]int{}
	err := s.view(func(x *txn) error {
		return x.be.EachUser(func(u model.User) error {
			if n := x.openCount(u.Name); n > 0 {
				out[u.Name] = n
			}
			return nil
		})
	})
	return out, err
}

// startOf turns the query's cursor into a scan position.
func startOf(q Query) (position, error) {
	if q.From != "" {
		k, err := decodeCursor(q.From)
		return position{key: k, inclusive: true}, err
	}
	k, err := decodeCursor(q.After)
	return position{key: k}, err
}

func encodeCursor(sk []byte) string { return base64.RawURLEncoding.EncodeToString(sk) }

func decodeCursor(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 9 {
		return nil, model.Invalidf("bad cursor %q", s)
	}
	return b, nil
}

// Counts returns the number of cases in each named queue for actor.
func (s *Store) Counts(actor string) (map[string]int, error) {
	out := map[string]int{}
	err := s.view(func(x *txn) error {
		c := func(p string) int { return x.count(p) }
		out[QueueMine] = c(pAssignee(actor, true))
		out[QueueUnassigned] = c(pUnassigned())
		out[QueueOpen] = c(pQueue(true))
		out[QueueClosed] = c(pQueue(false))
		out[QueueAll] = out[QueueOpen] + out[QueueClosed]
		return nil
	})
	return out, err
}

// Case returns one case, by id or name, with its fields.
func (s *Store) Case(ref string) (*model.Case, error) {
	var c *model.Case
	err := s.view(func(x *txn) error {
		var err error
		c, err = x.caseByRef(ref)
		return err
	})
	return c, err
}

// Detail is everything a case pane shows.
type Detail struct {
	Case     *model.Case
	Objects  []*model.Object
	Comments []model.Comment // oldest first
	Events   []model.Event   // oldest first
	Related  []*model.Case   // other cases sharing an object
	// Broken lists where the audit trail fails to verify, or the case,
	// its fields, objects or comments disagree with it: empty when all is
	// as docket wrote it.
	Broken []model.ChainProblem
}

// CaseDetail reads a case with its objects, comments, audit trail and
// related cases in one consistent snapshot.
func (s *Store) CaseDetail(ref string) (*Detail, error) {
	d := &Detail{}
	err := s.view(func(x *txn) error {
		var err error
		if d.Case, err = x.caseByRef(ref); err != nil {
			return err
		}
		if d.Objects, err = x.objectsOf(d.Case); err != nil {
			return err
		}
		if d.Comments, err = x.be.Comments(d.Case.ID); err != nil {
			return err
		}
		if d.Events, err = x.be.Events(d.Case.ID); err != nil {
			return err
		}
		d.Broken = x.verifyCase(d.Case, d.Events, d.Comments)
		d.Related, err = x.related(d.Case)
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// related lists the other cases that share an object with c.
func (x *txn) related(c *model.Case) ([]*model.Case, error) {
	seen := map[string]bool{c.ID: true}
	var out []*model.Case
	for _, r := range c.Objects {
		ids, err := x.casesOfObject(r.ID)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			rc, err := x.caseHeader(id)
			if err != nil {
				return nil, err
			}
			out = append(out, rc)
		}
	}
	return out, nil
}
