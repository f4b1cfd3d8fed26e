package ui

import (
	"strings"
	"testing"
)

// The metrics screen shows a reviewer only their own decisions (the store
// decides); a lead sees every reviewer's (issue 10 item 22).
func TestMetricsShowReviewersOnlyTheirOwn(t *testing.T) {
	st := demoStore(t, 120)
	rows := func(user string) []string {
		m := newModel(t, st, user, 160, 45)
		press(t, m, "ctrl+t")
		view := m.View()
		_, table, ok := strings.Cut(view, "REVIEWER")
		if !ok {
			t.Fatalf("%s: no reviewer table:\n%s", user, view)
		}
		var names []string
		for _, l := range strings.Split(table, "\n")[1:] {
			f := strings.Fields(l)
			if len(f) == 0 {
				break // the table ends at the first blank line
			}
			names = append(names, f[0])
		}
		return names
	}
	if got := rows("lena"); len(got) < 3 {
		t.Fatalf("a lead sees the decisions of %v, want every reviewer's", got)
	}
	for _, reviewer := range []string{"ravi", "mia"} {
		got := rows(reviewer)
		if len(got) != 1 || got[0] != reviewer {
			t.Errorf("%s sees the decisions of %v, want only their own", reviewer, got)
		}
	}
}
