package cli_test

// Webhooks out survive a crash: docket serve is SIGKILLed with deliveries
// pending (its receiver blocked, so some are in flight), then started
// again with the receiver answering; every event the outbox holds reaches
// the receiver at least once, signed, and the outbox holds one event per
// change. The long variant kills the server at random moments while
// changes are being made, with the receiver blocked or answering:
//
//	DOCKET_OUTBOX_KILLS=20 go test -run TestOutboxSurvivesKill -v -timeout 20m ./ui/cli/

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"docket/model"
	"docket/ui/hooks"
)

const crashSecret = "crash-test-secret-0123456789"

// switchReceiver answers webhooks when up; when not, it holds each
// request without answering until the connection goes.
type switchReceiver struct {
	*httptest.Server
	up       atomic.Bool
	held     atomic.Int32 // requests being held now
	mu       sync.Mutex
	events   map[string]int // event id -> deliveries answered 2xx
	badSigns int
}

func newSwitchReceiver(t *testing.T) *switchReceiver {
	r := &switchReceiver{events: map[string]int{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if !r.up.Load() {
			r.held.Add(1)
			<-req.Context().Done()
			r.held.Add(-1)
			return
		}
		var env struct{ Data struct{ ID string } }
		json.Unmarshal(body, &env)
		r.mu.Lock()
		defer r.mu.Unlock()
		if hooks.Verify(req.Header.Get(hooks.DocketSignatureHeader), [][]byte{[]byte(crashSecret)}, body, time.Now(), hooks.DefaultTolerance) != nil {
			r.badSigns++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		r.events[env.Data.ID]++
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *switchReceiver) got() (map[string]int, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for k, v := range r.events {
		out[k] = v
	}
	return out, r.badSigns
}

// server is docket serve on a free loopback port.
type server struct {
	cmd         *exec.Cmd
	out, errOut *bytes.Buffer
}

func startServer(t *testing.T, d *docket, db string) server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd, out, errOut := d.start("admin", "--db", db, "serve", "--ssh", addr)
	t.Cleanup(func() { cmd.Process.Kill() })
	waitUntil(t, func() bool {
		c, err := net.Dial("unix", db+".sock")
		if err == nil {
			c.Close()
		}
		return err == nil
	}, errOut)
	return server{cmd, out, errOut}
}

func (s server) kill(t *testing.T, d *docket) {
	s.cmd.Process.Kill()
	if r := d.wait(s.cmd, s.out, s.errOut, time.Now()); !r.killed && r.code != 0 {
		t.Fatalf("serve ended with exit %d before it was killed:\n%s", r.code, r.stderr)
	}
}

// changer makes changes: every fourth a new case, the others a move, a
// tag and a comment on the newest case.
type changer struct {
	d    *docket
	db   string
	n    int    // changes tried
	last string // the newest case
}

// next makes the next change and reports whether its command exited 0.
func (c *changer) next() bool {
	i := c.n
	c.n++
	var args []string
	switch i % 4 {
	case 0:
		args = []string{"case", "create", "--workflow", "default", "--assign", "admin"}
	case 1:
		args = []string{"case", "status", c.last, "Pending"}
	case 2:
		args = []string{"case", "tag", c.last, "+crash-" + strconv.Itoa(i)}
	case 3:
		args = []string{"case", "comment", c.last, "note " + strconv.Itoa(i)}
	}
	r := c.d.run("admin", append([]string{"--db", c.db}, args...)...)
	if i%4 == 0 && r.code == 0 {
		c.last = strings.TrimSpace(r.stdout)
	}
	return r.code == 0
}

func TestOutboxSurvivesKill(t *testing.T) {
	d := newDocket(t)
	rounds, long := 1, false
	if v := os.Getenv("DOCKET_OUTBOX_KILLS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("DOCKET_OUTBOX_KILLS=%q: want a positive number", v)
		}
		rounds, long = n, true
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 5))
	t.Logf("rounds %d, seed %d", rounds, seed)

	db := filepath.Join(d.dir, "docket.db")
	d.ok("admin", "--db", db, "user", "list")
	recv := newSwitchReceiver(t)
	secretFile := filepath.Join(d.dir, "secret")
	os.WriteFile(secretFile, []byte(crashSecret+"\n"), 0o600)
	d.ok("admin", "--db", db, "webhook", "add", recv.URL+"/docket", "--events", "*", "--secret-file", secretFile)

	ch := &changer{d: d, db: db}
	committed := 0 // changes whose command exited 0
	for round := range rounds {
		srv := startServer(t, d, db)
		if !long {
			// Blocked: every change is queued, one delivery per case
			// held in flight (three cases), none answered; then the kill.
			for range 12 {
				if !ch.next() {
					t.Fatalf("change %d failed\n%s", ch.n, srv.errOut)
				}
				committed++
			}
			waitUntil(t, func() bool { return recv.held.Load() == 3 }, srv.errOut)
			srv.kill(t, d)
			break
		}
		recv.up.Store(rng.IntN(2) == 0)
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-stop:
					return
				default:
				}
				if ch.next() {
					committed++
				}
			}
		}()
		time.Sleep(time.Duration(50+rng.IntN(1500)) * time.Millisecond)
		srv.kill(t, d)
		close(stop)
		<-done
		t.Logf("round %d: receiver up %v, %d changes tried so far, %d exited 0", round, recv.up.Load(), ch.n, committed)
	}

	// The receiver answers; the restarted server sends what is pending.
	recv.up.Store(true)
	srv := startServer(t, d, db)
	var ds []model.Delivery
	var total int
	waitFor := time.Now().Add(2 * time.Minute)
	for ; ; time.Sleep(100 * time.Millisecond) {
		ds = nil
		if err := json.Unmarshal([]byte(d.ok("admin", "--db", db, "webhook", "deliveries", "--json", "--limit", "0")), &ds); err != nil {
			t.Fatal(err)
		}
		pending := 0
		for _, dl := range ds {
			if dl.State != model.DeliveryDelivered {
				pending++
			}
		}
		if pending == 0 {
			break
		}
		if time.Now().After(waitFor) {
			t.Fatalf("%d of %d deliveries still not delivered\n%s", pending, len(ds), srv.errOut)
		}
	}
	var page struct{ Cases []struct{ Version int64 } }
	if err := json.Unmarshal([]byte(d.ok("admin", "--db", db, "case", "list", "--queue", "all", "--limit", "1000000", "--json")), &page); err != nil {
		t.Fatal(err)
	}
	for _, c := range page.Cases {
		total += int(c.Version)
	}
	srv.cmd.Process.Signal(os.Interrupt)
	if r := d.wait(srv.cmd, srv.out, srv.errOut, time.Now()); r.code != 0 {
		t.Fatalf("serve after SIGINT: exit %d\n%s", r.code, r.stderr)
	}
	d.check(db, "the kills")

	got, bad := recv.got()
	if bad != 0 {
		t.Fatalf("%d deliveries did not verify", bad)
	}
	// One delivery per change, and each one's event received.
	if len(ds) != total {
		t.Fatalf("the cases' audit trails hold %d changes, the outbox %d deliveries", total, len(ds))
	}
	twice := 0
	for _, dl := range ds {
		n := got[dl.Event]
		if n == 0 {
			t.Fatalf("event %s (%s of %s) was never received", dl.Event, dl.Name, dl.CaseName)
		}
		twice += n - 1
		delete(got, dl.Event)
	}
	if len(got) != 0 {
		t.Fatalf("the receiver got %d events the outbox never held", len(got))
	}
	t.Logf("%d changes tried, %d exited 0, %d committed, every event received (%d more than once)", ch.n, committed, total, twice)
	if total < committed || total > ch.n {
		t.Fatalf("%d changes tried, %d exited 0, yet %d committed", ch.n, committed, total)
	}
}
