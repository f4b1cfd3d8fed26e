package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"docket/model"
	"docket/store/backend"
	"docket/workflows"
)

// Assignment policies hand out cases to reviewers who are available, in
// the right team and under their cap. The meta bucket remembers, per
// workflow (and team), whom round-robin served last, and per user when
// they last received a case (fewest-open's tie-break).

func rrKey(workflow, team string) string { return stateTurn + workflow + "/" + team }
func lastKey(user string) string         { return stateLast + user }

// openCount is how many open cases a user holds (from the counters).
func (x *txn) openCount(user string) (int, error) { return x.be.OpenOf(user) }

// candidates are the reviewers who may receive a case of w automatically:
// available, in one of the teams (team if given, else the workflow's
// assignment teams) and below the workflow's cap, ordered by name.
func (x *txn) candidates(w *workflows.Workflow, team string) ([]model.User, error) {
	teams := w.Assignment.Teams
	if team != "" {
		teams = []string{team}
	}
	var out []model.User
	err := x.be.EachUser(func(u model.User, bad error) error {
		if bad != nil {
			return bad
		}
		// Policies hand cases to reviewers; leads take theirs by hand.
		if u.Role != model.RoleReviewer {
			return nil
		}
		switch err := x.eligible(u, w, teams); {
		case err == nil:
			out = append(out, u)
		case !errors.Is(err, model.ErrForbidden):
			return err // the storage failed, not the reviewer
		}
		return nil
	})
	return out, err
}

// eligible says why u may not receive a case of w automatically (nil: may).
func (x *txn) eligible(u model.User, w *workflows.Workflow, teams []string) error {
	switch {
	case u.Availability == model.Busy:
		return model.Forbiddenf("%s is busy and takes no new cases", u.Name)
	case u.Availability == model.Unavailable:
		return model.Forbiddenf("%s is unavailable", u.Name)
	case len(teams) > 0 && !slices.ContainsFunc(teams, u.InTeam):
		return model.Forbiddenf("%s cases go to %s; %s is not in it", w.ID, strings.Join(teams, " or "), u.Name)
	}
	if w.Assignment.MaxOpen > 0 {
		n, err := x.openCount(u.Name)
		if err != nil {
			return err
		}
		if n >= w.Assignment.MaxOpen {
			return model.Forbiddenf("%s already has %d open cases, the most %s allows", u.Name, n, w.ID)
		}
	}
	return nil
}

// pick chooses the next reviewer for a case of w by its policy (a manual
// workflow, asked anyway, uses fewest-open), or "" when nobody qualifies.
func (x *txn) pick(w *workflows.Workflow, team string) (string, error) {
	users, err := x.candidates(w, team)
	if err != nil || len(users) == 0 {
		return "", err
	}
	var chosen string
	if w.Assignment.Policy == workflows.PolicyRoundRobin {
		turn, err := x.be.State(rrKey(w.ID, team))
		if err != nil {
			return "", err
		}
		last := string(turn)
		chosen = users[0].Name
		for _, u := range users {
			if u.Name > last {
				chosen = u.Name
				break
			}
		}
		if err := x.be.PutState(rrKey(w.ID, team), []byte(chosen)); err != nil {
			return "", err
		}
	} else if chosen, err = x.fewestOpen(users); err != nil {
		return "", err
	}
	return chosen, x.be.PutState(lastKey(chosen), binary.BigEndian.AppendUint64(nil, uint64(x.now.UnixNano())))
}

// fewestOpen picks the user with the fewest open cases; among equals, the
// one who has waited longest since their last case, then by name.
func (x *txn) fewestOpen(users []model.User) (string, error) {
	best, bestOpen, bestLast := "", 0, uint64(0)
	for _, u := range users {
		open, err := x.openCount(u.Name)
		if err != nil {
			return "", err
		}
		v, err := x.be.State(lastKey(u.Name))
		if err != nil {
			return "", err
		}
		var last uint64
		if len(v) == 8 {
			last = binary.BigEndian.Uint64(v)
		}
		if best == "" || open < bestOpen || open == bestOpen && last < bestLast {
			best, bestOpen, bestLast = u.Name, open, last
		}
	}
	return best, nil
}

// autoAssign gives an unassigned case to the reviewer the workflow's
// policy picks (team narrows the pool) and says so for the audit trail.
func (x *txn) autoAssign(c *model.Case, w *workflows.Workflow, team string) ([]string, error) {
	who, err := x.pick(w, team)
	if err != nil {
		return nil, err
	}
	policy := w.Assignment.Policy
	if !w.Assignment.Auto() {
		policy = workflows.PolicyFewestOpen
	}
	if who == "" {
		pool := "reviewer"
		if team != "" {
			pool = "member of " + team
		}
		return []string{"no " + pool + " is available to take it"}, nil
	}
	c.Assignee, c.Assigner, c.AssignedAt = who, "policy:"+policy, x.now
	return []string{fmt.Sprintf("assigned to %s (%s)", who, policy)}, nil
}

// applyEffects carries out what entering a status does by itself.
func (x *txn) applyEffects(c *model.Case, w *workflows.Workflow, e workflows.Effects) ([]string, error) {
	var out []string
	tags, err := normTags(e.Tags)
	if err != nil {
		return nil, fmt.Errorf("workflow %s: on_enter tags: %w", w.ID, err)
	}
	kind, name, _ := strings.Cut(e.Assign, ":")
	switch kind {
	case "nobody":
		if c.Assignee != "" {
			out = append(out, "unassigned from "+c.Assignee)
			c.Assignee, c.Assigner, c.AssignedAt = "", "", time.Time{}
		}
	case "user":
		if _, err := x.actor(name); err != nil {
			return nil, model.Invalidf("workflow %s hands the case to %s, who is not a user: %v", w.ID, name, err)
		}
		if c.Assignee != name {
			c.Assignee, c.Assigner, c.AssignedAt = name, "workflow:"+w.ID, x.now
			out = append(out, "assigned to "+name)
		}
	case "team":
		c.Assignee, c.Assigner, c.AssignedAt = "", "", time.Time{}
		more, err := x.autoAssign(c, w, name)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	switch {
	case e.ClearSLA && !c.SLAExpiresAt.IsZero():
		c.SLAExpiresAt = time.Time{}
		out = append(out, "SLA cleared")
	case e.SLA > 0:
		c.SLAExpiresAt = x.now.Add(e.SLA)
		out = append(out, "SLA "+model.FormatDuration(e.SLA))
	}
	had := len(c.Tags)
	for _, t := range tags {
		if !c.HasTag(t) {
			c.Tags = append(c.Tags, t)
			out = append(out, "tagged "+t)
		}
	}
	if len(c.Tags) > MaxTags && len(c.Tags) > had {
		return nil, model.Invalidf("entering this status tags %s, which would then carry %d tags; a case may carry at most %d: remove some first",
			c.Name, len(c.Tags), MaxTags)
	}
	return out, nil
}

func (x *txn) countDecision(user string) error {
	return x.be.NoteDecision(x.now, user)
}

// AutoResult says what AutoAssign did.
type AutoResult struct {
	Assigned map[string]int // cases per reviewer
	Left     int            // unassigned cases nobody could take
}

// AutoAssign hands out unassigned open cases (of one workflow, or all), most
// urgent first, by each workflow's policy (fewest-open for manual ones).
// Leads only. Like a bulk operation it commits in chunks (see bulkChunk),
// so handing out a large queue never holds the write lock for long; a case
// someone took between chunks is left to them.
func (s *Store) AutoAssign(actor, workflow string) (AutoResult, error) {
	res := AutoResult{Assigned: map[string]int{}}
	var ids []string
	err := s.view(func(x *txn) error {
		if _, err := x.handingOut(actor); err != nil {
			return err
		}
		var err error
		ids, err = x.ids(Query{Queue: QueueUnassigned, Workflow: workflow, Sort: SortSLA})
		return err
	})
	for err == nil && len(ids) > 0 {
		var part AutoResult
		done := 0
		err = s.update(func(x *txn) error {
			part, done = AutoResult{Assigned: map[string]int{}}, 0
			u, err := x.handingOut(actor)
			if err != nil {
				return err
			}
			began := time.Now()
			for _, id := range ids {
				if done == bulkChunk || time.Since(began) > bulkBudget {
					break
				}
				done++
				if err := x.autoAssignOne(u, id, &part); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			for who, n := range part.Assigned {
				res.Assigned[who] += n
			}
			res.Left += part.Left
			ids = ids[done:]
		}
	}
	return res, err
}

// handingOut is the actor of AutoAssign, who must be a lead.
func (x *txn) handingOut(actor string) (model.User, error) {
	u, err := x.actor(actor)
	if err == nil && !u.Role.AtLeast(model.RoleLead) {
		err = model.Forbiddenf("%s is a reviewer; only a lead may hand out cases", u.Name)
	}
	return u, err
}

func (x *txn) autoAssignOne(u model.User, id string, res *AutoResult) error {
	c, err := x.caseByRef(id)
	if err != nil {
		return err
	}
	if c.Assignee != "" || !c.Open() {
		return nil // taken or decided since the queue was read
	}
	w, err := x.workflow(c.Workflow)
	if err != nil {
		return err
	}
	old := c.Clone()
	_, err = x.autoAssign(c, w, "")
	if err != nil || c.Assignee == "" {
		res.Left++
		return err
	}
	res.Assigned[c.Assignee]++
	return x.record(old, c, u.Name, model.Event{Kind: model.EventAssigned, To: c.Assignee,
		Reason: strings.TrimPrefix(c.Assigner, "policy:")})
}

// NextCase gives the actor the most urgent unassigned case they may take
// (of one workflow, or any). It runs in one transaction, so two reviewers
// asking at once never get the same case.
func (s *Store) NextCase(actor, workflow string) (*model.Case, error) {
	var out *model.Case
	err := s.updateGrouped(func(x *txn) error {
		out = nil
		u, err := x.actor(actor)
		if err != nil {
			return err
		}
		if u.Availability != model.Available {
			return model.Forbiddenf("%s is %s; set yourself available to take new cases", u.Name, u.Availability)
		}
		if workflow != "" {
			if _, err := x.workflow(workflow); err != nil {
				return err
			}
		}
		// The first batch is small: a database server locks every case it
		// lists, and most pulls take the first. Later ones grow, for a
		// reviewer the first cases are not for (four eyes, teams).
		var after []byte
		for batch := 4; ; batch = min(4*batch, 64) {
			ids, next, err := x.be.Claimable(workflow, after, batch)
			if err != nil {
				return err
			}
			for _, id := range ids {
				if out, err = x.takeIfEligible(u, id); out != nil || err != nil {
					return err
				}
			}
			if next == nil {
				break
			}
			after = next
		}
		n, err := x.be.Count(context.Background(), backend.Selection{Queue: QueueUnassigned, Workflow: workflow})
		if err != nil {
			return err
		}
		return model.NotFoundf("no unassigned case that %s may take (%d unassigned)", u.Name, n)
	})
	return out, err
}

// takeIfEligible claims case id for u if u may take it; nil if not.
func (x *txn) takeIfEligible(u model.User, id string) (*model.Case, error) {
	c, err := x.caseHeader(id)
	if err != nil {
		return nil, err
	}
	w, err := x.workflow(c.Workflow)
	if err != nil || x.eligible(u, w, w.Assignment.Teams) != nil || model.Authorize(u, model.ActClaim, c) != nil {
		return nil, nil
	}
	old := c.Clone()
	c.Assignee, c.Assigner, c.AssignedAt = u.Name, u.Name, x.now
	return c, x.record(old, c, u.Name, model.Event{Kind: model.EventClaimed, To: u.Name, Reason: "next case"})
}

// SetSLA gives the case a new deadline d from now, or none when d is 0.
// Leads only.
func (s *Store) SetSLA(t Target, d time.Duration) (*model.Case, error) {
	return s.mutate(t, slaChange(d))
}

func slaChange(d time.Duration) change {
	return func(x *txn, u model.User, c *model.Case) (*model.Event, error) {
		if err := model.Authorize(u, model.ActSLA, c); err != nil {
			return nil, err
		}
		ev := &model.Event{Kind: model.EventSLA, From: stamp(c.SLAExpiresAt)}
		if d > 0 {
			c.SLAExpiresAt = x.now.Add(d)
		} else {
			c.SLAExpiresAt = time.Time{}
		}
		ev.To = stamp(c.SLAExpiresAt)
		if ev.To == ev.From {
			return nil, nil
		}
		return ev, nil
	}
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// releaseCases returns an unavailable user's open cases to Unassigned,
// each with its audit event, and remembers which they were (see
// GiveBack).
func (x *txn) releaseCases(actor model.User, user string) (int, error) {
	ids, err := x.ids(Query{Queue: QueueOpen, Assignee: user, Sort: SortOldest})
	if err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		err = x.be.DropState(releaseKey(user))
	} else {
		var raw []byte
		if raw, err = json.Marshal(releaseRecord{By: actor.Name, At: x.now, Cases: ids}); err == nil {
			err = x.be.PutState(releaseKey(user), raw)
		}
	}
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		c, err := x.caseByRef(id)
		if err != nil {
			return 0, err
		}
		old := c.Clone()
		c.Assignee, c.Assigner, c.AssignedAt = "", "", time.Time{}
		err = x.record(old, c, actor.Name, model.Event{Kind: model.EventUnassigned, From: user,
			Reason: user + " is unavailable"})
		if err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// canMoveOn says why u could not move case c on from its status (nil: u
// can; the error is the workflow's refusal), by the workflow's rules for u: paths, roles, teams and four eyes.
// Going back to the initial status is not moving on. When no status ahead
// is open to u, the reason given is the one most about u (a role, team or
// four-eyes rule rather than the case's path), an ending status's first.
func (x *txn) canMoveOn(u model.User, c *model.Case) error {
	w, err := x.workflow(c.Workflow)
	if err != nil {
		return err
	}
	events, err := x.be.Events(c.ID)
	if err != nil {
		return err
	}
	took := model.TookStatuses(events)
	var why error
	best := -1
	for _, o := range w.Options(u, c.Name, c.Status, took) {
		if o.Status.Type == model.Initial {
			continue
		}
		if o.Allowed {
			return nil
		}
		err := w.CheckMove(workflows.Move{Case: c.Name, Actor: u, From: c.Status, To: o.Status.Name, Took: took})
		score := 0
		if errors.Is(err, model.ErrForbidden) {
			score += 2
		}
		if o.Status.Type == model.End {
			score++
		}
		if score > best {
			why, best = err, score
		}
	}
	if why == nil {
		return model.Forbiddenf("%s has no status to move on to from %s", c.Workflow, c.Status)
	}
	return why
}
