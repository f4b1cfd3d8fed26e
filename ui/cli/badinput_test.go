package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"docket/store"
	"docket/ui"
)

// personaCase is a valid Persona case document with one part replaced:
// the tests break one thing at a time.
func personaCase(id, name, status, fields string) string {
	return `{"data":{"type":"case","id":"` + id + `","attributes":{"name":"` + name + `","status":"` + status +
		`","created-at":"2026-11-01T10:00:00Z","updated-at":"2026-11-01T10:00:00Z","tags":[],"fields":` + fields + `}}}`
}

func nested(depth int) string {
	return strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
}

// TestBadInputChangesNothing feeds every input path its bad cases and
// expects each to be refused with an error that names what and where, and
// the database to be exactly as it was.
func TestBadInputChangesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 100 MB inputs")
	}
	good := personaCase("case_good", "KYC-1", "Open", `{"risk":{"type":"integer","value":3}}`)
	huge := strings.Repeat("x", 100<<20)
	object := func(attrs string) string {
		return `{"data":{"type":"inquiry","id":"inq_bad","attributes":` + attrs + `}}`
	}
	tests := []struct {
		name  string
		files map[string]string // written to the test dir first
		args  []string
		code  int
		want  []string // all in stderr
	}{
		// import
		{"import empty", map[string]string{"empty.jsonl": ""}, []string{"import", "empty.jsonl"}, 1, []string{"empty.jsonl", "empty"}},
		{"import truncated", map[string]string{"cut.jsonl": good[:len(good)/2]}, []string{"import", "cut.jsonl"}, 1, []string{"cut.jsonl:1", "malformed JSON"}},
		{"import invalid UTF-8", map[string]string{"utf8.jsonl": strings.Replace(good, "KYC-1", "KYC-\xff1", 1)}, []string{"import", "utf8.jsonl"}, 1, []string{"utf8.jsonl:1", "invalid UTF-8 at byte"}},
		{"import wrong type", map[string]string{"type.jsonl": strings.Replace(good, `"created-at":"2026-11-01T10:00:00Z"`, `"created-at":5`, 1)}, []string{"import", "type.jsonl"}, 1, []string{"type.jsonl:1", "data.attributes.created-at", "want a string"}},
		{"import unknown status", map[string]string{"status.jsonl": personaCase("case_s", "KYC-2", "Weird", `{}`)}, []string{"import", "status.jsonl"}, 1, []string{"status.jsonl:1", `"Weird"`, "Open, Pending"}},
		{"import unknown workflow", map[string]string{"wf.jsonl": good}, []string{"import", "--workflow", "nope", "wf.jsonl"}, 1, []string{"nope"}},
		{"import not a case", map[string]string{"obj.jsonl": object(`{}`)}, []string{"import", "obj.jsonl"}, 1, []string{"obj.jsonl:1", "inquiry"}},
		{"import two cases one name", map[string]string{"names.jsonl": good + "\n" + personaCase("case_other", "KYC-1", "Open", `{}`)}, []string{"import", "names.jsonl"}, 1, []string{"names.jsonl:2", "same name", "names.jsonl:1"}},
		{"import one id, two contents", map[string]string{"dup.jsonl": good + "\n" + strings.Replace(good, `"Open"`, `"Pending"`, 1)}, []string{"import", "dup.jsonl"}, 1, []string{"dup.jsonl:2", "case_good appears again with the same updated-at", "dup.jsonl:1"}},
		{"import 10,000 deep", map[string]string{"deep.jsonl": personaCase("case_d", "KYC-3", "Open", `{"x":{"type":"hash","value":`+nested(10_000)+`}}`)}, []string{"import", "deep.jsonl"}, 1, []string{"deep.jsonl:1", "nested deeper than"}},
		{"import 100 MB value", map[string]string{"big.jsonl": personaCase("case_b", "KYC-4", "Open", `{"x":{"type":"string","value":"`+huge+`"}}`)}, []string{"import", "big.jsonl"}, 1, []string{"big.jsonl:1", "100.0 MB, over the limit of 16.0 MB per case"}},
		{"import over a lower limit", map[string]string{"mid.jsonl": personaCase("case_m", "KYC-5", "Open", `{"x":{"type":"string","value":"`+strings.Repeat("y", 2<<20)+`"}}`)}, []string{"import", "--max-case-mb", "1", "mid.jsonl"}, 1, []string{"mid.jsonl:1", "over the limit of 1.0 MB"}},
		{"import missing file", nil, []string{"import", "nothing.jsonl"}, 1, []string{"nothing.jsonl", "no such file"}},

		// enrich
		{"enrich empty", map[string]string{"e.json": ""}, []string{"case", "enrich", "CASE-1", "e.json"}, 1, []string{"e.json", "not valid JSON"}},
		{"enrich truncated", map[string]string{"e.json": `{"risk":{"score":`}, []string{"case", "enrich", "CASE-1", "e.json"}, 1, []string{"e.json", "not valid JSON"}},
		{"enrich invalid UTF-8", map[string]string{"e.json": "{\"name\":\"\xff\"}"}, []string{"case", "enrich", "CASE-1", "e.json"}, 1, []string{"e.json", "invalid UTF-8 at byte 9"}},
		{"enrich wrong type", map[string]string{"e.json": `[1,2]`}, []string{"case", "enrich", "CASE-1", "e.json"}, 1, []string{"e.json", "must be a JSON object, got an array"}},
		{"enrich 10,000 deep", map[string]string{"e.json": nested(10_000)}, []string{"case", "enrich", "CASE-1", "e.json"}, 1, []string{"e.json", "nested deeper than 512 levels"}},
		{"enrich 100 MB value", map[string]string{"e.json": `{"x":"` + huge + `"}`}, []string{"case", "enrich", "CASE-1", "e.json"}, 1, []string{"e.json", "over the limit of 16.0 MB per case"}},
		{"enrich unknown case", map[string]string{"e.json": `{"a":1}`}, []string{"case", "enrich", "CASE-404", "e.json"}, 1, []string{"CASE-404"}},

		// attach
		{"attach empty", map[string]string{"o.json": ""}, []string{"case", "attach", "CASE-1", "o.json"}, 1, []string{"o.json"}},
		{"attach truncated", map[string]string{"o.json": object(`{"name-first":"Ana"`)}, []string{"case", "attach", "CASE-1", "o.json"}, 1, []string{"o.json", "JSON"}},
		{"attach invalid UTF-8", map[string]string{"o.json": object("{\"name-first\":\"\xff\"}")}, []string{"case", "attach", "CASE-1", "o.json"}, 1, []string{"o.json", "invalid UTF-8"}},
		{"attach wrong type", map[string]string{"o.json": `{"data":"inquiry"}`}, []string{"case", "attach", "CASE-1", "o.json"}, 1, []string{"o.json", "data"}},
		{"attach unknown kind", map[string]string{"o.json": `{"data":{"type":"spaceship","id":"s_1","attributes":{}}}`}, []string{"case", "attach", "CASE-1", "o.json"}, 1, []string{"o.json", "spaceship"}},
		{"attach 10,000 deep", map[string]string{"o.json": object(nested(10_000))}, []string{"case", "attach", "CASE-1", "o.json"}, 1, []string{"o.json", "depth"}},
		{"attach 100 MB value", map[string]string{"o.json": object(`{"x":"` + huge + `"}`)}, []string{"case", "attach", "CASE-1", "o.json"}, 1, []string{"o.json", "over the limit of 16.0 MB per case"}},

		// workflow files
		{"workflow empty", map[string]string{"w.yaml": ""}, []string{"workflow", "load", "w.yaml"}, 1, []string{"w.yaml"}},
		{"workflow truncated", map[string]string{"w.yaml": "id: kyc\nkey: KYC\nname: KYC\nstatuses:\n  - name: Open\n    type: init"}, []string{"workflow", "load", "w.yaml"}, 1, []string{"w.yaml:"}},
		{"workflow invalid UTF-8", map[string]string{"w.yaml": "id: kyc\nname: \"K\xffC\"\n"}, []string{"workflow", "load", "w.yaml"}, 1, []string{"w.yaml"}},
		{"workflow wrong type", map[string]string{"w.yaml": "id: kyc\nkey: KYC\nname: KYC\nstatuses: 5\n"}, []string{"workflow", "load", "w.yaml"}, 1, []string{"w.yaml:4", "statuses"}},
		{"workflow duplicate status", map[string]string{"w.yaml": "id: kyc\nkey: KYC\nname: KYC\nstatuses:\n  - {name: Open, type: initial}\n  - {name: Open, type: end, from: [Open]}\n"}, []string{"workflow", "load", "w.yaml"}, 1, []string{"w.yaml:6", "Open"}},
		{"workflow unknown from", map[string]string{"w.yaml": "id: kyc\nkey: KYC\nname: KYC\nstatuses:\n  - {name: Open, type: initial}\n  - {name: Done, type: end, from: [Nowhere]}\n"}, []string{"workflow", "load", "w.yaml"}, 1, []string{"w.yaml:6", "Nowhere"}},
		{"workflow 10,000 deep", map[string]string{"w.yaml": "id: kyc\nx: " + strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000) + "\n"}, []string{"workflow", "load", "w.yaml"}, 1, []string{"w.yaml"}},
		{"workflow 100 MB value", map[string]string{"w.yaml": "id: kyc\nname: " + huge + "\n"}, []string{"workflow", "load", "w.yaml"}, 1, []string{"w.yaml", "at most 1048576"}},

		// command-line arguments
		{"unknown command", nil, []string{"frobnicate"}, 2, []string{`unknown command "frobnicate"`}},
		{"unknown flag", nil, []string{"case", "list", "--colour"}, 2, []string{"unknown flag --colour"}},
		{"missing argument", nil, []string{"case", "status", "CASE-1"}, 2, []string{"usage"}},
		{"unknown status", nil, []string{"case", "status", "CASE-1", "Finished"}, 1, []string{"Finished"}},
		{"unknown user", nil, []string{"case", "assign", "CASE-1", "zelda"}, 1, []string{"zelda"}},
		{"unknown case", nil, []string{"case", "comment", "CASE-404", "hello"}, 1, []string{"CASE-404"}},
		{"bad duration", nil, []string{"case", "sla", "CASE-1", "soon"}, 1, []string{"soon"}},
		{"bad limit", nil, []string{"case", "list", "--limit", "many"}, 2, []string{"limit"}},
		{"bad size limit", nil, []string{"case", "list", "--max-case-mb", "-3"}, 2, []string{"--max-case-mb -3"}},
		{"invalid UTF-8 comment", nil, []string{"case", "comment", "CASE-1", "bad \xff byte"}, 1, []string{"not valid UTF-8"}},
		{"unknown workflow", nil, []string{"case", "create", "--workflow", "nope"}, 1, []string{"nope"}},
		{"duplicate user", nil, []string{"user", "add", "ravi"}, 1, []string{"ravi"}},
	}
	h := newHarness(t)
	h.team()
	h.ok("case", "create", "--workflow", "default", "--assign", "ada", "--field", "risk=3")
	digest := func() string {
		s, err := store.Open(h.env["DOCKET_DB"], store.Options{ReadOnly: true})
		must(t, err)
		defer s.Close()
		d, err := s.Digest()
		must(t, err)
		return d
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for name, content := range tt.files {
				must(t, os.WriteFile(filepath.Join(h.dir, name), []byte(content), 0o600))
			}
			before := digest()
			args := tt.args
			for i, a := range args { // file arguments live in the test dir
				if _, ok := tt.files[a]; ok || strings.HasSuffix(a, ".jsonl") {
					args = append(args[:i:i], append([]string{filepath.Join(h.dir, a)}, args[i+1:]...)...)
				}
			}
			code, out, errOut := h.run("", args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout %q\nstderr %q", code, tt.code, out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q lacks %q", errOut, w)
				}
			}
			if digest() != before {
				t.Error("the database changed")
			}
		})
	}
	// The same control document goes in, so the table's refusals are not
	// refusing everything.
	must(t, os.WriteFile(filepath.Join(h.dir, "good.jsonl"), []byte(good), 0o600))
	h.ok("import", filepath.Join(h.dir, "good.jsonl"))
}

// TestBadConfig feeds config.yaml its bad cases; each error names the file
// and, where there is one, the line.
func TestBadConfig(t *testing.T) {
	dir := t.TempDir()
	for name, tt := range map[string]struct{ content, want string }{
		"truncated":    {"keys:\n  quit: [q, \"ctrl+c", "config.yaml"},
		"invalid utf8": {"keys:\n  quit: \"\xff\"\n", "config.yaml"},
		"wrong type":   {"keys: 5\n", "config.yaml:1"},
		"unknown":      {"keys:\n  teleport: t\n", "teleport"},
		"unknown top":  {"colours: dark\n", "config.yaml:1: unknown setting \"colours\""},
		"duplicate":    {"keys:\n  quit: q\n  quit: x\n", "config.yaml:3"},
		"deep":         {"keys: " + strings.Repeat("[", 10_000) + strings.Repeat("]", 10_000) + "\n", "config.yaml"},
		"huge":         {"keys:\n  quit: " + strings.Repeat("q", 100<<20) + "\n", "config.yaml: the file is 104857615 bytes; a config file may be at most 65536"},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, "config.yaml")
			must(t, os.WriteFile(path, []byte(tt.content), 0o600))
			_, err := ui.LoadConfig(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want it to mention %q", err, tt.want)
			}
		})
	}
}
