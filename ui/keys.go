package ui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"docket/workflows"
)

// Action names what a key does. The names are what config.yaml uses.
type Action string

// Groups say where a binding is active; two bindings clash only when their
// groups can be active at the same time.
const (
	groupGlobal     = "Global"
	groupMove       = "Moving around"
	groupQueue      = "Queue"
	groupCase       = "Case pane"
	groupEnrichment = "Enrichment tree"
	groupDialog     = "Dialogs"
	groupStatuses   = "Statuses"
	groupViews      = "Workload and metrics"
)

// binding is one action with its keys.
type binding struct {
	action Action
	group  string
	help   string
	keys   []string
}

// defaultBindings is every built-in binding, in the order help lists them.
var defaultBindings = []binding{
	{"quit", groupGlobal, "quit", []string{"q", "ctrl+c"}},
	{"help", groupGlobal, "all keys", []string{"?"}},
	{"next-pane", groupGlobal, "next pane", []string{"tab"}},
	{"prev-pane", groupGlobal, "previous pane", []string{"shift+tab"}},
	{"next-queue", groupGlobal, "next queue tab", []string{"]"}},
	{"prev-queue", groupGlobal, "previous queue tab", []string{"["}},
	{"workflow", groupGlobal, "cycle the workflow filter", []string{"w"}},
	{"sort", groupGlobal, "cycle the sort (SLA, newest, oldest)", []string{"o"}},
	{"refresh", groupGlobal, "refresh", []string{"r", "ctrl+r"}},
	{"status-menu", groupGlobal, "move the case to… (status menu)", []string{"s"}},
	{"claim", groupGlobal, "claim the case", []string{"c"}},
	{"unassign", groupGlobal, "give the case back (unassign)", []string{"u"}},
	{"assign", groupGlobal, "assign the case to… (leads)", []string{"a"}},
	{"comment", groupGlobal, "comment", []string{"m"}},
	{"tags", groupGlobal, "add or remove tags", []string{"t"}},
	{"edit", groupGlobal, "edit the enrichment in $EDITOR", []string{"e"}},
	{"next-case", groupGlobal, "take the next case (most urgent you may)", []string{"f"}},
	{"sla", groupGlobal, "set or clear the SLA (leads)", []string{"d"}},
	{"new-case", groupGlobal, "create a case (workflow, assignee, fields)", []string{"ctrl+n"}},
	{"attach", groupGlobal, "attach a Persona object document from a file", []string{"i"}},
	{"detach", groupGlobal, "detach an attached object (pull it off)", []string{"p"}},
	{"redact", groupGlobal, "redact the case (leads; asks first)", []string{"ctrl+x"}},
	{"availability", groupGlobal, "cycle availability (yours, or the reviewer's in workload)", []string{"v"}},
	{"workload", groupGlobal, "workload view (leads)", []string{"ctrl+w"}},
	{"metrics", groupGlobal, "metrics view", []string{"ctrl+t"}},
	{"tab-overview", groupGlobal, "Overview tab", []string{"1"}},
	{"tab-inquiries", groupGlobal, "Inquiries tab", []string{"2"}},
	{"tab-accounts", groupGlobal, "Accounts tab", []string{"3"}},
	{"tab-reports", groupGlobal, "Reports tab", []string{"4"}},
	{"tab-enrichment", groupGlobal, "Enrichment tab", []string{"5"}},
	{"tab-history", groupGlobal, "History tab", []string{"6"}},
	{"back", groupGlobal, "back out (close, clear, cancel)", []string{"esc"}},
	{"jump", groupGlobal, "jump to any case by name or id", []string{":"}},

	{"up", groupMove, "up", []string{"k", "up"}},
	{"down", groupMove, "down", []string{"j", "down"}},
	{"top", groupMove, "first", []string{"g", "home"}},
	{"bottom", groupMove, "last", []string{"G", "end"}},
	{"half-down", groupMove, "half a page down", []string{"ctrl+d"}},
	{"half-up", groupMove, "half a page up", []string{"ctrl+u"}},
	{"page-down", groupMove, "page down", []string{"pgdown"}},
	{"page-up", groupMove, "page up", []string{"pgup"}},

	{"filter", groupQueue, "filter (name, id, subject, reference, tag; status: assignee: tag: workflow:)", []string{"/"}},
	{"select", groupQueue, "select the case for bulk work", []string{"space"}},
	{"select-all", groupQueue, "select every case of the queue and filter", []string{"*"}},
	{"open", groupQueue, "open the case pane", []string{"enter"}},

	{"expand", groupCase, "expand or collapse an object", []string{"enter", "space"}},

	{"tree-toggle", groupEnrichment, "fold or unfold", []string{"enter", "space"}},
	{"tree-expand", groupEnrichment, "unfold / into", []string{"l", "right"}},
	{"tree-collapse", groupEnrichment, "fold / out to parent", []string{"h", "left"}},
	{"tree-expand-all", groupEnrichment, "unfold all", []string{"+", "="}},
	{"tree-collapse-all", groupEnrichment, "fold all", []string{"-"}},
	{"tree-search", groupEnrichment, "search", []string{"/"}},
	{"tree-next", groupEnrichment, "next match", []string{"n"}},
	{"tree-prev", groupEnrichment, "previous match", []string{"N"}},
	{"tree-copy-path", groupEnrichment, "copy the path", []string{"y"}},
	{"tree-copy-value", groupEnrichment, "copy the value", []string{"Y"}},

	{"open-queue", groupViews, "open the reviewer's queue", []string{"enter"}},
	{"window-longer", groupViews, "metrics over a longer window", []string{"+", "="}},
	{"window-shorter", groupViews, "metrics over a shorter window", []string{"-"}},

	{"confirm", groupDialog, "accept", []string{"y"}},
	{"cancel", groupDialog, "cancel", []string{"n"}},
	{"submit", groupDialog, "choose / save", []string{"enter"}},
	{"newline", groupDialog, "new line in a comment", []string{"alt+enter", "ctrl+j"}},
	{"add-reason", groupDialog, "give a reason (at a move's confirmation)", []string{"r"}},
	{"add-comment", groupDialog, "add a comment (at a move's confirmation)", []string{"m"}},
	{"next-field", groupDialog, "next field or button", []string{"tab", "right"}},
	{"prev-field", groupDialog, "previous field or button", []string{"shift+tab", "left"}},
}

// KeyMap is the bindings in force: the defaults with config.yaml applied.
type KeyMap struct {
	list     []binding
	bindings map[Action]key.Binding
}

// DefaultKeyMap is the built-in key map.
func DefaultKeyMap() KeyMap {
	km, _ := newKeyMap(nil)
	return km
}

// newKeyMap applies overrides (action -> keys) to the defaults.
func newKeyMap(overrides map[Action][]string) (KeyMap, error) {
	km := KeyMap{bindings: map[Action]key.Binding{}}
	for _, b := range defaultBindings {
		if keys, ok := overrides[b.action]; ok {
			b.keys = keys
		}
		km.list = append(km.list, b)
		km.bindings[b.action] = key.NewBinding(key.WithKeys(teaKeys(b.keys)...), key.WithHelp(keyLabel(b.keys), b.help))
	}
	for a := range overrides {
		if _, ok := km.bindings[a]; !ok {
			return km, fmt.Errorf("unknown action %q (actions: %s)", a, strings.Join(actionNames(), ", "))
		}
	}
	return km, km.selfClashes()
}

func actionNames() []string {
	var names []string
	for _, b := range defaultBindings {
		names = append(names, string(b.action))
	}
	return names
}

// teaKeys spells keys the way Bubble Tea reports them: the space bar
// arrives as " ", which config files and help call "space".
func teaKeys(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		if k == "space" {
			k = " "
		}
		out[i] = k
	}
	return out
}

// keyLabel shows keys the way help writes them.
func keyLabel(keys []string) string {
	pretty := map[string]string{"up": "↑", "down": "↓", "left": "←", "right": "→", "space": "space"}
	var out []string
	for _, k := range keys {
		if p, ok := pretty[k]; ok {
			k = p
		}
		out = append(out, k)
	}
	return strings.Join(out, "/")
}

// is reports whether msg is one of the action's keys.
func (k KeyMap) is(msg tea.KeyMsg, a Action) bool { return key.Matches(msg, k.bindings[a]) }

// binding returns the bubbles binding of an action.
func (k KeyMap) binding(a Action) key.Binding { return k.bindings[a] }

// overlap reports whether bindings of two groups can be live at once.
func overlap(a, b string) bool {
	if a == groupDialog || b == groupDialog {
		return a == b
	}
	if a == b || a == groupGlobal || b == groupGlobal || a == groupStatuses || b == groupStatuses {
		return true
	}
	return a == groupMove || b == groupMove
}

// selfClashes refuses a key map (after config) where one key means two
// things in the same place.
func (k KeyMap) selfClashes() error {
	var problems []string
	for i, a := range k.list {
		for _, b := range k.list[i+1:] {
			if !overlap(a.group, b.group) {
				continue
			}
			for _, key := range a.keys {
				if slices.Contains(b.keys, key) {
					problems = append(problems, fmt.Sprintf("key %q is bound to both %s and %s", key, a.action, b.action))
				}
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

// statusClashes lists workflow status keys that a built-in binding already
// uses. The built-in wins; the status stays reachable from the status menu.
func (k KeyMap) statusClashes(wfs []*workflows.Workflow) []string {
	var out []string
	for _, w := range wfs {
		for _, st := range w.Statuses {
			if st.Key == "" {
				continue
			}
			for _, b := range k.list {
				if overlap(b.group, groupStatuses) && slices.Contains(b.keys, st.Key) {
					out = append(out, fmt.Sprintf("workflow %s: key %q for %q is already %s (%s); use the status menu",
						w.ID, st.Key, st.Name, b.action, b.help))
				}
			}
		}
	}
	return out
}

// groups lists the bindings of each group, for the help screen.
func (k KeyMap) groups() map[string][]binding {
	out := map[string][]binding{}
	for _, b := range k.list {
		out[b.group] = append(out[b.group], b)
	}
	return out
}
