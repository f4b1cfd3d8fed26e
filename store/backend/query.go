package backend

import (
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

// Orders a queue is listed in.
const (
	ByDeadline = "sla"    // SLA deadline first, then oldest; no deadline last
	Oldest     = "oldest" // creation time, oldest first
	Newest     = "newest" // creation time, newest first
)

// Selection is a listing the rules have checked: every name in it exists
// and is spelled as stored, the text is folded, and the cursor decoded.
type Selection struct {
	Queue      string // one of the queue names
	Actor      string // whose "mine"
	Workflow   string
	Status     string      // the status asked for, as typed (see SameStatus)
	Statuses   []StatusRef // the stored statuses it names, in every workflow that has it
	Assignee   string
	Unassigned bool
	Tag        string
	Text       string // folded (model.Fold): found in a case's search text
	Reference  string // exact reference id of an attached object
	Object     string // id of an attached object
	Order      string // ByDeadline, Oldest or Newest
	Reverse    bool   // walk the order backwards (paging up)
	After      []byte // start after this sort key (see the store's CursorOf)
	From       []byte // start at this sort key, or after it
	Limit      int
	Full       bool // read each case's whole record, not only its row
	NoTotal    bool // do not count the whole selection
	QuickTotal bool // count it only when that is free
}

// StatusRef is a status of a workflow.
type StatusRef struct{ Workflow, Status string }

// Page is one page of a listing. Next continues it ("" at the end); Total
// is -1 when it was not counted.
type Page struct {
	Cases []*model.Case
	Next  []byte
	Total int
}

// Matches checks a case against every part of the selection; the text only
// if the case's search text was not already found to hold it
// (textMatched). A backend that cannot select exactly checks what it reads
// with this.
func (s Selection) Matches(c *model.Case, textMatched bool) bool {
	switch s.Queue {
	case QueueMine:
		if !c.Open() || c.Assignee != s.Actor {
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
	return (textMatched || c.Matches(s.Text)) &&
		(s.Assignee == "" || c.Assignee == s.Assignee) && (!s.Unassigned || c.Assignee == "") &&
		(s.Workflow == "" || c.Workflow == s.Workflow) &&
		(s.Status == "" || SameStatus(c.Status, s.Status)) &&
		(s.Tag == "" || c.HasTag(s.Tag)) &&
		(s.Reference == "" || slices.Contains(c.References, s.Reference))
}

var statusSpelling = strings.NewReplacer("-", " ", "_", " ")

// SameStatus says whether two spellings name one status: case, dashes and
// underscores aside.
func SameStatus(a, b string) bool {
	norm := func(s string) string { return statusSpelling.Replace(strings.ToLower(strings.TrimSpace(s))) }
	return norm(a) == norm(b)
}

// OpenStates are the open/closed halves a queue covers.
func (s Selection) OpenStates() []bool {
	switch s.Queue {
	case QueueClosed:
		return []bool{false}
	case QueueAll:
		return []bool{true, false}
	default:
		return []bool{true}
	}
}
