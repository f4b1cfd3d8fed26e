package workflows

import (
	"slices"
	"strings"

	"docket/model"
)

// Move is one requested status change.
type Move struct {
	Case    string     // case name for messages, e.g. "KYC-42"
	Actor   model.User // who moves the case
	From    string     // current status name (any spelling Lookup accepts)
	To      string     // target status (any spelling Lookup accepts)
	Comment string
	Reason  string
	// Decided says who decided an ended case and when ("by bob, 2m ago"),
	// so a refusal to reopen it can tell the reviewer.
	Decided string
	// Took says who last moved the case into each status (see
	// model.TookStatuses), for four-eyes rules.
	Took map[string]string
}

// Option is one status a case could be moved to, as offered in the TUI.
type Option struct {
	Status  *Status
	Allowed bool
	Why     string // why not, when not Allowed
}

// current is the status a case is in, as far as the workflow knows it.
type current struct {
	status  *Status // nil if the workflow no longer has it
	name    string
	typ     model.StatusType
	decided string // Move.Decided
}

// label is the status for messages, with who decided it when known.
func (c current) label() string {
	if c.decided != "" {
		return c.name + " (" + c.decided + ")"
	}
	return c.name
}

// locate looks up a case's status. A status the workflow no longer has
// (the file was edited since) counts as intermediate, so such cases can
// still be moved on rather than getting stuck.
func (w *Workflow) locate(name string) current {
	if s := w.Lookup(name); s != nil {
		return current{status: s, name: s.Name, typ: s.Type}
	}
	return current{name: name, typ: model.Intermediate}
}

// CheckMove decides whether m is allowed. It returns nil or a
// *model.Refusal whose message names the case and the statuses.
func (w *Workflow) CheckMove(m Move) error {
	to := w.Lookup(m.To)
	if to == nil {
		return model.Invalidf("%s cannot move to %q: %s has no such status (its statuses are %s)",
			m.Case, m.To, w.Name, strings.Join(w.Names(), ", "))
	}
	cur := w.locate(m.From)
	cur.decided = m.Decided
	if cur.status == to {
		return model.Invalidf("%s is already %s", m.Case, cur.label())
	}
	if err := w.checkEntry(m.Actor, m.Case, cur, to, m.Took); err != nil {
		return err
	}
	return checkInput(to, m.Comment, m.Reason)
}

// Options lists every status but the current one, in workflow order, and
// whether actor may move the case there. took is who took which status
// (model.TookStatuses; nil if unknown). The comment and reason are not
// checked: the TUI asks for them once a status is picked.
func (w *Workflow) Options(actor model.User, caseName, from string, took map[string]string) []Option {
	cur := w.locate(from)
	var opts []Option
	for i := range w.Statuses {
		to := &w.Statuses[i]
		if to == cur.status {
			continue
		}
		opt := Option{Status: to, Allowed: true}
		if err := w.checkEntry(actor, caseName, cur, to, took); err != nil {
			opt.Allowed, opt.Why = false, err.Error()
		}
		opts = append(opts, opt)
	}
	return opts
}

// checkEntry applies the rules that depend on where the case is and who
// moves it: the from-graph, reopening, roles, teams and four eyes.
func (w *Workflow) checkEntry(actor model.User, caseName string, cur current, to *Status, took map[string]string) error {
	if err := w.checkPath(actor, caseName, cur, to); err != nil {
		return err
	}
	if len(to.Roles) > 0 && !hasRole(actor.Role, to.Roles) {
		return model.Forbiddenf("%s is %s move; %s %s", to.Name, whose(to.Roles), actor.Name, roleOf(actor.Role))
	}
	if len(to.Teams) > 0 && !slices.ContainsFunc(to.Teams, actor.InTeam) {
		return model.Forbiddenf("%s is taken by %s; %s is %s", to.Name, orList(to.Teams), actor.Name, teamsOf(actor))
	}
	for _, earlier := range to.FourEyes {
		if took[earlier] == actor.Name {
			return model.Forbiddenf("%s needs a second person: %s took %s on %s", to.Name, actor.Name, earlier, caseName)
		}
	}
	return nil
}

// checkPath applies the from-graph. A status with an explicit from list is
// reached only from those; one without is reached from any open status.
// Moving out of an end status is reopening, kept to the workflow's Reopen
// roles however the target is reached.
func (w *Workflow) checkPath(actor model.User, caseName string, cur current, to *Status) error {
	switch {
	case to.From != nil && !slices.Contains(to.From, cur.name):
		return model.Invalidf("%s can only be reached from %s; %s is %s", to.Name, orList(to.From), caseName, cur.name)
	case to.From == nil && cur.typ == model.End && to.Type == model.End:
		return model.Invalidf("%s is already decided: %s", caseName, cur.label())
	}
	if cur.typ != model.End {
		return nil
	}
	reopen := w.reopenRoles()
	if hasRole(actor.Role, reopen) {
		return nil
	}
	what := "reopening a decided case"
	if to.Type == model.End {
		what = "changing the decision on a case"
	}
	return model.Forbiddenf("%s is already %s; %s is %s move", caseName, cur.label(), what, whose(reopen))
}

// reopenRoles defaults to leads for a Workflow built by hand rather than
// parsed.
func (w *Workflow) reopenRoles() []model.Role {
	if len(w.Reopen) == 0 {
		return []model.Role{model.RoleLead}
	}
	return w.Reopen
}

// checkInput applies the rules about what the reviewer wrote: the comment
// and the reason code.
func checkInput(to *Status, comment, reason string) error {
	if to.RequireComment && strings.TrimSpace(comment) == "" {
		return model.Invalidf("%s needs a comment", to.Name)
	}
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "" && to.RequireReason:
		return model.Invalidf("%s needs a reason: %s", to.Name, orList(to.Reasons))
	case reason == "":
		return nil
	case len(to.Reasons) == 0:
		return model.Invalidf("%s takes no reason, but %q was given", to.Name, reason)
	case !slices.ContainsFunc(to.Reasons, func(r string) bool { return strings.EqualFold(r, reason) }):
		return model.Invalidf("%q is not a reason for %s; pick %s", reason, to.Name, orList(to.Reasons))
	}
	return nil
}

// hasRole reports whether r is at least one of roles.
func hasRole(r model.Role, roles []model.Role) bool {
	return slices.ContainsFunc(roles, r.AtLeast)
}

// whose names the least role in roles as the owner of a move ("a lead's"),
// since every higher role may make it too.
func whose(roles []model.Role) string {
	least := slices.MinFunc(roles, func(a, b model.Role) int {
		return slices.Index(model.Roles, a) - slices.Index(model.Roles, b)
	})
	return withArticle(string(least)) + "'s"
}

func roleOf(r model.Role) string {
	if r == "" {
		return "has no role"
	}
	return "is " + withArticle(string(r))
}

func teamsOf(u model.User) string {
	if len(u.Teams) == 0 {
		return "in no team"
	}
	return "in " + list(u.Teams, "and")
}

func withArticle(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}

func orList(items []string) string { return list(items, "or") }

// list joins items as prose: "a", "a or b", "a, b or c".
func list(items []string, conj string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + conj + " " + items[len(items)-1]
}
