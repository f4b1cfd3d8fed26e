// Package store is the one place where docket's permissions and workflow
// rules are enforced: every write is one transaction that re-reads the
// case, checks the actor and the workflow against the current state,
// writes the change, its index entries and one audit event. The storage
// beneath is a backend (see package backend): one bbolt file (store/bolt,
// the embedded default) or a PostgreSQL database (store/pg).
package store

import (
	"sync"
	"sync/atomic"
	"time"

	"docket/model"
	"docket/store/backend"
	"docket/store/bolt"
	"docket/store/pg"
	"docket/workflows"
)

// SchemaVersion is the layout of a bbolt file this binary reads and
// writes (see bolt.SchemaVersion).
const SchemaVersion = bolt.SchemaVersion

// Options tune Open. The zero value is what docket uses.
type Options struct {
	// Now is the clock; tests and the demo generator set it.
	Now func() time.Time
	// LockTimeout bounds the wait for another process's lock (default 1s).
	LockTimeout time.Duration
	// ReadOnly opens without taking the write lock.
	ReadOnly bool
	// NoSync skips fsync on commit: only for generating throwaway data
	// (the demo), never for real work. Close syncs once at the end.
	NoSync bool
	// MaxCaseBytes limits what one case may hold: its document on import,
	// its fields, each attached object, each comment (default
	// model.DefaultMaxCaseBytes, 16 MB).
	MaxCaseBytes int
	// NewID makes ids for new cases (default: random, Persona style);
	// tests set it to get the same ids on every run.
	NewID func() string
	// Inspect opens a damaged file anyway (docket check), so that what can
	// still be read is read; everything else refuses it.
	Inspect bool
}

// Store is an open docket database. It is safe for concurrent use.
type Store struct {
	be     backend.DB // the database the rules run in
	db     *bolt.DB   // the file, when the store is one (else server)
	server *pg.DB     // the PostgreSQL database, when the store is one
	// self names this process in its announcements to the others on the
	// database server; stopListening ends its listening to theirs.
	self          []byte
	stopListening func()
	path          string
	now           func() time.Time
	newID         func() string

	maxCase int // see Options.MaxCaseBytes

	mu        sync.RWMutex
	workflows map[string]*workflows.Workflow // the stored workflows, parsed
	// workflowSums are the digests of the workflows in memory (see
	// refreshWorkflows).
	workflowSums map[string]string
	warnings     []string // see Warnings

	feeds   feeds
	commits committer               // see update
	hooks   atomic.Pointer[hookSet] // the webhook subscriptions, see hooks.go
}

// ErrInUse is returned when another process holds the database.
var ErrInUse = bolt.ErrInUse

// ErrNotDocket is returned for a file that is not a docket database: only
// a missing path is ever made into a new one.
var ErrNotDocket = bolt.ErrNotDocket

// ErrDamaged is returned when the database cannot be read as one: a
// damaged page, a truncated file, a record changed outside docket.
var ErrDamaged = backend.ErrDamaged

// ErrFileChanged is returned when the file at the store's path is no
// longer the one it has open (removed, replaced, truncated, or written by
// another program): a write there would be lost.
var ErrFileChanged = bolt.ErrFileChanged

// ErrScrubPending is returned by Close (and said by Warnings) when a
// redaction's bytes could not be compacted out of the file yet.
var ErrScrubPending = bolt.ErrScrubPending

// Open opens the database at path, creating it if nothing is there.
func Open(path string, opt Options) (*Store, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.LockTimeout == 0 {
		opt.LockTimeout = time.Second
	}
	if opt.NewID == nil {
		opt.NewID = newCaseID
	}
	if opt.MaxCaseBytes <= 0 {
		opt.MaxCaseBytes = model.DefaultMaxCaseBytes
	}
	if IsServer(path) {
		return openServer(path, opt)
	}
	s := &Store{path: path, now: func() time.Time { return opt.Now().UTC() }, newID: opt.NewID, maxCase: opt.MaxCaseBytes}
	var loaded []string // what loading the webhook subscriptions said
	db, err := bolt.Open(path, bolt.Options{
		Now:         opt.Now,
		LockTimeout: opt.LockTimeout,
		ReadOnly:    opt.ReadOnly,
		NoSync:      opt.NoSync,
		Inspect:     opt.Inspect,
		Seed:        seedBuiltins,
		Load: func(tx backend.Tx) error {
			s.warnings = nil
			if err := s.loadHooks(tx); err != nil {
				return err
			}
			loaded = s.warnings
			return s.loadWorkflows(tx)
		},
		Bind: s.binder(),
	})
	if err != nil {
		return nil, err
	}
	s.db, s.be = db, db
	s.warnings = append(loaded, db.Warnings()...)
	if err := s.refuseUnfinishedCopy(opt); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// Warnings are things the person opening the database should hear: data
// awaiting compaction after a redaction, permissions that could not be
// tightened, webhook subscriptions that do not verify.
func (s *Store) Warnings() []string { return s.warnings }

// Path is the database: the file, or the server's address without its
// password (fit to print and log; see ShownName).
func (s *Store) Path() string { return s.path }

// Close releases the database.
//
// After a redaction it also compacts a file: until it is rewritten, the
// pages the redaction freed still hold the redacted bytes. If that fails,
// the error is ErrScrubPending; the database itself is closed and sound.
func (s *Store) Close() error {
	if s.server != nil {
		s.stopListening()
		s.server.Close()
		return nil
	}
	return s.db.Close()
}

// seedBuiltins stores the built-in workflows, in a new database.
func seedBuiltins(tx backend.Tx) error {
	for _, w := range workflows.Builtins() {
		if err := tx.PutWorkflow(w.ID, w.Source, workflowSum(w.Source)); err != nil {
			return err
		}
	}
	return nil
}

// Now is the store's clock, for callers that show times relative to it.
func (s *Store) Now() time.Time { return s.now() }
