package store

import (
	"time"

	"docket/model"
	"docket/model/metrics"
)

// Stats computes the metrics of the window [now-since, now) in one pass
// over the audit trail, as actor may see them. Decisions are moves into an
// end status, and cases imported already decided (at their resolved-at, by
// their resolver). Open cases by status are the current counts. Leads and
// admins see everyone's decisions; a reviewer only their own (the report's
// Reviewer says so), beside the cases created and open, which every queue
// shows them anyway.
func (s *Store) Stats(actor string, since time.Duration) (metrics.Report, error) {
	var r metrics.Report
	err := s.view(func(x *txn) error {
		u, err := x.actor(actor)
		if err != nil {
			return err
		}
		only := ""
		if model.Authorize(u, model.ActMetrics, nil) != nil {
			only = u.Name
		}
		b := metrics.New(x.now.Add(-since), x.now)
		if err := x.walkTrail(b, only); err != nil {
			return err
		}
		if err := x.addOpen(b); err != nil {
			return err
		}
		r = b.Report()
		r.Reviewer = only
		return nil
	})
	return r, err
}

// walkTrail feeds every event to the builder; with only set, only that
// user's decisions. Events are keyed by case, so each case's header is read
// once, when its first event comes by.
func (x *txn) walkTrail(b *metrics.Builder, only string) error {
	last := ""
	return x.be.EachEvent(func(c *model.Case, e model.Event) error {
		if c.ID != last {
			last = c.ID
			b.AddCreated(c.Workflow, c.CreatedAt)
		}
		if d, ok := x.decision(c, e); ok && (only == "" || d.Actor == only) {
			b.AddDecision(d)
		}
		return nil
	})
}

// decision says whether an event decided the case.
func (x *txn) decision(c *model.Case, e model.Event) (metrics.Decision, bool) {
	w := x.workflows()[c.Workflow]
	if w == nil {
		return metrics.Decision{}, false
	}
	st := w.Lookup(e.To)
	if st == nil || st.Type != model.End {
		return metrics.Decision{}, false
	}
	switch {
	case e.Kind == model.EventStatus:
		return metrics.Decision{Workflow: c.Workflow, Actor: e.Actor, Status: st.Name, At: e.At, Created: c.CreatedAt, Due: e.Due}, true
	case e.Kind == model.EventImported && e.From == "" && !c.ResolvedAt.IsZero():
		actor := c.Resolver
		if actor == "" {
			actor = "(imported)"
		}
		return metrics.Decision{Workflow: c.Workflow, Actor: actor, Status: st.Name, At: c.ResolvedAt, Created: c.CreatedAt, Due: c.SLAExpiresAt}, true
	}
	return metrics.Decision{}, false
}

// addOpen sets each workflow's open cases by status, from the counters.
func (x *txn) addOpen(b *metrics.Builder) error {
	for _, w := range x.workflowList() {
		open := map[string]int{}
		for _, st := range w.Statuses {
			if st.Type == model.End {
				continue
			}
			n, err := x.be.InStatus(w.ID, st.Name)
			if err != nil {
				return err
			}
			if n > 0 {
				open[st.Name] = n
			}
		}
		b.SetOpen(w.ID, open)
	}
	return nil
}
