package store

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"docket/model"
	"docket/store/backend"
	"docket/workflows"
)

// txn is one transaction with the helpers every operation needs. Values a
// backend reads are decoded (copied) before the transaction ends.
type txn struct {
	be      backend.Tx // the storage (see package backend)
	s       *Store
	now     time.Time
	changed []string // case ids, announced on the change feed after commit
	after   []func() // see afterCommit
	// objectsWritten: an object was stored in this transaction, so the
	// object digests of the cases it changes must be recomputed.
	objectsWritten bool
	// users are the users the transaction read, on a database server (see
	// user).
	users  map[string]readUser
	emails map[string]string // by email: who claims it, "" for nobody (see userByEmail)
	// hooks are the webhook subscriptions the write read, on a database
	// server, once hooksRead (see hookSet).
	hooks     *hookSet
	hooksRead bool
	// wfs are the workflows the transaction moves cases by (see
	// refreshWorkflows); nil for the set in memory.
	wfs map[string]*workflows.Workflow
	// readAhead holds the objects a batch of writes read ahead (see
	// readObjectsAhead), by id; nil for one known to be missing.
	readAhead map[string]*model.Object
}

// newTxn is a transaction of the store on the backend's tx.
func (s *Store) newTxn(tx backend.Tx) *txn { return &txn{be: tx, s: s, now: s.now()} }

// afterCommit runs fn once the transaction is committed, before the next
// group of writes runs: what must change in memory exactly when the file
// does (the webhook subscriptions decisions consult, see hooks.go).
func (x *txn) afterCommit(fn func()) { x.after = append(x.after, fn) }

func (s *Store) view(fn func(x *txn) error) error {
	return backend.Guard(s.path, func() error {
		return s.be.View(func(tx backend.Tx) error {
			wfs, err := s.refreshWorkflows(tx)
			if err != nil {
				return err
			}
			x := s.newTxn(tx)
			x.wfs = wfs
			return fn(x)
		})
	})
}

// errNoChange rolls back a write transaction that found nothing to do, so
// a no-op costs no disk write; update reports it as success. A function
// may also return it to discard what it wrote (a dry run).
var errNoChange = errors.New("nothing changed")

// ---- users ----

// user reads a user, once per transaction on a database server, where
// each read is a round trip and an import reads the same few users for
// every case (assignee, creator, resolver). What the transaction writes
// replaces what it read (see putUser).
func (x *txn) user(name string) (model.User, bool, error) {
	if !x.onServer() {
		return x.be.User(name) // bbolt keeps its own decoded copies
	}
	if got, ok := x.users[name]; ok {
		return got.user, got.ok, nil
	}
	u, ok, err := x.be.User(name)
	if err == nil {
		if x.users == nil {
			x.users = map[string]readUser{}
		}
		x.users[name] = readUser{u, ok}
	}
	return u, ok, err
}

// onServer says whether the transaction runs on a database server (a
// transaction of a file's upkeep has no store).
func (x *txn) onServer() bool { return x.s != nil && x.s.server != nil }

// readUser is a user a transaction read, or found missing.
type readUser struct {
	user model.User
	ok   bool
}

// workflowSum is the digest a workflow's source is stored with.
func workflowSum(src []byte) string { return model.RecordSum("workflow", src) }

// verifyWorkflow checks a stored workflow's source against its digest,
// when it has one.
func verifyWorkflow(src []byte, sum string) error {
	if sum != "" && workflowSum(src) != sum {
		return errors.New("the stored workflow does not match its digest")
	}
	return nil
}

// actor loads the user behind an operation; unknown users are refused with
// the list of known ones.
func (x *txn) actor(name string) (model.User, error) {
	u, ok, err := x.user(name)
	if err != nil || ok {
		return u, err
	}
	return u, x.unknownUser(name)
}

// actorMay loads the actor and checks they may do act, which concerns no
// one case.
func (x *txn) actorMay(name string, act model.Action) (model.User, error) {
	u, err := x.actor(name)
	if err != nil {
		return u, err
	}
	return u, model.Authorize(u, act, nil)
}

func (x *txn) unknownUser(name string) error {
	var known []string
	x.be.EachUser(func(u model.User, _ error) error { known = append(known, u.Name); return nil })
	if len(known) == 0 {
		return model.NotFoundf("unknown user %q (the database has no users yet)", name)
	}
	return model.NotFoundf("unknown user %q (known users: %s)", name, strings.Join(known, ", "))
}

// userByIdentity finds a user by name or email.
func (x *txn) userByIdentity(id string) (model.User, bool, error) {
	if u, ok, err := x.user(id); ok || err != nil {
		return u, ok, err
	}
	if name, ok, err := x.userByEmail(id); ok || err != nil {
		if err != nil {
			return model.User{}, false, err
		}
		return x.user(name)
	}
	return model.User{}, false, nil
}

// userByEmail finds who claims an email, once per transaction on a
// database server, as user reads users.
func (x *txn) userByEmail(email string) (string, bool, error) {
	if !x.onServer() {
		return x.be.UserByEmail(email)
	}
	if name, ok := x.emails[email]; ok {
		return name, name != "", nil
	}
	name, ok, err := x.be.UserByEmail(email)
	if err == nil {
		if x.emails == nil {
			x.emails = map[string]string{}
		}
		x.emails[email] = name // "": nobody claims it
	}
	return name, ok, err
}

// putUser writes u; what the transaction read of users and emails is read
// again after it.
func (x *txn) putUser(u model.User) error {
	x.users, x.emails = nil, nil
	return x.be.PutUser(u)
}

// ---- workflows ----

func (x *txn) workflow(id string) (*workflows.Workflow, error) {
	return workflowIn(x.workflows(), id)
}

// workflowList is x.workflows by id.
func (x *txn) workflowList() []*workflows.Workflow { return workflowsByID(x.workflows()) }

// workflows are the workflows the transaction moves cases by.
func (x *txn) workflows() map[string]*workflows.Workflow {
	if x.wfs != nil {
		return x.wfs
	}
	return x.s.workflowSet()
}

// ---- cases ----

// caseByRef finds a case by id or by name (case-insensitive). The returned
// case carries its fields.
func (x *txn) caseByRef(ref string) (*model.Case, error) {
	// Most references are ids: read the case at once, and look the
	// reference up as a name only when no case has that id.
	c, err := x.be.CaseHeader(ref)
	if err != nil {
		return nil, err
	}
	if c == nil {
		id, ok, err := x.be.CaseNamed(ref)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, model.NotFoundf("no case %q (give a case id like case_… or a name like KYC-42)", ref)
		}
		if c, err = x.caseHeader(id); err != nil {
			return nil, err
		}
	}
	if c.Fields, err = x.be.CaseFields(c.ID); err != nil {
		return nil, err
	}
	return c, nil
}

// caseHeader reads a case without its fields.
func (x *txn) caseHeader(id string) (*model.Case, error) {
	c, err := x.be.CaseHeader(id)
	if err == nil && c == nil {
		err = model.NotFoundf("no case with id %q", id)
	}
	return c, err
}

// putCase writes the case (header, fields, name, index entries). old is the
// case as it was, nil for a new case. It brings the digests of the case's
// fields and objects up to date first (comments keep theirs as they are
// added, see addComment), so the record an event states is the record
// stored.
func (x *txn) putCase(old, c *model.Case) error {
	if old == nil || !bytes.Equal(old.Fields, c.Fields) {
		if len(c.Fields) == 0 {
			c.Fields = []byte("{}")
		}
		c.FieldsSum = model.FieldsDigest(c.Fields)
	} else if c.FieldsSum == "" {
		c.FieldsSum = old.FieldsSum
	}
	if old != nil && old.ObjectsSum != "" && !x.objectsWritten && slices.Equal(old.Objects, c.Objects) {
		c.ObjectsSum = old.ObjectsSum // the same objects, none of them rewritten
	} else {
		c.ObjectsSum = model.ObjectsDigest(c.Objects, x.objectSum)
	}
	if err := x.be.PutCase(old, c); err != nil {
		return err
	}
	x.changed = append(x.changed, c.ID)
	return nil
}

// objectSum is the stored digest of an object ("" if it is missing).
func (x *txn) objectSum(id string) string {
	if o, ok := x.readAhead[id]; ok {
		if o == nil {
			return ""
		}
		return o.Sum
	}
	return x.be.ObjectSum(id)
}

// lastEvent is the newest audit event of a case (zero Event if none).
func (x *txn) lastEvent(c *model.Case) (model.Event, error) {
	e, _, err := x.be.Event(c.ID, c.Version)
	return e, err
}

// putEvent appends an event to its case's hash chain, recording the state
// the case is left in (c, as just written by putCase), and queues it for
// the webhooks that want it (see outbox.go): every case change passes here.
func (x *txn) putEvent(c *model.Case, e model.Event) error {
	prev := ""
	if e.Seq > 1 {
		hash, ok, err := x.be.EventHash(e.CaseID, e.Seq-1)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("audit trail of case %s: event %d is missing; run docket check", e.CaseID, e.Seq-1)
		}
		prev = hash
	}
	e.State = c.State()
	e.Seal(prev, newSalt())
	if err := x.be.PutEvent(e); err != nil {
		return err
	}
	return x.enqueueHooks(c, e)
}

// newSalt is 8 random bytes for an event's text digest.
func newSalt() []byte {
	b := make([]byte, 8)
	rand.Read(b)
	return b
}

// addComment stores a new comment as the case's next one, sealed, and
// carries its digest into the case's; it remembers the comment's id, so
// that importing it again (say, from an export) does not add it twice.
func (x *txn) addComment(c *model.Case, cm model.Comment) (model.Comment, error) {
	last, err := x.be.LastCommentSeq(c.ID)
	if err != nil {
		return cm, err
	}
	cm.CaseID, cm.Seq = c.ID, last+1
	if cm.ID == "" {
		cm.ID = fmt.Sprintf("docket-%s-%d", c.ID, cm.Seq)
	}
	cm.Seal(newSalt())
	c.CommentsSum = model.CommentsDigest(c.CommentsSum, cm.Sum)
	return cm, x.be.PutComment(cm)
}

// ---- objects ----

func (x *txn) object(id string) (*model.Object, error) {
	if o, ok := x.readAhead[id]; ok {
		return copyObject(o), nil
	}
	return x.be.Object(id)
}

// readObjectsAhead reads the objects of ids in one go, for a batch of
// writes that would otherwise read them one at a time: on a database
// server each read is a round trip (an import's cases name five objects
// each). What the transaction writes later replaces what it read.
func (x *txn) readObjectsAhead(ids []string) error {
	objects, err := x.be.ObjectsIn(ids)
	if err != nil {
		return err
	}
	x.readAhead = make(map[string]*model.Object, len(ids))
	for _, id := range ids {
		x.readAhead[id] = nil
	}
	for _, o := range objects {
		x.readAhead[o.ID] = o
	}
	return nil
}

// copyObject is a copy of o that shares nothing with it.
func copyObject(o *model.Object) *model.Object {
	if o == nil {
		return nil
	}
	return &model.Object{ObjectRef: o.ObjectRef, Attributes: bytes.Clone(o.Attributes),
		Relationships: bytes.Clone(o.Relationships), Redacted: o.Redacted, RefOnly: o.RefOnly, Sum: o.Sum}
}

// putObject stores o unless an identical copy is there; it reports whether
// it wrote. A reference-only object is stored only where there is nothing
// yet.
func (x *txn) putObject(o *model.Object) (bool, error) {
	if o.RefOnly {
		if known, ok := x.readAhead[o.ID]; ok {
			if known != nil {
				return false, nil
			}
		} else if has, err := x.be.HasObject(o.ID); has || err != nil {
			return false, err
		}
	}
	// Stored compact, so that the same object sent pretty-printed or not
	// is the same object.
	for _, part := range []*json.RawMessage{&o.Attributes, &o.Relationships} {
		if len(*part) == 0 || !bytes.ContainsAny(*part, " \n\t\r") {
			continue
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, *part); err != nil {
			return false, model.Invalidf("object %s: %v", o.ID, err)
		}
		*part = buf.Bytes()
	}
	wrote, err := x.be.PutObject(o)
	x.objectsWritten = x.objectsWritten || wrote
	if err == nil && x.readAhead != nil {
		x.readAhead[o.ID] = copyObject(o)
	}
	return wrote, err
}

// casesOfObject lists the ids of the cases an object is attached to.
func (x *txn) casesOfObject(objectID string) ([]string, error) { return x.be.CasesOf(objectID) }

// objectsOf loads the case's attached objects (stubs for missing ones).
func (x *txn) objectsOf(c *model.Case) ([]*model.Object, error) {
	out := make([]*model.Object, 0, len(c.Objects))
	for _, r := range c.Objects {
		o, err := x.object(r.ID)
		if err != nil {
			return nil, err
		}
		if o == nil {
			o = &model.Object{ObjectRef: r}
		}
		out = append(out, o)
	}
	return out, nil
}

// refreshSubject recomputes what the case keeps from its objects: the
// subject's name and the reference ids.
func (x *txn) refreshSubject(c *model.Case) error {
	objs, err := x.objectsOf(c)
	if err != nil {
		return err
	}
	c.Subject = model.SubjectOf(objs)
	c.References = model.ReferencesOf(objs)
	return nil
}
