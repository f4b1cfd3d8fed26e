package model

// Action is something a user does to a case or to the system.
type Action string

const (
	ActCreate    Action = "create a case"
	ActStatus    Action = "change the status of"
	ActAssign    Action = "assign"
	ActClaim     Action = "claim"
	ActUnassign  Action = "unassign"
	ActTag       Action = "tag"
	ActFields    Action = "enrich"
	ActAttach    Action = "attach objects to"
	ActComment   Action = "comment on"
	ActRedact    Action = "redact"
	ActSLA       Action = "change SLAs"
	ActImport    Action = "import cases"
	ActExport    Action = "export cases"
	ActWorkload  Action = "see the workload"
	ActMetrics   Action = "see everyone's metrics"
	ActUsers     Action = "manage users"
	ActKeys      Action = "manage SSH keys"
	ActTokens    Action = "manage API tokens"
	ActWebhooks  Action = "manage webhooks"
	ActWorkflows Action = "manage workflows"
	ActBackup    Action = "back up the database"
	ActRestore   Action = "restore the database"
	ActCompact   Action = "compact the database"
)

// leadActions need at least a lead whatever the case.
var leadActions = map[Action]bool{ActRedact: true, ActImport: true, ActSLA: true, ActExport: true, ActWorkload: true,
	ActMetrics: true}

// adminActions need an admin: they reach every case at once, replace or
// rewrite the whole file, or say who someone is (SSH keys).
var adminActions = map[Action]bool{ActUsers: true, ActKeys: true, ActTokens: true, ActWebhooks: true, ActWorkflows: true, ActBackup: true, ActRestore: true, ActCompact: true}

// Authorize is the permission matrix. A reviewer acts on cases assigned to
// them and may claim unassigned open ones; a lead acts on every case, exports
// them and sees the workload; an admin may also manage users and workflows
// and back up, restore and compact the file. c is nil for actions that do not
// touch one case. Assigning to someone else is checked by AuthorizeAssign.
func Authorize(u User, a Action, c *Case) error {
	switch {
	case adminActions[a]:
		if u.Role != RoleAdmin {
			return Forbiddenf("%s is a %s; only an admin may %s", u.Name, u.Role, a)
		}
		return nil
	case leadActions[a]:
		if !u.Role.AtLeast(RoleLead) {
			return Forbiddenf("%s is a reviewer; only a lead or admin may %s", u.Name, a)
		}
		return nil
	case u.Role.AtLeast(RoleLead), c == nil:
		return nil
	}
	// A reviewer, on one case.
	switch {
	case a == ActClaim:
		if c.Assignee != "" && c.Assignee != u.Name {
			return Forbiddenf("%s is assigned to %s; ask a lead to reassign it", c.Name, c.Assignee)
		}
		if !c.Open() {
			return Forbiddenf("%s is %s; only a lead may take a closed case", c.Name, c.Status)
		}
		return nil
	case c.Assignee == u.Name:
		return nil
	case c.Assignee == "":
		return Forbiddenf("%s is unassigned; claim it before you %s it", c.Name, a)
	default:
		return Forbiddenf("%s is assigned to %s; you may only %s your own cases", c.Name, c.Assignee, a)
	}
}

// AuthorizeAssign checks giving case c to user to (to == "" unassigns).
// Reviewers may only take an unassigned case themselves or let go of their
// own; everything else is a lead's move.
func AuthorizeAssign(u User, c *Case, to string) error {
	if u.Role.AtLeast(RoleLead) {
		return nil
	}
	switch {
	case to == u.Name:
		return Authorize(u, ActClaim, c)
	case to == "" && (c.Assignee == u.Name || c.Assignee == ""):
		return nil
	case to == "":
		return Authorize(u, ActUnassign, c)
	default:
		return Forbiddenf("only a lead may assign cases to others (%s is a reviewer)", u.Name)
	}
}
