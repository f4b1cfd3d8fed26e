package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"docket/model"
	"docket/store/backend"
	"docket/store/bolt"
)

// commitsSoFar is the id of the file's last committed transaction: each
// commit (each fsync) adds one.
func commitsSoFar(t testing.TB, s *Store) int {
	t.Helper()
	var id int
	must(t, s.db.ViewRaw(func(r *bolt.Raw) error { id = r.ID(); return nil }))
	return id
}

// holdCommits runs a write that keeps the write transaction until the
// returned func is called, so that writes started meanwhile queue up as
// one group. The held write itself writes nothing.
func holdCommits(t *testing.T, s *Store) (release func()) {
	t.Helper()
	entered, let, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- s.update(func(x *txn) error {
			close(entered)
			<-let
			return errNoChange
		})
	}()
	<-entered
	return func() { close(let); must(t, <-done) }
}

// queueInOrder starts each op in a goroutine once the one before it has
// queued behind the held commit, so the group runs them in this order.
// wait returns their errors.
func queueInOrder(t *testing.T, s *Store, ops ...func() error) (wait func() []error) {
	t.Helper()
	errs := make([]error, len(ops))
	var wg sync.WaitGroup
	for i, op := range ops {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = op() }()
		waitQueued(t, s, i+1)
	}
	return func() []error { wg.Wait(); return errs }
}

func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		s.commits.mu.Lock()
		queued := len(s.commits.queue)
		s.commits.mu.Unlock()
		if queued >= n {
			return
		}
	}
	t.Fatalf("%d writes never queued", n)
}

func decide(s *Store, actor string, c *model.Case, status string) func() error {
	return func() error {
		_, err := s.SetStatus(Target{Actor: actor, Case: c.ID}, StatusChange{Status: status})
		return err
	}
}

func statusOf(t *testing.T, s *Store, c *model.Case) string {
	t.Helper()
	got, err := s.Case(c.ID)
	must(t, err)
	return got.Status
}

// Writes that arrive while a commit runs share the next one: ten
// decisions, one transaction, one fsync.
func TestWritesArrivingTogetherShareOneCommit(t *testing.T) {
	boltOnly(t)
	s, _ := newStore(t)
	var cases []*model.Case
	var ops []func() error
	for range 10 {
		c := mustCase(t, s, "default", "mia")
		cases = append(cases, c)
		ops = append(ops, decide(s, "mia", c, "Pending"))
	}
	before := commitsSoFar(t, s)
	release := holdCommits(t, s)
	wait := queueInOrder(t, s, ops...)
	release()
	for i, err := range wait() {
		if err != nil {
			t.Fatalf("decision %d: %v", i, err)
		}
	}
	if n := commitsSoFar(t, s) - before; n != 1 {
		t.Fatalf("10 decisions queued together took %d commits, want 1", n)
	}
	for _, c := range cases {
		if got := statusOf(t, s, c); got != "Pending" {
			t.Fatalf("%s is %s after its decision", c.Name, got)
		}
	}
	checkClean(t, s)
}

// A refusal in a group is that writer's alone: the others commit, in the
// same single commit, and the refused case is untouched.
func TestRefusalInAGroupLeavesTheOthers(t *testing.T) {
	boltOnly(t)
	s, _ := newStore(t)
	a, b, c := mustCase(t, s, "default", "mia"), mustCase(t, s, "default", "mia"), mustCase(t, s, "default", "mia")
	before := commitsSoFar(t, s)
	release := holdCommits(t, s)
	wait := queueInOrder(t, s, decide(s, "mia", a, "Pending"), decide(s, "ravi", b, "Pending"), decide(s, "mia", c, "Pending"))
	release()
	errs := wait()
	if errs[0] != nil || errs[2] != nil {
		t.Fatalf("the allowed decisions failed: %v, %v", errs[0], errs[2])
	}
	if !errors.Is(errs[1], model.ErrForbidden) || !strings.Contains(errs[1].Error(), b.Name) {
		t.Fatalf("ravi deciding mia's case: %v, want his own refusal naming %s", errs[1], b.Name)
	}
	if got := []string{statusOf(t, s, a), statusOf(t, s, b), statusOf(t, s, c)}; !slices.Equal(got, []string{"Pending", "Open", "Pending"}) {
		t.Fatalf("statuses after the group: %v", got)
	}
	if n := commitsSoFar(t, s) - before; n != 1 {
		t.Fatalf("the group took %d commits, want 1", n)
	}
	checkClean(t, s)
}

// A write that fails after writing part of its change leaves none of it,
// whether it returns an error or panics, while the writes around it in
// the group commit.
func TestFailureAfterPartialWritesInAGroupLeavesNothing(t *testing.T) {
	boltOnly(t)
	for _, how := range []string{"error", "panic"} {
		t.Run(how, func(t *testing.T) {
			s, _ := newStore(t)
			a, b, c := mustCase(t, s, "default", "mia"), mustCase(t, s, "default", "mia"), mustCase(t, s, "default", "mia")
			half := func() error {
				return s.update(func(x *txn) error {
					if err := x.putUser(model.User{Name: "ghost", Role: model.RoleAdmin}); err != nil {
						return err
					}
					cur, err := x.caseByRef(b.ID)
					if err != nil {
						return err
					}
					old := cur.Clone()
					cur.Status = "Declined"
					if err := x.record(old, cur, "mia", model.Event{Kind: model.EventStatus, From: old.Status, To: "Declined"}); err != nil {
						return err
					}
					if how == "panic" {
						panic("half way")
					}
					return model.Invalidf("refused half way")
				})
			}
			feed := s.Subscribe()
			defer feed.Close()
			release := holdCommits(t, s)
			wait := queueInOrder(t, s, decide(s, "mia", a, "Pending"), half, decide(s, "mia", c, "Pending"))
			release()
			errs := wait()
			if errs[0] != nil || errs[2] != nil {
				t.Fatalf("the other writes failed: %v, %v", errs[0], errs[2])
			}
			want := map[string]error{"error": model.ErrInvalid, "panic": ErrDamaged}[how]
			if !errors.Is(errs[1], want) {
				t.Fatalf("the failing write returned %v, want %v", errs[1], want)
			}
			if _, err := s.User("ghost"); !errors.Is(err, model.ErrNotFound) {
				t.Fatalf("the failed write's user is there: %v", err)
			}
			if got := statusOf(t, s, b); got != "Open" {
				t.Fatalf("the failed write's decision is there: %s", got)
			}
			if got := statusOf(t, s, a) + statusOf(t, s, c); got != "PendingPending" {
				t.Fatalf("the other writes did not land: %s", got)
			}
			ch := feed.Take()
			slices.Sort(ch.Cases)
			wantIDs := []string{a.ID, c.ID}
			slices.Sort(wantIDs)
			if !slices.Equal(ch.Cases, wantIDs) {
				t.Fatalf("the feed announced %v, want only the committed %v", ch.Cases, wantIDs)
			}
			checkClean(t, s)
		})
	}
}

// A no-op and a dry run in a group report success and write nothing; the
// real change beside them commits.
func TestNoChangeInAGroup(t *testing.T) {
	boltOnly(t)
	s, _ := newStore(t)
	a, b, c := mustCase(t, s, "default", "mia"), mustCase(t, s, "default", "mia"), mustCase(t, s, "default", "mia")
	var plan BulkPlan
	dry := func() (err error) {
		plan, err = s.PlanStatus("lena", []string{c.ID}, StatusChange{Status: "Pending"})
		return err
	}
	release := holdCommits(t, s)
	noop := func() error { _, err := s.SetTags(Target{Actor: "mia", Case: a.ID}, nil); return err }
	before := snapshot(t, s)
	wait := queueInOrder(t, s, noop, dry, decide(s, "mia", b, "Pending"))
	release()
	for i, err := range wait() {
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if len(plan.Changed) != 1 {
		t.Fatalf("the dry run planned %+v", plan)
	}
	if got := statusOf(t, s, a) + statusOf(t, s, b) + statusOf(t, s, c); got != "OpenPendingOpen" {
		t.Fatalf("statuses: %s", got)
	}
	after := snapshot(t, s)
	for _, keys := range []map[string]string{before, after} {
		for k := range keys {
			if (strings.Contains(k, a.ID) || strings.Contains(k, c.ID)) && before[k] != after[k] {
				t.Errorf("key %q changed by a write that should leave nothing", k)
			}
		}
	}
	checkClean(t, s)
}

// Many writers at once, each deciding its own cases: every decision lands
// exactly once, with fewer commits than decisions (run with -race).
func TestConcurrentWritersAllLand(t *testing.T) {
	s, _ := newStore(t)
	const writers, each = 16, 4
	var cases [writers][]*model.Case
	for w := range writers {
		for range each {
			cases[w] = append(cases[w], mustCase(t, s, "default", "mia"))
		}
	}
	onFile := s.server == nil // a server runs each write alone: no commits to count
	before := 0
	if onFile {
		before = commitsSoFar(t, s)
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	start := make(chan struct{})
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for _, c := range cases[w] {
				if err := decide(s, "mia", c, "Pending")(); err != nil {
					errs <- fmt.Errorf("%s: %w", c.Name, err)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for w := range writers {
		for _, c := range cases[w] {
			got, err := s.Case(c.ID)
			must(t, err)
			if got.Status != "Pending" || got.Version != c.Version+1 {
				t.Fatalf("%s: %s at version %d, want Pending at %d", c.Name, got.Status, got.Version, c.Version+1)
			}
		}
	}
	if !onFile {
		checkClean(t, s)
		return
	}
	if n := commitsSoFar(t, s) - before; n > writers*each {
		t.Fatalf("%d decisions took %d commits", writers*each, n)
	}
	checkClean(t, s)
}

// A conflict between two writes of one group is decided in queue order:
// the first commits, the second is refused as stale.
func TestConflictInsideAGroup(t *testing.T) {
	boltOnly(t)
	s, _ := newStore(t)
	a := mustCase(t, s, "default", "mia")
	at := func(status string) func() error {
		return func() error {
			_, err := s.SetStatus(Target{Actor: "mia", Case: a.ID, Expect: a.Version}, StatusChange{Status: status})
			return err
		}
	}
	release := holdCommits(t, s)
	wait := queueInOrder(t, s, at("Pending"), at("Approved"))
	release()
	errs := wait()
	if errs[0] != nil || !errors.Is(errs[1], model.ErrConflict) {
		t.Fatalf("errors %v, want nil and a conflict", errs)
	}
	if got := statusOf(t, s, a); got != "Pending" {
		t.Fatalf("status %s, want Pending", got)
	}
}

// A write may run more than once when another in its group fails: an
// import batch counts what it wrote once, not once per run.
func TestImportCountsOnceWhenItsGroupRunsAgain(t *testing.T) {
	boltOnly(t)
	alone, _ := newStore(t)
	want := importFiles(t, alone, fixtures+"case.json")

	s, _ := newStore(t)
	var got ImportResult
	imp := func() (err error) {
		got, err = s.Import([]Source{src(fixtures + "case.json")}, ImportOptions{Actor: "ada"})
		return err
	}
	fail := func() error {
		return s.update(func(x *txn) error { return model.Invalidf("refused") })
	}
	release := holdCommits(t, s)
	wait := queueInOrder(t, s, imp, fail)
	release()
	if errs := wait(); errs[0] != nil || errs[1] == nil {
		t.Fatalf("errors %v, want the import to succeed and the other to fail", errs)
	}
	if got.Created != want.Created || got.Objects != want.Objects || got.Comments != want.Comments || !slices.Equal(got.NewUsers, want.NewUsers) {
		t.Fatalf("import run again in its group reports %+v, alone %+v", got, want)
	}
}

// A group holds at most maxGroup writes; the rest form the next one.
func TestGroupsAreBounded(t *testing.T) {
	boltOnly(t)
	s, _ := newStore(t)
	n := maxGroup + 10
	before := commitsSoFar(t, s)
	release := holdCommits(t, s)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- s.update(func(x *txn) error {
				return x.be.PutState(fmt.Sprintf("test-%d", i), []byte("x"))
			})
		}()
	}
	waitQueued(t, s, n)
	release()
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	if got := commitsSoFar(t, s) - before; got != 2 {
		t.Fatalf("%d writes queued together took %d commits, want 2 (%d, then 10)", n, got, maxGroup)
	}
}

// givesUp is a database whose next Updates run their function and then
// give up, as PostgreSQL's does when a transaction keeps meeting
// concurrent ones: nothing is written.
type givesUp struct {
	backend.DB
	mu   sync.Mutex
	left int
}

func (g *givesUp) Update(fn func(backend.Tx) error) error {
	g.mu.Lock()
	giveUp := g.left > 0
	g.left--
	g.mu.Unlock()
	if !giveUp {
		return g.DB.Update(fn)
	}
	gaveUp := fmt.Errorf("gave up after 12 attempts, each meeting a concurrent change: %w", backend.ErrContended)
	g.DB.Update(func(tx backend.Tx) error {
		fn(tx)
		return gaveUp // rolled back
	})
	return gaveUp
}

// A group whose transaction gave up on concurrent writers wrote nothing:
// each of its writes runs again alone, with its own outcome. None is
// refused with what it met in the run that gave up (the write that met
// the concurrent change there is not to blame), and none fails only for
// its neighbours' contention; a write whose own transaction gives up says
// so.
func TestGroupThatGaveUpRunsEachWriteAlone(t *testing.T) {
	boltOnly(t)
	for _, giveUps := range []int{1, 2} { // the group's; then the first write's alone too
		s, _ := newStore(t)
		a, b := mustCase(t, s, "default", "mia"), mustCase(t, s, "default", "mia")
		met := errors.New("met a concurrent change") // as a serialization failure surfaces in the run
		runs := 0
		metOnce := func() error {
			return s.update(func(x *txn) error {
				if runs++; runs == 1 {
					return met
				}
				return x.addUser(model.User{Name: "newcomer"})
			})
		}
		release := holdCommits(t, s)
		s.be = &givesUp{DB: s.be, left: giveUps}
		wait := queueInOrder(t, s, decide(s, "mia", a, "Pending"), metOnce, decide(s, "mia", b, "Pending"))
		release()
		errs := wait()
		if errs[1] != nil || errs[2] != nil {
			t.Fatalf("%d give-ups: the writes after the first failed: %v, %v", giveUps, errs[1], errs[2])
		}
		wantA := "Pending"
		if giveUps == 2 {
			wantA = "Open"
			if !errors.Is(errs[0], backend.ErrContended) {
				t.Fatalf("a write whose own transaction gave up: %v", errs[0])
			}
		} else if errs[0] != nil {
			t.Fatalf("the first write: %v", errs[0])
		}
		if _, err := s.User("newcomer"); err != nil || statusOf(t, s, a) != wantA || statusOf(t, s, b) != "Pending" {
			t.Fatalf("%d give-ups: newcomer %v, %s %s, %s %s", giveUps, err, a.Name, statusOf(t, s, a), b.Name, statusOf(t, s, b))
		}
		checkClean(t, s)
	}
}
