package model

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// StatusType places a status in its workflow: where cases start, where they
// wait, and where they end.
type StatusType string

const (
	Initial      StatusType = "initial"
	Intermediate StatusType = "intermediate"
	End          StatusType = "end"
)

// Case is one end-user under investigation. Fields holds the enrichment as a
// JSON object; the store keeps it apart from the rest so that listing cases
// never decodes it.
type Case struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Workflow   string     `json:"workflow"`
	Status     string     `json:"status"`
	StatusType StatusType `json:"status_type"`

	Assignee string `json:"assignee,omitempty"`
	Assigner string `json:"assigner,omitempty"`
	Creator  string `json:"creator,omitempty"`
	Resolver string `json:"resolver,omitempty"`

	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	AssignedAt   time.Time `json:"assigned_at,omitzero"`
	ResolvedAt   time.Time `json:"resolved_at,omitzero"`
	SLAExpiresAt time.Time `json:"sla_expires_at,omitzero"`

	Tags    []string `json:"tags"`
	Subject string   `json:"subject,omitempty"`
	// References are the reference ids of the attached objects, kept on
	// the case (like Subject) so that filtering never reads objects.
	References []string        `json:"references,omitempty"`
	Fields     json.RawMessage `json:"fields,omitempty"`
	Objects    []ObjectRef     `json:"objects"`
	Version    int64           `json:"version"`

	// PersonaTemplate is the case-template id the case came with, kept so an
	// export can name it again.
	PersonaTemplate string `json:"persona_template,omitempty"`
	// SourceUpdatedAt is the updated-at of the last imported copy; a re-import
	// that is not newer changes nothing.
	SourceUpdatedAt time.Time `json:"source_updated_at,omitzero"`
	Redacted        bool      `json:"redacted,omitempty"`

	// Digests of what the case record does not hold itself (see
	// record.go): its fields, its attached objects and its comments. They
	// enter RecordDigest, which every audit event records, so a change to
	// any of them made outside docket is named by check.
	FieldsSum   string `json:"fields_sum,omitempty"`
	ObjectsSum  string `json:"objects_sum,omitempty"`
	CommentsSum string `json:"comments_sum,omitempty"`
}

// Open reports whether the case still waits for a decision.
func (c *Case) Open() bool { return c.StatusType != End }

// HasTag reports whether the case carries tag (case-insensitive).
func (c *Case) HasTag(tag string) bool {
	return slices.ContainsFunc(c.Tags, func(t string) bool { return strings.EqualFold(t, tag) })
}

// HasObject reports whether the object with id is attached.
func (c *Case) HasObject(id string) bool {
	return slices.ContainsFunc(c.Objects, func(r ObjectRef) bool { return r.ID == id })
}

// Clone returns a deep copy, so a change can be compared with the original.
func (c *Case) Clone() *Case {
	d := *c
	d.Tags = slices.Clone(c.Tags)
	d.Objects = slices.Clone(c.Objects)
	d.References = slices.Clone(c.References)
	d.Fields = slices.Clone(c.Fields)
	return &d
}

// Overdue reports whether the SLA deadline has passed on an open case.
func (c *Case) Overdue(now time.Time) bool {
	return c.Open() && !c.SLAExpiresAt.IsZero() && now.After(c.SLAExpiresAt)
}

// Comment is a reviewer's note on a case.
type Comment struct {
	CaseID    string    `json:"case_id"`
	Seq       int64     `json:"seq"`
	ID        string    `json:"id,omitempty"` // Persona's case-comment id, when imported
	Author    string    `json:"author"`       // the docket user who wrote it, or who imported it
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"` // when docket stored it
	Redacted  bool      `json:"redacted,omitempty"`
	// Imported is set on a comment that came in with an import: who wrote
	// it at the source and when, as the source says, and where it came
	// from. That author is data, not a docket user.
	Imported *ImportedFrom `json:"imported,omitempty"`

	// Salt, TextSum and Sum work as for events (see record.go): Sum covers
	// the comment, the body through a salted digest that redaction keeps.
	Salt    string `json:"salt,omitempty"`
	TextSum string `json:"text_sum,omitempty"`
	Sum     string `json:"sum,omitempty"`
}

// ImportedFrom is what a source system said about an imported comment.
type ImportedFrom struct {
	Author string    `json:"author,omitempty"`
	At     time.Time `json:"at,omitzero"`
	Source string    `json:"source"` // "import of cases.jsonl line 12"
}

// EventKind names what an audit event records.
type EventKind string

const (
	EventCreated    EventKind = "created"
	EventImported   EventKind = "imported"
	EventStatus     EventKind = "status"
	EventAssigned   EventKind = "assigned"
	EventClaimed    EventKind = "claimed"
	EventUnassigned EventKind = "unassigned"
	EventTags       EventKind = "tags"
	EventFields     EventKind = "fields"
	EventAttached   EventKind = "attached"
	EventDetached   EventKind = "detached"
	EventCommented  EventKind = "commented"
	EventRedacted   EventKind = "redacted"
	EventSLA        EventKind = "sla"
	// EventObject records a change to an attached object made through
	// something else than this case: an import or webhook updating it, a
	// reference-only object arriving, another case's redaction.
	EventObject EventKind = "object"
)

// Event is one entry of a case's audit trail. Seq is the case version the
// change produced, so events and versions line up one to one.
type Event struct {
	CaseID  string    `json:"case_id"`
	Seq     int64     `json:"seq"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Kind    EventKind `json:"kind"`
	From    string    `json:"from,omitempty"`
	To      string    `json:"to,omitempty"`
	Comment string    `json:"comment,omitempty"`
	Reason  string    `json:"reason,omitempty"`
	// Due is the SLA deadline the case had when it was decided, so that
	// metrics can tell a late decision from a timely one.
	Due time.Time `json:"due,omitzero"`
	// Effects lists what the workflow did on its own as part of the
	// change: escalation to a team, a new SLA, tags.
	Effects []string `json:"effects,omitempty"`

	// V is the format the hash covers: 0 for events written before
	// docket bound the trail to the case record, 2 since.
	V int `json:"v,omitempty"`
	// State is the case as this event left it (see record.go).
	State *CaseState `json:"state,omitempty"`
	// Source names where a change made by an import or a webhook came
	// from ("import of cases.jsonl line 12"); Changes lists what it
	// changed, in words.
	Source  string   `json:"source,omitempty"`
	Changes []string `json:"changes,omitempty"`

	// The hash chain (see chain.go): Prev is the previous event's Hash,
	// Salt hides the free text from guessing once it is redacted, and
	// TextSum keeps the redacted text's digest so the chain still verifies.
	Prev    string `json:"prev,omitempty"`
	Hash    string `json:"hash,omitempty"`
	Salt    string `json:"salt,omitempty"`
	TextSum string `json:"text_sum,omitempty"`
}

// TookStatuses says who last moved the case into each status, from its
// audit trail: what four-eyes rules check.
func TookStatuses(events []Event) map[string]string {
	took := map[string]string{}
	for _, e := range events {
		if e.Kind == EventStatus {
			took[e.To] = e.Actor
		}
	}
	return took
}

// SearchText is what a filter's text (folded with Fold) is looked for in:
// the case's name, id, subject, reference ids and tags, folded, joined by
// U+0000 (which no part holds), so that one text never spans two parts by
// accident of the joining. Every backend keeps it so.
func (c *Case) SearchText() string {
	parts := append([]string{c.Name, c.ID, c.Subject}, c.References...)
	return Fold(strings.Join(append(parts, c.Tags...), "\x00"))
}

// Matches reports whether text (already folded with Fold) occurs in the
// case's name, id, subject, reference ids or tags: what a reviewer types
// to find a case.
func (c *Case) Matches(text string) bool {
	if text == "" {
		return true
	}
	if containsFold(c.Name, text) || containsFold(c.ID, text) || containsFold(c.Subject, text) {
		return true
	}
	return slices.ContainsFunc(c.References, func(r string) bool { return containsFold(r, text) }) ||
		slices.ContainsFunc(c.Tags, func(t string) bool { return containsFold(t, text) })
}

func containsFold(s, folded string) bool {
	return strings.Contains(Fold(s), folded)
}

// DescribeComment says in words what a comment is, after its author's name:
// a comment made in docket, or one the author imported, with who wrote it
// and when as the source says.
func DescribeComment(cm Comment) string {
	im := cm.Imported
	if im == nil {
		return "commented"
	}
	s := "imported a comment"
	if im.Author != "" {
		s += " by " + im.Author
	}
	if !im.At.IsZero() {
		s += " dated " + im.At.UTC().Format("2006-01-02 15:04") + " UTC"
	}
	return s + " at the source"
}

// ObjectNote says what is special about an object, for the panes: "" for
// an ordinary one.
func ObjectNote(o *Object) string {
	switch {
	case o.RefOnly:
		return "not included in the import: docket knows its kind and id only"
	case o.Redacted:
		return "redacted"
	}
	return ""
}

// DescribeEvent says in words what an audit event did; the actor is left
// to the caller, which shows it apart.
func DescribeEvent(e Event) string {
	var s string
	switch e.Kind {
	case EventStatus:
		s = "moved " + e.From + " → " + e.To
	case EventCreated:
		s = "created the case in " + e.To
	case EventImported:
		if e.From != "" {
			s = "imported an update (" + e.From + " → " + e.To + ")"
		} else {
			s = "imported the case (" + e.To + ")"
		}
	case EventObject:
		s = "changed attached " + e.To
	case EventAssigned:
		s = "assigned it to " + e.To
	case EventClaimed:
		s = "claimed it"
	case EventUnassigned:
		s = "unassigned " + e.From
	case EventTags:
		s = "set tags [" + e.To + "] (were [" + e.From + "])"
	case EventFields:
		s = "updated fields " + e.To
		if isFieldsChange(e.To) {
			s = "updated fields: " + e.To
		} else if e.To == "" && e.TextSum != "" {
			s = "updated fields (redacted)"
		}
	case EventAttached:
		s = "attached " + e.To
	case EventDetached:
		s = "detached " + e.From
	case EventCommented:
		s = "commented"
	case EventRedacted:
		s = "redacted the case"
	case EventSLA:
		s = "set the SLA to " + e.To
		if e.To == "" {
			s = "cleared the SLA"
		}
	default:
		s = string(e.Kind)
	}
	if e.Reason != "" {
		s += " · reason " + e.Reason
	}
	if e.Comment != "" && e.Kind != EventCommented {
		s += ": “" + e.Comment + "”"
	}
	if len(e.Changes) > 0 {
		s += ": " + strings.Join(e.Changes, "; ")
	}
	if e.Source != "" {
		s += " (" + e.Source + ")"
	}
	if len(e.Effects) > 0 {
		s += " [" + strings.Join(e.Effects, "; ") + "]"
	}
	return s
}
