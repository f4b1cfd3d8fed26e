package bolt

import (
	"bytes"
	"context"
	"sync"

	bbolt "go.etcd.io/bbolt"

	"docket/model"
	"docket/store/backend"
)

// A filter whose first page must walk a long index (a rare text over the
// Open queue of a million cases) walks it from both ends at once, on two
// cores: this goroutine forward from the start, calling fn as a walk
// does, another backward from the end, each stopping where the other has
// been. The backward walk's matches follow the forward walk's.

// SplitAbove is the size of index above which a first page is walked from
// both ends.
var SplitAbove = 50_000 // a variable so tests can split small indexes

// splittable says whether a listing may be walked from both ends: the
// first page, forward, of a text filter over one long index, read in a
// read transaction (the other walk's, beside it, would not see what a
// write transaction has written).
func (b *boltTx) splittable(q backend.Selection, p plan, from position) bool {
	return q.Text != "" && from.key == nil && !q.Reverse && len(p.prefixes) == 1 &&
		!b.tx.Writable() && b.countOf(p.prefixes) > SplitAbove
}

func (b *boltTx) walkFromBothEnds(ctx context.Context, q backend.Selection, p plan, order byte, fn func(sk []byte, c *model.Case) bool) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	meet := &meeting{}
	type match struct {
		sk []byte
		c  *model.Case
	}
	var behind []match // the backward walk's matches, last first
	done := make(chan error, 1)
	go func() {
		done <- backend.Guard(b.path, func() error {
			return b.db.View(func(tx *bbolt.Tx) error {
				if tx.ID() != b.tx.ID() {
					// A commit came between the two transactions: this
					// one reads another state of the index. The forward
					// walk, never met, goes on alone.
					return nil
				}
				return b.sibling(tx).walk(ctx, q, p, order, true, position{}, meet, func(sk []byte, c *model.Case) bool {
					behind = append(behind, match{bytes.Clone(sk), c})
					return true
				})
			})
		})
	}()
	full := false
	err := b.walk(ctx, q, p, order, false, position{}, meet, func(sk []byte, c *model.Case) bool {
		full = !fn(sk, c)
		return !full
	})
	if err != nil || full {
		cancel() // the page is full: what lies behind is not wanted
		<-done
		return err
	}
	if err := <-done; err != nil {
		return err
	}
	ahead, all := meet.forwardEnd()
	if all {
		return nil // the forward walk saw everything
	}
	for i := len(behind) - 1; i >= 0; i-- {
		if bytes.Compare(behind[i].sk, ahead) <= 0 {
			continue // walked by both
		}
		if !fn(behind[i].sk, behind[i].c) {
			return nil
		}
	}
	return nil
}

// meeting is where two walks of one index from either end have got to.
// A nil meeting belongs to a walk on its own.
type meeting struct {
	mu          sync.Mutex
	fwd, bwd    []byte // the last sort key each has passed
	fwdAtEnd    bool   // the forward walk ran to the end of the index
	bwdAtTheTop bool
}

// reached notes that a walk (backward or not) has got to sk and says
// whether the other walk has already been there.
func (m *meeting) reached(backward bool, sk []byte) bool {
	if m == nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if backward {
		m.bwd = append(m.bwd[:0], sk...)
		return m.fwdAtEnd || m.fwd != nil && bytes.Compare(sk, m.fwd) <= 0
	}
	m.fwd = append(m.fwd[:0], sk...)
	return m.bwdAtTheTop || m.bwd != nil && bytes.Compare(sk, m.bwd) >= 0
}

// finish notes that a walk ran off its end of the index.
func (m *meeting) finish(backward bool) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if backward {
		m.bwdAtTheTop = true
	} else {
		m.fwdAtEnd = true
	}
}

// forwardEnd is the last key the forward walk passed, or all when it ran
// to the end of the index and so saw everything.
func (m *meeting) forwardEnd() (last []byte, all bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.fwd, m.fwdAtEnd
}
