// Package store keeps docket's data in one bbolt file. It is the only package
// that imports bbolt, and the one place where permissions and workflow rules
// are enforced: every write is one transaction that re-reads the case, checks
// the actor and the workflow against the current state, writes the change,
// its index entries and one audit event.
package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"docket/model"
	"docket/store/backend"
	"docket/store/pg"
	"docket/workflows"
)

// SchemaVersion is the layout this binary reads and writes; older files
// are upgraded in place when opened for writing (see migrate.go).
const SchemaVersion = 8

// Bucket names. Keys are described where each bucket is used.
var (
	bMeta      = []byte("meta")      // schema version, counters
	bUsers     = []byte("users")     // name -> user
	bEmails    = []byte("emails")    // lower(email) -> name
	bWorkflows = []byte("workflows") // id -> YAML source
	bCases     = []byte("cases")     // caseID -> case header (no fields); caseID \0 -> row summary; caseID \0 seq -> audit event
	bFields    = []byte("fields")    // caseID -> fields JSON object
	bNames     = []byte("names")     // upper(case name) -> caseID
	bObjects   = []byte("objects")   // objectID -> object
	bLinks     = []byte("links")     // objectID \0 caseID -> ""
	bIndex     = []byte("index")     // queue index, see index.go
	bStatusIdx = []byte("statusidx") // the index's status prefixes, see indexBucket
	bCounts    = []byte("counts")    // index prefix -> number of cases under it
	bDecided   = []byte("decided")   // dec \0 day \0 user -> decisions that day, see countBucket
	// bEventsApart held the audit events (caseID \0 seq) until schema 5 put
	// each case's events beside its header, so a decision writes one leaf.
	bEventsApart = []byte("events")
	bComments    = []byte("comments")  // caseID \0 seq -> comment
	bCommentID   = []byte("commentid") // Persona comment id -> caseID (idempotent import)
	bKeys        = []byte("sshkeys")   // user \0 fingerprint -> SSH key, see keys.go
	bKeyIndex    = []byte("sshkeyfp")  // fingerprint -> user
	bTokens      = []byte("tokens")    // token id -> API token with its secret's digest, see tokens.go
	bRequests    = []byte("requests")  // user \0 idempotency key -> reply, see requests.go
	bReqTimes    = []byte("reqtimes")  // unix nanos, user \0 key -> "": the order requests expire in
	bInbox       = []byte("inbox")     // Persona event id -> what receiving it did, see intake.go
	bInboxTime   = []byte("inboxtime") // unix nanos, event id -> "": the order received events are forgotten in
	bInboxSum    = []byte("inboxsum")  // event name -> how many were received, by outcome
	bObjAsOf     = []byte("objasof")   // object id -> Persona's time of the copy a webhook last applied
	bWebhooks    = []byte("webhooks")  // webhook id -> subscription with its secrets, see hooks.go
	bOutbox      = []byte("outbox")    // delivery seq -> delivery (its state), see outbox.go
	bOutboxDoc   = []byte("outboxdoc") // delivery seq -> the case document it sends, while pending
	bOutboxDue   = []byte("outboxdue") // webhook id \0 next attempt, delivery seq -> "", pending deliveries

	allBuckets = [][]byte{bMeta, bUsers, bEmails, bWorkflows, bCases, bFields, bNames,
		bObjects, bLinks, bIndex, bStatusIdx, bCounts, bDecided, bComments, bCommentID, bKeys, bKeyIndex, bTokens, bRequests, bReqTimes,
		bInbox, bInboxTime, bInboxSum, bObjAsOf, bWebhooks, bOutbox, bOutboxDoc, bOutboxDue}
)

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
	file          *os.File    // the same file as db's, to notice it being replaced (see checkHeld)
	held          os.FileInfo // file's identity, as stat said when it was opened
	path          string
	now           func() time.Time
	newID         func() string

	maxCase int // see Options.MaxCaseBytes
	// eventsApart: the file is being upgraded from before schema 5, whose
	// audit events are still in their own bucket (see txn.events).
	eventsApart bool

	mu        sync.RWMutex
	workflows map[string]*workflows.Workflow // parsed from bWorkflows
	warnings  []string                       // see Warnings

	redacted  atomic.Bool   // this session redacted a case (see Close)
	fileID    []byte        // see fileIDKey
	lastWrite atomic.Uint64 // the transaction id of the last write begun (see checkHeld)

	feeds   feeds
	commits committer               // see update
	hooks   atomic.Pointer[hookSet] // the webhook subscriptions, see hooks.go
	users   sync.Map                // name -> decodedUser, see txn.user
}

// ErrInUse is returned when another process holds the database.
var ErrInUse = errors.New("database is in use by another docket process")

// inUse names the database another process holds; it is ErrInUse.
type inUse struct{ path string }

func (e inUse) Error() string {
	return fmt.Sprintf("database %s is in use by another docket process", e.path)
}
func (e inUse) Is(target error) bool { return target == ErrInUse }

// ErrNotDocket is returned for a file that is not a docket database: only
// a missing path is ever made into a new one.
var ErrNotDocket = errors.New("not a docket database")

func notDocket(path, why string) error {
	return fmt.Errorf("%s is not a docket database (%s); give the path of a docket database, or a path where none exists yet to create one: %w", path, why, ErrNotDocket)
}

// ErrScrubPending is returned by Close (and said by Warnings) when a
// redaction's bytes could not be compacted out of the file yet.
var ErrScrubPending = errors.New("redacted data awaits compaction")

type scrubPendingError struct{ cause error }

func (e scrubPendingError) Error() string {
	return fmt.Sprintf("the redaction is saved, but the redacted bytes stay in the file's free pages until `docket compact` succeeds (compacting failed: %v)", e.cause)
}
func (e scrubPendingError) Is(target error) bool { return target == ErrScrubPending }

func scrubPending(cause error) error { return scrubPendingError{cause} }

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
	if !opt.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
		if err := createFile(path, opt); err != nil {
			return nil, fmt.Errorf("create database %s: %w", path, err)
		}
	}
	if fi, err := os.Stat(path); err == nil && fi.Size() == 0 {
		return nil, notDocket(path, "the file is empty")
	}
	db, file, err := openBolt(path, &bolt.Options{
		Timeout:      opt.LockTimeout,
		ReadOnly:     opt.ReadOnly,
		FreelistType: bolt.FreelistMapType,
	})
	switch {
	case errors.Is(err, bolt.ErrTimeout):
		return nil, inUse{path}
	case errors.Is(err, bolt.ErrInvalid), errors.Is(err, bolt.ErrVersionMismatch), errors.Is(err, bolt.ErrChecksum):
		return nil, notDocket(path, err.Error())
	case err != nil:
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// Throwaway data skips fsync and, while it is written, the free page
	// list (rewritten at every commit, it grows with the file); Close
	// writes it once.
	db.NoSync, db.NoFreelistSync = opt.NoSync, opt.NoSync
	s := &Store{db: db, file: file, path: path, now: func() time.Time { return opt.Now().UTC() }, newID: opt.NewID, maxCase: opt.MaxCaseBytes}
	s.be = boltDB{s}
	if s.held, err = file.Stat(); err != nil {
		s.closeFiles()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := s.checkSize(); err != nil && !opt.Inspect {
		s.closeFiles()
		return nil, err
	}
	if err := backend.Guard(path, func() error { return s.init(opt.ReadOnly) }); err != nil {
		s.closeFiles()
		if errors.Is(err, ErrNotDocket) || errors.Is(err, ErrDamaged) {
			return nil, err
		}
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if !opt.ReadOnly {
		s.tightenMode()
	}
	if pending, failed := s.scrubState(); pending && !opt.ReadOnly && !failed {
		// A redaction whose compaction never ran (the process died
		// first): try now, and open the file whether or not it worked.
		s.closeFiles()
		_, _, err := compactFile(path)
		if err != nil {
			markScrubFailed(path, err)
		}
		return Open(path, opt)
	} else if pending {
		s.warnings = append(s.warnings, s.scrubWarning())
	}
	return s, nil
}

// checkSize refuses a file shorter than its newest commit says it is: the
// pages past its end would fault when read.
func (s *Store) checkSize() error {
	fi, err := s.file.Stat()
	if err != nil {
		return err
	}
	_, size, err := readNewestMeta(s.file)
	if err != nil {
		return backend.Damaged(s.path, err.Error())
	}
	if fi.Size() < size {
		return backend.Damaged(s.path, fmt.Sprintf("it is truncated: %d bytes, but its last commit needs %d", fi.Size(), size))
	}
	return nil
}

// tightenMode makes a database file readable by its owner alone, as docket
// creates it; a file copied in with looser permissions is fixed, or, if
// that fails, said.
func (s *Store) tightenMode() {
	fi, err := s.file.Stat()
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return
	}
	if err := os.Chmod(s.path, 0o600); err != nil {
		s.warnings = append(s.warnings, fmt.Sprintf("%s is readable by others (mode %04o) and could not be made private: %v",
			s.path, fi.Mode().Perm(), err))
	}
}

// Warnings are things the person opening the database should hear: data
// awaiting compaction after a redaction, permissions that could not be
// tightened.
func (s *Store) Warnings() []string { return s.warnings }

func (s *Store) closeFiles() error {
	s.file.Close()
	return s.db.Close()
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close releases the file.
//
// After a redaction it also compacts the file: until it is rewritten, the
// pages the redaction freed still hold the redacted bytes. If that fails,
// the error is ErrScrubPending; the database itself is closed and sound.
func (s *Store) Close() error {
	if s.server != nil {
		s.stopListening()
		s.server.Close()
		return nil
	}
	if s.db.NoSync && !s.db.IsReadOnly() {
		if err := s.persistFreelist(); err != nil {
			s.closeFiles()
			return err
		}
	}
	pending, failed := s.scrubState()
	scrub := !s.db.IsReadOnly() && pending && (!failed || s.redacted.Load())
	if err := s.closeFiles(); err != nil || !scrub {
		return err
	}
	if _, _, err := compactFile(s.path); err != nil {
		markScrubFailed(s.path, err)
		return scrubPending(err)
	}
	return nil
}

// persistFreelist ends a NoSync session: one ordinary, synced commit that
// writes the free page list, so the next open need not rebuild it.
func (s *Store) persistFreelist() error {
	s.db.NoSync, s.db.NoFreelistSync = false, false
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bMeta).Put([]byte("closed"), []byte(s.now().Format(time.RFC3339)))
	})
}

// create lays out a new, empty database: buckets, schema version and the
// built-in workflows.
func (s *Store) create() error {
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bMeta).Put([]byte("schema"), []byte(strconv.Itoa(SchemaVersion))); err != nil {
			return err
		}
		if err := tx.Bucket(bMeta).Put(fileIDKey, newSalt()); err != nil {
			return err
		}
		for _, w := range workflows.Builtins() {
			if err := tx.Bucket(bWorkflows).Put([]byte(w.ID), sealWorkflow(w.Source)); err != nil {
				return err
			}
		}
		return nil
	})
}

// init checks the schema version, upgrades an older file, adds buckets a
// newer schema introduced, and loads the workflows.
func (s *Store) init(readOnly bool) error {
	var v int
	if err := s.db.View(func(tx *bolt.Tx) (err error) { v, err = schemaOf(tx); return err }); err != nil {
		return notDocket(s.path, err.Error())
	}
	switch {
	case v == 0:
		return notDocket(s.path, "it holds no docket data")
	case v > SchemaVersion:
		return fmt.Errorf("it was written by a newer docket (schema %d; this binary reads up to %d); upgrade docket", v, SchemaVersion)
	case readOnly && v < SchemaVersion:
		return fmt.Errorf("it was written by an older docket (schema %d; this one writes %d); open it once for writing to upgrade it", v, SchemaVersion)
	case readOnly:
		return s.db.View(func(tx *bolt.Tx) error {
			if err := s.loadFileID(tx); err != nil {
				return err
			}
			if err := s.loadHooks(s.boltTx(tx)); err != nil {
				return err
			}
			return s.loadWorkflows(s.boltTx(tx))
		})
	case v < SchemaVersion:
		s.eventsApart = v < 5
		if err := migrate(s, v); err != nil {
			return err
		}
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		if err := s.loadFileID(tx); err != nil {
			return err
		}
		if err := s.loadHooks(s.boltTx(tx)); err != nil {
			return err
		}
		return s.loadWorkflows(s.boltTx(tx))
	})
}

// Now is the store's clock, for callers that show times relative to it.
func (s *Store) Now() time.Time { return s.now() }
