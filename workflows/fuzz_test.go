package workflows

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"

	"docket/model"
)

// FuzzParse checks that no file makes Parse panic, that a refusal is a
// *ValidationError whose every problem names the file and a line within
// it, and that an accepted workflow keeps every rule Parse enforces, parses
// from its Source to the same workflow, and can be asked about moves.
func FuzzParse(f *testing.F) {
	for _, id := range builtinIDs {
		data, err := builtinFiles.ReadFile("builtin/" + id + ".yaml")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		base, full, "", "  \n\t\n", "# nothing\n", "- id: x\n", "id: test\n  name: Test\n", "id: test\nstatuses:\n\t- name: Open\n",
		base + "  - name: Declined\n    type: end\n    reasons: &codes [fraud, incomplete]\n  - name: Withdrawn\n    type: end\n    reasons: *codes\n",
		base + "  - name: Escalated\n    four_eyes: [open]\n    from: [Open, approved]\n    on_enter:\n      assign: team:team-2\n      sla: 4h\n      tags: [x]\n",
		base + "  - name: Parked\n    on_enter: {assign: nobody, sla: clear}\n    require_reason: true\n",
		"id: a\nname: A\nkey: A\nreopen: []\nassignment: {policy: round-robin, max_open: 0}\nstatuses: &s [*s]\n",
		"id: a\nname: A\nkey: A\nstatuses:\n  - &x {name: X, type: initial, on_enter: *x}\n  - {name: x, type: end}\n",
		"id: a\nname: \"\\u202eA\\x01\"\nkey: A\nsla: -4h\nstatuses: [{name: \" - \", type: END}]\n",
		"{id: a, name: b, key: C, statuses: [{name: a, type: initial}, {name: b, type: end, from: [a, a], key: \"\"}]}\n",
		"id: a\nname: b\nkey: C\nstatuses:\n  - {name: Open, type: initial}\n  - {name: Done, type: end, from: [Open], key: \"ctrl+d\"}\n  - {name: Lost, type: end, from: [Lost]}\n",
		"%YAML 1.2\n---\nid: a\n...\n---\nid: b\n", "\xff\xfe", "a: !!binary aGk=\n", "? [a]\n: b\n", "id: &a b\nname: *a\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const file = "fuzz.yaml"
		w, err := Parse(file, data)
		if err != nil {
			checkProblems(t, data, file, err)
			return
		}
		if msg := checkWorkflow(w); msg != "" {
			t.Fatalf("Parse accepted %q: %s", data, msg)
		}
		if w.File != file || !bytes.Equal(w.Source, data) {
			t.Fatalf("File %q, Source %q", w.File, w.Source)
		}
		again, err := Parse(file, w.Source)
		if err != nil || !reflect.DeepEqual(again, w) {
			t.Fatalf("parsing Source again: %v\n%+v\n%+v", err, again, w)
		}
		// Moves between any two statuses, by each role, are decided without
		// a panic.
		for _, role := range model.Roles {
			u := model.User{Name: "u", Role: role, Teams: []string{"team-1"}}
			for _, from := range w.Statuses {
				if opts := w.Options(u, "C-1", from.Name, nil); len(opts) != len(w.Statuses)-1 {
					t.Fatalf("Options from %s: %d for %d statuses", from.Name, len(opts), len(w.Statuses))
				}
				for _, to := range w.Statuses {
					_ = w.CheckMove(Move{Case: "C-1", Actor: u, From: from.Name, To: to.Name, Took: map[string]string{from.Name: "v"}})
				}
			}
		}
	})
}

// checkProblems checks a refusal: every problem names the file, a line of
// it and what is wrong, in line order.
func checkProblems(t *testing.T, data []byte, file string, err error) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) || !errors.Is(err, model.ErrInvalid) || len(ve.Problems) == 0 {
		t.Fatalf("Parse(%q): %v (%T) is not a ValidationError", data, err, err)
	}
	lines := bytes.Count(data, []byte("\n")) + 1
	for i, p := range ve.Problems {
		if p.File != file || p.Line < 1 || p.Line > lines || strings.TrimSpace(p.Msg) == "" {
			t.Fatalf("Parse(%q): problem %+v (the file has %d lines)", data, p, lines)
		}
		if i > 0 && p.Line < ve.Problems[i-1].Line {
			t.Fatalf("Parse(%q): problems out of line order: %v", data, ve.Problems)
		}
	}
}

// checkWorkflow describes the first rule w breaks, or returns "".
func checkWorkflow(w *Workflow) string {
	switch {
	case !idPattern.MatchString(w.ID):
		return "id " + w.ID
	case !caseKeyPattern.MatchString(w.Key):
		return "key " + w.Key
	case !goodName(w.Name):
		return "name " + w.Name
	case w.SLA < 0:
		return "negative SLA"
	case len(w.Reopen) == 0:
		return "nobody may reopen"
	case !slices.Contains([]string{PolicyManual, PolicyRoundRobin, PolicyFewestOpen}, w.Assignment.Policy) || w.Assignment.MaxOpen < 0:
		return "assignment " + w.Assignment.Policy
	case w.Initial() == nil:
		return "no initial status"
	}
	initials, ends := 0, 0
	keys := map[string]bool{}
	for i := range w.Statuses {
		s := &w.Statuses[i]
		switch {
		case !goodName(s.Name):
			return "status name " + s.Name
		case w.Lookup(s.Name) != s:
			return "Lookup does not find " + s.Name
		case s.Type != model.Initial && s.Type != model.Intermediate && s.Type != model.End:
			return s.Name + ": type " + string(s.Type)
		case s.Key != "" && (keys[s.Key] || w.ByKey(s.Key) != s || strings.IndexFunc(s.Key, unicode.IsSpace) >= 0):
			return s.Name + ": key " + s.Key
		case s.RequireReason && len(s.Reasons) == 0:
			return s.Name + ": requires a reason but has none"
		case s.OnEnter.SLA < 0:
			return s.Name + ": negative SLA on enter"
		}
		keys[s.Key] = s.Key != ""
		for j, r := range s.Reasons {
			if r == "" || slices.ContainsFunc(s.Reasons[:j], func(q string) bool { return strings.EqualFold(q, r) }) {
				return s.Name + ": reason " + r
			}
		}
		for _, list := range [][]string{s.From, s.FourEyes} {
			for j, n := range list {
				if other := w.Lookup(n); other == nil || other == s || other.Name != n || slices.Contains(list[:j], n) {
					return s.Name + ": names " + n
				}
			}
		}
		switch s.Type {
		case model.Initial:
			initials++
		case model.End:
			ends++
		}
	}
	if initials != 1 || ends == 0 {
		return "initial and end statuses"
	}
	// Every status can be reached from the initial one.
	reached := map[*Status]bool{w.Initial(): true}
	for grew := true; grew; {
		grew = false
		for i := range w.Statuses {
			for j := range w.Statuses {
				src, dst := &w.Statuses[i], &w.Statuses[j]
				if reached[src] && !reached[dst] && leadsTo(src, dst) {
					reached[dst], grew = true, true
				}
			}
		}
	}
	if len(reached) != len(w.Statuses) {
		return "a status cannot be reached"
	}
	return ""
}

func goodName(s string) bool {
	return s != "" && s == strings.TrimSpace(s) && len(s) <= maxNameLen && normalize(s) != "" &&
		strings.IndexFunc(s, unicode.IsControl) < 0
}
