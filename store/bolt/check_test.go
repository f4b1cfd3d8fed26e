package bolt

import (
	"bytes"
	"strings"
	"testing"

	"docket/model"
	"docket/store/backend"
)

// checkedDB is a small file with a bit of the layout: CASE-1 decided by
// ravi, tagged, holding an inquiry and an account; CASE-2 unassigned;
// CASE-3 mia's, sharing the account.
func checkedDB(t *testing.T) (*DB, []string) {
	d := openTest(t)
	a := testCase(1, "ravi", "Declined", model.End)
	a.Tags = []string{"vip"}
	a.Objects = []model.ObjectRef{{Kind: model.KindInquiry, Type: "inquiry", ID: "inq_1"}, {Kind: model.KindAccount, Type: "account", ID: "act_1"}}
	b := testCase(2, "", "Open", model.Initial)
	c := testCase(3, "mia", "Open", model.Initial)
	c.Objects = []model.ObjectRef{{Kind: model.KindAccount, Type: "account", ID: "act_1"}}
	update(t, d, func(tx backend.Tx) error {
		for _, cs := range []*model.Case{a, b, c} {
			if err := putCase(tx, cs); err != nil {
				return err
			}
		}
		return nil
	})
	return d, []string{a.ID, b.ID, c.ID}
}

func TestCheckCleanLayout(t *testing.T) {
	d, _ := checkedDB(t)
	var problems []string
	found, err := d.Check(checkRules(&problems))
	must(t, err)
	if len(problems) > 0 || found.Cases != 3 || found.Events != 3 || found.IndexEntries == 0 {
		t.Fatalf("found %+v, problems %v", found, problems)
	}
}

// TestCheckFindsDamageToTheLayout damages the file's index, summaries,
// counts and links in one way per case, the way a bug or a hand edit
// might, and expects check to name it. (What check makes of damage to
// the records a case's trail binds is store's TestCheckFindsDamage.)
func TestCheckFindsDamageToTheLayout(t *testing.T) {
	tests := []struct {
		name   string
		damage func(tx *boltTx, ids []string) error
		want   string
	}{
		{"index entry removed", func(tx *boltTx, ids []string) error {
			c := header(tx, ids[1])
			return tx.bucket(bIndex).Delete(indexKey(pUnassigned(), orderDeadline, c))
		}, "case CASE-2 (|index entry unassigned queue by deadline is missing"},
		{"stray index entry", func(tx *boltTx, ids []string) error {
			c := header(tx, ids[2])
			return tx.bucket(bStatusIdx).Put(indexKey(pStatus("default", "approved"), orderDeadline, c), nil)
		}, "index entry status default/approved by deadline|does not match case CASE-3"},
		{"status entry in the queue index", func(tx *boltTx, ids []string) error {
			c := header(tx, ids[2])
			return tx.bucket(bIndex).Put(indexKey(pStatus("default", "open"), orderDeadline, c), nil)
		}, "index entry status default/open by deadline|is in the bucket index, not statusidx"},
		{"entry for a missing case", func(tx *boltTx, ids []string) error {
			c := header(tx, ids[2])
			c.ID = "case_gone"
			return tx.bucket(bIndex).Put(indexKey(pUnassigned(), orderCreated, c), nil)
		}, `points to case "case_gone", which does not exist`},
		{"stale summary", func(tx *boltTx, ids []string) error {
			c := header(tx, ids[2])
			old := *c
			old.Subject = "Someone Else"
			return tx.bucket(bCases).Put(summaryKey(c.ID), encodeSummary(&old))
		}, "CASE-3 (" + "|its row summary is missing or stale"},
		{"summary lost", func(tx *boltTx, ids []string) error {
			return tx.bucket(bCases).Delete(summaryKey(ids[1]))
		}, "its row summary is missing or stale"},
		{"summary without its case", func(tx *boltTx, ids []string) error {
			return tx.bucket(bCases).Put(summaryKey("case_gone"), encodeSummary(&model.Case{ID: "case_gone"}))
		}, `row summary "case_gone\x00"|has no case`},
		{"stale search text", func(tx *boltTx, ids []string) error {
			c := header(tx, ids[0])
			return tx.bucket(bIndex).Put(indexKey(pAssignee("ravi", false), orderDeadline, c), textEntry(encodeSummary(&model.Case{Name: "Someone Else"})))
		}, "ravi's closed cases by deadline carries a stale search text"},
		{"count off", func(tx *boltTx, ids []string) error {
			return tx.bucket(bCounts).Put([]byte(pQueue(true)), []byte{0, 0, 0, 0, 0, 0, 0, 9})
		}, "count open queue by deadline|says 9, the cases say 2"},
		{"status count off", func(tx *boltTx, ids []string) error {
			return tx.bucket(bStatusCounts).Put([]byte(pStatus("default", "open")), []byte{0, 0, 0, 0, 0, 0, 0, 7})
		}, "count status default/open by deadline|says 7, the cases say 2"},
		{"status count among the queue counts", func(tx *boltTx, ids []string) error {
			p := []byte(pStatus("default", "open"))
			v := bytes.Clone(tx.bucket(bStatusCounts).Get(p))
			if err := tx.bucket(bStatusCounts).Delete(p); err != nil {
				return err
			}
			return tx.bucket(bCounts).Put(p, v)
		}, "count status default/open by deadline|is in the counts bucket, not in statuscounts"},
		{"status move with a queue key", func(tx *boltTx, ids []string) error {
			return tx.bucket(bStatusMoves).Put(indexKey(pQueue(true), orderDeadline, header(tx, ids[1])), []byte{moveGone})
		}, "is not a key of the status index"},
		{"status move saying neither", func(tx *boltTx, ids []string) error {
			return tx.bucket(bStatusMoves).Put(indexKey(pStatus("default", "open"), orderDeadline, header(tx, ids[1])), []byte{7})
		}, "says neither present nor gone"},
		{"object link lost", func(tx *boltTx, ids []string) error {
			return tx.bucket(bLinks).Delete(linkKey("act_1", ids[2]))
		}, "the link from account act_1 back to it is missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ids := checkedDB(t)
			must(t, d.Edit(func(r *Raw) error { return tt.damage(r.b, ids) }))
			var problems []string
			_, err := d.Check(checkRules(&problems))
			must(t, err)
			text := strings.Join(problems, "\n")
			for _, want := range strings.Split(tt.want, "|") {
				if !strings.Contains(text, want) {
					t.Errorf("problems:\n%s\nlack %q", text, want)
				}
			}
		})
	}
}

func header(tx *boltTx, id string) *model.Case {
	c, err := decodeCase(tx.bucket(bCases).Get([]byte(id)))
	if err != nil {
		panic(err)
	}
	return c
}

// A move between open statuses changes the status counts alone, which
// live in a bucket small enough to sit inside the page of bucket roots:
// the queue counts' page is not rewritten.
func TestOpenStatusMoveLeavesTheQueueCountsPage(t *testing.T) {
	d, ids := checkedDB(t)
	roots := func() (counts, statusCounts uint64) {
		must(t, d.View(func(tx backend.Tx) error {
			b := tx.(*boltTx).tx
			counts, statusCounts = uint64(b.Bucket(bCounts).Root()), uint64(b.Bucket(bStatusCounts).Root())
			return nil
		}))
		return counts, statusCounts
	}
	countsBefore, _ := roots()
	update(t, d, func(tx backend.Tx) error {
		old := header(tx.(*boltTx), ids[1])
		c := *old
		c.Status, c.Version = "Pending", c.Version+1
		return tx.PutCase(old, &c)
	})
	countsAfter, statusCounts := roots()
	if countsAfter != countsBefore {
		t.Errorf("the queue counts moved from page %d to %d: rewritten by a move between open statuses", countsBefore, countsAfter)
	}
	if statusCounts != 0 {
		t.Errorf("the status counts have a page of their own (%d), not inline", statusCounts)
	}
	must(t, d.View(func(tx backend.Tx) error {
		for status, want := range map[string]int{"Open": 1, "Pending": 1, "Declined": 1} {
			if n, _ := tx.InStatus("default", status); n != want {
				t.Errorf("%d cases in %s, want %d", n, status, want)
			}
		}
		return nil
	}))
	var problems []string
	_, err := d.Check(checkRules(&problems))
	must(t, err)
	if len(problems) > 0 {
		t.Errorf("check after the move: %q", problems)
	}
}
