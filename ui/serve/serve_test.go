package serve

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	gossh "golang.org/x/crypto/ssh"

	"docket/model"
	"docket/store"
	"docket/store/demo"
	"docket/ui"
	"docket/ui/termtest"
)

// now is the fixed clock of the server tests.
var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii)
	m.Run()
}

// testServer is a server on a loopback port, and a key for each of its
// users.
type testServer struct {
	t    testing.TB
	st   *store.Store
	srv  *Server
	addr string
	keys map[string]gossh.Signer // user -> key
	done chan error
}

// newTestServer serves a new demo database of the given size.
func newTestServer(t *testing.T, cases int) *testServer {
	t.Helper()
	path := filepath.Join(t.TempDir(), "demo.db")
	if _, err := demo.Generate(path, demo.Options{Cases: cases, Seed: 1, Now: now, OSUser: "me"}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(path, store.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return startServer(t, st, func() time.Time { return now })
}

// startServer serves st on a loopback port until the test ends.
func startServer(t testing.TB, st *store.Store, clock func() time.Time) *testServer {
	t.Helper()
	ts := &testServer{t: t, st: st, keys: map[string]gossh.Signer{}, done: make(chan error, 1)}
	byKey := map[string]string{}
	users, err := st.Users()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		signer := newKey(t)
		ts.keys[u.Name] = signer
		byKey[string(signer.PublicKey().Marshal())] = u.Name
	}
	ts.srv, err = New(st, Options{
		HostKeyPath: filepath.Join(t.TempDir(), "host_key"),
		Identify: func(k gossh.PublicKey) (model.User, error) {
			if name, ok := byKey[string(k.Marshal())]; ok {
				return st.User(name) // as it is now
			}
			return model.User{}, model.NotFoundf("no such key")
		},
		Workstation: Workstation(st, ui.Options{Now: clock}),
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.addr = ln.Addr().String()
	go func() { ts.done <- ts.srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		ts.srv.Shutdown(ctx)
		<-ts.done
		st.Close()
	})
	return ts
}

func newKey(t testing.TB) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// dial connects as the holder of key.
func (ts *testServer) dial(key gossh.Signer) *gossh.Client {
	ts.t.Helper()
	c, err := gossh.Dial("tcp", ts.addr, &gossh.ClientConfig{
		User:            "anyone", // the key says who
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         5 * time.Second,
	})
	if err != nil {
		ts.t.Fatal(err)
	}
	ts.t.Cleanup(func() { c.Close() })
	return c
}

// run runs a command over SSH as user and returns its exit status and
// streams.
func (ts *testServer) run(user, stdin string, args ...string) (int, string, string) {
	ts.t.Helper()
	return runWith(ts.t, ts.dial(ts.keys[user]), stdin, args...)
}

func runWith(t testing.TB, c *gossh.Client, stdin string, args ...string) (int, string, string) {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var out, errOut bytes.Buffer
	sess.Stdin, sess.Stdout, sess.Stderr = strings.NewReader(stdin), &out, &errOut
	err = sess.Run(shellQuote(args))
	var exit *gossh.ExitError
	switch {
	case err == nil:
		return 0, out.String(), errOut.String()
	case errors.As(err, &exit):
		return exit.ExitStatus(), out.String(), errOut.String()
	}
	t.Fatalf("ssh %v: %v", args, err)
	return 0, "", ""
}

// shellQuote joins arguments as an ssh client would send them.
func shellQuote(args []string) string {
	var parts []string
	for _, a := range args {
		parts = append(parts, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	return strings.Join(parts, " ")
}

// A connection is the user its key belongs to; a key no one has is told
// how to be let in.
func TestKeyIsIdentity(t *testing.T) {
	ts := newTestServer(t, 20)
	code, out, _ := ts.run("ravi", "", "case", "list", "--json")
	if code != 0 || !strings.Contains(out, `"cases"`) {
		t.Fatalf("case list as ravi: exit %d %s", code, out)
	}
	for user, want := range map[string]string{"ravi": "ravi (reviewer)", "lena": "lena (lead)"} {
		code, out, errOut := ts.run(user, "", "user", "list")
		if code != 0 || !strings.Contains(out, "NAME") {
			t.Fatalf("user list as %s: exit %d %s %s", user, code, out, errOut)
		}
		_ = want
	}
	// A reviewer's key cannot do a lead's work.
	code, _, errOut := ts.run("ravi", "", "workload")
	if code != 1 || !strings.Contains(errOut, "ravi") {
		t.Fatalf("workload as ravi: exit %d %s", code, errOut)
	}
	stranger := newKey(t)
	code, _, errOut = runWith(t, ts.dial(stranger), "", "case", "list")
	if code != 1 || !strings.Contains(errOut, "this key is not registered; ask an admin to run: docket user key add NAME") ||
		!strings.Contains(errOut, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(stranger.PublicKey())))) {
		t.Fatalf("an unknown key: exit %d %q", code, errOut)
	}
}

// Password and keyboard-interactive logins are not offered.
func TestOnlyKeysLogIn(t *testing.T) {
	ts := newTestServer(t, 5)
	_, err := gossh.Dial("tcp", ts.addr, &gossh.ClientConfig{
		User:            "ravi",
		Auth:            []gossh.AuthMethod{gossh.Password("ravi"), gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return []string{"x"}, nil })},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         5 * time.Second,
	})
	if err == nil {
		t.Fatal("a password let someone in")
	}
}

// Commands over SSH run the same command line as the local binary, as the
// key's user: exit statuses, standard input, and refusals of what does not
// fit a remote caller.
func TestCommandsOverSSH(t *testing.T) {
	ts := newTestServer(t, 30)
	page, err := ts.st.List(store.Query{Queue: store.QueueMine, Actor: "ravi", Limit: 1})
	if err != nil || len(page.Cases) == 0 {
		t.Fatalf("ravi has no case: %v", err)
	}
	name := page.Cases[0].Name

	code, out, errOut := ts.run("ravi", "", "case", "comment", name, "checked over ssh")
	if code != 0 {
		t.Fatalf("comment: exit %d %s %s", code, out, errOut)
	}
	d, err := ts.st.CaseDetail(name)
	if err != nil {
		t.Fatal(err)
	}
	last := d.Comments[len(d.Comments)-1]
	if last.Body != "checked over ssh" || last.Author != "ravi" {
		t.Fatalf("the comment is %+v", last)
	}
	// Standard input carries a file.
	code, out, errOut = ts.run("ravi", `{"note":"from stdin"}`, "case", "enrich", name, "-")
	if code != 0 {
		t.Fatalf("enrich -: exit %d %s %s", code, out, errOut)
	}
	if c, _ := ts.st.CaseDetail(name); !strings.Contains(string(c.Case.Fields), "from stdin") {
		t.Fatalf("fields %s", c.Case.Fields)
	}
	// Usage errors exit 2, refusals 1.
	if code, _, _ := ts.run("ravi", "", "case", "frobnicate"); code != 2 {
		t.Fatalf("an unknown command: exit %d", code)
	}
	if code, _, errOut := ts.run("ravi", "", "case", "status", name, "Nowhere"); code != 1 || errOut == "" {
		t.Fatalf("a refused move: exit %d %q", code, errOut)
	}
	// Identity and the database are the server's to say.
	for _, args := range [][]string{{"--user", "lena", "case", "list"}, {"case", "list", "--db", "/tmp/other.db"}} {
		code, _, errOut := ts.run("ravi", "", args...)
		if code != 2 || !strings.Contains(errOut, "--db and --user are not taken here: this runs as ravi") {
			t.Fatalf("%v: exit %d %q", args, code, errOut)
		}
	}
	// The server's files are out of reach.
	for _, args := range [][]string{{"case", "enrich", name, "/etc/passwd"}, {"import", "/etc/hosts"}, {"export", "--out", "/tmp/x.jsonl"}} {
		code, _, errOut := ts.run("lena", "", args...)
		if code != 2 || !strings.Contains(errOut, "over SSH the server's files are out of reach") {
			t.Fatalf("%v: exit %d %q", args, code, errOut)
		}
	}
	// What needs the database to itself is refused.
	if code, _, errOut := ts.run("admin", "", "compact"); code != 1 || !strings.Contains(errOut, "needs the database to itself") {
		t.Fatalf("compact: exit %d %q", code, errOut)
	}
	// An export comes back on standard output, exactly.
	code, out, _ = ts.run("lena", "", "export")
	if code != 0 || strings.Count(out, "\n") != 30 {
		t.Fatalf("export: exit %d, %d lines", code, strings.Count(out, "\n"))
	}
	// A backup too, verified; it opens as a database.
	code, out, errOut = ts.run("admin", "", "backup", "-")
	if code != 0 || len(out) < 4096 {
		t.Fatalf("backup -: exit %d, %d bytes %s", code, len(out), errOut)
	}
}

// terminal is a workstation session: a PTY, a shell, and what the server
// has drawn so far.
type terminal struct {
	t    testing.TB
	sess *gossh.Session
	in   io.WriteCloser
	*termtest.Screen
}

func (ts *testServer) workstation(user string, w, h int, env ...string) *terminal {
	ts.t.Helper()
	sess, err := ts.dial(ts.keys[user]).NewSession()
	if err != nil {
		ts.t.Fatal(err)
	}
	termName := "xterm-256color"
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if k == "TERM" {
			termName = v // what the client says its terminal is
			continue
		}
		if err := sess.Setenv(k, v); err != nil {
			ts.t.Fatal(err)
		}
	}
	if err := sess.RequestPty(termName, h, w, gossh.TerminalModes{}); err != nil {
		ts.t.Fatal(err)
	}
	term := &terminal{t: ts.t, sess: sess}
	if term.in, err = sess.StdinPipe(); err != nil {
		ts.t.Fatal(err)
	}
	term.Screen = termtest.New(term.in)
	out, err := sess.StdoutPipe()
	if err != nil {
		ts.t.Fatal(err)
	}
	go term.Read(out)
	if err := sess.Shell(); err != nil {
		ts.t.Fatal(err)
	}
	ts.t.Cleanup(func() { sess.Close() })
	return term
}

// waitFor waits until the drawn text holds want.
func (term *terminal) waitFor(want string, within time.Duration) {
	term.t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if strings.Contains(term.Text(), want) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	term.t.Fatalf("the screen never showed %q; it shows:\n%s", want, tail(term.Text(), 3000))
}

func (term *terminal) keys(s string) {
	term.t.Helper()
	if _, err := io.WriteString(term.in, s); err != nil {
		term.t.Fatal(err)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// Two workstations on one server: what one decides, the other shows
// without a keystroke.
func TestTwoWorkstationsLive(t *testing.T) {
	ts := newTestServer(t, 40)
	c := openDefaultCase(t, ts.st, "me")
	mine := ts.workstation("me", 160, 45)
	theirs := ts.workstation("lena", 160, 45)
	mine.waitFor("docket me", 5*time.Second)
	theirs.waitFor("docket lena", 5*time.Second)
	theirs.keys(":" + c.Name + "\r") // lena looks at me's case
	theirs.waitFor(c.Name+"  "+c.Status, 5*time.Second)
	mine.keys(":" + c.Name + "\r")
	mine.waitFor(c.Name+"  "+c.Status, 5*time.Second)
	mine.keys("A") // approve, then confirm
	mine.waitFor("Approved?", 5*time.Second)
	mine.keys("y")
	theirs.waitFor("decided by me", 5*time.Second)
	if got, _ := ts.st.Case(c.Name); got.Status != "Approved" || got.Resolver != "me" {
		t.Fatalf("%s is %s, by %q", c.Name, got.Status, got.Resolver)
	}
}

// openDefaultCase is an open case of the default workflow assigned to user.
func openDefaultCase(t *testing.T, st *store.Store, user string) *model.Case {
	t.Helper()
	page, err := st.List(store.Query{Queue: store.QueueMine, Actor: user, Workflow: "default", Limit: 1})
	if err != nil || len(page.Cases) == 0 {
		t.Fatalf("%s has no open default case: %v", user, err)
	}
	return page.Cases[0]
}

// Shutting down with a workstation open tells it, and a command's write
// that was confirmed is in the database.
func TestShutdownKeepsConfirmedWrites(t *testing.T) {
	ts := newTestServer(t, 20)
	page, _ := ts.st.List(store.Query{Queue: store.QueueMine, Actor: "ravi", Limit: 1})
	name := page.Cases[0].Name
	term := ts.workstation("ravi", 120, 40)
	term.waitFor("docket ravi", 5*time.Second)
	if code, _, errOut := ts.run("ravi", "", "case", "comment", name, "before shutdown"); code != 0 {
		t.Fatalf("comment: %d %s", code, errOut)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	term.waitFor("server shutting down", 5*time.Second)
	d, err := ts.st.CaseDetail(name)
	if err != nil {
		t.Fatal(err)
	}
	if d.Comments[len(d.Comments)-1].Body != "before shutdown" {
		t.Fatal("a confirmed comment is missing after shutdown")
	}
}

// Each workstation draws in its own client's colours: a truecolor client
// next to a NO_COLOR one and a 16-colour one.
func TestEachSessionHasItsOwnColours(t *testing.T) {
	ts := newTestServer(t, 20)
	truecolor := ts.workstation("ravi", 120, 40, "COLORTERM=truecolor")
	plain := ts.workstation("me", 120, 40, "NO_COLOR=1")
	sixteen := ts.workstation("kai", 120, 40, "TERM=xterm")
	for _, term := range []*terminal{truecolor, plain, sixteen} {
		term.waitFor("docket", 5*time.Second)
	}
	time.Sleep(300 * time.Millisecond)
	raw := func(term *terminal) string { return term.Raw() }
	if !regexp.MustCompile(`\x1b\[[0-9;]*38;2;`).MatchString(raw(truecolor)) {
		t.Errorf("the truecolor session has no 24-bit colour")
	}
	if regexp.MustCompile(`\x1b\[[0-9;]*(3[0-7]|9[0-7]|38;[25];)[;m]`).MatchString(raw(plain)) {
		t.Errorf("the NO_COLOR session has colour")
	}
	if !strings.Contains(plain.Text(), "▶") {
		t.Errorf("the NO_COLOR session does not mark the selected row")
	}
	if regexp.MustCompile(`\x1b\[[0-9;]*38;[25];`).MatchString(raw(sixteen)) {
		t.Errorf("the 16-colour session has 256 or 24-bit colour")
	}
	if !regexp.MustCompile(`\x1b\[[0-9;]*(3[0-7]|9[0-7])m`).MatchString(raw(sixteen)) {
		t.Errorf("the 16-colour session has no colour at all")
	}
}

// A window change reaches the session's workstation, which draws to the
// new size.
func TestResize(t *testing.T) {
	ts := newTestServer(t, 20)
	term := ts.workstation("me", 100, 30)
	term.waitFor("docket me", 5*time.Second)
	if err := term.sess.WindowChange(40, 160); err != nil {
		t.Fatal(err)
	}
	// The wider screen has room for the reviewer tabs' counts and more.
	term.waitFor("ravi", 5*time.Second)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		lines := strings.Split(term.Text(), "\n")
		for _, l := range lines {
			if len([]rune(strings.TrimRight(l, " "))) > 100 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no line wider than the first window was drawn after the resize")
}
