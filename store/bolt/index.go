package bolt

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
	"time"

	bbolt "go.etcd.io/bbolt"

	"docket/model"
	"docket/store/backend"
)

// The queue index lets every list page straight from sorted keys. Each case
// sits under several prefixes (its queue, its assignee, workflow, status and
// each tag), once per sort order:
//
//	prefix | order | sort key | caseID
//
// A prefix is a list of parts each ended by \0 (names never hold \0). The
// order byte is 'd' (SLA deadline, then creation) or 'c' (creation). The
// counts bucket holds how many cases sit under each prefix, so queue counts
// never scan.
const (
	orderDeadline byte = 'd'
	orderCreated  byte = 'c'
)

func prefix(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p)
		b.WriteByte(0)
	}
	return b.String()
}

// openness is the part of a prefix that splits open from closed cases.
func openness(open bool) string {
	if open {
		return "o"
	}
	return "c"
}

// Prefix builders, one per dimension a query can filter on.
func pQueue(open bool) string                 { return prefix("q", openness(open)) }
func pUnassigned() string                     { return prefix("u") }
func pAssignee(user string, open bool) string { return prefix("a", user, openness(open)) }
func pWorkflow(id string, open bool) string   { return prefix("w", id, openness(open)) }
func pStatus(wf, status string) string        { return prefix("s", wf, strings.ToLower(status)) }

// pStatusAll is what every status prefix begins with.
var pStatusAll = prefix("s")

func pTag(tag string, open bool) string { return prefix("t", strings.ToLower(tag), openness(open)) }

// isQueuePrefix tells the open/closed queue prefixes, whose entries carry
// row summaries (see entryValue), from the others.
func isQueuePrefix(p string) bool { return len(p) == 4 && p[0] == 'q' && p[1] == 0 }

// hasCreatedOrder tells the prefixes that also keep creation order: the
// queues a reviewer sorts by newest or oldest (the open and closed queues,
// each person's, Unassigned). Filters by workflow, status or tag in that
// sort walk a queue's entries instead; two fewer keys per case make every
// write cheaper.
func hasCreatedOrder(p string) bool { return p[0] == 'q' || p[0] == 'a' || p[0] == 'u' }

// prefixesOf lists every prefix the case belongs under.
func prefixesOf(c *model.Case) []string {
	open := c.Open()
	ps := []string{pQueue(open), pWorkflow(c.Workflow, open), pStatus(c.Workflow, c.Status)}
	switch {
	case c.Assignee != "":
		ps = append(ps, pAssignee(c.Assignee, open))
	case open:
		ps = append(ps, pUnassigned())
	}
	seen := map[string]bool{}
	for _, t := range c.Tags {
		if p := pTag(t, open); !seen[p] {
			seen[p] = true
			ps = append(ps, p)
		}
	}
	return ps
}

func timeKey(t time.Time) uint64 { return backend.TimeKey(t) }

// sortKey is the part after the order byte, caseID included (see
// backend.SortKey).
func sortKey(order byte, c *model.Case) []byte { return backend.SortKey(order == orderDeadline, c) }

// indexBucket is the bucket that holds the entries of prefix p. The status
// prefixes have their own: a decision moves a case between two of them,
// and the smaller tree has fewer branch pages above the two leaves it
// rewrites (the queue index is deeper, its entries carry search texts).
func indexBucket(p string) []byte {
	if isStatusPrefix(p) {
		return bStatusIdx
	}
	return bIndex
}

func indexKey(p string, order byte, c *model.Case) []byte {
	k := append([]byte(p), order)
	return append(k, sortKey(order, c)...)
}

// reindex moves the case's index entries from old to new (either may be nil)
// and keeps the counts right. The entries of the queues, each person's
// queue and Unassigned carry the case's search text (see entryValue),
// rewritten only when it changes; the others carry nothing; unchanged
// entries are left alone. The row summary lives beside the case header
// (see summaryKey), so a decision rewrites no entry it keeps.
func (b *boltTx) reindex(old, new *model.Case, summary []byte) error {
	oldKeys, newKeys := map[string]string{}, map[string]string{}
	collect := func(c *model.Case, into map[string]string) {
		if c == nil {
			return
		}
		for _, p := range prefixesOf(c) {
			into[string(indexKey(p, orderDeadline, c))] = p
			if hasCreatedOrder(p) {
				into[string(indexKey(p, orderCreated, c))] = p
			}
		}
	}
	collect(old, oldKeys)
	collect(new, newKeys)
	for k, p := range oldKeys {
		if _, keep := newKeys[k]; keep {
			continue
		}
		if err := b.writeEntry(p, []byte(k), nil, false); err != nil {
			return err
		}
		if k[len(p)] == orderDeadline {
			b.addCount(p, -1)
		}
	}
	var text []byte // the new search text entry, made once
	textChanged := old == nil || !sameSearchText(old, new)
	for k, p := range newKeys {
		_, had := oldKeys[k]
		order := k[len(p)]
		kind := entryValue(p, order)
		if had && (kind == noValue || kind == textValue && !textChanged) {
			continue
		}
		var value []byte
		if kind == textValue {
			if text == nil {
				text = textEntry(summary)
			}
			value = text
		}
		if err := b.writeEntry(p, []byte(k), value, true); err != nil {
			return err
		}
		if !had && order == orderDeadline {
			b.addCount(p, 1)
		}
	}
	return nil
}

// sameSearchText says whether two versions of a case have the same search
// text, from what it is made of (see encodeSummary) rather than by folding
// both.
func sameSearchText(a, b *model.Case) bool {
	return a.Name == b.Name && a.ID == b.ID && a.Subject == b.Subject &&
		slices.Equal(a.References, b.References) && slices.Equal(a.Tags, b.Tags)
}

// What an index entry carries.
const (
	noValue   = iota
	textValue // the search text alone
)

// entryValue says what the entries of prefix p in one order carry. A
// filter walks the entries of a queue comparing search texts, the fewest
// bytes that can answer it, and reads the row summary of a match from the
// cases bucket (see summaryKey). Workflow, status and tag entries carry
// nothing: a text filter within them reads each entry's summary.
func entryValue(p string, order byte) int {
	if p[0] == 'q' || p[0] == 'a' || p[0] == 'u' {
		return textValue
	}
	return noValue
}

// Counters change many times in a bulk transaction (each case moves a
// handful), so changes gather in the txn and are written once, at commit.

// addCount notes a change to a counter.
func (b *boltTx) addCount(p string, delta int64) {
	if b.deltas == nil {
		b.deltas = map[string]int64{}
	}
	b.deltas[p] += delta
}

// count is a counter's value, pending changes included.
func (b *boltTx) count(p string) int {
	return getCount(b.bucket(countBucket(p)), p) + int(b.deltas[p])
}

// countBucket is the bucket of a counter. The queue counts stay few (one
// per queue, person, workflow, tag) and fit one page, which every change
// that opens, closes, assigns or tags a case rewrites. The status counts
// (one per status of each workflow) have a bucket of their own: small
// enough for bbolt to keep it inside the page of bucket roots, which
// every write rewrites anyway, so that a move between open statuses, the
// commonest decision, writes one page fewer. The decisions per person and
// day grow with time, and only a decision writes them.
func countBucket(p string) []byte {
	switch {
	case isStatusPrefix(p):
		return bStatusCounts
	case strings.HasPrefix(p, decPrefix):
		return bDecided
	}
	return bCounts
}

// flushCounts writes the pending counter changes.
func (b *boltTx) flushCounts() error {
	for p, delta := range b.deltas {
		if delta == 0 {
			continue
		}
		bk := b.bucket(countBucket(p))
		n := int64(getCount(bk, p)) + delta
		var err error
		if n <= 0 {
			err = bk.Delete([]byte(p))
		} else {
			err = bk.Put([]byte(p), binary.BigEndian.AppendUint64(nil, uint64(n)))
		}
		if err != nil {
			return err
		}
	}
	b.deltas = nil
	return nil
}

func getCount(b *bbolt.Bucket, p string) int {
	v := b.Get([]byte(p))
	if len(v) != 8 {
		return 0
	}
	return int(binary.BigEndian.Uint64(v))
}

// scanner walks the index entries under one prefix in one order, yielding
// sort keys (caseID included) so several scanners can be merged. Under a
// status prefix it reads the index with the status moves not yet folded
// into it applied (see moves.go): the index's entries but those the notes
// name, merged with the ones the notes put in.
type scanner struct {
	cur     *bbolt.Cursor
	start   []byte // prefix + order byte
	reverse bool
	key     []byte // current sort key, nil when done
	value   []byte // its value: a row summary on queue prefixes

	notes     *notes // nil when there are none under the prefix
	main      []byte // the index's current sort key, notes applied; nil when past its end
	mainValue []byte
	at        int  // the next of notes.added in scan order
	fromMain  bool // key is main's, not a note's
}

func newScanner(tx *bbolt.Tx, p string, order byte, reverse bool, from position) *scanner {
	s := &scanner{cur: tx.Bucket(indexBucket(p)).Cursor(), start: append([]byte(p), order), reverse: reverse}
	if isStatusPrefix(p) {
		s.notes = readNotes(tx, s.start)
	}
	s.seek(from)
	return s
}

// position is where a scan starts: at the first entry (key nil), just past
// key, or (inclusive) at key itself if it is there.
type position struct {
	key       []byte
	inclusive bool
}

// seek places the scanner on the first entry of the scan at or past from.
func (s *scanner) seek(from position) {
	if s.notes != nil {
		s.at = s.notes.from(from, s.reverse)
	}
	if from.key == nil {
		var k, v []byte
		if s.reverse {
			// Seek just past the range, then step back.
			end := bytes.Clone(s.start)
			end[len(end)-1]++
			if k, v = s.cur.Seek(end); k == nil {
				k, v = s.cur.Last()
			} else {
				k, v = s.cur.Prev()
			}
		} else {
			k, v = s.cur.Seek(s.start)
		}
		s.set(k, v)
		return
	}
	k, v := s.cur.Seek(append(bytes.Clone(s.start), from.key...))
	exact := k != nil && bytes.HasPrefix(k, s.start) && bytes.Equal(k[len(s.start):], from.key)
	switch {
	case exact && from.inclusive:
	case !s.reverse && exact:
		k, v = s.cur.Next()
	case s.reverse && k == nil:
		k, v = s.cur.Last()
	case s.reverse:
		k, v = s.cur.Prev()
	}
	s.set(k, v)
}

// set takes the cursor's entry (k, v) as main's, stepping past those the
// notes name, and picks the scan's next entry.
func (s *scanner) set(k, v []byte) {
	for {
		if k == nil || !bytes.HasPrefix(k, s.start) {
			s.main, s.mainValue = nil, nil
			break
		}
		if sk := k[len(s.start):]; s.notes == nil || !s.notes.gone[string(sk)] {
			s.main, s.mainValue = sk, v
			break
		}
		k, v = s.step()
	}
	s.pick()
}

// pick makes the scan's entry main's or the next note's, whichever comes
// first in the scan's order (never both: the notes' keys are not read
// from the index).
func (s *scanner) pick() {
	s.key, s.value, s.fromMain = s.main, s.mainValue, true
	if s.notes == nil || s.at < 0 || s.at >= len(s.notes.added) {
		return
	}
	if a := s.notes.added[s.at]; s.main == nil || (bytes.Compare(a, s.main) < 0) != s.reverse {
		s.key, s.value, s.fromMain = a, nil, false
	}
}

func (s *scanner) step() ([]byte, []byte) {
	if s.reverse {
		return s.cur.Prev()
	}
	return s.cur.Next()
}

func (s *scanner) next() {
	switch {
	case s.notes == nil:
		// Most scans: no notes, main alone (a filter walks a long
		// index through here).
		k, v := s.step()
		if k == nil || !bytes.HasPrefix(k, s.start) {
			s.key, s.value = nil, nil
			return
		}
		s.key, s.value = k[len(s.start):], v
	case s.fromMain:
		s.set(s.step())
	case s.reverse:
		s.at--
		s.pick()
	default:
		s.at++
		s.pick()
	}
}

// prefix is the index prefix the scanner walks.
func (s *scanner) prefix() string { return string(s.start[:len(s.start)-1]) }

// merged walks several scanners as one sorted stream.
type merged struct {
	scans   []*scanner
	reverse bool
}

// next returns the next sort key across all scanners, with its value and
// the scanner it came from, or a nil key at the end. Key and value are
// only valid until the transaction ends.
func (m *merged) next() ([]byte, []byte, *scanner) {
	var best *scanner
	for _, s := range m.scans {
		if s.key == nil {
			continue
		}
		if best == nil {
			best = s
			continue
		}
		c := bytes.Compare(s.key, best.key)
		if (c < 0) != m.reverse && c != 0 {
			best = s
		}
	}
	if best == nil {
		return nil, nil, nil
	}
	k, v := best.key, best.value
	best.next()
	return k, v, best
}

// caseIDOf extracts the caseID from a sort key of the given order.
func caseIDOf(order byte, sk []byte) string {
	if order == orderDeadline {
		return string(sk[16:])
	}
	return string(sk[8:])
}

// dayKey is the counter of the decisions a user made on a day, for the
// workload view; decPrefix starts the key of every such counter.
const decPrefix = "dec\x00"

func dayKey(day time.Time, user string) string {
	return decPrefix + prefix(day.UTC().Format("2006-01-02"), user)
}
