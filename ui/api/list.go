package api

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"docket/model"
	"docket/store"
	"docket/store/persona"
)

// Listing: GET /cases, newest first, paged by case id as Persona pages
// (page[after], page[before]); a cursor is a position in creation order,
// which no decision moves, so paging while cases are decided neither
// repeats nor skips a case.

const (
	defaultPageSize = 10
	maxPageSize     = 100
)

var listFilters = []string{"status", "case-template-id", "assignee-id", "account-id", "inquiry-id", "report-id", "reference-id"}

// listQuery is a listing request, read from the URL.
type listQuery struct {
	q       store.Query
	size    int
	after   string // case id
	before  string // case id
	params  url.Values
	nothing bool // a filter no case can match (an unknown template or user)
}

func (s *Server) listCases(c *call) reply {
	lq, rep := s.readList(c)
	if rep != nil {
		return *rep
	}
	if c.encoding.Include == nil {
		c.encoding.Include = []string{} // a list includes only what it is asked to
	}
	if lq.nothing {
		return s.listDocument(c, nil, persona.Links{})
	}
	lq.q.Actor, lq.q.Limit, lq.q.NoTotal = c.user.Name, lq.size, true
	if rep := s.position(c, &lq); rep != nil {
		return *rep
	}
	page, err := s.st.List(lq.q)
	if err != nil {
		return s.storeError(c, err)
	}
	more := page.Next != ""
	if lq.before != "" { // walked backwards: put newest first again
		slices.Reverse(page.Cases)
	}
	var links persona.Links
	ids := make([]string, len(page.Cases))
	for i, cs := range page.Cases {
		ids[i] = cs.ID
	}
	if n := len(ids); n > 0 {
		if more || lq.before != "" {
			links.Next = lq.link("after", ids[n-1])
		}
		if (lq.before != "" && more) || lq.after != "" {
			links.Prev = lq.link("before", ids[0])
		}
	}
	return s.listDocument(c, ids, links)
}

// listDocument is Persona's list document of the cases ids names.
func (s *Server) listDocument(c *call, ids []string, links persona.Links) reply {
	docs, err := s.st.PersonaDocs(ids, c.encoding)
	if err != nil {
		return s.storeError(c, err)
	}
	body, err := persona.EncodeList(docs, links, c.encoding)
	if err != nil {
		return s.storeError(c, err)
	}
	return reply{status: http.StatusOK, body: sparse(body, c.fields)}
}

// link is the URL of the next or previous page: the same filters and
// size, from a case.
func (lq listQuery) link(dir, id string) string {
	v := url.Values{}
	for k, vals := range lq.params {
		if k != "page[after]" && k != "page[before]" {
			v[k] = vals
		}
	}
	v.Set("page["+dir+"]", id)
	return "/api/v1/cases?" + v.Encode()
}

// readList reads the query string: filter[…], page[…], and the
// parameters Persona's requests may carry.
func (s *Server) readList(c *call) (listQuery, *reply) {
	params := c.r.URL.Query()
	lq := listQuery{q: store.Query{Queue: store.QueueAll, Sort: store.SortNewest}, size: defaultPageSize, params: params}
	for name, vals := range params {
		key, ok := bracketed(name, "filter")
		switch {
		case ok && !slices.Contains(listFilters, key):
			return lq, ptr(badRequest("", "unknown filter %s (filters: %s)", name, strings.Join(listFilters, ", ")))
		case ok:
			if rep := s.filter(&lq, key, vals[len(vals)-1]); rep != nil {
				return lq, rep
			}
		case name == "page[size]":
			n, err := strconv.Atoi(vals[len(vals)-1])
			if err != nil || n < 1 || n > maxPageSize {
				return lq, ptr(badRequest("", "page[size] must be a whole number from 1 to %d", maxPageSize))
			}
			lq.size = n
		case name == "page[after]":
			lq.after = vals[len(vals)-1]
		case name == "page[before]":
			lq.before = vals[len(vals)-1]
		case name == "docket", name == "include", name == "fields" || strings.HasPrefix(name, "fields["):
		default:
			return lq, ptr(badRequest("", "unknown parameter %s (GET /cases takes filter[…], page[size], page[after], page[before])", name))
		}
	}
	if lq.after != "" && lq.before != "" {
		return lq, ptr(badRequest("", "give page[after] or page[before], not both"))
	}
	return lq, nil
}

// filter applies one filter[key]=value.
func (s *Server) filter(lq *listQuery, key, value string) *reply {
	if value == "" {
		return ptr(badRequest("", "filter[%s] is empty", key))
	}
	switch key {
	case "status":
		s.statusFilter(lq, value)
	case "case-template-id":
		w, rep := s.workflowOf(value, "")
		lq.q.Workflow, lq.nothing = w, lq.nothing || rep != nil
	case "assignee-id":
		u, err := s.st.UserByIdentity(value)
		lq.q.Assignee, lq.nothing = u.Name, lq.nothing || err != nil
	case "account-id", "inquiry-id", "report-id":
		if lq.q.Object != "" && lq.q.Object != value {
			lq.nothing = true // docket lists by one object at a time; two differ
		}
		lq.q.Object = value
	case "reference-id":
		lq.q.Reference = value
	}
	return nil
}

// statusFilter takes a workflow's status name, or Persona's older
// open/pending/resolved: resolved is every closed case.
func (s *Server) statusFilter(lq *listQuery, value string) {
	for _, w := range s.st.Workflows() {
		if w.Lookup(value) != nil {
			lq.q.Status = value
			return
		}
	}
	switch strings.ToLower(value) {
	case "resolved":
		lq.q.Queue = store.QueueClosed
	case "open", "pending":
		lq.q.Queue = store.QueueOpen
	default:
		lq.nothing = true
	}
}

// position turns page[after]/page[before] (case ids) into the store's
// cursor.
func (s *Server) position(c *call, lq *listQuery) *reply {
	ref, dir := lq.after, "after"
	if lq.before != "" {
		ref, dir = lq.before, "before"
		lq.q.Reverse = true
	}
	if ref == "" {
		return nil
	}
	cs, err := s.st.Case(ref)
	if errors.Is(err, model.ErrNotFound) {
		return ptr(badRequest("", "page[%s]: no case %q", dir, ref))
	}
	if err != nil {
		return ptr(s.storeError(c, err))
	}
	lq.q.After = store.CursorOf(cs, store.SortNewest)
	return nil
}

// bracketed reads name as prefix[key].
func bracketed(name, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(name, prefix+"[")
	if !ok || !strings.HasSuffix(rest, "]") {
		return "", false
	}
	return strings.TrimSuffix(rest, "]"), true
}
