package store

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"docket/model"
	"docket/store/backend"
	"docket/workflows"
)

// loadWorkflows parses every stored workflow into the in-memory set.
func (s *Store) loadWorkflows(be backend.Workflows) error {
	_, err := s.readWorkflows(be)
	return err
}

// readWorkflows is loadWorkflows, saying what it loaded.
func (s *Store) readWorkflows(be backend.Workflows) (map[string]*workflows.Workflow, error) {
	set := map[string]*workflows.Workflow{}
	sums := map[string]string{}
	err := be.EachWorkflow(func(id string, src []byte, sum string) error {
		sums[id] = sum
		if err := verifyWorkflow(src, sum); err != nil {
			return backend.Damaged(s.path, fmt.Sprintf("workflow %s: %v", id, err))
		}
		w, err := workflows.ParseStored("stored workflow "+id, src)
		if err != nil {
			return err
		}
		set[w.ID] = w
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.workflows, s.workflowSums = set, sums
	s.mu.Unlock()
	return set, nil
}

// refreshWorkflows is the set of workflows a transaction moves cases by,
// which it holds from its start to its end. On a file that is the set in
// memory: the file's one process changes its workflows itself. On a
// database server another process may have loaded a new version, so the
// transaction compares the digests its own snapshot holds with those in
// memory and, when they differ, reads the set its snapshot holds (which
// also becomes the set in memory, for the next transaction to compare
// with). A transaction that began before a new version was committed
// keeps the version it began with, whatever the others load meanwhile.
func (s *Store) refreshWorkflows(be backend.Workflows) (map[string]*workflows.Workflow, error) {
	s.mu.RLock()
	set, loaded := s.workflows, s.workflowSums
	s.mu.RUnlock()
	if s.server == nil {
		return set, nil
	}
	sums, err := be.WorkflowSums()
	if err != nil || maps.Equal(sums, loaded) {
		return set, err
	}
	return s.readWorkflows(be)
}

// workflowSet is the set in memory (replaced whole when reloaded, never
// changed in place).
func (s *Store) workflowSet() map[string]*workflows.Workflow {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.workflows
}

func (s *Store) workflow(id string) *workflows.Workflow { return s.workflowSet()[id] }

// Workflow returns a loaded workflow, or a not-found error naming the known ones.
func (s *Store) Workflow(id string) (*workflows.Workflow, error) {
	return workflowIn(s.workflowSet(), id)
}

// Workflows lists the loaded workflows by id.
func (s *Store) Workflows() []*workflows.Workflow { return workflowsByID(s.workflowSet()) }

// workflowIn is set's workflow id, or a not-found error naming the known
// ones.
func workflowIn(set map[string]*workflows.Workflow, id string) (*workflows.Workflow, error) {
	if w := set[id]; w != nil {
		return w, nil
	}
	ids := slices.Sorted(maps.Keys(set))
	return nil, model.NotFoundf("unknown workflow %q (known: %s)", id, strings.Join(ids, ", "))
}

// workflowsByID lists set by id.
func workflowsByID(set map[string]*workflows.Workflow) []*workflows.Workflow {
	out := make([]*workflows.Workflow, 0, len(set))
	for _, id := range slices.Sorted(maps.Keys(set)) {
		out = append(out, set[id])
	}
	return out
}

// workflowForTemplate finds the workflow bound to a Persona case template.
func (s *Store) workflowForTemplate(templateID string) *workflows.Workflow {
	return templateWorkflow(s.workflowSet(), templateID)
}

// templateWorkflow is the workflow of set bound to a Persona case
// template, nil for none (or no template).
func templateWorkflow(set map[string]*workflows.Workflow, templateID string) *workflows.Workflow {
	if templateID == "" {
		return nil
	}
	for _, w := range set {
		if w.PersonaTemplateID == templateID {
			return w
		}
	}
	return nil
}

// LoadWorkflow adds or replaces a workflow (admins only). A new version may
// not drop a status that cases are in, nor change such a status's type
// (turning an end status into an intermediate one would reopen every case
// decided in it): MigrateWorkflow does that, on purpose. A status only
// spelt differently is rewritten on its cases, each with an audit event.
func (s *Store) LoadWorkflow(actor string, w *workflows.Workflow) error {
	_, err := s.loadWorkflow(actor, w, false)
	return err
}

// MigrateWorkflow is LoadWorkflow that also carries the cases along when
// the new version changes or drops statuses they are in: a changed status
// keeps its cases (now of the new type, re-indexed as open or closed), a
// dropped one sends them to the new initial status. Each case gets an
// audit event, in the same transaction as the new version. It returns how
// many cases it rewrote.
func (s *Store) MigrateWorkflow(actor string, w *workflows.Workflow) (int, error) {
	return s.loadWorkflow(actor, w, true)
}

func (s *Store) loadWorkflow(actor string, w *workflows.Workflow, migrate bool) (int, error) {
	moved := 0
	err := s.update(func(x *txn) error {
		moved = 0
		u, err := x.actorMay(actor, model.ActWorkflows)
		if err != nil {
			return err
		}
		if other := templateWorkflow(x.workflows(), w.PersonaTemplateID); other != nil && other.ID != w.ID {
			return model.Invalidf("workflow %s: persona_template_id %s is already used by workflow %s", w.ID, w.PersonaTemplateID, other.ID)
		}
		if old := x.workflows()[w.ID]; old != nil {
			if moved, err = x.migrateStatuses(u, old, w, migrate); err != nil {
				return err
			}
		}
		return x.be.PutWorkflow(w.ID, w.Source, workflowSum(w.Source))
	})
	if err != nil {
		return 0, err
	}
	return moved, s.view(func(x *txn) error { return s.loadWorkflows(x.be) })
}

// statusEdit is what a new workflow version does to one status in use.
type statusEdit struct {
	from *workflows.Status
	to   *workflows.Status // nil: dropped
	n    int               // cases in it
}

// why says in words what the change does to the cases.
func (ch statusEdit) why(wf string) string {
	switch {
	case ch.to == nil:
		return fmt.Sprintf("workflow %s no longer has status %s (%s)", wf, ch.from.Name, ch.from.Type)
	case ch.to.Type != ch.from.Type:
		return fmt.Sprintf("workflow %s made status %s %s (was %s)", wf, ch.to.Name, ch.to.Type, ch.from.Type)
	}
	return fmt.Sprintf("workflow %s spells status %s as %s", wf, ch.from.Name, ch.to.Name)
}

// migrateStatuses finds the statuses in use that the new version changes.
// Without migrate, a dropped status or a changed type is refused (every
// such status named); a new spelling is always carried over. Each case
// rewritten gets an audit event through the usual path.
func (x *txn) migrateStatuses(u model.User, old, next *workflows.Workflow, migrate bool) (int, error) {
	var changes []statusEdit
	var refusals []string
	for i := range old.Statuses {
		st := &old.Statuses[i]
		n, err := x.be.InStatus(old.ID, st.Name)
		if err != nil {
			return 0, err
		}
		ns := next.Lookup(st.Name)
		if n == 0 || ns != nil && ns.Type == st.Type && ns.Name == st.Name {
			continue
		}
		ch := statusEdit{from: st, to: ns, n: n}
		changes = append(changes, ch)
		switch {
		case migrate || ns != nil && ns.Type == st.Type:
		case ns == nil:
			refusals = append(refusals, fmt.Sprintf("%d case(s) are in status %q, which the new version drops", n, st.Name))
		default:
			refusals = append(refusals, fmt.Sprintf("%d case(s) are in status %q, which the new version makes %s (was %s)", n, st.Name, ns.Type, st.Type))
		}
	}
	if len(refusals) > 0 {
		return 0, model.Invalidf("workflow %s: %s; move those cases first, or load with --migrate to carry them over (each gets an audit event; a dropped status's cases go to %s)",
			old.ID, strings.Join(refusals, "; "), next.Initial().Name)
	}
	moved := 0
	for _, ch := range changes {
		to := ch.to
		if to == nil {
			to = next.Initial()
		}
		n, err := x.moveCases(u, old.ID, ch.from.Name, to, ch.why(old.ID))
		if err != nil {
			return 0, err
		}
		moved += n
	}
	return moved, nil
}

// moveCases puts every case in status name of workflow wf into status to
// (its spelling and type), re-indexed, each with an audit event saying why.
func (x *txn) moveCases(u model.User, wf, name string, to *workflows.Status, why string) (int, error) {
	ids, err := x.be.CasesIn(wf, name)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		c, err := x.caseByRef(id)
		if err != nil {
			return 0, err
		}
		old := c.Clone()
		c.Status, c.StatusType = to.Name, to.Type
		switch {
		case to.Type != model.End:
			c.ResolvedAt, c.Resolver = time.Time{}, ""
		case old.StatusType != model.End:
			c.ResolvedAt, c.Resolver = x.now, u.Name
		}
		ev := model.Event{Kind: model.EventMigrated, From: old.Status, To: c.Status, Effects: []string{why}}
		if err := x.record(old, c, u.Name, ev); err != nil {
			return 0, fmt.Errorf("migrate case %s: %w", c.Name, err)
		}
	}
	return len(ids), nil
}
