package bolt

import (
	"fmt"
	"strings"
	"time"

	bbolt "go.etcd.io/bbolt"

	"docket/store/backend"
)

// A redaction removes data from the records at once, but bbolt keeps the
// freed pages, bytes and all, until the file is rewritten. So a redaction
// sets a mark in the meta bucket, compaction clears it, and until then:
// Close (after a redaction) and Open (after a crash) compact; a compaction
// that fails (a full disk, a directory docket cannot write) is recorded in
// the mark, so that later opens do not copy the whole file again at every
// command but say what is pending (Warnings, check's notices) until
// `docket compact` succeeds.

// scrubKey in the meta bucket marks a file whose free pages may hold
// redacted data.
var scrubKey = []byte("scrub")

const (
	scrubDue    = "redacted data awaits compaction"
	scrubFailed = "compaction failed at "
)

// scrubState says whether redacted bytes may remain in free pages, and
// whether compacting them out has failed before.
func (d *DB) scrubState() (pending, failed bool) {
	mark := d.scrubMark()
	return mark != "", strings.HasPrefix(mark, scrubFailed)
}

func (d *DB) scrubMark() string {
	var mark string
	backend.Guard(d.path, func() error {
		return d.db.View(func(tx *bbolt.Tx) error {
			if meta := tx.Bucket(bMeta); meta != nil {
				mark = string(meta.Get(scrubKey))
			}
			return nil
		})
	})
	return mark
}

// scrubWarning says what is pending, for Warnings and check.
func (d *DB) scrubWarning() string {
	mark := d.scrubMark()
	if strings.HasPrefix(mark, scrubFailed) {
		return fmt.Sprintf("a redaction's bytes are still in the file's free pages (%s); run `docket compact` once it can succeed", mark)
	}
	return "a redaction's bytes are still in the file's free pages until the file is compacted (`docket compact`)"
}

// markScrubFailed records why compacting after a redaction failed. It is
// best effort: on a full disk even this may not be written, and then the
// next open simply tries again.
func markScrubFailed(path string, cause error) {
	db, err := lockFile(path)
	if err != nil {
		return
	}
	defer db.Close()
	db.Update(func(tx *bbolt.Tx) error {
		msg := fmt.Sprintf("%s%s: %v", scrubFailed, time.Now().UTC().Format(time.RFC3339), cause)
		return tx.Bucket(bMeta).Put(scrubKey, []byte(msg))
	})
}
