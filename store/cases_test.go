package store

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"docket/model"
)

func history(t *testing.T, s *Store, ref string) []model.Event {
	t.Helper()
	d, err := s.CaseDetail(ref)
	must(t, err)
	return d.Events
}

func TestCreateCase(t *testing.T) {
	s, _ := newStore(t)
	c, err := s.CreateCase("ravi", NewCase{Workflow: "default", Tags: []string{"vip", "VIP", " pep "},
		Fields: json.RawMessage(`{"a":1}`)})
	must(t, err)
	if c.Name != "CASE-1" || c.Status != "Open" || c.StatusType != model.Initial || c.Version != 1 {
		t.Fatalf("new case: %+v", c)
	}
	if !strings.HasPrefix(c.ID, "case_") || len(c.ID) != 29 {
		t.Fatalf("id %q", c.ID)
	}
	if got := strings.Join(c.Tags, ","); got != "vip,pep" {
		t.Fatalf("tags %q", got)
	}
	if want := t0.Add(72 * time.Hour); !c.SLAExpiresAt.Equal(want) {
		t.Fatalf("sla %v, want the workflow default %v", c.SLAExpiresAt, want)
	}
	c2 := mustCase(t, s, "default", "")
	if c2.Name != "CASE-2" {
		t.Fatalf("second name %q", c2.Name)
	}
	got, err := s.Case("case-1") // names are case-insensitive
	must(t, err)
	if got.ID != c.ID || string(got.Fields) != `{"a":1}` {
		t.Fatalf("read back %+v", got)
	}
	ev := history(t, s, c.ID)
	if len(ev) != 1 || ev[0].Kind != model.EventCreated || ev[0].Actor != "ravi" || ev[0].Seq != 1 {
		t.Fatalf("events %+v", ev)
	}
}

func TestCreateCaseRefusals(t *testing.T) {
	s, _ := newStore(t)
	before := snapshot(t, s)
	_, err := s.CreateCase("ravi", NewCase{Workflow: "nope"})
	refused(t, s, err, model.ErrNotFound, `unknown workflow "nope"`, before)
	_, err = s.CreateCase("ravi", NewCase{Workflow: "default", Assignee: "mia"})
	refused(t, s, err, model.ErrForbidden, "only a lead may assign cases to others", before)
	_, err = s.CreateCase("ghost", NewCase{Workflow: "default"})
	refused(t, s, err, model.ErrNotFound, `unknown user "ghost" (known users: ada, lena, mia, ravi)`, before)
	_, err = s.CreateCase("lena", NewCase{Workflow: "default", Fields: json.RawMessage(`[1]`)})
	refused(t, s, err, model.ErrInvalid, "must be a JSON object", before)
	_, err = s.CreateCase("lena", NewCase{Workflow: "default", Assignee: "nobody"})
	refused(t, s, err, model.ErrNotFound, `unknown user "nobody"`, before)
}

func TestSetStatus(t *testing.T) {
	s, c := newStore(t)
	k := mustCase(t, s, "default", "ravi")
	c.advance(time.Minute)
	got, err := s.SetStatus(Target{Actor: "ravi", Case: k.Name}, StatusChange{Status: "pending", Comment: "waiting on docs"})
	must(t, err)
	if got.Status != "Pending" || got.Version != 2 || !got.UpdatedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after pending: %+v", got)
	}
	got, err = s.SetStatus(Target{Actor: "ravi", Case: k.Name}, StatusChange{Status: "Declined", Reason: "FRAUD"})
	must(t, err)
	if got.StatusType != model.End || got.Resolver != "ravi" || got.ResolvedAt.IsZero() {
		t.Fatalf("after decline: %+v", got)
	}
	ev := history(t, s, k.ID)
	last := ev[len(ev)-1]
	if last.Kind != model.EventStatus || last.From != "Pending" || last.To != "Declined" || last.Reason != "fraud" || last.Seq != 3 {
		t.Fatalf("last event %+v", last)
	}
	if ev[1].Comment != "waiting on docs" {
		t.Fatalf("comment not in audit: %+v", ev[1])
	}
	// A lead reopens; the resolution is cleared.
	got, err = s.SetStatus(Target{Actor: "lena", Case: k.Name}, StatusChange{Status: "Open"})
	must(t, err)
	if got.Open() != true || got.Resolver != "" || !got.ResolvedAt.IsZero() {
		t.Fatalf("after reopen: %+v", got)
	}
}

func TestSetStatusRefusals(t *testing.T) {
	s, c := newStore(t)
	k := mustCase(t, s, "default", "ravi")
	other := mustCase(t, s, "default", "mia")
	free := mustCase(t, s, "default", "")
	as := func(actor, ref string) Target { return Target{Actor: actor, Case: ref} }
	before := snapshot(t, s)

	_, err := s.SetStatus(as("ravi", k.Name), StatusChange{Status: "Declined"})
	refused(t, s, err, model.ErrInvalid, "needs a reason", before)
	_, err = s.SetStatus(as("ravi", k.Name), StatusChange{Status: "Declined", Reason: "bored"})
	refused(t, s, err, model.ErrInvalid, "bored", before)
	_, err = s.SetStatus(as("ravi", k.Name), StatusChange{Status: "Escalated"})
	refused(t, s, err, model.ErrInvalid, "Escalated", before)
	_, err = s.SetStatus(as("ravi", k.Name), StatusChange{Status: "Open"})
	refused(t, s, err, model.ErrInvalid, "already Open", before)
	_, err = s.SetStatus(as("ravi", other.Name), StatusChange{Status: "Pending"})
	refused(t, s, err, model.ErrForbidden, "assigned to mia", before)
	_, err = s.SetStatus(as("ravi", free.Name), StatusChange{Status: "Pending"})
	refused(t, s, err, model.ErrForbidden, "claim it", before)
	_, err = s.SetStatus(as("ravi", "CASE-99"), StatusChange{Status: "Pending"})
	refused(t, s, err, model.ErrNotFound, `no case "CASE-99"`, before)
	_, err = s.SetStatus(as("nobody", k.Name), StatusChange{Status: "Pending"})
	refused(t, s, err, model.ErrNotFound, "unknown user", before)

	// A decided case names who decided it when a reviewer tries to reopen.
	_, err = s.SetStatus(as("ravi", k.Name), StatusChange{Status: "Approved"})
	must(t, err)
	c.advance(2 * time.Minute)
	before = snapshot(t, s)
	_, err = s.SetStatus(as("ravi", k.Name), StatusChange{Status: "Pending"})
	refused(t, s, err, model.ErrForbidden, "CASE-1 is already Approved (by ravi, 2m ago); reopening a decided case is a lead's move", before)
	_, err = s.SetStatus(as("lena", k.Name), StatusChange{Status: "Declined", Reason: "fraud"})
	refused(t, s, err, model.ErrInvalid, "Approved", before)
}

func TestExpectedVersion(t *testing.T) {
	s, c := newStore(t)
	k := mustCase(t, s, "default", "ravi")
	_, err := s.SetStatus(Target{Actor: "lena", Case: k.Name, Expect: 1}, StatusChange{Status: "Pending"})
	must(t, err)
	c.advance(3 * time.Minute)
	before := snapshot(t, s)
	_, err = s.SetStatus(Target{Actor: "ravi", Case: k.Name, Expect: 1}, StatusChange{Status: "Approved"})
	refused(t, s, err, model.ErrConflict, "CASE-1 was changed by lena 3m ago (status Open → Pending; now version 2, you had 1)", before)
	_, err = s.SetStatus(Target{Actor: "ravi", Case: k.Name, Expect: 2}, StatusChange{Status: "Approved"})
	must(t, err)
}

func TestAssignClaimUnassign(t *testing.T) {
	s, _ := newStore(t)
	k := mustCase(t, s, "default", "")
	got, err := s.Claim(Target{Actor: "ravi", Case: k.Name})
	must(t, err)
	if got.Assignee != "ravi" || got.Assigner != "ravi" || got.AssignedAt.IsZero() {
		t.Fatalf("after claim %+v", got)
	}
	if ev := history(t, s, k.ID); ev[len(ev)-1].Kind != model.EventClaimed {
		t.Fatalf("claim event %+v", ev[len(ev)-1])
	}
	before := snapshot(t, s)
	_, err = s.Claim(Target{Actor: "mia", Case: k.Name})
	refused(t, s, err, model.ErrForbidden, "assigned to ravi; ask a lead", before)
	_, err = s.Assign(Target{Actor: "ravi", Case: k.Name}, "mia")
	refused(t, s, err, model.ErrForbidden, "only a lead", before)
	_, err = s.Assign(Target{Actor: "lena", Case: k.Name}, "ghost")
	refused(t, s, err, model.ErrNotFound, "ghost", before)

	got, err = s.Assign(Target{Actor: "lena", Case: k.Name}, "mia")
	must(t, err)
	if got.Assignee != "mia" || got.Assigner != "lena" {
		t.Fatalf("after reassign %+v", got)
	}
	got, err = s.Unassign(Target{Actor: "mia", Case: k.Name})
	must(t, err)
	if got.Assignee != "" || got.Assigner != "" || got.Version != 4 {
		t.Fatalf("after unassign %+v", got)
	}
	// Claiming your own case again, or unassigning twice, changes nothing.
	before = snapshot(t, s)
	_, err = s.Unassign(Target{Actor: "mia", Case: k.Name})
	must(t, err)
	sameSnapshot(t, before, snapshot(t, s))
}

func TestTags(t *testing.T) {
	s, _ := newStore(t)
	k := mustCase(t, s, "default", "ravi")
	got, err := s.Tag(Target{Actor: "ravi", Case: k.Name}, []string{"vip", "pep", "vip"}, nil)
	must(t, err)
	if strings.Join(got.Tags, ",") != "vip,pep" {
		t.Fatalf("tags %v", got.Tags)
	}
	got, err = s.Tag(Target{Actor: "ravi", Case: k.Name}, []string{"sanctions"}, []string{"VIP"})
	must(t, err)
	if strings.Join(got.Tags, ",") != "pep,sanctions" {
		t.Fatalf("tags %v", got.Tags)
	}
	got, err = s.SetTags(Target{Actor: "ravi", Case: k.Name}, []string{"x"})
	must(t, err)
	if strings.Join(got.Tags, ",") != "x" || got.Version != 4 {
		t.Fatalf("tags %v version %d", got.Tags, got.Version)
	}
	before := snapshot(t, s)
	_, err = s.Tag(Target{Actor: "ravi", Case: k.Name}, []string{"bad\x1b[2J"}, nil)
	refused(t, s, err, model.ErrInvalid, "control character", before)
	_, err = s.Tag(Target{Actor: "mia", Case: k.Name}, []string{"y"}, nil)
	refused(t, s, err, model.ErrForbidden, "assigned to ravi", before)
	// The tag index follows.
	page, err := s.List(Query{Queue: QueueOpen, Tag: "X"})
	must(t, err)
	if page.Total != 1 || page.Cases[0].ID != k.ID {
		t.Fatalf("tag query %+v", page)
	}
	page, err = s.List(Query{Queue: QueueOpen, Tag: "pep"})
	must(t, err)
	if page.Total != 0 {
		t.Fatalf("removed tag still indexed: %+v", page)
	}
}

func TestUpdateFields(t *testing.T) {
	s, _ := newStore(t)
	k := mustCase(t, s, "default", "ravi")
	got, err := s.UpdateFields(Target{Actor: "ravi", Case: k.Name}, []byte(`{"risk":{"level":"high","score":null},"device":{"ip":"10.0.0.1"}}`))
	must(t, err)
	if string(got.Fields) != `{"device":{"ip":"10.0.0.1"},"risk":{"level":"high"}}` {
		t.Fatalf("fields %s", got.Fields)
	}
	ev := history(t, s, k.ID)
	// The event says what each changed value was and became, entering
	// the objects the patch touched.
	want := `device (none) → {"ip":"10.0.0.1"}; risk.level (none) → "high"; risk.score 10 → (none)`
	if e := ev[len(ev)-1]; e.Kind != model.EventFields || e.To != want {
		t.Fatalf("event %+v\nwant To %s", e, want)
	}
	if got := model.DescribeEvent(ev[len(ev)-1]); got != "updated fields: "+want {
		t.Fatalf("described as %q", got)
	}
	before := snapshot(t, s)
	for _, bad := range []string{`{"a":`, `[1,2]`, `"x"`, `{"a":1} {"b":2}`} {
		_, err = s.UpdateFields(Target{Actor: "ravi", Case: k.Name}, []byte(bad))
		refused(t, s, err, model.ErrInvalid, "patch", before)
	}
	// An identical patch is not a change.
	_, err = s.UpdateFields(Target{Actor: "ravi", Case: k.Name}, []byte(`{"risk":{"level":"high"}}`))
	must(t, err)
	sameSnapshot(t, before, snapshot(t, s))
}

func inquiry(id, first, last string) *model.Object {
	attrs, _ := json.Marshal(map[string]any{"name-first": first, "name-last": last, "status": "completed"})
	return &model.Object{ObjectRef: model.ObjectRef{Kind: model.KindInquiry, Type: "inquiry", ID: id}, Attributes: attrs}
}

func account(id, first, last string) *model.Object {
	attrs, _ := json.Marshal(map[string]any{"name-first": first, "name-last": last, "reference-id": "u-" + id})
	return &model.Object{ObjectRef: model.ObjectRef{Kind: model.KindAccount, Type: "account", ID: id}, Attributes: attrs}
}

func TestAttachDetachAndRelated(t *testing.T) {
	s, _ := newStore(t)
	a := mustCase(t, s, "default", "ravi")
	b := mustCase(t, s, "default", "mia")
	shared := account("act_1", "Amara", "Okafor")
	got, err := s.Attach(Target{Actor: "ravi", Case: a.Name}, inquiry("inq_1", "Amara", "Okafor"), shared)
	must(t, err)
	if got.Subject != "Amara Okafor" || len(got.Objects) != 2 {
		t.Fatalf("after attach %+v", got)
	}
	_, err = s.Attach(Target{Actor: "mia", Case: b.Name}, shared)
	must(t, err)
	d, err := s.CaseDetail(a.Name)
	must(t, err)
	if len(d.Related) != 1 || d.Related[0].ID != b.ID {
		t.Fatalf("related %+v", d.Related)
	}
	if len(d.Objects) != 2 || d.Objects[0].PersonName() != "Amara Okafor" {
		t.Fatalf("objects %+v", d.Objects)
	}
	before := snapshot(t, s)
	bad := &model.Object{ObjectRef: model.ObjectRef{Kind: model.KindReport, Type: "selfie", ID: "x"}}
	_, err = s.Attach(Target{Actor: "ravi", Case: a.Name}, bad)
	refused(t, s, err, model.ErrInvalid, "selfie", before)
	_, err = s.Detach(Target{Actor: "ravi", Case: a.Name}, "act_nope")
	refused(t, s, err, model.ErrNotFound, "act_nope", before)

	got, err = s.Detach(Target{Actor: "ravi", Case: a.Name}, "act_1")
	must(t, err)
	if len(got.Objects) != 1 {
		t.Fatalf("after detach %+v", got.Objects)
	}
	d, _ = s.CaseDetail(a.Name)
	if len(d.Related) != 0 {
		t.Fatalf("still related after detach: %+v", d.Related)
	}
	d, _ = s.CaseDetail(b.Name)
	if len(d.Objects) != 1 || d.Objects[0].Attributes == nil {
		t.Fatalf("shared object lost from the other case: %+v", d.Objects)
	}
}

func TestComment(t *testing.T) {
	s, c := newStore(t)
	k := mustCase(t, s, "default", "ravi")
	_, err := s.Comment(Target{Actor: "ravi", Case: k.Name}, "  first look  ")
	must(t, err)
	c.advance(time.Second)
	_, err = s.Comment(Target{Actor: "lena", Case: k.Name}, "second")
	must(t, err)
	d, err := s.CaseDetail(k.Name)
	must(t, err)
	if len(d.Comments) != 2 || d.Comments[0].Body != "first look" || d.Comments[1].Author != "lena" || d.Comments[1].Seq != 2 {
		t.Fatalf("comments %+v", d.Comments)
	}
	before := snapshot(t, s)
	_, err = s.Comment(Target{Actor: "ravi", Case: k.Name}, "   ")
	refused(t, s, err, model.ErrInvalid, "empty", before)
	_, err = s.Comment(Target{Actor: "mia", Case: k.Name}, "hi")
	refused(t, s, err, model.ErrForbidden, "assigned to ravi", before)
}

func TestRedact(t *testing.T) {
	s, _ := newStore(t)
	k := mustCase(t, s, "default", "ravi")
	other := mustCase(t, s, "default", "mia")
	shared := account("act_9", "Jonas", "Schmidt")
	_, err := s.Attach(Target{Actor: "ravi", Case: k.Name}, inquiry("inq_9", "Jonas", "Schmidt"), shared)
	must(t, err)
	_, err = s.Attach(Target{Actor: "mia", Case: other.Name}, shared)
	must(t, err)
	_, err = s.Comment(Target{Actor: "ravi", Case: k.Name}, "Jonas called from +49 555")
	must(t, err)
	// A fields change keeps the values before and after in its event:
	// redaction must take them too.
	_, err = s.UpdateFields(Target{Actor: "ravi", Case: k.Name}, []byte(`{"caller":"Jonas Schmidt"}`))
	must(t, err)
	_, err = s.SetStatus(Target{Actor: "ravi", Case: k.Name}, StatusChange{Status: "Pending", Comment: "Jonas Schmidt docs"})
	must(t, err)

	before := snapshot(t, s)
	_, err = s.Redact(Target{Actor: "ravi", Case: k.Name})
	refused(t, s, err, model.ErrForbidden, "only a lead or admin may redact", before)

	got, err := s.Redact(Target{Actor: "lena", Case: k.Name})
	must(t, err)
	if !got.Redacted || string(got.Fields) != "{}" || got.Subject != "" {
		t.Fatalf("after redact %+v", got)
	}
	for key, v := range snapshot(t, s) {
		if strings.Contains(v, "Jonas") || strings.Contains(v, "+49 555") || strings.Contains(key, "Jonas") {
			t.Fatalf("redacted data survives in %q: %s", key, v)
		}
	}
	d, _ := s.CaseDetail(k.Name)
	if len(d.Events) != 6 || d.Events[5].Kind != model.EventRedacted || d.Events[4].Kind != model.EventStatus {
		t.Fatalf("audit skeleton not kept: %+v", d.Events)
	}
	if len(d.Broken) > 0 {
		t.Fatalf("the redacted trail does not verify: %v", d.Broken)
	}
	if got := model.DescribeEvent(d.Events[3]); got != "updated fields (redacted)" {
		t.Fatalf("redacted fields event reads %q", got)
	}
	if !d.Comments[0].Redacted || d.Comments[0].Author != "ravi" {
		t.Fatalf("comment %+v", d.Comments[0])
	}
	o, _ := s.CaseDetail(other.Name)
	if o.Case.Subject != "" {
		t.Fatalf("the other case still shows the redacted name %q", o.Case.Subject)
	}
}

func TestWorkflowRulesInStore(t *testing.T) {
	s, _ := newStore(t)
	// two-team: ravi (team-1) may take the Team 1 step; mia (team-2) may not.
	k := mustCase(t, s, "two-team", "mia")
	before := snapshot(t, s)
	_, err := s.SetStatus(Target{Actor: "mia", Case: k.Name}, StatusChange{Status: "Approved by Team 1"})
	refused(t, s, err, model.ErrForbidden, "team-1", before)
	_, err = s.Assign(Target{Actor: "lena", Case: k.Name}, "ravi")
	must(t, err)
	_, err = s.SetStatus(Target{Actor: "ravi", Case: k.Name}, StatusChange{Status: "Approved by Team 1"})
	must(t, err)
	// pipeline: no skipping steps.
	p := mustCase(t, s, "pipeline", "ravi")
	before = snapshot(t, s)
	_, err = s.SetStatus(Target{Actor: "ravi", Case: p.Name}, StatusChange{Status: "Ordered"})
	refused(t, s, err, model.ErrInvalid, "Ready to order", before)
	// review: awaiting documentation needs a comment.
	r := mustCase(t, s, "review", "ravi")
	_, err = s.SetStatus(Target{Actor: "ravi", Case: r.Name}, StatusChange{Status: "Review in progress"})
	must(t, err)
	before = snapshot(t, s)
	_, err = s.SetStatus(Target{Actor: "ravi", Case: r.Name}, StatusChange{Status: "Awaiting documentation"})
	refused(t, s, err, model.ErrInvalid, "needs a comment", before)
}
