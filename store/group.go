package store

import (
	"errors"
	"runtime"
	"slices"
	"sync"

	"docket/store/backend"
)

// Group commit. Every write waits for its commit's fsync, and one write at
// a time would make a busy server's writers queue behind one fsync each.
// So writers that arrive together share one transaction and one fsync:
// each queues its function; the first to find no commit running leads,
// runs everything queued in one transaction and commits; whoever queued
// during that commit is the next group, led by the first of them. There is
// no timer: a writer alone commits at once.
//
// Each function keeps its own all-or-nothing and its own error. bbolt has
// no savepoints, so when one fails (or finds nothing to do) the group's
// transaction is rolled back and run again without it; functions re-read
// what they change, so running one again is safe. It also means a function
// may run more than once: it must set, not accumulate, what it returns.
//
// bbolt's DB.Batch does not fit: it waits 10 ms for company (a writer
// alone too), runs a group on a timer goroutine, where backend.Guard
// cannot turn a fault on a damaged file into an error, and knows nothing
// of the checks store/bolt makes at each write (checkHeld) or of the
// change feed.

// write is one function waiting for its group's commit.
type write struct {
	fn      func(x *txn) error
	err     error    // its own result, set before wake says done
	changed []string // the cases it changed, once committed
	after   []func() // what to do once it is committed (see txn.afterCommit)
	wake    chan bool
}

// committer queues writes for the group commit.
type committer struct {
	mu      sync.Mutex
	queue   []*write
	running bool // a leader is running a group; the queue waits for it
}

// join queues w and says whether its writer leads (no group is running).
func (c *committer) join(w *write) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queue = append(c.queue, w)
	if c.running {
		return false
	}
	c.running = true
	return true
}

// maxGroup bounds a group, and so what one failure in it makes run again.
const maxGroup = 128

// take is the group to run: what is queued, up to maxGroup; the rest
// waits for the next group.
func (c *committer) take() []*write {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := min(len(c.queue), maxGroup)
	group := c.queue[:n:n]
	c.queue = slices.Clone(c.queue[n:])
	return group
}

// handOff makes the first writer queued since take the next leader, or
// leaves the committer idle.
func (c *committer) handOff() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) == 0 {
		c.running = false
		return
	}
	c.queue[0].wake <- true
}

// update runs fn in a write transaction, committed with whatever other
// writes arrive meanwhile, and announces the cases it changed once that
// commit is done. A function that returns an error, or errNoChange,
// leaves nothing written; errNoChange is reported as success.
//
// On a database server writes are not grouped: each runs its own
// transaction on a connection of its own, at once, and the server shares
// one WAL flush among the commits that arrive together. One transaction
// for the group would run them one after another (32 writers: 600
// decisions a second grouped, 900 alone). Claims are the exception (see
// updateGrouped).
func (s *Store) update(fn func(x *txn) error) error {
	if s.server != nil {
		w := &write{fn: fn}
		s.commitGroup([]*write{w})
		return w.err
	}
	return s.updateGrouped(fn)
}

// updateGrouped is update with the group commit on a database server too:
// for writes that all reach for the same rows, case next's claims. Each
// claim reads the head of Unassigned, and concurrent serializable
// transactions reading and writing there abort each other until they give
// up (50 pullers in one process), where one transaction for the claims
// that arrive together hands out one case after another.
func (s *Store) updateGrouped(fn func(x *txn) error) error {
	w := &write{fn: fn, wake: make(chan bool, 1)}
	if s.commits.join(w) || <-w.wake {
		// Let writers that are ready to queue (just woken by the last
		// commit) do so first: a yield, not a wait; alone, it returns at
		// once.
		runtime.Gosched()
		group := s.commits.take()
		s.commitGroup(group)
		s.commits.handOff()
		for _, o := range group {
			o.wake <- false
		}
	}
	return w.err
}

// commitGroup runs the group's functions in one transaction and commits
// it, dropping each function that fails (with its own error) and running
// the rest again, until a run has no failure; a group whose transaction
// gave up on concurrent writers runs each function alone. Then it
// announces what the committed functions changed.
func (s *Store) commitGroup(group []*write) {
	pending := group
	for len(pending) > 0 {
		failed, err := s.runTogether(pending)
		if failed >= 0 {
			pending = slices.Delete(slices.Clone(pending), failed, failed+1)
			continue
		}
		if errors.Is(err, backend.ErrContended) && len(pending) > 1 {
			// The group's transaction kept meeting other processes'
			// writers on a database server until it gave up, having
			// written nothing: a long group loses there where each of
			// its writes alone, shorter, gets through. Each runs alone,
			// with its own outcome.
			for _, w := range pending {
				s.commitGroup([]*write{w})
			}
			return
		}
		var changed []string
		for _, w := range pending {
			if err != nil {
				w.err, w.changed, w.after = err, nil, nil
			}
			changed = append(changed, w.changed...)
			for _, fn := range w.after {
				fn()
			}
		}
		if len(changed) > 0 {
			s.feeds.publish(changed)
			s.announce(changed)
		}
		return
	}
}

// errRetry rolls back a group's transaction when one of its functions
// failed.
var errRetry = errors.New("a write in the group failed; run the others again")

// runTogether runs the writes in order in one write transaction. At the
// first that fails or finds nothing to do, it rolls back and returns its
// index (its error set on it); otherwise it commits and returns -1 with
// the commit's error, which is everyone's. (A bulk load's fuller pages,
// see backend.Tx.Bulk, then apply to the buckets it shares with the others.)
func (s *Store) runTogether(ws []*write) (failed int, err error) {
	failed = -1
	err = s.be.Update(func(tx backend.Tx) error {
		failed = -1
		wfs, err := s.refreshWorkflows(tx)
		if err != nil {
			return err
		}
		for i, w := range ws {
			x := s.newTxn(tx)
			x.wfs = wfs
			err := backend.Guard(s.path, func() error {
				if err := w.fn(x); err != nil {
					return err
				}
				return x.be.Finish()
			})
			w.err, w.changed, w.after = nil, x.changed, x.after
			if err != nil {
				if !errors.Is(err, errNoChange) {
					w.err = err
				}
				w.changed, w.after, failed = nil, nil, i
				return errRetry
			}
		}
		return nil
	})
	if failed >= 0 && errors.Is(err, errRetry) {
		return failed, nil
	}
	// The transaction itself failed (a backend that runs it again on
	// concurrent changes gave up): the write that met the change in its
	// last run is not to blame, and the error set on it is stale.
	return -1, err
}
