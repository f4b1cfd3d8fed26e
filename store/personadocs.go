package store

import (
	"docket/model"
	"docket/store/persona"
)

// PersonaDocs reads cases (by id or name) with what a Persona document of
// each holds, in one consistent snapshot, for persona.EncodeCase and
// persona.EncodeList: the attached objects docket has (one it knows only by
// id stays a ref), the comments, and the Persona ids (emails) of everyone
// named. The reason of the case's status is read only when opt asks for
// docket's extension. Reading a case is open to every user, as CaseDetail
// is; an interface that limits who reads what checks before it calls.
func (s *Store) PersonaDocs(refs []string, opt persona.Options) ([]persona.Doc, error) {
	docs := make([]persona.Doc, 0, len(refs))
	err := s.view(func(x *txn) error {
		docs = docs[:0]
		for _, ref := range refs {
			d, err := x.personaCase(ref, opt)
			if err != nil {
				return err
			}
			docs = append(docs, d)
		}
		return nil
	})
	return docs, err
}

// personaCase reads one case for a Persona document (see PersonaDocs).
func (x *txn) personaCase(ref string, opt persona.Options) (persona.Doc, error) {
	c, err := x.caseByRef(ref)
	if err != nil {
		return persona.Doc{}, err
	}
	if w := x.workflows()[c.Workflow]; c.PersonaTemplate == "" && w != nil {
		// Bound to a template after the case was made: name it all the same.
		c.PersonaTemplate = w.PersonaTemplateID
	}
	d := persona.Doc{Case: c, People: map[string]string{}}
	for _, r := range c.Objects {
		o, err := x.object(r.ID)
		if err != nil {
			return d, err
		}
		if o != nil && !o.RefOnly {
			d.Objects = append(d.Objects, o)
		}
	}
	if d.Comments, err = x.be.Comments(c.ID); err != nil {
		return d, err
	}
	for _, name := range []string{c.Assignee, c.Creator, c.Assigner, c.Resolver} {
		x.notePersonaID(d.People, name)
	}
	for _, cm := range d.Comments {
		x.notePersonaID(d.People, cm.Author)
	}
	if opt.Docket || c.Redacted {
		err = x.readTrailFacts(&d)
	}
	return d, err
}

// notePersonaID records how a user is named in Persona documents: their
// email when known.
func (x *txn) notePersonaID(people map[string]string, name string) {
	if _, done := people[name]; !done && name != "" {
		if id := x.personaID(name); id != name {
			people[name] = id
		}
	}
}

// readTrailFacts reads from the case's audit trail when it was redacted
// and the reason given when it entered its status.
func (x *txn) readTrailFacts(d *persona.Doc) error {
	events, err := x.be.Events(d.Case.ID)
	if err != nil {
		return err
	}
	for _, e := range events {
		switch {
		case e.Kind == model.EventRedacted:
			d.RedactedAt = e.At
		case e.Kind == model.EventStatus && e.To == d.Case.Status:
			d.Reason = e.Reason
		case e.Kind == model.EventStatus, e.Kind == model.EventImported && e.To != e.From:
			d.Reason = "" // a later move without one
		}
	}
	return nil
}
