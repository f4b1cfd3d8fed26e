package cli_test

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A command that waits for the lock while `docket compact` puts a new
// file in place must write into the new file: a write it reports as done
// is in the database at the path.
func TestWriteWhileCompacting(t *testing.T) {
	d := newDocket(t)
	dir := d.dir
	db := filepath.Join(dir, "docket.db")
	d.ok("admin", "--db", db, "demo", "--cases", "3000", "--seed", "1", "--no-ui")
	for round := range 3 {
		text := "written while compacting " + strconv.Itoa(round)
		began := time.Now()
		compact, out, errOut := d.start("admin", "--db", db, "compact")
		time.Sleep(100 * time.Millisecond)
		comment := d.run("admin", "--db", db, "case", "comment", "CASE-1", text)
		if r := d.wait(compact, out, errOut, began); r.code != 0 {
			t.Fatalf("compact: exit %d %s", r.code, r.stderr)
		}
		history := d.ok("admin", "--db", db, "case", "history", "CASE-1", "--json")
		if comment.code == 0 && !strings.Contains(history, text) {
			t.Fatalf("round %d: the comment was reported saved (%s) but is not in the database", round, strings.TrimSpace(comment.stdout))
		}
	}
}
