package store

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"docket/model"
	"docket/store/bolt"
	"docket/workflows"
)

func TestSecondOpenFailsFast(t *testing.T) {
	boltOnly(t)
	path := dbPath(t)
	first := openAt(t, path, newClock())
	_ = first
	start := time.Now()
	_, err := Open(path, Options{})
	took := time.Since(start)
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("second open: %v", err)
	}
	if want := "database " + path + " is in use by another docket process"; !strings.Contains(err.Error(), want) {
		t.Fatalf("message %q lacks %q", err, want)
	}
	if took > 2*time.Second {
		t.Fatalf("second open took %v", took)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	boltOnly(t)
	path := dbPath(t)
	s := openAt(t, path, newClock())
	must(t, s.db.Edit(func(r *bolt.Raw) error { return r.Put("meta", []byte("schema"), []byte("99")) }))
	s.Close()
	before, _ := os.ReadFile(path)
	_, err := Open(path, Options{})
	if want := fmt.Sprintf("newer docket (schema 99; this binary reads up to %d)", SchemaVersion); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("got %v, want %q", err, want)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Fatal("a refused open changed the file")
	}
}

func TestNewDatabaseHasBuiltinsAndIsPrivate(t *testing.T) {
	boltOnly(t)
	path := filepath.Join(t.TempDir(), "new", "docket.db")
	s := openAt(t, path, newClock())
	var ids []string
	for _, w := range s.Workflows() {
		ids = append(ids, w.ID)
	}
	if strings.Join(ids, ",") != "default,pipeline,review,two-team" {
		t.Fatalf("workflows %v", ids)
	}
	fi, err := os.Stat(path)
	must(t, err)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("database mode %v", fi.Mode().Perm())
	}
	dir, err := os.Stat(filepath.Dir(path))
	must(t, err)
	if dir.Mode().Perm() != 0o700 {
		t.Fatalf("database directory mode %v", dir.Mode().Perm())
	}
}

func TestLoginBootstrapsFirstAdmin(t *testing.T) {
	s := openAt(t, dbPath(t), newClock())
	u, err := s.Login("first")
	must(t, err)
	if u.Role != model.RoleAdmin {
		t.Fatalf("first user %+v", u)
	}
	_, err = s.Login("second")
	if !errors.Is(err, model.ErrNotFound) || !strings.Contains(err.Error(), "known users: first") {
		t.Fatalf("second login: %v", err)
	}
}

func TestBackup(t *testing.T) {
	boltOnly(t)
	s, c := newStore(t)
	k := mustCase(t, s, "default", "ravi")
	dest := t.TempDir() + "/copy.db"
	must(t, s.Backup(dest, "ada"))
	_, err := s.Comment(Target{Actor: "ravi", Case: k.Name}, "after the backup")
	must(t, err)
	b := openAt(t, dest, c)
	got, err := b.CaseDetail(k.Name)
	must(t, err)
	if got.Case.ID != k.ID || len(got.Comments) != 0 {
		t.Fatalf("backup holds %+v", got)
	}
}

func TestChangeFeed(t *testing.T) {
	s, _ := newStore(t)
	feed := s.Subscribe()
	defer feed.Close()
	k := mustCase(t, s, "default", "ravi")
	_, err := s.Comment(Target{Actor: "ravi", Case: k.Name}, "x")
	must(t, err)
	select {
	case <-feed.Ready():
	case <-time.After(time.Second):
		t.Fatal("no change announced")
	}
	ch := feed.Take()
	if ch.All || len(ch.Cases) != 1 || ch.Cases[0] != k.ID {
		t.Fatalf("change %+v", ch)
	}
	// A refused write announces nothing.
	_, err = s.Comment(Target{Actor: "mia", Case: k.Name}, "x")
	if err == nil {
		t.Fatal("mia commented on ravi's case")
	}
	select {
	case <-feed.Ready():
		t.Fatalf("refused write announced %+v", feed.Take())
	default:
	}
}

func TestChangeFeedConcurrent(t *testing.T) {
	s, _ := newStore(t)
	feed := s.Subscribe()
	defer feed.Close()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				mustCase(t, s, "default", "")
			}
		}()
	}
	seen := map[string]bool{}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for {
		select {
		case <-feed.Ready():
			for _, id := range feed.Take().Cases {
				seen[id] = true
			}
			continue
		case <-done:
		}
		break
	}
	for _, id := range feed.Take().Cases {
		seen[id] = true
	}
	if len(seen) != 40 {
		t.Fatalf("feed saw %d of 40 new cases", len(seen))
	}
}

func TestLoadWorkflowKeepsStatusesInUse(t *testing.T) {
	s, _ := newStore(t)
	k := mustCase(t, s, "default", "ravi")
	_, err := s.SetStatus(Target{Actor: "ravi", Case: k.Name}, StatusChange{Status: "Pending"})
	must(t, err)
	dropPending := []byte(`id: default
name: Default review
key: CASE
statuses:
  - {name: Open, type: initial, key: O}
  - {name: Approved, type: end, key: A}
  - {name: Declined, type: end, key: D}
`)
	w, err := workflows.Parse("new.yaml", dropPending)
	must(t, err)
	before := snapshot(t, s)
	err = s.LoadWorkflow("ada", w)
	refused(t, s, err, model.ErrInvalid, `1 case(s) are in status "Pending"`, before)

	// Turning Pending into an end status would decide the case: only on
	// purpose (MigrateWorkflow), and then it is re-indexed as closed.
	endPending := []byte(`id: default
name: Default review
key: CASE
statuses:
  - {name: Open, type: initial, key: O}
  - {name: Pending, type: end, key: P}
  - {name: Approved, type: end, key: A}
  - {name: Declined, type: end, key: D}
`)
	w, err = workflows.Parse("new.yaml", endPending)
	must(t, err)
	err = s.LoadWorkflow("ada", w)
	refused(t, s, err, model.ErrInvalid, `1 case(s) are in status "Pending", which the new version makes end (was intermediate)`, before)
	_, err = s.MigrateWorkflow("ada", w)
	must(t, err)
	page, err := s.List(Query{Queue: QueueClosed})
	must(t, err)
	if page.Total != 1 || page.Cases[0].StatusType != model.End {
		t.Fatalf("closed queue %+v", page)
	}
	if got, _ := s.Workflow("default"); got.Lookup("pending").Type != model.End {
		t.Fatal("new version not in use")
	}
}
