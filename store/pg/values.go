package pg

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// How Go values become column values and back.

// Times. timestamptz keeps microseconds; docket's times have nanoseconds.
// Every time written to a column is cut to the microsecond here (pgx
// would do the same), the same way for rows and for the positions a
// listing compares them with, so paging is consistent. Records whose
// digest covers a time (users, keys, tokens, webhooks) are cut before the
// digest is taken, so they read back as written, to the microsecond. A
// case's own record (cases.record) keeps its times exactly; its time
// columns only select and order.

// micro is t as a column holds it.
func micro(t time.Time) time.Time { return t.Truncate(time.Microsecond).UTC() }

// stamp is a time for a NOT NULL column: the zero time (no time; in a
// queue's order, after every real one) is infinity.
func stamp(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{InfinityModifier: pgtype.Infinity, Valid: true}
	}
	return pgtype.Timestamptz{Time: micro(t), Valid: true}
}

// maybeStamp is a time for a column where no time is NULL.
func maybeStamp(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: micro(t), Valid: true}
}

// timeOf reads a time column back: NULL and infinity are the zero time.
func timeOf(ts pgtype.Timestamptz) time.Time {
	if !ts.Valid || ts.InfinityModifier != pgtype.Finite {
		return time.Time{}
	}
	return ts.Time.UTC()
}

// maybe is s for a column where none is NULL.
func maybe(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// orEmpty reads a nullable text column back.
func orEmpty(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// columnText is free text (a subject, a reference id) as a text column
// can hold it: valid UTF-8 without U+0000. The record keeps it exactly;
// the column only selects and shows.
func columnText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// columnTexts is columnText of each, never nil (array columns are NOT
// NULL).
func columnTexts(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = columnText(s)
	}
	return out
}

// nonNil is ss, or an empty list for none: array columns are NOT NULL.
func nonNil[T any](ss []T) []T {
	if ss == nil {
		return []T{}
	}
	return ss
}

// nilIfEmpty is ss, or nil when it is empty: a list read back from an
// array column, as a decoded JSON record without it has it.
func nilIfEmpty[T any](ss []T) []T {
	if len(ss) == 0 {
		return nil
	}
	return ss
}

// ErrDamaged is what a record that does not match its digest is
// (errors.Is). It is not store.ErrDamaged, which this package cannot
// import; one error in package backend, returned by both backends, would
// let the rules tell damage from any other failure on either.
var ErrDamaged = errors.New("a record in the database is damaged")

// damagedError names the database and the record.
type damagedError struct {
	db     string
	detail string
}

func (e damagedError) Error() string {
	return fmt.Sprintf("the database %s holds a damaged record (%s): it was changed outside docket", e.db, e.detail)
}

func (e damagedError) Is(target error) bool { return target == ErrDamaged }

// errDigest is what a record whose digest does not match is.
var errDigest = errors.New("the record does not match its digest")

// damaged is the error for a record of the database that fails its check.
func (t *tx) damaged(format string, args ...any) error {
	return damagedError{t.db.dsn, fmt.Sprintf(format, args...)}
}
