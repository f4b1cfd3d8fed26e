package store

import (
	"docket/model"
	"docket/store/persona"
)

// PersonaCase is the case ref names as Persona's single-case document (in
// docket's extension too when opt asks), with the case it was made from,
// read in one snapshot.
func (s *Store) PersonaCase(ref string, opt persona.Options) ([]byte, *model.Case, error) {
	docs, err := s.PersonaDocs([]string{ref}, opt)
	if err != nil {
		return nil, nil, err
	}
	doc, err := persona.EncodeCase(docs[0], opt)
	return doc, docs[0].Case, err
}
