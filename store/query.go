package store

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"

	"docket/model"
	"docket/store/backend"
)

// Queue names.
const (
	QueueMine       = backend.QueueMine
	QueueUnassigned = backend.QueueUnassigned
	QueueOpen       = backend.QueueOpen
	QueueClosed     = backend.QueueClosed
	QueueAll        = backend.QueueAll
)

// Queues lists the named queues in the order the UI shows them.
var Queues = []string{QueueMine, QueueUnassigned, QueueOpen, QueueClosed, QueueAll}

// Sort orders a queue.
type Sort string

const (
	SortSLA    Sort = backend.ByDeadline // SLA deadline first, then oldest; no deadline last
	SortOldest Sort = backend.Oldest     // creation time, oldest first
	SortNewest Sort = backend.Newest     // creation time, newest first
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
	// what its rows show (see store/bolt, decodeRow), read from the index alone.
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
	q.After, q.From = "", "" // a count covers the whole selection
	err := s.view(func(x *txn) error {
		sel, err := x.selection(q)
		if err != nil {
			return err
		}
		n, err = x.be.Count(ctx, sel)
		return err
	})
	return n, err
}

// list reads one page of a query.
func (x *txn) list(ctx context.Context, q Query) (Page, error) {
	sel, err := x.selection(q)
	if err != nil {
		return Page{}, err
	}
	p, err := x.be.List(ctx, sel)
	page := Page{Cases: p.Cases, Total: p.Total}
	if p.Next != nil {
		page.Next = encodeCursor(p.Next)
	}
	return page, err
}

// selection checks and normalises a query into what the backend lists.
func (x *txn) selection(q Query) (backend.Selection, error) {
	if err := x.normalise(&q); err != nil {
		return backend.Selection{}, err
	}
	// Only the cursor the walk starts from is read: From, else After.
	var after, from []byte
	var err error
	if q.From != "" {
		from, err = decodeCursor(q.From)
	} else {
		after, err = decodeCursor(q.After)
	}
	if err != nil {
		return backend.Selection{}, err
	}
	statuses := x.statusesNamed(q)
	if q.Status != "" && len(statuses) == 0 {
		return backend.Selection{}, model.Invalidf("no workflow has a status %q", q.Status)
	}
	return backend.Selection{Queue: q.Queue, Actor: q.Actor, Workflow: q.Workflow,
		Status: q.Status, Statuses: statuses, Assignee: q.Assignee, Unassigned: q.Unassigned,
		Tag: q.Tag, Text: q.text, Reference: q.Reference, Object: q.Object,
		Order: string(q.Sort), Reverse: q.Reverse, After: after, From: from, Limit: q.Limit,
		Full: q.Full, NoTotal: q.NoTotal, QuickTotal: q.QuickTotal}, nil
}

// statusesNamed lists the stored statuses a status name names, in every
// workflow that has it (or only the filtered one).
func (x *txn) statusesNamed(q Query) []backend.StatusRef {
	out := []backend.StatusRef{}
	if q.Status == "" {
		return out
	}
	for _, w := range x.workflowList() {
		if q.Workflow != "" && w.ID != q.Workflow {
			continue
		}
		if st := w.Lookup(q.Status); st != nil {
			out = append(out, backend.StatusRef{Workflow: w.ID, Status: st.Name})
		}
	}
	return out
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

// CursorOf is the cursor that continues a listing in the given sort right
// after (or, with Reverse, right before) case c.
func CursorOf(c *model.Case, sort Sort) string {
	if sort == SortSLA || sort == "" {
		return encodeCursor(backend.SortKey(true, c))
	}
	return encodeCursor(backend.SortKey(false, c))
}

// AssigneeCounts is the number of open cases of each user who has any.
func (s *Store) AssigneeCounts() (map[string]int, error) {
	out := map[string]int{}
	err := s.view(func(x *txn) error {
		return x.be.EachUser(func(u model.User, _ error) error { // the name is enough
			n, err := x.openCount(u.Name)
			if n > 0 {
				out[u.Name] = n
			}
			return err
		})
	})
	return out, err
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
		var err error
		out, err = x.be.QueueCounts(actor)
		return err
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
