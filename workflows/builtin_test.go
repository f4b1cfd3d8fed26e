package workflows

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"docket/model"
)

// Every embedded file must validate on its own; Builtins would panic
// otherwise.
func TestBuiltinFilesValidate(t *testing.T) {
	entries, err := builtinFiles.ReadDir("builtin")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(builtinIDs) {
		t.Errorf("%d embedded files, %d built-in ids", len(entries), len(builtinIDs))
	}
	for _, e := range entries {
		data, _ := builtinFiles.ReadFile("builtin/" + e.Name())
		w, err := Parse(e.Name(), data)
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		if w.ID+".yaml" != e.Name() {
			t.Errorf("%s holds id %q; the id should match the file name", e.Name(), w.ID)
		}
	}
}

func TestBuiltins(t *testing.T) {
	type shape struct {
		key     string
		sla     time.Duration
		names   []string
		keys    []string
		initial string
	}
	want := map[string]shape{
		"default": {"CASE", 72 * time.Hour,
			[]string{"Open", "Pending", "Approved", "Declined"}, []string{"O", "P", "A", "D"}, "Open"},
		"pipeline": {"ORD", 0,
			[]string{"New request", "Transfer initiated", "Ready to order", "Ordered"}, []string{"", "T", "R", "O"}, "New request"},
		"two-team": {"DUO", 48 * time.Hour,
			[]string{"Open", "Approved by Team 1", "Declined by Team 1", "Approved by Team 2", "Declined by Team 2"},
			[]string{"O", "A", "D", "V", "X"}, "Open"},
		"review": {"REV", 5 * 24 * time.Hour,
			[]string{"Open", "Review in progress", "Awaiting documentation", "Approved", "Declined"}, []string{"O", "R", "W", "A", "D"}, "Open"},
	}
	var ids []string
	for _, w := range Builtins() {
		ids = append(ids, w.ID)
		s := want[w.ID]
		var keys []string
		for _, st := range w.Statuses {
			keys = append(keys, st.Key)
		}
		if w.Key != s.key || w.SLA != s.sla || !reflect.DeepEqual(w.Names(), s.names) ||
			!reflect.DeepEqual(keys, s.keys) || w.Initial().Name != s.initial {
			t.Errorf("%s = key %s, sla %v, %v, keys %v", w.ID, w.Key, w.SLA, w.Names(), keys)
		}
		if w.Name == "" || len(w.Source) == 0 || w.File == "" {
			t.Errorf("%s lacks a name, source or file", w.ID)
		}
		if !reflect.DeepEqual(w.Reopen, []model.Role{model.RoleLead}) {
			t.Errorf("%s reopen = %v, want [lead]", w.ID, w.Reopen)
		}
		// Every decline must say why.
		for _, st := range w.Statuses {
			if strings.HasPrefix(st.Name, "Declined") && (!st.RequireReason || len(st.Reasons) == 0) {
				t.Errorf("%s: %s does not require a reason", w.ID, st.Name)
			}
		}
	}
	if !reflect.DeepEqual(ids, []string{"default", "pipeline", "two-team", "review"}) {
		t.Errorf("Builtins() order = %v", ids)
	}
}

func TestBuiltinShapes(t *testing.T) {
	two := Builtin("two-team")
	team1 := []string{"Approved by Team 1", "Declined by Team 1"}
	for _, name := range team1 {
		s := two.Lookup(name)
		if s.Type != model.Intermediate || !reflect.DeepEqual(s.Teams, []string{"team-1"}) || !reflect.DeepEqual(s.From, []string{"Open"}) {
			t.Errorf("two-team %s = %+v", name, s)
		}
	}
	for _, name := range []string{"Approved by Team 2", "Declined by Team 2"} {
		s := two.Lookup(name)
		if s.Type != model.End || !reflect.DeepEqual(s.Teams, []string{"team-2"}) || !reflect.DeepEqual(s.From, team1) {
			t.Errorf("two-team %s = %+v", name, s)
		}
	}
	review := Builtin("review")
	if s := review.Lookup("Awaiting documentation"); !s.RequireComment || !reflect.DeepEqual(s.From, []string{"Review in progress"}) {
		t.Errorf("review Awaiting documentation = %+v", s)
	}
	if s := review.Lookup("Review in progress"); !reflect.DeepEqual(s.From, []string{"Open", "Awaiting documentation"}) {
		t.Errorf("review Review in progress = %+v", s)
	}
	for _, name := range []string{"Approved", "Declined"} {
		if s := review.Lookup(name); s.Type != model.End || !reflect.DeepEqual(s.From, []string{"Review in progress", "Awaiting documentation"}) {
			t.Errorf("review %s = %+v", name, s)
		}
	}
	d := Builtin("default")
	if s := d.Lookup("Approved"); !slices.Contains(s.Reasons, "identity-verified") || s.RequireReason {
		t.Errorf("default Approved = %+v", s)
	}
}

func TestBuiltinIsFresh(t *testing.T) {
	if Builtin("nope") != nil {
		t.Errorf("Builtin(nope) != nil")
	}
	a := Builtin("default")
	a.Statuses[0].Name = "Changed"
	a.Source[0] = 'X'
	b := Builtin("default")
	if b.Statuses[0].Name != "Open" || b.Source[0] == 'X' {
		t.Errorf("Builtin shares state between calls")
	}
}
