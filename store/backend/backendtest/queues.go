package backendtest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"docket/model"
	"docket/store/backend"
)

// The queues are checked against an oracle: the suite keeps the cases it
// wrote, and what a selection holds is what backend.Selection.Matches
// says (and, for an object, what is linked to it), in the order of
// backend.SortKey. A filter's text is found in a case's search text
// (searchText), as bbolt finds it.

// world is what the suite wrote: the cases, the links, the time.
type world struct {
	cases map[string]*model.Case
	links map[string][]string // object id -> case ids
	now   time.Time
}

// statusesOf are the statuses a typed status names, as the rules resolve
// them: each workflow's own spelling.
var workflowStatuses = map[string][]struct {
	name string
	typ  model.StatusType
}{
	"kyc": {{"New", model.Initial}, {"In Review", model.Intermediate}, {"Approved", model.End}, {"Rejected", model.End}},
	"aml": {{"new", model.Initial}, {"in_review", model.Intermediate}, {"closed", model.End}},
}

func statusRefs(typed, workflow string) []backend.StatusRef {
	out := []backend.StatusRef{}
	for _, wf := range []string{"aml", "kyc"} {
		if workflow != "" && wf != workflow {
			continue
		}
		for _, st := range workflowStatuses[wf] {
			if backend.SameStatus(st.name, typed) {
				out = append(out, backend.StatusRef{Workflow: wf, Status: st.name})
			}
		}
	}
	return out
}

// makeWorld makes n cases that differ in every way a selection looks at,
// with ties in deadline and creation time (broken by id), and links some
// to objects.
func makeWorld(n int) *world {
	w := &world{cases: map[string]*model.Case{}, links: map[string][]string{}, now: at(60)}
	assignees := []string{"", "ana", "ben", "cyd"}
	subjects := []string{"Anna Müller", "Emre Yılmaz", "", "Jo Smith", "Zoë Ødegård", "Sam"}
	tags := [][]string{{"VIP"}, {"pep", "Fraud"}, nil, {"vip", "PEP"}, {"fraud"}, {"VIP", "vip"}, {"other"}}
	for i := range n {
		wf := "kyc"
		if i%3 == 0 {
			wf = "aml"
		}
		sts := workflowStatuses[wf]
		st := sts[(i/3)%len(sts)]
		c := &model.Case{
			ID:   fmt.Sprintf("case_%03d", (i*17)%n), // ids out of creation order
			Name: fmt.Sprintf("%s-%d", strings.ToUpper(wf), i+1), Workflow: wf, Status: st.name, StatusType: st.typ,
			Assignee: assignees[i%4], CreatedAt: at(i / 2), UpdatedAt: at(i),
			Subject: subjects[i%len(subjects)], Tags: slices.Clone(tags[i%len(tags)]), Objects: []model.ObjectRef{},
			Version: int64(1 + i%3), Fields: []byte(`{}`),
		}
		switch i % 5 {
		case 1:
			c.SLAExpiresAt = at(i) // before now: overdue if open
		case 2, 3, 4:
			c.SLAExpiresAt = at(100 + (i%7)*10) // later, some the same
		}
		switch i % 5 {
		case 2:
			c.References = []string{"ref-1"}
		case 3:
			c.References = []string{"ref-2", "ref-1"}
		}
		if !c.Open() {
			c.Resolver, c.ResolvedAt = "lead", at(i+1)
		}
		w.cases[c.ID] = c
		if i%7 == 0 {
			w.link("inq_1", c)
		}
		if i%9 == 0 {
			w.link("act_2", c)
		}
	}
	return w
}

func (w *world) link(object string, c *model.Case) {
	w.links[object] = append(w.links[object], c.ID)
	c.Objects = append(c.Objects, model.ObjectRef{Kind: model.KindInquiry, Type: "inquiry", ID: object})
}

// write stores the world: objects, cases, links.
func (w *world) write(t *testing.T, s Store) {
	update(t, s, func(tx backend.Tx) {
		for _, id := range []string{"inq_1", "act_2"} {
			_, err := tx.PutObject(&model.Object{ObjectRef: model.ObjectRef{Kind: model.KindInquiry, Type: "inquiry", ID: id}, RefOnly: true})
			must(t, err)
		}
		for _, c := range w.sorted() {
			must(t, tx.PutCase(nil, c.Clone()))
		}
		for object, ids := range w.links {
			for _, id := range ids {
				must(t, tx.Link(object, id))
			}
		}
	})
}

func (w *world) sorted() []*model.Case {
	var out []*model.Case
	for _, c := range w.cases {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *model.Case) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// want is what a selection holds, in its order (and direction).
func (w *world) want(sel backend.Selection) []*model.Case {
	var out []*model.Case
	for _, c := range w.sorted() {
		if bytes.Contains(searchText(c), []byte(sel.Text)) && sel.Matches(c, true) &&
			(sel.Object == "" || slices.Contains(w.links[sel.Object], c.ID)) {
			out = append(out, c)
		}
	}
	deadline := sel.Order == backend.ByDeadline
	slices.SortFunc(out, func(a, b *model.Case) int {
		return bytes.Compare(backend.SortKey(deadline, a), backend.SortKey(deadline, b))
	})
	if (sel.Order == backend.Newest) != sel.Reverse {
		slices.Reverse(out)
	}
	return out
}

// searchText is what a filter's text (folded) is found in: the case's
// name, id, subject, reference ids and tags, folded, each after a U+0000
// (bbolt's row summary, store/bolt/codec.go encodeSummary). A text may span two
// parts.
func searchText(c *model.Case) []byte { return []byte(c.SearchText()) }

// overdue is how many open cases of a selection are past their deadline.
func (w *world) overdue(sel backend.Selection) int {
	if sel.Queue == backend.QueueClosed {
		return 0
	}
	n := 0
	for _, c := range w.want(sel) {
		if c.Overdue(w.now) {
			n++
		}
	}
	return n
}

// selections are the selections checked: every queue, every order, with
// every kind of filter.
func selections() []backend.Selection {
	filters := []backend.Selection{
		{},
		{Assignee: "ben"},
		{Unassigned: true},
		{Workflow: "aml"},
		{Status: "in review"},
		{Status: "IN-REVIEW", Workflow: "kyc"},
		{Status: "approved"},
		{Tag: "vip"},
		{Tag: "PEP"},
		{Text: "muller"},
		{Text: "kyc-1"},
		{Text: "ref-2"},
		{Text: "fraud"},             // a tag
		{Text: "case_01"},           // ids
		{Text: "odegard"},           // Ødegård, folded
		{Text: "kyc-11\x00case_02"}, // across name and id
		{Text: "ller\nkyc"},         // a line break: nothing
		{Text: "nothing like it"},
		{Reference: "ref-1"},
		{Object: "inq_1"},
		{Workflow: "kyc", Tag: "vip"},
		{Assignee: "ana", Text: "yilmaz"},
		{Status: "new", Tag: "fraud"},
	}
	var out []backend.Selection
	for _, queue := range []string{backend.QueueMine, backend.QueueUnassigned, backend.QueueOpen, backend.QueueClosed, backend.QueueAll} {
		for _, order := range []string{backend.ByDeadline, backend.Oldest, backend.Newest} {
			for _, f := range filters {
				sel := f
				sel.Queue, sel.Actor, sel.Order = queue, "ana", order
				if sel.Status != "" {
					sel.Statuses = statusRefs(sel.Status, sel.Workflow)
				}
				if sel.Reference != "" {
					// As the rules ask (store/query.go, normalise): the
					// reference found through the search text, then checked
					// on the whole record.
					sel.Full, sel.Text = true, model.Fold(sel.Reference)
				}
				out = append(out, sel)
			}
		}
	}
	return out
}

func describe(sel backend.Selection) string {
	s := sel.Queue + " " + sel.Order
	for _, f := range []struct{ k, v string }{{"assignee", sel.Assignee}, {"workflow", sel.Workflow}, {"status", sel.Status},
		{"tag", sel.Tag}, {"text", sel.Text}, {"reference", sel.Reference}, {"object", sel.Object}} {
		if f.v != "" {
			s += fmt.Sprintf(" %s:%q", f.k, f.v)
		}
	}
	if sel.Unassigned {
		s += " unassigned"
	}
	if sel.Reverse {
		s += " reversed"
	}
	return s
}

func ids(cases []*model.Case) []string {
	out := make([]string, 0, len(cases))
	for _, c := range cases {
		out = append(out, c.ID)
	}
	return out
}

func testQueues(t *testing.T, s Store) {
	w := makeWorld(48)
	w.write(t, s)
	checkQueues(t, s, w)
}

// checkQueues lists every selection against the world.
func checkQueues(t *testing.T, s Store, w *world) {
	t.Helper()
	for _, sel := range selections() {
		view(t, s, func(tx backend.Tx) { checkSelection(t, tx, w, sel) })
	}
}

// checkSelection pages through a selection both ways, starts it at and
// after a case, and counts it.
func checkSelection(t *testing.T, tx backend.Tx, w *world, sel backend.Selection) {
	t.Helper()
	ctx := context.Background()
	name := describe(sel)
	want := w.want(sel)
	got := walk(t, tx, sel, 4)
	same(t, name+", forward", ids(got), ids(want))
	back := sel
	back.Reverse = true
	wantBack := slices.Clone(want)
	slices.Reverse(wantBack)
	same(t, name+", backward", ids(walk(t, tx, back, 5)), ids(wantBack))

	first, err := tx.List(ctx, withLimit(sel, 2))
	must(t, err)
	if first.Total != len(want) {
		t.Errorf("%s: Total %d; want %d", name, first.Total, len(want))
	}
	quick := withLimit(sel, 2)
	quick.QuickTotal = true
	if p, err := tx.List(ctx, quick); err != nil || p.Total != -1 && p.Total != len(want) {
		t.Errorf("%s: QuickTotal %d, %v; want -1 or %d", name, p.Total, err, len(want))
	}
	none := withLimit(sel, 2)
	none.NoTotal = true
	if p, err := tx.List(ctx, none); err != nil || p.Total != -1 {
		t.Errorf("%s: NoTotal gives Total %d, %v; want -1", name, p.Total, err)
	}
	if sel.Object == "" { // see testObjectCounts
		checkCounts(t, tx, w, sel)
	}
	if len(want) >= 3 {
		checkCursors(t, tx, sel, want)
	}
}

// checkCounts counts a selection and its overdue cases.
func checkCounts(t *testing.T, tx backend.Tx, w *world, sel backend.Selection) {
	t.Helper()
	name := describe(sel)
	want := len(w.want(sel))
	if n, err := tx.Count(context.Background(), sel); n != want || err != nil {
		t.Errorf("%s: Count = %d, %v; want %d", name, n, err, want)
	}
	if n, err := tx.Overdue(sel, w.now); n != w.overdue(sel) || err != nil {
		t.Errorf("%s: Overdue = %d, %v; want %d", name, n, err, w.overdue(sel))
	}
}

// testObjectCounts counts the cases holding an object, in every queue,
// as a listing's total does. (bbolt's Count and Overdue leave the object
// out: Selection.Matches does not look at it.)
func testObjectCounts(t *testing.T, s Store) {
	w := makeWorld(48)
	w.write(t, s)
	view(t, s, func(tx backend.Tx) {
		for _, sel := range selections() {
			if sel.Object != "" {
				checkCounts(t, tx, w, sel)
			}
		}
	})
}

func withLimit(sel backend.Selection, n int) backend.Selection {
	sel.Limit = n
	return sel
}

// checkCursors starts a selection at a case (From), after it (After), and
// pages up from one (Reverse, After).
func checkCursors(t *testing.T, tx backend.Tx, sel backend.Selection, want []*model.Case) {
	t.Helper()
	ctx := context.Background()
	name := describe(sel)
	deadline := sel.Order == backend.ByDeadline
	from := withLimit(sel, 2)
	from.From = backend.SortKey(deadline, want[1])
	p, err := tx.List(ctx, from)
	must(t, err)
	same(t, name+", from its second case", ids(p.Cases), ids(want[1:3]))
	after := withLimit(sel, 2)
	after.After = backend.SortKey(deadline, want[0])
	p, err = tx.List(ctx, after)
	must(t, err)
	same(t, name+", after its first case", ids(p.Cases), ids(want[1:3]))
	up := withLimit(sel, 5)
	up.After, up.Reverse = backend.SortKey(deadline, want[2]), !sel.Reverse
	p, err = tx.List(ctx, up)
	must(t, err)
	same(t, name+", paging up from its third case", ids(p.Cases), []string{want[1].ID, want[0].ID})
	if p.Next != nil {
		t.Errorf("%s: paging up from the third case gives a Next past the first", name)
	}
}

// walk lists a whole selection page by page, checking each page's Next.
func walk(t *testing.T, tx backend.Tx, sel backend.Selection, limit int) []*model.Case {
	t.Helper()
	sel.Limit = limit
	var out []*model.Case
	deadline := sel.Order == backend.ByDeadline
	for range 1000 {
		page, err := tx.List(context.Background(), sel)
		if err != nil {
			t.Fatalf("%s: %v", describe(sel), err)
		}
		if len(page.Cases) > limit {
			t.Fatalf("%s: a page of %d holds %d cases", describe(sel), limit, len(page.Cases))
		}
		out = append(out, page.Cases...)
		if page.Next == nil {
			return out
		}
		if len(page.Cases) != limit || !bytes.Equal(page.Next, backend.SortKey(deadline, page.Cases[len(page.Cases)-1])) {
			t.Fatalf("%s: a page of %d cases has Next %x; want the sort key of its last case, on a full page", describe(sel), len(page.Cases), page.Next)
		}
		sel.After = page.Next
	}
	t.Fatalf("%s: no end after 1000 pages", describe(sel))
	return nil
}

// testQueuesAfterMoves moves cases between statuses, people, tags and
// deadlines, then lists again.
func testQueuesAfterMoves(t *testing.T, s Store) {
	w := makeWorld(30)
	w.write(t, s)
	update(t, s, func(tx backend.Tx) {
		for i, c := range w.sorted() {
			if i%2 != 0 {
				continue
			}
			old := c.Clone()
			move(c, i)
			must(t, tx.PutCase(old, c.Clone()))
		}
	})
	checkQueues(t, s, w)
}

// move changes a case in one of the ways the rules do.
func move(c *model.Case, i int) {
	c.Version++
	c.UpdatedAt = at(200 + i)
	switch i % 8 {
	case 0: // decided
		for _, st := range workflowStatuses[c.Workflow] {
			if st.typ == model.End && st.name != c.Status {
				c.Status, c.StatusType, c.Resolver, c.ResolvedAt = st.name, st.typ, "lead", at(200)
				break
			}
		}
	case 2: // reopened, or moved on
		c.Status, c.StatusType = workflowStatuses[c.Workflow][1].name, model.Intermediate
		c.Resolver, c.ResolvedAt = "", time.Time{}
	case 4: // given to someone else, or taken back
		c.Assignee = map[string]string{"": "ben", "ana": "", "ben": "cyd", "cyd": "ana"}[c.Assignee]
	case 6: // tags and deadline changed
		c.Tags = append(c.Tags, "New-Tag", "vip")
		c.SLAExpiresAt = at(5)
	}
}

// testCountsFollowMoves checks OpenOf, InStatus, QueueCounts and the
// counted totals as cases move, in the moving transaction and after it.
func testCountsFollowMoves(t *testing.T, s Store) {
	w := makeWorld(24)
	check := func(tx backend.Tx, when string) {
		t.Helper()
		for _, user := range []string{"ana", "ben", "cyd", "nobody"} {
			if n, err := tx.OpenOf(user); n != w.count(func(c *model.Case) bool { return c.Open() && c.Assignee == user }) || err != nil {
				t.Errorf("%s: OpenOf(%s) = %d, %v", when, user, n, err)
			}
		}
		for wf, sts := range workflowStatuses {
			for _, st := range sts {
				want := w.count(func(c *model.Case) bool { return c.Workflow == wf && strings.EqualFold(c.Status, st.name) })
				for _, spelled := range []string{st.name, strings.ToUpper(st.name)} {
					if n, err := tx.InStatus(wf, spelled); n != want || err != nil {
						t.Errorf("%s: InStatus(%s, %s) = %d, %v; want %d", when, wf, spelled, n, err, want)
					}
				}
			}
		}
		checkQueueCounts(t, tx, w, when)
		for _, sel := range []backend.Selection{{Queue: backend.QueueOpen, Tag: "vip"}, {Queue: backend.QueueAll, Workflow: "aml"},
			{Queue: backend.QueueClosed, Assignee: "ben"}, {Queue: backend.QueueMine, Actor: "cyd"}} {
			sel.Order = backend.ByDeadline
			if n, err := tx.Count(context.Background(), sel); n != len(w.want(sel)) || err != nil {
				t.Errorf("%s: Count(%s) = %d, %v; want %d", when, describe(sel), n, err, len(w.want(sel)))
			}
		}
	}
	update(t, s, func(tx backend.Tx) {
		for _, c := range w.sorted() {
			must(t, tx.PutCase(nil, c.Clone()))
		}
		check(tx, "in the transaction that wrote them")
	})
	view(t, s, func(tx backend.Tx) { check(tx, "after commit") })
	for round := range 3 {
		update(t, s, func(tx backend.Tx) {
			for i, c := range w.sorted() {
				if (i+round)%3 == 0 {
					old := c.Clone()
					move(c, i+round)
					must(t, tx.PutCase(old, c.Clone()))
				}
			}
			check(tx, fmt.Sprintf("moving, round %d", round+1))
		})
		view(t, s, func(tx backend.Tx) { check(tx, fmt.Sprintf("after round %d", round+1)) })
	}
}

func (w *world) count(keep func(*model.Case) bool) int {
	n := 0
	for _, c := range w.cases {
		if keep(c) {
			n++
		}
	}
	return n
}

func checkQueueCounts(t *testing.T, tx backend.Tx, w *world, when string) {
	t.Helper()
	for _, actor := range []string{"ana", "ben", "nobody"} {
		got, err := tx.QueueCounts(actor)
		must(t, err)
		want := map[string]int{}
		for _, q := range []string{backend.QueueMine, backend.QueueUnassigned, backend.QueueOpen, backend.QueueClosed, backend.QueueAll} {
			want[q] = len(w.want(backend.Selection{Queue: q, Actor: actor, Order: backend.ByDeadline}))
		}
		same(t, when+": QueueCounts("+actor+")", got, want)
		oldest := time.Time{}
		for _, c := range w.want(backend.Selection{Queue: backend.QueueMine, Actor: actor, Order: backend.Oldest}) {
			oldest = c.CreatedAt
			break
		}
		if got, err := tx.OldestOpenOf(actor); !got.Equal(oldest) || err != nil {
			t.Errorf("%s: OldestOpenOf(%s) = %v, %v; want %v", when, actor, got, err, oldest)
		}
	}
}

func testQueueCounts(t *testing.T, s Store) {
	w := makeWorld(40)
	w.write(t, s)
	view(t, s, func(tx backend.Tx) { checkQueueCounts(t, tx, w, "") })
}

// testCursorOfMovedCase continues a listing after a case that has since
// left its place: from where it was.
func testCursorOfMovedCase(t *testing.T, s Store) {
	w := makeWorld(20)
	w.write(t, s)
	sel := backend.Selection{Queue: backend.QueueAll, Order: backend.ByDeadline, Limit: 100}
	all := w.want(sel)
	mid := all[len(all)/2]
	cursor := backend.SortKey(true, mid)
	old := mid.Clone()
	mid.SLAExpiresAt, mid.Version = at(-100), mid.Version+1 // now first in the order
	update(t, s, func(tx backend.Tx) { must(t, tx.PutCase(old, mid.Clone())) })
	var want []string
	for _, c := range w.want(sel) {
		if bytes.Compare(backend.SortKey(true, c), cursor) > 0 {
			want = append(want, c.ID)
		}
	}
	view(t, s, func(tx backend.Tx) {
		sel.After = cursor
		p, err := tx.List(context.Background(), sel)
		must(t, err)
		same(t, "listing after a case that moved", ids(p.Cases), want)
		sel.After, sel.From = nil, cursor
		p, err = tx.List(context.Background(), sel)
		must(t, err)
		same(t, "listing from a case that moved", ids(p.Cases), want)
	})
}

// testNanosecondCursors lists cases whose times have nanoseconds (more
// than a microsecond apart) and continues from each.
func testNanosecondCursors(t *testing.T, s Store) {
	var cases []*model.Case
	for i := range 6 {
		c := simpleCase(fmt.Sprintf("case_n%d", 5-i), fmt.Sprintf("KYC-%d", i+1), 0)
		c.CreatedAt = base.Add(time.Duration(i*1500 + 7)) // 1.5µs apart, odd nanoseconds
		c.SLAExpiresAt = at(30).Add(time.Duration((i%2)*2001 + 999))
		cases = append(cases, c)
	}
	putCases(t, s, cases...)
	w := &world{cases: map[string]*model.Case{}}
	for _, c := range cases {
		w.cases[c.ID] = c
	}
	for _, order := range []string{backend.ByDeadline, backend.Oldest, backend.Newest} {
		sel := backend.Selection{Queue: backend.QueueOpen, Order: order}
		want := w.want(sel)
		view(t, s, func(tx backend.Tx) {
			got := walk(t, tx, sel, 1)
			same(t, order+": paged one by one", ids(got), ids(want))
			for i, c := range got {
				same(t, order+": a row listed", row(c), row(want[i]))
			}
			from := withLimit(sel, 1)
			from.Full = true
			for _, c := range want {
				from.From = backend.SortKey(order == backend.ByDeadline, c)
				p, err := tx.List(context.Background(), from)
				must(t, err)
				if len(p.Cases) != 1 || p.Cases[0].ID != c.ID {
					t.Errorf("%s: from %s gives %v", order, c.ID, ids(p.Cases))
				}
			}
		})
	}
}

// testRowsAndRecords lists without and with Full: rows carry what bbolt's
// rows do, whole records the whole header.
func testRowsAndRecords(t *testing.T, s Store) {
	c := fullCase()
	putCases(t, s, c)
	view(t, s, func(tx backend.Tx) {
		sel := backend.Selection{Queue: backend.QueueOpen, Order: backend.ByDeadline, Limit: 5}
		p, err := tx.List(context.Background(), sel)
		must(t, err)
		if len(p.Cases) != 1 {
			t.Fatalf("listed %d cases; want 1", len(p.Cases))
		}
		same(t, "a row", row(p.Cases[0]), row(c))
		sel.Full = true
		p, err = tx.List(context.Background(), sel)
		must(t, err)
		if len(p.Cases) != 1 {
			t.Fatalf("listed %d cases; want 1", len(p.Cases))
		}
		same(t, "a whole record", p.Cases[0], header(c))
	})
}
