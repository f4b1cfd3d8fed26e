package ui

import (
	"regexp"
	"strings"
	"testing"
)

var overdueInHeader = regexp.MustCompile(`\d+ overdue`)

// The header counts the overdue cases of the queue in view: only open
// ones, so Closed shows none, with or without a workflow filter (issue 10
// item 4).
func TestHeaderCountsOnlyOpenCasesOverdue(t *testing.T) {
	st := demoStore(t, 120)
	m := newModel(t, st, "me", 160, 45)
	press(t, m, "]", "]") // Open
	header := strings.SplitN(m.View(), "\n", 2)[0]
	if !overdueInHeader.MatchString(header) {
		t.Fatalf("the Open queue of the demo has overdue cases; header: %q", header)
	}
	press(t, m, "]") // Closed
	if !strings.Contains(m.View(), "Closed ") {
		t.Fatalf("not on Closed:\n%s", m.View())
	}
	for _, keys := range [][]string{nil, {"w"}, {"w"}, {"w"}, {"w"}} {
		press(t, m, keys...)
		if header := strings.SplitN(m.View(), "\n", 2)[0]; overdueInHeader.MatchString(header) {
			t.Errorf("Closed (workflow %q) counts overdue cases: %q", m.workflow, header)
		}
	}
}
