//go:build unix

package cli_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestReadCommandsOnAReadOnlyDatabase: with the database file and its
// directory not writable by whoever runs docket, every read command still
// works (it opens the file read-only), a write is refused with a clear
// error, and the file is not touched. Run as root, where permissions do not
// stop writes, the commands run as nobody; a real read-only mount is not
// needed, and the choice itself is tested in TestCannotWrite.
func TestReadCommandsOnAReadOnlyDatabase(t *testing.T) {
	d := newDocket(t)
	dbDir := filepath.Join(d.dir, "data")
	db := filepath.Join(dbDir, "docket.db")
	d.ok("me", "demo", "--no-ui", "--cases", "20", "--db", db)

	fileMode, dirMode := os.FileMode(0o400), os.FileMode(0o500)
	var as *syscall.Credential
	if os.Geteuid() == 0 {
		// Others may read but not write; the commands run as nobody.
		fileMode, dirMode = 0o444, 0o555
		as = &syscall.Credential{Uid: 65534, Gid: 65534}
		for _, dir := range []string{filepath.Dir(d.dir), d.dir, filepath.Dir(d.bin), filepath.Dir(filepath.Dir(d.bin))} {
			mustDo(t, os.Chmod(dir, 0o755))
		}
	}
	mustDo(t, os.Chmod(db, fileMode))
	mustDo(t, os.Chmod(dbDir, dirMode))
	t.Cleanup(func() { os.Chmod(dbDir, 0o700); os.Chmod(db, 0o600) })
	before, err := os.ReadFile(db)
	mustDo(t, err)

	run := func(args ...string) result {
		t.Helper()
		cmd := d.command("me", append([]string{"--db", db}, args...)...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: as}
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		r := result{stdout: out.String(), stderr: errOut.String()}
		if ee, ok := err.(*exec.ExitError); ok {
			r.code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return r
	}
	list := run("case", "list", "--queue", "all")
	if list.code != 0 || !strings.Contains(list.stdout, "CASE-") {
		t.Fatalf("case list: exit %d\n%s%s", list.code, list.stdout, list.stderr)
	}
	name := strings.Fields(strings.Split(list.stdout, "\n")[1])[0]
	for _, args := range [][]string{
		{"case", "list", "--json"}, {"case", "show", name}, {"case", "history", name}, {"user", "list"},
		{"workflow", "list"}, {"workflow", "show", "default"}, {"workload"}, {"stats"}, {"export"}, {"check"},
	} {
		if r := run(args...); r.code != 0 {
			t.Errorf("docket %s on a read-only database: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
	}
	if r := run("case", "comment", name, "hello"); r.code != 1 || !strings.Contains(r.stderr, "permission denied") {
		t.Errorf("a write: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := run("case", "list", "--user", "nobody-here"); r.code != 1 || !strings.Contains(r.stderr, `unknown user "nobody-here"`) {
		t.Errorf("an unknown user: exit %d, stderr %q", r.code, r.stderr)
	}
	if after, _ := os.ReadFile(db); !bytes.Equal(before, after) {
		t.Fatal("the read-only database changed")
	}
	if entries, _ := os.ReadDir(dbDir); len(entries) != 1 {
		t.Fatalf("the read-only directory holds %d files", len(entries))
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
