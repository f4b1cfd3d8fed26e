package model

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// The audit trail is the source of truth for a case. Every event records
// the state it left the case in (CaseState), and that state carries the
// digest of the whole case record, which in turn carries digests of the
// case's fields, attached objects and comments. Each object and comment
// also carries a digest of itself. So:
//   - a case record edited outside docket no longer matches the state
//     its last event recorded;
//   - an edited field, object or comment no longer matches its digest (or,
//     if the digest was edited too, the case record's);
//   - redaction, which drops free text, keeps the salted text digests, so
//     everything still verifies afterwards.

// sumLen is how many bytes of SHA-256 a digest keeps: enough to make a
// collision out of reach, short enough to repeat in every record.
const sumLen = 16

// digest hashes its parts (each with its length) under a tag that says
// what they are.
func digest(tag string, parts ...string) string {
	h := sha256.New()
	writeParts(h, tag)
	writeParts(h, parts...)
	return hex.EncodeToString(h.Sum(nil)[:sumLen])
}

// RecordSum is the digest of a stored record of some kind (a user, a
// workflow), which the record carries to show it is as written.
func RecordSum(kind string, raw []byte) string { return digest("docket-"+kind+"-1", string(raw)) }

// The digests the stored records of users, SSH keys, API tokens and
// webhook subscriptions carry. Every backend takes them the same way, so a
// record verifies wherever it is kept and after a copy between backends.

// UserSum is a user record's digest.
func UserSum(u User) string { return jsonSum("user", u) }

// KeySum is an SSH key record's digest.
func KeySum(k UserKey) string { return jsonSum("sshkey", k) }

// TokenSum is an API token record's digest, its secret's digest included.
func TokenSum(t APIToken, secretDigest []byte) string {
	return jsonSum("apitoken", struct {
		APIToken
		Digest []byte `json:"digest"`
	}{t, secretDigest})
}

// WebhookSum is a subscription record's digest, its secrets included.
func WebhookSum(w Webhook, secrets [][]byte) string {
	return jsonSum("webhook", struct {
		Webhook
		Secrets [][]byte `json:"secrets"`
		Sum     string   `json:"sum"`
	}{w, secrets, ""})
}

// jsonSum is the digest of v's JSON (which, for these records, cannot
// fail to encode).
func jsonSum(kind string, v any) string {
	plain, _ := json.Marshal(v)
	return RecordSum(kind, plain)
}

// FieldsDigest is the digest of a case's fields JSON.
func FieldsDigest(fields []byte) string { return digest("docket-fields-1", string(fields)) }

// ObjectsDigest combines the digests of a case's attached objects, in the
// order the case lists them ("" digest for one that is missing).
func ObjectsDigest(refs []ObjectRef, sumOf func(id string) string) string {
	parts := make([]string, 0, 2*len(refs))
	for _, r := range refs {
		parts = append(parts, r.ID, sumOf(r.ID))
	}
	return digest("docket-objects-1", parts...)
}

// CommentsDigest extends the running digest of a case's comments with one
// more (the empty string stands for no comments).
func CommentsDigest(prev, commentSum string) string {
	return digest("docket-comments-1", prev, commentSum)
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// RecordDigest covers everything the case record holds, with its fields,
// objects and comments through their digests.
func (c *Case) RecordDigest() string {
	parts := []string{c.ID, c.Name, c.Workflow, c.Status, string(c.StatusType),
		c.Assignee, c.Assigner, c.Creator, c.Resolver, c.Subject, c.PersonaTemplate,
		timeText(c.CreatedAt), timeText(c.UpdatedAt), timeText(c.AssignedAt), timeText(c.ResolvedAt),
		timeText(c.SLAExpiresAt), timeText(c.SourceUpdatedAt),
		strconv.FormatInt(c.Version, 10), strconv.FormatBool(c.Redacted),
		c.FieldsSum, c.ObjectsSum, c.CommentsSum, strconv.Itoa(len(c.Tags))}
	parts = append(parts, c.Tags...)
	parts = append(parts, strconv.Itoa(len(c.References)))
	parts = append(parts, c.References...)
	for _, r := range c.Objects {
		parts = append(parts, string(r.Kind), r.Type, r.ID)
	}
	return digest("docket-case-1", parts...)
}

// CaseState is what an audit event says the case looked like after it: the
// parts a reviewer reads, in words, and the digest of the whole record.
type CaseState struct {
	Status   string    `json:"status"`
	Assignee string    `json:"assignee,omitempty"`
	Resolver string    `json:"resolver,omitempty"`
	Tags     []string  `json:"tags,omitempty"`
	SLA      time.Time `json:"sla,omitzero"`
	Record   string    `json:"record"`
}

// State is the case's state as an event records it.
func (c *Case) State() *CaseState {
	return &CaseState{Status: c.Status, Assignee: c.Assignee, Resolver: c.Resolver,
		Tags: slices.Clone(c.Tags), SLA: c.SLAExpiresAt, Record: c.RecordDigest()}
}

func (s *CaseState) hashParts() []string {
	parts := []string{s.Status, s.Assignee, s.Resolver, timeText(s.SLA), s.Record, strconv.Itoa(len(s.Tags))}
	return append(parts, s.Tags...)
}

// StateProblems compares the case record with the state its last audit
// event recorded and says, in words, where they differ. A last event
// written before trails were bound to records (no State) says nothing.
func (c *Case) StateProblems(last Event) []string {
	st := last.State
	if st == nil {
		return nil
	}
	by := fmt.Sprintf("by %s, %s", last.Actor, last.At.UTC().Format("2006-01-02 15:04"))
	var out []string
	differ := func(what, has, trail string) {
		out = append(out, fmt.Sprintf("%s says %s %s; its trail ends at %s (%s)", c.Name, what, orNone(has), orNone(trail), by))
	}
	if c.Status != st.Status {
		out = append(out, fmt.Sprintf("%s says %s; its trail ends at %s (%s)", c.Name, c.Status, st.Status, by))
	}
	if c.Assignee != st.Assignee {
		differ("assignee", c.Assignee, st.Assignee)
	}
	if c.Resolver != st.Resolver {
		differ("resolver", c.Resolver, st.Resolver)
	}
	if !slices.Equal(c.Tags, st.Tags) {
		differ("tags", fmt.Sprint(c.Tags), fmt.Sprint(st.Tags))
	}
	if !c.SLAExpiresAt.Equal(st.SLA) {
		differ("SLA", timeText(c.SLAExpiresAt), timeText(st.SLA))
	}
	if len(out) == 0 && c.RecordDigest() != st.Record {
		out = append(out, fmt.Sprintf("%s's record does not match the state its last audit event recorded (%s): changed outside docket", c.Name, by))
	}
	return out
}

func orNone(s string) string {
	if s == "" || s == "[]" {
		return "(none)"
	}
	return s
}

// ---- objects ----

// ContentDigest is the digest of what the object holds.
func (o *Object) ContentDigest() string {
	return digest("docket-object-1", string(o.Kind), o.Type, o.ID,
		strconv.FormatBool(o.Redacted), strconv.FormatBool(o.RefOnly),
		string(o.Attributes), string(o.Relationships))
}

// ---- comments ----

// Seal sets the comment's digest; salt is random bytes chosen by the
// caller.
func (cm *Comment) Seal(salt []byte) {
	cm.Salt, cm.TextSum = hex.EncodeToString(salt), ""
	cm.Sum = cm.digest()
}

// Verified reports whether the comment matches its digest.
func (cm *Comment) Verified() bool { return cm.Sum != "" && cm.digest() == cm.Sum }

// RedactText drops the body and the salt, keeping the text's digest, and
// seals the comment again as redacted.
func (cm *Comment) RedactText() {
	if cm.Redacted {
		return
	}
	cm.TextSum = cm.textDigest()
	cm.Body, cm.Salt, cm.Redacted = "", "", true
	cm.Sum = cm.digest()
}

func (cm *Comment) textDigest() string {
	if cm.TextSum != "" {
		return cm.TextSum
	}
	return digest("docket-text-1", cm.Salt, cm.Body)
}

func (cm *Comment) digest() string {
	parts := []string{cm.CaseID, strconv.FormatInt(cm.Seq, 10), cm.ID, cm.Author,
		timeText(cm.CreatedAt), strconv.FormatBool(cm.Redacted), cm.textDigest()}
	if im := cm.Imported; im != nil {
		parts = append(parts, "imported", im.Author, timeText(im.At), im.Source)
	}
	return digest("docket-comment-1", parts...)
}
