package workflows

import (
	"strings"

	"docket/model"
)

// StatusFromPersona maps the status a Persona document gives a case to
// this workflow's status. Persona writes it in one of two shapes:
//
//   - a case template's own status ("Approved", "Review in progress"),
//     found here by name, case and separators aside (see Lookup);
//   - the older pair: status "open", "pending" or "resolved", with the
//     outcome of a resolved case in resolution ("Approved", "Declined",
//     "Escalated"). "resolved" with resolution X is the end status named
//     X; "open" is the initial status and "pending" the first
//     intermediate one (the initial one if there is none), unless the
//     workflow has statuses of those very names, which win.
//
// When nothing matches, the error names the statuses there are.
func (w *Workflow) StatusFromPersona(status, resolution string) (string, error) {
	st, err := w.statusFromPersona(strings.TrimSpace(status), strings.TrimSpace(resolution))
	if err != nil {
		return "", err
	}
	return st.Name, nil
}

func (w *Workflow) statusFromPersona(status, resolution string) (*Status, error) {
	resolved := strings.EqualFold(status, "resolved")
	if resolved && resolution != "" {
		if st := w.lookupEnd(resolution); st != nil {
			return st, nil
		}
	}
	if st := w.Lookup(status); st != nil && status != "" {
		return st, nil
	}
	switch {
	case resolved && resolution == "":
		return nil, model.Invalidf("status %q without a resolution: workflow %s cannot tell which end status is meant (%s)",
			status, w.ID, strings.Join(w.namesOf(model.End), ", "))
	case resolved:
		return nil, model.Invalidf("resolution %q is not an end status of workflow %s (%s)",
			resolution, w.ID, strings.Join(w.namesOf(model.End), ", "))
	case strings.EqualFold(status, "open"):
		return w.Initial(), nil
	case strings.EqualFold(status, "pending"):
		if st := w.firstOf(model.Intermediate); st != nil {
			return st, nil
		}
		return w.Initial(), nil
	}
	return nil, model.Invalidf("status %q is not a status of workflow %s (%s), nor one of Persona's open, pending or resolved",
		status, w.ID, strings.Join(w.Names(), ", "))
}

// lookupEnd finds an end status by name, as Lookup does.
func (w *Workflow) lookupEnd(name string) *Status {
	if st := w.Lookup(name); st != nil && st.Type == model.End {
		return st
	}
	return nil
}

func (w *Workflow) firstOf(t model.StatusType) *Status {
	for i := range w.Statuses {
		if w.Statuses[i].Type == t {
			return &w.Statuses[i]
		}
	}
	return nil
}

// namesOf lists the names of the statuses of one type, in workflow order.
func (w *Workflow) namesOf(t model.StatusType) []string {
	var names []string
	for _, s := range w.Statuses {
		if s.Type == t {
			names = append(names, s.Name)
		}
	}
	return names
}
