package store

import (
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"docket/model"
)

// checkedStore is a small database with a bit of everything: assigned and
// unassigned cases, a decision with a comment, tags, a shared object.
func checkedStore(t *testing.T) (*Store, []string) {
	s, _ := newStore(t)
	a := mustCase(t, s, "default", "ravi")
	b := mustCase(t, s, "default", "")
	c := mustCase(t, s, "default", "mia")
	_, err := s.Attach(Target{Actor: "ravi", Case: a.Name}, inquiry("inq_1", "Amara", "Okafor"), account("act_1", "Amara", "Okafor"))
	must(t, err)
	_, err = s.Attach(Target{Actor: "mia", Case: c.Name}, account("act_1", "Amara", "Okafor"))
	must(t, err)
	_, err = s.Tag(Target{Actor: "ravi", Case: a.Name}, []string{"vip"}, nil)
	must(t, err)
	_, err = s.Comment(Target{Actor: "ravi", Case: a.Name}, "passport photo looks edited")
	must(t, err)
	_, err = s.SetStatus(Target{Actor: "ravi", Case: a.Name}, StatusChange{Status: "Declined", Comment: "fraud ring", Reason: "fraud"})
	must(t, err)
	return s, []string{a.ID, b.ID, c.ID}
}

func TestCheckCleanDatabase(t *testing.T) {
	s, _ := checkedStore(t)
	r, err := s.Check()
	must(t, err)
	if len(r.Problems) > 0 || r.Cases != 3 || r.Events == 0 || r.IndexEntries == 0 {
		t.Fatalf("report %+v", r)
	}
}

// TestCheckFindsDamage damages the file in one way per case, the way a bug
// or a hand edit might, and expects check to name it.
func TestCheckFindsDamage(t *testing.T) {
	tests := []struct {
		name   string
		damage func(tx *bolt.Tx, ids []string) error
		want   string
	}{
		{"index entry removed", func(tx *bolt.Tx, ids []string) error {
			c := header(tx, ids[1])
			return tx.Bucket(bIndex).Delete(indexKey(pUnassigned(), orderDeadline, c))
		}, "case CASE-2 (|index entry unassigned queue by deadline is missing"},
		{"stray index entry", func(tx *bolt.Tx, ids []string) error {
			c := header(tx, ids[2])
			return tx.Bucket(bIndex).Put(indexKey(pStatus("default", "approved"), orderDeadline, c), nil)
		}, "index entry status default/approved by deadline|does not match case CASE-3"},
		{"entry for a missing case", func(tx *bolt.Tx, ids []string) error {
			c := header(tx, ids[2])
			c.ID = "case_gone"
			return tx.Bucket(bIndex).Put(indexKey(pUnassigned(), orderCreated, c), nil)
		}, `points to case "case_gone", which does not exist`},
		{"stale summary", func(tx *bolt.Tx, ids []string) error {
			c := header(tx, ids[2])
			raw := tx.Bucket(bCases).Get([]byte(c.ID))
			old := *c
			old.Subject = "Someone Else"
			return tx.Bucket(bIndex).Put(indexKey(pQueue(true), orderDeadline, c), encodeSummary(&old, raw))
		}, "open queue by deadline carries a stale row summary"},
		{"count off", func(tx *bolt.Tx, ids []string) error {
			return tx.Bucket(bCounts).Put([]byte(pQueue(true)), []byte{0, 0, 0, 0, 0, 0, 0, 9})
		}, "count open queue by deadline|says 9, the cases say 2"},
		{"name claim lost", func(tx *bolt.Tx, ids []string) error {
			return tx.Bucket(bNames).Delete([]byte("CASE-2"))
		}, `its name CASE-2 is claimed by ""`},
		{"object link lost", func(tx *bolt.Tx, ids []string) error {
			return tx.Bucket(bLinks).Delete(linkKey("act_1", ids[2]))
		}, "the link from account act_1 back to it is missing"},
		{"event edited", func(tx *bolt.Tx, ids []string) error {
			return editEvent(tx, ids[0], 4, func(v string) string {
				return strings.Replace(v, "passport photo looks edited", "all fine", 1)
			})
		}, "event 4: its content does not match its hash: edited"},
		{"event removed", func(tx *bolt.Tx, ids []string) error {
			return tx.Bucket(bEvents).Delete(seqKey(ids[0], 3))
		}, "event 3: missing: the trail jumps to event 4"},
		{"last event removed", func(tx *bolt.Tx, ids []string) error {
			return tx.Bucket(bEvents).Delete(seqKey(ids[0], 5))
		}, "the case is at version 5 but its trail ends at event 4"},
		{"events swapped", func(tx *bolt.Tx, ids []string) error {
			b := tx.Bucket(bEvents)
			two, three := string(b.Get(seqKey(ids[0], 2))), string(b.Get(seqKey(ids[0], 3)))
			if err := b.Put(seqKey(ids[0], 2), []byte(three)); err != nil {
				return err
			}
			return b.Put(seqKey(ids[0], 3), []byte(two))
		}, "is stored under another case or number (says case"},
		{"trail of a case that is gone", func(tx *bolt.Tx, ids []string) error {
			return tx.Bucket(bEvents).Put(seqKey("case_gone", 1), []byte(`{"case_id":"case_gone","seq":1}`))
		}, `audit trail of case "case_gone"|has 1 events but the case does not exist`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ids := checkedStore(t)
			must(t, s.db.Update(func(tx *bolt.Tx) error { return tt.damage(tx, ids) }))
			r, err := s.Check()
			must(t, err)
			var all []string
			for _, p := range r.Problems {
				all = append(all, p.String())
			}
			text := strings.Join(all, "\n")
			for _, want := range strings.Split(tt.want, "|") {
				if !strings.Contains(text, want) {
					t.Errorf("problems:\n%s\nlack %q", text, want)
				}
			}
		})
	}
}

func TestCheckSeesRedactedTrailIntact(t *testing.T) {
	s, ids := checkedStore(t)
	_, err := s.Redact(Target{Actor: "ada", Case: ids[0]})
	must(t, err)
	r, err := s.Check()
	must(t, err)
	if len(r.Problems) > 0 {
		t.Fatalf("after redaction: %v", r.Problems)
	}
}

func header(tx *bolt.Tx, id string) *model.Case {
	c, err := decodeCase(tx.Bucket(bCases).Get([]byte(id)))
	if err != nil {
		panic(err)
	}
	return c
}

func editEvent(tx *bolt.Tx, id string, seq int64, fn func(string) string) error {
	b := tx.Bucket(bEvents)
	return b.Put(seqKey(id, seq), []byte(fn(string(b.Get(seqKey(id, seq))))))
}
