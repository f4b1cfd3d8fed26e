package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"slices"
	"strings"
	"time"

	"docket/model"
	"docket/store/persona"
	"docket/workflows"
)

// ImportOptions tune Import.
type ImportOptions struct {
	Actor    string
	Workflow string // force every case into this workflow
	// Progress, when set, hears how far each pass has got through the bytes
	// of all sources. Phase is "checking" or "writing".
	Progress  func(phase string, done, total int64)
	BatchSize int // cases per transaction (default 1000)
}

// ImportResult says what an import did.
type ImportResult struct {
	Documents int
	Cases     int // case documents read
	Created   int
	Updated   int
	Unchanged int // already present and not newer
	Objects   int // objects written (new or changed)
	Comments  int
	NewUsers  []string // assignees that were created as reviewers
	Skipped   []string // included resources docket does not keep
}

// Import loads Persona documents. It reads every source twice: first to
// check every record against the workflows (nothing is written if any
// record is bad), then to write in batches. Re-importing the same data
// changes nothing: a case is only updated by a copy with a newer updated-at.
func (s *Store) Import(sources []Source, opt ImportOptions) (ImportResult, error) {
	var res ImportResult
	if opt.BatchSize <= 0 {
		opt.BatchSize = 1000
	}
	total, err := totalSize(sources)
	if err != nil {
		return res, err
	}
	if err := s.checkImport(sources, opt, total); err != nil {
		return res, err
	}
	err = s.writeImport(sources, opt, total, &res)
	return res, err
}

func totalSize(sources []Source) (int64, error) {
	var total int64
	for _, src := range sources {
		fi, err := os.Stat(src.Path)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", src.Name, err)
		}
		total += fi.Size()
	}
	return total, nil
}

// loc is where a record starts: which source, which line.
type loc struct{ file, line int32 }

func (l loc) in(sources []Source) string { return fmt.Sprintf("%s:%d", sources[l.file].Name, l.line) }

// eachCase streams every case document of every source. check, when set,
// looks at each record before it is decoded; it also makes an empty
// source an error.
func eachCase(sources []Source, progress func(done int64), check func(raw []byte) error, fn func(l loc, d persona.CaseDoc) error) error {
	var base int64
	for i, src := range sources {
		var consumed int64
		records := 0
		err := streamRecords(src, func(rec record) error {
			records++
			l := loc{int32(i), int32(rec.line)}
			if check != nil {
				if err := check(rec.raw); err != nil {
					return fmt.Errorf("%s: %w", l.in(sources), err)
				}
			}
			docs, err := persona.Decode(rec.raw)
			if err != nil {
				return fmt.Errorf("%s: %w", l.in(sources), err)
			}
			for _, d := range docs {
				if err := fn(l, d); err != nil {
					return err
				}
			}
			consumed = rec.end
			if progress != nil {
				progress(base + consumed)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if records == 0 && check != nil {
			return model.Invalidf("%s: the file is empty: no documents to import", src.Name)
		}
		base += consumed
	}
	return nil
}

// streamRecords is readRecords with the splitting in a goroutine of its
// own, a few hundred documents ahead of fn.
func streamRecords(src Source, fn func(rec record) error) error {
	recs := make(chan record, 256)
	stop := make(chan struct{})
	var readErr error
	go func() {
		defer close(recs)
		readErr = readRecords(src, func(rec record) error {
			rec.raw = bytes.Clone(rec.raw) // the splitter reuses its buffer
			select {
			case recs <- rec:
				return nil
			case <-stop:
				return errStop
			}
		})
	}()
	var err error
	for rec := range recs {
		if err == nil {
			if err = fn(rec); err != nil {
				close(stop)
			}
		}
	}
	if err != nil {
		return err
	}
	return readErr
}

// nameClaim records that a case id takes a name, as hashes, so that a
// million-case import can be checked for clashes in 16 bytes a case.
// Where it came from is found again only if there is a clash (seq counts
// the case documents of the import).
type nameClaim struct {
	name uint64
	id   uint32
	seq  uint32
}

func hash64(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// checkDocument refuses a record over the size limit, with invalid UTF-8
// or nested too deep, before it is decoded.
func (s *Store) checkDocument(raw []byte) error {
	if len(raw) > s.maxCase {
		return model.SizeLimitf("the document", len(raw), s.maxCase)
	}
	return model.CheckJSON(raw)
}

// checkImport is the first pass: decode and resolve every record without
// writing anything.
func (s *Store) checkImport(sources []Source, opt ImportOptions, total int64) error {
	return s.view(func(x *txn) error {
		u, err := x.actor(opt.Actor)
		if err != nil {
			return err
		}
		if err := model.Authorize(u, model.ActImport, nil); err != nil {
			return err
		}
		if opt.Workflow != "" {
			if _, err := x.workflow(opt.Workflow); err != nil {
				return err
			}
		}
		var claims []nameClaim
		seq := uint32(0)
		err = eachCase(sources, progressOf(opt, "checking", total), s.checkDocument, func(l loc, d persona.CaseDoc) error {
			seq++
			at := l.in(sources)
			if _, _, err := s.resolveImport(d, opt); err != nil {
				return fmt.Errorf("%s: %w", at, err)
			}
			if _, err := normTags(d.Case.Tags); err != nil {
				return fmt.Errorf("%s: data.attributes.tags: %w", at, err)
			}
			if err := x.checkAssignee(d.Assignee); err != nil {
				return fmt.Errorf("%s: data.attributes.assignee-id: %w", at, err)
			}
			if d.Case.Name == "" {
				return nil
			}
			if other := x.b(bNames).Get([]byte(strings.ToUpper(d.Case.Name))); other != nil && string(other) != d.Case.ID {
				return model.Invalidf("%s: case %s is named %s, but that name belongs to case %s already in the database", at, d.Case.ID, d.Case.Name, other)
			}
			claims = append(claims, nameClaim{hash64(strings.ToUpper(d.Case.Name)), uint32(hash64(d.Case.ID)), seq - 1})
			return nil
		})
		if err != nil {
			return err
		}
		return checkClaims(sources, claims)
	})
}

// checkClaims refuses two different cases with the same name.
func checkClaims(sources []Source, claims []nameClaim) error {
	slices.SortFunc(claims, func(a, b nameClaim) int {
		if a.name != b.name {
			return cmpU64(a.name, b.name)
		}
		if a.id != b.id {
			return cmpU64(uint64(a.id), uint64(b.id))
		}
		return cmpU64(uint64(a.seq), uint64(b.seq))
	})
	var repeats [][]uint32 // each: the documents of one case (name and id), in file order
	for i := 1; i < len(claims); i++ {
		a, b := claims[i-1], claims[i]
		switch {
		case a.name != b.name:
		case a.id == b.id:
			if n := len(repeats); n > 0 && repeats[n-1][len(repeats[n-1])-1] == a.seq {
				repeats[n-1] = append(repeats[n-1], b.seq)
			} else {
				repeats = append(repeats, []uint32{a.seq, b.seq})
			}
		default:
			first, second := min(a.seq, b.seq), max(a.seq, b.seq)
			firstAt, _ := caseAt(sources, first)
			secondAt, name := caseAt(sources, second)
			return model.Invalidf("%s: case %s has the same name as a different case at %s; case names must be unique",
				secondAt, name, firstAt)
		}
	}
	return checkRepeats(sources, repeats)
}

// checkRepeats allows a case to appear more than once in an import (a log
// of webhook events holds every update; the newest copy wins) but refuses
// two different copies that claim the same updated-at: one would be
// dropped with nothing to say which.
func checkRepeats(sources []Source, repeats [][]uint32) error {
	if len(repeats) == 0 {
		return nil
	}
	type copyOf struct {
		at      string
		id      string
		updated time.Time
		sum     [32]byte
	}
	wanted := map[uint32]*copyOf{}
	for _, group := range repeats {
		for _, seq := range group {
			wanted[seq] = &copyOf{}
		}
	}
	n := uint32(0)
	eachCase(sources, nil, nil, func(l loc, d persona.CaseDoc) error {
		if c := wanted[n]; c != nil {
			raw, _ := json.Marshal(d)
			*c = copyOf{l.in(sources), d.Case.ID, d.Case.UpdatedAt, sha256.Sum256(raw)}
		}
		n++
		return nil
	})
	for _, group := range repeats {
		seen := map[string]*copyOf{} // id and updated-at -> the first copy
		for _, seq := range group {
			c := wanted[seq]
			key := c.id + "@" + c.updated.Format(time.RFC3339Nano)
			if first := seen[key]; first == nil {
				seen[key] = c
			} else if first.sum != c.sum {
				return model.Invalidf("%s: case %s appears again with the same updated-at (%s) as at %s, but different content; keep one of them",
					c.at, c.id, c.updated.Format(time.RFC3339), first.at)
			}
		}
	}
	return nil
}

// caseAt reads the sources again to find the seq-th case document: where
// it is and its name, for a message.
func caseAt(sources []Source, seq uint32) (at, name string) {
	n := uint32(0)
	eachCase(sources, nil, nil, func(l loc, d persona.CaseDoc) error {
		if n == seq {
			at, name = l.in(sources), d.Case.Name
			return errStop
		}
		n++
		return nil
	})
	return at, name
}

var errStop = errors.New("stop")

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func progressOf(opt ImportOptions, phase string, total int64) func(int64) {
	if opt.Progress == nil {
		return nil
	}
	return func(done int64) { opt.Progress(phase, done, total) }
}

// resolveImport picks the workflow (forced, then the one docket exported
// the case from, then the one bound to the Persona template, then default)
// and the case's status in it.
func (s *Store) resolveImport(d persona.CaseDoc, opt ImportOptions) (*workflows.Workflow, *workflows.Status, error) {
	w := s.workflow(opt.Workflow)
	if w == nil {
		w = s.workflow(d.Workflow)
	}
	if w == nil {
		w = s.workflowForTemplate(d.Case.PersonaTemplate)
	}
	if w == nil {
		w = s.workflow("default")
	}
	if w == nil {
		return nil, nil, model.NotFoundf("case %s: no workflow for it (give --workflow)", d.Case.ID)
	}
	st := w.Lookup(d.Case.Status)
	if st == nil {
		return nil, nil, model.Invalidf("data.attributes.status: case %s has status %q, which workflow %s does not have (%s)",
			d.Case.ID, d.Case.Status, w.ID, strings.Join(w.Names(), ", "))
	}
	return w, st, nil
}

// writeImport is the second pass: write in batches of opt.BatchSize cases.
func (s *Store) writeImport(sources []Source, opt ImportOptions, total int64, res *ImportResult) error {
	// Reading and decoding run in their own goroutine, a batch ahead of the
	// writes, so that the two cores share the work.
	batches := make(chan []persona.CaseDoc, 1)
	stop := make(chan struct{})
	var readErr error
	go func() {
		defer close(batches)
		var batch []persona.CaseDoc
		send := func() bool {
			select {
			case batches <- batch:
				batch = nil
				return true
			case <-stop:
				return false
			}
		}
		seenSkipped := map[string]bool{}
		readErr = eachCase(sources, progressOf(opt, "writing", total), nil, func(l loc, d persona.CaseDoc) error {
			for _, sk := range d.Skipped {
				if !seenSkipped[sk] && len(res.Skipped) < 100 {
					seenSkipped[sk] = true
					res.Skipped = append(res.Skipped, l.in(sources)+": "+sk)
				}
			}
			if batch = append(batch, d); len(batch) >= opt.BatchSize && !send() {
				return errStop
			}
			return nil
		})
		if readErr == nil && len(batch) > 0 {
			send()
		}
	}()
	var err error
	for batch := range batches {
		if err == nil {
			res.Cases += len(batch)
			if err = s.importDocs(batch, opt, res); err != nil {
				close(stop)
			}
		}
	}
	if err != nil {
		return err
	}
	return readErr
}

// ImportDocs writes decoded case documents in one transaction: all of them
// or, on any error, none. The demo generator feeds it directly.
func (s *Store) ImportDocs(docs []persona.CaseDoc, opt ImportOptions) (ImportResult, error) {
	var res ImportResult
	err := s.importDocs(docs, opt, &res)
	return res, err
}

func (s *Store) importDocs(docs []persona.CaseDoc, opt ImportOptions, res *ImportResult) error {
	return s.update(func(x *txn) error {
		x.bulk = true
		u, err := x.actor(opt.Actor)
		if err != nil {
			return err
		}
		if err := model.Authorize(u, model.ActImport, nil); err != nil {
			return err
		}
		for _, d := range docs {
			if err := x.importCase(d, u, opt, res); err != nil {
				return fmt.Errorf("import case %s: %w", d.Case.ID, err)
			}
		}
		return nil
	})
}

// importCase writes one case document: its objects, the case (new, or
// updated when the document is newer than what was imported before and
// says something new), its comments, index entries and one audit event.
func (x *txn) importCase(d persona.CaseDoc, u model.User, opt ImportOptions, res *ImportResult) error {
	for _, o := range d.Objects {
		wrote, err := x.putObject(o)
		if err != nil {
			return err
		}
		if wrote {
			res.Objects++
		}
	}
	var existing *model.Case
	if x.b(bCases).Get([]byte(d.Case.ID)) != nil {
		var err error
		if existing, err = x.caseByRef(d.Case.ID); err != nil {
			return err
		}
		if !d.Case.UpdatedAt.After(existing.SourceUpdatedAt) {
			res.Unchanged++
			return nil
		}
	}
	w, st, err := x.s.resolveImport(d, opt)
	if err != nil {
		return err
	}
	c, err := x.caseFromDoc(d, w, st, existing, res)
	if err != nil {
		return err
	}
	comments := x.newComments(c.ID, d.Comments)
	if existing != nil && len(comments) == 0 && sameContent(existing, c) {
		res.Unchanged++
		return nil
	}
	if err := x.importComments(c, comments, res); err != nil {
		return err
	}
	ev := model.Event{CaseID: c.ID, Seq: c.Version, At: x.now, Actor: u.Name, Kind: model.EventImported, To: c.Status}
	if existing == nil && c.Open() && c.Assignee == "" && w.Assignment.Auto() {
		if ev.Effects, err = x.autoAssign(c, w, ""); err != nil {
			return err
		}
	}
	if existing != nil {
		ev.From = existing.Status
		res.Updated++
	} else {
		res.Created++
	}
	if err := x.putCase(existing, c); err != nil {
		return err
	}
	return x.putEvent(ev)
}

// sameContent reports whether an imported copy says nothing new about a
// case (bookkeeping such as versions and import times aside).
func sameContent(a, b *model.Case) bool {
	return a.Name == b.Name && a.Workflow == b.Workflow && a.Status == b.Status &&
		a.Assignee == b.Assignee && a.Resolver == b.Resolver && a.Subject == b.Subject &&
		slices.Equal(a.References, b.References) &&
		a.SLAExpiresAt.Equal(b.SLAExpiresAt) && a.ResolvedAt.Equal(b.ResolvedAt) &&
		slices.Equal(a.Tags, b.Tags) && string(a.Fields) == string(b.Fields) &&
		slices.Equal(a.Objects, b.Objects)
}

// caseFromDoc builds the case to store from a document, on top of the
// existing copy if there is one.
func (x *txn) caseFromDoc(d persona.CaseDoc, w *workflows.Workflow, st *workflows.Status, existing *model.Case, res *ImportResult) (*model.Case, error) {
	c := d.Case
	c.Workflow, c.Status, c.StatusType = w.ID, st.Name, st.Type
	c.SourceUpdatedAt = d.Case.UpdatedAt
	c.Version = 1
	tags, _ := normTags(c.Tags)
	c.Tags = tags
	if len(c.Fields) == 0 {
		c.Fields = []byte("{}")
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = x.now
	}
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = x.now
	}
	if c.PersonaTemplate == "" {
		c.PersonaTemplate = w.PersonaTemplateID
	}
	var err error
	if c.Assignee, err = x.importAssignee(d.Assignee, res); err != nil {
		return nil, err
	}
	c.Creator, c.Assigner, c.Resolver = x.knownName(d.Creator), x.knownName(d.Assigner), x.knownName(d.Resolver)
	if existing != nil {
		c.Version = existing.Version + 1
		c.Objects = mergeRefs(existing.Objects, c.Objects)
		if c.Name == "" {
			c.Name = existing.Name
		}
	}
	if err := x.nameImported(&c, w); err != nil {
		return nil, err
	}
	for _, r := range c.Objects {
		if existing != nil && existing.HasObject(r.ID) {
			continue
		}
		if err := x.b(bLinks).Put(linkKey(r.ID, c.ID), nil); err != nil {
			return nil, err
		}
	}
	if c.Objects == nil {
		c.Objects = []model.ObjectRef{}
	}
	if existing == nil && len(d.Objects) == len(c.Objects) {
		// A new case whose objects all came with it: no need to read them back.
		c.Subject, c.References = model.SubjectOf(d.Objects), model.ReferencesOf(d.Objects)
		return &c, nil
	}
	return &c, x.refreshSubject(&c)
}

func (x *txn) nameImported(c *model.Case, w *workflows.Workflow) error {
	if c.Name == "" {
		var err error
		c.Name, err = x.nextName(w.Key)
		return err
	}
	return x.noteName(c.Name)
}

// mergeRefs keeps locally attached objects and adds the document's.
func mergeRefs(have, add []model.ObjectRef) []model.ObjectRef {
	out := slices.Clone(have)
	for _, r := range add {
		if !slices.ContainsFunc(out, func(o model.ObjectRef) bool { return o.ID == r.ID }) {
			out = append(out, r)
		}
	}
	return out
}

// importAssignee matches a Persona assignee (usually an email) to a user,
// creating a reviewer for one not seen before.
func (x *txn) importAssignee(id string, res *ImportResult) (string, error) {
	if id == "" {
		return "", nil
	}
	u, ok, err := x.userByIdentity(id)
	if ok || err != nil {
		return u.Name, err
	}
	u = model.User{Name: x.freeUserName(id), Role: model.RoleReviewer}
	if strings.Contains(id, "@") {
		u.Email = id
	}
	if err := x.addUser(u); err != nil {
		return "", err
	}
	res.NewUsers = append(res.NewUsers, u.Name)
	return u.Name, nil
}

// freeUserName derives a valid, unused user name from an id or email.
func (x *txn) freeUserName(id string) string {
	base, _, _ := strings.Cut(id, "@")
	base = strings.Map(func(r rune) rune {
		if r <= ' ' || r == '/' || r == ',' || r == 0x7f {
			return '-'
		}
		return r
	}, base)
	if len(base) > 48 {
		base = base[:48]
	}
	if base == "" {
		base = "user"
	}
	name := base
	for n := 2; ; n++ {
		if _, ok, _ := x.user(name); !ok {
			return name
		}
		name = fmt.Sprintf("%s-%d", base, n)
	}
}

// knownName maps a Persona actor id to a user name when one matches.
func (x *txn) knownName(id string) string {
	if u, ok, _ := x.userByIdentity(id); ok {
		return u.Name
	}
	return id
}

// commentKey is how an imported comment is recognised again: Persona's id,
// or for a comment without one, a hash of who said what when.
func commentKey(caseID string, cm model.Comment) string {
	if cm.ID != "" {
		return cm.ID
	}
	return fmt.Sprintf("%s/%x", caseID, hash64(cm.Author+"\x00"+cm.CreatedAt.Format(time.RFC3339Nano)+"\x00"+cm.Body))
}

// newComments drops the comments the database already has.
func (x *txn) newComments(caseID string, comments []model.Comment) []model.Comment {
	var out []model.Comment
	for _, cm := range comments {
		if x.b(bCommentID).Get([]byte(commentKey(caseID, cm))) == nil {
			out = append(out, cm)
		}
	}
	return out
}

// importComments stores new comments in order.
func (x *txn) importComments(c *model.Case, comments []model.Comment, res *ImportResult) error {
	for _, cm := range comments {
		cm.ID = commentKey(c.ID, cm)
		cm.CaseID, cm.Seq = c.ID, x.nextCommentSeq(c.ID)
		cm.Author = x.knownName(cm.Author)
		if err := x.putComment(cm); err != nil {
			return err
		}
		res.Comments++
	}
	return nil
}
