package workflows

import (
	"errors"
	"strings"
	"testing"

	"docket/model"
)

func TestStatusFromPersona(t *testing.T) {
	for _, tc := range []struct {
		workflow, status, resolution, want string
	}{
		// A template's own status, however it is written.
		{"default", "Approved", "", "Approved"},
		{"default", "declined", "", "Declined"},
		{"review", "review_in_progress", "", "Review in progress"},
		{"two-team", "APPROVED BY TEAM 1", "", "Approved by Team 1"},
		// An own status wins over a resolution that does not apply.
		{"default", "Pending", "Approved", "Pending"},
		// The older pair.
		{"default", "resolved", "Approved", "Approved"},
		{"default", "Resolved", "declined", "Declined"},
		{"two-team", "resolved", "Declined by Team 2", "Declined by Team 2"},
		{"review", "open", "", "Open"},
		{"pipeline", "open", "", "New request"},
		{"pipeline", "pending", "", "Transfer initiated"},
		{"review", "pending", "", "Review in progress"},
		{"default", "pending", "", "Pending"},
		{"default", " open ", " ", "Open"},
	} {
		got, err := Builtin(tc.workflow).StatusFromPersona(tc.status, tc.resolution)
		if err != nil || got != tc.want {
			t.Errorf("%s: (%q, %q) = %q, %v; want %q", tc.workflow, tc.status, tc.resolution, got, err, tc.want)
		}
	}
}

func TestStatusFromPersonaRefusals(t *testing.T) {
	for _, tc := range []struct {
		workflow, status, resolution string
		want                         []string
	}{
		{"default", "resolved", "Escalated", []string{`resolution "Escalated"`, "workflow default", "(Approved, Declined)"}},
		{"two-team", "resolved", "Approved", []string{"(Approved by Team 2, Declined by Team 2)"}},
		{"default", "resolved", "", []string{"without a resolution", "(Approved, Declined)"}},
		{"default", "Escalated", "", []string{`status "Escalated"`, "(Open, Pending, Approved, Declined)"}},
		{"default", "", "", []string{`status ""`, "(Open, Pending, Approved, Declined)"}},
		// A resolution names an end status, never an open one.
		{"default", "resolved", "Pending", []string{`resolution "Pending"`}},
	} {
		got, err := Builtin(tc.workflow).StatusFromPersona(tc.status, tc.resolution)
		if err == nil {
			t.Errorf("%s: (%q, %q) = %q, want an error", tc.workflow, tc.status, tc.resolution, got)
			continue
		}
		if !errors.Is(err, model.ErrInvalid) {
			t.Errorf("%s: %v is not invalid input", tc.workflow, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: (%q, %q): %q does not say %q", tc.workflow, tc.status, tc.resolution, err, w)
			}
		}
	}
}
