package cli_test

// The damage harness: copies of a demo database are truncated or have one
// random bit flipped, then every kind of command runs on them through the
// real binary. No command may crash (a Go panic or a fault), and a copy
// that docket check calls clean must read exactly as the original: a
// change to live data that check does not name is a failure.
//
//	DOCKET_DAMAGE_FLIPS=60 go test -run TestDamage -v -timeout 30m ./ui/cli/
//
// DOCKET_DAMAGE_FLIPS sets the number of bit flips (default 8, the normal
// `go test ./...` run), DOCKET_DAMAGE_SEED repeats a run's flips, and
// DOCKET_DAMAGE_CASES the size of the demo database (default 300).

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDamage(t *testing.T) {
	d := newDocket(t)
	dir := d.dir
	flips, cases := envInt(t, "DOCKET_DAMAGE_FLIPS", 8), envInt(t, "DOCKET_DAMAGE_CASES", 300)
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("DOCKET_DAMAGE_SEED"); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("DOCKET_DAMAGE_SEED=%q: %v", v, err)
		}
	}
	t.Logf("flips %d on %d cases, seed %d (DOCKET_DAMAGE_SEED=%d repeats them)", flips, cases, seed, seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	orig := filepath.Join(dir, "demo.db")
	d.ok("admin", "--db", orig, "demo", "--cases", strconv.Itoa(cases), "--seed", "1", "--no-ui")
	names := d.caseNames(orig)
	sample := []string{names[0], names[len(names)/3], names[len(names)/2], names[len(names)-1]}
	want := d.observe(orig, sample)
	raw, err := os.ReadFile(orig)
	if err != nil {
		t.Fatal(err)
	}
	size := int64(len(raw))

	var damages []damage
	for _, at := range []int64{8192, 16384, size / 3, size / 2} {
		damages = append(damages, damage{name: "truncated at " + strconv.FormatInt(at, 10), bytes: raw[:at]})
	}
	for range flips {
		off, bit := rng.Int64N(size), rng.IntN(8)
		flipped := append([]byte(nil), raw...)
		flipped[off] ^= 1 << bit
		damages = append(damages, damage{name: "bit " + strconv.Itoa(bit) + " of byte " + strconv.FormatInt(off, 10) + " flipped", bytes: flipped})
	}

	var named, unseen, harmless int
	for _, dm := range damages {
		path := filepath.Join(dir, "damaged.db")
		os.Remove(path)
		if err := os.WriteFile(path, dm.bytes, 0o600); err != nil {
			t.Fatal(err)
		}
		check := d.run("admin", "--db", path, "check")
		crashed(t, dm.name, "check", check)
		got := d.observe(path, sample)
		for cmd, r := range got.runs {
			crashed(t, dm.name, cmd, r)
		}
		restored := filepath.Join(dir, "restored.db")
		os.Remove(restored)
		restore := d.run("admin", "--db", restored, "restore", path)
		crashed(t, dm.name, "restore", restore)
		if check.code != 0 && restore.code == 0 {
			t.Errorf("%s: restore took a file check calls damaged", dm.name)
		}
		write := d.run("admin", "--db", path, "case", "comment", sample[1], "written after the damage")
		crashed(t, dm.name, "case comment", write)
		crashed(t, dm.name, "compact", d.run("admin", "--db", path, "compact"))
		switch {
		case check.code != 0:
			named++
		case got.same(want):
			harmless++
		default:
			unseen++
			t.Errorf("%s: check finds nothing, yet %s reads differently", dm.name, got.firstDiff(want))
		}
	}
	t.Logf("%d damaged copies: %d named by check, %d harmless (check clean, data as before), %d changed unseen; 0 crashes allowed",
		len(damages), named, harmless, unseen)
}

type damage struct {
	name  string
	bytes []byte
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive number", name, v)
	}
	return n
}

// crashed fails the test if a command died of a panic or a fault rather
// than saying what was wrong.
func crashed(t *testing.T, what, cmd string, r result) {
	t.Helper()
	if r.killed || strings.Contains(r.stderr, "panic:") || strings.Contains(r.stderr, "fatal error:") ||
		strings.Contains(r.stderr, "SIGSEGV") || strings.Contains(r.stderr, "SIGBUS") || strings.Contains(r.stderr, "goroutine ") {
		t.Errorf("%s: docket %s crashed (exit %d):\n%s", what, cmd, r.code, firstLines(r.stderr, 8))
	}
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// observation is what the read commands print about a database.
type observation struct {
	runs map[string]result
}

// observe runs every kind of read command; those whose output is the
// data (not relative to the clock) are compared.
func (d *docket) observe(db string, sample []string) observation {
	o := observation{runs: map[string]result{}}
	run := func(args ...string) {
		o.runs[strings.Join(args, " ")] = d.run("admin", append([]string{"--db", db}, args...)...)
	}
	run("export")
	run("case", "list", "--queue", "all", "--limit", "100000", "--json")
	run("user", "list", "--json")
	run("workflow", "list", "--json")
	for _, name := range sample {
		run("case", "show", name, "--json")
		run("case", "history", name, "--json")
	}
	run("stats", "--json")
	run("workload", "--json")
	return o
}

// compared leaves out what depends on the clock.
func compared(cmd string) bool {
	return !strings.HasPrefix(cmd, "stats") && !strings.HasPrefix(cmd, "workload")
}

func (o observation) same(want observation) bool { return o.firstDiff(want) == "" }

func (o observation) firstDiff(want observation) string {
	for cmd, w := range want.runs {
		g := o.runs[cmd]
		if compared(cmd) && (g.code != w.code || g.stdout != w.stdout) {
			return "docket " + cmd
		}
	}
	return ""
}

// caseNames lists every case id in the database.
func (d *docket) caseNames(db string) []string {
	var names []string
	for name := range d.listAll(db) {
		names = append(names, name)
	}
	if len(names) < 4 {
		d.t.Fatalf("the demo database holds %d cases", len(names))
	}
	slices.Sort(names)
	return names
}
