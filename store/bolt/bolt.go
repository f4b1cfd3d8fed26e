// Package bolt is docket's embedded storage: one bbolt file, laid out in
// buckets with key indexes, and what only a file has: its lock, its
// identity (the checks that it was not replaced or rewritten under a
// running process), the upgrades of its layout, backups, compaction and
// the check of its layout. It is the only package that imports bbolt.
//
// It stores and finds records natively and decides nothing: the rules
// (permission, workflow move, four-eyes, version check, audit event, hash
// chain, side effects) run above it, in package store, through backend.Tx.
// Where a file needs a rule (the records a new file starts with, binding
// an old file's records to their trails, verifying a case against its
// trail in check), the caller hands it in.
package bolt

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	bbolt "go.etcd.io/bbolt"

	"docket/model"
	"docket/store/backend"
)

// SchemaVersion is the layout this binary reads and writes; older files
// are upgraded in place when opened for writing (see migrate.go).
const SchemaVersion = 10

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
	// bStatusMoves notes changes to the status index not yet folded into
	// it: index key -> present or gone, see moves.go.
	bStatusMoves = []byte("statusmoves")
	bCounts      = []byte("counts") // index prefix -> number of cases under it, the status prefixes aside
	// bStatusCounts is the counts of the status prefixes, see countBucket.
	bStatusCounts = []byte("statuscounts")
	bDecided      = []byte("decided") // dec \0 day \0 user -> decisions that day, see countBucket
	// bEventsApart held the audit events (caseID \0 seq) until schema 5 put
	// each case's events beside its header, so a decision writes one leaf.
	bEventsApart = []byte("events")
	bComments    = []byte("comments")  // caseID \0 seq -> comment
	bCommentID   = []byte("commentid") // Persona comment id -> caseID (idempotent import)
	bKeys        = []byte("sshkeys")   // user \0 fingerprint -> SSH key
	bKeyIndex    = []byte("sshkeyfp")  // fingerprint -> user
	bTokens      = []byte("tokens")    // token id -> API token with its secret's digest
	bRequests    = []byte("requests")  // user \0 idempotency key -> reply
	bReqTimes    = []byte("reqtimes")  // unix nanos, user \0 key -> "": the order requests expire in
	bInbox       = []byte("inbox")     // Persona event id -> what receiving it did
	bInboxTime   = []byte("inboxtime") // unix nanos, event id -> "": the order received events are forgotten in
	bInboxSum    = []byte("inboxsum")  // event name -> how many were received, by outcome
	bObjAsOf     = []byte("objasof")   // object id -> Persona's time of the copy a webhook last applied
	bWebhooks    = []byte("webhooks")  // webhook id -> subscription with its secrets
	bOutbox      = []byte("outbox")    // delivery seq -> delivery (its state)
	bOutboxDoc   = []byte("outboxdoc") // delivery seq -> the case document it sends, while pending
	bOutboxDue   = []byte("outboxdue") // webhook id \0 next attempt, delivery seq -> "", pending deliveries

	allBuckets = [][]byte{bMeta, bUsers, bEmails, bWorkflows, bCases, bFields, bNames,
		bObjects, bLinks, bIndex, bStatusIdx, bStatusMoves, bCounts, bStatusCounts, bDecided, bComments, bCommentID, bKeys, bKeyIndex, bTokens, bRequests, bReqTimes,
		bInbox, bInboxTime, bInboxSum, bObjAsOf, bWebhooks, bOutbox, bOutboxDoc, bOutboxDue}
)

// Options tune Open.
type Options struct {
	// Now is the clock (default time.Now).
	Now func() time.Time
	// LockTimeout bounds the wait for another process's lock (default 1s).
	LockTimeout time.Duration
	// ReadOnly opens without taking the write lock.
	ReadOnly bool
	// NoSync skips fsync on commit: only for generating throwaway data
	// (the demo), never for real work. Close syncs once at the end.
	NoSync bool
	// Inspect opens a damaged file anyway (docket check), so that what can
	// still be read is read; everything else refuses it.
	Inspect bool
	// Seed writes the records a new file starts with (the built-in
	// workflows), in the transaction that lays the file out.
	Seed func(backend.Tx) error
	// Load reads what the caller keeps in memory (workflows, webhook
	// subscriptions), in the transaction that opens the file, once it is
	// upgraded. It may run more than once (see Open).
	Load func(backend.Tx) error
	// Bind is what upgrading a file from before schema 3 asks of the
	// rules.
	Bind Binder
}

// Binder binds the records of a file written before records had digests
// to their audit trails (the upgrade to schema 3): the rules that say
// how a record is stored and bound are the caller's. Each may run again
// on what it bound before, and must then write what it wrote the first
// time.
type Binder struct {
	// Object stores an object again, with its digest.
	Object func(tx backend.Tx, o *model.Object) error
	// Case gives a case's record the digests of its fields, objects
	// (stubbing the ones it refers to but lacks) and comments (already
	// sealed), and its last audit event the state it leaves the case in.
	Case func(tx backend.Tx, id string) error
}

// DB is an open docket file: the bbolt backend's database (backend.DB).
// It is safe for concurrent use.
type DB struct {
	db   *bbolt.DB
	file *os.File    // the same file as db's, to notice it being replaced (see checkHeld)
	held os.FileInfo // file's identity, as stat said when it was opened
	path string
	now  func() time.Time
	// eventsApart: the file is being upgraded from before schema 5, whose
	// audit events are still in their own bucket (see boltTx.events).
	eventsApart bool

	fileID    []byte        // see fileIDKey
	lastWrite atomic.Uint64 // the transaction id of the last write begun (see checkHeld)
	redacted  atomic.Bool   // this session redacted a case (see Close)
	users     sync.Map      // name -> decodedUser, see boltTx.User
	warnings  []string      // see Warnings
}

var _ backend.DB = (*DB)(nil)

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

// Open opens the database file at path, creating it if nothing is there,
// and upgrades an older file (one opened read-only is refused instead); a
// file a newer docket wrote is refused.
func Open(path string, opt Options) (*DB, error) {
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
	if fi, err := os.Stat(path); err == nil && fi.Size() == 0 {
		return nil, notDocket(path, "the file is empty")
	}
	db, file, err := openBolt(path, &bbolt.Options{
		Timeout:      opt.LockTimeout,
		ReadOnly:     opt.ReadOnly,
		FreelistType: bbolt.FreelistMapType,
	})
	switch {
	case errors.Is(err, bbolt.ErrTimeout):
		return nil, inUse{path}
	case errors.Is(err, bbolt.ErrInvalid), errors.Is(err, bbolt.ErrVersionMismatch), errors.Is(err, bbolt.ErrChecksum):
		return nil, notDocket(path, err.Error())
	case err != nil:
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// Throwaway data skips fsync and, while it is written, the free page
	// list (rewritten at every commit, it grows with the file); Close
	// writes it once.
	db.NoSync, db.NoFreelistSync = opt.NoSync, opt.NoSync
	d := &DB{db: db, file: file, path: path, now: opt.Now}
	if d.held, err = file.Stat(); err != nil {
		d.closeFiles()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := d.checkSize(); err != nil && !opt.Inspect {
		d.closeFiles()
		return nil, err
	}
	if err := backend.Guard(path, func() error { return d.init(opt) }); err != nil {
		d.closeFiles()
		if errors.Is(err, ErrNotDocket) || errors.Is(err, backend.ErrDamaged) {
			return nil, err
		}
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if !opt.ReadOnly {
		d.tightenMode()
	}
	if pending, failed := d.scrubState(); pending && !opt.ReadOnly && !failed {
		// A redaction whose compaction never ran (the process died
		// first): try now, and open the file whether or not it worked.
		d.closeFiles()
		_, _, err := Compact(path)
		if err != nil {
			markScrubFailed(path, err)
		}
		return Open(path, opt)
	} else if pending {
		d.warnings = append(d.warnings, d.scrubWarning())
	}
	return d, nil
}

// checkSize refuses a file shorter than its newest commit says it is: the
// pages past its end would fault when read.
func (d *DB) checkSize() error {
	fi, err := d.file.Stat()
	if err != nil {
		return err
	}
	_, size, err := readNewestMeta(d.file)
	if err != nil {
		return backend.Damaged(d.path, err.Error())
	}
	if fi.Size() < size {
		return backend.Damaged(d.path, fmt.Sprintf("it is truncated: %d bytes, but its last commit needs %d", fi.Size(), size))
	}
	return nil
}

// tightenMode makes a database file readable by its owner alone, as docket
// creates it; a file copied in with looser permissions is fixed, or, if
// that fails, said.
func (d *DB) tightenMode() {
	fi, err := d.file.Stat()
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return
	}
	if err := os.Chmod(d.path, 0o600); err != nil {
		d.warnings = append(d.warnings, fmt.Sprintf("%s is readable by others (mode %04o) and could not be made private: %v",
			d.path, fi.Mode().Perm(), err))
	}
}

// Warnings are things the person opening the file should hear: data
// awaiting compaction after a redaction, permissions that could not be
// tightened.
func (d *DB) Warnings() []string { return d.warnings }

func (d *DB) closeFiles() error {
	d.file.Close()
	return d.db.Close()
}

// Path is the database file.
func (d *DB) Path() string { return d.path }

// ReadOnly says whether the file was opened only to read.
func (d *DB) ReadOnly() bool { return d.db.IsReadOnly() }

// Close releases the file.
//
// After a redaction it also compacts the file: until it is rewritten, the
// pages the redaction freed still hold the redacted bytes. If that fails,
// the error is ErrScrubPending; the database itself is closed and sound.
func (d *DB) Close() error {
	if d.db.NoSync && !d.db.IsReadOnly() {
		if err := d.persistFreelist(); err != nil {
			d.closeFiles()
			return err
		}
	}
	pending, failed := d.scrubState()
	scrub := !d.db.IsReadOnly() && pending && (!failed || d.redacted.Load())
	if err := d.closeFiles(); err != nil || !scrub {
		return err
	}
	if _, _, err := Compact(d.path); err != nil {
		markScrubFailed(d.path, err)
		return scrubPending(err)
	}
	return nil
}

// persistFreelist ends a NoSync session: one ordinary, synced commit that
// writes the free page list, so the next open need not rebuild it.
func (d *DB) persistFreelist() error {
	d.db.NoSync, d.db.NoFreelistSync = false, false
	return d.db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bMeta).Put([]byte("closed"), []byte(d.now().UTC().Format(time.RFC3339)))
	})
}

// create lays out a new, empty database: buckets, schema version, file
// id and what opt.Seed writes.
func (d *DB) create(opt Options) error {
	return d.db.Update(func(tx *bbolt.Tx) error {
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
		if opt.Seed == nil {
			return nil
		}
		b := d.boltTx(tx)
		if err := opt.Seed(b); err != nil {
			return err
		}
		return b.Finish()
	})
}

// init checks the schema version, upgrades an older file, adds buckets a
// newer schema introduced, and runs opt.Load.
func (d *DB) init(opt Options) error {
	var v int
	if err := d.db.View(func(tx *bbolt.Tx) (err error) { v, err = schemaOf(tx); return err }); err != nil {
		return notDocket(d.path, err.Error())
	}
	load := func(tx *bbolt.Tx) error {
		if err := d.loadFileID(tx); err != nil {
			return err
		}
		if opt.Load == nil {
			return nil
		}
		return opt.Load(d.boltTx(tx))
	}
	switch {
	case v == 0:
		return notDocket(d.path, "it holds no docket data")
	case v > SchemaVersion:
		return fmt.Errorf("it was written by a newer docket (schema %d; this binary reads up to %d); upgrade docket", v, SchemaVersion)
	case opt.ReadOnly && v < SchemaVersion:
		return fmt.Errorf("it was written by an older docket (schema %d; this one writes %d); open it once for writing to upgrade it", v, SchemaVersion)
	case opt.ReadOnly:
		return d.db.View(load)
	case v < SchemaVersion:
		d.eventsApart = v < 5
		if err := d.migrate(v, SchemaVersion, opt.Bind); err != nil {
			return err
		}
	}
	return d.db.Update(func(tx *bbolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		return load(tx)
	})
}
