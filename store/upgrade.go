package store

import (
	"docket/model"
	"docket/store/backend"
	"docket/store/bolt"
)

// binder is what upgrading a file from before schema 3 asks of the rules
// (see bolt.Binder): each object stored again with its digest, each case
// bound to its audit trail.
func (s *Store) binder() bolt.Binder {
	return bolt.Binder{
		Object: func(tx backend.Tx, o *model.Object) error {
			_, err := s.newTxn(tx).putObject(o)
			return err
		},
		Case: func(tx backend.Tx, id string) error { return s.newTxn(tx).bindCase(id) },
	}
}

// bindCase gives a case a reference-only object for each ref with none,
// digests of its fields, objects and comments (sealed already) to its
// record, and to its last audit event the state it leaves the case in.
// Run again, it writes what it wrote the first time.
func (x *txn) bindCase(id string) error {
	c, err := x.caseByRef(id)
	if err != nil {
		return err
	}
	old := c.Clone()
	for _, r := range c.Objects {
		if _, err := x.putObject(&model.Object{ObjectRef: r, RefOnly: true}); err != nil {
			return err
		}
	}
	if c.CommentsSum, err = x.commentsDigest(c.ID); err != nil {
		return err
	}
	c.FieldsSum = model.FieldsDigest(c.Fields)
	if err := x.putCase(old, c); err != nil {
		return err
	}
	last, err := x.lastEvent(c)
	if err != nil || last.Seq != c.Version {
		return err // a trail that does not reach the version: check says so
	}
	last.Bind(c.State())
	return x.be.PutEvent(last)
}
