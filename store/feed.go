package store

import "sync"

// Change tells a subscriber which cases changed since it last looked. All is
// set when too many changed to list (a bulk import): reload everything.
type Change struct {
	Cases []string
	All   bool
}

// maxPending bounds what one slow subscriber can make the store hold.
const maxPending = 10000

// Feed is one subscriber's view of the change feed. Changes coalesce while
// the subscriber is busy, so publishing never blocks and nothing is lost.
type Feed struct {
	mu      sync.Mutex
	pending map[string]bool
	all     bool
	ready   chan struct{}
	stop    func()
}

// Ready delivers a value when changes are waiting; then call Take.
func (f *Feed) Ready() <-chan struct{} { return f.ready }

// Take returns and clears the waiting changes.
func (f *Feed) Take() Change {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := Change{All: f.all}
	if !f.all {
		for id := range f.pending {
			ch.Cases = append(ch.Cases, id)
		}
	}
	f.pending, f.all = map[string]bool{}, false
	return ch
}

// Close unsubscribes.
func (f *Feed) Close() { f.stop() }

func (f *Feed) add(ids []string) {
	f.mu.Lock()
	for _, id := range ids {
		if len(f.pending) >= maxPending {
			f.all = true
			break
		}
		f.pending[id] = true
	}
	f.mu.Unlock()
	select {
	case f.ready <- struct{}{}:
	default: // a signal is already waiting
	}
}

type feeds struct {
	mu   sync.Mutex
	subs map[*Feed]bool
}

// Subscribe starts a feed of the cases that later writes change.
func (s *Store) Subscribe() *Feed {
	f := &Feed{pending: map[string]bool{}, ready: make(chan struct{}, 1)}
	s.feeds.mu.Lock()
	if s.feeds.subs == nil {
		s.feeds.subs = map[*Feed]bool{}
	}
	s.feeds.subs[f] = true
	s.feeds.mu.Unlock()
	f.stop = func() {
		s.feeds.mu.Lock()
		delete(s.feeds.subs, f)
		s.feeds.mu.Unlock()
	}
	return f
}

// publishAll tells every subscriber that everything may have changed.
func (fs *feeds) publishAll() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for f := range fs.subs {
		f.mu.Lock()
		f.all = true
		f.mu.Unlock()
		select {
		case f.ready <- struct{}{}:
		default:
		}
	}
}

func (fs *feeds) publish(ids []string) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for f := range fs.subs {
		f.add(ids)
	}
}
