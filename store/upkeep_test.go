package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"docket/model"
	"docket/store/bolt"
)

// caseNames lists every case name in the file at path.
func caseNames(t *testing.T, path string) []string {
	t.Helper()
	s, err := Open(path, Options{ReadOnly: true})
	must(t, err)
	defer s.Close()
	page, err := s.List(Query{Queue: QueueAll, Actor: "ada", Limit: 1000, Sort: SortOldest})
	must(t, err)
	var names []string
	for _, c := range page.Cases {
		names = append(names, c.Name+"@"+c.Status)
	}
	return names
}

func TestBackupOfAClosedDatabase(t *testing.T) {
	boltOnly(t)
	s, _ := checkedStore(t)
	path := s.Path()
	must(t, s.Close())
	dst := filepath.Join(t.TempDir(), "backup.db")
	must(t, BackupFile(path, dst, "ada"))
	if got, want := strings.Join(caseNames(t, dst), " "), strings.Join(caseNames(t, path), " "); got != want {
		t.Fatalf("backup holds %s, database %s", got, want)
	}
	if fi, _ := os.Stat(dst); fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup mode %v, want 0600", fi.Mode().Perm())
	}
}

// TestBackupWhileInUse backs up a database another handle holds and writes
// to all the while: the copy is taken without the lock and must check out.
func TestBackupWhileInUse(t *testing.T) {
	boltOnly(t)
	s, _ := checkedStore(t)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			mustCase(t, s, "default", "")
		}
	}()
	dst := filepath.Join(t.TempDir(), "backup.db")
	err := BackupFile(s.Path(), dst, "ada")
	close(stop)
	wg.Wait()
	must(t, err)
	if n := len(caseNames(t, dst)); n < 3 {
		t.Fatalf("backup holds %d cases", n)
	}
}

func TestRestore(t *testing.T) {
	boltOnly(t)
	s, ids := checkedStore(t)
	path := s.Path()
	backup := filepath.Join(t.TempDir(), "backup.db")
	must(t, s.Backup(backup, "ada"))
	want := caseNames(t, backup)

	// In use: refused, nothing touched.
	if _, err := Restore(backup, path, "ada"); !errors.Is(err, ErrInUse) {
		t.Fatalf("restore over an open database: %v", err)
	}
	// Decide a case after the backup, then restore: the decision is gone
	// from the database, kept in the replaced file.
	_, err := s.SetStatus(Target{Actor: "mia", Case: ids[2]}, StatusChange{Status: "Pending"})
	must(t, err)
	must(t, s.Close())
	decided := caseNames(t, path)
	kept, err := Restore(backup, path, "ada")
	must(t, err)
	if got := caseNames(t, path); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("restored %v, backup %v", got, want)
	}
	if got := caseNames(t, kept); strings.Join(got, " ") != strings.Join(decided, " ") {
		t.Fatalf("kept %v, had %v", got, decided)
	}
}

func TestRestoreRefusesABadBackup(t *testing.T) {
	boltOnly(t)
	s, _ := checkedStore(t)
	path := s.Path()
	must(t, s.Close())
	before, _ := os.ReadFile(path)
	dir := t.TempDir()
	notDB := filepath.Join(dir, "notes.txt")
	must(t, os.WriteFile(notDB, []byte("hello"), 0o600))
	damaged := filepath.Join(dir, "damaged.db")
	must(t, BackupFile(path, damaged, "ada"))
	d, err := Open(damaged, Options{})
	must(t, err)
	must(t, d.db.Edit(func(r *bolt.Raw) error { return r.Delete("names", []byte("CASE-1")) }))
	must(t, d.Close())
	for file, want := range map[string]string{notDB: "not a readable database", damaged: "does not check out"} {
		if _, err := Restore(file, path, "ada"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("restore from %s: %v, want %q", filepath.Base(file), err, want)
		}
		if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
			t.Fatalf("a refused restore from %s changed the database", filepath.Base(file))
		}
	}
	if matches, _ := filepath.Glob(path + ".*"); len(matches) > 0 {
		t.Fatalf("left behind %v", matches)
	}
}

func TestCompactKeepsEverythingAndShrinks(t *testing.T) {
	boltOnly(t)
	s, _ := newStore(t)
	// Many small commits leave the file with free pages to give back.
	for i := 0; i < 12; i++ {
		c := mustCase(t, s, "default", "ravi")
		_, err := s.UpdateFields(Target{Actor: "ravi", Case: c.Name}, []byte(`{"notes":"`+strings.Repeat("x", 100_000)+`"}`))
		must(t, err)
		_, err = s.UpdateFields(Target{Actor: "ravi", Case: c.Name}, []byte(`{"notes":null}`))
		must(t, err)
	}
	path := s.Path()
	must(t, s.Close())
	want := caseNames(t, path)
	before, after, err := bolt.Compact(path)
	must(t, err)
	if after <= 0 || after >= before {
		t.Fatalf("size %d → %d", before, after)
	}
	if got := caseNames(t, path); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("after compaction %d cases, before %d", len(got), len(want))
	}
	s2, err := Open(path, Options{})
	must(t, err)
	defer s2.Close()
	if _, _, err := bolt.Compact(path); !errors.Is(err, ErrInUse) {
		t.Fatalf("compact while open: %v", err)
	}
	must(t, problemsOf(s2))
}

// TestRedactedBytesLeaveTheFile searches the raw database file for the
// personal data of a redacted case: present before, gone after redaction
// and compaction, free pages included.
func TestRedactedBytesLeaveTheFile(t *testing.T) {
	boltOnly(t)
	s, clk := newStore(t)
	c := mustCase(t, s, "default", "ravi")
	target := Target{Actor: "ravi", Case: c.Name}
	secrets := []string{"Xanthippe-Quarrington", "1961-04-12-Vlora", "rang-from-burner-7741", "Kowalczyk-IBAN-PL61", "note-Sebastopol-338"}
	person := inquiry("inq_secret", "Xanthippe", "Quarrington")
	person.Attributes = []byte(`{"name-first":"Xanthippe-Quarrington","birthdate":"1961-04-12-Vlora"}`)
	_, err := s.Attach(target, person)
	must(t, err)
	_, err = s.UpdateFields(target, []byte(`{"phone":{"note":"rang-from-burner-7741"},"iban":"Kowalczyk-IBAN-PL61"}`))
	must(t, err)
	_, err = s.Comment(target, "note-Sebastopol-338")
	must(t, err)
	clk.advance(time.Minute)
	_, err = s.SetStatus(target, StatusChange{Status: "Pending", Comment: "asked Xanthippe-Quarrington for ID"})
	must(t, err)
	// Other cases keep their data.
	other := mustCase(t, s, "default", "mia")
	_, err = s.Comment(Target{Actor: "mia", Case: other.Name}, "keep-this-comment-5150")
	must(t, err)

	path := s.Path()
	raw, _ := os.ReadFile(path)
	for _, secret := range secrets {
		if !bytes.Contains(bytes.ToLower(raw), bytes.ToLower([]byte(secret))) {
			t.Fatalf("%q is not in the file even before redaction: the search is broken", secret)
		}
	}
	_, err = s.Redact(Target{Actor: "ada", Case: c.Name})
	must(t, err)
	// A copy taken now is the file as a crash would leave it: redacted,
	// not yet compacted. Opening it must finish the job.
	crashed := filepath.Join(t.TempDir(), "crashed.db")
	must(t, s.Backup(crashed, "ada"))
	if raw, _ := os.ReadFile(crashed); !bytes.Contains(raw, []byte(secrets[0])) {
		t.Fatal("the uncompacted copy lacks the secret: the crash case tests nothing")
	}
	must(t, s.Close()) // compacts

	for _, file := range []string{path, crashed} {
		if file == crashed {
			reopened, err := Open(crashed, Options{})
			must(t, err)
			must(t, reopened.Close())
		}
		assertGone(t, file, secrets)
	}
	s, err = Open(path, Options{})
	must(t, err)
	defer s.Close()
	d, err := s.CaseDetail(c.Name)
	must(t, err)
	if !d.Case.Redacted || len(d.Broken) > 0 || len(d.Events) != int(d.Case.Version) {
		t.Fatalf("after redaction: redacted %v, chain %v, %d events for version %d", d.Case.Redacted, d.Broken, len(d.Events), d.Case.Version)
	}
	if d.Events[len(d.Events)-1].Kind != model.EventRedacted {
		t.Fatal("the redaction is not in the audit trail")
	}
}

// assertGone searches a database file's raw bytes for the secrets, and
// for a comment another case keeps.
func assertGone(t *testing.T, path string, secrets []string) {
	t.Helper()
	raw, _ := os.ReadFile(path)
	lower := bytes.ToLower(raw)
	for _, secret := range secrets {
		if i := bytes.Index(lower, bytes.ToLower([]byte(secret))); i >= 0 {
			t.Errorf("%q is still in the file at byte %d", secret, i)
		}
	}
	if !bytes.Contains(raw, []byte("keep-this-comment-5150")) {
		t.Error("another case's comment went missing")
	}
}
