package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWorkflowLoadMigrate: a version that turns an end status into an
// intermediate one is refused while cases are decided in it; --migrate
// reopens them, each with an audit event, and the file checks out.
func TestWorkflowLoadMigrate(t *testing.T) {
	h := newHarness(t)
	h.team()
	for i := 0; i < 3; i++ {
		h.ok("case", "create", "--workflow", "default", "--assign", "ravi")
		h.ok("case", "status", "CASE-"+string(rune('1'+i)), "Approved", "--user", "ravi")
	}
	src := strings.Replace(h.ok("workflow", "show", "default"), "  - name: Approved\n    type: end", "  - name: Approved\n    type: intermediate", 1)
	file := filepath.Join(h.dir, "default.yaml")
	must(t, os.WriteFile(file, []byte(src), 0o600))
	before := h.ok("case", "list", "--queue", "all", "--json")

	h.fails(1, `3 case(s) are in status "Approved", which the new version makes intermediate (was end); move those cases first, or load with --migrate`,
		"workflow", "load", file)
	if after := h.ok("case", "list", "--queue", "all", "--json"); after != before {
		t.Fatalf("a refused load changed the cases:\n%s\n%s", before, after)
	}
	out := h.ok("workflow", "load", "--migrate", file)
	if !strings.Contains(out, "3 case(s) carried over") {
		t.Fatalf("load --migrate printed %q", out)
	}
	if open := h.ok("case", "list", "--queue", "open"); !strings.Contains(open, "3 of 3 in open") {
		t.Fatalf("open queue:\n%s", open)
	}
	if hist := h.ok("case", "history", "CASE-2"); !strings.Contains(hist, "ada migrated [workflow default made status Approved intermediate (was end)]") {
		t.Fatalf("history:\n%s", hist)
	}
	h.ok("check")
}
