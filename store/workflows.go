package store

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	bolt "go.etcd.io/bbolt"

	"docket/model"
	"docket/workflows"
)

// loadWorkflows parses every stored workflow into the in-memory set.
func (s *Store) loadWorkflows(tx *bolt.Tx) error {
	set := map[string]*workflows.Workflow{}
	err := tx.Bucket(bWorkflows).ForEach(func(k, v []byte) error {
		w, err := workflows.ParseStored("stored workflow "+string(k), v)
		if err != nil {
			return err
		}
		set[w.ID] = w
		return nil
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.workflows = set
	s.mu.Unlock()
	return nil
}

func (s *Store) workflow(id string) *workflows.Workflow {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.workflows[id]
}

func (s *Store) workflowIDs() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := make([]string, 0, len(s.workflows))
	for id := range s.workflows {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Workflow returns a loaded workflow, or a not-found error naming the known ones.
func (s *Store) Workflow(id string) (*workflows.Workflow, error) {
	if w := s.workflow(id); w != nil {
		return w, nil
	}
	return nil, model.NotFoundf("unknown workflow %q (known: %s)", id, strings.Join(s.workflowIDs(), ", "))
}

// Workflows lists the loaded workflows by id.
func (s *Store) Workflows() []*workflows.Workflow {
	var out []*workflows.Workflow
	for _, id := range s.workflowIDs() {
		out = append(out, s.workflow(id))
	}
	return out
}

// workflowForTemplate finds the workflow bound to a Persona case template.
func (s *Store) workflowForTemplate(templateID string) *workflows.Workflow {
	if templateID == "" {
		return nil
	}
	for _, w := range s.Workflows() {
		if w.PersonaTemplateID == templateID {
			return w
		}
	}
	return nil
}

// LoadWorkflow adds or replaces a workflow (admins only). A new version may
// not drop a status that cases are in; cases whose status changes type
// (say intermediate to end) are re-indexed in the same transaction.
func (s *Store) LoadWorkflow(actor string, w *workflows.Workflow) error {
	err := s.update(func(x *txn) error {
		u, err := x.actor(actor)
		if err != nil {
			return err
		}
		if err := model.Authorize(u, model.ActWorkflows, nil); err != nil {
			return err
		}
		if other := s.workflowForTemplate(w.PersonaTemplateID); other != nil && other.ID != w.ID {
			return model.Invalidf("workflow %s: persona_template_id %s is already used by workflow %s", w.ID, w.PersonaTemplateID, other.ID)
		}
		if old := s.workflow(w.ID); old != nil {
			if err := x.migrateStatuses(old, w); err != nil {
				return err
			}
		}
		return x.b(bWorkflows).Put([]byte(w.ID), w.Source)
	})
	if err != nil {
		return err
	}
	return s.db.View(s.loadWorkflows)
}

// migrateStatuses checks that every status in use survives in the new
// version and re-types cases whose status type changed.
func (x *txn) migrateStatuses(old, new *workflows.Workflow) error {
	for _, st := range old.Statuses {
		n := x.count(pStatus(old.ID, st.Name))
		if n == 0 {
			continue
		}
		ns := new.Lookup(st.Name)
		if ns == nil {
			return model.Invalidf("workflow %s: %d case(s) are in status %q, which the new version drops; move them first", old.ID, n, st.Name)
		}
		if ns.Type == st.Type && ns.Name == st.Name {
			continue
		}
		if err := x.retypeCases(old.ID, st.Name, ns); err != nil {
			return err
		}
	}
	return nil
}

// retypeCases rewrites every case in status name to the new status spelling
// and type, with their index entries.
func (x *txn) retypeCases(wf, name string, to *workflows.Status) error {
	var ids []string
	sc := newScanner(x.tx, pStatus(wf, name), orderDeadline, false, position{})
	for ; sc.key != nil; sc.next() {
		ids = append(ids, caseIDOf(orderDeadline, sc.key))
	}
	for _, id := range slices.Compact(ids) {
		c, err := x.caseHeader(id)
		if err != nil {
			return err
		}
		old := c.Clone()
		c.Status, c.StatusType = to.Name, to.Type
		if err := x.putCase(old, c); err != nil {
			return fmt.Errorf("re-type case %s: %w", c.Name, err)
		}
	}
	return nil
}
