package persona

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"docket/model"
)

// Options choose the shape the encoder writes.
type Options struct {
	// Docket adds docket's extension: a `meta` member on the case, its
	// comments and its objects, holding what docket knows beyond Persona's
	// shape (workflow, version, status type, reason, redaction, comment
	// seq and source) and, for objects, their attributes exactly as
	// stored. Without it a document is exactly Persona's shape: it
	// validates against Persona's published schemas.
	Docket bool
	// Include, when not nil, names the relationships whose resources go
	// into `included` (inquiries, accounts, reports, verifications, txns,
	// case-comments), as Persona's include parameter does; the others
	// stay refs. Nil includes every one.
	Include []string
}

// includes reports whether resources of relationship rel are included.
func (o Options) includes(rel string) bool {
	return o.Include == nil || slices.Contains(o.Include, rel)
}

// Relationships are the relationship names Options.Include takes.
var Relationships = []string{"inquiries", "accounts", "reports", "verifications", "txns", "case-comments"}

// Doc is one case and what goes with it into a document.
type Doc struct {
	Case *model.Case
	// Objects are included; each is attached whether or not Case.Objects
	// names it. An object Case.Objects names but Objects lacks stays a
	// ref only.
	Objects []*model.Object
	// Comments are included, oldest first, and are the case's
	// case-comments relationship.
	Comments []model.Comment
	// People maps docket user names to the ids Persona documents name
	// people by (their emails); a name it lacks is written as it is.
	People map[string]string
	// Reason is the reason code given when the case entered its status
	// (docket's extension only).
	Reason string
	// RedactedAt is when the case was redacted, if it was.
	RedactedAt time.Time
}

// Links are a list's paging links; "" is written as null.
type Links struct{ Prev, Next string }

// The docket extension's members (see Options.Docket). Import reads
// metaWorkflow back; the others say what docket knows.
const (
	metaWorkflow   = "docket-workflow"
	metaVersion    = "docket-version"
	metaStatusType = "docket-status-type"
	metaReason     = "docket-reason"
	metaRedacted   = "docket-redacted"
	metaSeq        = "docket-seq"
	metaAuthor     = "docket-author"
	metaSource     = "docket-imported-from"
)

// EncodeCase writes one case as a JSON:API document on one line (no
// trailing newline): {"data": case, "included": [objects, comments]}, as
// Persona's GET /cases/{case-id} answers. Attributes are kebab-case,
// fields {type, value}; status is the workflow's own status name and
// resolution that same name once the case has ended (null while open);
// case-template names the Persona template the case came with, or else its
// workflow's id.
//
// A comment made in docket has no Persona id; it is written with the id
// "docket-<case id>-<seq>". An imported comment is written as its source
// gave it: that author and time.
func EncodeCase(d Doc, opt Options) ([]byte, error) {
	res, included, err := encodeDoc(d, opt, map[string]bool{})
	if err != nil {
		return nil, err
	}
	if included == nil {
		included = []resourceOut{}
	}
	return marshal(struct {
		Data     resourceOut   `json:"data"`
		Included []resourceOut `json:"included"`
	}{res, included})
}

// EncodeList writes cases as a list document, as Persona's GET /cases
// answers: {"data": [cases], "included": [...], "links": {prev, next}}.
// An object several cases share is included once.
func EncodeList(docs []Doc, links Links, opt Options) ([]byte, error) {
	data := make([]resourceOut, 0, len(docs))
	included := []resourceOut{}
	written := map[string]bool{}
	for _, d := range docs {
		res, inc, err := encodeDoc(d, opt, written)
		if err != nil {
			return nil, err
		}
		data = append(data, res)
		included = append(included, inc...)
	}
	return marshal(struct {
		Data     []resourceOut  `json:"data"`
		Included []resourceOut  `json:"included"`
		Links    map[string]any `json:"links"`
	}{data, included, map[string]any{"prev": orNull(links.Prev), "next": orNull(links.Next)}})
}

// Encode is EncodeCase in Persona's shape, for callers that hold the
// people's Persona ids already.
func Encode(c *model.Case, people Ids, objects []*model.Object, comments []model.Comment) ([]byte, error) {
	if c == nil {
		return nil, model.Invalidf("encode: the case has no id")
	}
	named := *c
	named.Assignee, named.Creator, named.Assigner, named.Resolver = people.Assignee, people.Creator, people.Assigner, people.Resolver
	return EncodeCase(Doc{Case: &named, Objects: objects, Comments: comments}, Options{})
}

// Ids are the Persona-side ids (usually emails) of the people named on a
// case, as Encode should write them.
type Ids struct{ Assignee, Creator, Assigner, Resolver string }

type resourceOut struct {
	Type          string `json:"type"`
	ID            string `json:"id"`
	Attributes    any    `json:"attributes"`
	Relationships any    `json:"relationships,omitempty"`
	Meta          any    `json:"meta,omitempty"`
}

type refOut struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type relOut struct {
	Data any `json:"data"`
}

// encodeDoc builds one case resource and what it includes; written holds
// the included resources already written, so a list writes each once.
func encodeDoc(d Doc, opt Options, written map[string]bool) (resourceOut, []resourceOut, error) {
	c := d.Case
	if c == nil || c.ID == "" {
		return resourceOut{}, nil, model.Invalidf("encode: the case has no id")
	}
	attrs, err := caseAttributes(d)
	if err != nil {
		return resourceOut{}, nil, err
	}
	rels, included, err := encodeRelated(d, opt, written)
	if err != nil {
		return resourceOut{}, nil, err
	}
	res := resourceOut{Type: "case", ID: c.ID, Attributes: attrs, Relationships: rels}
	if opt.Docket {
		res.Meta = caseMeta(d)
	}
	return res, included, nil
}

func caseAttributes(d Doc) (map[string]any, error) {
	c := d.Case
	fields, err := WrapFields(c.Fields)
	if err != nil {
		return nil, fmt.Errorf("encode case %s: %w", c.ID, err)
	}
	tags := c.Tags
	if tags == nil {
		tags = []string{}
	}
	attrs := map[string]any{
		"status":         c.Status,
		"resolution":     nil,
		"updated-at":     timeOrNull(c.UpdatedAt),
		"assigned-at":    timeOrNull(c.AssignedAt),
		"resolved-at":    timeOrNull(c.ResolvedAt),
		"redacted-at":    timeOrNull(d.RedactedAt),
		"sla-expires-at": timeOrNull(c.SLAExpiresAt),
		"tags":           tags,
		"fields":         fields,
	}
	if c.StatusType == model.End {
		attrs["resolution"] = c.Status
	}
	// Persona writes these as strings, never null: absent when unknown.
	if c.Name != "" {
		attrs["name"] = c.Name
	}
	if !c.CreatedAt.IsZero() {
		attrs["created-at"] = timeOrNull(c.CreatedAt)
	}
	for _, p := range []struct{ key, who string }{
		{"creator", c.Creator}, {"assigner", c.Assigner}, {"resolver", c.Resolver},
	} {
		attrs[p.key+"-id"], attrs[p.key+"-type"] = actor(d.personaID(p.who))
	}
	attrs["assignee-id"] = orNull(d.personaID(c.Assignee))
	return attrs, nil
}

// actor is a person's id and Persona's type for it: a user, or the
// assignment policy that handed the case out ("policy:round-robin", or
// "workflow:ID" for a workflow's own hand-over).
func actor(id string) (any, any) {
	switch {
	case id == "":
		return nil, nil
	case strings.HasPrefix(id, "policy:"), strings.HasPrefix(id, "workflow:"):
		return id, "case-assignment-policy"
	}
	return id, "user"
}

func (d Doc) personaID(name string) string {
	if id, ok := d.People[name]; ok && id != "" {
		return id
	}
	return name
}

func caseMeta(d Doc) map[string]any {
	c := d.Case
	meta := map[string]any{metaWorkflow: c.Workflow, metaVersion: c.Version}
	if c.StatusType != "" {
		meta[metaStatusType] = c.StatusType
	}
	if d.Reason != "" {
		meta[metaReason] = d.Reason
	}
	if c.Redacted {
		meta[metaRedacted] = true
	}
	return meta
}

// relKeys names the case relationship that holds each kind of object.
var relKeys = map[model.ObjectKind]string{
	model.KindInquiry:      "inquiries",
	model.KindAccount:      "accounts",
	model.KindReport:       "reports",
	model.KindVerification: "verifications",
	model.KindTransaction:  "txns",
}

// encodeRelated builds the case's relationships and the included resources
// not yet written.
func encodeRelated(d Doc, opt Options, written map[string]bool) (map[string]relOut, []resourceOut, error) {
	c := d.Case
	rels := map[string]relOut{}
	if tmpl := templateOf(c); tmpl != "" {
		rels["case-template"] = relOut{Data: refOut{Type: "case-template", ID: tmpl}}
	}
	lists := map[string][]refOut{}
	for _, key := range relKeys {
		lists[key] = []refOut{}
	}
	seen := map[string]bool{}
	addRef := func(r model.ObjectRef) error {
		if seen[r.ID] {
			return nil
		}
		seen[r.ID] = true
		kind := objectKind(r)
		key, ok := relKeys[kind]
		if !ok {
			return model.Invalidf("encode case %s: object %s has unknown kind %q", c.ID, r.ID, kind)
		}
		lists[key] = append(lists[key], refOut{Type: typeOf(r), ID: r.ID})
		return nil
	}
	for _, r := range c.Objects {
		if err := addRef(r); err != nil {
			return nil, nil, err
		}
	}
	var included []resourceOut
	for _, o := range d.Objects {
		if o == nil {
			continue
		}
		if err := addRef(o.ObjectRef); err != nil {
			return nil, nil, err
		}
		if !opt.includes(relKeys[objectKind(o.ObjectRef)]) {
			continue
		}
		if key := "o/" + o.ID; !written[key] {
			written[key] = true
			res, err := encodeObject(o, opt)
			if err != nil {
				return nil, nil, fmt.Errorf("encode case %s: %w", c.ID, err)
			}
			included = append(included, res)
		}
	}
	for key, list := range lists {
		rels[key] = relOut{Data: list}
	}
	commentRefs := make([]refOut, 0, len(d.Comments))
	for _, cm := range d.Comments {
		res := encodeComment(d, cm, opt)
		commentRefs = append(commentRefs, refOut{Type: res.Type, ID: res.ID})
		if key := "c/" + res.ID; !written[key] && opt.includes("case-comments") {
			written[key] = true
			included = append(included, res)
		}
	}
	rels["case-comments"] = relOut{Data: commentRefs}
	return rels, included, nil
}

// objectKind is an object's kind, from its type when it does not say.
func objectKind(r model.ObjectRef) model.ObjectKind {
	if k, ok := model.KindOf(r.Type); ok && r.Kind == "" {
		return k
	}
	return r.Kind
}

// templateOf is the case-template a case names: the Persona template it
// came with, or else its workflow, whose id docket's API accepts wherever
// a case-template id goes.
func templateOf(c *model.Case) string {
	if c.PersonaTemplate != "" {
		return c.PersonaTemplate
	}
	return c.Workflow
}

// encodeComment writes a comment as Persona's case-comment.
func encodeComment(d Doc, cm model.Comment, opt Options) resourceOut {
	id := cm.ID
	if id == "" {
		id = fmt.Sprintf("docket-%s-%d", d.Case.ID, cm.Seq)
	}
	at, who := cm.CreatedAt, d.personaID(cm.Author)
	if im := cm.Imported; im != nil {
		// What the source said, as it said it.
		at, who = im.At, im.Author
	}
	attrs := map[string]any{"message": cm.Body}
	if !at.IsZero() {
		attrs["created-at"] = timeOrNull(at)
	}
	if who != "" {
		attrs["commenter-id"], attrs["commenter-type"] = who, "user"
	}
	res := resourceOut{Type: "case-comment", ID: id, Attributes: attrs}
	if opt.Docket {
		meta := map[string]any{metaSeq: cm.Seq, metaAuthor: cm.Author}
		if cm.Imported != nil {
			meta[metaSource] = cm.Imported.Source
		}
		if cm.Redacted {
			meta[metaRedacted] = true
		}
		res.Meta = meta
	}
	return res
}

func encodeObject(o *model.Object, opt Options) (resourceOut, error) {
	r := resourceOut{Type: typeOf(o.ObjectRef), ID: o.ID, Attributes: json.RawMessage("{}")}
	if len(o.Attributes) > 0 {
		r.Attributes = o.Attributes
	}
	if len(o.Relationships) > 0 {
		r.Relationships = o.Relationships
	}
	switch {
	case opt.Docket:
		// As stored, so that an import reads back what docket had.
		if o.Redacted {
			r.Meta = map[string]any{metaRedacted: true}
		}
	case o.Kind == model.KindInquiry:
		attrs, err := inquiryFields(o.Attributes)
		if err != nil {
			return r, fmt.Errorf("inquiry %s: %w", o.ID, err)
		}
		r.Attributes = attrs
	}
	return r, nil
}

// typeOf is Persona's type for a ref: the full type when known, else the kind.
func typeOf(r model.ObjectRef) string {
	if r.Type != "" {
		return r.Type
	}
	return string(r.Kind)
}

// orNull writes "" as null, as Persona does for unset attributes.
func orNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func timeOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339Nano)
}
