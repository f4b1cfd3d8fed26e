package store

import (
	"errors"
	"fmt"

	"docket/model"
)

// verifyCase checks one case against its audit trail, its fields, objects
// and comments against their digests, and says where they disagree: what
// docket check, case show and the History tab report. c carries its
// fields (caseByRef); events and comments are the case's, oldest first.
func (x *txn) verifyCase(c *model.Case, events []model.Event, comments []model.Comment) []model.ChainProblem {
	return verifyCase(c, events, comments, x.be.Object)
}

// verifyCase is txn.verifyCase with the attached objects read by object
// (which check on a server reads a batch of cases' at a time).
func verifyCase(c *model.Case, events []model.Event, comments []model.Comment, object func(id string) (*model.Object, error)) []model.ChainProblem {
	problems := model.VerifyChain(events, c.Version)
	say := func(format string, args ...any) {
		problems = append(problems, model.ChainProblem{Problem: fmt.Sprintf(format, args...)})
	}
	if n := len(events); n > 0 {
		for _, p := range c.StateProblems(events[n-1]) {
			say("%s", p)
		}
	}
	if c.FieldsSum != "" && model.FieldsDigest(c.Fields) != c.FieldsSum {
		say("its fields do not match their digest: changed outside docket")
	}
	for _, r := range c.Objects {
		o, err := object(r.ID)
		switch {
		case err != nil:
			say("attached %s %s does not decode: %v", r.Kind, r.ID, cause(err))
		case o == nil:
			say("attached %s %s does not exist", r.Kind, r.ID)
		case o.Sum != "" && o.ContentDigest() != o.Sum:
			say("attached %s %s does not match its digest: changed outside docket", r.Kind, r.ID)
		}
	}
	sumOf := func(id string) string {
		if o, err := object(id); err == nil && o != nil {
			return o.Sum
		}
		return ""
	}
	if c.ObjectsSum != "" && model.ObjectsDigest(c.Objects, sumOf) != c.ObjectsSum {
		say("its attached objects are not the ones its record says (an object was changed or swapped outside docket)")
	}
	sum := ""
	for _, cm := range comments {
		if cm.Sum != "" && !cm.Verified() {
			say("comment %d (by %s) does not match its digest: edited", cm.Seq, cm.Author)
		}
		sum = model.CommentsDigest(sum, cm.Sum)
	}
	if c.CommentsSum != "" || len(comments) > 0 {
		if sum != c.CommentsSum && !(c.CommentsSum == "" && legacyComments(comments)) {
			say("its comments are not the ones its record says (%d stored): added, removed or changed outside docket", len(comments))
		}
	}
	return problems
}

// legacyComments reports comments written before comments had digests
// (a file not yet upgraded).
func legacyComments(comments []model.Comment) bool {
	for _, cm := range comments {
		if cm.Sum != "" {
			return false
		}
	}
	return true
}

// cause is what an error wraps, or the error itself.
func cause(err error) error {
	if inner := errors.Unwrap(err); inner != nil {
		return inner
	}
	return err
}
