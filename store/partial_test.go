package store

import (
	"os"
	"testing"

	"docket/store/bolt"
)

// A compaction killed after one of its intermediate commits (bbolt.Compact
// commits every 64 MB) leaves PATH.partial holding buckets. The next
// compaction must start that file afresh, not fail on "bucket already
// exists".
func TestCompactAfterAKilledCompaction(t *testing.T) {
	boltOnly(t)
	s, _ := newStore(t)
	if _, err := s.CreateCase("ada", NewCase{Workflow: "default"}); err != nil {
		t.Fatal(err)
	}
	before, err := s.Digest()
	must(t, err)
	path := s.Path()
	must(t, s.Close())
	must(t, bolt.EditFile(path+".partial", func(r *bolt.Raw) error {
		for _, name := range []string{"cases", "meta"} {
			if err := r.CreateBucket(name); err != nil {
				return err
			}
		}
		return nil
	}))
	if _, _, err := bolt.Compact(path); err != nil {
		t.Fatalf("compact after a killed one: %v", err)
	}
	if _, err := os.Stat(path + ".partial"); !os.IsNotExist(err) {
		t.Fatalf("the partial file is still there: %v", err)
	}
	s = openAt(t, path, newClock())
	after, err := s.Digest()
	must(t, err)
	if before != after {
		t.Fatal("the compacted database holds something else")
	}
}
