package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"docket/store"
	"docket/store/pgtest"
)

func TestCheckCommand(t *testing.T) {
	h := newHarness(t)
	h.ok("case", "create", "--workflow", "default", "--assign", "ada")
	h.ok("case", "status", "CASE-1", "Pending", "--comment", "waiting for the bank")
	out := h.ok("check")
	if !strings.Contains(out, "1 cases, 2 audit events") || !strings.Contains(out, "no problems") {
		t.Fatalf("check printed %q", out)
	}
	// A second process holding the file: check says so and how to proceed.
	held, err := store.Open(h.env["DOCKET_DB"], store.Options{})
	must(t, err)
	h.fails(1, "check a backup", "check")
	held.Close()
	h.fails(1, "no such file", "--db", filepath.Join(h.dir, "nothing.db"), "check")
}

func TestCheckCommandReportsDamage(t *testing.T) {
	h := newHarness(t)
	h.ok("case", "create", "--workflow", "default", "--assign", "ada")
	h.ok("case", "comment", "CASE-1", "called the customer: no answer")
	// Edit the comment in the audit event, as someone with the file might.
	path := h.env["DOCKET_DB"]
	raw, err := os.ReadFile(path)
	must(t, err)
	edited := bytes.Replace(raw, []byte("called the customer: no answer"), []byte("called the customer: all fine."), -1)
	if bytes.Equal(raw, edited) {
		t.Fatal("the comment is not in the file")
	}
	must(t, os.WriteFile(path, edited, 0o600))
	code, out, errOut := h.run("", "check")
	if code != 1 || !strings.Contains(out, "event 2: its content does not match its hash: edited") || !strings.Contains(errOut, "problems found") {
		t.Fatalf("check after an edit: exit %d\n%s%s", code, out, errOut)
	}
	// The same shows in case history.
	if out := h.ok("case", "show", "CASE-1"); !strings.Contains(out, "AUDIT TRAIL DOES NOT VERIFY") {
		t.Fatalf("case show after an edit:\n%s", out)
	}
}

func TestRestoreAndCompactCommands(t *testing.T) {
	h := newHarness(t)
	h.ok("case", "create", "--workflow", "default", "--assign", "ada")
	backup := filepath.Join(h.dir, "monday.db")
	if out := h.ok("backup", backup); !strings.Contains(out, "(verified)") {
		t.Fatalf("backup printed %q", out)
	}
	h.ok("case", "create", "--workflow", "default", "--assign", "ada")
	held, err := store.Open(h.env["DOCKET_DB"], store.Options{})
	must(t, err)
	h.fails(1, "in use by another docket process", "restore", backup)
	h.fails(1, "in use by another docket process", "compact")
	held.Close()
	notes := filepath.Join(h.dir, "notes.txt")
	must(t, os.WriteFile(notes, []byte("not a database"), 0o600))
	h.fails(1, "not a readable database", "restore", notes)
	out := h.ok("restore", backup)
	if !strings.Contains(out, "kept as "+h.env["DOCKET_DB"]+".replaced-") {
		t.Fatalf("restore printed %q", out)
	}
	if list := h.ok("case", "list", "--queue", "all"); strings.Contains(list, "CASE-2") || !strings.Contains(list, "CASE-1") {
		t.Fatalf("after restore:\n%s", list)
	}
	if out := h.ok("compact"); !strings.Contains(out, "compacted "+h.env["DOCKET_DB"]) {
		t.Fatalf("compact printed %q", out)
	}
	h.ok("check")
}

func TestRedactCommandLeavesNoBytes(t *testing.T) {
	h := newHarness(t)
	h.ok("case", "create", "--workflow", "default", "--assign", "ada", "--field", "passport=PX-99817-Okonkwo")
	h.ok("case", "comment", "CASE-1", "spoke to Okonkwo-Delacroix-Brother")
	_, _, errOut := h.run("", "case", "redact", "CASE-1")
	if !strings.Contains(errOut, "no redacted byte remains") {
		t.Fatalf("redact said %q", errOut)
	}
	raw, err := os.ReadFile(h.env["DOCKET_DB"])
	must(t, err)
	for _, secret := range []string{"PX-99817-Okonkwo", "Okonkwo-Delacroix-Brother"} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("%q is still in the file", secret)
		}
	}
	h.ok("check")
}

// TestFileCommandsNeedTheRole: the command line acts as the user, and the
// store refuses a reviewer the whole-database commands.
func TestFileCommandsNeedTheRole(t *testing.T) {
	h := newHarness(t)
	h.team()
	h.ok("case", "create", "--workflow", "default", "--assign", "ravi")
	backup := filepath.Join(h.dir, "backup.db")
	h.ok("backup", backup)
	for _, args := range [][]string{
		{"export"}, {"workload"}, {"backup", filepath.Join(h.dir, "mine.db")}, {"compact"}, {"restore", backup},
	} {
		h.fails(1, "ravi is a reviewer; only a", append(args, "--user", "ravi")...)
	}
	h.fails(1, "lena is a lead; only an admin may compact the database", "compact", "--user", "lena")
	h.ok("export", "--user", "lena")
	h.ok("workload", "--user", "lena")
	h.ok("compact")
	h.ok("restore", backup)
}

// docket copy moves the whole database to PostgreSQL and back, saying
// how far it is on a terminal; backup and restore work on PostgreSQL too.
func TestCopyCommand(t *testing.T) {
	h := newHarness(t)
	h.ok("case", "create", "--workflow", "default", "--assign", "ada")
	h.ok("case", "comment", "CASE-1", "called the bank")
	h.fails(2, "copy needs --to", "copy")
	server := pgtest.DB(t)
	out := h.ok("copy", "--to", server)
	if !strings.Contains(out, "copied "+h.env["DOCKET_DB"]+" to postgres://") || !strings.Contains(out, ": 1 cases (2 audit events, 1 comments)") {
		t.Fatalf("copy printed %q", out)
	}
	h.fails(1, "empty database", "copy", "--to", server)
	if out := h.ok("--db", server, "check"); !strings.Contains(out, "no problems") {
		t.Fatalf("check on the copy: %q", out)
	}

	// Back, with the progress line a terminal gets.
	back := filepath.Join(h.dir, "back.db")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"copy", "--from", server, "--to", back}, Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		StderrIsTerminal: true, Getenv: func(k string) string { return h.env[k] }})
	if code != 0 || !strings.Contains(stderr.String(), "copying cases: 1 of 1") {
		t.Fatalf("copy back: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	h.fails(1, "exists", "copy", "--from", server, "--to", back)
	if a, b := h.ok("export"), h.ok("--db", back, "export"); a != b {
		t.Fatalf("the export after the round trip:\n%s\nwant\n%s", b, a)
	}

	backup := filepath.Join(h.dir, "pg-backup.db")
	if out := h.ok("--db", server, "backup", backup); !strings.Contains(out, "(verified)") || strings.Contains(out, "password") {
		t.Fatalf("backup on PostgreSQL printed %q", out)
	}
	fresh := pgtest.DB(t)
	if out := h.ok("--db", fresh, "restore", backup); !strings.Contains(out, "restored postgres://") {
		t.Fatalf("restore on PostgreSQL printed %q", out)
	}
	if list := h.ok("--db", fresh, "case", "list", "--queue", "all"); !strings.Contains(list, "CASE-1") {
		t.Fatalf("after restore:\n%s", list)
	}
}
