package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"docket/store/persona/conform"
)

const kycTemplate = `{"data":{"type":"case-template","id":"ctmpl_ABC123","attributes":{"name":"KYC Review",
 "status":"active","resolutions":["Approved","Declined","Escalated"]}}}`

// workflow from-persona prints YAML that checks and loads; cases of that
// template then import into it, in either of Persona's status shapes.
func TestWorkflowFromPersona(t *testing.T) {
	h := newHarness(t)
	tmpl := filepath.Join(h.dir, "template.json")
	must(t, os.WriteFile(tmpl, []byte(kycTemplate), 0o600))
	out := h.ok("workflow", "from-persona", tmpl)
	if code, stdin, _ := h.run(kycTemplate, "workflow", "from-persona", "-"); code != 0 || stdin != out {
		t.Fatalf("from standard input: exit %d\n%s", code, stdin)
	}
	yaml := filepath.Join(h.dir, "kyc.yaml")
	must(t, os.WriteFile(yaml, []byte(out), 0o600))
	h.ok("workflow", "check", yaml)
	if got := h.ok("workflow", "load", yaml); got != "loaded workflow kyc-review (KYC Review)\n" {
		t.Fatalf("load printed %q", got)
	}
	doc := func(id, name, status, resolution string) string {
		return `{"data":{"type":"case","id":"` + id + `","attributes":{"name":"` + name + `","status":"` + status + `","resolution":` + resolution +
			`,"created-at":"2026-01-02T00:00:00Z","updated-at":"2026-01-02T00:00:00Z"},` +
			`"relationships":{"case-template":{"data":{"type":"case-template","id":"ctmpl_ABC123"}}}}}`
	}
	cases := filepath.Join(h.dir, "cases.jsonl")
	must(t, os.WriteFile(cases, []byte(doc("case_1", "KYC-1", "resolved", `"escalated"`)+"\n"+doc("case_2", "KYC-2", "Pending", "null")+"\n"), 0o600))
	h.ok("import", cases)
	for name, want := range map[string]string{"KYC-1": "Escalated", "KYC-2": "Pending"} {
		var c struct{ Workflow, Status string }
		must(t, json.Unmarshal([]byte(h.ok("case", "show", name, "--json")), &c))
		if c.Workflow != "kyc-review" || c.Status != want {
			t.Errorf("%s: %+v, want kyc-review/%s", name, c, want)
		}
	}
	h.fails(1, `template.json: data.type: "case" is not a case template`, "workflow", "from-persona", writeFile(t, h, "template.json", doc("case_3", "KYC-3", "open", "null")))
	h.fails(2, "usage: docket workflow from-persona", "workflow", "from-persona")
}

func writeFile(t *testing.T, h *harness, name, body string) string {
	path := filepath.Join(h.dir, name)
	must(t, os.WriteFile(path, []byte(body), 0o600))
	return path
}

// export --format persona writes Persona's own shape, each line valid
// against GET /cases/{case-id}; the default keeps docket's extension.
func TestExportPersonaFormat(t *testing.T) {
	h := newHarness(t)
	h.team()
	h.ok("case", "create", "--workflow", "default", "--field", "risk=87", "--assign", "ravi")
	h.ok("case", "comment", "CASE-1", "looks fine", "--user", "ravi")
	h.ok("case", "status", "CASE-1", "Declined", "--user", "ravi", "--reason", "fraud")
	h.ok("case", "create", "--workflow", "review")
	sch := conform.Load(t).Response("/cases/{case-id}", "GET", 200)
	lines := strings.Split(strings.TrimSpace(h.ok("export", "--format", "persona")), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, line := range lines {
		if err := sch.Validate([]byte(line)); err != nil {
			t.Errorf("%v\n%s", err, line)
		}
	}
	if !strings.Contains(lines[0], `"resolution":"Declined"`) || !strings.Contains(lines[0], `"message":"looks fine"`) {
		t.Errorf("line 1: %s", lines[0])
	}
	if ext := h.ok("export"); !strings.Contains(ext, `"docket-reason":"fraud"`) || !strings.Contains(ext, `"docket-workflow":"review"`) {
		t.Errorf("jsonl export: %s", ext)
	}
	h.fails(1, `unknown export format "yaml" (want jsonl, persona or csv)`, "export", "--format", "yaml")
}
