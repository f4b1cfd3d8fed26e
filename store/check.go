package store

import (
	"fmt"

	"docket/model"
	"docket/store/backend"
	"docket/store/bolt"
)

// Problem is one thing docket check found wrong.
type Problem struct {
	Where string // the case, index entry or page concerned
	What  string
}

func (p Problem) String() string { return p.Where + ": " + p.What }

// CheckReport is what Check looked at and what it found.
type CheckReport struct {
	Cases, Events, IndexEntries int
	Problems                    []Problem
	// Notices are not damage but still need doing (a redaction's bytes
	// awaiting compaction).
	Notices []string
}

// Check verifies the whole database. On a file, in one read transaction:
// that every case has the index entries, counts, name claim, fields and
// object links it implies and that no index entry is stray; that every
// case's audit trail verifies as a hash chain and agrees with the case,
// its fields, objects and comments (see verifyCase); then bbolt's own
// page consistency (see bolt.DB.Check). A damaged page stops the step
// that met it, not the check: the report names what could not be read.
// On a database server, see checkServer.
func (s *Store) Check() (CheckReport, error) {
	if s.server != nil {
		return s.checkServer()
	}
	var r CheckReport
	var x *txn // the check's transaction, as the rules see it
	checked, err := s.db.Check(bolt.CheckRules{
		Problem: func(where, what string) { r.Problems = append(r.Problems, Problem{where, what}) },
		Case: func(tx backend.Tx, c *model.Case, events []model.Event, comments []model.Comment) {
			if x == nil || x.be != tx {
				x = s.newTxn(tx)
			}
			for _, p := range x.verifyCase(c, events, comments) {
				r.add(caseWhere(c)+" audit trail", "%s", p)
			}
		},
		KeyFingerprint: func(line string) (string, error) {
			k, _, err := parseKeyLine(line)
			return k.Fingerprint, err
		},
		Webhooks: func(tx backend.Tx) error { return checkWebhooks(tx, &r) },
	})
	r.Cases, r.Events, r.IndexEntries, r.Notices = checked.Cases, checked.Events, checked.IndexEntries, checked.Notices
	return r, err
}

func (r *CheckReport) add(where, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{where, fmt.Sprintf(format, args...)})
}

func caseWhere(c *model.Case) string { return fmt.Sprintf("case %s (%s)", c.Name, c.ID) }

// Digest is a hash of everything the file holds (every bucket's keys and
// values, bookkeeping aside): equal digests, equal content. Tests use it
// to prove that a refused input changed nothing.
func (s *Store) Digest() (string, error) {
	if err := s.fileOnly("a digest of the file"); err != nil {
		return "", err
	}
	return s.db.Digest()
}
