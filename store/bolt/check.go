package bolt

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	bbolt "go.etcd.io/bbolt"

	"docket/model"
	"docket/store/backend"
)

// What docket check reads of a file: that every case has the index
// entries, counts, name claim, fields, row summary and object links it
// implies and that no index entry is stray; that every audit event and
// comment is stored where it says; every record that carries a digest
// against it; the outbox's queue against its deliveries; and bbolt's own
// page consistency. Whether a case agrees with its audit trail is the
// rules' to say (CheckRules.Case).

// CheckRules is what Check asks of the rules, and how it reports.
type CheckRules struct {
	// Problem is told each thing found wrong: where (the case, index
	// entry or page concerned) and what.
	Problem func(where, what string)
	// Case verifies a case (with its fields) against its audit trail and
	// comments, oldest first, and reports what it finds.
	Case func(tx backend.Tx, c *model.Case, events []model.Event, comments []model.Comment)
	// KeyFingerprint reads an SSH key's authorized_keys line back and
	// gives its fingerprint.
	KeyFingerprint func(line string) (string, error)
	// Webhooks checks the webhook subscriptions, in the check's
	// transaction, and reports what it finds.
	Webhooks func(tx backend.Tx) error
}

// Checked is what Check looked at, and what it says besides problems.
type Checked struct {
	Cases, Events, IndexEntries int
	// Notices are not damage but still need doing (a redaction's bytes
	// awaiting compaction).
	Notices []string
}

// Check verifies the whole file in one read transaction. A damaged page
// stops the step that met it, not the check: the report names what could
// not be read.
func (d *DB) Check(rules CheckRules) (Checked, error) {
	var found Checked
	if pending, _ := d.scrubState(); pending {
		found.Notices = append(found.Notices, d.scrubWarning())
	}
	truncated := d.checkSize()
	if truncated != nil {
		rules.Problem("file", truncated.(backend.DamagedError).Detail)
	}
	err := backend.Guard(d.path, func() error {
		return d.db.View(func(tx *bbolt.Tx) error {
			c := &checker{b: d.boltTx(tx), rules: rules, found: &found, want: map[string]int{}, heads: map[string]int64{}}
			unreadable := false
			for _, step := range []struct {
				what string
				run  func() error
			}{{"cases", c.cases}, {"queue index", c.index}, {"queue counts", c.counts}, {"case names", c.names},
				{"object links", c.links}, {"audit trails", c.trails}, {"comments", c.comments}, {"users and workflows", c.users},
				{"SSH keys", c.keys}, {"API tokens", c.tokens}, {"webhooks", func() error { return rules.Webhooks(c.b) }},
				{"webhook outbox", c.outbox}, {"remaining pages", c.readAll}} {
				err := backend.Guard(d.path, step.run)
				var damaged backend.DamagedError
				if errors.As(err, &damaged) {
					c.add("file", "the %s could not be read to the end: %s", step.what, damaged.Detail)
					unreadable = true
					continue
				}
				if err != nil {
					return err
				}
			}
			if truncated == nil && !unreadable {
				// bbolt checks its pages in a goroutine of its own, where a
				// fault cannot be caught: only once every page read well.
				for err := range tx.Check() {
					c.add("file", "%v", err)
				}
			}
			return nil
		})
	})
	return found, err
}

// readAll reads every byte of every bucket, so that a page no other step
// reads (counters, the intake's records) faults here, where the fault is
// caught, and not in bbolt's own check, whose goroutine cannot catch it.
func (c *checker) readAll() error {
	var sum byte
	return c.b.tx.ForEach(func(_ []byte, b *bbolt.Bucket) error {
		return b.ForEach(func(k, v []byte) error {
			for _, part := range [][]byte{k, v} {
				for _, x := range part {
					sum ^= x
				}
			}
			return nil
		})
	})
}

type checker struct {
	b     *boltTx
	rules CheckRules
	found *Checked
	want  map[string]int // index prefix + order byte -> entries the cases imply
	// heads holds each case's version for the trail check (a million
	// cases take about 80 MB here); the rest is read again when needed.
	heads map[string]int64
}

func (c *checker) add(where, format string, args ...any) {
	c.rules.Problem(where, fmt.Sprintf(format, args...))
}

func caseWhere(c *model.Case) string { return fmt.Sprintf("case %s (%s)", c.Name, c.ID) }

// cases walks every case record and checks what it implies exists.
func (c *checker) cases() error {
	names, all := c.b.bucket(bNames), c.b.bucket(bCases)
	return all.ForEach(func(k, raw []byte) error {
		if isEventKey(k) {
			return nil // an audit event, see trails
		}
		if !isHeaderKey(k) {
			if all.Get(k[:len(k)-1]) == nil {
				c.add(fmt.Sprintf("row summary %q", k), "has no case")
			}
			return nil // a row summary, checked with its case
		}
		c.found.Cases++
		cs, err := decodeCase(raw)
		if err != nil {
			c.add(fmt.Sprintf("case %q", k), "record does not decode: %v", err)
			return nil
		}
		where := caseWhere(cs)
		if cs.ID != string(k) {
			c.add(where, "stored under the key %q", k)
		}
		c.heads[cs.ID] = cs.Version
		if f := c.b.bucket(bFields).Get(k); f == nil || !json.Valid(f) || bytes.TrimSpace(f)[0] != '{' {
			c.add(where, "fields are missing or not a JSON object")
		}
		if id := names.Get([]byte(strings.ToUpper(cs.Name))); string(id) != cs.ID {
			c.add(where, "its name %s is claimed by %q", cs.Name, id)
		}
		summary := encodeSummary(cs)
		if !bytes.Equal(all.Get(summaryKey(cs.ID)), summary) {
			c.add(where, "its row summary is missing or stale")
		}
		for _, p := range prefixesOf(cs) {
			orders := []byte{orderDeadline}
			if hasCreatedOrder(p) {
				orders = append(orders, orderCreated)
			}
			for _, o := range orders {
				key := indexKey(p, o, cs)
				c.want[p+string(o)]++
				v := c.b.entry(p, key)
				switch {
				case v == nil:
					c.add(where, "index entry %s is missing", describePrefix(p, o))
				case entryValue(p, o) == textValue && !bytes.Equal(v, textEntry(summary)):
					c.add(where, "index entry %s carries a stale search text", describePrefix(p, o))
				}
			}
		}
		for _, ref := range cs.Objects {
			if c.b.bucket(bLinks).Get(linkKey(ref.ID, cs.ID)) == nil {
				c.add(where, "the link from %s %s back to it is missing", ref.Kind, ref.ID)
			}
		}
		return nil
	})
}

// index counts the entries under every prefix; where a prefix holds more
// than its cases imply, it finds the stray ones. (Every implied entry was
// found by cases, so equal numbers mean no strays.)
//
// It reads the status index with its notes applied (see moves.go): an
// entry a note names is counted as the note says.
func (c *checker) index() error {
	have := map[string]int{}
	count := func(bucket, k []byte) {
		c.found.IndexEntries++
		p, o, _, ok := splitIndexKey(k)
		switch {
		case !ok:
			c.add(fmt.Sprintf("index entry %q", k), "is not a valid index key")
		case !bytes.Equal(indexBucket(p), bucket):
			c.add("index entry "+describePrefix(p, o), "is in the bucket %s, not %s", bucket, indexBucket(p))
		default:
			have[p+string(o)]++
		}
	}
	notes := c.b.tx.Bucket(bStatusMoves) // nil in a file from before schema 10
	for _, bucket := range [][]byte{bIndex, bStatusIdx} {
		err := c.b.bucket(bucket).ForEach(func(k, _ []byte) error {
			if bytes.Equal(bucket, bStatusIdx) && notes != nil && notes.Get(k) != nil {
				return nil // counted as its note says, below
			}
			count(bucket, k)
			return nil
		})
		if err != nil {
			return err
		}
	}
	if notes != nil {
		err := notes.ForEach(func(k, v []byte) error {
			p, _, _, isKey := splitIndexKey(k)
			present, says := noteSays(v)
			switch {
			case !isKey || !isStatusPrefix(p):
				c.add(fmt.Sprintf("status move %q", k), "is not a key of the status index")
			case !says:
				c.add(fmt.Sprintf("status move %q", k), "says neither present nor gone (%q)", v)
			case present:
				count(bStatusIdx, k)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for po, n := range have {
		if n > c.want[po] {
			c.strays(po)
		}
	}
	return nil
}

// strays reports the entries under one prefix and order that no case
// implies.
func (c *checker) strays(po string) {
	for s := newScanner(c.b.tx, po[:len(po)-1], po[len(po)-1], false, position{}); s.key != nil; s.next() {
		k := append([]byte(po), s.key...)
		p, o, id, ok := splitIndexKey(k)
		if !ok || p+string(o) != po {
			continue
		}
		where := "index entry " + describePrefix(p, o)
		cs, err := c.b.mustCase(string(id))
		if err != nil {
			c.add(where, "points to case %q, which does not exist", id)
			continue
		}
		if !bytes.Equal(indexKey(p, o, cs), k) || !slices.Contains(prefixesOf(cs), p) {
			c.add(where, "does not match %s (status %s, assignee %q, deadline %v)", caseWhere(cs), cs.Status, cs.Assignee, cs.SLAExpiresAt)
		}
	}
}

// counts compares the stored queue and status counts with what the cases
// imply.
func (c *checker) counts() error {
	seen := map[string]bool{}
	for _, name := range [][]byte{bCounts, bStatusCounts} {
		err := c.b.bucket(name).ForEach(func(k, v []byte) error {
			p := string(k)
			if prefixLen(k) != len(k) {
				return nil // not a queue count (assignment counters live here too)
			}
			seen[p] = true
			if !bytes.Equal(countBucket(p), name) {
				c.add("count "+describePrefix(p, orderDeadline), "is in the %s bucket, not in %s", name, countBucket(p))
			}
			if n := getCount(c.b.bucket(name), p); n != c.want[p+string(orderDeadline)] {
				c.add("count "+describePrefix(p, orderDeadline), "says %d, the cases say %d", n, c.want[p+string(orderDeadline)])
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for po, n := range c.want {
		p, o := po[:len(po)-1], po[len(po)-1]
		if o == orderDeadline && n > 0 && !seen[p] {
			c.add("count "+describePrefix(p, o), "is missing (the cases say %d)", n)
		}
	}
	return nil
}

// names checks that every name claim points to a case of that name.
func (c *checker) names() error {
	return c.b.bucket(bNames).ForEach(func(k, v []byte) error {
		h, err := c.b.mustCase(string(v))
		if err != nil {
			c.add(fmt.Sprintf("name %s", k), "is claimed by case %q, which does not exist", v)
		} else if strings.ToUpper(h.Name) != string(k) {
			c.add(fmt.Sprintf("name %s", k), "is claimed by %s, which is named otherwise", caseWhere(h))
		}
		return nil
	})
}

// links checks that every object link points to a case holding the object.
func (c *checker) links() error {
	return c.b.bucket(bLinks).ForEach(func(k, _ []byte) error {
		obj, id, _ := bytes.Cut(k, []byte{0})
		h, err := c.b.mustCase(string(id))
		if err != nil || !h.HasObject(string(obj)) {
			c.add(fmt.Sprintf("link %s → %s", obj, id), "the case does not hold the object")
		}
		return nil
	})
}

// trails walks the audit events once, case by case, and verifies each
// case against its trail (see CheckRules.Case).
func (c *checker) trails() error {
	var events []model.Event
	var current string
	flush := func() error {
		if current == "" {
			return nil
		}
		if _, ok := c.heads[current]; !ok {
			c.add(fmt.Sprintf("audit trail of case %q", current), "has %d events but the case does not exist", len(events))
		} else {
			cs, err := c.b.mustCase(current)
			if err == nil {
				cs.Fields, err = c.b.CaseFields(current)
			}
			if err != nil {
				return err
			}
			var comments []model.Comment
			if err := readSeq(c.b.bucket(bComments), current, &comments); err != nil {
				c.add(caseWhere(cs), "its comments do not decode: %v", err)
			}
			c.rules.Case(c.b, cs, events, comments)
		}
		events = events[:0]
		delete(c.heads, current) // checked: cases left over have no events
		return nil
	}
	err := c.b.events().ForEach(func(k, v []byte) error {
		if !isEventKey(k) {
			return nil // a case's header
		}
		c.found.Events++
		id, seq, ok := splitSeqKey(k)
		if id != current {
			if err := flush(); err != nil {
				return err
			}
			current = id
		}
		var e model.Event
		if err := json.Unmarshal(v, &e); err != nil || !ok {
			c.add(fmt.Sprintf("audit event %q", k), "does not decode")
			return nil
		}
		if e.CaseID != id || e.Seq != seq {
			c.add(fmt.Sprintf("audit event %d of case %q", seq, id), "is stored under another case or number (says case %q event %d)", e.CaseID, e.Seq)
		}
		events = append(events, e)
		return nil
	})
	if err == nil {
		err = flush()
	}
	for id := range c.heads {
		c.add(c.where(id), "has no audit trail")
	}
	return err
}

// comments checks that every comment belongs to a case and that every
// remembered comment id points to its comment; fields with no case are
// named too.
func (c *checker) comments() error {
	err := c.b.bucket(bComments).ForEach(func(k, v []byte) error {
		id, seq, ok := splitSeqKey(k)
		var cm model.Comment
		switch {
		case !ok || json.Unmarshal(v, &cm) != nil:
			c.add(fmt.Sprintf("comment %q", k), "does not decode")
		case c.b.bucket(bCases).Get([]byte(id)) == nil:
			c.add(fmt.Sprintf("comment %d of case %q", seq, id), "belongs to no case")
		case cm.CaseID != id || cm.Seq != seq:
			c.add(fmt.Sprintf("comment %d of case %q", seq, id), "is stored under another case or number")
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = c.b.bucket(bCommentID).ForEach(func(k, v []byte) error {
		var cm model.Comment
		if _, err := getJSON(c.b.bucket(bComments), v, &cm); err != nil || cm.ID != string(k) {
			c.add(fmt.Sprintf("comment id %q", k), "does not point to that comment")
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.b.bucket(bFields).ForEach(func(k, _ []byte) error {
		if c.b.bucket(bCases).Get(k) == nil {
			c.add(fmt.Sprintf("fields of case %q", k), "belong to no case")
		}
		return nil
	})
}

// users checks that every user record decodes under its own name, that
// every email points to the user who has it, and that every workflow
// matches its digest.
func (c *checker) users() error {
	err := c.b.bucket(bWorkflows).ForEach(func(k, v []byte) error {
		if _, err := openWorkflow(v); err != nil {
			c.add(fmt.Sprintf("workflow %q", k), "%v", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = c.b.bucket(bUsers).ForEach(func(k, v []byte) error {
		u, err := decodeUser(v)
		if err != nil || u.Name != string(k) {
			c.add(fmt.Sprintf("user %q", k), "does not match its record: %v", orText(err, "stored under another name"))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.b.bucket(bEmails).ForEach(func(k, v []byte) error {
		u, ok, err := c.b.User(string(v))
		if err != nil || !ok || strings.ToLower(u.Email) != string(k) {
			c.add(fmt.Sprintf("email %s", k), "points to user %q, who does not have it", v)
		}
		return nil
	})
}

// keys checks each SSH key record (its digest, that it is the key it
// says, its user) against the index that signs users in, both ways.
func (c *checker) keys() error {
	keys, idx := c.b.tx.Bucket(bKeys), c.b.tx.Bucket(bKeyIndex)
	if keys == nil || idx == nil {
		return nil // a file opened read-only from before keys existed
	}
	err := keys.ForEach(func(k, v []byte) error {
		where := fmt.Sprintf("SSH key %q", k)
		key, err := decodeKey(v)
		if err != nil {
			c.add(where, "%v", err)
			return nil
		}
		where = fmt.Sprintf("SSH key %s of %s", key.Fingerprint, key.User)
		fingerprint, err := c.rules.KeyFingerprint(key.Key)
		switch {
		case !bytes.Equal(k, keyKey(key.User, key.Fingerprint)):
			c.add(where, "stored under the key %q", k)
		case err != nil:
			c.add(where, "the key does not read back: %v", err)
		case fingerprint != key.Fingerprint:
			c.add(where, "the key's fingerprint is %s", fingerprint)
		}
		if _, ok, err := c.b.User(key.User); err == nil && !ok {
			c.add(where, "user %s is not in the database", key.User)
		}
		if owner := idx.Get([]byte(key.Fingerprint)); string(owner) != key.User {
			c.add(where, "the sign-in index gives the key to %q", owner)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return idx.ForEach(func(fp, user []byte) error {
		if keys.Get(keyKey(string(user), string(fp))) == nil {
			c.add(fmt.Sprintf("SSH key %s", fp), "the sign-in index gives it to %s, who does not have it", user)
		}
		return nil
	})
}

// tokens checks each API token record's digest, and that its user exists.
func (c *checker) tokens() error {
	b := c.b.tx.Bucket(bTokens)
	if b == nil {
		return nil // a file opened read-only from before tokens existed
	}
	return b.ForEach(func(k, v []byte) error {
		t, _, err := decodeToken(v)
		where := fmt.Sprintf("API token %q", k)
		switch {
		case err != nil:
			c.add(where, "%v", err)
		case t.ID != string(k):
			c.add(where, "the record says it is token %q", t.ID)
		default:
			if _, ok, err := c.b.User(t.User); err == nil && !ok {
				c.add(where, "user %s is not in the database", t.User)
			}
		}
		return nil
	})
}

func orText(err error, text string) string {
	if err != nil {
		return err.Error()
	}
	return text
}

// where names a case by id for a problem report.
func (c *checker) where(id string) string {
	if cs, err := c.b.mustCase(id); err == nil {
		return caseWhere(cs)
	}
	return fmt.Sprintf("case %q", id)
}

// splitSeqKey reads an id \0 seq key.
func splitSeqKey(k []byte) (string, int64, bool) {
	if len(k) < 9 || k[len(k)-9] != 0 {
		return string(k), 0, false
	}
	return string(k[:len(k)-9]), int64(binary.BigEndian.Uint64(k[len(k)-8:])), true
}

// splitIndexKey reads prefix | order | sort key | caseID.
func splitIndexKey(k []byte) (prefix string, order byte, caseID []byte, ok bool) {
	i := prefixLen(k)
	if i <= 0 || i >= len(k) {
		return "", 0, nil, false
	}
	order, rest := k[i], k[i+1:]
	skip := 8
	if order == orderDeadline {
		skip = 16
	} else if order != orderCreated {
		return "", 0, nil, false
	}
	if len(rest) <= skip {
		return "", 0, nil, false
	}
	return string(k[:i]), order, rest[skip:], true
}

// prefixLen is the length of the index prefix k starts with (its parts,
// each ended by \0, as many as its first letter calls for), or -1.
func prefixLen(k []byte) int {
	if len(k) == 0 {
		return -1
	}
	parts := map[byte]int{'q': 2, 'u': 1, 'a': 3, 'w': 3, 's': 3, 't': 3}[k[0]]
	if parts == 0 {
		return -1
	}
	i := 0
	for range parts {
		j := bytes.IndexByte(k[i:], 0)
		if j < 0 {
			return -1
		}
		i += j + 1
	}
	return i
}

// describePrefix names an index prefix for a person: "open queue by
// deadline", "tag vip (open) by creation".
func describePrefix(p string, order byte) string {
	parts := strings.Split(strings.TrimSuffix(p, "\x00"), "\x00")
	if len(parts) < 3 {
		parts = append(parts, "", "")
	}
	state := func(s string) string {
		if s == "o" {
			return "open"
		}
		return "closed"
	}
	var what string
	switch parts[0] {
	case "q":
		what = state(parts[1]) + " queue"
	case "u":
		what = "unassigned queue"
	case "a":
		what = fmt.Sprintf("%s's %s cases", parts[1], state(parts[2]))
	case "w":
		what = fmt.Sprintf("workflow %s (%s)", parts[1], state(parts[2]))
	case "s":
		what = fmt.Sprintf("status %s/%s", parts[1], parts[2])
	case "t":
		what = fmt.Sprintf("tag %s (%s)", parts[1], state(parts[2]))
	default:
		what = fmt.Sprintf("%q", p)
	}
	if order == orderCreated {
		return what + " by creation"
	}
	return what + " by deadline"
}

// outbox checks that the pending deliveries and their due entries agree:
// each pending delivery has its document and one due entry, which names
// it as it is.
func (c *checker) outbox() error {
	b, due := c.b.tx.Bucket(bOutbox), c.b.tx.Bucket(bOutboxDue)
	if b == nil || due == nil {
		return nil // a file opened read-only from before webhooks existed
	}
	dues := 0
	err := due.ForEach(func(k, _ []byte) error {
		dues++
		i := bytes.IndexByte(k, 0)
		if i < 0 {
			c.add("webhook outbox", "a due entry of %d bytes names no webhook", len(k))
			return nil
		}
		_, dk := dueAt(k[i+1:])
		d, ok, err := c.b.delivery(dk)
		switch {
		case err != nil:
			return err
		case !ok || d.State != model.DeliveryPending:
			c.add("webhook outbox", "a due entry for webhook %s names no pending delivery", k[:i])
		case !bytes.Equal(dueKey(d), k):
			c.add("webhook delivery "+d.ID, "its due entry does not match it")
		}
		return nil
	})
	if err != nil {
		return err
	}
	pending := 0
	err = b.ForEach(func(k, v []byte) error {
		var d model.Delivery
		if err := json.Unmarshal(v, &d); err != nil {
			c.add(fmt.Sprintf("webhook delivery %d", binary.BigEndian.Uint64(k)), "the record does not decode: %v", err)
			return nil
		}
		if d.State == model.DeliveryPending {
			pending++
			if c.b.tx.Bucket(bOutboxDoc).Get(k) == nil {
				c.add("webhook delivery "+d.ID, "it is pending without the document it sends")
			}
		}
		return nil
	})
	if err == nil && pending != dues {
		c.add("webhook outbox", "%d deliveries are pending but %d are due", pending, dues)
	}
	return err
}
