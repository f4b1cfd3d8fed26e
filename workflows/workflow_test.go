package workflows

import (
	"reflect"
	"testing"

	"docket/model"
)

func TestLookup(t *testing.T) {
	w := Builtin("review")
	tests := []struct {
		in   string
		want string // "" = not found
	}{
		{"Approved", "Approved"},
		{"approved", "Approved"},
		{"APPROVED", "Approved"},
		{" Approved ", "Approved"},
		{"awaiting_documentation", "Awaiting documentation"},
		{"Awaiting-Documentation", "Awaiting documentation"},
		{"awaiting documentation", "Awaiting documentation"},
		{"awaiting__documentation", "Awaiting documentation"},
		{"review-in_progress", "Review in progress"},
		{"awaitingdocumentation", ""},
		{"Approve", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got := w.Lookup(tt.in)
		switch {
		case tt.want == "" && got != nil:
			t.Errorf("Lookup(%q) = %s, want nil", tt.in, got.Name)
		case tt.want != "" && (got == nil || got.Name != tt.want):
			t.Errorf("Lookup(%q) = %v, want %s", tt.in, got, tt.want)
		}
	}
	// Lookup points into the workflow rather than at a copy.
	if w.Lookup("open") != &w.Statuses[0] {
		t.Errorf("Lookup returned a copy")
	}
}

func TestByKey(t *testing.T) {
	w := Builtin("default")
	tests := []struct{ key, want string }{
		{"A", "Approved"},
		{"D", "Declined"},
		{"a", ""}, // keys are exact: shift matters in the TUI
		{"", ""},
		{"X", ""},
	}
	for _, tt := range tests {
		got := w.ByKey(tt.key)
		if (got == nil) != (tt.want == "") || (got != nil && got.Name != tt.want) {
			t.Errorf("ByKey(%q) = %v, want %q", tt.key, got, tt.want)
		}
	}
}

func TestNamesAndInitial(t *testing.T) {
	w := Builtin("pipeline")
	want := []string{"New request", "Transfer initiated", "Ready to order", "Ordered"}
	if got := w.Names(); !reflect.DeepEqual(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
	if s := w.Initial(); s == nil || s.Name != "New request" || s.Type != model.Initial {
		t.Errorf("Initial() = %v", s)
	}
	if s := (&Workflow{}).Initial(); s != nil {
		t.Errorf("Initial() of an empty workflow = %v, want nil", s)
	}
}
