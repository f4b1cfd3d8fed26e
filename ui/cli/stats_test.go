package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"docket/model/metrics"
	"docket/store"
)

// docket stats shows a reviewer their own decisions only; a lead sees
// every reviewer's (issue 10 item 22).
func TestStatsShowReviewersOnlyTheirOwn(t *testing.T) {
	h := newHarness(t)
	h.team()
	past := time.Now().Add(-time.Hour)
	s, err := store.Open(h.env["DOCKET_DB"], store.Options{Now: func() time.Time { return past }})
	must(t, err)
	for _, who := range []string{"ravi", "mia"} {
		k, err := s.CreateCase("lena", store.NewCase{Workflow: "default", Assignee: who})
		must(t, err)
		_, err = s.SetStatus(store.Target{Actor: who, Case: k.Name}, store.StatusChange{Status: "Approved"})
		must(t, err)
	}
	must(t, s.Close())

	reviewers := func(user string) string {
		var r metrics.Report
		must(t, json.Unmarshal([]byte(h.ok("stats", "--json", "--user", user)), &r))
		var keys []string
		for _, g := range r.Reviewers {
			keys = append(keys, g.Key)
		}
		return strings.Join(keys, " ") + "|" + r.Reviewer
	}
	for user, want := range map[string]string{"lena": "mia ravi|", "ada": "mia ravi|", "ravi": "ravi|ravi", "mia": "mia|mia"} {
		if got := reviewers(user); got != want {
			t.Errorf("stats --json as %s: reviewers|limited to = %q, want %q", user, got, want)
		}
	}
	out := h.ok("stats", "--user", "ravi")
	if strings.Contains(out, "mia") || !strings.Contains(out, "decisions: ravi's only") {
		t.Errorf("stats as ravi:\n%s", out)
	}
	if out := h.ok("stats", "--user", "lena"); !strings.Contains(out, "mia") || !strings.Contains(out, "ravi") {
		t.Errorf("stats as lena:\n%s", out)
	}
}
