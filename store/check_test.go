package store

import (
	"fmt"
	"path/filepath"
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
	boltOnly(t)
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
	boltOnly(t)
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
			return tx.Bucket(bStatusIdx).Put(indexKey(pStatus("default", "approved"), orderDeadline, c), nil)
		}, "index entry status default/approved by deadline|does not match case CASE-3"},
		{"status entry in the queue index", func(tx *bolt.Tx, ids []string) error {
			c := header(tx, ids[2])
			return tx.Bucket(bIndex).Put(indexKey(pStatus("default", "open"), orderDeadline, c), nil)
		}, "index entry status default/open by deadline|is in the bucket index, not statusidx"},
		{"entry for a missing case", func(tx *bolt.Tx, ids []string) error {
			c := header(tx, ids[2])
			c.ID = "case_gone"
			return tx.Bucket(bIndex).Put(indexKey(pUnassigned(), orderCreated, c), nil)
		}, `points to case "case_gone", which does not exist`},
		{"stale summary", func(tx *bolt.Tx, ids []string) error {
			c := header(tx, ids[2])
			old := *c
			old.Subject = "Someone Else"
			return tx.Bucket(bCases).Put(summaryKey(c.ID), encodeSummary(&old))
		}, "CASE-3 (" + "|its row summary is missing or stale"},
		{"summary lost", func(tx *bolt.Tx, ids []string) error {
			return tx.Bucket(bCases).Delete(summaryKey(ids[1]))
		}, "its row summary is missing or stale"},
		{"summary without its case", func(tx *bolt.Tx, ids []string) error {
			return tx.Bucket(bCases).Put(summaryKey("case_gone"), encodeSummary(&model.Case{ID: "case_gone"}))
		}, `row summary "case_gone\x00"|has no case`},
		{"stale search text", func(tx *bolt.Tx, ids []string) error {
			c := header(tx, ids[0])
			return tx.Bucket(bIndex).Put(indexKey(pAssignee("ravi", false), orderDeadline, c), textEntry(encodeSummary(&model.Case{Name: "Someone Else"})))
		}, "ravi's closed cases by deadline carries a stale search text"},
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
			return tx.Bucket(bCases).Delete(seqKey(ids[0], 3))
		}, "event 3: missing: the trail jumps to event 4"},
		{"last event removed", func(tx *bolt.Tx, ids []string) error {
			return tx.Bucket(bCases).Delete(seqKey(ids[0], 5))
		}, "the case is at version 5 but its trail ends at event 4"},
		{"events swapped", func(tx *bolt.Tx, ids []string) error {
			b := tx.Bucket(bCases)
			two, three := string(b.Get(seqKey(ids[0], 2))), string(b.Get(seqKey(ids[0], 3)))
			if err := b.Put(seqKey(ids[0], 2), []byte(three)); err != nil {
				return err
			}
			return b.Put(seqKey(ids[0], 3), []byte(two))
		}, "is stored under another case or number (says case"},
		{"comment text edited", func(tx *bolt.Tx, ids []string) error {
			return editRecord(tx, bComments, seqKey(ids[0], 1), "passport photo looks edited", "passport photo looks fine")
		}, "comment 1 (by ravi) does not match its digest: edited"},
		{"comment author edited", func(tx *bolt.Tx, ids []string) error {
			return editRecord(tx, bComments, seqKey(ids[0], 1), `"author":"ravi"`, `"author":"lena"`)
		}, "comment 1 (by lena) does not match its digest: edited"},
		{"comment date edited", func(tx *bolt.Tx, ids []string) error {
			return editRecord(tx, bComments, seqKey(ids[0], 1), `"created_at":"2026`, `"created_at":"2020`)
		}, "comment 1 (by ravi) does not match its digest: edited"},
		{"comment edited with its digest", func(tx *bolt.Tx, ids []string) error {
			// Someone who knows the format seals the edit again.
			var cm model.Comment
			if _, err := getJSON(tx.Bucket(bComments), seqKey(ids[0], 1), &cm); err != nil {
				return err
			}
			cm.Body = "all fine"
			cm.Seal([]byte("8 bytes!"))
			return putJSON(tx.Bucket(bComments), seqKey(ids[0], 1), cm)
		}, "its comments are not the ones its record says (1 stored)"},
		{"comment added outside docket", func(tx *bolt.Tx, ids []string) error {
			cm := model.Comment{CaseID: ids[2], Seq: 1, ID: "c-x", Author: "mia", Body: "planted"}
			cm.Seal([]byte("8 bytes!"))
			return putJSON(tx.Bucket(bComments), seqKey(ids[2], 1), cm)
		}, "case CASE-3 (|its comments are not the ones its record says (1 stored)"},
		{"fields edited", func(tx *bolt.Tx, ids []string) error {
			return tx.Bucket(bFields).Put([]byte(ids[1]), []byte(`{"risk":{"score":90}}`))
		}, "case CASE-2 (|its fields do not match their digest: changed outside docket"},
		{"object edited in place", func(tx *bolt.Tx, ids []string) error {
			return editRecord(tx, bObjects, []byte("act_1"), "Amara", "Imara")
		}, "attached account act_1 does not match its digest: changed outside docket"},
		{"object rewritten with its digest", func(tx *bolt.Tx, ids []string) error {
			o, err := decodeObject(tx.Bucket(bObjects).Get([]byte("inq_1")))
			if err != nil {
				return err
			}
			o.Attributes = []byte(`{"name-first":"Someone","name-last":"Else","status":"approved"}`)
			return tx.Bucket(bObjects).Put([]byte("inq_1"), encodeObject(o))
		}, "case CASE-1 (|its attached objects are not the ones its record says"},
		{"user's role edited", func(tx *bolt.Tx, ids []string) error {
			return editRecord(tx, bUsers, []byte("ravi"), `"role":"reviewer"`, `"role":"admin"`)
		}, `user "ravi"|does not match its record: the record does not match its digest`},
		{"workflow edited", func(tx *bolt.Tx, ids []string) error {
			return editRecord(tx, bWorkflows, []byte("default"), "require_reason: true", "require_reason: false")
		}, `workflow "default"|does not match its digest`},
		{"trail of a case that is gone", func(tx *bolt.Tx, ids []string) error {
			return tx.Bucket(bCases).Put(seqKey("case_gone", 1), []byte(`{"case_id":"case_gone","seq":1}`))
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
	boltOnly(t)
	s, ids := checkedStore(t)
	_, err := s.Redact(Target{Actor: "ada", Case: ids[0]})
	must(t, err)
	r, err := s.Check()
	must(t, err)
	if len(r.Problems) > 0 {
		t.Fatalf("after redaction: %v", r.Problems)
	}
}

// editRecord replaces text in a stored value, as a hand edit would.
func editRecord(tx *bolt.Tx, bucket, key []byte, from, to string) error {
	v := string(tx.Bucket(bucket).Get(key))
	if !strings.Contains(v, from) {
		return fmt.Errorf("%s %q holds no %q: %s", bucket, key, from, v)
	}
	return tx.Bucket(bucket).Put(key, []byte(strings.Replace(v, from, to, 1)))
}

// A decided case rewritten outside docket, with its index entries and
// counts made to match (as someone who knows the layout would), is named
// against its trail by check, case show and History, and refused by
// restore.
func TestCheckNamesARecordRewrittenAgainstItsTrail(t *testing.T) {
	boltOnly(t)
	s, ids := checkedStore(t)
	must(t, s.db.Update(func(tx *bolt.Tx) error {
		x := s.boltTxn(tx)
		c, err := x.caseByRef(ids[0])
		if err != nil {
			return err
		}
		old := c.Clone()
		c.Status, c.Assignee = "Approved", "mia"
		if err := x.putCase(old, c); err != nil {
			return err
		}
		return x.be.Finish()
	}))
	want := []string{
		"CASE-1 says Approved; its trail ends at Declined (by ravi, 2026-11-02 09:00)",
		"CASE-1 says assignee mia; its trail ends at ravi (by ravi, 2026-11-02 09:00)",
	}
	r, err := s.Check()
	must(t, err)
	text := fmt.Sprint(r.Problems)
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("check: %s\nlacks %q", text, w)
		}
	}
	if strings.Contains(text, "index") || strings.Contains(text, "count") {
		t.Errorf("the indexes were made to match, yet check says: %s", text)
	}
	d, err := s.CaseDetail("CASE-1")
	must(t, err)
	if text := fmt.Sprint(d.Broken); !strings.Contains(text, want[0]) {
		t.Errorf("case detail: %s", text)
	}
	backup := filepath.Join(t.TempDir(), "forged.db")
	must(t, s.Backup(backup, "ada"))
	_, err = Restore(backup, filepath.Join(t.TempDir(), "restored.db"), "ada")
	if err == nil || !strings.Contains(err.Error(), "its trail ends at Declined") {
		t.Fatalf("restore of the forged file: %v", err)
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
	b := tx.Bucket(bCases)
	return b.Put(seqKey(id, seq), []byte(fn(string(b.Get(seqKey(id, seq))))))
}
