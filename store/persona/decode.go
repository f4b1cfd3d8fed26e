// Package persona reads and writes Persona's JSON:API documents about cases:
// a single case, a list of cases, or a webhook event wrapping a case. It is
// pure: it turns bytes into docket's model and back, and leaves storing,
// naming users and choosing workflows to the store.
package persona

import (
	"encoding/json"
	"errors"
	"slices"
	"time"

	"docket/model"
)

// CaseDoc is one case found in a Persona document, reduced to what docket
// keeps. Case carries the status as the document writes it; the store
// resolves workflow, status type and users.
type CaseDoc struct {
	Case model.Case
	// Resolution is the resolution attribute, "" if null: with Persona's
	// older status shape (open, pending, resolved) it names how a
	// resolved case ended (see workflows.StatusFromPersona).
	Resolution string
	Assignee   string // raw assignee-id attribute (often an email), "" if null
	Creator    string // creator-id
	Assigner   string // assigner-id
	Resolver   string // resolver-id
	Workflow   string // the resource's meta "docket-workflow", "" if absent

	// Objects are the included inquiries, accounts, reports, verifications
	// and transactions that belong to the case. Each CaseDoc has its own
	// *Object, but the raw JSON inside may be shared with other CaseDocs of
	// the same document: treat it as read-only.
	Objects []*model.Object
	// Comments are the included case comments of the case, oldest first.
	Comments []model.Comment
	// Skipped names ("type id") the included resources docket does not keep.
	// Each is reported once per document, on the document's first case.
	Skipped []string
}

// Decode reads one JSON:API document: a single case (`data` object), a list
// (`data` array; `links` and `meta` ignored), or a webhook event
// (`data.type == "event"`, the case document in `data.attributes.payload`).
// A list may also hold events, as Persona's event listing does.
//
// Which included resources go with which case:
//   - a single case (or an event's case) owns every included object and
//     comment, whether its relationships name them or not, because the
//     document is about that case alone; unnamed ones are attached;
//   - in a list, `included` is shared, so an object or comment goes to each
//     case whose relationships name it, and one that no case names is
//     reported in Skipped rather than guessed onto some case.
//
// Relationship refs whose resource is not included still become refs in
// Case.Objects; the store keeps a stub for them.
func Decode(doc []byte) ([]CaseDoc, error) {
	t, err := parse(doc)
	if err != nil {
		return nil, err
	}
	defer t.release()
	return decodeDocument(node{t: t}, true)
}

// parse checks that doc is exactly one JSON value and says where it is not.
// The tree reads doc in place: what the results keep is copied out of it.
func parse(doc []byte) (*tree, error) {
	t, ok := parseTree(doc, "")
	if ok {
		return t, nil
	}
	t.release()
	// Errors are rare: encoding/json words them, with the byte offset.
	var raw json.RawMessage
	err := json.Unmarshal(doc, &raw)
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return nil, model.Invalidf("malformed JSON at byte %d: %v", se.Offset, se)
	case err != nil:
		return nil, model.Invalidf("malformed JSON: %v", err)
	}
	return nil, model.Invalidf("malformed JSON") // unreachable: both parsers follow the same grammar
}

// decodeDocument reads a document at root; events are allowed at the top
// level only, so a payload cannot nest another event.
func decodeDocument(root node, top bool) ([]CaseDoc, error) {
	o, err := root.object()
	if err != nil {
		return nil, err
	}
	inc, err := readIncluded(o.get("included"))
	if err != nil {
		return nil, err
	}
	data := o.get("data")
	switch {
	case data.null():
		return nil, data.errorf("missing")
	case data.isObject():
		return decodeSingle(data, inc, top)
	case data.isArray():
		return decodeList(data, inc, top)
	}
	return nil, data.want("a case or a list of cases")
}

func decodeSingle(data node, inc *included, top bool) ([]CaseDoc, error) {
	r, typ, err := resource(data, top)
	if err != nil {
		return nil, err
	}
	if typ == "event" {
		return decodeEvent(r)
	}
	d, err := readCase(r)
	if err != nil {
		return nil, err
	}
	return assemble([]*draft{d}, inc, true), nil
}

func decodeList(data node, inc *included, top bool) ([]CaseDoc, error) {
	items, err := data.array()
	if err != nil {
		return nil, err
	}
	// Events carry their own included resources, so they are complete when
	// read; cases wait for the shared included list. Slots keep the order.
	var drafts []*draft
	slots := make([][]CaseDoc, len(items))
	at := make([]int, 0, len(items))
	for i, it := range items {
		r, typ, err := resource(it, top)
		if err != nil {
			return nil, err
		}
		if typ == "event" {
			if slots[i], err = decodeEvent(r); err != nil {
				return nil, err
			}
			continue
		}
		d, err := readCase(r)
		if err != nil {
			return nil, err
		}
		drafts = append(drafts, d)
		at = append(at, i)
	}
	for j, doc := range assemble(drafts, inc, false) {
		slots[at[j]] = []CaseDoc{doc}
	}
	return slices.Concat(slots...), nil
}

// resource checks that a data entry is a case, or an event where events are
// allowed, and returns it with its type.
func resource(n node, top bool) (object, string, error) {
	if !n.isObject() {
		return object{}, "", n.want("an object")
	}
	o, err := n.object()
	if err != nil {
		return o, "", err
	}
	typ, err := o.get("type").reqString()
	if err != nil {
		return o, "", err
	}
	switch {
	case typ == "case", typ == "event" && top:
		return o, typ, nil
	case top:
		return o, "", o.get("type").errorf(`%q is not a case (want "case" or an "event" wrapping one)`, typ)
	}
	return o, "", o.get("type").errorf(`%q is not a case (want "case")`, typ)
}

// decodeEvent reads the case document a webhook event carries.
func decodeEvent(ev object) ([]CaseDoc, error) {
	attrs, err := ev.get("attributes").object()
	if err != nil {
		return nil, err
	}
	payload := attrs.get("payload")
	if payload.null() {
		return nil, payload.errorf("missing")
	}
	if !payload.isObject() {
		return nil, payload.want("an object")
	}
	return decodeDocument(payload, false)
}

// draft is a case read from `data`, waiting for its included resources.
type draft struct {
	doc        CaseDoc
	seen       map[string]bool // ids already in doc.Case.Objects
	commentIDs []string
}

func (d *draft) addRef(r model.ObjectRef) {
	if !d.seen[r.ID] {
		d.seen[r.ID] = true
		d.doc.Case.Objects = append(d.doc.Case.Objects, r)
	}
}

func readCase(o object) (*draft, error) {
	d := &draft{seen: map[string]bool{}}
	var err error
	if d.doc.Case.ID, err = o.get("id").reqID(); err != nil {
		return nil, err
	}
	if err := readAttributes(o.get("attributes"), d); err != nil {
		return nil, err
	}
	if err := readRelationships(o.get("relationships"), d); err != nil {
		return nil, err
	}
	meta, err := o.get("meta").object()
	if err != nil {
		return nil, err
	}
	d.doc.Workflow, err = meta.get("docket-workflow").optID()
	return d, err
}

func readAttributes(n node, d *draft) error {
	a, err := n.object()
	if err != nil {
		return err
	}
	c := &d.doc.Case
	if c.Status, err = a.get("status").reqString(); err != nil {
		return err
	}
	if c.Name, err = a.get("name").optString(); err != nil {
		return err
	}
	if d.doc.Resolution, err = a.get("resolution").optString(); err != nil {
		return err
	}
	if c.Name != "" {
		if err := a.get("name").checked(model.ValidateCaseName("the case name", c.Name)); err != nil {
			return err
		}
	}
	ids := []struct {
		key string
		dst *string
	}{
		{"assignee-id", &d.doc.Assignee}, {"creator-id", &d.doc.Creator},
		{"assigner-id", &d.doc.Assigner}, {"resolver-id", &d.doc.Resolver},
	}
	for _, t := range ids {
		if *t.dst, err = a.get(t.key).optID(); err != nil {
			return err
		}
	}
	times := []struct {
		key string
		dst *time.Time
	}{
		{"created-at", &c.CreatedAt}, {"updated-at", &c.UpdatedAt},
		{"assigned-at", &c.AssignedAt}, {"resolved-at", &c.ResolvedAt},
		{"sla-expires-at", &c.SLAExpiresAt},
	}
	for _, t := range times {
		if *t.dst, err = a.get(t.key).optTime(); err != nil {
			return err
		}
	}
	if c.Tags, err = a.get("tags").strings(); err != nil {
		return err
	}
	fields := a.get("fields")
	if !fields.null() && !fields.isObject() {
		return fields.want("an object")
	}
	c.Fields, err = flattenFields(fields)
	return err
}

// objectRels maps a case's relationship keys to the kind of object they
// hold, in the order the refs are listed.
var objectRels = []struct {
	key  string
	kind model.ObjectKind
}{
	{"inquiries", model.KindInquiry},
	{"accounts", model.KindAccount},
	{"reports", model.KindReport},
	{"verifications", model.KindVerification},
	{"txns", model.KindTransaction},
	{"transactions", model.KindTransaction},
}

func readRelationships(n node, d *draft) error {
	rels, err := n.object()
	if err != nil {
		return err
	}
	tmpl, err := relRefs(rels.get("case-template"))
	if err != nil {
		return err
	}
	if len(tmpl) > 0 {
		d.doc.Case.PersonaTemplate = tmpl[0].ID
	}
	for _, rel := range objectRels {
		refs, err := relRefs(rels.get(rel.key))
		if err != nil {
			return err
		}
		for _, r := range refs {
			// The ref's own type is the more precise ("report/watchlist");
			// the key decides only when the type is not one docket knows.
			if k, ok := model.KindOf(r.Type); ok {
				r.Kind = k
			} else {
				r.Kind = rel.kind
			}
			d.addRef(r)
		}
	}
	comments, err := relRefs(rels.get("case-comments"))
	if err != nil {
		return err
	}
	// A comment named twice is still one comment.
	named := make(map[string]bool, len(comments))
	for _, r := range comments {
		if !named[r.ID] {
			named[r.ID] = true
			d.commentIDs = append(d.commentIDs, r.ID)
		}
	}
	return nil
}

// relRefs reads the {type, id} refs of one relationship, to-one or to-many.
func relRefs(n node) ([]model.ObjectRef, error) {
	rel, err := n.object()
	if err != nil {
		return nil, err
	}
	data := rel.get("data")
	var items []node
	switch {
	case data.null():
	case data.isObject():
		items = []node{data}
	default:
		if items, err = data.array(); err != nil {
			return nil, err
		}
	}
	refs := make([]model.ObjectRef, 0, len(items))
	for _, it := range items {
		if !it.isObject() {
			return nil, it.want("a {type, id} ref")
		}
		o, err := it.object()
		if err != nil {
			return nil, err
		}
		var r model.ObjectRef
		if r.Type, err = o.get("type").reqString(); err != nil {
			return nil, err
		}
		if r.ID, err = o.get("id").reqID(); err != nil {
			return nil, err
		}
		refs = append(refs, r)
	}
	return refs, nil
}

// Doc is the decoded case as the encoder takes it: people named by the
// ids the document gave, the workflow it named in docket's extension.
func (d CaseDoc) Doc() Doc {
	c := d.Case
	c.Workflow = d.Workflow
	c.Assignee, c.Creator, c.Assigner, c.Resolver = d.Assignee, d.Creator, d.Assigner, d.Resolver
	return Doc{Case: &c, Objects: d.Objects, Comments: d.Comments}
}
