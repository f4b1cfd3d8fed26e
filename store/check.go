package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"docket/model"
	"docket/store/backend"
)

// Problem is one thing docket check found wrong.
type Problem struct {
	Where string // the case, index entry or page concerned
	What  string
}

func (p Problem) String() string { return p.Where + ": " + p.What }

// CheckReport is what Check looked at and what it found.
type CheckReport struct {
	Cases, Events, IndexEntries int
	Problems                    []Problem
	// Notices are not damage but still need doing (a redaction's bytes
	// awaiting compaction).
	Notices []string
}

// Check verifies the whole file in one read transaction: that every case
// has the index entries, counts, name claim, fields and object links it
// implies and that no index entry is stray; that every case's audit trail
// verifies as a hash chain and agrees with the case, its fields, objects
// and comments (see verifyCase); then bbolt's own page consistency. A
// damaged page stops the step that met it, not the check: the report
// names what could not be read.
func (s *Store) Check() (CheckReport, error) {
	if s.server != nil {
		return s.checkServer()
	}
	var r CheckReport
	if pending, _ := s.scrubState(); pending {
		r.Notices = append(r.Notices, s.scrubWarning())
	}
	truncated := s.checkSize()
	if truncated != nil {
		r.add("file", "%s", truncated.(backend.DamagedError).Detail)
	}
	err := backend.Guard(s.path, func() error {
		return s.db.View(func(tx *bolt.Tx) error {
			c := &checker{x: s.boltTxn(tx), r: &r, want: map[string]int{}, heads: map[string]int64{}}
			unreadable := false
			for _, step := range []struct {
				what string
				run  func() error
			}{{"cases", c.cases}, {"queue index", c.index}, {"queue counts", c.counts}, {"case names", c.names},
				{"object links", c.links}, {"audit trails", c.trails}, {"comments", c.comments}, {"users and workflows", c.users},
				{"SSH keys", c.keys}, {"API tokens", c.tokens}, {"webhooks", c.webhooks}, {"webhook outbox", c.outbox},
				{"remaining pages", c.readAll}} {
				err := backend.Guard(s.path, step.run)
				var d backend.DamagedError
				if errors.As(err, &d) {
					r.add("file", "the %s could not be read to the end: %s", step.what, d.Detail)
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
					r.add("file", "%v", err)
				}
			}
			return nil
		})
	})
	return r, err
}

// readAll reads every byte of every bucket, so that a page no other step
// reads (counters, the intake's records) faults here, where the fault is
// caught, and not in bbolt's own check, whose goroutine cannot catch it.
func (c *checker) readAll() error {
	var sum byte
	return c.x.bolt().tx.ForEach(func(_ []byte, b *bolt.Bucket) error {
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

func (r *CheckReport) add(where, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{where, fmt.Sprintf(format, args...)})
}

type checker struct {
	x    *txn
	r    *CheckReport
	want map[string]int // index prefix + order byte -> entries the cases imply
	// heads holds each case's version for the trail check (a million
	// cases take about 80 MB here); the rest is read again when needed.
	// million cases take about 100 MB here, which check can afford.
	heads map[string]int64
}

func caseWhere(c *model.Case) string { return fmt.Sprintf("case %s (%s)", c.Name, c.ID) }

// cases walks every case record and checks what it implies exists.
func (c *checker) cases() error {
	names, all := c.x.b(bNames), c.x.b(bCases)
	return all.ForEach(func(k, raw []byte) error {
		if isEventKey(k) {
			return nil // an audit event, see trails
		}
		if !isHeaderKey(k) {
			if all.Get(k[:len(k)-1]) == nil {
				c.r.add(fmt.Sprintf("row summary %q", k), "has no case")
			}
			return nil // a row summary, checked with its case
		}
		c.r.Cases++
		cs, err := decodeCase(raw)
		if err != nil {
			c.r.add(fmt.Sprintf("case %q", k), "record does not decode: %v", err)
			return nil
		}
		where := caseWhere(cs)
		if cs.ID != string(k) {
			c.r.add(where, "stored under the key %q", k)
		}
		c.heads[cs.ID] = cs.Version
		if f := c.x.b(bFields).Get(k); f == nil || !json.Valid(f) || bytes.TrimSpace(f)[0] != '{' {
			c.r.add(where, "fields are missing or not a JSON object")
		}
		if id := names.Get([]byte(strings.ToUpper(cs.Name))); string(id) != cs.ID {
			c.r.add(where, "its name %s is claimed by %q", cs.Name, id)
		}
		summary := encodeSummary(cs)
		if !bytes.Equal(all.Get(summaryKey(cs.ID)), summary) {
			c.r.add(where, "its row summary is missing or stale")
		}
		for _, p := range prefixesOf(cs) {
			orders := []byte{orderDeadline}
			if hasCreatedOrder(p) {
				orders = append(orders, orderCreated)
			}
			for _, o := range orders {
				key := indexKey(p, o, cs)
				c.want[p+string(o)]++
				v := c.x.b(indexBucket(p)).Get(key)
				switch {
				case v == nil:
					c.r.add(where, "index entry %s is missing", describePrefix(p, o))
				case entryValue(p, o) == textValue && !bytes.Equal(v, textEntry(summary)):
					c.r.add(where, "index entry %s carries a stale search text", describePrefix(p, o))
				}
			}
		}
		for _, ref := range cs.Objects {
			if c.x.b(bLinks).Get(linkKey(ref.ID, cs.ID)) == nil {
				c.r.add(where, "the link from %s %s back to it is missing", ref.Kind, ref.ID)
			}
		}
		return nil
	})
}

// index counts the entries under every prefix; where a prefix holds more
// than its cases imply, it finds the stray ones. (Every implied entry was
// found by cases, so equal numbers mean no strays.)
func (c *checker) index() error {
	have := map[string]int{}
	for _, bucket := range [][]byte{bIndex, bStatusIdx} {
		err := c.x.b(bucket).ForEach(func(k, _ []byte) error {
			c.r.IndexEntries++
			p, o, _, ok := splitIndexKey(k)
			switch {
			case !ok:
				c.r.add(fmt.Sprintf("index entry %q", k), "is not a valid index key")
			case !bytes.Equal(indexBucket(p), bucket):
				c.r.add("index entry "+describePrefix(p, o), "is in the bucket %s, not %s", bucket, indexBucket(p))
			default:
				have[p+string(o)]++
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
	cur := c.x.b(indexBucket(po)).Cursor()
	for k, _ := cur.Seek([]byte(po)); k != nil && bytes.HasPrefix(k, []byte(po)); k, _ = cur.Next() {
		p, o, id, ok := splitIndexKey(k)
		if !ok || p+string(o) != po {
			continue
		}
		where := "index entry " + describePrefix(p, o)
		cs, err := c.x.caseHeader(string(id))
		if err != nil {
			c.r.add(where, "points to case %q, which does not exist", id)
			continue
		}
		if !bytes.Equal(indexKey(p, o, cs), k) || !slices.Contains(prefixesOf(cs), p) {
			c.r.add(where, "does not match %s (status %s, assignee %q, deadline %v)", caseWhere(cs), cs.Status, cs.Assignee, cs.SLAExpiresAt)
		}
	}
}

// counts compares the stored queue counts with what the cases imply.
func (c *checker) counts() error {
	seen := map[string]bool{}
	err := c.x.b(bCounts).ForEach(func(k, v []byte) error {
		p := string(k)
		if prefixLen(k) != len(k) {
			return nil // not a queue count (assignment counters live here too)
		}
		seen[p] = true
		if n := getCount(c.x.b(bCounts), p); n != c.want[p+string(orderDeadline)] {
			c.r.add("count "+describePrefix(p, orderDeadline), "says %d, the cases say %d", n, c.want[p+string(orderDeadline)])
		}
		return nil
	})
	for po, n := range c.want {
		p, o := po[:len(po)-1], po[len(po)-1]
		if o == orderDeadline && n > 0 && !seen[p] {
			c.r.add("count "+describePrefix(p, o), "is missing (the cases say %d)", n)
		}
	}
	return err
}

// names checks that every name claim points to a case of that name.
func (c *checker) names() error {
	return c.x.b(bNames).ForEach(func(k, v []byte) error {
		h, err := c.x.caseHeader(string(v))
		if err != nil {
			c.r.add(fmt.Sprintf("name %s", k), "is claimed by case %q, which does not exist", v)
		} else if strings.ToUpper(h.Name) != string(k) {
			c.r.add(fmt.Sprintf("name %s", k), "is claimed by %s, which is named otherwise", caseWhere(h))
		}
		return nil
	})
}

// links checks that every object link points to a case holding the object.
func (c *checker) links() error {
	return c.x.b(bLinks).ForEach(func(k, _ []byte) error {
		obj, id, _ := bytes.Cut(k, []byte{0})
		h, err := c.x.caseHeader(string(id))
		if err != nil || !h.HasObject(string(obj)) {
			c.r.add(fmt.Sprintf("link %s → %s", obj, id), "the case does not hold the object")
		}
		return nil
	})
}

// trails walks the audit events once, case by case, and verifies each
// case against its trail (see verifyCase).
func (c *checker) trails() error {
	var events []model.Event
	var current string
	flush := func() error {
		if current == "" {
			return nil
		}
		if _, ok := c.heads[current]; !ok {
			c.r.add(fmt.Sprintf("audit trail of case %q", current), "has %d events but the case does not exist", len(events))
		} else {
			cs, err := c.x.caseByRef(current)
			if err != nil {
				return err
			}
			var comments []model.Comment
			if err := readSeq(c.x.b(bComments), current, &comments); err != nil {
				c.r.add(caseWhere(cs), "its comments do not decode: %v", err)
			}
			for _, p := range c.x.verifyCase(cs, events, comments) {
				c.r.add(caseWhere(cs)+" audit trail", "%s", p)
			}
		}
		events = events[:0]
		delete(c.heads, current) // checked: cases left over have no events
		return nil
	}
	err := c.x.events().ForEach(func(k, v []byte) error {
		if !isEventKey(k) {
			return nil // a case's header
		}
		c.r.Events++
		id, seq, ok := splitSeqKey(k)
		if id != current {
			if err := flush(); err != nil {
				return err
			}
			current = id
		}
		var e model.Event
		if err := json.Unmarshal(v, &e); err != nil || !ok {
			c.r.add(fmt.Sprintf("audit event %q", k), "does not decode")
			return nil
		}
		if e.CaseID != id || e.Seq != seq {
			c.r.add(fmt.Sprintf("audit event %d of case %q", seq, id), "is stored under another case or number (says case %q event %d)", e.CaseID, e.Seq)
		}
		events = append(events, e)
		return nil
	})
	if err == nil {
		err = flush()
	}
	for id := range c.heads {
		c.r.add(c.where(id), "has no audit trail")
	}
	return err
}

// comments checks that every comment belongs to a case and that every
// remembered comment id points to its comment; fields with no case are
// named too.
func (c *checker) comments() error {
	err := c.x.b(bComments).ForEach(func(k, v []byte) error {
		id, seq, ok := splitSeqKey(k)
		var cm model.Comment
		switch {
		case !ok || json.Unmarshal(v, &cm) != nil:
			c.r.add(fmt.Sprintf("comment %q", k), "does not decode")
		case c.x.b(bCases).Get([]byte(id)) == nil:
			c.r.add(fmt.Sprintf("comment %d of case %q", seq, id), "belongs to no case")
		case cm.CaseID != id || cm.Seq != seq:
			c.r.add(fmt.Sprintf("comment %d of case %q", seq, id), "is stored under another case or number")
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = c.x.b(bCommentID).ForEach(func(k, v []byte) error {
		var cm model.Comment
		if _, err := getJSON(c.x.b(bComments), v, &cm); err != nil || cm.ID != string(k) {
			c.r.add(fmt.Sprintf("comment id %q", k), "does not point to that comment")
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.x.b(bFields).ForEach(func(k, _ []byte) error {
		if c.x.b(bCases).Get(k) == nil {
			c.r.add(fmt.Sprintf("fields of case %q", k), "belong to no case")
		}
		return nil
	})
}

// users checks that every user record decodes under its own name, that
// every email points to the user who has it, and that every workflow
// matches its digest.
func (c *checker) users() error {
	err := c.x.b(bWorkflows).ForEach(func(k, v []byte) error {
		if _, err := openWorkflow(v); err != nil {
			c.r.add(fmt.Sprintf("workflow %q", k), "%v", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = c.x.b(bUsers).ForEach(func(k, v []byte) error {
		u, err := decodeUser(v)
		if err != nil || u.Name != string(k) {
			c.r.add(fmt.Sprintf("user %q", k), "does not match its record: %v", orText(err, "stored under another name"))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return c.x.b(bEmails).ForEach(func(k, v []byte) error {
		u, ok, err := c.x.user(string(v))
		if err != nil || !ok || strings.ToLower(u.Email) != string(k) {
			c.r.add(fmt.Sprintf("email %s", k), "points to user %q, who does not have it", v)
		}
		return nil
	})
}

// keys checks each SSH key record (its digest, that it is the key it
// says, its user) against the index that signs users in, both ways.
func (c *checker) keys() error {
	keys, idx := c.x.bolt().tx.Bucket(bKeys), c.x.bolt().tx.Bucket(bKeyIndex)
	if keys == nil || idx == nil {
		return nil // a file opened read-only from before keys existed
	}
	err := keys.ForEach(func(k, v []byte) error {
		where := fmt.Sprintf("SSH key %q", k)
		key, err := decodeKey(v)
		if err != nil {
			c.r.add(where, "%v", err)
			return nil
		}
		where = fmt.Sprintf("SSH key %s of %s", key.Fingerprint, key.User)
		parsed, _, err := parseKeyLine(key.Key)
		switch {
		case !bytes.Equal(k, keyKey(key.User, key.Fingerprint)):
			c.r.add(where, "stored under the key %q", k)
		case err != nil:
			c.r.add(where, "the key does not read back: %v", err)
		case parsed.Fingerprint != key.Fingerprint:
			c.r.add(where, "the key's fingerprint is %s", parsed.Fingerprint)
		}
		if _, ok, err := c.x.user(key.User); err == nil && !ok {
			c.r.add(where, "user %s is not in the database", key.User)
		}
		if owner := idx.Get([]byte(key.Fingerprint)); string(owner) != key.User {
			c.r.add(where, "the sign-in index gives the key to %q", owner)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return idx.ForEach(func(fp, user []byte) error {
		if keys.Get(keyKey(string(user), string(fp))) == nil {
			c.r.add(fmt.Sprintf("SSH key %s", fp), "the sign-in index gives it to %s, who does not have it", user)
		}
		return nil
	})
}

// tokens checks each API token record's digest, and that its user exists.
func (c *checker) tokens() error {
	b := c.x.bolt().tx.Bucket(bTokens)
	if b == nil {
		return nil // a file opened read-only from before tokens existed
	}
	return b.ForEach(func(k, v []byte) error {
		t, _, err := decodeToken(v)
		where := fmt.Sprintf("API token %q", k)
		switch {
		case err != nil:
			c.r.add(where, "%v", err)
		case t.ID != string(k):
			c.r.add(where, "the record says it is token %q", t.ID)
		default:
			if _, ok, err := c.x.user(t.User); err == nil && !ok {
				c.r.add(where, "user %s is not in the database", t.User)
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
	if cs, err := c.x.caseHeader(id); err == nil {
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

// Digest is a hash of everything the file holds (every bucket's keys and
// values, bookkeeping aside): equal digests, equal content. Tests use it
// to prove that a refused input changed nothing.
func (s *Store) Digest() (string, error) {
	if err := s.fileOnly("a digest of the file"); err != nil {
		return "", err
	}
	h := sha256.New()
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.ForEach(func(name []byte, b *bolt.Bucket) error {
			writeKV(h, name, nil)
			return b.ForEach(func(k, v []byte) error {
				if bytes.Equal(name, bMeta) && bytes.Equal(k, []byte("closed")) {
					return nil // when the file was last closed
				}
				writeKV(h, k, v)
				return nil
			})
		})
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

func writeKV(h hash.Hash, k, v []byte) {
	var n [16]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(k)))
	binary.BigEndian.PutUint64(n[8:], uint64(len(v)))
	h.Write(n[:])
	h.Write(k)
	h.Write(v)
}
