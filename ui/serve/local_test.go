package serve

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"docket/store"
	"docket/store/demo"
	"docket/ui"
	"docket/ui/cli"
)

// localCLI runs the command line as a local process would, beside the
// holder of the database at path.
func localCLI(path, user, stdin string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	env := cli.Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut, Forwarding: true,
		Getenv: func(k string) string {
			return map[string]string{"DOCKET_DB": path, "DOCKET_USER": user}[k]
		}}
	code := cli.Main(args, env)
	return code, out.String(), errOut.String()
}

// While a process holds the database, the local command line runs through
// it, with the same output and exit status, as the user it names; when no
// one answers on the socket, it opens the file itself.
func TestLocalCommandLineBesideTheHolder(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "demo.db")
	if _, err := demo.Generate(path, demo.Options{Cases: 20, Seed: 1, Now: now, OSUser: "me"}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(path, store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := New(st, Options{Workstation: Workstation(st, ui.Options{})})
	ln, err := ListenLocal(path)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.ServeLocal(ln) }()
	if fi, err := os.Stat(SocketPath(path)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket %v, mode %v", err, fi.Mode())
	}

	code, out, errOut := localCLI(path, "ravi", "", "case", "list", "--json")
	if code != 0 || !strings.Contains(out, `"cases"`) {
		t.Fatalf("case list beside the holder: exit %d %s %s", code, out, errOut)
	}
	page, _ := st.List(store.Query{Queue: store.QueueMine, Actor: "ravi", Limit: 1})
	name := page.Cases[0].Name
	code, _, errOut = localCLI(path, "ravi", "", "--user", "ravi", "case", "comment", name, "through the holder")
	if code != 0 {
		t.Fatalf("comment: exit %d %s", code, errOut)
	}
	d, _ := st.CaseDetail(name)
	if c := d.Comments[len(d.Comments)-1]; c.Body != "through the holder" || c.Author != "ravi" {
		t.Fatalf("the comment is %+v", c)
	}
	// A relative file name is the caller's.
	wd, _ := os.Getwd()
	patch := filepath.Join(t.TempDir(), "patch.json")
	os.WriteFile(patch, []byte(`{"note":"from a file"}`), 0o600)
	rel, _ := filepath.Rel(wd, patch)
	if code, _, errOut := localCLI(path, "ravi", "", "case", "enrich", name, rel); code != 0 {
		t.Fatalf("enrich %s: exit %d %s", rel, code, errOut)
	}
	// Refusals and usage errors keep their exit statuses.
	if code, _, errOut := localCLI(path, "ravi", "", "workload"); code != 1 || !strings.Contains(errOut, "ravi") {
		t.Fatalf("workload as ravi: exit %d %q", code, errOut)
	}
	if code, _, _ := localCLI(path, "ravi", "", "case", "nosuch"); code != 2 {
		t.Fatalf("an unknown command: exit %d", code)
	}

	if err := srv.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	<-done
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// The socket file is still there, but no one answers: the command line
	// opens the database itself.
	if code, out, errOut := localCLI(path, "ravi", "", "case", "history", name); code != 0 || !strings.Contains(out, "through the holder") {
		t.Fatalf("after the holder left: exit %d %s %s", code, out, errOut)
	}
}
