package bolt

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"docket/model"
	"docket/store/backend"
)

// Whether the status moves are folded at once, now and then or never, a
// status prefix reads as the cases say it should: in order either way,
// from any position, and check finds nothing wrong.
func TestStatusMovesReadAsTheIndex(t *testing.T) {
	for _, fold := range []int{-1, 300, 1 << 30} {
		t.Run(fmt.Sprintf("fold above %d", fold), func(t *testing.T) {
			defer func(was int) { foldAbove = was }(foldAbove)
			foldAbove = fold
			d := openTest(t)
			rng := rand.New(rand.NewPCG(1, uint64(fold)))
			statuses := []struct {
				name string
				typ  model.StatusType
			}{{"Open", model.Initial}, {"Pending", model.Intermediate}, {"Approved", model.End}, {"Declined", model.End}}
			cases := make([]*model.Case, 30)
			for i := range cases {
				st := statuses[rng.IntN(len(statuses))]
				c := testCase(i, "", st.name, st.typ)
				c.ID = fmt.Sprintf("case_%03d", i)
				c.Name = fmt.Sprintf("CASE-%d", i)
				c.SLAExpiresAt = t0.Add(time.Duration(rng.IntN(5)) * time.Hour) // shared deadlines: ties
				cases[i] = c
				update(t, d, func(tx backend.Tx) error { return putCase(tx, c) })
			}
			for move := range 150 {
				i := rng.IntN(len(cases))
				old, c := cases[i], *cases[i]
				st := statuses[rng.IntN(len(statuses))]
				c.Status, c.StatusType, c.Version = st.name, st.typ, c.Version+1
				if rng.IntN(5) == 0 {
					c.SLAExpiresAt = c.SLAExpiresAt.Add(time.Hour) // a new deadline within one status too
				}
				update(t, d, func(tx backend.Tx) error { return tx.PutCase(old, &c) })
				cases[i] = &c
				if move%15 == 14 {
					for _, st := range statuses {
						checkStatusReads(t, d, cases, st.name, rng)
					}
					var problems []string
					_, err := d.Check(checkRules(&problems))
					must(t, err)
					if len(problems) > 0 {
						t.Fatalf("after move %d, check: %q", move, problems)
					}
				}
			}
			if fold == 1<<30 {
				notes := 0
				must(t, d.View(func(tx backend.Tx) error {
					notes = tx.(*boltTx).tx.Bucket(bStatusMoves).Stats().KeyN
					return nil
				}))
				if notes == 0 {
					t.Error("no notes left unfolded: the test read the index alone")
				}
			}
		})
	}
}

// checkStatusReads compares the status prefix's scans, forward and back,
// from the start and from positions, with the sort keys of the cases in
// that status.
func checkStatusReads(t *testing.T, d *DB, cases []*model.Case, status string, rng *rand.Rand) {
	t.Helper()
	var want [][]byte
	for _, c := range cases {
		if c.Status == status {
			want = append(want, sortKey(orderDeadline, c))
		}
	}
	slices.SortFunc(want, bytes.Compare)
	reversed := slices.Clone(want)
	slices.Reverse(reversed)
	p := pStatus("default", status)
	scan := func(tx *bbolt.Tx, reverse bool, from position) [][]byte {
		var got [][]byte
		for s := newScanner(tx, p, orderDeadline, reverse, from); s.key != nil; s.next() {
			got = append(got, bytes.Clone(s.key))
		}
		return got
	}
	same := func(what string, got, want [][]byte) {
		if !slices.EqualFunc(got, want, bytes.Equal) {
			t.Fatalf("%s %s: %d entries %q, want %d %q", status, what, len(got), got, len(want), want)
		}
	}
	must(t, d.View(func(btx backend.Tx) error {
		tx := btx.(*boltTx).tx
		same("forward", scan(tx, false, position{}), want)
		same("reverse", scan(tx, true, position{}), reversed)
		for range 5 {
			// From a case in the status, or from another case's key.
			from := sortKey(orderDeadline, cases[rng.IntN(len(cases))])
			i, _ := slices.BinarySearchFunc(want, from, bytes.Compare)
			j := i // the first at or past from
			past := i
			if i < len(want) && bytes.Equal(want[i], from) {
				past = i + 1
			}
			same("forward past a key", scan(tx, false, position{key: from}), want[past:])
			same("forward from a key", scan(tx, false, position{key: from, inclusive: true}), want[j:])
			before := slices.Clone(want[:i])
			slices.Reverse(before)
			same("reverse past a key", scan(tx, true, position{key: from}), before)
			atOrBefore := slices.Clone(want[:past])
			slices.Reverse(atOrBefore)
			same("reverse from a key", scan(tx, true, position{key: from, inclusive: true}), atOrBefore)
		}
		var ids []string
		for _, sk := range want {
			ids = append(ids, caseIDOf(orderDeadline, sk))
		}
		got, err := btx.CasesIn("default", status)
		must(t, err)
		if !slices.Equal(got, slices.Compact(ids)) {
			t.Fatalf("CasesIn %s: %q, want %q", status, got, ids)
		}
		return nil
	}))
}

// A move between open statuses writes its two status entries as notes,
// inside the page of bucket roots: the status index's pages are not
// rewritten until the notes are folded, and then once for several moves.
func TestStatusMovesLeaveTheIndexPagesUntilFolded(t *testing.T) {
	d := openTest(t)
	var ids []string
	for i := range 60 { // more than the status index can keep inline

		c := testCase(i, "", "Open", model.Initial)
		c.ID = fmt.Sprintf("case_%03d", i)
		ids = append(ids, c.ID)
		update(t, d, func(tx backend.Tx) error { return putCase(tx, c) })
	}
	update(t, d, func(tx backend.Tx) error { return tx.(*boltTx).foldStatusMoves() })
	roots := func() (index, notes uint64, noted int) {
		must(t, d.View(func(tx backend.Tx) error {
			b := tx.(*boltTx).tx
			index, notes, noted = uint64(b.Bucket(bStatusIdx).Root()), uint64(b.Bucket(bStatusMoves).Root()), b.Bucket(bStatusMoves).Stats().KeyN
			return nil
		}))
		return index, notes, noted
	}
	indexBefore, _, _ := roots()
	move := func(id string) {
		update(t, d, func(tx backend.Tx) error {
			old := header(tx.(*boltTx), id)
			c := *old
			c.Status, c.StatusType, c.Version = "Pending", model.Intermediate, c.Version+1
			return tx.PutCase(old, &c)
		})
	}
	move(ids[0])
	index, notes, noted := roots()
	if index != indexBefore || notes != 0 || noted != 2 {
		t.Fatalf("after one move: status index at page %d (was %d), notes at page %d (0: inline), %d notes (want 2)", index, indexBefore, notes, noted)
	}
	for _, id := range ids[1:8] {
		move(id)
	}
	index, notes, noted = roots()
	if index == indexBefore || noted >= 16 || notes != 0 {
		t.Fatalf("after 8 moves: status index at page %d (was %d), %d notes at page %d: never folded", index, indexBefore, noted, notes)
	}
	n := 0
	must(t, d.View(func(tx backend.Tx) error {
		n, _ = tx.InStatus("default", "Pending")
		ids, err := tx.CasesIn("default", "Pending")
		if len(ids) != 8 || err != nil {
			t.Errorf("Pending holds %q (%v), want all 8", ids, err)
		}
		return nil
	}))
	if n != 8 {
		t.Errorf("%d cases counted in Pending, want 8", n)
	}
}

// A damaged note stops the fold with an error that names it, and the
// write that would have folded it writes nothing.
func TestADamagedNoteIsNamed(t *testing.T) {
	defer func(was int) { foldAbove = was }(foldAbove)
	foldAbove = 1 << 30
	d := openTest(t)
	c := testCase(1, "", "Open", model.Initial)
	update(t, d, func(tx backend.Tx) error { return putCase(tx, c) })
	bad := indexKey(pStatus("default", "pending"), orderDeadline, testCase(2, "", "Pending", model.Intermediate))
	must(t, d.Edit(func(r *Raw) error { return r.b.bucket(bStatusMoves).Put(bad, []byte{9}) }))
	foldAbove = -1 // the next write folds
	before, err := d.Digest()
	must(t, err)
	err = d.Edit(func(r *Raw) error {
		moved := *c
		moved.Status, moved.StatusType, moved.Version = "Pending", model.Intermediate, 2
		return r.b.PutCase(c, &moved) // and Edit folds, as every write does
	})
	if err == nil || !strings.Contains(err.Error(), "status move") || !strings.Contains(err.Error(), "neither present nor gone") {
		t.Fatalf("a fold over a damaged note: %v", err)
	}
	if after, _ := d.Digest(); after != before {
		t.Error("the refused write changed the file")
	}
}
