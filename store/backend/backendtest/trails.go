package backendtest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"docket/model"
	"docket/store/backend"
)

func contains(err error, s string) bool { return err != nil && strings.Contains(err.Error(), s) }

func event(caseID string, seq int64, comment string) model.Event {
	return model.Event{CaseID: caseID, Seq: seq, At: at(int(seq)), Actor: "ana", Kind: model.EventCommented, Comment: comment,
		V: 2, State: &model.CaseState{Status: "New", Tags: []string{"vip"}, SLA: at(99), Record: "r"},
		Effects: []string{"escalated"}, Prev: "p", Hash: "h", Salt: "s"}
}

func testEvents(t *testing.T, s Store) {
	c := simpleCase("case_e", "KYC-1", 0)
	// Seqs compare as numbers: 10 after 2.
	evs := []model.Event{event(c.ID, 1, "one"), event(c.ID, 2, "two"), event(c.ID, 10, "ten")}
	update(t, s, func(tx backend.Tx) {
		must(t, tx.PutCase(nil, c))
		for _, e := range []model.Event{evs[2], evs[0], evs[1]} {
			must(t, tx.PutEvent(e))
		}
		got, err := tx.Events(c.ID)
		must(t, err)
		same(t, "Events in their transaction", got, jsonCopy(t, evs))
	})
	other := simpleCase("case_f", "KYC-2", 0)
	putCases(t, s, other)
	update(t, s, func(tx backend.Tx) { must(t, tx.PutEvent(event(other.ID, 1, "elsewhere"))) })
	view(t, s, func(tx backend.Tx) {
		got, err := tx.Events(c.ID)
		must(t, err)
		same(t, "Events, oldest first", got, jsonCopy(t, evs))
		e, ok, err := tx.Event(c.ID, 2)
		if !ok || err != nil {
			t.Errorf("Event(2) = %t, %v", ok, err)
		}
		same(t, "Event(2)", e, jsonCopy(t, evs[1]))
		if _, ok, err := tx.Event(c.ID, 3); ok || err != nil {
			t.Errorf("Event(3), which is not there = %t, %v", ok, err)
		}
	})
	// A redaction rewrites an event in place.
	redacted := evs[1]
	redacted.RedactText()
	update(t, s, func(tx backend.Tx) { must(t, tx.PutEvent(redacted)) })
	view(t, s, func(tx backend.Tx) {
		got, err := tx.Events(c.ID)
		must(t, err)
		same(t, "Events after a rewrite", got, jsonCopy(t, []model.Event{evs[0], redacted, evs[2]}))
	})
}

func comment(caseID string, seq int64, id, body string) model.Comment {
	cm := model.Comment{CaseID: caseID, Seq: seq, ID: id, Author: "ana", Body: body, CreatedAt: at(int(seq)),
		Imported: &model.ImportedFrom{Author: "someone", At: at(-5), Source: "import of cases.jsonl line 3"}}
	cm.Seal([]byte("salt1234"))
	return cm
}

func testComments(t *testing.T, s Store) {
	c := simpleCase("case_c", "KYC-1", 0)
	cms := []model.Comment{comment(c.ID, 1, "docket-case_c-1", "first"), comment(c.ID, 2, "cmt_persona", "second")}
	// As an import does: comments first, then the case they belong to.
	update(t, s, func(tx backend.Tx) {
		for _, cm := range cms {
			must(t, tx.PutComment(cm))
		}
		if seq, err := tx.LastCommentSeq(c.ID); seq != 2 || err != nil {
			t.Errorf("LastCommentSeq in its transaction = %d, %v", seq, err)
		}
		must(t, tx.PutCase(nil, c))
	})
	other := simpleCase("case_d", "KYC-2", 0)
	putCases(t, s, other)
	update(t, s, func(tx backend.Tx) { must(t, tx.PutComment(comment(other.ID, 5, "cmt_other", "x"))) })
	view(t, s, func(tx backend.Tx) {
		got, err := tx.Comments(c.ID)
		must(t, err)
		same(t, "Comments", got, jsonCopy(t, cms))
		if seq, err := tx.LastCommentSeq(c.ID); seq != 2 || err != nil {
			t.Errorf("LastCommentSeq = %d, %v; want 2", seq, err)
		}
		for _, id := range []string{"docket-case_c-1", "cmt_persona", "cmt_other"} {
			if has, err := tx.HasCommentID(id); !has || err != nil {
				t.Errorf("HasCommentID(%s) = %t, %v", id, has, err)
			}
		}
		if has, err := tx.HasCommentID("CMT_PERSONA"); has || err != nil {
			t.Errorf("HasCommentID in other letters = %t, %v; ids are exact", has, err)
		}
	})
	redacted := cms[0]
	redacted.RedactText()
	update(t, s, func(tx backend.Tx) { must(t, tx.PutComment(redacted)) })
	view(t, s, func(tx backend.Tx) {
		got, err := tx.Comments(c.ID)
		must(t, err)
		same(t, "Comments after a redaction", got, jsonCopy(t, []model.Comment{redacted, cms[1]}))
		if has, err := tx.HasCommentID(redacted.ID); !has || err != nil {
			t.Errorf("a rewritten comment's id is no longer claimed (%v)", err)
		}
	})
}

func testObjects(t *testing.T, s Store) {
	attrs := []byte(`{"name-last":"Müller","reference-id":"user-1","b":1.50,"a":[2e3],"a":3,"z":"\u0000"}`)
	o := &model.Object{ObjectRef: model.ObjectRef{Kind: model.KindInquiry, Type: "inquiry", ID: "inq_1"},
		Attributes: attrs, Relationships: []byte(`{"account":{"data":{"id":"act_1"}}}`)}
	ref := &model.Object{ObjectRef: model.ObjectRef{Kind: model.KindAccount, Type: "account", ID: "act_1"}, RefOnly: true}
	update(t, s, func(tx backend.Tx) {
		for _, x := range []*model.Object{o, ref} {
			wrote, err := tx.PutObject(x)
			if !wrote || err != nil {
				t.Errorf("PutObject(%s), new = %t, %v", x.ID, wrote, err)
			}
			if x.Sum != x.ContentDigest() {
				t.Errorf("PutObject left Sum %q; want the content digest", x.Sum)
			}
		}
		again := *o
		again.Sum = ""
		if wrote, err := tx.PutObject(&again); wrote || err != nil {
			t.Errorf("PutObject of the very same object = %t, %v; want not written", wrote, err)
		}
	})
	view(t, s, func(tx backend.Tx) {
		got, err := tx.Object(o.ID)
		must(t, err)
		same(t, "Object", got, o)
		if got != nil && !bytes.Equal(got.Attributes, attrs) {
			t.Errorf("attributes read %s; want %s", got.Attributes, attrs)
		}
		got, err = tx.Object(ref.ID)
		must(t, err)
		same(t, "a reference-only Object", got, ref)
		if has, err := tx.HasObject(ref.ID); !has || err != nil {
			t.Errorf("HasObject of a reference-only object = %t, %v", has, err)
		}
		if sum := tx.ObjectSum(o.ID); sum != o.ContentDigest() {
			t.Errorf("ObjectSum = %q; want %q", sum, o.ContentDigest())
		}
	})
	changed := *o
	changed.Attributes, changed.Redacted = []byte(`{}`), true
	update(t, s, func(tx backend.Tx) {
		if wrote, err := tx.PutObject(&changed); !wrote || err != nil {
			t.Errorf("PutObject of a changed object = %t, %v; want written", wrote, err)
		}
	})
	view(t, s, func(tx backend.Tx) {
		got, err := tx.Object(o.ID)
		must(t, err)
		same(t, "Object after a change", got, &changed)
	})
}

func testLinks(t *testing.T, s Store) {
	objects := []*model.Object{
		{ObjectRef: model.ObjectRef{Kind: model.KindInquiry, Type: "inquiry", ID: "inq_1"}, RefOnly: true},
		{ObjectRef: model.ObjectRef{Kind: model.KindAccount, Type: "account", ID: "act_1"}, RefOnly: true},
	}
	c1, c2 := simpleCase("case_b", "KYC-1", 0), simpleCase("case_a", "KYC-2", 1)
	// As an import does: links first, then the objects, then the case.
	update(t, s, func(tx backend.Tx) {
		must(t, tx.Link("inq_1", c1.ID))
		must(t, tx.Link("inq_1", c2.ID))
		must(t, tx.Link("inq_1", c2.ID)) // again: still one link
		must(t, tx.Link("act_1", c1.ID))
		for _, o := range objects {
			_, err := tx.PutObject(o)
			must(t, err)
		}
		must(t, tx.PutCase(nil, c1))
		must(t, tx.PutCase(nil, c2))
		ids, err := tx.CasesOf("inq_1")
		must(t, err)
		same(t, "CasesOf in its transaction", ids, []string{"case_a", "case_b"})
	})
	view(t, s, func(tx backend.Tx) {
		ids, err := tx.CasesOf("inq_1")
		must(t, err)
		same(t, "CasesOf, by case id", ids, []string{"case_a", "case_b"})
		ids, err = tx.CasesOf("act_1")
		must(t, err)
		same(t, "CasesOf another object", ids, []string{"case_b"})
	})
	update(t, s, func(tx backend.Tx) {
		must(t, tx.Unlink("inq_1", c1.ID))
		must(t, tx.Unlink("inq_1", "case_never")) // nothing to unlink
	})
	view(t, s, func(tx backend.Tx) {
		ids, err := tx.CasesOf("inq_1")
		must(t, err)
		same(t, "CasesOf after Unlink", ids, []string{"case_a"})
		ids, err = tx.CasesOf("act_1")
		must(t, err)
		same(t, "CasesOf of the object not unlinked", ids, []string{"case_b"})
	})
}

func testWorkflows(t *testing.T, s Store) {
	kyc := []byte("id: kyc\nname: KYC review  # spaces kept\nstatuses:\n  - New\n")
	aml := []byte("id: aml\r\nname: AML\r\n")
	update(t, s, func(tx backend.Tx) {
		must(t, tx.PutWorkflow("kyc", kyc, "0123abcd"))
		must(t, tx.PutWorkflow("aml", aml, "")) // stored before workflows had digests
	})
	type wf struct {
		ID, Src, Sum string
	}
	// The store a backend is opened for may hold workflows of its own
	// (the built-in ones): only the suite's are looked at.
	read := func(tx backend.Tx) []wf {
		var out []wf
		must(t, tx.EachWorkflow(func(id string, src []byte, sum string) error {
			if id == "aml" || id == "kyc" {
				out = append(out, wf{id, string(src), sum})
			}
			return nil
		}))
		return out
	}
	view(t, s, func(tx backend.Tx) {
		same(t, "EachWorkflow, by id", read(tx), []wf{{"aml", string(aml), ""}, {"kyc", string(kyc), "0123abcd"}})
	})
	update(t, s, func(tx backend.Tx) { must(t, tx.PutWorkflow("aml", kyc, "ffff")) })
	view(t, s, func(tx backend.Tx) {
		same(t, "EachWorkflow after a change", read(tx), []wf{{"aml", string(kyc), "ffff"}, {"kyc", string(kyc), "0123abcd"}})
	})
}

func testDecisions(t *testing.T, s Store) {
	day := base.Add(5 * time.Hour)
	update(t, s, func(tx backend.Tx) {
		must(t, tx.NoteDecision(day, "ana"))
		must(t, tx.NoteDecision(day.Add(2*time.Hour), "ana")) // the same UTC day
		must(t, tx.NoteDecision(day, "ben"))
		if n, err := tx.DecidedOn(day, "ana"); n != 2 || err != nil {
			t.Errorf("DecidedOn in its transaction = %d, %v; want 2", n, err)
		}
	})
	update(t, s, func(tx backend.Tx) { must(t, tx.NoteDecision(day.Add(24*time.Hour), "ana")) })
	view(t, s, func(tx backend.Tx) {
		for _, tc := range []struct {
			day  time.Time
			user string
			want int
		}{{day, "ana", 2}, {base, "ana", 2}, {day, "ben", 1}, {day.Add(24 * time.Hour), "ana", 1}, {day, "cyd", 0}} {
			if n, err := tx.DecidedOn(tc.day, tc.user); n != tc.want || err != nil {
				t.Errorf("DecidedOn(%s, %s) = %d, %v; want %d", tc.day.Format(time.DateOnly), tc.user, n, err, tc.want)
			}
		}
	})
}
