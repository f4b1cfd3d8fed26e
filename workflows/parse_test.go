package workflows

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"docket/model"
)

// base is a minimal valid workflow. Cases below edit it so the line of each
// problem is easy to count: id is line 1, statuses start on line 4.
const base = `id: test
name: Test
key: TST
statuses:
  - name: Open
    type: initial
  - name: Approved
    type: end
`

func TestParseValidMinimal(t *testing.T) {
	w, err := Parse("f.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	if w.ID != "test" || w.Key != "TST" || w.Name != "Test" || w.SLA != 0 {
		t.Errorf("header = %q %q %q %v", w.ID, w.Key, w.Name, w.SLA)
	}
	if !reflect.DeepEqual(w.Reopen, []model.Role{model.RoleLead}) {
		t.Errorf("Reopen = %v, want the default [lead]", w.Reopen)
	}
	if w.Statuses[0].From != nil || w.Statuses[1].From != nil {
		t.Errorf("From should stay nil when not given")
	}
}

// TestParseProblems checks each kind of problem with its line and field.
// Each file holds exactly one problem, so knock-on reports are caught too.
func TestParseProblems(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		line  int
		field string
		msg   string
	}{
		{"empty file", "", 1, "", "the file is empty"},
		{"blank file", "  \n\n\t\n", 1, "", "the file is empty"},
		{"only comments", "# nothing yet\n", 1, "", "only comments"},
		{"yaml syntax", "id: test\n  name: Test\n", 2, "", "not valid YAML: mapping values are not allowed"},
		{"tab indent", "id: test\nstatuses:\n\t- name: Open\n", 3, "", "not valid YAML"},
		{"not a mapping", "- id: test\n", 1, "", "want a mapping with id, name, key and statuses, got a list"},
		// yaml.v3 puts the empty document on line 2; found by FuzzParse.
		{"only a document marker", "---", 1, "", "want a mapping with id, name, key and statuses, got nothing"},
		{"document marker and blank lines", "---\n\n", 3, "", "want a mapping with id, name, key and statuses, got nothing"},

		{"missing id", strings.Replace(base, "id: test\n", "", 1), 1, "id", "missing"},
		{"bad id", strings.Replace(base, "id: test", "id: Two Team", 1), 1, "id", `"Two Team" is not valid`},
		{"empty id", strings.Replace(base, "id: test", "id:", 1), 1, "id", "is empty"},
		{"missing name", strings.Replace(base, "name: Test\n", "", 1), 1, "name", "missing"},
		{"blank name", strings.Replace(base, "name: Test", `name: "  "`, 1), 2, "name", "is empty"},
		{"missing key", strings.Replace(base, "key: TST\n", "", 1), 1, "key", "missing"},
		{"lower-case key", strings.Replace(base, "key: TST", "key: kyc", 1), 3, "key", `"kyc" is not valid`},
		{"long key", strings.Replace(base, "key: TST", "key: ABCDEFGHIJK", 1), 3, "key", "is not valid"},
		{"bad sla", strings.Replace(base, "key: TST", "key: TST\nsla: 3x", 1), 4, "sla", `bad duration "3x"`},
		{"sla without unit", strings.Replace(base, "key: TST", "key: TST\nsla: 72", 1), 4, "sla", "bad duration"},
		{"unknown top field", strings.Replace(base, "key: TST", "key: TST\ncolour: red", 1), 4, "colour", "unknown field"},
		{"field twice", strings.Replace(base, "key: TST", "key: TST\nname: Again", 1), 4, "name", "given twice (first at line 2)"},
		{"unknown status field", strings.Replace(base, "    type: end", "    type: end\n    colour: red", 1), 9, "statuses[1].colour", "unknown field"},
		{"misspelt status field", strings.Replace(base, "    type: end", "    type: end\n    require-comment: true", 1), 9, "statuses[1].require-comment", "unknown field"},

		{"list for text", strings.Replace(base, "name: Test", "name: [Test]", 1), 2, "name", "want a single value, got a list"},
		{"text for list", strings.Replace(base, "    type: end", "    type: end\n    from: Open", 1), 9, "statuses[1].from", `want a list, got "Open"; write [Open]`},
		{"mapping for list", strings.Replace(base, "    type: end", "    type: end\n    teams: {a: b}", 1), 9, "statuses[1].teams", "want a list, got a mapping"},
		{"text for bool", strings.Replace(base, "    type: end", "    type: end\n    require_comment: sure", 1), 9, "statuses[1].require_comment", `want true or false, got "sure"`},
		{"statuses not a list", "id: test\nname: Test\nkey: TST\nstatuses: Open\n", 4, "statuses", "want a list of statuses"},
		{"status not a mapping", strings.Replace(base, "  - name: Approved\n    type: end\n", "  - Approved\n", 1), 7, "statuses[1]", "want a status (a mapping with name and type)"},

		{"long status name", strings.Replace(base, "name: Approved", "name: "+strings.Repeat("x", 65), 1), 7, "statuses[1].name", "longer than 64 characters"},
		{"control character in name", strings.Replace(base, "name: Approved", `name: "Appro\x01ved"`, 1), 7, "statuses[1].name", "control characters"},
		{"field name not a word", strings.Replace(base, "key: TST", "key: TST\n? [a, b]\n: c", 1), 4, "", "field names must be plain words, got a list"},
		{"missing statuses", "id: test\nname: Test\nkey: TST\n", 1, "statuses", "missing"},
		{"no statuses", "id: test\nname: Test\nkey: TST\nstatuses: []\n", 4, "statuses", "no statuses"},
		{"status without name", strings.Replace(base, "  - name: Approved\n    type: end", "  - type: end", 1), 7, "statuses[1].name", "missing"},
		{"empty status name", strings.Replace(base, "name: Approved", `name: ""`, 1), 7, "statuses[1].name", "is empty"},
		{"status name of dashes", strings.Replace(base, "name: Approved", `name: "--"`, 1), 7, "statuses[1].name", "needs a letter or digit"},
		{"duplicate status name", base + "  - name: approved\n    type: end\n", 9, "statuses[2].name", `"approved" is the same status as Approved (line 7)`},
		{"duplicate under separators", base + "  - name: Approved_\n    type: end\n", 9, "statuses[2].name", "is the same status as Approved"},
		{"bad type", base + "  - name: Pending\n    type: waiting\n", 10, "statuses[2].type", `unknown type "waiting"`},
		{"no initial", strings.Replace(base, "type: initial", "type: intermediate", 1), 4, "statuses", "no initial status"},
		{"two initial", base + "  - name: New\n    type: initial\n", 10, "statuses[2].type", "a second initial status; Open (line 6)"},
		{"no end", strings.Replace(base, "type: end", "type: intermediate", 1), 4, "statuses", "no end status"},

		{"from unknown", strings.Replace(base, "    type: end", "    type: end\n    from: [Open, Pendng]", 1), 9, "statuses[1].from[1]", `unknown status "Pendng" (statuses: Open, Approved)`},
		{"from itself", strings.Replace(base, "    type: end", "    type: end\n    from: [Open, approved]", 1), 9, "statuses[1].from[1]", "Approved cannot be reached from itself"},
		{"from empty", strings.Replace(base, "    type: end", "    type: end\n    from: []", 1), 9, "statuses[1].from", "is empty"},
		{"from blank entry", strings.Replace(base, "    type: end", "    type: end\n    from: [Open, \"\"]", 1), 9, "statuses[1].from[1]", "is empty"},

		{"key twice", strings.Replace(strings.Replace(base, "type: initial", "type: initial\n    key: A", 1), "    type: end", "    type: end\n    key: A", 1), 10, "statuses[1].key", `key "A" is already used by Open (line 7)`},
		{"key with space", strings.Replace(base, "    type: end", "    type: end\n    key: ctrl a", 1), 9, "statuses[1].key", `"ctrl a" is not a key`},
		{"key control char", strings.Replace(base, "    type: end", "    type: end\n    key: \"\\t\"", 1), 9, "statuses[1].key", "is not a key"},

		{"require_reason without reasons", strings.Replace(base, "    type: end", "    type: end\n    require_reason: true", 1), 9, "statuses[1].require_reason", "lists no reasons"},
		{"duplicate reason", strings.Replace(base, "    type: end", "    type: end\n    reasons:\n      - fraud\n      - low-risk\n      - Fraud", 1), 12, "statuses[1].reasons[2]", `reason "Fraud" is listed twice`},
		{"escape in reason", strings.Replace(base, "    type: end", "    type: end\n    reasons: [fraud, \"x\\e]0;pwned\\a\"]", 1), 9, "statuses[1].reasons[1]", "U+001B, an invisible, control or formatting character"},
		{"bidi override in reason", strings.Replace(base, "    type: end", "    type: end\n    reasons:\n      - \"\u202edualc\"", 1), 10, "statuses[1].reasons[0]", "U+202E"},
		{"zero-width space in reason", strings.Replace(base, "    type: end", "    type: end\n    reasons: [\"fr\u200baud\"]", 1), 9, "statuses[1].reasons[0]", "U+200B"},
		{"long reason", strings.Replace(base, "    type: end", "    type: end\n    reasons: ["+strings.Repeat("r", 65)+"]", 1), 9, "statuses[1].reasons[0]", "longer than 64 characters"},
		{"C1 control in status name", strings.Replace(base, "name: Approved", `name: "Appro\u009dved"`, 1), 7, "statuses[1].name", "control characters"},
		{"bidi override in status name", strings.Replace(base, "name: Approved", `name: "Appro\u202eved"`, 1), 7, "statuses[1].name", "U+202E"},
		{"zero-width in workflow name", strings.Replace(base, "name: Test", `name: "Te\u2060st"`, 1), 2, "name", "U+2060"},
		{"unknown role", strings.Replace(base, "    type: end", "    type: end\n    roles: [lead, boss]", 1), 9, "statuses[1].roles[1]", `unknown role "boss"`},
		{"unknown reopen role", strings.Replace(base, "key: TST", "key: TST\nreopen: [supervisor]", 1), 4, "reopen[0]", `unknown role "supervisor"`},
		{"empty reopen", strings.Replace(base, "key: TST", "key: TST\nreopen: []", 1), 4, "reopen", "is empty"},

		{"assignment not a mapping", strings.Replace(base, "key: TST", "key: TST\nassignment: round-robin", 1), 4, "assignment", "want a mapping with policy"},
		{"unknown policy", strings.Replace(base, "key: TST", "key: TST\nassignment:\n  policy: lottery", 1), 5, "assignment.policy", `unknown policy "lottery"`},
		{"bad max_open", strings.Replace(base, "key: TST", "key: TST\nassignment:\n  max_open: 0", 1), 5, "assignment.max_open", "at least 1"},
		{"unknown assignment field", strings.Replace(base, "key: TST", "key: TST\nassignment:\n  cap: 3", 1), 5, "assignment.cap", "unknown field"},
		{"four_eyes unknown", strings.Replace(base, "    type: end", "    type: end\n    four_eyes: [Opne]", 1), 9, "statuses[1].four_eyes[0]", `unknown status "Opne"`},
		{"four_eyes itself", strings.Replace(base, "    type: end", "    type: end\n    four_eyes: [Approved]", 1), 9, "statuses[1].four_eyes[0]", "cannot need a second person after itself"},
		{"bad assign target", strings.Replace(base, "    type: end", "    type: end\n    on_enter:\n      assign: omar", 1), 10, "statuses[1].on_enter.assign", `"omar" is not an assignee`},
		{"bad effect sla", strings.Replace(base, "    type: end", "    type: end\n    on_enter:\n      sla: soon", 1), 10, "statuses[1].on_enter.sla", `bad duration "soon"`},
		{"unknown effect", strings.Replace(base, "    type: end", "    type: end\n    on_enter:\n      notify: lena", 1), 10, "statuses[1].on_enter.notify", "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := Parse("f.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("Parse succeeded (%v); want a problem", w.Names())
			}
			if w != nil {
				t.Errorf("Parse returned a workflow along with the error")
			}
			if !errors.Is(err, model.ErrInvalid) {
				t.Errorf("errors.Is(err, ErrInvalid) = false")
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error is %T, want *ValidationError", err)
			}
			want := fmt.Sprintf("f.yaml:%d: ", tt.line)
			if tt.field != "" {
				want += tt.field + ": "
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, want) || !strings.Contains(msg, tt.msg) {
				t.Errorf("error:\n%s\nwant a line starting %q containing %q", msg, want, tt.msg)
			}
			if len(ve.Problems) != 1 {
				t.Errorf("got %d problems, want 1:\n%s", len(ve.Problems), msg)
			}
		})
	}
}

// Statuses cut off from the initial one always come at least in pairs (a
// status may not come from itself), and each is reported on its own line.
func TestParseUnreachable(t *testing.T) {
	src := base + `  - name: Escalated
    from: [Declined]
  - name: Declined
    type: end
    from: [Escalated]
`
	_, err := Parse("f.yaml", []byte(src))
	want := "f.yaml:9: statuses[2]: Escalated cannot be reached from the initial status Open; check the from lists\n" +
		"f.yaml:11: statuses[3]: Declined cannot be reached from the initial status Open; check the from lists"
	if err == nil || err.Error() != want {
		t.Errorf("error:\n%v\nwant:\n%s", err, want)
	}
}

// A status whose only way in is from an end status is still reachable: a
// lead can reopen into it.
func TestParseReachableThroughEnd(t *testing.T) {
	src := base + "  - name: Audited\n    type: end\n    from: [Approved]\n  - name: Reopened\n    from: [Audited]\n"
	if _, err := Parse("f.yaml", []byte(src)); err != nil {
		t.Error(err)
	}
}

// TestParseCollectsAll checks that problems are all reported, one a line,
// sorted by line whatever order they were found in.
func TestParseCollectsAll(t *testing.T) {
	src := `id: Bad Id
name: Test
key: TST
colour: red
statuses:
  - name: Open
    type: initial
    key: O
  - name: Approved
    type: end
    key: O
    roles: [boss]
`
	_, err := Parse("bad.yaml", []byte(src))
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a *ValidationError", err)
	}
	want := []string{
		`bad.yaml:1: id: "Bad Id" is not valid; use lower-case letters, digits and dashes, e.g. two-team`,
		`bad.yaml:4: colour: unknown field (known fields: id, name, key, sla, persona_template_id, reopen, assignment, statuses)`,
		`bad.yaml:11: statuses[1].key: key "O" is already used by Open (line 8)`,
		`bad.yaml:12: statuses[1].roles[0]: unknown role "boss" (want reviewer, lead or admin)`,
	}
	if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, want) {
		t.Errorf("error lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, p := range ve.Problems {
		if p.File != "bad.yaml" || p.Line == 0 || p.Field == "" {
			t.Errorf("incomplete problem %+v", p)
		}
	}
}

// full uses every field of the format.
const full = `# A workflow using every field.
id: full-test
name: Full test
key: FT2
sla: 1d12h
persona_template_id: ctmpl_abc123
reopen: [admin]
statuses:
  - name: Open
    type: initial
    key: O
  - name: Awaiting documentation
    key: ctrl+w
    from: [open, review-in-progress]
    require_comment: true
  - name: Review in progress
    type: intermediate
    key: R
    from: [Open, Awaiting_Documentation]
    roles: [lead, admin]
    teams: [team-1, team-2]
  - name: Declined
    type: end
    key: D
    reasons: [fraud, incomplete]
    require_reason: true
    require_comment: false
`

func TestParseFullRoundTrip(t *testing.T) {
	w, err := Parse("full.yaml", []byte(full))
	if err != nil {
		t.Fatal(err)
	}
	want := &Workflow{
		ID:                "full-test",
		Key:               "FT2",
		Name:              "Full test",
		SLA:               36 * time.Hour,
		PersonaTemplateID: "ctmpl_abc123",
		Reopen:            []model.Role{model.RoleAdmin},
		Assignment:        Assignment{Policy: PolicyManual},
		Statuses: []Status{
			{Name: "Open", Type: model.Initial, Key: "O"},
			{Name: "Awaiting documentation", Type: model.Intermediate, Key: "ctrl+w",
				From: []string{"Open", "Review in progress"}, RequireComment: true},
			{Name: "Review in progress", Type: model.Intermediate, Key: "R",
				From:  []string{"Open", "Awaiting documentation"},
				Roles: []model.Role{model.RoleLead, model.RoleAdmin}, Teams: []string{"team-1", "team-2"}},
			{Name: "Declined", Type: model.End, Key: "D",
				Reasons: []string{"fraud", "incomplete"}, RequireReason: true},
		},
		Source: []byte(full),
		File:   "full.yaml",
	}
	if !reflect.DeepEqual(w, want) {
		t.Errorf("Parse:\n got %+v\nwant %+v", w, want)
	}
	// The store persists Source and parses it again on load.
	again, err := Parse(w.File, w.Source)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again, w) {
		t.Errorf("parsing Source again gave a different workflow:\n%+v", again)
	}
}

// Anchors and aliases are plain YAML, so they work like the values they
// stand for.
func TestParseAliases(t *testing.T) {
	src := base + `  - name: Declined
    type: end
    reasons: &codes [fraud, incomplete]
  - name: Withdrawn
    type: end
    reasons: *codes
`
	w := mustParse(t, src)
	if got := w.Lookup("Withdrawn").Reasons; len(got) != 2 || got[1] != "incomplete" {
		t.Errorf("Withdrawn reasons = %v", got)
	}
}

func TestParseKeepsSourceApart(t *testing.T) {
	data := []byte(base)
	w, err := Parse("f.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	data[0] = 'X'
	if string(w.Source) != base {
		t.Errorf("Source changed with the caller's buffer")
	}
}

func TestParseFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mine.yaml")
	if err := os.WriteFile(path, []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	w, err := ParseFile(path)
	if err != nil || w.File != path || w.ID != "test" {
		t.Fatalf("ParseFile = %+v, %v", w, err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte(base+"nope: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseFile(bad); err == nil || !strings.HasPrefix(err.Error(), bad+":9: nope: unknown field") {
		t.Errorf("ParseFile(bad) = %v, want the path and line", err)
	}
	if _, err := ParseFile(filepath.Join(t.TempDir(), "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ParseFile(missing) = %v, want ErrNotExist", err)
	}
}

func TestParseAssignmentAndEffects(t *testing.T) {
	src := strings.Replace(base, "key: TST", "key: TST\nassignment:\n  policy: fewest-open\n  teams: [team-1]\n  max_open: 12", 1) +
		"  - name: Escalated\n    type: intermediate\n    four_eyes: [open]\n    on_enter:\n      assign: team:team-2\n      sla: 4h\n      tags: [escalated, urgent]\n" +
		"  - name: Parked\n    type: intermediate\n    on_enter:\n      assign: nobody\n      sla: clear\n"
	w, err := Parse("f.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if w.Assignment.Policy != PolicyFewestOpen || w.Assignment.MaxOpen != 12 || w.Assignment.Teams[0] != "team-1" || !w.Assignment.Auto() {
		t.Fatalf("assignment %+v", w.Assignment)
	}
	esc := w.Lookup("escalated")
	if !reflect.DeepEqual(esc.FourEyes, []string{"Open"}) || esc.OnEnter.Assign != "team:team-2" || esc.OnEnter.SLA != 4*time.Hour ||
		!reflect.DeepEqual(esc.OnEnter.Tags, []string{"escalated", "urgent"}) {
		t.Fatalf("escalated %+v", esc)
	}
	if p := w.Lookup("parked"); p.OnEnter.Assign != "nobody" || !p.OnEnter.ClearSLA || p.OnEnter.Empty() {
		t.Fatalf("parked %+v", p.OnEnter)
	}
	if w2, _ := Parse("f.yaml", []byte(base)); w2.Assignment.Policy != PolicyManual || w2.Assignment.Auto() {
		t.Fatalf("default assignment %+v", w2.Assignment)
	}
}

func TestSecondDocumentIsRefused(t *testing.T) {
	src := "id: kyc\nkey: KYC\nname: KYC\nstatuses:\n  - {name: Open, type: initial}\n  - {name: Done, type: end, from: [Open]}\n---\nid: other\n"
	_, err := Parse("two.yaml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "two.yaml:7: a second YAML document") {
		t.Fatalf("got %v", err)
	}
}

// TestParseStoredKeepsOldCharacters: a workflow a database already holds is
// read back even if it has what Parse now refuses, so the file still opens.
func TestParseStoredKeepsOldCharacters(t *testing.T) {
	src := strings.Replace(base, "    type: end", "    type: end\n    reasons: [\"x\\e]0;pwned\\a\"]", 1)
	if _, err := Parse("f.yaml", []byte(src)); err == nil {
		t.Fatal("Parse accepted an escape sequence in a reason")
	}
	w, err := ParseStored("stored workflow test", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Statuses[1].Reasons; len(got) != 1 || got[0] != "x\x1b]0;pwned\a" {
		t.Fatalf("reasons %q", got)
	}
}
