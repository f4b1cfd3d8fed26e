package cli_test

// Two docket serve processes on one PostgreSQL database, as a team runs
// them behind a load balancer: the real binary started twice, each with
// its own SSH and HTTP ports, host key and log, both on one fresh database
// (store/pgtest; the tests skip without DOCKET_TEST_PG). What the issue
// asks of many processes on one database is checked across the two:
// live updates (LISTEN/NOTIFY reaching the other server's sessions),
// case next from 50 concurrent pullers without a duplicate, and
// concurrent decisions on one case resolved by its version.
//
// Under -race the servers are built with -race too, and a race they
// report fails the test. DOCKET_PULL_CASES sets how many unassigned cases
// the 50 pullers share (default 300):
//
//	DOCKET_TEST_PG=postgres://… DOCKET_PULL_CASES=2000 go test -run TestTwoServers -v ./ui/cli/

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"docket/model"
	"docket/store"
	"docket/store/demo"
	"docket/store/pgtest"
	"docket/ui/termtest"
)

// pgPair is two docket serve processes on one PostgreSQL database, the
// keys and tokens of the users the tests act as, and a store of the
// test's own on the same database to look at what they did.
type pgPair struct {
	t       *testing.T
	d       *docket
	dsn     string
	st      *store.Store
	servers [2]*pgServer
	keys    map[string]gossh.Signer // user -> SSH key
	tokens  map[string]string       // user -> API token
}

// pgServer is one docket serve process.
type pgServer struct {
	name     string // a or b
	ssh, web string // its addresses
	cmd      *exec.Cmd
	out, log *lockedBuffer // its standard output and error (the log)
	exited   chan struct{} // closed when the process has ended
	waitErr  error
}

// lockedBuffer is a bytes.Buffer a process writes while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// newPGPair makes a small demo on a fresh database (its users, workflows
// and 60 cases), gives the users named (demo users, or new reviewers of
// both teams) SSH keys and the demo's leads lena and me API tokens, and
// starts two servers on it.
func newPGPair(t *testing.T, users ...string) *pgPair {
	t.Helper()
	d := newDocket(t)
	dsn := pgtest.DB(t)
	if _, err := demo.Generate(dsn, demo.Options{Cases: 60, Seed: 1, OSUser: "me"}); err != nil {
		t.Fatalf("demo on PostgreSQL: %v", err)
	}
	st, err := store.Open(dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	p := &pgPair{t: t, d: d, dsn: dsn, st: st, keys: map[string]gossh.Signer{}, tokens: map[string]string{}}
	for _, name := range users {
		if _, err := st.User(name); errors.Is(err, model.ErrNotFound) {
			err = st.AddUser(demo.Admin, model.User{Name: name, Role: model.RoleReviewer, Teams: []string{"team-1", "team-2"}})
			if err != nil {
				t.Fatal(err)
			}
		} else if err != nil {
			t.Fatal(err)
		}
		signer := userKey(t)
		if _, err := st.AddUserKey(demo.Admin, name, string(gossh.MarshalAuthorizedKey(signer.PublicKey()))); err != nil {
			t.Fatalf("key for %s: %v", name, err)
		}
		p.keys[name] = signer
	}
	for _, name := range []string{"lena", "me"} {
		tok, err := st.CreateToken(demo.Admin, name, "two-process test", 0)
		if err != nil {
			t.Fatal(err)
		}
		p.tokens[name] = tok.Token
	}
	bin := d.bin
	if raceBuild() {
		bin = raceDocket(t)
		t.Log("the servers are built with -race")
	}
	for i, name := range []string{"a", "b"} {
		p.servers[i] = p.start(bin, name)
	}
	for _, s := range p.servers {
		p.waitReady(s)
	}
	// Both servers listen for the other's changes before anything is
	// decided: their LISTEN connections are in pg_stat_activity, named
	// by the application_name each server's DSN gives.
	conn := pgtest.Conn(t, dsn)
	waitFor(t, 10*time.Second, "both servers listening on docket_changes", p.logs, func() bool {
		var n int
		err := conn.QueryRow(context.Background(), `SELECT count(DISTINCT application_name) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name LIKE 'docket-serve-%' AND query = 'LISTEN docket_changes'`).Scan(&n)
		return err == nil && n == 2
	})
	return p
}

// start starts docket serve as name, on the pair's database.
func (p *pgPair) start(bin, name string) *pgServer {
	t := p.t
	s := &pgServer{name: name, ssh: freePort(t), web: freePort(t), out: &lockedBuffer{}, log: &lockedBuffer{}, exited: make(chan struct{})}
	u, err := url.Parse(p.dsn) // docket takes a server's DSN as a URL
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", "docket-serve-"+name)
	u.RawQuery = q.Encode()
	dsn := u.String()
	dir := filepath.Join(p.d.dir, "serve-"+name)
	s.cmd = p.d.command("admin", "--db", dsn, "serve", "--ssh", s.ssh, "--http", s.web,
		"--host-key", filepath.Join(dir, "host_key"), "--log", filepath.Join(p.d.dir, "serve-"+name+".log"), "--api-rate", "0")
	s.cmd.Path = bin
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start server %s: %v", name, err)
	}
	go func() { s.waitErr = s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(func() { p.stop(s) })
	return s
}

// stop ends a server with SIGTERM, as an operator does: it must exit 0,
// and a race-built one must have seen no data race.
func (p *pgPair) stop(s *pgServer) {
	t := p.t
	select {
	case <-s.exited:
		t.Errorf("server %s had ended before the test did: %v\n%s", s.name, s.waitErr, s.log.String())
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(40 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
		t.Errorf("server %s did not stop within 40 s of SIGTERM\n%s", s.name, s.log.String())
		return
	}
	log := s.log.String()
	if s.waitErr != nil {
		t.Errorf("server %s after SIGTERM: %v\n%s", s.name, s.waitErr, log)
	}
	if strings.Contains(log, "DATA RACE") {
		t.Errorf("server %s reported a data race:\n%s", s.name, log)
	}
	if !strings.Contains(log, "shutting down") {
		t.Errorf("server %s's log does not say it shut down:\n%s", s.name, log)
	}
}

// waitReady waits until the server answers on SSH and HTTP.
func (p *pgPair) waitReady(s *pgServer) {
	waitFor(p.t, 20*time.Second, "server "+s.name+" to answer", p.logs, func() bool {
		select {
		case <-s.exited:
			p.t.Fatalf("server %s exited at start: %v\n%s", s.name, s.waitErr, s.log.String())
		default:
		}
		c, err := net.Dial("tcp", s.ssh)
		if err != nil {
			return false
		}
		c.Close()
		res, err := http.Get("http://" + s.web + "/api/v1/cases")
		if err != nil {
			return false
		}
		res.Body.Close()
		return true
	})
}

// logs is what both servers have said, for a failure's message.
func (p *pgPair) logs() string {
	var b strings.Builder
	for _, s := range p.servers {
		if s != nil {
			fmt.Fprintf(&b, "--- server %s:\n%s", s.name, tail(s.log.String(), 4000))
		}
	}
	return b.String()
}

// dial connects to server i as user.
func (p *pgPair) dial(i int, user string) *gossh.Client {
	p.t.Helper()
	c, err := gossh.Dial("tcp", p.servers[i].ssh, &gossh.ClientConfig{
		User: "anyone", Auth: []gossh.AuthMethod{gossh.PublicKeys(p.keys[user])},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second,
	})
	if err != nil {
		p.t.Fatalf("ssh to server %s as %s: %v", p.servers[i].name, user, err)
	}
	p.t.Cleanup(func() { c.Close() })
	return c
}

// sshRun runs a command over an SSH connection: its exit status and
// streams, or an error when the session itself failed.
func sshRun(c *gossh.Client, args ...string) (int, string, string, error) {
	sess, err := c.NewSession()
	if err != nil {
		return 0, "", "", err
	}
	defer sess.Close()
	var out, errOut bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &errOut
	for i, a := range args {
		args[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	err = sess.Run(strings.Join(args, " "))
	var exit *gossh.ExitError
	switch {
	case err == nil:
		return 0, out.String(), errOut.String(), nil
	case errors.As(err, &exit):
		return exit.ExitStatus(), out.String(), errOut.String(), nil
	}
	return 0, out.String(), errOut.String(), err
}

// api calls server i's HTTP API as user, with an If-Match when ifMatch is
// not empty: the status, the body and the ETag.
func (p *pgPair) api(i int, user, method, path, body, ifMatch string) (int, string, string, error) {
	req, err := http.NewRequest(method, "http://"+p.servers[i].web+path, strings.NewReader(body))
	if err != nil {
		return 0, "", "", err
	}
	req.Header.Set("Authorization", "Bearer "+p.tokens[user])
	req.Header.Set("Content-Type", "application/json")
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	return res.StatusCode, string(raw), res.Header.Get("ETag"), err
}

func waitFor(t *testing.T, within time.Duration, what string, logs func() string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("gave up waiting for %s after %s\n%s", what, within, logs())
}

func userKey(t *testing.T) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return signer
}

// raceBuild says whether this test binary was built with -race.
func raceBuild() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// raced is docket built with -race, once, beside the plain build.
var raced struct {
	once sync.Once
	bin  string
	err  error
}

func raceDocket(t *testing.T) string {
	t.Helper()
	raced.once.Do(func() {
		gomod, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			raced.err = fmt.Errorf("go env GOMOD: %v", err)
			return
		}
		raced.bin = filepath.Join(built.dir, "docket-race") // removed with the plain build by TestMain
		build := exec.Command("go", "build", "-race", "-o", raced.bin, "docket")
		build.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
		if out, err := build.CombinedOutput(); err != nil {
			raced.err = fmt.Errorf("go build -race docket: %v\n%s", err, out)
		}
	})
	if raced.err != nil {
		t.Fatal(raced.err)
	}
	return raced.bin
}

// pgTerminal is a workstation over SSH: a PTY and what has been drawn.
type pgTerminal struct {
	t  *testing.T
	in io.Writer
	*termtest.Screen
}

// workstation opens a workstation on server i as user.
func (p *pgPair) workstation(i int, user string) *pgTerminal {
	t := p.t
	t.Helper()
	sess, err := p.dial(i, user).NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	if err := sess.RequestPty("xterm-256color", 45, 170, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	term := &pgTerminal{t: t}
	if term.in, err = sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	term.Screen = termtest.New(term.in)
	out, err := sess.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	go term.Read(out)
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	return term
}

// waitFor waits until the text drawn after mark holds every one of want,
// and says how long that took.
func (term *pgTerminal) waitFor(mark int, within time.Duration, want ...string) time.Duration {
	term.t.Helper()
	began := time.Now()
	for time.Since(began) < within {
		text := term.Since(mark)
		if !slices.ContainsFunc(want, func(w string) bool { return !strings.Contains(text, w) }) {
			return time.Since(began)
		}
		time.Sleep(10 * time.Millisecond)
	}
	term.t.Fatalf("the screen never showed %q within %s; it shows:\n%s", want, within, tail(term.Since(mark), 3000))
	return 0
}

func (term *pgTerminal) keys(s string) {
	term.t.Helper()
	if _, err := io.WriteString(term.in, s); err != nil {
		term.t.Fatal(err)
	}
}

// newCases makes n cases through the test's own store, as lena: of the
// workflows named in turn, assigned to assignee ("" for nobody).
func (p *pgPair) newCases(n int, assignee string, workflows ...string) []*model.Case {
	p.t.Helper()
	var out []*model.Case
	for i := range n {
		c, err := p.st.CreateCase("lena", store.NewCase{Workflow: workflows[i%len(workflows)], Assignee: assignee,
			Fields: json.RawMessage(`{"made":"by the two-process test"}`)})
		if err != nil {
			p.t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// liveWithin is how soon a decision in one server must show in the other
// server's sessions.
const liveWithin = time.Second

// A decision made through one server shows in a workstation on the other
// within a second, without a keystroke: the case pane says who decided it
// and the header's Open count drops. Both ways: a decision over HTTP on
// server a reaches a session on b, one over SSH on b a session on a.
func TestTwoServersLiveUpdates(t *testing.T) {
	p := newPGPair(t, "lena", "me")
	cases := p.newCases(2, "ravi", "default")
	for i, dir := range []struct {
		decideOn, watchOn int
		watcher, decider  string
		viaHTTP           bool
	}{
		{decideOn: 0, watchOn: 1, watcher: "lena", decider: "me", viaHTTP: true},
		{decideOn: 1, watchOn: 0, watcher: "me", decider: "lena"},
	} {
		from, to := p.servers[dir.decideOn].name, p.servers[dir.watchOn].name
		c := cases[i]
		term := p.workstation(dir.watchOn, dir.watcher)
		term.waitFor(0, 10*time.Second, "docket "+dir.watcher)
		open, err := p.st.Count(context.Background(), store.Query{Queue: store.QueueOpen})
		if err != nil {
			t.Fatal(err)
		}
		mark := term.Len()
		term.keys(":" + c.Name + "\r") // the watcher looks at the case
		term.waitFor(mark, 10*time.Second, c.Name+"  Open", fmt.Sprintf("Open %d", open))

		mark = term.Len()
		began := time.Now()
		if dir.viaHTTP {
			code, body, _, err := p.api(dir.decideOn, dir.decider, "POST", "/api/v1/cases/"+c.ID+"/set-status", `{"meta":{"status":"Approved"}}`, "")
			if err != nil || code != 200 {
				t.Fatalf("approve %s over HTTP on server %s: %d %v %s", c.Name, from, code, err, body)
			}
		} else {
			code, out, errOut, err := sshRun(p.dial(dir.decideOn, dir.decider), "case", "status", c.Name, "Approved")
			if err != nil || code != 0 {
				t.Fatalf("approve %s over SSH on server %s: exit %d %v %s %s", c.Name, from, code, err, out, errOut)
			}
		}
		decided := time.Since(began)
		took := term.waitFor(mark, 10*time.Second, "decided by "+dir.decider, fmt.Sprintf("Open %d", open-1))
		took += decided
		t.Logf("%s approved on server %s (%s); server %s's session showed it %s after the request was sent",
			c.Name, from, decided.Round(time.Millisecond), to, took.Round(time.Millisecond))
		if took > liveWithin {
			t.Errorf("server %s's session showed a decision made on server %s after %s; want within %s",
				to, from, took.Round(time.Millisecond), liveWithin)
		}
		if got, err := p.st.Case(c.ID); err != nil || got.Status != "Approved" || got.Resolver != dir.decider {
			t.Fatalf("%s after the decision: %+v %v", c.Name, got, err)
		}
	}
}

// case next from 50 pullers at once, 25 on each server, each its own
// user over SSH, until no case is left: every case that was unassigned
// and open is handed out exactly once, to the puller the database then
// names as its assignee, with one claim in its trail.
func TestTwoServersCaseNextFiftyPullers(t *testing.T) {
	const pullers = 50
	var names []string
	for i := range pullers {
		names = append(names, fmt.Sprintf("p%02d", i))
	}
	p := newPGPair(t, names...)
	p.newCases(pullCases(t), "", "default", "review", "two-team", "pipeline")
	before, err := p.st.IDs(store.Query{Queue: store.QueueUnassigned, Limit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(before) < 2*pullers {
		t.Fatalf("only %d unassigned cases to pull", len(before))
	}
	type pulled struct{ id, name, by, server string }
	var (
		mu     sync.Mutex
		got    []pulled
		errs   []string
		served [2]int
		wg     sync.WaitGroup
	)
	start := make(chan struct{})
	clients := make([]*gossh.Client, pullers)
	for i, name := range names {
		clients[i] = p.dial(i%2, name) // connected before the start, so the pulls overlap
	}
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for {
				code, out, errOut, err := sshRun(clients[i], "case", "next", "--json")
				if err == nil && code == 1 && strings.Contains(errOut, "no unassigned case that "+name+" may take") {
					return
				}
				var c struct{ ID, Name, Assignee string }
				if err == nil && code == 0 {
					err = json.Unmarshal([]byte(out), &c)
				}
				mu.Lock()
				if err != nil || code != 0 {
					errs = append(errs, fmt.Sprintf("%s on server %s: exit %d %v %s %s", name, p.servers[i%2].name, code, err, out, errOut))
					mu.Unlock()
					return
				}
				got = append(got, pulled{c.ID, c.Name, name, p.servers[i%2].name})
				served[i%2]++
				mu.Unlock()
				if c.Assignee != name {
					mu.Lock()
					errs = append(errs, fmt.Sprintf("%s pulled %s, which says it is %s's", name, c.Name, c.Assignee))
					mu.Unlock()
				}
			}
		}()
	}
	began := time.Now()
	close(start)
	wg.Wait()
	took := time.Since(began)
	for _, e := range errs {
		t.Error(e)
	}
	t.Logf("%d cases pulled by %d pullers in %s (%.0f cases/s): %d through server a, %d through server b",
		len(got), pullers, took.Round(time.Millisecond), float64(len(got))/took.Seconds(), served[0], served[1])
	byID := map[string]pulled{}
	for _, g := range got {
		if other, dup := byID[g.id]; dup {
			t.Errorf("%s was handed out twice: to %s on server %s and to %s on server %s", g.name, other.by, other.server, g.by, g.server)
		}
		byID[g.id] = g
	}
	for _, id := range before {
		if _, ok := byID[id]; !ok {
			t.Errorf("unassigned case %s was never handed out", id)
		}
	}
	if len(byID) != len(before) {
		t.Errorf("%d cases handed out; %d were unassigned", len(byID), len(before))
	}
	// The database agrees: nothing is left unassigned, each case is its
	// puller's, claimed once.
	if left, err := p.st.IDs(store.Query{Queue: store.QueueUnassigned, Limit: 10}); err != nil || len(left) != 0 {
		t.Errorf("still unassigned after the pull: %v %v", left, err)
	}
	for _, g := range got {
		d, err := p.st.CaseDetail(g.id)
		if err != nil {
			t.Fatal(err)
		}
		claims := 0
		for _, ev := range d.Events {
			if ev.Kind == model.EventClaimed {
				claims++
			}
		}
		if d.Case.Assignee != g.by || claims != 1 || len(d.Broken) > 0 {
			t.Errorf("%s: assignee %q (pulled by %s), %d claims, broken %v", g.name, d.Case.Assignee, g.by, claims, d.Broken)
		}
	}
}

// Two clients, one on each server, decide one case from the same version
// at once: exactly one wins, the other is refused for the version (HTTP
// 412 with the store's words; over SSH --expect-version's exit 1), and
// the trail holds one event for the two attempts.
func TestTwoServersConcurrentDecisionsResolveByVersion(t *testing.T) {
	p := newPGPair(t, "lena", "me")
	const rounds = 6
	var ids []string
	for _, c := range p.newCases(2*rounds, "ravi", "default") {
		ids = append(ids, c.ID)
	}
	// Client i acts on server i, as user[i], moving the case to status[i].
	status := [2]string{"Approved", "Pending"}
	user := [2]string{"lena", "me"}
	var wins [2]int
	// attempt is one client's try: did it win, and what it was told.
	type attempt struct {
		won  bool
		said string
	}
	race := func(id string, try func(i int, version int64) attempt) {
		t.Helper()
		d, err := p.st.CaseDetail(id)
		if err != nil {
			t.Fatal(err)
		}
		version, events := d.Case.Version, len(d.Events)
		var got [2]attempt
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				got[i] = try(i, version)
			}()
		}
		close(start)
		wg.Wait()
		if got[0].won == got[1].won {
			t.Fatalf("%s from version %d on both servers: a won %t (%s), b won %t (%s); want exactly one", d.Case.Name, version,
				got[0].won, got[0].said, got[1].won, got[1].said)
		}
		winner := 0
		if got[1].won {
			winner = 1
		}
		wins[winner]++
		loser := got[1-winner]
		if !strings.Contains(loser.said, d.Case.Name+" was changed by") || !strings.Contains(loser.said, fmt.Sprintf("you had %d", version)) {
			t.Errorf("the refused decision on %s says %q; want the store's version refusal", d.Case.Name, loser.said)
		}
		after, err := p.st.CaseDetail(id)
		if err != nil {
			t.Fatal(err)
		}
		if after.Case.Version != version+1 || len(after.Events) != events+1 || len(after.Broken) > 0 {
			t.Fatalf("%s after the race: version %d (was %d), %d events (were %d), broken %v; want one change",
				d.Case.Name, after.Case.Version, version, len(after.Events), events, after.Broken)
		}
		if ev := after.Events[len(after.Events)-1]; after.Case.Status != status[winner] || ev.Actor != user[winner] || ev.To != status[winner] {
			t.Errorf("%s after %s won on server %s: status %s, last event %s by %s to %s", d.Case.Name, user[winner],
				p.servers[winner].name, after.Case.Status, ev.Kind, ev.Actor, ev.To)
		}
	}
	// Over HTTP: If-Match with the ETag both read.
	for _, id := range ids[:rounds] {
		race(id, func(i int, version int64) attempt {
			code, body, _, err := p.api(i, user[i], "POST", "/api/v1/cases/"+id+"/set-status",
				`{"meta":{"status":"`+status[i]+`"}}`, `"`+strconv.FormatInt(version, 10)+`"`)
			switch {
			case err != nil:
				return attempt{said: err.Error()}
			case code == http.StatusOK:
				return attempt{won: true}
			case code != http.StatusPreconditionFailed:
				return attempt{said: fmt.Sprintf("HTTP %d, not 412: %s", code, body)}
			}
			return attempt{said: body}
		})
	}
	// Over SSH: the command line's --expect-version.
	clients := [2]*gossh.Client{p.dial(0, "lena"), p.dial(1, "me")}
	for _, id := range ids[rounds:] {
		race(id, func(i int, version int64) attempt {
			code, out, errOut, err := sshRun(clients[i], "case", "status", "--expect-version", strconv.FormatInt(version, 10), id, status[i])
			switch {
			case err != nil:
				return attempt{said: err.Error()}
			case code == 0:
				return attempt{won: true}
			case code != 1:
				return attempt{said: fmt.Sprintf("exit %d, not 1: %s %s", code, out, errOut)}
			}
			return attempt{said: errOut}
		})
	}
	t.Logf("%d races on one case each, one client per server: a won %d, b won %d", 2*rounds, wins[0], wins[1])
}

// pullCases is how many unassigned cases the pullers share.
func pullCases(t *testing.T) int {
	v := os.Getenv("DOCKET_PULL_CASES")
	if v == "" {
		return 300
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("DOCKET_PULL_CASES=%q: want a positive number", v)
	}
	return n
}
