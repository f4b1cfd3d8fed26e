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
	"docket/store/pgtest"
)

// The rules run on PostgreSQL as on bbolt: a case made, moved and decided,
// the refusals, the queues and the audit trail that verifies.
func TestServerStoreRunsTheRules(t *testing.T) {
	c := newClock()
	s := openAt(t, pgtest.DB(t), c)
	if _, err := s.Login("ada"); err != nil {
		t.Fatal(err)
	}
	must(t, s.AddUser("ada", model.User{Name: "lena", Role: model.RoleLead}))
	must(t, s.AddUser("ada", model.User{Name: "ravi", Role: model.RoleReviewer}))
	k := mustCase(t, s, "default", "ravi")
	if k.Name != "CASE-1" {
		t.Fatalf("first case named %s", k.Name)
	}
	_, err := s.SetStatus(Target{Actor: "ravi", Case: k.Name}, StatusChange{Status: "Declined"})
	if err == nil || !strings.Contains(err.Error(), "needs a reason") {
		t.Fatalf("a decline without its reason: %v", err)
	}
	_, err = s.SetStatus(Target{Actor: "ravi", Case: k.Name}, StatusChange{Status: "Pending", Comment: "docs"})
	must(t, err)
	got, err := s.SetStatus(Target{Actor: "ravi", Case: k.Name, Expect: 2}, StatusChange{Status: "Approved"})
	must(t, err)
	if got.Status != "Approved" || got.Resolver != "ravi" || got.Version != 3 {
		t.Fatalf("after approving: %+v", got)
	}
	if _, err := s.SetStatus(Target{Actor: "lena", Case: k.Name, Expect: 2}, StatusChange{Status: "Open"}); err == nil {
		t.Fatal("a change from a stale version went through")
	}
	d, err := s.CaseDetail(k.Name)
	must(t, err)
	if len(d.Events) != 3 || len(d.Broken) > 0 {
		t.Fatalf("trail: %d events, broken: %v", len(d.Events), d.Broken)
	}
	closed, err := s.List(Query{Queue: QueueClosed})
	must(t, err)
	if len(closed.Cases) != 1 || closed.Total != 1 || closed.Cases[0].ID != k.ID {
		t.Fatalf("closed queue: %+v", closed)
	}
	counts, err := s.Counts("ravi")
	must(t, err)
	if counts[QueueClosed] != 1 || counts[QueueOpen] != 0 || counts[QueueMine] != 0 {
		t.Fatalf("counts: %v", counts)
	}
	r, err := s.Check()
	must(t, err)
	if len(r.Problems) > 0 || r.Cases != 1 || r.Events != 3 {
		t.Fatalf("check on a server: %+v", r)
	}
}

// serverWithTeam opens a store on a new PostgreSQL database of its own
// with ada (admin) and lena (lead).
func serverWithTeam(t *testing.T) (dsn string, s *Store, c *clock) {
	t.Helper()
	dsn, c = pgtest.DB(t), newClock()
	s = openAt(t, dsn, c)
	if _, err := s.Login("ada"); err != nil {
		t.Fatal(err)
	}
	must(t, s.AddUser("ada", model.User{Name: "lena", Role: model.RoleLead}))
	return dsn, s, c
}

// case next, from 50 pullers in two processes (two stores, each with its
// own connections) on one database, hands out every case exactly once.
func TestCaseNextAcrossProcessesGivesEachCaseOnce(t *testing.T) {
	dsn := pgtest.DB(t)
	c := newClock()
	a := openAt(t, dsn, c)
	if _, err := a.Login("ada"); err != nil {
		t.Fatal(err)
	}
	const pullers, cases = 50, 150
	for i := range pullers {
		must(t, a.AddUser("ada", model.User{Name: fmt.Sprintf("r%02d", i), Role: model.RoleReviewer}))
	}
	must(t, a.AddUser("ada", model.User{Name: "lena", Role: model.RoleLead}))
	for range cases {
		mustCase(t, a, "default", "")
	}
	b := openAt(t, dsn, c) // the second process
	var mu sync.Mutex
	got := map[string]string{}
	var wg sync.WaitGroup
	errs := make(chan error, pullers)
	for i := range pullers {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Add(1)
		go func(user string) {
			defer wg.Done()
			for {
				k, err := s.NextCase(user, "")
				if errors.Is(err, model.ErrNotFound) {
					return
				}
				if err != nil {
					errs <- fmt.Errorf("%s: %w", user, err)
					return
				}
				mu.Lock()
				if other, dup := got[k.ID]; dup {
					errs <- fmt.Errorf("%s was handed to %s and to %s", k.Name, other, user)
				}
				got[k.ID] = user
				mu.Unlock()
			}
		}(fmt.Sprintf("r%02d", i))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(got) != cases {
		t.Fatalf("%d cases handed out, want %d", len(got), cases)
	}
	page, err := a.List(Query{Queue: QueueUnassigned})
	must(t, err)
	if page.Total != 0 {
		t.Fatalf("%d cases still unassigned", page.Total)
	}
}

// A change made through one process shows in another's change feed (the
// sessions of a second server) within a second, through LISTEN/NOTIFY.
func TestChangesCrossProcesses(t *testing.T) {
	dsn, a, c := serverWithTeam(t)
	k := mustCase(t, a, "default", "")
	b := openAt(t, dsn, c)
	feed := b.Subscribe()
	defer feed.Close()
	own := a.Subscribe()
	defer own.Close()
	time.Sleep(200 * time.Millisecond) // b is listening
	_, err := a.SetStatus(Target{Actor: "lena", Case: k.Name}, StatusChange{Status: "Pending"})
	must(t, err)
	select {
	case <-feed.Ready():
		if ch := feed.Take(); !slices.Contains(ch.Cases, k.ID) && !ch.All {
			t.Fatalf("the other process heard %+v, not %s", ch, k.ID)
		}
	case <-time.After(time.Second):
		t.Fatal("the other process heard nothing within a second")
	}
	<-own.Ready()
	if ch := own.Take(); len(ch.Cases) != 1 || ch.All {
		t.Fatalf("the writing process's own feed: %+v; want its change once, not its own announcement again", ch)
	}
	select {
	case <-own.Ready():
		t.Fatalf("the writing process heard its own announcement: %+v", own.Take())
	case <-time.After(300 * time.Millisecond):
	}
}

// A webhook added through one process gets the changes made through
// another process that was running before it was added; one removed
// there gets no more.
func TestWebhookAddedElsewhereGetsChanges(t *testing.T) {
	dsn, a, c := serverWithTeam(t)
	b := openAt(t, dsn, c) // running before the webhook exists
	w, err := a.AddWebhook("ada", NewWebhook{URL: "https://hooks.example.com/docket", Events: []string{"case.created"},
		Secrets: [][]byte{[]byte("a-secret-of-enough-bytes")}})
	must(t, err)
	mustCase(t, b, "default", "")
	ds, err := a.Deliveries("ada", DeliveryQuery{})
	must(t, err)
	if len(ds) != 1 || ds[0].Webhook != w.ID {
		t.Fatalf("deliveries after a case made through the other process: %+v", ds)
	}
	_, err = a.RemoveWebhook("ada", w.ID)
	must(t, err)
	mustCase(t, b, "default", "")
	if ds, _ := a.Deliveries("ada", DeliveryQuery{}); len(ds) != 1 {
		t.Fatalf("a removed webhook was queued for: %+v", ds)
	}
}

// A workflow version loaded through one process is the one another,
// running since before, moves cases by, and lists.
func TestWorkflowLoadedElsewhereRulesEverywhere(t *testing.T) {
	dsn, a, c := serverWithTeam(t)
	const v1 = "id: kyc\nname: KYC\nkey: KYC\nstatuses:\n  - {name: Open, type: initial}\n  - {name: Done, type: end}\n"
	must(t, a.LoadWorkflow("ada", mustParse(t, v1)))
	b := openAt(t, dsn, c) // running before version 2
	k := mustCase(t, b, "kyc", "")
	must(t, a.LoadWorkflow("ada", mustParse(t, strings.Replace(v1, "  - {name: Done", "  - {name: Escalated, type: intermediate}\n  - {name: Done", 1))))
	if _, err := b.SetStatus(Target{Actor: "lena", Case: k.ID}, StatusChange{Status: "Escalated"}); err != nil {
		t.Fatalf("the other process moves by the old version: %v", err)
	}
	w, err := b.Workflow("kyc")
	must(t, err)
	if len(w.Statuses) != 3 {
		t.Fatalf("the other process lists %d statuses of kyc, want 3", len(w.Statuses))
	}
}

// A transaction moves cases by the workflows its snapshot holds from its
// start to its end, whatever version the process loads meanwhile.
func TestATransactionKeepsTheWorkflowsItBeganWith(t *testing.T) {
	dsn, a, c := serverWithTeam(t)
	const v1 = "id: kyc\nname: KYC\nkey: KYC\nstatuses:\n  - {name: Open, type: initial}\n  - {name: Done, type: end}\n"
	must(t, a.LoadWorkflow("ada", mustParse(t, v1)))
	b := openAt(t, dsn, c)
	err := b.update(func(x *txn) error {
		began, err := x.workflow("kyc")
		must(t, err)
		// Another process loads version 2, and a later transaction of this
		// one reads it into memory.
		must(t, a.LoadWorkflow("ada", mustParse(t, strings.Replace(v1, "  - {name: Done", "  - {name: Escalated, type: intermediate}\n  - {name: Done", 1))))
		must(t, b.view(func(*txn) error { return nil }))
		if w := b.workflow("kyc"); len(w.Statuses) != 3 {
			t.Errorf("the process holds %d statuses of kyc after a later transaction, want version 2's 3", len(w.Statuses))
		}
		now, err := x.workflow("kyc")
		must(t, err)
		if now != began {
			t.Errorf("the transaction's kyc changed under it: %d statuses, began with %d", len(now.Statuses), len(began.Statuses))
		}
		return errNoChange
	})
	must(t, err)
}

// docket compact on a server rewrites its tables without the dead row
// versions a redaction leaves (VACUUM FULL), as an admin only.
func TestCompactOnAServer(t *testing.T) {
	dsn, s, _ := serverWithTeam(t)
	k := mustCase(t, s, "default", "")
	_, err := s.Redact(Target{Actor: "ada", Case: k.Name})
	must(t, err)
	if _, _, err := Compact(dsn, "lena"); !errors.Is(err, model.ErrForbidden) {
		t.Fatalf("a lead compacting: %v; want a refusal", err)
	}
	before, after, err := Compact(dsn, "ada")
	must(t, err)
	if before <= 0 || after <= 0 {
		t.Fatalf("sizes %d → %d", before, after)
	}
	d, err := s.CaseDetail(k.Name)
	must(t, err)
	if !d.Case.Redacted || len(d.Broken) > 0 {
		t.Fatalf("after compacting: redacted %t, broken %v", d.Case.Redacted, d.Broken)
	}
}

// check on a server names a case rewritten behind docket's back and a
// count that no longer agrees with the cases.
func TestCheckOnAServerFindsDamage(t *testing.T) {
	dsn, s, _ := serverWithTeam(t)
	k := mustCase(t, s, "default", "")
	_, err := s.SetStatus(Target{Actor: "lena", Case: k.Name}, StatusChange{Status: "Declined", Reason: "fraud"})
	must(t, err)
	db := pgtest.Conn(t, dsn)
	for _, sql := range []string{
		`UPDATE cases SET record = convert_to(replace(convert_from(record, 'UTF8'), '"Declined"', '"Approved"'), 'UTF8') WHERE id = '` + k.ID + `'`,
		`INSERT INTO queue_counts VALUES ('unassigned', 15, 5) ON CONFLICT (queue, shard) DO UPDATE SET n = queue_counts.n + 5`,
	} {
		if _, err := db.Exec(t.Context(), sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	r, err := s.Check()
	must(t, err)
	var all []string
	for _, p := range r.Problems {
		all = append(all, p.String())
	}
	text := strings.Join(all, "\n")
	for _, want := range []string{"CASE-1 says Approved; its trail ends at Declined", "count of the unassigned queue"} {
		if !strings.Contains(text, want) {
			t.Errorf("check found:\n%s\nnot %q", text, want)
		}
	}
}

// A server's address is named without its password wherever docket says
// which database it is: Path (what the command line and serve's log
// print) and the errors the store makes.
func TestAServersAddressIsShownWithoutItsPassword(t *testing.T) {
	dsn := pgtest.DB(t)
	user, rest, ok := strings.Cut(strings.TrimPrefix(dsn, "postgres://"), "@")
	if !ok || strings.Contains(user, ":") {
		t.Skipf("the test server's address %s has no user to give a password to, or has one", RedactServer(dsn))
	}
	withPassword := "postgres://" + user + ":s3cret-pw@" + rest // the test server trusts loopback
	s := openAt(t, withPassword, newClock())
	if strings.Contains(s.Path(), "s3cret-pw") || !IsServer(s.Path()) {
		t.Fatalf("Path() = %q", s.Path())
	}
	if _, err := s.Digest(); err == nil || strings.Contains(err.Error(), "s3cret-pw") {
		t.Fatalf("a file-only operation on a server: %v", err)
	}
}
