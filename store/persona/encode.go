package persona

import (
	"fmt"
	"time"

	"docket/model"
)

// Ids are the Persona-side ids (usually emails) of the people named on a
// case, as Encode should write them.
type Ids struct{ Assignee, Creator, Assigner, Resolver string }

// relKeys names the case relationship that holds each kind of object.
var relKeys = map[model.ObjectKind]string{
	model.KindInquiry:      "inquiries",
	model.KindAccount:      "accounts",
	model.KindReport:       "reports",
	model.KindVerification: "verifications",
	model.KindTransaction:  "txns",
}

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

// Encode writes one case as a single-case JSON:API document on one line (no
// trailing newline): attributes in Persona's kebab-case, fields wrapped back
// into {type, value}, relationships with refs for every attached object
// (inquiries, accounts, reports, verifications, txns, case-template,
// case-comments), `included` with the given objects and comments, and the
// resource's meta {"docket-workflow": c.Workflow}. people holds the ids to
// write for assignee, creator, assigner and resolver.
//
// A comment made in docket has no Persona id; it is written with the id
// "docket-<case id>-<seq>" so that the document stays valid JSON:API.
func Encode(c *model.Case, people Ids, objects []*model.Object, comments []model.Comment) ([]byte, error) {
	if c == nil || c.ID == "" {
		return nil, model.Invalidf("encode: the case has no id")
	}
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
		"name":           orNull(c.Name),
		"created-at":     timeOrNull(c.CreatedAt),
		"updated-at":     timeOrNull(c.UpdatedAt),
		"assigned-at":    timeOrNull(c.AssignedAt),
		"resolved-at":    timeOrNull(c.ResolvedAt),
		"sla-expires-at": timeOrNull(c.SLAExpiresAt),
		"assignee-id":    orNull(people.Assignee),
		"creator-id":     orNull(people.Creator),
		"assigner-id":    orNull(people.Assigner),
		"resolver-id":    orNull(people.Resolver),
		"tags":           tags,
		"fields":         fields,
	}
	rels, included, err := encodeRelated(c, objects, comments)
	if err != nil {
		return nil, err
	}
	return marshal(struct {
		Data     resourceOut   `json:"data"`
		Included []resourceOut `json:"included"`
	}{
		Data: resourceOut{
			Type: "case", ID: c.ID, Attributes: attrs, Relationships: rels,
			Meta: map[string]string{"docket-workflow": c.Workflow},
		},
		Included: included,
	})
}

// encodeRelated builds the case's relationships and the included resources.
// Every given object is attached, whether or not c.Objects lists it, since a
// single-case document attaches all it includes anyway.
func encodeRelated(c *model.Case, objects []*model.Object, comments []model.Comment) (map[string]relOut, []resourceOut, error) {
	rels := map[string]relOut{"case-template": {Data: nil}}
	if c.PersonaTemplate != "" {
		rels["case-template"] = relOut{Data: refOut{Type: "case-template", ID: c.PersonaTemplate}}
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
		kind := r.Kind
		if k, ok := model.KindOf(r.Type); ok && kind == "" {
			kind = k
		}
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
	included := make([]resourceOut, 0, len(objects)+len(comments))
	written := map[string]bool{}
	for _, o := range objects {
		if o == nil || written[o.ID] {
			continue
		}
		written[o.ID] = true
		if err := addRef(o.ObjectRef); err != nil {
			return nil, nil, err
		}
		included = append(included, encodeObject(o))
	}
	for key, list := range lists {
		rels[key] = relOut{Data: list}
	}
	commentRefs := make([]refOut, 0, len(comments))
	for _, cm := range comments {
		id := cm.ID
		if id == "" {
			id = fmt.Sprintf("docket-%s-%d", c.ID, cm.Seq)
		}
		commentRefs = append(commentRefs, refOut{Type: "case-comment", ID: id})
		included = append(included, resourceOut{Type: "case-comment", ID: id, Attributes: map[string]any{
			"body":       cm.Body,
			"creator-id": orNull(cm.Author),
			"created-at": timeOrNull(cm.CreatedAt),
		}})
	}
	rels["case-comments"] = relOut{Data: commentRefs}
	return rels, included, nil
}

func encodeObject(o *model.Object) resourceOut {
	r := resourceOut{Type: typeOf(o.ObjectRef), ID: o.ID, Attributes: map[string]any{}}
	if len(o.Attributes) > 0 {
		r.Attributes = o.Attributes
	}
	if len(o.Relationships) > 0 {
		r.Relationships = o.Relationships
	}
	return r
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
