package pg

import (
	"context"
	"strings"
	"time"
)

// The change feed across processes. After a commit a process announces
// the ids of the cases it changed on the channel docket_changes; every
// process on the database listens there on a connection of its own and
// passes what it hears to its sessions. A notification carries ids only,
// never case data, within PostgreSQL's 8000-byte payload: more ids than
// fit say "everything changed".

const (
	changesChannel = "docket_changes"
	maxPayload     = 7900
	everything     = "*"
)

// Announce tells every process listening that the cases ids changed. from
// names this process, so that it can tell its own announcements.
func (db *DB) Announce(ctx context.Context, from string, ids []string) error {
	payload := from + " " + strings.Join(ids, ",")
	if len(payload) > maxPayload {
		payload = from + " " + everything
	}
	_, err := db.pool.Exec(ctx, "SELECT pg_notify($1, $2)", changesChannel, payload)
	return err
}

// Listen calls heard with the changes other processes announce, until ctx
// ends; all says that too many changed to list. A lost connection is
// opened again (what was announced meanwhile is missed: heard is then
// told that everything changed).
func (db *DB) Listen(ctx context.Context, self string, heard func(ids []string, all bool)) {
	for wait := 100 * time.Millisecond; ctx.Err() == nil; wait = min(2*wait, 5*time.Second) {
		if db.listenOnce(ctx, self, heard) {
			wait = 100 * time.Millisecond
			heard(nil, true) // the connection dropped: something may be missed
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
}

// listenOnce listens on one connection until it fails; it says whether it
// was listening at all.
func (db *DB) listenOnce(ctx context.Context, self string, heard func([]string, bool)) bool {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return false
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+changesChannel); err != nil {
		return false
	}
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			// Leave the connection as the pool found it.
			conn.Exec(context.WithoutCancel(ctx), "UNLISTEN "+changesChannel)
			return true
		}
		from, list, _ := strings.Cut(n.Payload, " ")
		switch {
		case from == self:
		case list == everything:
			heard(nil, true)
		default:
			heard(strings.Split(list, ","), false)
		}
	}
}
