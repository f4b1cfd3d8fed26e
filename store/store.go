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
	"time"

	bolt "go.etcd.io/bbolt"

	"docket/model"
	"docket/workflows"
)

// SchemaVersion is the layout this binary reads and writes; older files
// are upgraded in place when opened for writing (see migrate.go).
const SchemaVersion = 2

// Bucket names. Keys are described where each bucket is used.
var (
	bMeta      = []byte("meta")      // schema version, counters
	bUsers     = []byte("users")     // name -> user
	bEmails    = []byte("emails")    // lower(email) -> name
	bWorkflows = []byte("workflows") // id -> YAML source
	bCases     = []byte("cases")     // caseID -> case header (no fields)
	bFields    = []byte("fields")    // caseID -> fields JSON object
	bNames     = []byte("names")     // upper(case name) -> caseID
	bObjects   = []byte("objects")   // objectID -> object
	bLinks     = []byte("links")     // objectID \0 caseID -> ""
	bIndex     = []byte("index")     // queue index, see index.go
	bCounts    = []byte("counts")    // index prefix -> number of cases under it
	bEvents    = []byte("events")    // caseID \0 seq -> event
	bComments  = []byte("comments")  // caseID \0 seq -> comment
	bCommentID = []byte("commentid") // Persona comment id -> caseID (idempotent import)

	allBuckets = [][]byte{bMeta, bUsers, bEmails, bWorkflows, bCases, bFields, bNames,
		bObjects, bLinks, bIndex, bCounts, bEvents, bComments, bCommentID}
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
}

// Store is an open docket database. It is safe for concurrent use.
type Store struct {
	db    *bolt.DB
	path  string
	now   func() time.Time
	newID func() string

	maxCase int // see Options.MaxCaseBytes

	mu        sync.RWMutex
	workflows map[string]*workflows.Workflow // parsed from bWorkflows

	feeds feeds
}

// ErrInUse is returned when another process holds the database.
var ErrInUse = errors.New("database is in use by another docket process")

// inUse names the database another process holds; it is ErrInUse.
type inUse struct{ path string }

func (e inUse) Error() string {
	return fmt.Sprintf("database %s is in use by another docket process", e.path)
}
func (e inUse) Is(target error) bool { return target == ErrInUse }

// Open opens (creating if needed) the database at path.
func Open(path string, opt Options) (*Store, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.LockTimeout == 0 {
		opt.LockTimeout = time.Second
	}
	if !opt.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
		if err := createFile(path, opt); err != nil {
			return nil, fmt.Errorf("create database %s: %w", path, err)
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      opt.LockTimeout,
		ReadOnly:     opt.ReadOnly,
		FreelistType: bolt.FreelistMapType,
	})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, inUse{path}
	}
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// Throwaway data skips fsync and, while it is written, the free page
	// list (rewritten at every commit, it grows with the file); Close
	// writes it once.
	db.NoSync, db.NoFreelistSync = opt.NoSync, opt.NoSync
	if opt.NewID == nil {
		opt.NewID = newCaseID
	}
	if opt.MaxCaseBytes <= 0 {
		opt.MaxCaseBytes = model.DefaultMaxCaseBytes
	}
	s := &Store{db: db, path: path, now: func() time.Time { return opt.Now().UTC() }, newID: opt.NewID, maxCase: opt.MaxCaseBytes}
	if err := s.init(opt.ReadOnly); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if !opt.ReadOnly && s.needsScrub() {
		// A redaction whose compaction never ran (the process died first).
		if err := s.Close(); err != nil {
			return nil, fmt.Errorf("open database %s: %w", path, err)
		}
		return Open(path, opt)
	}
	return s, nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close releases the file.
//
// After a redaction it also compacts the file: until it is rewritten, the
// pages the redaction freed still hold the redacted bytes.
func (s *Store) Close() error {
	if s.db.NoSync && !s.db.IsReadOnly() {
		if err := s.persistFreelist(); err != nil {
			s.db.Close()
			return err
		}
	}
	scrub := !s.db.IsReadOnly() && s.needsScrub()
	if err := s.db.Close(); err != nil || !scrub {
		return err
	}
	if _, _, err := Compact(s.path); err != nil {
		return fmt.Errorf("redacted data stays in free pages until docket compact succeeds: %w", err)
	}
	return nil
}

// scrubKey in the meta bucket marks a file whose free pages may hold
// redacted data; compaction clears it.
var scrubKey = []byte("scrub")

func (s *Store) needsScrub() bool {
	var set bool
	s.db.View(func(tx *bolt.Tx) error {
		set = tx.Bucket(bMeta) != nil && tx.Bucket(bMeta).Get(scrubKey) != nil
		return nil
	})
	return set
}

// persistFreelist ends a NoSync session: one ordinary, synced commit that
// writes the free page list, so the next open need not rebuild it.
func (s *Store) persistFreelist() error {
	s.db.NoSync, s.db.NoFreelistSync = false, false
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bMeta).Put([]byte("closed"), []byte(s.now().Format(time.RFC3339)))
	})
}

// init checks the schema version, upgrades an older file, creates the
// buckets and the built-in workflows in a new file, and loads the workflows.
func (s *Store) init(readOnly bool) error {
	var v int
	if err := s.db.View(func(tx *bolt.Tx) (err error) { v, err = schemaOf(tx); return err }); err != nil {
		return err
	}
	switch {
	case v > SchemaVersion:
		return fmt.Errorf("it was written by a newer docket (schema %d; this binary reads up to %d); upgrade docket", v, SchemaVersion)
	case readOnly && v < SchemaVersion:
		return fmt.Errorf("it was written by an older docket (schema %d; this one writes %d); open it once for writing to upgrade it", v, SchemaVersion)
	case readOnly:
		return s.db.View(s.loadWorkflows)
	case v > 0 && v < SchemaVersion:
		if err := migrate(s.db, v); err != nil {
			return err
		}
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		fresh := tx.Bucket(bMeta) == nil
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		if fresh {
			if err := tx.Bucket(bMeta).Put([]byte("schema"), []byte(strconv.Itoa(SchemaVersion))); err != nil {
				return err
			}
			for _, w := range workflows.Builtins() {
				if err := tx.Bucket(bWorkflows).Put([]byte(w.ID), w.Source); err != nil {
					return err
				}
			}
		}
		return s.loadWorkflows(tx)
	})
}

// Now is the store's clock, for callers that show times relative to it.
func (s *Store) Now() time.Time { return s.now() }
