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
	Progress func(phase string, done, total int64)
	// BatchSize is cases per transaction (default 500; see maxBatchBytes).
	// Three batches are in memory at once (one written, one read ahead,
	// one being read), decoded: 1,000 put the heap's peak at 136 MB for
	// no more speed than 500 give at 74.
	BatchSize int
	// Force lets an admin's import move existing cases past the
	// workflow's rules (four-eyes, who may take a status, ...); each such
	// move says so in the audit trail.
	Force bool
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
		opt.BatchSize = 500
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

// loc is where a record starts (which source, which line) and how many
// bytes it holds.
type loc struct{ file, line, size int32 }

func (l loc) in(sources []Source) string { return fmt.Sprintf("%s:%d", sources[l.file].Name, l.line) }

// words is where a record starts, as the audit trail says it.
func (l loc) words(sources []Source) string {
	return fmt.Sprintf("%s line %d", sources[l.file].Name, l.line)
}

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
			l := loc{int32(i), int32(rec.line), int32(len(rec.raw))}
			if check != nil {
				if err := check(rec.raw); err != nil {
					return fmt.Errorf("%s: %w", l.in(sources), err)
				}
			}
			docs, err := persona.Decode(rec.raw)
			if err != nil {
				return fmt.Errorf("%s: %w", l.in(sources), err)
			}
			if len(docs) > 1 {
				l.size /= int32(len(docs)) // a list: each case its share
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
// or nested too deep, before it is decoded. The document may nest twice
// as deep as what docket keeps (its fields wrap each level in a {type,
// value} pair, and a few levels hold the document itself); checkKept
// holds what is kept to the limit once decoded.
func (s *Store) checkDocument(raw []byte) error {
	if len(raw) > s.maxCase {
		return model.SizeLimitf("the document", len(raw), s.maxCase)
	}
	return model.CheckJSONDepth(raw, 2*model.MaxJSONDepth+8)
}

// checkKept applies to a decoded case what docket keeps of it the limits
// any enrichment or object must meet (see UpdateFields, Attach).
func checkKept(d persona.CaseDoc) error {
	if err := model.CheckJSON(d.Case.Fields); err != nil {
		return model.Invalidf("data.attributes.fields: %v", err)
	}
	for _, o := range d.Objects {
		for _, part := range [][]byte{o.Attributes, o.Relationships} {
			if err := model.CheckJSON(part); err != nil {
				return model.Invalidf("included %s %s: %v", o.Type, o.ID, err)
			}
		}
	}
	return nil
}

// checkImport is the first pass: decode and resolve every record without
// writing anything, and check every status an existing case is moved to
// as the write pass will (see checkImportMove).
func (s *Store) checkImport(sources []Source, opt ImportOptions, total int64) error {
	return s.view(func(x *txn) error {
		u, err := x.importer(opt)
		if err != nil {
			return err
		}
		if opt.Workflow != "" {
			if _, err := x.workflow(opt.Workflow); err != nil {
				return err
			}
		}
		var claims []nameClaim
		var refused []refusedMove // moves of existing cases, refused against the database's state
		seq := uint32(0)
		err = eachCase(sources, progressOf(opt, "checking", total), s.checkDocument, func(l loc, d persona.CaseDoc) error {
			seq++
			at := l.in(sources)
			w, st, err := s.resolveImport(d, opt)
			if err != nil {
				return fmt.Errorf("%s: %w", at, err)
			}
			if err := x.checkCaseDoc(d); err != nil {
				return fmt.Errorf("%s: %w", at, err)
			}
			if err := x.checkExistingMove(u, opt, d, w, st, at); err != nil {
				refused = append(refused, refusedMove{seq - 1, err})
			}
			claim := strings.ToUpper(d.Case.Name)
			if claim == "" {
				// An unnamed case claims its id, so that its copies are found too.
				claim = "\x00" + d.Case.ID
			} else if other, ok, err := x.be.CaseNamed(claim); err != nil {
				return err
			} else if ok && other != d.Case.ID {
				return model.Invalidf("%s: case %s is named %s, but that name belongs to case %s already in the database", at, d.Case.ID, d.Case.Name, other)
			}
			claims = append(claims, nameClaim{hash64(claim), uint32(hash64(d.Case.ID)), seq - 1})
			return nil
		})
		if err != nil {
			return err
		}
		return x.checkClaims(sources, claims, refused, u, opt)
	})
}

// checkCaseDoc checks what the write pass keeps of a case document against
// docket's limits, before anything of it is written.
func (x *txn) checkCaseDoc(d persona.CaseDoc) error {
	if err := checkKept(d); err != nil {
		return err
	}
	if _, err := normTags(d.Case.Tags); err != nil {
		return fmt.Errorf("data.attributes.tags: %w", err)
	}
	if err := x.checkAssignee(d.Assignee); err != nil {
		return fmt.Errorf("data.attributes.assignee-id: %w", err)
	}
	return nil
}

// refusedMove is a document whose move the first pass refused; it stands
// unless the document is one of several copies of its case, which are
// checked again in turn (see checkRepeats).
type refusedMove struct {
	seq uint32
	err error
}

// importer is the user an import acts as, if they may import (and force,
// when asked).
func (x *txn) importer(opt ImportOptions) (model.User, error) {
	u, err := x.actor(opt.Actor)
	if err != nil {
		return u, err
	}
	if err := model.Authorize(u, model.ActImport, nil); err != nil {
		return u, err
	}
	if opt.Force && u.Role != model.RoleAdmin {
		return u, model.Forbiddenf("%s is a %s; only an admin may force an import past the workflows' rules", u.Name, u.Role)
	}
	return u, nil
}

// moveState is what checking an import's status moves needs to know of a
// case, as the copies before it in the import leave it.
type moveState struct {
	id, name, status, decided string
	source                    time.Time         // updated-at of the copy last applied
	took                      map[string]string // who took each status (four-eyes); nil until needed
}

// checkExistingMove checks the move a document makes to a case already in
// the database, from the state the database holds, if the write pass would
// apply it.
func (x *txn) checkExistingMove(u model.User, opt ImportOptions, d persona.CaseDoc, w *workflows.Workflow, st *workflows.Status, at string) error {
	if has, err := x.be.HasCase(d.Case.ID); err != nil || !has {
		return err // new: its later copies are checked with the repeats
	}
	c, err := x.caseHeader(d.Case.ID)
	if err != nil {
		return err
	}
	return x.moveStateOf(c).apply(x, u, opt, d, w, st, at)
}

func (x *txn) moveStateOf(c *model.Case) *moveState {
	m := &moveState{id: c.ID, name: c.Name, status: c.Status, source: c.SourceUpdatedAt}
	if !c.Open() && c.Resolver != "" {
		m.decided = fmt.Sprintf("by %s, %s", c.Resolver, model.Ago(c.ResolvedAt, x.now))
	}
	return m
}

// apply checks the move one more copy of the case makes, if it is newer
// than the last applied, and follows it.
func (m *moveState) apply(x *txn, u model.User, opt ImportOptions, d persona.CaseDoc, w *workflows.Workflow, st *workflows.Status, at string) error {
	if !d.Case.UpdatedAt.After(m.source) {
		return nil
	}
	m.source = d.Case.UpdatedAt
	if st.Name == m.status {
		return nil
	}
	if err := m.readTook(x); err != nil {
		return err
	}
	if _, err := checkImportMove(u, opt, w, m, st, "import of "+at); err != nil { // at: file:line
		return fmt.Errorf("%s: data.attributes.status: %w", at, err)
	}
	m.status, m.took[st.Name] = st.Name, u.Name
	if st.Type == model.End {
		m.decided = "by " + u.Name + " in this import"
	}
	return nil
}

// readTook reads who took each status from the case's trail, once.
func (m *moveState) readTook(x *txn) error {
	if m.took != nil {
		return nil
	}
	events, err := x.be.Events(m.id)
	if err != nil {
		return err
	}
	m.took = model.TookStatuses(events)
	return nil
}

// checkImportMove checks a status change an import makes to an existing
// case, as if the importing user made it by hand, with the import's
// source as its comment. An admin's forced import goes past a refusal; the
// note it returns goes into the audit event.
func checkImportMove(u model.User, opt ImportOptions, w *workflows.Workflow, m *moveState, to *workflows.Status, source string) (forced string, err error) {
	err = w.CheckMove(workflows.Move{Case: m.name, Actor: u, From: m.status, To: to.Name,
		Comment: source, Decided: m.decided, Took: m.took})
	switch {
	case err == nil:
		return "", nil
	case opt.Force:
		return "forced by an admin past the workflow's rule: " + err.Error(), nil
	}
	var r *model.Refusal
	if errors.As(err, &r) {
		hint := " (an import moves a case as its importer would by hand; an admin may pass --force, which the audit trail records)"
		if strings.HasPrefix(source, "webhook ") {
			hint = " (a webhook moves a case as its user would by hand)"
		}
		return "", &model.Refusal{Kind: r.Kind, Msg: r.Msg + hint}
	}
	return "", err
}

// checkClaims refuses two different cases with the same name, then checks
// the cases that appear more than once.
func (x *txn) checkClaims(sources []Source, claims []nameClaim, refused []refusedMove, u model.User, opt ImportOptions) error {
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
	return x.checkRepeats(sources, repeats, refused, u, opt)
}

// checkRepeats allows a case to appear more than once in an import (a log
// of webhook events holds every update; the newest copy wins) but refuses
// two different copies that claim the same updated-at: one would be
// dropped with nothing to say which. The copies' moves are checked in
// turn, each from where the one before left the case (a case the database
// does not have yet is created by its first copy); a move the first pass
// refused on its own stands only if its document is not such a copy.
func (x *txn) checkRepeats(sources []Source, repeats [][]uint32, refused []refusedMove, u model.User, opt ImportOptions) error {
	repeated := map[uint32]bool{}
	for _, group := range repeats {
		for _, seq := range group {
			repeated[seq] = true
		}
	}
	for _, r := range refused { // in file order
		if !repeated[r.seq] {
			return r.err
		}
	}
	if len(repeats) == 0 {
		return nil
	}
	type copyOf struct {
		at  string
		doc persona.CaseDoc
		sum [32]byte
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
			d.Objects, d.Comments, d.Case.Fields = nil, nil, nil // what the moves need is kept
			*c = copyOf{l.in(sources), d, sha256.Sum256(raw)}
		}
		n++
		return nil
	})
	for _, group := range repeats {
		seen := map[string]*copyOf{} // id and updated-at -> the first copy
		for _, seq := range group {
			c := wanted[seq]
			key := c.doc.Case.ID + "@" + c.doc.Case.UpdatedAt.Format(time.RFC3339Nano)
			if first := seen[key]; first == nil {
				seen[key] = c
			} else if first.sum != c.sum {
				return model.Invalidf("%s: case %s appears again with the same updated-at (%s) as at %s, but different content; keep one of them",
					c.at, c.doc.Case.ID, c.doc.Case.UpdatedAt.Format(time.RFC3339), first.at)
			}
		}
		var m *moveState
		id := wanted[group[0]].doc.Case.ID
		has, err := x.be.HasCase(id)
		if err != nil {
			return err
		}
		if has {
			c, err := x.caseHeader(id)
			if err != nil {
				return err
			}
			m = x.moveStateOf(c)
		}
		for _, seq := range group {
			c := wanted[seq]
			w, st, err := x.s.resolveImport(c.doc, opt)
			if err != nil {
				return fmt.Errorf("%s: %w", c.at, err)
			}
			if m == nil { // the copy that creates the case
				m = &moveState{id: c.doc.Case.ID, name: c.doc.Case.Name, status: st.Name, source: c.doc.Case.UpdatedAt, took: map[string]string{}}
				continue
			}
			if err := m.apply(x, u, opt, c.doc, w, st, c.at); err != nil {
				return err
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
// the case from, then the one bound to the Persona template, then the
// workflow the template ref names by id, as docket's Persona documents do
// for a workflow without a template, then default) and the case's status
// in it, from either of Persona's status shapes (see
// workflows.StatusFromPersona).
func (s *Store) resolveImport(d persona.CaseDoc, opt ImportOptions) (*workflows.Workflow, *workflows.Status, error) {
	w := s.workflow(opt.Workflow)
	if w == nil {
		w = s.workflow(d.Workflow)
	}
	if w == nil {
		w = s.workflowForTemplate(d.Case.PersonaTemplate)
	}
	if w == nil {
		w = s.workflow(d.Case.PersonaTemplate)
	}
	if w == nil {
		w = s.workflow("default")
	}
	if w == nil {
		return nil, nil, model.NotFoundf("case %s: no workflow for it (give --workflow)", d.Case.ID)
	}
	name, err := w.StatusFromPersona(d.Case.Status, d.Resolution)
	if err != nil {
		return nil, nil, fmt.Errorf("data.attributes.status: case %s: %w", d.Case.ID, err)
	}
	return w, w.Lookup(name), nil
}

// sourced is a case document and where it came from, for the audit trail.
type sourced struct {
	doc persona.CaseDoc
	at  string // "cases.jsonl line 12"
	src string // the whole source, when not a file: "webhook evt_… case.updated"
}

// source names where a document came from, as the audit trail says it
// ("" for documents handed over directly, as the demo does).
func (d sourced) source() string {
	switch {
	case d.src != "":
		return d.src
	case d.at == "":
		return ""
	}
	return "import of " + d.at
}

// maxBatchBytes bounds the documents one import transaction writes, so that
// a batch of large cases holds the write lock no longer than one of
// ordinary ones (a batch always takes at least one document).
const maxBatchBytes = 8 << 20

// writeImport is the second pass: write in batches of opt.BatchSize cases,
// or fewer if they are large.
func (s *Store) writeImport(sources []Source, opt ImportOptions, total int64, res *ImportResult) error {
	// Reading and decoding run in their own goroutine, a batch ahead of the
	// writes, so that the two cores share the work.
	batches := make(chan []sourced, 1)
	stop := make(chan struct{})
	var readErr error
	go func() {
		defer close(batches)
		var batch []sourced
		var batchBytes int
		send := func() bool {
			select {
			case batches <- batch:
				batch, batchBytes = nil, 0
				return true
			case <-stop:
				return false
			}
		}
		seenSkipped := map[string]bool{}
		readErr = eachCase(sources, progressOf(opt, "writing", total), nil, func(l loc, d persona.CaseDoc) error {
			at := l.in(sources)
			for _, sk := range d.Skipped {
				if !seenSkipped[sk] && len(res.Skipped) < 100 {
					seenSkipped[sk] = true
					res.Skipped = append(res.Skipped, at+": "+sk)
				}
			}
			if len(batch) > 0 && batchBytes+int(l.size) > maxBatchBytes && !send() {
				return errStop
			}
			batch, batchBytes = append(batch, sourced{doc: d, at: l.words(sources)}), batchBytes+int(l.size)
			if len(batch) >= opt.BatchSize && !send() {
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
	batch := make([]sourced, len(docs))
	for i, d := range docs {
		batch[i] = sourced{doc: d}
	}
	err := s.importDocs(batch, opt, &res)
	return res, err
}

func (s *Store) importDocs(docs []sourced, opt ImportOptions, res *ImportResult) error {
	var part ImportResult // counted afresh each time the write runs (see update)
	err := s.update(func(x *txn) error {
		x.be.Bulk()
		part = ImportResult{}
		return x.importBatch(docs, opt, &part)
	})
	if err == nil {
		res.add(part)
	}
	return err
}

// importBatch writes documents in x as opt.Actor: all of them or, on any
// error, none.
func (x *txn) importBatch(docs []sourced, opt ImportOptions, res *ImportResult) error {
	u, err := x.importer(opt)
	if err != nil {
		return err
	}
	if x.s.server != nil {
		var ids []string
		for _, d := range docs {
			for _, o := range d.doc.Objects {
				ids = append(ids, o.ID)
			}
			for _, r := range d.doc.Case.Objects {
				ids = append(ids, r.ID)
			}
		}
		if err := x.readObjectsAhead(ids); err != nil {
			return err
		}
	}
	for _, d := range docs {
		if err := x.importCase(d, u, opt, res); err != nil {
			return fmt.Errorf("import case %s: %w", d.doc.Case.ID, err)
		}
	}
	return nil
}

// add counts what one batch wrote into the whole import's result.
func (r *ImportResult) add(part ImportResult) {
	r.Created += part.Created
	r.Updated += part.Updated
	r.Unchanged += part.Unchanged
	r.Objects += part.Objects
	r.Comments += part.Comments
	r.NewUsers = append(r.NewUsers, part.NewUsers...)
}

// importCase writes one case document: its objects (each change to one
// that cases already hold is an audit event on each of them), the case
// (new, or updated when the document is newer than what was imported
// before and says something new, its status moved by the workflow's
// rules), its comments, index entries and one audit event naming the
// source and what changed.
func (x *txn) importCase(d sourced, u model.User, opt ImportOptions, res *ImportResult) error {
	if err := x.importObjects(d, u, res); err != nil {
		return err
	}
	var existing *model.Case
	has, err := x.be.HasCase(d.doc.Case.ID)
	if err != nil {
		return err
	}
	if has {
		if existing, err = x.caseByRef(d.doc.Case.ID); err != nil {
			return err
		}
		if !d.doc.Case.UpdatedAt.After(existing.SourceUpdatedAt) {
			res.Unchanged++
			return nil
		}
	}
	w, st, err := x.s.resolveImport(d.doc, opt)
	if err != nil {
		return err
	}
	c, err := x.caseFromDoc(d.doc, w, st, existing, res)
	if err != nil {
		return err
	}
	comments, err := x.newComments(c.ID, d.doc.Comments)
	if err != nil {
		return err
	}
	if existing != nil && len(comments) == 0 && sameContent(existing, c) {
		res.Unchanged++
		return nil
	}
	ev := model.Event{CaseID: c.ID, Seq: c.Version, At: x.now, Actor: u.Name, Kind: model.EventImported, To: c.Status, Source: d.source()}
	if existing != nil {
		if ev.Changes, err = x.importChanges(u, opt, w, st, existing, c, d.source()); err != nil {
			return err
		}
		ev.From = existing.Status
		res.Updated++
	} else {
		res.Created++
		if c.Open() && c.Assignee == "" && w.Assignment.Auto() {
			if ev.Effects, err = x.autoAssign(c, w, ""); err != nil {
				return err
			}
		}
	}
	if err := x.importComments(c, comments, u, d.source(), res); err != nil {
		return err
	}
	if n := len(comments); n > 0 && existing != nil {
		ev.Changes = append(ev.Changes, fmt.Sprintf("%d comment(s) imported", n))
	}
	if err := x.putCase(existing, c); err != nil {
		return err
	}
	return x.putEvent(c, ev)
}

// importChanges checks the status move an update makes (see
// checkImportMove) and lists, in words, what it changes on the case.
func (x *txn) importChanges(u model.User, opt ImportOptions, w *workflows.Workflow, st *workflows.Status, old, c *model.Case, source string) ([]string, error) {
	var changes []string
	if old.Status != c.Status {
		m := x.moveStateOf(old)
		if err := m.readTook(x); err != nil {
			return nil, err
		}
		forced, err := checkImportMove(u, opt, w, m, st, source)
		if err != nil {
			return nil, err
		}
		changes = append(changes, "status "+old.Status+" → "+c.Status)
		if forced != "" {
			changes = append(changes, forced)
		}
	}
	pair := func(what, from, to string) {
		if from != to {
			changes = append(changes, fmt.Sprintf("%s %s → %s", what, orNone(from), orNone(to)))
		}
	}
	pair("assignee", old.Assignee, c.Assignee)
	pair("resolver", old.Resolver, c.Resolver)
	pair("tags", strings.Join(old.Tags, ","), strings.Join(c.Tags, ","))
	pair("SLA", timeText(old.SLAExpiresAt), timeText(c.SLAExpiresAt))
	pair("name", old.Name, c.Name)
	if string(old.Fields) != string(c.Fields) {
		changes = append(changes, "fields "+changedKeys(old.Fields, c.Fields))
	}
	if added := len(c.Objects) - len(old.Objects); added > 0 {
		changes = append(changes, fmt.Sprintf("%d object(s) attached", added))
	}
	return changes, nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// changedKeys names the top-level keys whose values differ between two
// JSON objects.
func changedKeys(a, b []byte) string {
	var ma, mb map[string]json.RawMessage
	json.Unmarshal(a, &ma)
	json.Unmarshal(b, &mb)
	var keys []string
	for k, v := range ma {
		if w, ok := mb[k]; !ok || string(w) != string(v) {
			keys = append(keys, k)
		}
	}
	for k := range mb {
		if _, ok := ma[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return strings.Join(keys, ",")
}

// importObjects stores a document's objects. One that cases already hold
// and that changes (or arrives after being only referenced) is an audit
// event on each of those cases.
func (x *txn) importObjects(d sourced, u model.User, res *ImportResult) error {
	for _, o := range d.doc.Objects {
		before, err := x.object(o.ID)
		if err != nil {
			return err
		}
		if before != nil && !before.RefOnly && persona.Equivalent(before, o) {
			continue // the same, perhaps in the other of Persona's shapes
		}
		wrote, err := x.putObject(o)
		if err != nil || !wrote {
			return err
		}
		res.Objects++
		if before != nil {
			if err := x.objectChanged(u.Name, o.ID, describeObjectChange(before, o), d.source(), ""); err != nil {
				return err
			}
		}
	}
	return nil
}

// describeObjectChange says what changed in an object, for the audit trail.
func describeObjectChange(before, after *model.Object) string {
	name := string(after.Kind) + " " + after.ID
	if before.RefOnly {
		return name + " arrived (it was only referenced before)"
	}
	var parts []string
	if keys := changedKeys(before.Attributes, after.Attributes); keys != "" {
		parts = append(parts, "attributes "+keys)
	}
	if string(before.Relationships) != string(after.Relationships) {
		parts = append(parts, "relationships")
	}
	if len(parts) == 0 {
		return name + " rewritten"
	}
	return name + " changed: " + strings.Join(parts, ", ")
}

// objectChanged records, on every case the object is attached to but
// skip, that it changed (what says how; source where from, "" for a change
// made in docket).
func (x *txn) objectChanged(actor, objectID, what, source, skip string) error {
	ids, err := x.casesOfObject(objectID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if id == skip {
			continue
		}
		c, err := x.caseHeader(id)
		if err != nil {
			return err
		}
		old := c.Clone()
		if err := x.refreshSubject(c); err != nil {
			return err
		}
		ev := model.Event{Kind: model.EventObject, To: objectID, Source: source, Changes: []string{what}}
		if err := x.record(old, c, actor, ev); err != nil {
			return err
		}
	}
	return nil
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
	if c.PersonaTemplate == "" || c.PersonaTemplate == w.ID && w.PersonaTemplateID != w.ID {
		// A template ref naming the workflow itself is docket's, not Persona's.
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
		c.CommentsSum = existing.CommentsSum
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
		if err := x.be.Link(r.ID, c.ID); err != nil {
			return nil, err
		}
		// Persona often names an object without including it: docket
		// keeps what it knows (kind and id) until the object arrives.
		if _, err := x.putObject(&model.Object{ObjectRef: r, RefOnly: true}); err != nil {
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
		base = strings.ToValidUTF8(base[:48], "") // never half a character
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
func (x *txn) newComments(caseID string, comments []model.Comment) ([]model.Comment, error) {
	var out []model.Comment
	for _, cm := range comments {
		has, err := x.be.HasCommentID(commentKey(caseID, cm))
		if err != nil {
			return nil, err
		}
		if !has {
			out = append(out, cm)
		}
	}
	return out, nil
}

// importComments stores new comments in order, as imported by the
// importing user: the author and time the source gives are kept as what
// the source said, never as a docket user's word.
func (x *txn) importComments(c *model.Case, comments []model.Comment, u model.User, source string, res *ImportResult) error {
	for _, cm := range comments {
		stored := model.Comment{ID: commentKey(c.ID, cm), Author: u.Name, Body: cm.Body, CreatedAt: x.now,
			Imported: &model.ImportedFrom{Author: cm.Author, At: cm.CreatedAt, Source: source}}
		if _, err := x.addComment(c, stored); err != nil {
			return err
		}
		res.Comments++
	}
	return nil
}
