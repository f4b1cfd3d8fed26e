package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"time"

	"docket/model"
	"docket/store/backend"
	"docket/store/bolt"
	"docket/store/pg"
)

// The rules' small records (backend.State) by kind: the prefix of each
// kind's keys. A copy carries every kind listed here.
const (
	stateTurn     = "rr/"       // rr/<workflow>/<team>: whom a round robin served last
	stateLast     = "last/"     // last/<user>: when they last got a case
	stateSeq      = "seq/"      // seq/<KEY>: the last n given to a KEY-n name
	stateReleased = "released/" // released/<user>: the cases their unavailability released
)

var statePrefixes = []string{stateTurn, stateLast, stateSeq, stateReleased}

// copyMark is the state record a copy keeps in the database it writes
// until it has written all of it: Open refuses a database holding it.
const copyMark = "copy/unfinished"

// refuseUnfinishedCopy refuses a database a copy is still writing, or
// stopped writing before the end: it holds part of the source. check
// (Inspect) still reads it.
func (s *Store) refuseUnfinishedCopy(opt Options) error {
	if opt.Inspect {
		return nil
	}
	var from []byte
	err := s.view(func(x *txn) (err error) { from, err = x.be.State(copyMark); return err })
	if err == nil && from != nil {
		err = fmt.Errorf("%s holds an unfinished copy of %s (docket copy was stopped before the end): delete it (drop the database) and copy again", ShownName(s.path), from)
	}
	return err
}

// CopyOptions says how Copy runs.
type CopyOptions struct {
	// Actor copies: someone the source allows to back it up.
	Actor string
	// Progress, when set, is called as the cases are copied.
	Progress func(CopyProgress)
	// Now is the clock of both stores (tests fix it).
	Now func() time.Time
	// verify, when set, checks a file copy, whole, before it takes its
	// name (a backup keeps only a copy that checks out).
	verify func(file string) error
}

// CopyProgress is how far a copy is: cases copied of how many.
type CopyProgress struct{ Cases, Total int }

// CopyResult counts what a copy wrote.
type CopyResult struct {
	Users, Workflows, Objects, Cases, Events, Comments, Deliveries int
}

// Copy copies the whole database at from into a new one at to: a path
// where no file is yet, or an empty PostgreSQL database. Either may be
// either backend. Every record is written as the source holds it (the
// audit chains, the digests, the ids), so `check` on the copy verifies
// what it verified on the source. The source is read in one transaction,
// a consistent snapshot; the copy is written in transactions of a few
// thousand records, marked unfinished until the last, so that an
// interrupted copy is refused rather than taken for the whole database.
func Copy(from, to string, opt CopyOptions) (CopyResult, error) {
	var res CopyResult
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if from == to {
		return res, fmt.Errorf("copy %s onto itself: give another database to copy into", ShownName(from))
	}
	src, err := Open(from, Options{ReadOnly: !IsServer(from), Now: opt.Now})
	if errors.Is(err, ErrInUse) {
		return res, fmt.Errorf("%w: stop it first, or copy a backup of it (docket backup FILE works while it runs)", err)
	}
	if err != nil {
		return res, err
	}
	defer src.Close()
	return src.CopyTo(to, opt)
}

// CopyTo copies the whole of s into a new database at to, as Copy does.
func (s *Store) CopyTo(to string, opt CopyOptions) (CopyResult, error) {
	var res CopyResult
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if err := s.view(func(x *txn) error { _, err := x.actorMay(opt.Actor, model.ActBackup); return err }); err != nil {
		return res, err
	}
	into := func(to string) error {
		dst, err := openCopyTarget(to, opt.Now)
		if err != nil {
			return err
		}
		err = copyInto(s, dst, ShownName(s.path), opt, &res)
		if cerr := dst.Close(); err == nil {
			err = cerr
		}
		return err
	}
	if IsServer(to) {
		return res, into(to)
	}
	if _, err := os.Lstat(to); !errors.Is(err, fs.ErrNotExist) {
		return res, fmt.Errorf("%s exists: docket copy makes a new database, so give a path where none is", to)
	}
	// A file is written under a temporary name and takes its own once
	// whole (and verified), so that a copy cut short leaves no database
	// at to.
	return res, bolt.WriteAtomically(to, func(tmp string) error {
		if err := into(tmp); err != nil || opt.verify == nil {
			return err
		}
		if err := opt.verify(tmp); err != nil {
			return fmt.Errorf("the copy did not verify: %w", err)
		}
		return nil
	})
}

// openCopyTarget opens the database a copy writes: a new file, or an
// empty database on a server.
func openCopyTarget(to string, now func() time.Time) (*Store, error) {
	if !IsServer(to) {
		// Unsynced until the end, as a demo is: the copy is synced and
		// unmarked after its last write (see copyInto).
		return Open(to, Options{NoSync: true, Now: now})
	}
	// Asked before opening it, which would lay out or upgrade docket's
	// schema in a database that is not to be copied into.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if used, err := pg.HoldsData(ctx, to); err != nil || used {
		if err == nil {
			err = errTargetUsed(to)
		}
		return nil, err
	}
	return Open(to, Options{Now: now})
}

func errTargetUsed(to string) error {
	return fmt.Errorf("%s already holds users or cases: docket copy writes only into an empty database (create one, e.g. createdb)", ShownName(to))
}

// ShownName is how a database is named in what docket says: a server's
// address without its password.
func ShownName(db string) string {
	if IsServer(db) {
		return RedactServer(db)
	}
	return db
}

// copyStep is part of the source, read, waiting to be written.
type copyStep struct {
	write func(tx backend.Tx) error // nil for a step that only says the total
	cases int                       // the cases it writes
	total int                       // how many cases the source holds, when said
}

// copyInto reads the source in one transaction on its own goroutine and
// writes what it read into dst, a step behind, so the two share the cores.
func copyInto(src, dst *Store, from string, opt CopyOptions, res *CopyResult) error {
	if err := dst.update(func(x *txn) error { return x.be.PutState(copyMark, []byte(from)) }); err != nil {
		return err
	}
	steps := make(chan copyStep, 2)
	stop := make(chan struct{})
	var readErr error
	go func() {
		defer close(steps)
		readErr = src.view(func(x *txn) error {
			r := copyReader{from: x.be, steps: steps, stop: stop, res: res}
			return r.read()
		})
	}()
	var writeErr error
	total, done := 0, 0
	for step := range steps {
		if writeErr != nil {
			continue // drain, so the reader ends
		}
		if step.write == nil {
			total = step.total
			continue
		}
		writeErr = dst.update(func(x *txn) error {
			x.be.Bulk()
			return step.write(x.be)
		})
		if writeErr != nil {
			close(stop)
			continue
		}
		done += step.cases
		if opt.Progress != nil && step.cases > 0 {
			opt.Progress(CopyProgress{Cases: done, Total: total})
		}
	}
	if err := errors.Join(writeErr, readErr); err != nil {
		if errors.Is(err, errCopyStopped) {
			return writeErr
		}
		return err
	}
	if dst.db != nil {
		if err := dst.db.Durable(); err != nil {
			return err
		}
	}
	return dst.update(func(x *txn) error { return x.be.DropState(copyMark) })
}

var errCopyStopped = errors.New("the copy stopped")

// copyReader reads the source and hands it on, a step at a time.
type copyReader struct {
	from  backend.Tx
	steps chan<- copyStep
	stop  <-chan struct{}
	res   *CopyResult
}

func (r *copyReader) send(s copyStep) error {
	select {
	case r.steps <- s:
		return nil
	case <-r.stop:
		return errCopyStopped
	}
}

// copyBatch is how many records one written transaction holds, at most.
const copyBatch = 2000

func (r *copyReader) read() error {
	counts, err := r.from.QueueCounts("")
	if err != nil {
		return err
	}
	if err := r.send(copyStep{total: counts[QueueAll]}); err != nil {
		return err
	}
	for _, part := range []func() error{r.people, r.objects, r.cases, r.rest} {
		if err := part(); err != nil {
			return err
		}
	}
	return nil
}

// people copies the workflows, users with their keys, API tokens and
// webhook subscriptions: what the rest is by and for.
func (r *copyReader) people() error {
	type workflow struct {
		id, sum string
		src     []byte
	}
	var wfs []workflow
	if err := r.from.EachWorkflow(func(id string, src []byte, sum string) error {
		wfs = append(wfs, workflow{id, sum, src})
		return nil
	}); err != nil {
		return err
	}
	var users []model.User
	if err := r.from.EachUser(func(u model.User, bad error) error {
		if bad != nil {
			return fmt.Errorf("%w: repair it (docket check names it) before copying", bad)
		}
		if _, _, err := r.from.User(u.Name); err != nil {
			return fmt.Errorf("%w: repair it (docket check names it) before copying", err)
		}
		users = append(users, u)
		return nil
	}); err != nil {
		return err
	}
	var keys []model.UserKey
	for _, u := range users {
		ks, err := r.from.KeysOf(u.Name)
		if err != nil {
			return err
		}
		keys = append(keys, ks...)
	}
	type token struct {
		t      model.APIToken
		digest []byte
	}
	var tokens []token
	if err := r.from.EachToken(func(t model.APIToken) error {
		_, digest, _, err := r.from.Token(t.ID)
		tokens = append(tokens, token{t, digest})
		return err
	}); err != nil {
		return err
	}
	type webhook struct {
		w       model.Webhook
		secrets [][]byte
	}
	var hooks []webhook
	if err := r.from.EachWebhook(func(w model.Webhook, secrets [][]byte, bad error) error {
		hooks = append(hooks, webhook{w, secrets})
		return bad
	}); err != nil {
		return err
	}
	r.res.Workflows, r.res.Users = len(wfs), len(users)
	return r.send(copyStep{write: func(tx backend.Tx) error {
		for _, w := range wfs {
			if err := tx.PutWorkflow(w.id, w.src, w.sum); err != nil {
				return err
			}
		}
		for _, u := range users {
			if err := tx.PutUser(u); err != nil {
				return err
			}
		}
		for _, k := range keys {
			if err := tx.PutKey(k); err != nil {
				return err
			}
		}
		for _, t := range tokens {
			if err := tx.PutToken(t.t, t.digest); err != nil {
				return err
			}
		}
		for _, h := range hooks {
			if err := tx.PutWebhook(h.w, h.secrets); err != nil {
				return err
			}
		}
		return nil
	}})
}

// objects copies every object, a batch at a time.
func (r *copyReader) objects() error {
	var batch []*model.Object
	flush := func() error {
		objects := batch
		batch = nil
		return r.send(copyStep{write: func(tx backend.Tx) error {
			for _, o := range objects {
				if _, err := tx.PutObject(o); err != nil {
					return fmt.Errorf("object %s: %w", o.ID, err)
				}
			}
			return nil
		}})
	}
	err := r.from.EachObject(func(o *model.Object) error {
		r.res.Objects++
		if batch = append(batch, o); len(batch) == copyBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// copiedCase is a case with its audit trail and comments.
type copiedCase struct {
	c        *model.Case
	events   []model.Event
	comments []model.Comment
}

// cases copies every case with its fields, audit trail, comments and
// links to its objects, a batch at a time.
func (r *copyReader) cases() error {
	var batch []copiedCase
	records := 0
	flush := func() error {
		cases := batch
		batch, records = nil, 0
		return r.send(copyStep{cases: len(cases), write: func(tx backend.Tx) error {
			for _, cc := range cases {
				if err := writeCopiedCase(tx, cc); err != nil {
					return fmt.Errorf("case %s: %w", cc.c.ID, err)
				}
			}
			return nil
		}})
	}
	err := r.from.EachCaseWithTrail(func(c *model.Case, events []model.Event, comments []model.Comment, bad error) error {
		if bad != nil {
			return fmt.Errorf("case %s: %w: repair it (docket check names it) before copying", c.Name, bad)
		}
		cc := copiedCase{c, events, comments}
		r.res.Cases++
		r.res.Events += len(events)
		r.res.Comments += len(comments)
		batch = append(batch, cc)
		if records += 1 + len(cc.events) + len(cc.comments); records >= copyBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

func writeCopiedCase(tx backend.Tx, cc copiedCase) error {
	for _, o := range cc.c.Objects {
		if err := tx.Link(o.ID, cc.c.ID); err != nil {
			return err
		}
	}
	for _, cm := range cc.comments {
		if err := tx.PutComment(cm); err != nil {
			return err
		}
	}
	if err := tx.PutCase(nil, cc.c); err != nil {
		return err
	}
	for _, e := range cc.events {
		if err := tx.PutEvent(e); err != nil {
			return err
		}
	}
	return nil
}

// rest copies the rules' own records, the decision counts, what the
// webhook intake keeps, the replies to idempotent requests and the outbox.
func (r *copyReader) rest() error {
	type state struct {
		key string
		v   []byte
	}
	var states []state
	for _, p := range statePrefixes {
		if err := r.from.EachState(p, func(key string, v []byte) error {
			states = append(states, state{key, v})
			return nil
		}); err != nil {
			return err
		}
	}
	type decided struct {
		day  time.Time
		user string
		n    int
	}
	var decisions []decided
	if err := r.from.EachDecided(func(day time.Time, user string, n int) error {
		decisions = append(decisions, decided{day, user, n})
		return nil
	}); err != nil {
		return err
	}
	if err := r.send(copyStep{write: func(tx backend.Tx) error {
		for _, s := range states {
			if err := tx.PutState(s.key, s.v); err != nil {
				return err
			}
		}
		for _, d := range decisions {
			if err := tx.PutDecided(d.day, d.user, d.n); err != nil {
				return err
			}
		}
		return nil
	}}); err != nil {
		return err
	}
	if err := r.intake(); err != nil {
		return err
	}
	if err := r.replies(); err != nil {
		return err
	}
	return r.outbox()
}

// intake copies the receipts of webhook events, their counts, and the
// times of the objects webhooks applied.
func (r *copyReader) intake() error {
	receipts, err := r.from.RecentReceipts(int(^uint(0) >> 1))
	if err != nil {
		return err
	}
	counts, err := r.from.EventCounts()
	if err != nil {
		return err
	}
	type asOf struct {
		id string
		at time.Time
	}
	var times []asOf
	if err := r.from.EachObjectAsOf(func(id string, at time.Time) error {
		times = append(times, asOf{id, at})
		return nil
	}); err != nil {
		return err
	}
	return r.send(copyStep{write: func(tx backend.Tx) error {
		for _, rec := range receipts {
			if err := tx.PutReceipt(rec, true); err != nil {
				return err
			}
		}
		for _, n := range counts {
			if err := tx.PutEventCount(n); err != nil {
				return err
			}
		}
		for _, t := range times {
			if err := tx.NoteObjectAsOf(t.id, t.at); err != nil {
				return err
			}
		}
		return nil
	}})
}

// replies copies the replies to idempotent requests, each with the time
// it was made (which the reply holds).
func (r *copyReader) replies() error {
	type reply struct {
		user, key string
		at        time.Time
		raw       []byte
	}
	var replies []reply
	if err := r.from.EachReply(func(user, key string, raw []byte) error {
		var rep backend.Reply
		if err := json.Unmarshal(raw, &rep); err != nil {
			return fmt.Errorf("the reply to request %q of %s: %w", key, user, err)
		}
		replies = append(replies, reply{user, key, rep.At, raw})
		return nil
	}); err != nil {
		return err
	}
	return r.send(copyStep{write: func(tx backend.Tx) error {
		for _, rep := range replies {
			if err := tx.PutReply(rep.user, rep.key, rep.at, rep.raw); err != nil {
				return err
			}
		}
		return nil
	}})
}

// outbox copies the deliveries, oldest first, with the documents of the
// pending ones.
func (r *copyReader) outbox() error {
	type delivery struct {
		d   model.Delivery
		doc []byte
	}
	var deliveries []delivery
	if err := r.from.EachDelivery(func(d model.Delivery) (bool, error) {
		var doc []byte
		if d.State == model.DeliveryPending {
			var err error
			if doc, err = r.from.DeliveryDoc(d.ID); err != nil {
				return false, err
			}
		}
		deliveries = append(deliveries, delivery{d, doc})
		return true, nil
	}); err != nil {
		return err
	}
	slices.Reverse(deliveries)
	r.res.Deliveries = len(deliveries)
	lastID, err := r.from.LastDeliveryID()
	if err != nil {
		return err
	}
	if err := r.send(copyStep{write: func(tx backend.Tx) error { return tx.KeepDeliveryIDsAfter(lastID) }}); err != nil {
		return err
	}
	for len(deliveries) > 0 {
		n := min(len(deliveries), copyBatch)
		part := deliveries[:n]
		deliveries = deliveries[n:]
		if err := r.send(copyStep{write: func(tx backend.Tx) error {
			for _, d := range part {
				if err := tx.PutDelivery(d.d, d.doc); err != nil {
					return fmt.Errorf("webhook delivery %s: %w", d.d.ID, err)
				}
			}
			return nil
		}}); err != nil {
			return err
		}
	}
	return nil
}
