package pg

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// Workflows: the YAML source as loaded, and its digest.

func (t *tx) EachWorkflow(fn func(id string, src []byte, sum string) error) error {
	type workflow struct{ id, src, sum string }
	rows, err := all(t, t.ctx, func(r pgx.CollectableRow) (workflow, error) {
		var w workflow
		return w, r.Scan(&w.id, &w.src, &w.sum)
	}, "SELECT id, source, digest FROM workflows ORDER BY id")
	if err != nil {
		return err
	}
	for _, w := range rows {
		if err := fn(w.id, []byte(w.src), w.sum); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) WorkflowSums() (map[string]string, error) {
	rows, err := all(t, t.ctx, scanKeyed[string], "SELECT id, digest FROM workflows")
	sums := make(map[string]string, len(rows))
	for _, r := range rows {
		sums[r.key] = r.v
	}
	return sums, err
}

func (t *tx) PutWorkflow(id string, src []byte, sum string) error {
	return t.exec(`INSERT INTO workflows (id, source, digest) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET source = excluded.source, digest = excluded.digest, updated_at = now()`,
		id, string(src), sum)
}

// The rules' small records. backend.State names them by key and keeps
// their bytes as the rules encode them; schema 1 keeps each kind in a
// table of its own, so that a person reads them with SQL. So a key is
// read here for what it names, and its value for what it holds, as
// package store writes them (store/assign.go, cases.go, users.go):
//
//	rr/<workflow>/<team>  the user round robin served last  round_robin
//	last/<user>           when they last got a case (8 bytes of
//	                      Unix nanoseconds, big-endian)  users.last_assigned_at
//	seq/<KEY>             the last n given to a KEY-n name (decimal)  name_counters
//	released/<user>       the cases their unavailability released
//	                      (JSON: by, at, cases)  user_releases
//	copy/unfinished       a copy into the database began and has not
//	                      finished (the source's name)  unfinished_copy
//
// Any other key, or a value not of its form, is refused rather than lost.
// Times are kept to the microsecond.

// stateKind is a kind of state record: how its key and value map to a
// table.
type stateKind struct {
	prefix string
	get    func(t *tx, name string) ([]byte, error)
	put    func(t *tx, name string, v []byte) error
	drop   func(t *tx, name string) error
	names  string // the query that lists the names of the kind's records
}

var stateKinds = []stateKind{
	{"rr/", getTurn, putTurn, dropTurn, "SELECT workflow || '/' || team FROM round_robin ORDER BY 1"},
	{"last/", getLast, putLast, dropLast, "SELECT name FROM users WHERE last_assigned_at IS NOT NULL ORDER BY name"},
	{"seq/", getSeq, putSeq, dropSeq, "SELECT key FROM name_counters ORDER BY key"},
	{"released/", getRelease, putRelease, dropRelease, "SELECT username FROM user_releases ORDER BY username"},
	{"copy/", getCopy, putCopy, dropCopy, "SELECT 'unfinished' FROM unfinished_copy"},
}

// stateOf finds the kind of a key and the name after its prefix.
func stateOf(key string) (stateKind, string, error) {
	for _, k := range stateKinds {
		if name, ok := strings.CutPrefix(key, k.prefix); ok {
			return k, name, nil
		}
	}
	return stateKind{}, "", fmt.Errorf("no table keeps state record %q (only rr/, last/, seq/, released/ and copy/ ones)", key)
}

func (t *tx) State(key string) ([]byte, error) {
	k, name, err := stateOf(key)
	if err != nil {
		return nil, err
	}
	return k.get(t, name)
}

func (t *tx) PutState(key string, v []byte) error {
	k, name, err := stateOf(key)
	if err != nil {
		return err
	}
	if err := k.put(t, name, v); err != nil {
		return fmt.Errorf("state record %q: %w", key, err)
	}
	return nil
}

func (t *tx) DropState(key string) error {
	k, name, err := stateOf(key)
	if err != nil {
		return err
	}
	return k.drop(t, name)
}

// ---- rr/<workflow>/<team>: round_robin ----

// turnOf splits a round robin's name (a workflow id holds no slash).
func turnOf(name string) (wf, team string, err error) {
	wf, team, ok := strings.Cut(name, "/")
	if !ok {
		return "", "", fmt.Errorf("round robin %q names no workflow/team", name)
	}
	return wf, team, nil
}

func getTurn(t *tx, name string) ([]byte, error) {
	wf, team, err := turnOf(name)
	if err != nil {
		return nil, err
	}
	var user string
	found, err := t.one("SELECT last_user FROM round_robin WHERE workflow = $1 AND team = $2", []any{wf, team}, &user)
	if !found || err != nil {
		return nil, err
	}
	return []byte(user), nil
}

func putTurn(t *tx, name string, v []byte) error {
	wf, team, err := turnOf(name)
	if err != nil {
		return err
	}
	return t.exec(`INSERT INTO round_robin (workflow, team, last_user) VALUES ($1, $2, $3)
		ON CONFLICT (workflow, team) DO UPDATE SET last_user = excluded.last_user`, wf, team, string(v))
}

func dropTurn(t *tx, name string) error {
	wf, team, err := turnOf(name)
	if err != nil {
		return err
	}
	return t.exec("DELETE FROM round_robin WHERE workflow = $1 AND team = $2", wf, team)
}

// ---- last/<user>: users.last_assigned_at ----

func getLast(t *tx, user string) ([]byte, error) {
	var at pgtype.Timestamptz
	found, err := t.one("SELECT last_assigned_at FROM users WHERE name = $1", []any{user}, &at)
	if !found || err != nil || !at.Valid {
		return nil, err
	}
	return binary.BigEndian.AppendUint64(nil, uint64(timeOf(at).UnixNano())), nil
}

func putLast(t *tx, user string, v []byte) error {
	if len(v) != 8 {
		return fmt.Errorf("%d bytes, not the 8 of a time", len(v))
	}
	at := time.Unix(0, int64(binary.BigEndian.Uint64(v)))
	n, err := t.execN("UPDATE users SET last_assigned_at = $2 WHERE name = $1", user, maybeStamp(at))
	if err == nil && n == 0 {
		err = fmt.Errorf("no user %s to note it for", user)
	}
	return err
}

func dropLast(t *tx, user string) error {
	return t.exec("UPDATE users SET last_assigned_at = NULL WHERE name = $1", user)
}

// ---- seq/<KEY>: name_counters ----

func getSeq(t *tx, key string) ([]byte, error) {
	var n int64
	found, err := t.one("SELECT n FROM name_counters WHERE key = $1", []any{key}, &n)
	if !found || err != nil {
		return nil, err
	}
	return strconv.AppendInt(nil, n, 10), nil
}

func putSeq(t *tx, key string, v []byte) error {
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil || strconv.FormatInt(n, 10) != string(v) {
		return fmt.Errorf("%q is not a number as the rules write one", v)
	}
	return t.exec(`INSERT INTO name_counters (key, n) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET n = excluded.n`, key, n)
}

func dropSeq(t *tx, key string) error { return t.exec("DELETE FROM name_counters WHERE key = $1", key) }

// ---- released/<user>: user_releases ----

// release mirrors the record the rules keep (store/users.go,
// releaseRecord); putRelease refuses one that would not come back as it
// was given, so a field added there cannot be lost here unnoticed.
type release struct {
	By    string    `json:"by"`
	At    time.Time `json:"at"`
	Cases []string  `json:"cases"`
}

func getRelease(t *tx, user string) ([]byte, error) {
	var r release
	var at pgtype.Timestamptz
	found, err := t.one("SELECT by_user, at, case_ids FROM user_releases WHERE username = $1", []any{user}, &r.By, &at, &r.Cases)
	if !found || err != nil {
		return nil, err
	}
	r.At = timeOf(at)
	return json.Marshal(r)
}

func putRelease(t *tx, user string, v []byte) error {
	var r release
	if err := decodeMirror(v, &r); err != nil {
		return err
	}
	return t.exec(`INSERT INTO user_releases (username, by_user, at, case_ids) VALUES ($1, $2, $3, $4)
		ON CONFLICT (username) DO UPDATE SET by_user = excluded.by_user, at = excluded.at, case_ids = excluded.case_ids`,
		user, r.By, stamp(r.At), nonNil(r.Cases))
}

func dropRelease(t *tx, user string) error {
	return t.exec("DELETE FROM user_releases WHERE username = $1", user)
}

// decodeMirror decodes raw, JSON the rules encoded, into v, a struct
// that mirrors theirs to keep it in columns: raw must be what v encodes
// to again, so that nothing in it is left out.
func decodeMirror(raw []byte, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("does not decode: %w", err)
	}
	again, err := json.Marshal(v)
	if err != nil || !bytes.Equal(again, raw) {
		return fmt.Errorf("holds what its table has no column for: %s", raw)
	}
	return nil
}

// ---- copy/unfinished: unfinished_copy ----

// copyName is the one record of its kind.
func copyName(name string) error {
	if name != "unfinished" {
		return fmt.Errorf("no copy record %q (only copy/unfinished)", name)
	}
	return nil
}

func getCopy(t *tx, name string) ([]byte, error) {
	if err := copyName(name); err != nil {
		return nil, err
	}
	var source string
	found, err := t.one("SELECT source FROM unfinished_copy", nil, &source)
	if !found || err != nil {
		return nil, err
	}
	return []byte(source), nil
}

func putCopy(t *tx, name string, v []byte) error {
	if err := copyName(name); err != nil {
		return err
	}
	return t.exec(`INSERT INTO unfinished_copy (source) VALUES ($1)
		ON CONFLICT (only_row) DO UPDATE SET source = excluded.source, began_at = now()`, string(v))
}

func dropCopy(t *tx, name string) error {
	if err := copyName(name); err != nil {
		return err
	}
	return t.exec("DELETE FROM unfinished_copy")
}
