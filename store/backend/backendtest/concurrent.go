package backendtest

import (
	"context"
	"sync"
	"testing"

	"docket/store/backend"
)

// testConcurrentUpdates runs writers at once, each reading a case and
// writing its next version, as every change does: no change may be lost,
// whichever way the backend keeps them apart (one writer at a time, or
// running a writer again that met another).
func testConcurrentUpdates(t *testing.T, s Store) {
	c := simpleCase("case_hot", "KYC-1", 0)
	c.Assignee = "ana"
	putCases(t, s, c)
	const writers, each = 4, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for range each {
				errs <- s.Update(context.Background(), func(tx backend.Tx) error {
					return bump(tx, c.ID, w)
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
	}
	view(t, s, func(tx backend.Tx) {
		got, err := tx.CaseHeader(c.ID)
		must(t, err)
		if got.Version != 1+writers*each {
			t.Errorf("after %d changes the case is at version %d; want %d: changes were lost", writers*each, got.Version, 1+writers*each)
		}
		if n, err := tx.DecidedOn(base, "ana"); n != writers*each || err != nil {
			t.Errorf("DecidedOn = %d, %v; want %d", n, err, writers*each)
		}
		if n, err := tx.OpenOf("ana"); n != 1 || err != nil {
			t.Errorf("OpenOf = %d, %v; want 1", n, err)
		}
	})
}

// bump writes a case's next version, as a change does: read, check,
// write, count.
func bump(tx backend.Tx, id string, writer int) error {
	old, err := tx.CaseHeader(id)
	if err != nil || old == nil {
		return err
	}
	c := old.Clone()
	c.Version++
	c.Tags = []string{[]string{"a", "b", "c", "d"}[writer%4]}
	c.Fields = []byte(`{}`)
	if err := tx.PutCase(old, c); err != nil {
		return err
	}
	return tx.NoteDecision(base, "ana")
}
