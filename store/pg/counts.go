package pg

import (
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"docket/model"
)

// Counts. queue_counts holds how many cases sit in each queue, named as
// schema.go says, in rows split 16 ways; decisions, how many decisions
// each user made each day. A transaction gathers its changes and writes
// them once, in Finish (a bulk import moves the same counters thousands
// of times), each queue's into the shard of its connection, in the order
// of the queues' names, so two writers never wait on each other's rows
// in opposite orders. Reads add the changes not written yet.
//
// The queues counted are bbolt's index prefixes (store/bolt/index.go,
// prefixesOf): open or closed; each person's open or closed; unassigned
// (open cases nobody has); each workflow's open or closed; each status of
// each workflow (lower-cased, as bbolt's); each tag's open or closed
// (lower-cased).

func openness(open bool) string {
	if open {
		return "open"
	}
	return "closed"
}

func qQueue(open bool) string                 { return openness(open) }
func qUnassigned() string                     { return "unassigned" }
func qAssignee(user string, open bool) string { return "assignee/" + user + "/" + openness(open) }
func qWorkflow(id string, open bool) string   { return "workflow/" + id + "/" + openness(open) }
func qStatus(wf, status string) string        { return "status/" + wf + "/" + strings.ToLower(status) }
func qTag(tag string, open bool) string       { return "tag/" + strings.ToLower(tag) + "/" + openness(open) }

// queuesOf lists every queue a case is counted in.
func queuesOf(c *model.Case) []string {
	open := c.Open()
	qs := []string{qQueue(open), qWorkflow(c.Workflow, open), qStatus(c.Workflow, c.Status)}
	switch {
	case c.Assignee != "":
		qs = append(qs, qAssignee(c.Assignee, open))
	case open:
		qs = append(qs, qUnassigned())
	}
	for _, tag := range c.Tags {
		if q := qTag(tag, open); !slices.Contains(qs, q) {
			qs = append(qs, q)
		}
	}
	return qs
}

// moveCounts notes a case leaving the queues of old (nil for a new case)
// for those of c.
func (t *tx) moveCounts(old, c *model.Case) {
	var before []string
	if old != nil {
		before = queuesOf(old)
	}
	after := queuesOf(c)
	for _, q := range before {
		if !slices.Contains(after, q) {
			t.addCount(q, -1)
		}
	}
	for _, q := range after {
		if !slices.Contains(before, q) {
			t.addCount(q, 1)
		}
	}
}

func (t *tx) addCount(queue string, delta int64) {
	if t.deltas == nil {
		t.deltas = map[string]int64{}
	}
	t.deltas[queue] += delta
}

// counts reads the counts of queues, the transaction's own changes
// included.
func (t *tx) counts(queues ...string) (map[string]int, error) {
	type row struct {
		queue string
		n     int64
	}
	rows, err := all(t, t.ctx, func(r pgx.CollectableRow) (row, error) {
		var x row
		return x, r.Scan(&x.queue, &x.n)
	}, "SELECT queue, sum(n)::bigint FROM queue_counts WHERE queue = ANY ($1) GROUP BY queue", queues)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(queues))
	for _, q := range queues {
		out[q] = int(t.deltas[q])
	}
	for _, r := range rows {
		out[r.queue] += int(r.n)
	}
	return out, nil
}

// count is the count of one queue.
func (t *tx) count(queue string) (int, error) {
	n, err := t.counts(queue)
	return n[queue], err
}

// sumCounts is the count of several queues together.
func (t *tx) sumCounts(queues []string) (int, error) {
	n, err := t.counts(queues...)
	total := 0
	for _, q := range queues {
		total += n[q]
	}
	return total, err
}

func (t *tx) OpenOf(user string) (int, error) { return t.count(qAssignee(user, true)) }

func (t *tx) InStatus(wf, status string) (int, error) { return t.count(qStatus(wf, status)) }

// decisionKey is one user's day (a UTC date, as bbolt's dayKey).
type decisionKey struct {
	day  string // 2006-01-02
	user string
}

func dayOf(day time.Time, user string) decisionKey {
	return decisionKey{day.UTC().Format(time.DateOnly), user}
}

func (t *tx) DecidedOn(day time.Time, user string) (int, error) {
	k := dayOf(day, user)
	var n int64
	_, err := t.one("SELECT n FROM decisions WHERE day = $1::date AND username = $2", []any{k.day, k.user}, &n)
	return int(n + t.decided[k]), err
}

func (t *tx) NoteDecision(day time.Time, user string) error {
	if t.decided == nil {
		t.decided = map[decisionKey]int64{}
	}
	t.decided[dayOf(day, user)]++
	return nil
}

// Finish writes the counter changes the transaction gathered.
func (t *tx) Finish() error {
	if err := t.flushQueueCounts(); err != nil {
		return err
	}
	if err := t.flushDecisions(); err != nil {
		return err
	}
	return t.send()
}

func (t *tx) flushQueueCounts() error {
	var queues []string
	var deltas []int64
	for q, d := range t.deltas {
		if d != 0 {
			queues = append(queues, q)
		}
	}
	if len(queues) == 0 {
		return nil
	}
	slices.Sort(queues) // byte order, as the statement's ORDER BY … COLLATE "C"
	for _, q := range queues {
		deltas = append(deltas, t.deltas[q])
	}
	err := t.exec(`INSERT INTO queue_counts (queue, shard, n)
		SELECT queue, pg_backend_pid() % 16, n FROM unnest($1::text[], $2::bigint[]) AS d(queue, n) ORDER BY queue COLLATE "C"
		ON CONFLICT (queue, shard) DO UPDATE SET n = queue_counts.n + excluded.n`, queues, deltas)
	if err == nil {
		t.deltas = nil
	}
	return err
}

func (t *tx) flushDecisions() error {
	if len(t.decided) == 0 {
		return nil
	}
	keys := make([]decisionKey, 0, len(t.decided))
	for k := range t.decided {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b decisionKey) int {
		return strings.Compare(a.day+"\x00"+a.user, b.day+"\x00"+b.user)
	})
	var days, users []string
	var ns []int64
	for _, k := range keys {
		days, users, ns = append(days, k.day), append(users, k.user), append(ns, t.decided[k])
	}
	err := t.exec(`INSERT INTO decisions (day, username, n)
		SELECT day::date, username, n FROM unnest($1::text[], $2::text[], $3::bigint[]) AS d(day, username, n)
		ORDER BY day, username COLLATE "C"
		ON CONFLICT (day, username) DO UPDATE SET n = decisions.n + excluded.n`, days, users, ns)
	if err == nil {
		t.decided = nil
	}
	return err
}
