package cli_test

// Crash-safety tests against the real binary: docket is built once, then
// run as subprocesses that are killed (SIGKILL on Unix) at random moments.
// After every kill `docket check` must pass; an import re-run after kills
// must end with exactly what a clean import holds; a burst of CLI writes
// under a concurrent killer must leave every command that exited 0 wholly
// applied and every killed one wholly applied or wholly absent.
//
//	DOCKET_KILL_COUNT=25 go test -run TestCrashSafety -v -timeout 30m ./ui/cli/
//
// DOCKET_KILL_COUNT sets the number of kills (default 3: the normal
// `go test ./...` run); DOCKET_KILL_SEED repeats a run's random choices
// (the delays and the commands; the machine's timing still varies);
// DOCKET_KILL_CASES sets the size of the imported file (default 1200 cases,
// 4000 when DOCKET_KILL_COUNT is set).

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCrashSafety(t *testing.T) {
	bin := newDocket(t).bin
	var err error

	kills, full := 3, false
	if v := os.Getenv("DOCKET_KILL_COUNT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("DOCKET_KILL_COUNT=%q: want a positive number", v)
		}
		kills, full = n, true
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("DOCKET_KILL_SEED"); v != "" {
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("DOCKET_KILL_SEED=%q: %v", v, err)
		}
	}
	t.Logf("kills %d, seed %d (DOCKET_KILL_SEED=%d repeats the random choices)", kills, seed, seed)

	t.Run("CreateKilled", func(t *testing.T) {
		testCreateKilled(t, bin, rand.New(rand.NewPCG(seed, 1)), 5*kills)
	})
	t.Run("ImportKilled", func(t *testing.T) {
		cases := 1200
		if full {
			cases = 4000
		}
		if v := os.Getenv("DOCKET_KILL_CASES"); v != "" {
			if cases, err = strconv.Atoi(v); err != nil || cases < 1 {
				t.Fatalf("DOCKET_KILL_CASES=%q: want a positive number", v)
			}
		}
		testImportKilled(t, bin, rand.New(rand.NewPCG(seed, 2)), kills, cases)
	})
	t.Run("DecisionsKilled", func(t *testing.T) {
		testDecisionsKilled(t, bin, rand.New(rand.NewPCG(seed, 3)), rand.New(rand.NewPCG(seed, 4)), 2*kills)
	})
}

// built is the docket binary the package's tests share, built once.
var built struct {
	once sync.Once
	dir  string // removed by TestMain
	bin  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// newDocket returns a runner of the real binary in a directory of the
// test's own, building docket the first time; it skips the test in
// -short or where there is no go command to build with.
func newDocket(t *testing.T) *docket {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs docket; not in -short")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH: cannot build docket")
	}
	built.once.Do(func() { built.bin, built.err = buildDocket(goTool) })
	if built.err != nil {
		t.Fatal(built.err)
	}
	return &docket{t: t, bin: built.bin, dir: t.TempDir()}
}

// buildDocket builds the binary from the module root into a temporary
// directory.
func buildDocket(goTool string) (string, error) {
	out, err := exec.Command(goTool, "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("go env GOMOD: not inside the docket module")
	}
	if built.dir, err = os.MkdirTemp("", "docket-bin-"); err != nil {
		return "", err
	}
	bin := filepath.Join(built.dir, "docket")
	build := exec.Command(goTool, "build", "-o", bin, "docket")
	build.Dir = filepath.Dir(gomod)
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build docket: %v\n%s", err, out)
	}
	return bin, nil
}

// docket runs the binary with a clean environment: no DOCKET_* variables
// from the caller, data and config under the test's directory.
type docket struct {
	t   *testing.T
	bin string
	dir string
}

// result is how one run ended.
type result struct {
	code           int  // exit code; -1 when killed
	killed         bool // ended by a signal
	stdout, stderr string
	took           time.Duration
}

func (d *docket) command(user string, args ...string) *exec.Cmd {
	cmd := exec.Command(d.bin, args...)
	cmd.Dir = d.dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DOCKET_") && !strings.HasPrefix(kv, "XDG_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "DOCKET_USER="+user, "XDG_DATA_HOME="+d.dir, "XDG_CONFIG_HOME="+d.dir)
	return cmd
}

// start starts a command, capturing its output.
func (d *docket) start(user string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	d.t.Helper()
	cmd := d.command(user, args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		d.t.Fatalf("start docket %s: %v", strings.Join(args, " "), err)
	}
	return cmd, &out, &errOut
}

// wait waits for a started command and says how it ended.
func (d *docket) wait(cmd *exec.Cmd, out, errOut *bytes.Buffer, began time.Time) result {
	d.t.Helper()
	err := cmd.Wait()
	r := result{stdout: out.String(), stderr: errOut.String(), took: time.Since(began)}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && !ee.Exited():
		r.code, r.killed = -1, true
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		d.t.Fatalf("docket %s: %v", strings.Join(cmd.Args[1:], " "), err)
	}
	return r
}

// run runs a command to its end.
func (d *docket) run(user string, args ...string) result {
	d.t.Helper()
	began := time.Now()
	cmd, out, errOut := d.start(user, args...)
	return d.wait(cmd, out, errOut, began)
}

// ok runs a command that must exit 0 and returns its standard output.
func (d *docket) ok(user string, args ...string) string {
	d.t.Helper()
	r := d.run(user, args...)
	if r.code != 0 {
		d.t.Fatalf("docket %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// runKilled runs a command and kills it after delay, unless it ends first.
func (d *docket) runKilled(delay time.Duration, user string, args ...string) result {
	d.t.Helper()
	began := time.Now()
	cmd, out, errOut := d.start(user, args...)
	timer := time.AfterFunc(delay, func() { cmd.Process.Kill() })
	r := d.wait(cmd, out, errOut, began)
	timer.Stop()
	return r
}

// check runs `docket check` on db and fails the test unless it passes. It
// returns the number of cases it saw.
func (d *docket) check(db, after string) int {
	d.t.Helper()
	r := d.run("admin", "--db", db, "check")
	if r.code != 0 {
		d.t.Fatalf("docket check after %s: exit %d\n%s%s", after, r.code, r.stdout, r.stderr)
	}
	var n int
	if i := strings.Index(r.stdout, ": "); i >= 0 {
		fmt.Sscanf(r.stdout[i+2:], "%d cases", &n)
	}
	return n
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// testCreateKilled kills the first command run on a new database while it
// creates the file: whatever is left must be absent or pass check.
func testCreateKilled(t *testing.T, bin string, rng *rand.Rand, attempts int) {
	d := &docket{t: t, bin: bin, dir: t.TempDir()}
	// How long a first command takes, file creation included.
	var full time.Duration
	for i := range 3 {
		full += d.run("admin", "--db", filepath.Join(d.dir, fmt.Sprintf("calibrate-%d.db", i)), "user", "list").took
	}
	full /= 3
	left := 0
	for i := range attempts {
		db := filepath.Join(d.dir, fmt.Sprintf("create-%d.db", i))
		delay := time.Duration(rng.Int64N(int64(full)))
		r := d.runKilled(delay, "admin", "--db", db, "user", "list")
		if !r.killed && r.code != 0 {
			t.Fatalf("user list on a new database: exit %d\n%s", r.code, r.stderr)
		}
		if exists(db) {
			left++
			d.check(db, fmt.Sprintf("a kill %v into creating %s", delay, filepath.Base(db)))
		}
	}
	t.Logf("%d kills while creating a database (a first run takes %v): %d left a file, each passes check",
		attempts, full.Round(time.Millisecond), left)
}

// testImportKilled kills imports of one file into one database at random
// moments, checks the file after every kill, and compares each completed
// import with a clean one.
func testImportKilled(t *testing.T, bin string, rng *rand.Rand, kills, cases int) {
	began := time.Now()
	d := &docket{t: t, bin: bin, dir: t.TempDir()}
	file := filepath.Join(d.dir, "cases.jsonl")
	d.ok("me", "demo", "--cases", strconv.Itoa(cases), "--seed", "7", "--no-ui", "--persona", file,
		"--db", filepath.Join(d.dir, "gen.db"))
	ref := filepath.Join(d.dir, "ref.db")
	r := d.run("admin", "--db", ref, "import", file)
	if r.code != 0 {
		t.Fatalf("clean import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	full := r.took
	t.Logf("%d cases: a clean import takes %v: %s", cases, full.Round(time.Millisecond), strings.TrimSpace(r.stdout))
	want := d.snapshot(ref)
	if len(want.list) != cases {
		t.Fatalf("the clean import holds %d cases, want %d", len(want.list), cases)
	}

	victim := filepath.Join(d.dir, "victim.db")
	killed, rounds, runs := 0, 0, 0
	roundKills, partial := 0, 0
	var delays []string
	// The kills spread from the start of an import to near its end: the
	// k-th lands at a random moment of its own slice of a clean import's
	// time, the slices in random order. A re-import skips what is already
	// there, so it may end before its kill.
	slice := rng.Perm(kills)
	for killed < kills {
		if runs++; runs > 4*kills+20 {
			t.Fatalf("only %d kills in %d runs: the imports end before the kills", killed, runs)
		}
		delay := time.Duration((float64(slice[killed]) + rng.Float64()) / float64(kills) * 0.97 * float64(full))
		r := d.runKilled(delay, "admin", "--db", victim, "import", file)
		switch {
		case r.killed:
			killed++
			roundKills++
			n := 0
			if exists(victim) {
				n = d.check(victim, fmt.Sprintf("kill %d (%v into an import)", killed, delay))
			}
			if n > 0 && n < cases {
				partial++
			}
			delays = append(delays, fmt.Sprintf("%.2fs:%d", delay.Seconds(), n))
		case r.code != 0:
			t.Fatalf("import after %d kills: exit %d\n%s%s", killed, r.code, r.stdout, r.stderr)
		default:
			// The import finished before its kill: compare, and start a
			// new victim so that later kills land in fresh imports. A
			// fresh import that beat its kill says how long one takes now
			// (this machine's speed varies).
			if roundKills == 0 {
				full = r.took
			}
			rounds++
			noUpdates(t, r)
			d.check(victim, "a completed import")
			compare(t, fmt.Sprintf("import completed after %d kills", roundKills), want, d.snapshot(victim))
			roundKills = 0
			delays = append(delays, "done")
			if err := os.Remove(victim); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Complete the last victim by running the import to its end.
	r = d.run("admin", "--db", victim, "import", file)
	if r.code != 0 {
		t.Fatalf("import to completion after %d kills: exit %d\n%s%s", roundKills, r.code, r.stdout, r.stderr)
	}
	rounds++
	noUpdates(t, r)
	d.check(victim, "the final import")
	compare(t, fmt.Sprintf("import completed after %d kills", roundKills), want, d.snapshot(victim))
	t.Logf("%d kills survived in %d runs, %d of them between two batches; %d imports completed and equal the clean one; in %v; kill moments (delay:cases present) %s",
		killed, runs+1, partial, rounds, time.Since(began).Round(time.Millisecond), strings.Join(delays, " "))
}

// noUpdates fails the test if a completed import says it updated a case:
// what a killed run committed is skipped as unchanged by the next.
func noUpdates(t *testing.T, r result) {
	t.Helper()
	if !strings.Contains(r.stdout, " 0 updated,") {
		t.Fatalf("a re-import after kills updated cases: %s", r.stdout)
	}
}

// snapshot is what a database holds, as the command line shows it: the
// export (cases with fields, objects and comments), the list view of every
// case and the users. Each entry is JSON keyed by id or name.
//
// Nothing of a case needs normalising between two imports of one file: an
// import keeps the documents' own times, writes its own time only into
// audit events (which check verifies and export leaves out), and skips a
// case it already has with the same updated-at, so a re-import after a kill
// bumps no version (list compares versions). Users created for unknown
// assignees carry the time the import made them: that is dropped.
type snapshot struct {
	export, list, users map[string]string
}

func (d *docket) snapshot(db string) snapshot {
	d.t.Helper()
	s := snapshot{export: map[string]string{}, list: map[string]string{}, users: map[string]string{}}
	for _, line := range strings.Split(strings.TrimSpace(d.ok("admin", "--db", db, "export")), "\n") {
		if line == "" {
			continue
		}
		var doc struct {
			Data struct{ ID string }
		}
		if err := json.Unmarshal([]byte(line), &doc); err != nil {
			d.t.Fatalf("export line %.80s: %v", line, err)
		}
		s.export[doc.Data.ID] = line // docket writes JSON one way: equal data, equal bytes
	}
	var page struct{ Cases []json.RawMessage }
	mustJSON(d.t, d.ok("admin", "--db", db, "case", "list", "--queue", "all", "--limit", "1000000", "--json"), &page)
	for _, c := range page.Cases {
		var id struct{ ID string }
		mustJSON(d.t, string(c), &id)
		s.list[id.ID] = string(c)
	}
	var users []json.RawMessage
	mustJSON(d.t, d.ok("admin", "--db", db, "user", "list", "--json"), &users)
	for _, u := range users {
		var name struct{ Name string }
		mustJSON(d.t, string(u), &name)
		s.users[name.Name] = canonical(d.t, string(u), []string{"created_at"})
	}
	return s
}

// canonical re-encodes JSON with sorted keys, dropping top-level keys.
func canonical(t *testing.T, raw string, drop []string) string {
	var v any
	mustJSON(t, raw, &v)
	if m, ok := v.(map[string]any); ok {
		for _, k := range drop {
			delete(m, k)
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustJSON(t *testing.T, raw string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		t.Fatalf("%v in %.200s", err, raw)
	}
}

// compare fails the test with the first differences between two snapshots.
func compare(t *testing.T, what string, want, got snapshot) {
	t.Helper()
	var diffs []string
	for _, part := range []struct {
		name      string
		want, got map[string]string
	}{{"export", want.export, got.export}, {"case list", want.list, got.list}, {"users", want.users, got.users}} {
		for _, k := range sortedKeys(part.want, part.got) {
			w, okW := part.want[k]
			g, okG := part.got[k]
			switch {
			case !okG:
				diffs = append(diffs, fmt.Sprintf("%s: %s is missing", part.name, k))
			case !okW:
				diffs = append(diffs, fmt.Sprintf("%s: %s is extra", part.name, k))
			case w != g:
				var wv, gv any
				json.Unmarshal([]byte(w), &wv)
				json.Unmarshal([]byte(g), &gv)
				diffs = append(diffs, fmt.Sprintf("%s: %s differs at %s", part.name, k, firstDiff(wv, gv, "")))
			}
		}
	}
	if len(diffs) > 0 {
		if len(diffs) > 10 {
			diffs = append(diffs[:10], fmt.Sprintf("… %d differences in all", len(diffs)))
		}
		t.Fatalf("%s: not what a clean import holds:\n  %s", what, strings.Join(diffs, "\n  "))
	}
}

func sortedKeys(ms ...map[string]string) []string {
	var keys []string
	for _, m := range ms {
		for k := range m {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// firstDiff names the first path where two decoded JSON values differ.
func firstDiff(a, b any, path string) string {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			break
		}
		keys := make([]string, 0, len(av)+len(bv))
		for k := range av {
			keys = append(keys, k)
		}
		for k := range bv {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range slices.Compact(keys) {
			if !reflect.DeepEqual(av[k], bv[k]) {
				return firstDiff(av[k], bv[k], path+"."+k)
			}
		}
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			break
		}
		for i := range av {
			if !reflect.DeepEqual(av[i], bv[i]) {
				return firstDiff(av[i], bv[i], fmt.Sprintf("%s[%d]", path, i))
			}
		}
	}
	wa, _ := json.Marshal(a)
	wb, _ := json.Marshal(b)
	return fmt.Sprintf("%s: want %.200s, got %.200s", path, wa, wb)
}

// listCase is a case as `case list --json` shows it.
type listCase struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Workflow   string   `json:"workflow"`
	Status     string   `json:"status"`
	StatusType string   `json:"status_type"`
	Assignee   *string  `json:"assignee"`
	Tags       []string `json:"tags"`
	Version    int64    `json:"version"`
	raw        string
}

func (c listCase) assignee() string {
	if c.Assignee == nil {
		return ""
	}
	return *c.Assignee
}

func (d *docket) listAll(db string) map[string]listCase {
	d.t.Helper()
	var page struct{ Cases []json.RawMessage }
	mustJSON(d.t, d.ok("lena", "--db", db, "case", "list", "--queue", "all", "--limit", "1000000", "--json"), &page)
	out := map[string]listCase{}
	for _, raw := range page.Cases {
		var c listCase
		mustJSON(d.t, string(raw), &c)
		c.raw = canonical(d.t, string(raw), nil)
		out[c.ID] = c
	}
	return out
}

// burstCmd is one planned CLI write and how it ended.
type burstCmd struct {
	kind   string // status, comment, tag, assign
	cases  []string
	args   []string
	to     string // the status, assignee or tag it sets
	reason string
	marker string // the comment text, unique to the command
	res    result
}

// testDecisionsKilled runs single CLI writes one after another, each its
// own process, while a killer SIGKILLs whatever command is running at
// random moments, until it has killed kills commands. Every command works
// on cases no other command touches, so what it did can be read off its
// cases afterwards.
func testDecisionsKilled(t *testing.T, bin string, plan, killRng *rand.Rand, kills int) {
	began := time.Now()
	d := &docket{t: t, bin: bin, dir: t.TempDir()}
	db := filepath.Join(d.dir, "burst.db")
	d.ok("me", "demo", "--cases", strconv.Itoa(max(300, 16*kills)), "--seed", "11", "--no-ui", "--db", db)
	before := d.listAll(db)
	ids := make([]string, 0, len(before))
	for id := range before {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	plan.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })

	// The killer: once a command has started it waits a random time (up to
	// twice what a write takes) and kills whatever command runs then,
	// if any. The first three commands run unharmed, to time a write.
	var (
		mu      sync.Mutex
		running *exec.Cmd
		took    []time.Duration // of the commands that exited 0
		fired   int
		started = make(chan struct{}, 1)
		done    = make(chan struct{})
		stopped = make(chan struct{})
	)
	mean := func() time.Duration { // under mu
		var sum time.Duration
		for _, d := range took {
			sum += d
		}
		return sum / time.Duration(max(1, len(took)))
	}
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			case <-started:
			}
			mu.Lock()
			wait := time.Duration(killRng.Int64N(int64(2*mean()) + 1))
			mu.Unlock()
			select {
			case <-done:
				return
			case <-time.After(wait):
			}
			mu.Lock()
			if running != nil {
				running.Process.Kill()
				fired++
			}
			mu.Unlock()
		}
	}()
	stopKiller := func() {
		if done != nil {
			close(done)
			<-stopped
			done = nil
		}
	}
	defer stopKiller()

	reviewers := []string{"ravi", "mia", "omar", "ines", "kai"}
	var cmds []*burstCmd
	killed, next := 0, 0
	take := func(n int, ok func(listCase) bool) []string {
		var got []string
		for i := next; i < len(ids) && len(got) < n; i++ {
			if ok(before[ids[i]]) {
				got = append(got, ids[i])
				ids[next], ids[i] = ids[i], ids[next]
				next++
			}
		}
		return got
	}
	for killed < kills {
		if next >= len(ids) {
			t.Logf("ran out of cases after %d kills", killed)
			break
		}
		c := planCommand(plan, len(cmds), take, before, reviewers)
		if c == nil {
			continue
		}
		cmds = append(cmds, c)
		began := time.Now()
		cmd, out, errOut := d.start("lena", append([]string{"--db", db}, c.args...)...)
		mu.Lock()
		running = cmd
		armed := len(took) >= 3
		mu.Unlock()
		if armed {
			select {
			case started <- struct{}{}:
			default:
			}
		}
		c.res = d.wait(cmd, out, errOut, began)
		mu.Lock()
		running = nil
		if c.res.code == 0 {
			took = append(took, c.res.took)
		}
		mu.Unlock()
		switch {
		case c.res.killed:
			killed++
			d.check(db, fmt.Sprintf("kill %d (docket %s)", killed, strings.Join(c.args, " ")))
		case c.res.code != 0:
			t.Fatalf("docket %s: exit %d (no kill)\n%s%s", strings.Join(c.args, " "), c.res.code, c.res.stdout, c.res.stderr)
		}
	}
	stopKiller()
	d.check(db, "the burst")

	after := d.listAll(db)
	touched := map[string]bool{}
	applied, absent, exited := 0, 0, 0
	for _, c := range cmds {
		for _, id := range c.cases {
			touched[id] = true
		}
		if !c.res.killed {
			exited++
		}
		if verifyCommand(t, d, db, c, before, after) {
			applied++
		} else {
			absent++
		}
	}
	for id, b := range before {
		if !touched[id] && after[id].raw != b.raw {
			t.Errorf("case %s was touched by no command but changed:\n  before %s\n  after  %s", b.Name, b.raw, after[id].raw)
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d cases before the burst, %d after", len(before), len(after))
	}
	t.Logf("%d commands (a write takes about %v; the killer fired %d times): %d exited 0, %d killed (%d of them had committed); %d applied, %d absent; in %v",
		len(cmds), mean().Round(time.Millisecond), fired, exited, killed, applied-exited, applied, absent, time.Since(began).Round(time.Millisecond))
}

// planCommand picks the next write and the cases it works on.
func planCommand(rng *rand.Rand, i int, take func(int, func(listCase) bool) []string,
	before map[string]listCase, reviewers []string) *burstCmd {
	anyCase := func(listCase) bool { return true }
	n := 1 + rng.IntN(3) // cases, for the commands that take several
	marker := fmt.Sprintf("burst %d: checked the documents", i)
	switch kind := rng.IntN(4); kind {
	case 0: // a status change with a comment (and a reason where needed)
		type move struct{ from, to, reason string }
		m := []move{{"Open", "Pending", ""}, {"Pending", "Approved", "low-risk"}, {"Open", "Declined", "fraud"}}[rng.IntN(3)]
		cases := take(n, func(c listCase) bool { return c.Workflow == "default" && c.Status == m.from })
		if len(cases) == 0 {
			return nil
		}
		args := append(append([]string{"case", "status"}, cases...), m.to, "--comment", marker)
		if m.reason != "" {
			args = append(args, "--reason", m.reason)
		}
		return &burstCmd{kind: "status", cases: cases, args: args, to: m.to, reason: m.reason, marker: marker}
	case 1:
		cases := take(1, anyCase)
		if len(cases) == 0 {
			return nil
		}
		return &burstCmd{kind: "comment", cases: cases, args: []string{"case", "comment", cases[0], marker}, marker: marker}
	case 2:
		cases := take(n, anyCase)
		if len(cases) == 0 {
			return nil
		}
		tag := fmt.Sprintf("burst-%d", i)
		return &burstCmd{kind: "tag", cases: cases, args: append(append([]string{"case", "tag"}, cases...), "+"+tag), to: tag}
	default:
		to := reviewers[rng.IntN(len(reviewers))]
		cases := take(n, func(c listCase) bool { return c.StatusType != "end" && c.assignee() != to })
		if len(cases) == 0 {
			return nil
		}
		return &burstCmd{kind: "assign", cases: cases, args: append(append([]string{"case", "assign"}, cases...), to), to: to}
	}
}

// history is `case history --json`.
type history struct {
	Events []struct {
		Seq     int64  `json:"seq"`
		Kind    string `json:"kind"`
		To      string `json:"to"`
		Comment string `json:"comment"`
		Reason  string `json:"reason"`
	} `json:"events"`
	Comments []struct {
		Body string `json:"body"`
	} `json:"comments"`
	AuditProblems []string `json:"audit_problems"`
}

// verifyCommand checks that a command's change is wholly present on all its
// cases or wholly absent from all of them, and present if it exited 0. It
// reports whether it is present.
func verifyCommand(t *testing.T, d *docket, db string, c *burstCmd, before, after map[string]listCase) bool {
	t.Helper()
	what := fmt.Sprintf("docket %s (%s)", strings.Join(c.args, " "), map[bool]string{true: "killed", false: "exit 0"}[c.res.killed])
	var present []bool
	for _, id := range c.cases {
		b, a := before[id], after[id]
		var h history
		mustJSON(t, d.ok("lena", "--db", db, "case", "history", id, "--json"), &h)
		if len(h.AuditProblems) > 0 || int64(len(h.Events)) != a.Version {
			t.Errorf("%s: case %s: %d events for version %d, audit problems %v", what, b.Name, len(h.Events), a.Version, h.AuditProblems)
		}
		mentions := 0
		for _, e := range h.Events {
			if c.marker != "" && e.Comment == c.marker {
				mentions++
			}
		}
		for _, cm := range h.Comments {
			if c.marker != "" && cm.Body == c.marker {
				mentions++
			}
		}
		switch a.Version - b.Version {
		case 0:
			present = append(present, false)
			if a.raw != b.raw || mentions > 0 {
				t.Errorf("%s: case %s has its version but not its content:\n  before %s\n  after  %s\n  %d mentions of the comment",
					what, b.Name, b.raw, a.raw, mentions)
			}
			continue
		case 1:
			present = append(present, true)
		default:
			t.Errorf("%s: case %s went from version %d to %d", what, b.Name, b.Version, a.Version)
			continue
		}
		var last struct {
			Seq                       int64
			Kind, To, Comment, Reason string
		}
		for _, e := range h.Events {
			if e.Seq == a.Version {
				last.Seq, last.Kind, last.To, last.Comment, last.Reason = e.Seq, e.Kind, e.To, e.Comment, e.Reason
			}
		}
		var ok bool
		switch c.kind {
		case "status":
			ok = a.Status == c.to && last.Kind == "status" && last.To == c.to && last.Comment == c.marker &&
				last.Reason == c.reason && mentions == 1 && slices.Equal(a.Tags, b.Tags) && a.assignee() == b.assignee()
		case "comment":
			// One event and one comment record, written together.
			ok = last.Kind == "commented" && last.Comment == c.marker && mentions == 2 && a.Status == b.Status
		case "tag":
			ok = last.Kind == "tags" && slices.Equal(a.Tags, append(slices.Clone(b.Tags), c.to)) && a.Status == b.Status
		case "assign":
			ok = a.assignee() == c.to && (last.Kind == "assigned" || last.Kind == "claimed") && last.To == c.to && a.Status == b.Status
		}
		if !ok {
			t.Errorf("%s: case %s is at a new version but not as the command leaves it:\n  before %s\n  after  %s\n  last event %+v, %d mentions of the comment",
				what, b.Name, b.raw, a.raw, last, mentions)
		}
	}
	all := !slices.Contains(present, false)
	if slices.Contains(present, true) && !all {
		t.Errorf("%s: applied to some of its cases only (%v); a command is one transaction", what, present)
	}
	if !c.res.killed && !all {
		t.Errorf("%s: exited 0 but its change is missing", what)
	}
	return all
}
