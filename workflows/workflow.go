// Package workflows reads, validates and applies the status workflows that
// cases move through. A workflow is a YAML file; Parse turns it into a
// Workflow and reports every problem with its file, line and field, and
// CheckMove decides whether one status change is allowed.
//
// The package does no storage: the store keeps each workflow's Source and
// parses it again when it loads.
package workflows

import (
	"strings"
	"time"

	"docket/model"
)

// Workflow is one validated workflow.
type Workflow struct {
	ID                string        // [a-z0-9][a-z0-9-]*, e.g. "default", "two-team"
	Key               string        // case-name prefix, [A-Z][A-Z0-9]{0,9}, e.g. "KYC"
	Name              string        // shown to reviewers
	SLA               time.Duration // default SLA for new cases; 0 = none
	PersonaTemplateID string        // optional Persona case-template id (ctmpl_...)
	Reopen            []model.Role  // roles that may move a case out of an end status; default [lead]
	Assignment        Assignment    // who gets new cases automatically
	Statuses          []Status      // in file order
	Source            []byte        // the YAML bytes exactly as parsed (the store persists these)
	File              string        // the file name given to Parse, for messages
}

// Status is one step of a workflow and the rules for entering it.
type Status struct {
	Name           string
	Type           model.StatusType
	Key            string       // the TUI key, e.g. "A"; optional
	From           []string     // canonical status names this one may be reached from; nil = any non-end status
	RequireComment bool         // a move here must carry a comment
	Reasons        []string     // reason codes a reviewer picks from
	RequireReason  bool         // a move here must carry one of Reasons
	Roles          []model.Role // if set, the actor's role must be AtLeast one of them
	Teams          []string     // if set, the actor must be in one of them (model.User.InTeam)
	FourEyes       []string     // canonical status names: whoever last took one of them may not take this one
	OnEnter        Effects      // what happens to a case that moves here
}

// Assignment policies.
const (
	PolicyManual     = "manual"      // leads assign, reviewers claim
	PolicyRoundRobin = "round-robin" // each eligible reviewer in turn
	PolicyFewestOpen = "fewest-open" // the eligible reviewer with the fewest open cases
)

// Assignment says who receives a workflow's new unassigned cases.
type Assignment struct {
	Policy  string   // one of the Policy constants; "" reads as manual
	Teams   []string // only members of these teams get cases automatically; nil = any reviewer
	MaxOpen int      // a reviewer with this many open cases gets no more; 0 = no cap
}

// Auto reports whether cases are handed out without a lead.
func (a Assignment) Auto() bool { return a.Policy == PolicyRoundRobin || a.Policy == PolicyFewestOpen }

// Effects are what moving into a status does by itself.
type Effects struct {
	Assign   string        // "" leave as is; "nobody"; "user:NAME"; "team:NAME" (a member, by the workflow's policy)
	SLA      time.Duration // a new deadline this long from the move
	ClearSLA bool          // remove the deadline
	Tags     []string      // tags added
}

// Empty reports whether the effects do nothing.
func (e Effects) Empty() bool {
	return e.Assign == "" && e.SLA == 0 && !e.ClearSLA && len(e.Tags) == 0
}

// Initial returns the status new cases start in. A parsed workflow always
// has exactly one.
func (w *Workflow) Initial() *Status {
	for i := range w.Statuses {
		if w.Statuses[i].Type == model.Initial {
			return &w.Statuses[i]
		}
	}
	return nil
}

// Lookup finds a status by name, ignoring case and treating spaces, dashes
// and underscores alike, so "awaiting_documentation" on the command line
// finds "Awaiting documentation". It returns nil if there is none.
func (w *Workflow) Lookup(name string) *Status {
	want := normalize(name)
	for i := range w.Statuses {
		if normalize(w.Statuses[i].Name) == want {
			return &w.Statuses[i]
		}
	}
	return nil
}

// ByKey finds the status bound to a TUI key (exact match, since "a" and "A"
// are different keys). It returns nil if there is none.
func (w *Workflow) ByKey(key string) *Status {
	if key == "" {
		return nil
	}
	for i := range w.Statuses {
		if w.Statuses[i].Key == key {
			return &w.Statuses[i]
		}
	}
	return nil
}

// Names lists the status names in workflow order.
func (w *Workflow) Names() []string {
	names := make([]string, len(w.Statuses))
	for i, s := range w.Statuses {
		names[i] = s.Name
	}
	return names
}

// normalize is the form under which two status names count as the same:
// lower case, with runs of spaces, dashes and underscores made one space.
func normalize(name string) string {
	sep := func(r rune) bool { return r == ' ' || r == '-' || r == '_' || r == '\t' }
	return strings.ToLower(strings.Join(strings.FieldsFunc(name, sep), " "))
}
