package persona

import (
	"bytes"
	"encoding/json"
	"slices"

	"docket/model"
)

// entry is one resource of `included`.
type entry struct {
	typ, id string
	obj     *model.Object  // set for the kinds docket keeps
	comment *model.Comment // set for case comments
	used    bool           // attached to at least one case
}

// included indexes a document's included resources by id, so that a list
// of many cases with many objects is matched in linear time.
type included struct {
	list []*entry
	byID map[string]*entry
}

func readIncluded(n node) (*included, error) {
	items, err := n.array()
	if err != nil {
		return nil, err
	}
	inc := &included{byID: make(map[string]*entry, len(items))}
	for _, it := range items {
		e, err := readEntry(it)
		if err != nil {
			return nil, err
		}
		// Persona ids carry their kind as a prefix, so an id alone names a
		// resource; a repeated one adds nothing.
		if inc.byID[e.id] == nil {
			inc.byID[e.id] = e
			inc.list = append(inc.list, e)
		}
	}
	return inc, nil
}

func readEntry(n node) (*entry, error) {
	if !n.isObject() {
		return nil, n.want("an object")
	}
	o, err := n.object()
	if err != nil {
		return nil, err
	}
	e := &entry{}
	if e.typ, err = o.get("type").reqString(); err != nil {
		return nil, err
	}
	if e.id, err = o.get("id").reqID(); err != nil {
		return nil, err
	}
	if e.typ == "case-comment" {
		e.comment, err = readComment(o, e.id)
	} else if kind, ok := model.KindOf(e.typ); ok {
		e.obj, err = readObject(o, model.ObjectRef{Kind: kind, Type: e.typ, ID: e.id})
	}
	return e, err
}

// readObject keeps an object's attributes and relationships as given.
func readObject(o object, ref model.ObjectRef) (*model.Object, error) {
	obj := &model.Object{ObjectRef: ref}
	for _, part := range []struct {
		key string
		dst *json.RawMessage
	}{{"attributes", &obj.Attributes}, {"relationships", &obj.Relationships}} {
		n := o.get(part.key)
		if n.null() {
			continue
		}
		if !n.isObject() {
			return nil, n.want("an object")
		}
		// A copy: the tree's source is the caller's buffer.
		*part.dst = bytes.Clone(n.raw())
	}
	return obj, nil
}

// readComment reads a case comment, in Persona's shape (message,
// commenter-id) or the older ones docket read before (body or text;
// creator-id, author-id or creator-email). Its author is whoever the
// comment names: usually an email, kept as what the source said.
func readComment(o object, id string) (*model.Comment, error) {
	a, err := o.get("attributes").object()
	if err != nil {
		return nil, err
	}
	cm := &model.Comment{ID: id}
	if cm.Body, err = firstString(a, "message", "body", "text"); err != nil {
		return nil, err
	}
	if cm.Author, err = firstString(a, "commenter-id", "creator-id", "author-id", "creator-email"); err != nil {
		return nil, err
	}
	if cm.Author != "" {
		if err := o.get("attributes").checked(model.ValidateID("the comment's author", cm.Author)); err != nil {
			return nil, err
		}
	}
	cm.CreatedAt, err = a.get("created-at").optTime()
	return cm, err
}

// firstString is the first of keys that holds a non-empty string.
func firstString(a object, keys ...string) (string, error) {
	for _, k := range keys {
		s, err := a.get(k).optString()
		if s != "" || err != nil {
			return s, err
		}
	}
	return "", nil
}

// assemble gives each case its included objects and comments (see Decode for
// the rule) and reports what no case keeps.
func assemble(drafts []*draft, inc *included, single bool) []CaseDoc {
	out := make([]CaseDoc, 0, len(drafts))
	for _, d := range drafts {
		attachNamed(d, inc)
		if single {
			attachRest(d, inc)
		}
		slices.SortStableFunc(d.doc.Comments, func(a, b model.Comment) int { return a.CreatedAt.Compare(b.CreatedAt) })
		out = append(out, d.doc)
	}
	var skipped []string
	for _, e := range inc.list {
		if !e.used {
			skipped = append(skipped, e.typ+" "+e.id)
		}
	}
	if len(out) > 0 {
		out[0].Skipped = skipped
	}
	return out
}

// attachNamed attaches the included resources the case's relationships name.
func attachNamed(d *draft, inc *included) {
	refs := d.doc.Case.Objects
	for i := range refs {
		if e := inc.byID[refs[i].ID]; e != nil && e.obj != nil {
			// The included copy knows its precise type.
			refs[i].Kind, refs[i].Type = e.obj.Kind, e.obj.Type
			attachObject(d, e)
		}
	}
	for _, id := range d.commentIDs {
		if e := inc.byID[id]; e != nil && e.comment != nil {
			attachComment(d, e)
		}
	}
}

// attachRest gives a single case the included resources it does not name.
func attachRest(d *draft, inc *included) {
	for _, e := range inc.list {
		switch {
		case e.used:
		case e.obj != nil:
			d.addRef(e.obj.ObjectRef)
			attachObject(d, e)
		case e.comment != nil:
			attachComment(d, e)
		}
	}
}

func attachObject(d *draft, e *entry) {
	o := *e.obj
	d.doc.Objects = append(d.doc.Objects, &o)
	e.used = true
}

func attachComment(d *draft, e *entry) {
	cm := *e.comment
	cm.CaseID = d.doc.Case.ID
	d.doc.Comments = append(d.doc.Comments, cm)
	e.used = true
}

// DecodeObjects reads the objects of a JSON:API document whose `data` is one
// object resource or a list of them (an inquiry, account, report,
// verification or transaction, as Persona's retrieve and list endpoints
// return them), or a webhook event wrapping one. A bare resource without the
// `data` envelope is accepted too. `included` is ignored: attaching an
// inquiry does not attach everything it mentions.
func DecodeObjects(doc []byte) ([]*model.Object, error) {
	t, err := parse(doc)
	if err != nil {
		return nil, err
	}
	defer t.release()
	return decodeObjects(node{t: t}, true)
}

func decodeObjects(root node, top bool) ([]*model.Object, error) {
	data, err := dataOf(root)
	if err != nil {
		return nil, err
	}
	var items []node
	switch {
	case data.null():
		return nil, data.errorf("missing")
	case data.isObject():
		items = []node{data}
	default:
		if items, err = data.array(); err != nil {
			return nil, err
		}
	}
	var out []*model.Object
	for _, it := range items {
		if out, err = appendObjects(out, it, top); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// dataOf is a document's data, or the document itself when it is a bare
// resource (a type without the data envelope).
func dataOf(root node) (node, error) {
	o, err := root.object()
	if err != nil {
		return node{}, err
	}
	if !o.has("data") && o.has("type") {
		return root, nil
	}
	return o.get("data"), nil
}

// appendObjects appends the object of one data entry, or those its event
// carries.
func appendObjects(out []*model.Object, n node, top bool) ([]*model.Object, error) {
	e, err := readEntry(n)
	if err != nil {
		return nil, err
	}
	if e.typ == "event" && top {
		o, _ := n.object()
		a, err := o.get("attributes").object()
		if err != nil {
			return nil, err
		}
		payload := a.get("payload")
		if payload.null() {
			return nil, payload.errorf("missing")
		}
		if !payload.isObject() {
			return nil, payload.want("an object")
		}
		objs, err := decodeObjects(payload, false)
		return append(out, objs...), err
	}
	if e.obj == nil {
		o, _ := n.object()
		return nil, o.get("type").errorf("%q is not an object docket keeps (inquiry, account, report, verification, transaction)", e.typ)
	}
	return append(out, e.obj), nil
}
