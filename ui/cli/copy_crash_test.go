package cli_test

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"docket/store/pgtest"
)

// docket copy killed at random moments, both ways: a target the copy did
// not finish is refused (saying so) by every command but check, and a
// copy into a fresh target after the kills holds the source's export.
//
//	DOCKET_COPY_KILLS=20 go test -run TestCopyKilled -v ./ui/cli/
func TestCopyKilled(t *testing.T) {
	d := newDocket(t)
	kills := 2
	if v := os.Getenv("DOCKET_COPY_KILLS"); v != "" {
		var err error
		if kills, err = strconv.Atoi(v); err != nil || kills < 1 {
			t.Fatalf("DOCKET_COPY_KILLS=%q: want a positive number", v)
		}
	}
	src := filepath.Join(d.dir, "demo.db")
	d.ok("admin", "--db", src, "demo", "--cases", "1500", "--no-ui")
	want := d.ok("admin", "--db", src, "export")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	killed, finished, unfinished := 0, 0, 0
	for i := range kills {
		// A file from the file, and a PostgreSQL database from it.
		targets := []string{filepath.Join(d.dir, "copy-"+strconv.Itoa(i)+".db"), pgtest.DB(t)}
		for _, to := range targets {
			r := d.runKilled(time.Duration(50+rng.IntN(1200))*time.Millisecond, "admin", "copy", "--from", src, "--to", to)
			switch {
			case r.killed:
				killed++
				if !exists(to) && !strings.HasPrefix(to, "postgres://") {
					continue // killed before the file was made
				}
				list := d.run("admin", "--db", to, "case", "list", "--queue", "all")
				if list.code == 0 {
					// Killed after the copy's last write (whole), or, on a
					// database server, before its first (empty).
					got := d.ok("admin", "--db", to, "export")
					if got != want && (got != "" || !strings.HasPrefix(to, "postgres://")) {
						t.Fatalf("a copy into %s opened after its kill is neither whole nor empty:\n%s", to, list.stdout)
					}
					continue
				}
				if !strings.Contains(list.stderr, "unfinished copy of "+src) {
					t.Fatalf("a killed copy, opened: exit %d\n%s", list.code, list.stderr)
				}
				unfinished++
			case r.code == 0:
				finished++
				d.check(to, "a copy")
				if got := d.ok("admin", "--db", to, "export"); got != want {
					t.Fatalf("the copy's export differs from the source's")
				}
			default:
				t.Fatalf("copy: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
		}
	}
	t.Logf("%d copies killed (%d left marked unfinished and refused), %d finished", killed, unfinished, finished)
	to := pgtest.DB(t)
	d.ok("admin", "copy", "--from", src, "--to", to)
	d.check(to, "a copy after kills")
	if got := d.ok("admin", "--db", to, "export"); got != want {
		t.Fatal("the copy after the kills differs from the source")
	}
}
