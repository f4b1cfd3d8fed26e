package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"docket/model"
	"docket/store"
)

// The upkeep commands work on the file: check, backup, restore, compact.

// maxProblemsShown keeps a badly damaged file's report readable; the count
// is always given.
const maxProblemsShown = 100

func runCheck(fs *flag.FlagSet) runner {
	return func(c *ctx, rest []string) error {
		if err := c.arity(rest, 0); err != nil {
			return err
		}
		return check(c)
	}
}

// check verifies the database and prints what it found.
func check(c *ctx) error {
	path := c.defaultDB("docket.db")
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("check: %w", err)
	}
	s, err := store.Open(path, store.Options{ReadOnly: true, Inspect: true})
	if errors.Is(err, store.ErrInUse) {
		return fmt.Errorf("%w; close it, or check a backup (docket backup FILE, then docket --db FILE check)", err)
	}
	if err != nil {
		return err
	}
	defer s.Close()
	r, err := s.Check()
	if err != nil {
		return err
	}
	out := c.env.Stdout
	fmt.Fprintf(out, "checked %s: %d cases, %d audit events, %d index entries\n", path, r.Cases, r.Events, r.IndexEntries)
	for i, p := range r.Problems {
		if i == maxProblemsShown {
			fmt.Fprintf(out, "… and %d more\n", len(r.Problems)-i)
			break
		}
		fmt.Fprintf(out, "  %s\n", p)
	}
	for _, n := range r.Notices {
		fmt.Fprintf(out, "note: %s\n", n)
	}
	if n := len(r.Problems); n > 0 {
		return fmt.Errorf("check %s: %d problems found", path, n)
	}
	fmt.Fprintln(out, "no problems: every index entry, count and audit chain verifies")
	return nil
}

func runBackup(fs *flag.FlagSet) runner {
	return func(c *ctx, rest []string) error {
		if err := c.arity(rest, 1); err != nil {
			return err
		}
		src, dst := c.defaultDB("docket.db"), rest[0]
		if err := store.BackupFile(src, dst, c.userName()); err != nil {
			return err
		}
		fmt.Fprintf(c.env.Stdout, "backed up %s to %s (verified)\n", src, dst)
		return nil
	}
}

func runRestore(fs *flag.FlagSet) runner {
	return func(c *ctx, rest []string) error {
		if err := c.arity(rest, 1); err != nil {
			return err
		}
		backup, path := rest[0], c.defaultDB("docket.db")
		kept, err := store.Restore(backup, path, c.userName())
		if err != nil {
			return err
		}
		fmt.Fprintf(c.env.Stdout, "restored %s from %s\n", path, backup)
		if kept != "" {
			fmt.Fprintf(c.env.Stdout, "the database it replaced is kept as %s\n", kept)
		}
		return nil
	}
}

func runCompact(fs *flag.FlagSet) runner {
	return func(c *ctx, rest []string) error {
		if err := c.arity(rest, 0); err != nil {
			return err
		}
		path := c.defaultDB("docket.db")
		before, after, err := store.Compact(path, c.userName())
		if err != nil {
			return err
		}
		fmt.Fprintf(c.env.Stdout, "compacted %s: %s → %s\n", path, model.ByteSize(before), model.ByteSize(after))
		return nil
	}
}
