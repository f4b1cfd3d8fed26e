package model

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"
)

// A case's audit events form a hash chain: each event's Hash covers its own
// content and the Hash of the event before it, so editing, removing or
// reordering an event breaks every hash from there on. The free text an
// event may carry (a comment, a fields patch) enters the hash only through
// a salted digest, so redaction can drop the text, keep the digest and
// leave the chain intact.

// Seal links e to the event before it (prevHash, "" for the first) and
// sets its hash. salt is random bytes chosen by the caller (model does no
// I/O).
//
// An event sealed now is of format 2: its hash also covers the state it
// left the case in, the source and the changes it lists.
func (e *Event) Seal(prevHash string, salt []byte) {
	e.Prev, e.Salt, e.TextSum, e.V = prevHash, hex.EncodeToString(salt), "", 2
	e.Hash = e.chainHash()
}

// Bind gives an event sealed before trails were bound to records the
// state st, and seals it again on its own predecessor, text digest
// untouched: what upgrading an older file does to each case's last event.
func (e *Event) Bind(st *CaseState) {
	e.V, e.State = 2, st
	e.Hash = e.chainHash()
}

// RedactText drops the event's free text and salt, keeping the digest the
// hash was computed over.
func (e *Event) RedactText() {
	if e.Comment == "" && e.freeTo() == "" {
		return
	}
	e.TextSum = e.textDigest()
	e.Comment, e.Salt = "", ""
	if e.Kind == EventFields {
		e.To = ""
	}
}

// freeTo is To when it holds free text (a fields patch), else "".
func (e *Event) freeTo() string {
	if e.Kind == EventFields {
		return e.To
	}
	return ""
}

func (e *Event) textDigest() string {
	if e.TextSum != "" {
		return e.TextSum
	}
	h := sha256.New()
	writeParts(h, e.Salt, e.Comment, e.freeTo())
	return hex.EncodeToString(h.Sum(nil))
}

func (e *Event) chainHash() string {
	to := e.To
	if e.Kind == EventFields {
		to = ""
	}
	h := sha256.New()
	tag := "docket-event-1"
	if e.V >= 2 {
		tag = "docket-event-2"
	}
	writeParts(h, tag, e.Prev, e.CaseID, fmt.Sprint(e.Seq),
		e.At.UTC().Format(time.RFC3339Nano), e.Actor, string(e.Kind), e.From, to,
		e.Reason, e.Due.UTC().Format(time.RFC3339Nano), fmt.Sprint(len(e.Effects)))
	writeParts(h, e.Effects...)
	writeParts(h, e.textDigest())
	if e.V >= 2 {
		var state []string
		if e.State != nil {
			state = e.State.hashParts()
		}
		writeParts(h, fmt.Sprint(len(state)))
		writeParts(h, state...)
		writeParts(h, e.Source, fmt.Sprint(len(e.Changes)))
		writeParts(h, e.Changes...)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// writeParts writes each part with its length, so that no two different
// sequences of parts hash alike.
func writeParts(h interface{ Write([]byte) (int, error) }, parts ...string) {
	var n [binary.MaxVarintLen64]byte
	for _, p := range parts {
		h.Write(n[:binary.PutUvarint(n[:], uint64(len(p)))])
		h.Write([]byte(p))
	}
}

// ChainProblem is one place where a case's audit trail does not verify, or
// where the case disagrees with it.
type ChainProblem struct {
	Seq     int64  `json:"seq"` // the event (or missing event) concerned; 0 for the case as a whole
	Problem string `json:"problem"`
}

func (p ChainProblem) String() string {
	if p.Seq == 0 { // about the case, not one event
		return p.Problem
	}
	return fmt.Sprintf("event %d: %s", p.Seq, p.Problem)
}

// VerifyChain checks the events of one case, oldest first, against each
// other and against the case's version (its last event's number). It
// reports where the chain breaks: an edited event fails its own hash, a
// removed or reordered one leaves a gap or a wrong link.
func VerifyChain(events []Event, version int64) []ChainProblem {
	var problems []ChainProblem
	report := func(seq int64, format string, args ...any) {
		problems = append(problems, ChainProblem{seq, fmt.Sprintf(format, args...)})
	}
	prev, next := "", int64(1)
	for _, e := range events {
		gap := e.Seq != next
		switch {
		case e.Seq > next:
			report(next, "missing: the trail jumps to event %d", e.Seq)
		case gap:
			report(e.Seq, "out of order: found after event %d", next-1)
		}
		switch {
		case e.Hash == "":
			report(e.Seq, "has no hash")
		case e.chainHash() != e.Hash:
			report(e.Seq, "its content does not match its hash: edited")
		case !gap && e.Prev != prev:
			report(e.Seq, "does not link to event %d: an event before it was edited or replaced", next-1)
		}
		if e.Seq >= next {
			prev, next = e.Hash, e.Seq+1
		}
	}
	if last := next - 1; last != version {
		report(last+1, "the case is at version %d but its trail ends at event %d", version, last)
	}
	return problems
}
