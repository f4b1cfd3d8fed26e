package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"docket/store"
)

// harness runs the command line in-process against one database.
type harness struct {
	t   *testing.T
	env map[string]string
	dir string
}

func newHarness(t *testing.T) *harness {
	dir := t.TempDir()
	return &harness{t: t, dir: dir, env: map[string]string{
		"DOCKET_DB": filepath.Join(dir, "docket.db"), "DOCKET_USER": "ada", "XDG_DATA_HOME": dir}}
}

// run returns the exit code, stdout and stderr.
func (h *harness) run(stdin string, args ...string) (int, string, string) {
	h.t.Helper()
	var out, errOut bytes.Buffer
	env := Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) string { return h.env[k] }}
	code := Main(args, env)
	return code, out.String(), errOut.String()
}

// ok runs a command that must succeed and returns its output.
func (h *harness) ok(args ...string) string {
	h.t.Helper()
	code, out, errOut := h.run("", args...)
	if code != 0 {
		h.t.Fatalf("docket %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// fails runs a command that must exit with code and mention want on stderr.
func (h *harness) fails(code int, want string, args ...string) {
	h.t.Helper()
	got, out, errOut := h.run("", args...)
	if got != code || !strings.Contains(errOut, want) {
		h.t.Fatalf("docket %s: exit %d (want %d), stderr %q (want %q), stdout %q", strings.Join(args, " "), got, code, errOut, want, out)
	}
}

func (h *harness) team() {
	h.ok("user", "add", "lena", "--role", "lead", "--email", "lena@example.com", "--team", "team-1")
	h.ok("user", "add", "ravi", "--email", "ravi@example.com")
	h.ok("user", "add", "mia")
}

func TestCaseLifecycle(t *testing.T) {
	h := newHarness(t)
	h.team()
	if got := h.ok("case", "create", "--workflow", "default", "--field", "risk=87", "--field", "note=hello", "--assign", "ravi"); got != "CASE-1\n" {
		t.Fatalf("create printed %q", got)
	}
	h.ok("case", "status", "CASE-1", "Pending", "--user", "ravi", "--comment", "asked for docs")
	h.fails(1, "Declined needs a reason", "case", "status", "CASE-1", "Declined", "--user", "ravi")
	h.fails(1, "assigned to ravi", "case", "comment", "CASE-1", "hi", "--user", "mia")
	h.fails(1, "CASE-1 was changed by ravi", "case", "status", "CASE-1", "Approved", "--user", "ravi", "--expect-version", "1")
	h.ok("case", "tag", "CASE-1", "+vip", "+pep", "--user", "ravi")
	h.ok("case", "tag", "CASE-1", "-vip", "--user", "ravi")
	h.ok("case", "comment", "CASE-1", "looks fine", "--user", "ravi")
	h.ok("case", "status", "CASE-1", "Approved", "--user", "ravi", "--reason", "low-risk")

	var shown map[string]any
	if err := json.Unmarshal([]byte(h.ok("case", "show", "CASE-1", "--json")), &shown); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"id", "name", "workflow", "status", "status_type", "assignee", "tags", "fields",
		"objects", "version", "created_at", "updated_at", "resolved_at", "sla_expires_at"} {
		if _, ok := shown[key]; !ok {
			t.Errorf("case show --json lacks %q", key)
		}
	}
	if shown["status"] != "Approved" || shown["status_type"] != "end" || shown["assignee"] != "ravi" || shown["version"] != float64(6) {
		t.Fatalf("shown %v", shown)
	}
	if f := shown["fields"].(map[string]any); f["risk"] != float64(87) || f["note"] != "hello" {
		t.Fatalf("fields %v", f)
	}
	hist := h.ok("case", "history", "CASE-1")
	for _, want := range []string{"ravi moved Pending → Approved · reason low-risk", "ravi commented: looks fine", "ravi moved Open → Pending: “asked for docs”", "ada created the case in Open"} {
		if !strings.Contains(hist, want) {
			t.Errorf("history lacks %q:\n%s", want, hist)
		}
	}
	if strings.Index(hist, "Approved") > strings.Index(hist, "created") {
		t.Errorf("history is not newest first:\n%s", hist)
	}
}

func TestCaseListAndQueues(t *testing.T) {
	h := newHarness(t)
	h.team()
	h.ok("case", "create", "--workflow", "default", "--assign", "ravi")
	h.ok("case", "create", "--workflow", "review")
	h.ok("case", "create", "--workflow", "default", "--tag", "vip")
	out := h.ok("case", "list", "--user", "ravi")
	if !strings.Contains(out, "CASE-1") || strings.Contains(out, "REV-1") || !strings.Contains(out, "1 of 1 in mine") {
		t.Fatalf("mine:\n%s", out)
	}
	var page struct {
		Cases []struct{ Name string }
		Total int
	}
	must(t, json.Unmarshal([]byte(h.ok("case", "list", "--queue", "unassigned", "--json")), &page))
	if page.Total != 2 || len(page.Cases) != 2 {
		t.Fatalf("unassigned %+v", page)
	}
	must(t, json.Unmarshal([]byte(h.ok("case", "list", "--queue", "open", "--tag", "vip", "--json")), &page))
	if page.Total != 1 || page.Cases[0].Name != "CASE-2" {
		t.Fatalf("tag vip %+v", page)
	}
	out = h.ok("case", "list", "--queue", "open", "--limit", "1")
	if !strings.Contains(out, "--after ") {
		t.Fatalf("no cursor offered:\n%s", out)
	}
	h.fails(1, `unknown queue "nope"`, "case", "list", "--queue", "nope")
}

func TestUsageErrors(t *testing.T) {
	h := newHarness(t)
	h.fails(2, `unknown command "frobnicate"`, "frobnicate")
	h.fails(2, "case needs a subcommand", "case")
	h.fails(2, "usage: docket case status REF... STATUS", "case", "status")
	h.fails(1, `no case "CASE-1"`, "case", "status", "CASE-1", "Approved")
	h.fails(2, "unknown flag --bogus", "case", "list", "--bogus")
	h.fails(2, "needs --workflow", "case", "create")
	h.fails(2, "usage: docket case tag REF... +tag -tag", "case", "tag", "CASE-1", "vip")
	if code, out, _ := h.run("", "help"); code != 0 || !strings.Contains(out, "docket case status REF... STATUS") {
		t.Fatalf("help: %d %q", code, out)
	}
}

func TestUnknownUserRefused(t *testing.T) {
	h := newHarness(t)
	h.ok("user", "list") // ada becomes the first admin
	h.fails(1, `unknown user "zed" (known users: ada)`, "case", "list", "--user", "zed")
}

func TestUsersCommands(t *testing.T) {
	h := newHarness(t)
	h.team()
	h.fails(1, "only an admin may manage users", "user", "add", "eve", "--user", "lena")
	h.fails(1, `unknown role "boss"`, "user", "add", "eve", "--role", "boss")
	out := h.ok("user", "set", "ravi", "--availability", "busy", "--user", "ravi")
	if !strings.Contains(out, "busy") {
		t.Fatalf("set printed %q", out)
	}
	var users []struct{ Name, Role, Availability string }
	must(t, json.Unmarshal([]byte(h.ok("user", "list", "--json")), &users))
	if len(users) != 4 || users[0].Name != "ada" || users[0].Role != "admin" || users[3].Availability != "busy" {
		t.Fatalf("users %+v", users)
	}
}

func TestWorkflowCommands(t *testing.T) {
	h := newHarness(t)
	out := h.ok("workflow", "list")
	for _, id := range []string{"default", "pipeline", "two-team", "review"} {
		if !strings.Contains(out, id) {
			t.Fatalf("workflow list lacks %s:\n%s", id, out)
		}
	}
	bad := filepath.Join(h.dir, "bad.yaml")
	must(t, os.WriteFile(bad, []byte("id: x\nname: X\nkey: X\nstatuses:\n  - {name: Open, type: initial}\n  - {name: Done, type: end, from: [Opne]}\n"), 0o600))
	h.fails(1, "bad.yaml:6", "workflow", "check", bad)
	good := filepath.Join(h.dir, "good.yaml")
	must(t, os.WriteFile(good, []byte("id: aml\nname: AML\nkey: AML\nstatuses:\n  - {name: Open, type: initial, key: O}\n  - {name: Filed, type: end, key: F}\n"), 0o600))
	h.ok("workflow", "check", good)
	h.ok("workflow", "load", good)
	if got := h.ok("case", "create", "--workflow", "aml"); got != "AML-1\n" {
		t.Fatalf("created %q", got)
	}
	if !strings.Contains(h.ok("workflow", "show", "aml"), "Filed") {
		t.Fatal("show lacks the status")
	}
}

func TestEnrichAttachDetach(t *testing.T) {
	h := newHarness(t)
	h.team()
	h.ok("case", "create", "--workflow", "default", "--assign", "ravi")
	code, _, errOut := h.run(`{"risk": {"score": 91}}`, "case", "enrich", "CASE-1", "-", "--user", "ravi")
	if code != 0 {
		t.Fatal(errOut)
	}
	code, _, errOut = h.run(`{"risk": `, "case", "enrich", "CASE-1", "-", "--user", "ravi")
	if code != 1 || !strings.Contains(errOut, "patch is not valid JSON") {
		t.Fatalf("bad patch: %d %q", code, errOut)
	}
	doc := `{"data":{"type":"inquiry","id":"inq_1","attributes":{"name-first":"Amara","name-last":"Okafor"}}}`
	code, _, errOut = h.run(doc, "case", "attach", "CASE-1", "-", "--user", "ravi")
	if code != 0 {
		t.Fatal(errOut)
	}
	out := h.ok("case", "show", "CASE-1")
	if !strings.Contains(out, "Amara Okafor") || !strings.Contains(out, `"score": 91`) {
		t.Fatalf("show:\n%s", out)
	}
	h.ok("case", "detach", "CASE-1", "inq_1", "--user", "ravi")
	h.fails(1, "has no object inq_1", "case", "detach", "CASE-1", "inq_1", "--user", "ravi")
}

func TestBackupCommand(t *testing.T) {
	h := newHarness(t)
	h.ok("case", "create", "--workflow", "default")
	dest := filepath.Join(h.dir, "b.db")
	h.ok("backup", dest)
	h.fails(1, "the file exists", "backup", dest)
	h.env["DOCKET_DB"] = dest
	if !strings.Contains(h.ok("case", "list", "--queue", "all"), "CASE-1") {
		t.Fatal("backup lacks the case")
	}
}

func TestEscapeSequencesPrintInert(t *testing.T) {
	h := newHarness(t)
	h.ok("case", "create", "--workflow", "default", "--assign", "ada")
	doc := `{"data":{"type":"inquiry","id":"inq_x","attributes":{"name-first":"\u001b]0;x\u0007\u001b[2JMallory"}}}`
	if code, _, errOut := h.run(doc, "case", "attach", "CASE-1", "-"); code != 0 {
		t.Fatal(errOut)
	}
	for _, args := range [][]string{{"case", "list", "--queue", "all"}, {"case", "show", "CASE-1"}} {
		out := h.ok(args...)
		if strings.ContainsAny(out, "\x1b\x07") || !strings.Contains(out, "Mallory") {
			t.Fatalf("%v printed %q", args, out)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSecondProcessRefused(t *testing.T) {
	h := newHarness(t)
	h.ok("user", "list")
	held, err := store.Open(h.env["DOCKET_DB"], store.Options{})
	must(t, err)
	defer held.Close()
	h.fails(1, "is in use by another docket process", "case", "list")
}

func TestLeadCommands(t *testing.T) {
	h := newHarness(t)
	h.team()
	for i := 0; i < 4; i++ {
		h.ok("case", "create", "--workflow", "default")
	}
	h.ok("case", "create", "--workflow", "default", "--assign", "ravi")
	// Bulk by REFs: ravi may only move his own; the rest are listed as refused.
	code, out, errOut := h.run("", "case", "status", "CASE-5", "CASE-1", "Pending", "--user", "ravi")
	if code != 1 || !strings.Contains(out, "moved 1 case(s): CASE-5") || !strings.Contains(out, "CASE-1: CASE-1 is unassigned") || !strings.Contains(errOut, "1 of 2 case(s) refused") {
		t.Fatalf("bulk status: %d\n%s%s", code, out, errOut)
	}
	// Bulk by selection: the lead assigns the whole unassigned queue.
	out = h.ok("case", "assign", "--queue", "unassigned", "mia", "--user", "lena")
	if !strings.Contains(out, "assigned 4 case(s)") {
		t.Fatalf("bulk assign: %s", out)
	}
	out = h.ok("case", "tag", "--queue", "open", "--assignee", "mia", "+batch", "--user", "lena")
	if !strings.Contains(out, "tagged 4 case(s)") {
		t.Fatalf("bulk tag: %s", out)
	}
	h.fails(2, "not both", "case", "tag", "CASE-1", "--queue", "open", "+x")
	h.fails(1, "only a lead or admin may change SLAs", "case", "sla", "CASE-5", "4h", "--user", "ravi")
	h.ok("case", "sla", "CASE-5", "4h", "--user", "lena")
	h.ok("case", "sla", "CASE-5", "clear", "--user", "lena")

	// Unavailable: mia's cases go back; next case and auto-assign hand them out.
	out = h.ok("user", "set", "mia", "--availability", "unavailable", "--user", "lena")
	if !strings.Contains(out, "4 open case(s) of mia went back to Unassigned") {
		t.Fatalf("unavailable: %s", out)
	}
	out = h.ok("case", "next", "--user", "ravi")
	if !strings.Contains(out, "is yours") {
		t.Fatalf("next: %s", out)
	}
	h.fails(1, "only a lead may hand out cases", "assign", "--auto", "--user", "ravi")
	out = h.ok("assign", "--auto", "--user", "lena")
	if !strings.Contains(out, "assigned 3 case(s): ravi 3") {
		t.Fatalf("auto: %s", out)
	}
	out = h.ok("workload")
	if !strings.Contains(out, "OVERDUE") || !strings.Contains(out, "unavailable") {
		t.Fatalf("workload:\n%s", out)
	}
	h.ok("case", "status", "CASE-2", "Approved", "--user", "ravi")
	var rep struct {
		Total struct {
			Created, Decided int
		}
	}
	must(t, json.Unmarshal([]byte(h.ok("stats", "--json")), &rep))
	if rep.Total.Created != 5 || rep.Total.Decided != 1 {
		t.Fatalf("stats %+v", rep)
	}
	if out := h.ok("stats", "--since", "1d"); !strings.Contains(out, "WORKFLOW") || !strings.Contains(out, "REVIEWER") {
		t.Fatalf("stats text:\n%s", out)
	}
}

// An imported comment reads as imported, with what the source said of
// its author and date; an object named but not included says so.
func TestImportedCommentAndReferenceOnlyObjectPrinted(t *testing.T) {
	h := newHarness(t)
	h.team()
	doc := `{"data":{"type":"case","id":"case_1","attributes":{"status":"Open","name":"KYC-1",` +
		`"created-at":"2026-11-20T00:00:00Z","updated-at":"2026-11-20T00:00:00Z"},` +
		`"relationships":{"inquiries":{"data":[{"type":"inquiry","id":"inq_elsewhere"}]}}},` +
		`"included":[{"type":"case-comment","id":"cscm_1","attributes":{"body":"all good","creator-id":"kai","created-at":"2019-03-04T05:06:07Z"}}]}`
	if code, _, errOut := h.run(doc+"\n", "import", "-"); code != 0 {
		t.Fatalf("import: exit %d %s", code, errOut)
	}
	history := h.ok("case", "history", "KYC-1")
	if !strings.Contains(history, "ada imported a comment by kai dated 2019-03-04 05:06 UTC at the source: all good") ||
		strings.Contains(history, "kai commented") {
		t.Fatalf("history:\n%s", history)
	}
	if show := h.ok("case", "show", "KYC-1"); !strings.Contains(show, "inquiry inq_elsewhere [not included in the import") {
		t.Fatalf("show:\n%s", show)
	}
}
