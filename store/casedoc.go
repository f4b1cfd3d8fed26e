package store

import (
	"context"
	"encoding/json"

	"docket/model"
	"docket/store/persona"
)

// Persona documents for the HTTP API: a case as Persona's single-case
// document, and a page of cases as list entries, each read in one
// transaction so a document never mixes two versions of a case.

// PersonaCase is the case ref names as a Persona document, with the case
// it was made from (for its version).
func (s *Store) PersonaCase(ref string) ([]byte, *model.Case, error) {
	var doc []byte
	var out *model.Case
	err := s.view(func(x *txn) error {
		c, err := x.caseByRef(ref)
		if err != nil {
			return err
		}
		doc, err = x.personaDocument(c)
		out = c
		return err
	})
	return doc, out, err
}

// PersonaPage lists a page of cases and gives each as a Persona case
// resource (the document's data, without included objects).
func (s *Store) PersonaPage(q Query) (Page, []json.RawMessage, error) {
	var page Page
	var out []json.RawMessage
	err := s.view(func(x *txn) error {
		var err error
		if page, err = x.list(context.Background(), q); err != nil {
			return err
		}
		out = make([]json.RawMessage, 0, len(page.Cases))
		for _, row := range page.Cases {
			c, err := x.caseByRef(row.ID)
			if err != nil {
				return err
			}
			doc, err := x.personaDocument(c)
			if err != nil {
				return err
			}
			var d struct{ Data json.RawMessage }
			if err := json.Unmarshal(doc, &d); err != nil {
				return err
			}
			out = append(out, d.Data)
		}
		return nil
	})
	return page, out, err
}

// personaDocument encodes c with the objects docket has of it and its
// comments, naming people as Persona does.
func (x *txn) personaDocument(c *model.Case) ([]byte, error) {
	var objs []*model.Object
	for _, r := range c.Objects {
		o, err := x.object(r.ID)
		if err != nil {
			return nil, err
		}
		if o != nil && !o.RefOnly {
			objs = append(objs, o)
		}
	}
	var comments []model.Comment
	if err := readSeq(x, bComments, c.ID, &comments); err != nil {
		return nil, err
	}
	ids := persona.Ids{Assignee: x.personaID(c.Assignee), Creator: x.personaID(c.Creator),
		Assigner: x.personaID(c.Assigner), Resolver: x.personaID(c.Resolver)}
	for i, cm := range comments {
		if im := cm.Imported; im != nil {
			comments[i].Author, comments[i].CreatedAt = im.Author, im.At
		} else {
			comments[i].Author = x.personaID(cm.Author)
		}
	}
	return persona.Encode(c, ids, objs, comments)
}
