package bolt

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"docket/model"
)

// Case headers are stored in a compact binary form: listing a queue or
// filtering it decodes many of them, and JSON would be most of the cost.
// The same bytes sit in the cases bucket and, as a row summary, in the
// queue index entries, so a filter scans the index without reading cases.
//
// Layout: a format byte, then each field in a fixed order: strings as a
// uvarint length and bytes, times as varint Unix nanoseconds (0 for none),
// lists as a uvarint count and their items. Format 3 adds the digests of
// the case's fields, objects and comments (raw bytes, empty for none); 2
// and 4 are taken by row summaries, which decodeCase also reads.

const (
	caseFormat1 = 1
	caseFormat  = 3
)

var errShortRecord = errors.New("case record is cut short")

type encoder struct{ b []byte }

func (e *encoder) str(s string) {
	e.b = binary.AppendUvarint(e.b, uint64(len(s)))
	e.b = append(e.b, s...)
}

func (e *encoder) strs(ss []string) {
	e.b = binary.AppendUvarint(e.b, uint64(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}

func (e *encoder) time(t time.Time) {
	var n int64
	if !t.IsZero() {
		n = t.UnixNano()
	}
	e.b = binary.AppendVarint(e.b, n)
}

func (e *encoder) int(n int64) { e.b = binary.AppendVarint(e.b, n) }

// sum writes a hex digest as its bytes.
func (e *encoder) sum(hexSum string) {
	raw, _ := hex.DecodeString(hexSum)
	e.str(string(raw))
}

func (e *encoder) bool(b bool) {
	if b {
		e.int(1)
	} else {
		e.int(0)
	}
}

// encodeCase encodes a case without its fields.
func encodeCase(c *model.Case) []byte {
	e := &encoder{b: make([]byte, 0, 256)}
	e.b = append(e.b, caseFormat)
	for _, s := range []string{c.ID, c.Name, c.Workflow, c.Status, string(c.StatusType),
		c.Assignee, c.Assigner, c.Creator, c.Resolver, c.Subject, c.PersonaTemplate} {
		e.str(s)
	}
	for _, t := range []time.Time{c.CreatedAt, c.UpdatedAt, c.AssignedAt, c.ResolvedAt, c.SLAExpiresAt, c.SourceUpdatedAt} {
		e.time(t)
	}
	e.strs(c.Tags)
	e.strs(c.References)
	e.b = binary.AppendUvarint(e.b, uint64(len(c.Objects)))
	for _, r := range c.Objects {
		e.str(string(r.Kind))
		e.str(r.Type)
		e.str(r.ID)
	}
	e.int(c.Version)
	e.bool(c.Redacted)
	e.sum(c.FieldsSum)
	e.sum(c.ObjectsSum)
	e.sum(c.CommentsSum)
	return e.b
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) uvarint() uint64 {
	n, k := binary.Uvarint(d.b)
	if k <= 0 {
		d.err, d.b = errShortRecord, nil
		return 0
	}
	d.b = d.b[k:]
	return n
}

func (d *decoder) int() int64 {
	n, k := binary.Varint(d.b)
	if k <= 0 {
		d.err, d.b = errShortRecord, nil
		return 0
	}
	d.b = d.b[k:]
	return n
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err, d.b = errShortRecord, nil
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) strs() []string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err = errShortRecord
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.str()
	}
	return out
}

// skip passes over n strings.
func (d *decoder) skip(n int) {
	for range n {
		k := d.uvarint()
		if k > uint64(len(d.b)) {
			d.err, d.b = errShortRecord, nil
			return
		}
		d.b = d.b[k:]
	}
}

func (d *decoder) sum() string {
	if s := d.str(); s != "" {
		return hex.EncodeToString([]byte(s))
	}
	return ""
}

func (d *decoder) time() time.Time {
	n := d.int()
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// A row summary (the value of a deadline-ordered queue index entry) is
// the text a filter searches, already folded (model.Fold), then the part
// of the case a queue row shows: a filter walks the queue comparing bytes
// and decodes only the matches, and the fewer bytes a summary holds, the
// fewer a filter walks and a decision writes. Format 2 held the whole
// case header instead of the row; decodeCase still reads it.
const (
	summaryFormat2 = 2
	summaryFormat  = 4
	textFormat     = 5 // the search text alone (see textEntry)
)

// textEntry is the index value that holds only a summary's search text.
func textEntry(summary []byte) []byte {
	text := searchText(summary)
	e := &encoder{b: make([]byte, 0, 1+binary.MaxVarintLen32+len(text))}
	e.b = append(e.b, textFormat)
	e.str(string(text))
	return e.b
}

// encodeSummary is the row summary of a case.
func encodeSummary(c *model.Case) []byte {
	text := c.SearchText()
	e := &encoder{b: make([]byte, 0, 192+len(text))}
	e.b = append(e.b, summaryFormat)
	e.str(text)
	for _, s := range []string{c.ID, c.Name, c.Workflow, c.Status, string(c.StatusType), c.Assignee, c.Resolver, c.Subject} {
		e.str(s)
	}
	for _, t := range []time.Time{c.CreatedAt, c.UpdatedAt, c.ResolvedAt, c.SLAExpiresAt} {
		e.time(t)
	}
	e.strs(c.Tags)
	e.int(c.Version)
	e.bool(c.Redacted)
	return e.b
}

// searchText is the folded search text of a row summary (nil if it has
// none).
func searchText(summary []byte) []byte {
	if len(summary) == 0 || (summary[0] != summaryFormat && summary[0] != summaryFormat2 && summary[0] != textFormat) {
		return nil
	}
	n, k := binary.Uvarint(summary[1:])
	if k <= 0 || uint64(len(summary)-1-k) < n {
		return nil
	}
	return summary[1+k : 1+k+int(n)]
}

// decodeRow reads the case a row summary shows: only what a row needs
// (no objects, references or digests), never to be written back.
func decodeRow(summary []byte) (*model.Case, error) {
	d := &decoder{b: summary[1:]}
	d.skip(1) // the search text
	c := &model.Case{}
	for _, s := range []*string{&c.ID, &c.Name, &c.Workflow, &c.Status, (*string)(&c.StatusType), &c.Assignee, &c.Resolver, &c.Subject} {
		*s = d.str()
	}
	for _, t := range []*time.Time{&c.CreatedAt, &c.UpdatedAt, &c.ResolvedAt, &c.SLAExpiresAt} {
		*t = d.time()
	}
	c.Tags = d.strs()
	c.Version = d.int()
	c.Redacted = d.int() == 1
	c.Objects = []model.ObjectRef{}
	if d.err == nil && len(d.b) > 0 {
		d.err = errors.New("row summary has bytes past its end")
	}
	return c, d.err
}

// decodeCase reads a case header in any of its forms: binary, a row
// summary, or the JSON that earlier versions wrote.
func decodeCase(raw []byte) (*model.Case, error) {
	if len(raw) > 0 && raw[0] == summaryFormat {
		return decodeRow(raw)
	}
	if len(raw) > 0 && raw[0] == summaryFormat2 {
		n, k := binary.Uvarint(raw[1:])
		if k <= 0 || uint64(len(raw)-1-k) < n {
			return nil, errShortRecord
		}
		raw = raw[1+k+int(n):]
	}
	c := &model.Case{}
	if len(raw) > 0 && raw[0] == '{' {
		return c, json.Unmarshal(raw, c)
	}
	if len(raw) == 0 || (raw[0] != caseFormat && raw[0] != caseFormat1) {
		return nil, errors.New("case record has an unknown format")
	}
	format := raw[0]
	d := &decoder{b: raw[1:]}
	for _, s := range []*string{&c.ID, &c.Name, &c.Workflow, &c.Status, (*string)(&c.StatusType),
		&c.Assignee, &c.Assigner, &c.Creator, &c.Resolver, &c.Subject, &c.PersonaTemplate} {
		*s = d.str()
	}
	for _, t := range []*time.Time{&c.CreatedAt, &c.UpdatedAt, &c.AssignedAt, &c.ResolvedAt, &c.SLAExpiresAt, &c.SourceUpdatedAt} {
		*t = d.time()
	}
	c.Tags = d.strs()
	c.References = d.strs()
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		return nil, errShortRecord
	}
	c.Objects = make([]model.ObjectRef, n)
	for i := range c.Objects {
		c.Objects[i] = model.ObjectRef{Kind: model.ObjectKind(d.str()), Type: d.str(), ID: d.str()}
	}
	c.Version = d.int()
	c.Redacted = d.int() == 1
	if format >= caseFormat {
		c.FieldsSum, c.ObjectsSum, c.CommentsSum = d.sum(), d.sum(), d.sum()
	}
	if len(c.References) == 0 {
		c.References = nil
	}
	if d.err == nil && len(d.b) > 0 {
		d.err = errors.New("case record has bytes past its end")
	}
	return c, d.err
}

// Objects are stored as a format byte, kind, type and id as strings, a
// redacted flag, then the attributes and relationships JSON as they came.
// Format 2 adds a reference-only flag and the content digest.
const (
	objectFormat1 = 1
	objectFormat  = 2
)

// encodeObject encodes o with its content digest (which it sets).
func encodeObject(o *model.Object) []byte {
	o.Sum = o.ContentDigest()
	e := &encoder{b: make([]byte, 0, 64+len(o.Attributes)+len(o.Relationships))}
	e.b = append(e.b, objectFormat)
	e.str(string(o.Kind))
	e.str(o.Type)
	e.str(o.ID)
	e.bool(o.Redacted)
	e.str(string(o.Attributes))
	e.str(string(o.Relationships))
	e.bool(o.RefOnly)
	e.sum(o.Sum)
	return e.b
}

// decodeObject reads an object in either form: binary, or JSON.
func decodeObject(raw []byte) (*model.Object, error) {
	o := &model.Object{}
	if len(raw) > 0 && raw[0] == '{' {
		return o, json.Unmarshal(raw, o)
	}
	if len(raw) == 0 || (raw[0] != objectFormat && raw[0] != objectFormat1) {
		return nil, errors.New("object record has an unknown format")
	}
	format := raw[0]
	d := &decoder{b: raw[1:]}
	o.Kind = model.ObjectKind(d.str())
	o.Type = d.str()
	o.ID = d.str()
	o.Redacted = d.int() == 1
	if a := d.str(); a != "" {
		o.Attributes = []byte(a)
	}
	if r := d.str(); r != "" {
		o.Relationships = []byte(r)
	}
	if format >= objectFormat {
		o.RefOnly = d.int() == 1
		o.Sum = d.sum()
	}
	if d.err == nil && len(d.b) > 0 {
		d.err = errors.New("object record has bytes past its end")
	}
	return o, d.err
}

// objectSumOf reads the digest of a stored object without decoding the
// rest ("" for none, or a record of format 1).
func objectSumOf(raw []byte) string {
	if len(raw) == 0 || raw[0] != objectFormat {
		return ""
	}
	d := &decoder{b: raw[1:]}
	d.skip(3) // kind, type, id
	d.int()   // redacted
	d.skip(2) // attributes, relationships
	d.int()   // reference only
	return d.sum()
}
