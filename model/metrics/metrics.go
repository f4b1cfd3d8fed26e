// Package metrics turns a stream of case events into the figures a team
// lead reads: cases created and decided, time to decision, SLA breaches
// and decisions per day, per workflow and per reviewer. It is pure: the
// store feeds it in one pass over the audit trail.
package metrics

import (
	"math"
	"sort"
	"time"
)

// Decision is one move of a case into an end status.
type Decision struct {
	Workflow string
	Actor    string
	Status   string    // the end status
	At       time.Time // when it was decided
	Created  time.Time // when the case was created
	Due      time.Time // its SLA deadline then (zero: none)
}

// Stats are the figures of one group (a workflow, a reviewer or all).
type Stats struct {
	Key      string         `json:"key"`
	Created  int            `json:"created"`
	Decided  int            `json:"decided"`
	ByStatus map[string]int `json:"decided_by_status"`
	Open     map[string]int `json:"open_by_status,omitempty"`
	// Time to decision, by the nearest-rank method: the p-th percentile is
	// the smallest value with at least p% of the values at or below it.
	P50 time.Duration `json:"ttd_p50"`
	P90 time.Duration `json:"ttd_p90"`
	P95 time.Duration `json:"ttd_p95"`
	// Breached counts decisions made after their deadline, of WithSLA
	// decisions that had one.
	Breached   int     `json:"sla_breached"`
	WithSLA    int     `json:"with_sla"`
	BreachRate float64 `json:"sla_breach_rate"`
	PerDay     []int   `json:"decisions_by_day"` // per calendar day (UTC), oldest first
	// DecisionsPerDay is Decided over the window's length in days.
	DecisionsPerDay float64 `json:"decisions_per_day"`

	durations []time.Duration
}

// Report is the result for one window.
type Report struct {
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Total     Stats     `json:"total"`
	Workflows []Stats   `json:"workflows"`
	Reviewers []Stats   `json:"reviewers"`
	// Reviewer, when set, is the only reviewer whose decisions the report
	// counts: a reviewer sees their own metrics, not their colleagues'.
	Reviewer string `json:"reviewer,omitempty"`
}

// Builder accumulates events of the window [from, to).
type Builder struct {
	from, to  time.Time
	days      int
	total     *Stats
	workflows map[string]*Stats
	reviewers map[string]*Stats
}

// New starts a report over [from, to). Days are counted in whole UTC days
// from the day of from.
func New(from, to time.Time) *Builder {
	from, to = from.UTC(), to.UTC()
	days := int(math.Ceil(to.Sub(startOfDay(from)).Hours() / 24))
	b := &Builder{from: from, to: to, days: max(1, days),
		workflows: map[string]*Stats{}, reviewers: map[string]*Stats{}}
	b.total = b.newStats("all")
	return b
}

func startOfDay(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }

func (b *Builder) newStats(key string) *Stats {
	return &Stats{Key: key, ByStatus: map[string]int{}, PerDay: make([]int, b.days)}
}

func (b *Builder) in(t time.Time) bool { return !t.Before(b.from) && t.Before(b.to) }

func (b *Builder) group(m map[string]*Stats, key string) *Stats {
	s, ok := m[key]
	if !ok {
		s = b.newStats(key)
		m[key] = s
	}
	return s
}

// AddCreated counts a case created at a time, if inside the window.
func (b *Builder) AddCreated(workflow string, at time.Time) {
	if !b.in(at) {
		return
	}
	b.total.Created++
	b.group(b.workflows, workflow).Created++
}

// AddDecision counts a decision, if inside the window.
func (b *Builder) AddDecision(d Decision) {
	if !b.in(d.At) {
		return
	}
	day := int(startOfDay(d.At).Sub(startOfDay(b.from)).Hours() / 24)
	for _, s := range []*Stats{b.total, b.group(b.workflows, d.Workflow), b.group(b.reviewers, d.Actor)} {
		s.Decided++
		s.ByStatus[d.Status]++
		if day >= 0 && day < len(s.PerDay) {
			s.PerDay[day]++
		}
		if !d.Created.IsZero() && !d.At.Before(d.Created) {
			s.durations = append(s.durations, d.At.Sub(d.Created))
		}
		if !d.Due.IsZero() {
			s.WithSLA++
			if d.At.After(d.Due) {
				s.Breached++
			}
		}
	}
}

// SetOpen records a workflow's open cases by status (a current count, not
// a window figure).
func (b *Builder) SetOpen(workflow string, byStatus map[string]int) {
	s := b.group(b.workflows, workflow)
	s.Open = byStatus
	if b.total.Open == nil {
		b.total.Open = map[string]int{}
	}
	for k, v := range byStatus {
		b.total.Open[k] += v
	}
}

// Report computes the percentiles and rates and lists the groups by key.
func (b *Builder) Report() Report {
	days := b.to.Sub(b.from).Hours() / 24
	r := Report{From: b.from, To: b.to, Total: finish(b.total, days)}
	r.Workflows = sorted(b.workflows, days)
	r.Reviewers = sorted(b.reviewers, days)
	return r
}

func sorted(m map[string]*Stats, days float64) []Stats {
	out := make([]Stats, 0, len(m))
	for _, s := range m {
		out = append(out, finish(s, days))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

func finish(s *Stats, days float64) Stats {
	sort.Slice(s.durations, func(i, j int) bool { return s.durations[i] < s.durations[j] })
	if days > 0 {
		s.DecisionsPerDay = float64(s.Decided) / days
	}
	s.P50, s.P90, s.P95 = Percentile(s.durations, 50), Percentile(s.durations, 90), Percentile(s.durations, 95)
	if s.WithSLA > 0 {
		s.BreachRate = float64(s.Breached) / float64(s.WithSLA)
	}
	return *s
}

// Percentile is the nearest-rank p-th percentile of sorted values (0 for
// none): the value at rank ceil(p/100 × n).
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[max(0, min(rank, len(sorted))-1)]
}
