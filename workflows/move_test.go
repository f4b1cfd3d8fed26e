package workflows

import (
	"errors"
	"strings"
	"testing"

	"docket/model"
)

var (
	ravi = model.User{Name: "ravi", Role: model.RoleReviewer, Teams: []string{"team-1"}}
	tom  = model.User{Name: "tom", Role: model.RoleReviewer, Teams: []string{"Team-2"}}
	nia  = model.User{Name: "nia", Role: model.RoleReviewer}
	lena = model.User{Name: "lena", Role: model.RoleLead, Teams: []string{"team-1", "team-3"}}
	ada  = model.User{Name: "ada", Role: model.RoleAdmin}
)

// escalation covers what the built-ins do not: a status kept to leads,
// reopening kept to admins, and an end status reached from another one.
const escalation = `id: escalation
name: Escalation
key: ESC
reopen: [admin]
statuses:
  - name: Open
    type: initial
  - name: Escalated
    roles: [lead]
  - name: Approved
    type: end
  - name: Overturned
    type: end
    from: [Approved]
`

func mustParse(t *testing.T, src string) *Workflow {
	t.Helper()
	w, err := Parse("test.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestCheckMove(t *testing.T) {
	wfs := map[string]*Workflow{
		"default":    Builtin("default"),
		"pipeline":   Builtin("pipeline"),
		"two-team":   Builtin("two-team"),
		"review":     Builtin("review"),
		"escalation": mustParse(t, escalation),
	}
	tests := []struct {
		name     string
		wf       string
		actor    model.User
		from, to string
		comment  string
		reason   string
		kind     error // nil = allowed
		msg      string
	}{
		{"allowed", "default", ravi, "Open", "Pending", "", "", nil, ""},
		{"allowed any spelling", "review", ravi, "review_in_progress", "awaiting-documentation", "send a passport", "", nil, ""},
		{"unknown target", "default", ravi, "Open", "Aproved", "", "", model.ErrInvalid,
			`KYC-42 cannot move to "Aproved": Default review has no such status (its statuses are Open, Pending, Approved, Declined)`},
		{"same status", "default", lena, "Approved", "approved", "", "", model.ErrInvalid, "KYC-42 is already Approved"},
		{"explicit from refused", "pipeline", ravi, "New request", "Ordered", "", "", model.ErrInvalid,
			"Ordered can only be reached from Ready to order; KYC-42 is New request"},
		{"explicit from lists all", "review", ravi, "Open", "Declined", "", "fraud", model.ErrInvalid,
			"Declined can only be reached from Review in progress or Awaiting documentation; KYC-42 is Open"},
		{"explicit from allowed", "pipeline", ravi, "Ready to order", "Ordered", "", "", nil, ""},
		{"reopen by reviewer", "default", ravi, "Approved", "Open", "", "", model.ErrForbidden,
			"KYC-42 is already Approved; reopening a decided case is a lead's move"},
		{"reopen by lead", "default", lena, "Approved", "Pending", "", "", nil, ""},
		{"reopen by admin", "default", ada, "Declined", "Open", "", "", nil, ""},
		{"reopen kept to admins", "escalation", lena, "Approved", "Open", "", "", model.ErrForbidden,
			"KYC-42 is already Approved; reopening a decided case is an admin's move"},
		{"end to end", "default", lena, "Approved", "Declined", "", "fraud", model.ErrInvalid, "KYC-42 is already decided: Approved"},
		{"end to end by explicit from, lead", "escalation", lena, "Approved", "Overturned", "", "", model.ErrForbidden,
			"KYC-42 is already Approved; changing the decision on a case is an admin's move"},
		{"end to end by explicit from, admin", "escalation", ada, "Approved", "Overturned", "", "", nil, ""},
		{"unknown current counts as intermediate", "default", ravi, "Escalated", "Approved", "", "", nil, ""},
		{"unknown current and explicit from", "pipeline", ravi, "Shipped", "Ordered", "", "", model.ErrInvalid,
			"Ordered can only be reached from Ready to order; KYC-42 is Shipped"},
		{"role refused", "escalation", ravi, "Open", "Escalated", "", "", model.ErrForbidden, "Escalated is a lead's move; ravi is a reviewer"},
		{"role allowed", "escalation", lena, "Open", "Escalated", "", "", nil, ""},
		{"higher role allowed", "escalation", ada, "Open", "Escalated", "", "", nil, ""},
		{"team refused", "two-team", ravi, "Approved by Team 1", "Approved by Team 2", "", "", model.ErrForbidden,
			"Approved by Team 2 is taken by team-2; ravi is in team-1"},
		{"team refused, several teams", "two-team", lena, "Approved by Team 1", "Approved by Team 2", "", "", model.ErrForbidden,
			"Approved by Team 2 is taken by team-2; lena is in team-1 and team-3"},
		{"team refused, no team", "two-team", nia, "Open", "Approved by Team 1", "", "", model.ErrForbidden,
			"Approved by Team 1 is taken by team-1; nia is in no team"},
		{"team allowed ignoring case", "two-team", tom, "Declined by Team 1", "Approved by Team 2", "", "", nil, ""},
		{"team checked before reason", "two-team", ravi, "Declined by Team 1", "Declined by Team 2", "", "", model.ErrForbidden,
			"Declined by Team 2 is taken by team-2; ravi is in team-1"},
		{"missing comment", "review", ravi, "Review in progress", "Awaiting documentation", "", "", model.ErrInvalid,
			"Awaiting documentation needs a comment"},
		{"blank comment", "review", ravi, "Review in progress", "Awaiting documentation", " \n ", "", model.ErrInvalid,
			"Awaiting documentation needs a comment"},
		{"missing reason", "default", ravi, "Open", "Declined", "", "", model.ErrInvalid,
			"Declined needs a reason: fraud, sanctions-match, identity-mismatch or incomplete"},
		{"unknown reason", "default", ravi, "Open", "Declined", "", "bogus", model.ErrInvalid,
			`"bogus" is not a reason for Declined; pick fraud, sanctions-match, identity-mismatch or incomplete`},
		{"reason where none are listed", "default", ravi, "Open", "Pending", "", "fraud", model.ErrInvalid,
			`Pending takes no reason, but "fraud" was given`},
		{"reason ignoring case", "default", ravi, "Open", "Declined", "", "FRAUD", nil, ""},
		{"optional reason left out", "default", ravi, "Open", "Approved", "", "", nil, ""},
		{"optional reason given", "default", ravi, "Pending", "Approved", "", "low-risk", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := wfs[tt.wf].CheckMove(Move{Case: "KYC-42", Actor: tt.actor, From: tt.from, To: tt.to, Comment: tt.comment, Reason: tt.reason})
			if tt.kind == nil {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			var r *model.Refusal
			if !errors.As(err, &r) || !errors.Is(err, tt.kind) {
				t.Fatalf("err = %#v, want a refusal of kind %v", err, tt.kind)
			}
			if err.Error() != tt.msg {
				t.Errorf("message:\n got %s\nwant %s", err, tt.msg)
			}
		})
	}
}

// A Workflow built by hand, without Reopen, still keeps reopening to leads.
func TestCheckMoveDefaultReopen(t *testing.T) {
	w := &Workflow{Name: "Hand made", Statuses: []Status{
		{Name: "Open", Type: model.Initial},
		{Name: "Done", Type: model.End},
	}}
	if err := w.CheckMove(Move{Case: "X-1", Actor: ravi, From: "Done", To: "Open"}); !errors.Is(err, model.ErrForbidden) {
		t.Errorf("reviewer reopening: %v", err)
	}
	if err := w.CheckMove(Move{Case: "X-1", Actor: lena, From: "Done", To: "Open"}); err != nil {
		t.Errorf("lead reopening: %v", err)
	}
}

func TestOptions(t *testing.T) {
	type opt struct {
		name    string
		allowed bool
		why     string
	}
	tests := []struct {
		name  string
		wf    *Workflow
		actor model.User
		from  string
		want  []opt
	}{
		{"open case", Builtin("default"), ravi, "Open", []opt{
			{"Pending", true, ""},
			{"Approved", true, ""},
			{"Declined", true, ""}, // the reason is asked for afterwards
		}},
		{"decided case, reviewer", Builtin("default"), ravi, "approved", []opt{
			{"Open", false, "KYC-42 is already Approved; reopening a decided case is a lead's move"},
			{"Pending", false, "KYC-42 is already Approved; reopening a decided case is a lead's move"},
			{"Declined", false, "KYC-42 is already decided: Approved"},
		}},
		{"pipeline", Builtin("pipeline"), ravi, "New request", []opt{
			{"Transfer initiated", true, ""},
			{"Ready to order", false, "Ready to order can only be reached from Transfer initiated; KYC-42 is New request"},
			{"Ordered", false, "Ordered can only be reached from Ready to order; KYC-42 is New request"},
		}},
		{"teams", Builtin("two-team"), ravi, "Open", []opt{
			{"Approved by Team 1", true, ""},
			{"Declined by Team 1", true, ""},
			{"Approved by Team 2", false, "Approved by Team 2 can only be reached from Approved by Team 1 or Declined by Team 1; KYC-42 is Open"},
			{"Declined by Team 2", false, "Declined by Team 2 can only be reached from Approved by Team 1 or Declined by Team 1; KYC-42 is Open"},
		}},
		{"unknown current lists every status", Builtin("default"), ravi, "Gone", []opt{
			{"Open", true, ""},
			{"Pending", true, ""},
			{"Approved", true, ""},
			{"Declined", true, ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.wf.Options(tt.actor, "KYC-42", tt.from, nil)
			if len(got) != len(tt.want) {
				t.Fatalf("%d options, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, o := range got {
				w := tt.want[i]
				if o.Status.Name != w.name || o.Allowed != w.allowed || o.Why != w.why {
					t.Errorf("option %d = {%s %v %q}, want %+v", i, o.Status.Name, o.Allowed, o.Why, w)
				}
				if o.Status != tt.wf.Lookup(o.Status.Name) {
					t.Errorf("option %d does not point into the workflow", i)
				}
			}
		})
	}
}

func TestCheckMoveFourEyes(t *testing.T) {
	w := Builtin("two-team")
	kai := model.User{Name: "kai", Role: model.RoleReviewer, Teams: []string{"team-1", "team-2"}}
	took := map[string]string{"Approved by Team 1": "kai"}
	m := Move{Case: "DUO-7", Actor: kai, From: "Approved by Team 1", To: "Approved by Team 2", Took: took}
	err := w.CheckMove(m)
	if !errors.Is(err, model.ErrForbidden) || err.Error() != "Approved by Team 2 needs a second person: kai took Approved by Team 1 on DUO-7" {
		t.Fatalf("same person: %v", err)
	}
	m.Took = map[string]string{"Approved by Team 1": "ravi"}
	if err := w.CheckMove(m); err != nil {
		t.Fatalf("second person: %v", err)
	}
	opts := w.Options(kai, "DUO-7", "Approved by Team 1", took)
	for _, o := range opts {
		if o.Status.Name == "Approved by Team 2" && (o.Allowed || !strings.Contains(o.Why, "needs a second person")) {
			t.Fatalf("option %+v", o)
		}
	}
}
