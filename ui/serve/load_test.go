package serve

// The load test: workstation sessions that move and decide, and command
// clients that decide, all at once against one server on loopback, for a
// bounded time. Afterwards docket check is clean and every decision a
// client was told succeeded is in its case's trail exactly once.
//
//	DOCKET_LOAD_SESSIONS=50 DOCKET_LOAD_CLIENTS=16 DOCKET_LOAD_SECONDS=60 DOCKET_LOAD_CASES=5000 go test -run TestLoad -v ./ui/serve/
//
// The defaults (4 sessions, 4 clients, 4 seconds, 300 cases) run in
// `go test ./...`.

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"docket/model"
	"docket/store"
)

func envNumber(t *testing.T, name string, def int) int {
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

func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("a load test; not in -short")
	}
	sessions, clients := envNumber(t, "DOCKET_LOAD_SESSIONS", 4), envNumber(t, "DOCKET_LOAD_CLIENTS", 4)
	seconds := envNumber(t, "DOCKET_LOAD_SECONDS", 4)
	ts := newTestServer(t, envNumber(t, "DOCKET_LOAD_CASES", 300))
	reviewers := []string{"ravi", "mia", "omar", "ines", "kai"}
	stop := time.Now().Add(time.Duration(seconds) * time.Second)

	// Each client decides cases of its own (ids split by client), so what
	// it was told succeeded can be counted in the trails afterwards.
	open, err := ts.st.IDs(store.Query{Queue: store.QueueOpen, Workflow: "default"})
	if err != nil {
		t.Fatal(err)
	}
	type decision struct{ id, user string }
	var mu sync.Mutex
	var confirmed []decision
	var keys, commands atomic.Int64
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := ts.dial(ts.keys["lena"])
			for j := i; j < len(open) && time.Now().Before(stop); j += clients {
				status := []string{"Pending", "Approved", "Declined"}[j%3]
				args := []string{"case", "status", open[j], status}
				if status == "Declined" {
					args = append(args, "--reason", "fraud")
				}
				code, _, _ := runWith(t, client, "", args...)
				commands.Add(1)
				if code == 0 && status != "Pending" {
					mu.Lock()
					confirmed = append(confirmed, decision{open[j], "lena"})
					mu.Unlock()
				}
				runWith(t, client, "", "case", "list", "--queue", "open", "--limit", "20", "--json")
				commands.Add(1)
			}
		}()
	}
	for i := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := reviewers[i%len(reviewers)]
			term := ts.workstation(user, 120, 40)
			term.waitFor("docket "+user, 10*time.Second)
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			for time.Now().Before(stop) {
				k := []string{"j", "j", "k", "G", "g", "2", "6", "1", "]", "[", "A", "y", "n", "esc", "P"}[rng.IntN(15)]
				if k == "esc" {
					k = "\x1b"
				}
				term.keys(k)
				keys.Add(1)
				time.Sleep(time.Duration(5+rng.IntN(20)) * time.Millisecond)
			}
		}()
	}
	wg.Wait()
	t.Logf("%d sessions sent %d keys, %d clients ran %d commands (%d decisions confirmed) in %ds",
		sessions, keys.Load(), clients, commands.Load(), len(confirmed), seconds)

	r, err := ts.st.Check()
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Problems) > 0 {
		t.Fatalf("check after the load: %v", r.Problems)
	}
	for _, d := range confirmed {
		detail, err := ts.st.CaseDetail(d.id)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range detail.Events {
			if e.Kind == model.EventStatus && e.Actor == d.user && !isOpenStatus(e.To) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s: %d decisions by %s in its trail, want exactly 1: %v", d.id, n, d.user, fmt.Sprint(detail.Events))
		}
	}
}

func isOpenStatus(s string) bool { return s == "Open" || s == "Pending" }
