package store

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"docket/store/bolt"
)

// tmpfs mounts a small file system of its own for a test (root only; the
// test is skipped, saying why, where mounting is not allowed).
func tmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs to fill (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// fill takes the file system's free space, leaving about keep bytes.
func fill(t *testing.T, dir string, keep int64) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	must(t, err)
	defer f.Close()
	chunk := bytes.Repeat([]byte{'x'}, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	f.Sync()
	fi, _ := f.Stat()
	must(t, f.Truncate(max(0, fi.Size()-keep)))
	return path
}

const secret = "passport number X9912-SECRET-7781"

// A redaction on a full disk is saved; the compaction that would take its
// bytes out of the file fails and says so, the database stays fully
// usable (open, read, check) and says what is pending until a compaction
// succeeds, which then removes the bytes.
func TestRedactionOnAFullDisk(t *testing.T) {
	boltOnly(t)
	dir := tmpfs(t, "8m")
	path := filepath.Join(dir, "docket.db")
	s, err := Open(path, Options{})
	must(t, err)
	_, err = s.Login("ada")
	must(t, err)
	c, err := s.CreateCase("ada", NewCase{Workflow: "default", Assignee: "ada"})
	must(t, err)
	_, err = s.Comment(Target{Actor: "ada", Case: c.Name}, secret+strings.Repeat(" padding", 20000))
	must(t, err)
	_, err = s.Redact(Target{Actor: "ada", Case: c.Name})
	must(t, err)
	filler := fill(t, dir, 4096)
	err = s.Close()
	if !errors.Is(err, ErrScrubPending) || !strings.Contains(err.Error(), "the redaction is saved") {
		t.Fatalf("close on a full disk: %v", err)
	}

	s, err = Open(path, Options{})
	must(t, err)
	if w := strings.Join(s.Warnings(), "\n"); !strings.Contains(w, "a redaction's bytes are still in the file's free pages") {
		t.Fatalf("warnings on open: %q", w)
	}
	d, err := s.CaseDetail(c.Name)
	must(t, err)
	if !d.Case.Redacted || d.Comments[0].Body != "" {
		t.Fatalf("the redaction was not kept: %+v", d.Comments[0])
	}
	r, err := s.Check()
	must(t, err)
	if len(r.Problems) > 0 || len(r.Notices) != 1 {
		t.Fatalf("check: problems %v, notices %v", r.Problems, r.Notices)
	}
	s.Close()

	must(t, os.Remove(filler))
	_, _, err = bolt.Compact(path)
	must(t, err)
	raw, err := os.ReadFile(path)
	must(t, err)
	if bytes.Contains(raw, []byte("X9912-SECRET")) {
		t.Fatal("the redacted bytes survived the compaction")
	}
	s, err = Open(path, Options{})
	must(t, err)
	defer s.Close()
	if len(s.Warnings()) > 0 {
		t.Fatalf("warnings after compaction: %v", s.Warnings())
	}
}

// Compacting through a symbolic link rewrites the file it points to and
// leaves the link a link.
func TestCompactFollowsASymlink(t *testing.T) {
	boltOnly(t)
	s, _ := newStore(t)
	c := mustCase(t, s, "default", "ravi")
	_, err := s.Comment(Target{Actor: "ravi", Case: c.Name}, secret)
	must(t, err)
	real := s.Path()
	must(t, s.Close())
	link := filepath.Join(t.TempDir(), "link.db")
	must(t, os.Symlink(real, link))

	s, err = Open(link, Options{})
	must(t, err)
	_, err = s.Redact(Target{Actor: "ada", Case: c.Name})
	must(t, err)
	must(t, s.Close())
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link is no longer a link: %v %v", fi.Mode(), err)
	}
	raw, err := os.ReadFile(real)
	must(t, err)
	if bytes.Contains(raw, []byte("X9912-SECRET")) {
		t.Fatal("the redacted bytes survived in the file the link points to")
	}
}
