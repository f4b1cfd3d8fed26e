package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

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
	s, err := c.openToCheck()
	if err != nil {
		return err
	}
	path := s.Path()
	r, err := s.Check()
	if err != nil {
		return err
	}
	out := c.env.Stdout
	server := store.IsServer(path)
	if server { // PostgreSQL keeps its indexes itself
		fmt.Fprintf(out, "checked %s: %d cases, %d audit events\n", path, r.Cases, r.Events)
	} else {
		fmt.Fprintf(out, "checked %s: %d cases, %d audit events, %d index entries\n", path, r.Cases, r.Events, r.IndexEntries)
	}
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
	if server {
		fmt.Fprintln(out, "no problems: every record, count and audit chain verifies")
		return nil
	}
	fmt.Fprintln(out, "no problems: every index entry, count and audit chain verifies")
	return nil
}

// openToCheck opens the database as check reads it: read-only, and
// damaged or not; inside the process that holds it, that process's store.
func (c *ctx) openToCheck() (*store.Store, error) {
	if h := c.env.Host; h != nil {
		return h.Store, nil
	}
	path := c.defaultDB("docket.db")
	if store.IsServer(path) {
		return store.Open(path, store.Options{}) // a server has no read-only opening
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	s, err := store.Open(path, store.Options{ReadOnly: true, Inspect: true})
	if errors.Is(err, store.ErrInUse) {
		return nil, fmt.Errorf("%w; close it, or check a backup (docket backup FILE, then docket --db FILE check)", err)
	}
	if err != nil {
		return nil, err
	}
	c.store = s // closed with the command
	return s, nil
}

func runBackup(fs *flag.FlagSet) runner {
	return func(c *ctx, rest []string) error {
		if err := c.arity(rest, 1); err != nil {
			return err
		}
		dst, err := c.file(rest[0])
		if err != nil {
			return err
		}
		if h := c.env.Host; h != nil {
			return hostedBackup(c, h, dst)
		}
		src := c.defaultDB("docket.db")
		if err := store.BackupFile(src, dst, c.userName()); err != nil {
			return err
		}
		fmt.Fprintf(c.env.Stdout, "backed up %s to %s (verified)\n", store.ShownName(src), dst)
		return nil
	}
}

// hostedBackup backs up the host's open database: to a file, or, for -,
// verified in a temporary file and then streamed to standard output.
func hostedBackup(c *ctx, h *Host, dst string) error {
	if dst != "-" {
		if err := h.Store.BackupTo(dst, h.User); err != nil {
			return err
		}
		fmt.Fprintf(c.env.Stdout, "backed up %s to %s (verified)\n", h.Store.Path(), dst)
		return nil
	}
	dir, err := os.MkdirTemp("", "docket-backup-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "backup.db")
	if err := h.Store.BackupTo(tmp, h.User); err != nil {
		return err
	}
	f, err := os.Open(tmp)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(c.raw.Stdout, f)
	return err
}

func runRestore(fs *flag.FlagSet) runner {
	return func(c *ctx, rest []string) error {
		if err := c.arity(rest, 1); err != nil {
			return err
		}
		if err := c.hostedRefusal("restore"); err != nil {
			return err
		}
		backup, path := rest[0], c.defaultDB("docket.db")
		kept, err := store.Restore(backup, path, c.userName())
		if err != nil {
			return err
		}
		fmt.Fprintf(c.env.Stdout, "restored %s from %s\n", store.ShownName(path), backup)
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
		if err := c.hostedRefusal("compact"); err != nil {
			return err
		}
		path := c.defaultDB("docket.db")
		before, after, err := store.Compact(path, c.userName())
		if err != nil {
			return err
		}
		fmt.Fprintf(c.env.Stdout, "compacted %s: %s → %s\n", store.ShownName(path), model.ByteSize(before), model.ByteSize(after))
		return nil
	}
}

func runCopy(fs *flag.FlagSet) runner {
	from := fs.String("from", "", "copy this `DB`: a file or a postgres:// address (default --db's)")
	to := fs.String("to", "", "into this `DB`: a path where no file is yet, or an empty PostgreSQL database")
	return func(c *ctx, rest []string) error {
		if err := c.arity(rest, 0); err != nil {
			return err
		}
		if err := c.hostedRefusal("copy"); err != nil {
			return err
		}
		if *from == "" {
			*from = c.defaultDB("docket.db")
		}
		if *to == "" {
			return usagef("copy needs --to: the database to copy into")
		}
		opt := store.CopyOptions{Actor: c.userName()}
		if c.env.StderrIsTerminal {
			opt.Progress = func(p store.CopyProgress) {
				fmt.Fprintf(c.raw.Stderr, "\r\033[Kcopying cases: %d of %d", p.Cases, p.Total)
			}
		}
		res, err := store.Copy(*from, *to, opt)
		if opt.Progress != nil {
			fmt.Fprint(c.raw.Stderr, "\r\033[K")
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(c.env.Stdout, "copied %s to %s: %d cases (%d audit events, %d comments), %d objects, %d users, %d workflows, %d webhook deliveries\n",
			store.ShownName(*from), store.ShownName(*to), res.Cases, res.Events, res.Comments, res.Objects, res.Users, res.Workflows, res.Deliveries)
		return nil
	}
}
