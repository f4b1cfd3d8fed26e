package store

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"docket/model"
	"docket/store/bolt"
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
// or a hand edit might, and expects check to name it: what the rules find
// of a case against its trail, and the layout's names and keys. (Damage to
// the index, row summaries, counts and links is store/bolt's
// TestCheckFindsDamageToTheLayout.)
func TestCheckFindsDamage(t *testing.T) {
	boltOnly(t)
	tests := []struct {
		name   string
		damage func(r *bolt.Raw, ids []string) error
		want   string
	}{
		{"name claim lost", func(r *bolt.Raw, ids []string) error {
			return r.Delete("names", []byte("CASE-2"))
		}, `its name CASE-2 is claimed by ""`},
		{"event edited", func(r *bolt.Raw, ids []string) error {
			return r.Replace("cases", bolt.SeqKey(ids[0], 4), "passport photo looks edited", "all fine")
		}, "event 4: its content does not match its hash: edited"},
		{"event removed", func(r *bolt.Raw, ids []string) error {
			return r.Delete("cases", bolt.SeqKey(ids[0], 3))
		}, "event 3: missing: the trail jumps to event 4"},
		{"last event removed", func(r *bolt.Raw, ids []string) error {
			return r.Delete("cases", bolt.SeqKey(ids[0], 5))
		}, "the case is at version 5 but its trail ends at event 4"},
		{"events swapped", func(r *bolt.Raw, ids []string) error {
			two, three := r.Get("cases", bolt.SeqKey(ids[0], 2)), r.Get("cases", bolt.SeqKey(ids[0], 3))
			if err := r.Put("cases", bolt.SeqKey(ids[0], 2), three); err != nil {
				return err
			}
			return r.Put("cases", bolt.SeqKey(ids[0], 3), two)
		}, "is stored under another case or number (says case"},
		{"comment text edited", func(r *bolt.Raw, ids []string) error {
			return r.Replace("comments", bolt.SeqKey(ids[0], 1), "passport photo looks edited", "passport photo looks fine")
		}, "comment 1 (by ravi) does not match its digest: edited"},
		{"comment author edited", func(r *bolt.Raw, ids []string) error {
			return r.Replace("comments", bolt.SeqKey(ids[0], 1), `"author":"ravi"`, `"author":"lena"`)
		}, "comment 1 (by lena) does not match its digest: edited"},
		{"comment date edited", func(r *bolt.Raw, ids []string) error {
			return r.Replace("comments", bolt.SeqKey(ids[0], 1), `"created_at":"2026`, `"created_at":"2020`)
		}, "comment 1 (by ravi) does not match its digest: edited"},
		{"comment edited with its digest", func(r *bolt.Raw, ids []string) error {
			// Someone who knows the format seals the edit again.
			var cm model.Comment
			if err := json.Unmarshal(r.Get("comments", bolt.SeqKey(ids[0], 1)), &cm); err != nil {
				return err
			}
			cm.Body = "all fine"
			cm.Seal([]byte("8 bytes!"))
			return putJSON(r, "comments", bolt.SeqKey(ids[0], 1), cm)
		}, "its comments are not the ones its record says (1 stored)"},
		{"comment added outside docket", func(r *bolt.Raw, ids []string) error {
			cm := model.Comment{CaseID: ids[2], Seq: 1, ID: "c-x", Author: "mia", Body: "planted"}
			cm.Seal([]byte("8 bytes!"))
			return putJSON(r, "comments", bolt.SeqKey(ids[2], 1), cm)
		}, "case CASE-3 (|its comments are not the ones its record says (1 stored)"},
		{"fields edited", func(r *bolt.Raw, ids []string) error {
			return r.Put("fields", []byte(ids[1]), []byte(`{"risk":{"score":90}}`))
		}, "case CASE-2 (|its fields do not match their digest: changed outside docket"},
		{"object edited in place", func(r *bolt.Raw, ids []string) error {
			return r.Replace("objects", []byte("act_1"), "Amara", "Imara")
		}, "attached account act_1 does not match its digest: changed outside docket"},
		{"object rewritten with its digest", func(r *bolt.Raw, ids []string) error {
			o, err := r.Tx().Object("inq_1")
			if err != nil {
				return err
			}
			o.Attributes = []byte(`{"name-first":"Someone","name-last":"Else","status":"approved"}`)
			_, err = r.Tx().PutObject(o)
			return err
		}, "case CASE-1 (|its attached objects are not the ones its record says"},
		{"user's role edited", func(r *bolt.Raw, ids []string) error {
			return r.Replace("users", []byte("ravi"), `"role":"reviewer"`, `"role":"admin"`)
		}, `user "ravi"|does not match its record: the record does not match its digest`},
		{"workflow edited", func(r *bolt.Raw, ids []string) error {
			return r.Replace("workflows", []byte("default"), "require_reason: true", "require_reason: false")
		}, `workflow "default"|does not match its digest`},
		{"trail of a case that is gone", func(r *bolt.Raw, ids []string) error {
			return r.Put("cases", bolt.SeqKey("case_gone", 1), []byte(`{"case_id":"case_gone","seq":1}`))
		}, `audit trail of case "case_gone"|has 1 events but the case does not exist`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, ids := checkedStore(t)
			must(t, s.db.Edit(func(r *bolt.Raw) error { return tt.damage(r, ids) }))
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

// putJSON stores v as JSON, as a hand edit would.
func putJSON(r *bolt.Raw, bucket string, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return r.Put(bucket, key, raw)
}

// A decided case rewritten outside docket, with its index entries and
// counts made to match (as someone who knows the layout would), is named
// against its trail by check, case show and History, and refused by
// restore.
func TestCheckNamesARecordRewrittenAgainstItsTrail(t *testing.T) {
	boltOnly(t)
	s, ids := checkedStore(t)
	must(t, s.db.Edit(func(r *bolt.Raw) error {
		x := s.newTxn(r.Tx())
		c, err := x.caseByRef(ids[0])
		if err != nil {
			return err
		}
		old := c.Clone()
		c.Status, c.Assignee = "Approved", "mia"
		return x.putCase(old, c) // Edit writes what it gathered
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
