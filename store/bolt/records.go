package bolt

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"docket/model"
)

// How records sit in the buckets: keys, and the JSON records that carry
// their own digest (users, SSH keys, API tokens, webhooks, workflows), so
// that a record changed outside docket is named rather than misread.

// The cases bucket holds three kinds of key per case, adjacent so that a
// change of the case dirties one leaf: caseID (the header), caseID \0 (its
// row summary, what a queue row shows) and caseID \0 seq (its audit
// events). Case ids hold no NUL.

// isHeaderKey tells a case header's key from its summary's and events'.
func isHeaderKey(k []byte) bool { return bytes.IndexByte(k, 0) < 0 }

// isEventKey tells an audit event's key.
func isEventKey(k []byte) bool {
	i := bytes.IndexByte(k, 0)
	return i >= 0 && len(k) == i+9
}

// summaryKey is the key of a case's row summary.
func summaryKey(id string) []byte { return append([]byte(id), 0) }

// seqKey is id \0 seq, the key of events and comments.
func seqKey(id string, seq int64) []byte {
	k := append([]byte(id), 0)
	return binary.BigEndian.AppendUint64(k, uint64(seq))
}

func getJSON(b *bbolt.Bucket, key []byte, v any) (bool, error) {
	raw := b.Get(key)
	if raw == nil {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("corrupt record %q: %w", key, err)
	}
	return true, nil
}

func putJSON(b *bbolt.Bucket, key []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, raw)
}

// newSalt is 8 random bytes.
func newSalt() []byte {
	b := make([]byte, 8)
	rand.Read(b)
	return b
}

// storedUser is a user record as stored: the user and its digest.
type storedUser struct {
	model.User
	Sum string `json:"sum,omitempty"`
}

func encodeUser(u model.User) ([]byte, error) {
	return json.Marshal(storedUser{u, model.UserSum(u)})
}

func decodeUser(raw []byte) (model.User, error) {
	var su storedUser
	if err := json.Unmarshal(raw, &su); err != nil {
		return su.User, fmt.Errorf("the record does not decode: %w", err)
	}
	if su.Sum != "" {
		if model.UserSum(su.User) != su.Sum {
			return su.User, errors.New("the record does not match its digest")
		}
	}
	return su.User, nil
}

// workflowSum is the digest a workflow's source is stored with.
func workflowSum(src []byte) string { return model.RecordSum("workflow", src) }

// sealWorkflow is a workflow as stored (see boltTx.PutWorkflow).
func sealWorkflow(src []byte) []byte {
	return append(bytes.Clone(src), workflowSumMark+workflowSum(src)+"\n"...)
}

// openWorkflow checks a stored workflow against its digest, when it has
// one, and returns its source.
func openWorkflow(raw []byte) ([]byte, error) {
	src, sum := splitWorkflow(raw)
	if sum != "" && workflowSum(src) != sum {
		return src, errors.New("the stored workflow does not match its digest")
	}
	return src, nil
}

// keyKey is user \0 fingerprint, the key of bKeys.
func keyKey(user, fingerprint string) []byte {
	return append(append([]byte(user), 0), fingerprint...)
}

// storedKey is an SSH key record as stored, with its digest.
type storedKey struct {
	model.UserKey
	Sum string `json:"sum"`
}

func encodeKey(k model.UserKey) ([]byte, error) {
	return json.Marshal(storedKey{k, model.KeySum(k)})
}

func decodeKey(raw []byte) (model.UserKey, error) {
	var sk storedKey
	if err := json.Unmarshal(raw, &sk); err != nil {
		return sk.UserKey, fmt.Errorf("the record does not decode: %w", err)
	}
	if model.KeySum(sk.UserKey) != sk.Sum {
		return sk.UserKey, errors.New("the record does not match its digest")
	}
	return sk.UserKey, nil
}

// storedToken is an API token record as stored: the digest of the token's
// secret, and a digest of the record.
type storedToken struct {
	model.APIToken
	Digest []byte `json:"digest"`
	Sum    string `json:"sum"`
}

func tokenSum(t model.APIToken, digest []byte) string { return model.TokenSum(t, digest) }

func decodeToken(raw []byte) (model.APIToken, []byte, error) {
	var st storedToken
	if err := json.Unmarshal(raw, &st); err != nil {
		return st.APIToken, nil, fmt.Errorf("the record does not decode: %w", err)
	}
	if tokenSum(st.APIToken, st.Digest) != st.Sum {
		return st.APIToken, nil, errors.New("the record does not match its digest")
	}
	return st.APIToken, st.Digest, nil
}

// storedWebhook is a subscription as stored: with its secrets, and a
// digest of the record.
type storedWebhook struct {
	model.Webhook
	Secrets [][]byte `json:"secrets"`
	Sum     string   `json:"sum"`
}

func webhookSum(w model.Webhook, secrets [][]byte) string { return model.WebhookSum(w, secrets) }

func decodeWebhook(raw []byte) (storedWebhook, error) {
	var sw storedWebhook
	if err := json.Unmarshal(raw, &sw); err != nil {
		return sw, fmt.Errorf("the record does not decode: %w", err)
	}
	if webhookSum(sw.Webhook, sw.Secrets) != sw.Sum {
		return sw, errors.New("the record does not match its digest")
	}
	return sw, nil
}
