package metrics

import (
	"testing"
	"time"
)

var day0 = time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)

func at(day int, hour int) time.Time { return day0.Add(time.Duration(day*24+hour) * time.Hour) }

// The fixture: ten decisions by hand, with times to decision of 1h..10h,
// so the nearest-rank percentiles are p50 = 5h, p90 = 9h, p95 = 10h.
func TestReportAgainstHandComputedFixture(t *testing.T) {
	b := New(day0, day0.Add(7*24*time.Hour))
	b.AddCreated("default", at(0, 1))
	b.AddCreated("default", at(1, 1))
	b.AddCreated("review", at(2, 1))
	b.AddCreated("review", day0.Add(-time.Hour)) // before the window
	for i := 1; i <= 10; i++ {
		created := at(i%3, 0)
		d := Decision{Workflow: "default", Actor: "ravi", Status: "Approved",
			Created: created, At: created.Add(time.Duration(i) * time.Hour)}
		if i > 6 {
			d.Workflow, d.Actor, d.Status = "review", "mia", "Declined"
		}
		// Deadlines: 4h after creation; decisions of 5h and more are late.
		if i%2 == 0 {
			d.Due = created.Add(4 * time.Hour)
		}
		b.AddDecision(d)
	}
	b.AddDecision(Decision{Workflow: "default", Actor: "ravi", Status: "Approved", At: day0.Add(-time.Minute)}) // outside
	b.SetOpen("default", map[string]int{"Open": 3, "Pending": 2})
	r := b.Report()

	tot := r.Total
	if tot.Created != 3 || tot.Decided != 10 || tot.ByStatus["Approved"] != 6 || tot.ByStatus["Declined"] != 4 {
		t.Fatalf("total %+v", tot)
	}
	if tot.P50 != 5*time.Hour || tot.P90 != 9*time.Hour || tot.P95 != 10*time.Hour {
		t.Fatalf("percentiles %v %v %v", tot.P50, tot.P90, tot.P95)
	}
	// Even i (2,4,6,8,10) had a deadline of 4h; 6, 8 and 10 broke it.
	if tot.WithSLA != 5 || tot.Breached != 3 || tot.BreachRate != 0.6 {
		t.Fatalf("breaches %d/%d = %v", tot.Breached, tot.WithSLA, tot.BreachRate)
	}
	// Per day: decisions land on days i%3 (+ hours); i=1..10 -> days 1,2,0,1,2,0,1,2,0,1 (+0h..10h, same day).
	if got := tot.PerDay; len(got) != 7 || got[0] != 3 || got[1] != 4 || got[2] != 3 || got[3] != 0 {
		t.Fatalf("per day %v", got)
	}
	if len(r.Workflows) != 2 || r.Workflows[0].Key != "default" || r.Workflows[0].Decided != 6 || r.Workflows[0].Open["Pending"] != 2 {
		t.Fatalf("workflows %+v", r.Workflows)
	}
	// ravi: 1h..6h -> p50 = 3h, p90 = p95 = 6h; mia: 7h..10h -> p50 = 8h, p90 = p95 = 10h.
	ravi, mia := r.Reviewers[1], r.Reviewers[0]
	if ravi.Key != "ravi" || ravi.P50 != 3*time.Hour || ravi.P90 != 6*time.Hour || ravi.P95 != 6*time.Hour {
		t.Fatalf("ravi %+v", ravi)
	}
	if mia.Key != "mia" || mia.P50 != 8*time.Hour || mia.P95 != 10*time.Hour || mia.Breached != 2 {
		t.Fatalf("mia %+v", mia)
	}
	if got := tot.DecisionsPerDay; got != 10.0/7 {
		t.Fatalf("per day average %v", got)
	}
}

func TestPercentileNearestRank(t *testing.T) {
	vals := []time.Duration{15, 20, 35, 40, 50}
	for p, want := range map[float64]time.Duration{5: 15, 30: 20, 40: 20, 50: 35, 100: 50} {
		if got := Percentile(vals, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("empty")
	}
}
