package backendtest

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"docket/model"
	"docket/store/backend"
)

// testMissing asks for every kind of record in an empty store: none, and
// no error.
func testMissing(t *testing.T, s Store) {
	view(t, s, func(tx backend.Tx) {
		if c, err := tx.CaseHeader("case_none"); c != nil || err != nil {
			t.Errorf("CaseHeader of none = %v, %v", c, err)
		}
		if has, err := tx.HasCase("case_none"); has || err != nil {
			t.Errorf("HasCase of none = %t, %v", has, err)
		}
		if f, err := tx.CaseFields("case_none"); f != nil || err != nil {
			t.Errorf("CaseFields of none = %q, %v", f, err)
		}
		if id, ok, err := tx.CaseNamed("KYC-1"); ok || id != "" || err != nil {
			t.Errorf("CaseNamed of none = %q, %t, %v", id, ok, err)
		}
		if _, ok, err := tx.User("nobody"); ok || err != nil {
			t.Errorf("User of none = %t, %v", ok, err)
		}
		if _, ok, err := tx.UserByEmail("no@example.com"); ok || err != nil {
			t.Errorf("UserByEmail of none = %t, %v", ok, err)
		}
		if has, err := tx.HasUsers(); has || err != nil {
			t.Errorf("HasUsers = %t, %v", has, err)
		}
		if _, ok, err := tx.Event("case_none", 1); ok || err != nil {
			t.Errorf("Event of none = %t, %v", ok, err)
		}
		if evs, err := tx.Events("case_none"); len(evs) != 0 || err != nil {
			t.Errorf("Events of none = %v, %v", evs, err)
		}
		if cms, err := tx.Comments("case_none"); len(cms) != 0 || err != nil {
			t.Errorf("Comments of none = %v, %v", cms, err)
		}
		if seq, err := tx.LastCommentSeq("case_none"); seq != 0 || err != nil {
			t.Errorf("LastCommentSeq of none = %d, %v", seq, err)
		}
		if has, err := tx.HasCommentID("cmt_none"); has || err != nil {
			t.Errorf("HasCommentID of none = %t, %v", has, err)
		}
		if o, err := tx.Object("inq_none"); o != nil || err != nil {
			t.Errorf("Object of none = %v, %v", o, err)
		}
		if has, err := tx.HasObject("inq_none"); has || err != nil {
			t.Errorf("HasObject of none = %t, %v", has, err)
		}
		if sum := tx.ObjectSum("inq_none"); sum != "" {
			t.Errorf("ObjectSum of none = %q", sum)
		}
		if ids, err := tx.CasesOf("inq_none"); len(ids) != 0 || err != nil {
			t.Errorf("CasesOf of none = %v, %v", ids, err)
		}
		if _, ok, err := tx.Key("ana", "SHA256:none"); ok || err != nil {
			t.Errorf("Key of none = %t, %v", ok, err)
		}
		if keys, err := tx.KeysOf("ana"); len(keys) != 0 || err != nil {
			t.Errorf("KeysOf of none = %v, %v", keys, err)
		}
		if _, ok, err := tx.KeyOwner("SHA256:none"); ok || err != nil {
			t.Errorf("KeyOwner of none = %t, %v", ok, err)
		}
		if _, _, ok, err := tx.Token("tok_none"); ok || err != nil {
			t.Errorf("Token of none = %t, %v", ok, err)
		}
		if r, err := tx.Reply("ana", "key-1"); r != nil || err != nil {
			t.Errorf("Reply of none = %q, %v", r, err)
		}
		if _, _, ok, err := tx.Webhook("wh_none"); ok || err != nil {
			t.Errorf("Webhook of none = %t, %v", ok, err)
		}
		if n, err := tx.WebhookCount(); n != 0 || err != nil {
			t.Errorf("WebhookCount = %d, %v", n, err)
		}
		for _, key := range []string{"rr/kyc/", "last/ana", "seq/KYC", "released/ana"} {
			if v, err := tx.State(key); v != nil || err != nil {
				t.Errorf("State(%q) of none = %q, %v", key, v, err)
			}
		}
		if n, err := tx.OpenOf("ana"); n != 0 || err != nil {
			t.Errorf("OpenOf = %d, %v", n, err)
		}
		if n, err := tx.InStatus("kyc", "New"); n != 0 || err != nil {
			t.Errorf("InStatus = %d, %v", n, err)
		}
		if n, err := tx.DecidedOn(base, "ana"); n != 0 || err != nil {
			t.Errorf("DecidedOn = %d, %v", n, err)
		}
		if at, err := tx.OldestOpenOf("ana"); !at.IsZero() || err != nil {
			t.Errorf("OldestOpenOf = %v, %v", at, err)
		}
		none := func(what string, each func() error) {
			if err := each(); err != nil {
				t.Errorf("%s: %v", what, err)
			}
		}
		none("EachUser", func() error {
			return tx.EachUser(func(u model.User, _ error) error { t.Errorf("EachUser gave %v", u); return nil })
		})
		none("EachToken", func() error {
			return tx.EachToken(func(tok model.APIToken) error { t.Errorf("EachToken gave %s", tok.ID); return nil })
		})
		none("EachWebhook", func() error {
			return tx.EachWebhook(func(w model.Webhook, _ [][]byte, _ error) error { t.Errorf("EachWebhook gave %s", w.ID); return nil })
		})
		counts, err := tx.QueueCounts("ana")
		must(t, err)
		same(t, "QueueCounts", counts, map[string]int{"mine": 0, "unassigned": 0, "open": 0, "closed": 0, "all": 0})
		page, err := tx.List(context.Background(), backend.Selection{Queue: backend.QueueAll, Order: backend.ByDeadline, Limit: 10})
		must(t, err)
		if page.Cases == nil || len(page.Cases) != 0 || page.Next != nil || page.Total != 0 {
			t.Errorf("List of nothing = %+v; want no cases (not nil), no Next, Total 0", page)
		}
	})
}

// fullCase is a case with every part of its record set, times with
// nanoseconds.
func fullCase() *model.Case {
	ns := func(t time.Time, n int) time.Time { return t.Add(time.Duration(n)) }
	fields := []byte(`{"b": 2,  "a": [1, 2.50, "x"], "a": "again", "note": "n\u0000ul"}`)
	c := &model.Case{ID: "case_01J9", Name: "KYC-7", Workflow: "kyc", Status: "In Review", StatusType: model.Intermediate,
		Assignee: "ana", Assigner: "lead", Creator: "importer", Resolver: "",
		CreatedAt: ns(at(1), 123), UpdatedAt: ns(at(2), 456), AssignedAt: ns(at(3), 789), SLAExpiresAt: ns(at(90), 1),
		SourceUpdatedAt: ns(at(0), 999),
		Tags:            []string{"VIP", "pep"}, Subject: "Anna Müller", References: []string{"ref-9", "user 9"},
		Fields:  fields,
		Objects: []model.ObjectRef{{Kind: model.KindInquiry, Type: "inquiry", ID: "inq_1"}, {Kind: model.KindReport, Type: "report/watchlist", ID: "rep_2"}},
		Version: 3, PersonaTemplate: "ctmpl_abc",
		FieldsSum: model.FieldsDigest(fields), ObjectsSum: model.FieldsDigest([]byte("o")), CommentsSum: model.FieldsDigest([]byte("c")),
	}
	return c
}

func testCaseRoundTrip(t *testing.T, s Store) {
	c := fullCase()
	check := func(tx backend.Tx, when string) {
		got, err := tx.CaseHeader(c.ID)
		must(t, err)
		same(t, when+": CaseHeader", got, header(c))
		fields, err := tx.CaseFields(c.ID)
		must(t, err)
		if !bytes.Equal(fields, c.Fields) {
			t.Errorf("%s: CaseFields = %s; want %s", when, fields, c.Fields)
		}
		if has, err := tx.HasCase(c.ID); !has || err != nil {
			t.Errorf("%s: HasCase = %t, %v", when, has, err)
		}
		for _, name := range []string{"KYC-7", "kyc-7", "Kyc-7"} {
			if id, ok, err := tx.CaseNamed(name); id != c.ID || !ok || err != nil {
				t.Errorf("%s: CaseNamed(%q) = %q, %t, %v", when, name, id, ok, err)
			}
		}
	}
	update(t, s, func(tx backend.Tx) {
		must(t, tx.PutCase(nil, c.Clone()))
		check(tx, "in the transaction that wrote it")
	})
	view(t, s, func(tx backend.Tx) { check(tx, "after commit") })

	// A case with no tags, objects or references, closed, no deadline.
	bare := &model.Case{ID: "case_bare", Name: "AML-1", Workflow: "aml", Status: "closed", StatusType: model.End,
		CreatedAt: at(5), UpdatedAt: at(6), ResolvedAt: at(6), Resolver: "ben", Version: 1, Redacted: true,
		Fields: []byte(`{}`), FieldsSum: model.FieldsDigest([]byte(`{}`))}
	putCases(t, s, bare)
	view(t, s, func(tx backend.Tx) {
		got, err := tx.CaseHeader(bare.ID)
		must(t, err)
		same(t, "CaseHeader of a bare case", got, header(bare))
	})
}

// testCaseRewrite changes a case: the new record, new fields only when
// they changed, the name claim moved.
func testCaseRewrite(t *testing.T, s Store) {
	old := fullCase()
	putCases(t, s, old)
	c := old.Clone()
	c.Name, c.Status, c.Version, c.UpdatedAt = "KYC-8", "Approved", 4, at(20)
	c.StatusType, c.Resolver, c.ResolvedAt = model.End, "ana", at(20)
	c.Tags, c.References, c.Subject = []string{"fraud"}, nil, ""
	update(t, s, func(tx backend.Tx) { must(t, tx.PutCase(old, c.Clone())) })
	view(t, s, func(tx backend.Tx) {
		got, err := tx.CaseHeader(c.ID)
		must(t, err)
		same(t, "CaseHeader after the change", got, header(c))
		if id, ok, err := tx.CaseNamed("KYC-7"); ok || err != nil {
			t.Errorf("the old name still finds %q (%v)", id, err)
		}
		if id, ok, err := tx.CaseNamed("kyc-8"); id != c.ID || !ok || err != nil {
			t.Errorf("CaseNamed of the new name = %q, %t, %v", id, ok, err)
		}
		fields, err := tx.CaseFields(c.ID)
		must(t, err)
		if !bytes.Equal(fields, old.Fields) {
			t.Errorf("fields that did not change read %s; want %s", fields, old.Fields)
		}
	})
	next := c.Clone()
	next.Fields, next.Version = []byte(`{"changed":true}`), 5
	update(t, s, func(tx backend.Tx) { must(t, tx.PutCase(c, next.Clone())) })
	view(t, s, func(tx backend.Tx) {
		fields, err := tx.CaseFields(c.ID)
		must(t, err)
		if !bytes.Equal(fields, next.Fields) {
			t.Errorf("changed fields read %s; want %s", fields, next.Fields)
		}
	})
}

func testUsers(t *testing.T, s Store) {
	users := []model.User{
		{Name: "ben", Email: "Ben@Example.com", Role: model.RoleLead, Teams: []string{"kyc", "aml"}, Availability: model.Busy, CreatedAt: at(1)},
		{Name: "ana", Role: model.RoleReviewer, Availability: model.Available, CreatedAt: at(2)},
		{Name: "Çelik", Role: model.RoleAdmin, Availability: model.Unavailable},
	}
	update(t, s, func(tx backend.Tx) {
		for _, u := range users {
			must(t, tx.PutUser(u))
		}
		if u, ok, err := tx.User("ben"); !ok || err != nil || !same(t, "User in its transaction", u, users[0]) {
			t.Errorf("User(ben) = %t, %v", ok, err)
		}
	})
	view(t, s, func(tx backend.Tx) {
		for _, want := range users {
			u, ok, err := tx.User(want.Name)
			if !ok || err != nil {
				t.Errorf("User(%s) = %t, %v", want.Name, ok, err)
			}
			same(t, "User("+want.Name+")", u, want)
		}
		if has, err := tx.HasUsers(); !has || err != nil {
			t.Errorf("HasUsers = %t, %v", has, err)
		}
		var names []string
		must(t, tx.EachUser(func(u model.User, _ error) error { names = append(names, u.Name); return nil }))
		same(t, "EachUser's order (by name, bytes)", names, []string{"ana", "ben", "Çelik"})
	})
	changed := users[1]
	changed.Role, changed.Teams = model.RoleLead, []string{"kyc"}
	update(t, s, func(tx backend.Tx) { must(t, tx.PutUser(changed)) })
	view(t, s, func(tx backend.Tx) {
		u, _, err := tx.User("ana")
		must(t, err)
		same(t, "a user written again", u, changed)
	})
}

func testEmailClaims(t *testing.T, s Store) {
	ana := model.User{Name: "ana", Email: "Ana.Silva@Example.com", Role: model.RoleReviewer, Availability: model.Available, CreatedAt: at(1)}
	update(t, s, func(tx backend.Tx) { must(t, tx.PutUser(ana)) })
	view(t, s, func(tx backend.Tx) {
		for _, email := range []string{"Ana.Silva@Example.com", "ana.silva@example.com", "ANA.SILVA@EXAMPLE.COM"} {
			if name, ok, err := tx.UserByEmail(email); name != "ana" || !ok || err != nil {
				t.Errorf("UserByEmail(%q) = %q, %t, %v", email, name, ok, err)
			}
		}
	})
	// Ana moves to another address: the rules release the old claim, then
	// write her with the new one; then ben takes the old one.
	moved := ana
	moved.Email = "ana@new.example"
	update(t, s, func(tx backend.Tx) {
		must(t, tx.DropEmail(ana.Email))
		if _, ok, err := tx.UserByEmail(ana.Email); ok || err != nil {
			t.Errorf("a released email still finds someone (%v)", err)
		}
		must(t, tx.PutUser(moved))
	})
	ben := model.User{Name: "ben", Email: "ana.silva@example.com", Role: model.RoleReviewer, Availability: model.Available, CreatedAt: at(2)}
	update(t, s, func(tx backend.Tx) { must(t, tx.PutUser(ben)) })
	view(t, s, func(tx backend.Tx) {
		if name, ok, err := tx.UserByEmail("Ana.Silva@example.com"); name != "ben" || !ok || err != nil {
			t.Errorf("the old address finds %q, %t, %v; want ben", name, ok, err)
		}
		if name, ok, err := tx.UserByEmail("ANA@new.example"); name != "ana" || !ok || err != nil {
			t.Errorf("the new address finds %q, %t, %v; want ana", name, ok, err)
		}
		u, _, err := tx.User("ana")
		must(t, err)
		same(t, "ana after moving", u, moved)
	})
	// A released claim leaves the user's record as it was.
	update(t, s, func(tx backend.Tx) { must(t, tx.DropEmail("ANA@NEW.EXAMPLE")) })
	view(t, s, func(tx backend.Tx) {
		if _, ok, err := tx.UserByEmail(moved.Email); ok || err != nil {
			t.Errorf("a released email still finds someone (%v)", err)
		}
		u, _, err := tx.User("ana")
		must(t, err)
		same(t, "ana after her claim is released", u, moved)
	})
}

func testDamagedUser(t *testing.T, s Store) {
	putUsers(t, s, "ana", "ben")
	s.Tamper(t, KindUser, "ben")
	view(t, s, func(tx backend.Tx) {
		if _, ok, err := tx.User("ben"); !ok || err == nil || !contains(err, "ben") {
			t.Errorf("User of a tampered record = %t, %v; want found, and an error naming ben", ok, err)
		}
		if _, _, err := tx.User("ana"); err != nil {
			t.Errorf("User of an intact record: %v", err)
		}
		// EachUser gives a tampered user as it reads: only acting as one
		// (User) and check name it, so one edited record breaks no listing.
		var names []string
		if err := tx.EachUser(func(u model.User, bad error) error {
			if bad != nil {
				t.Errorf("EachUser: %s is %v; a record that decodes is given as it reads", u.Name, bad)
			}
			names = append(names, u.Name)
			return nil
		}); err != nil || !slices.Contains(names, "ben") {
			t.Errorf("EachUser over a tampered record: %v, %v; want every user, ben included", names, err)
		}
	})
}
