package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"docket/model"
	"docket/store"
)

func runImport(fs *flag.FlagSet) runner {
	workflow := fs.String("workflow", "", "put every case in the workflow `ID` (default: the one its template or export names, else default)")
	force := fs.Bool("force", false, "(admins) move existing cases past the workflows' rules; recorded in their trails")
	return func(c *ctx, rest []string) error {
		if len(rest) == 0 {
			return c.usage()
		}
		var sources []store.Source
		for _, name := range rest {
			path, err := c.file(name)
			if err != nil {
				return err
			}
			src := store.Source{Name: name, Path: path}
			if name == "-" {
				path, cleanup, err := spool(c.env.Stdin)
				if err != nil {
					return err
				}
				defer cleanup()
				src = store.Source{Name: "stdin", Path: path}
			}
			sources = append(sources, src)
		}
		s, u, err := c.login()
		if err != nil {
			return err
		}
		opt := store.ImportOptions{Actor: u.Name, Workflow: *workflow, Force: *force}
		if c.env.StderrIsTerminal {
			opt.Progress = progressPrinter(c.raw.Stderr)
		}
		res, err := s.Import(sources, opt)
		if opt.Progress != nil {
			fmt.Fprint(c.raw.Stderr, "\r\033[K")
		}
		if err != nil {
			return err
		}
		printImport(c.env.Stdout, res)
		return nil
	}
}

// spool copies standard input to a temporary file, because an import reads
// its input twice (check, then write).
func spool(r io.Reader) (string, func(), error) {
	f, err := os.CreateTemp("", "docket-import-*.jsonl")
	if err != nil {
		return "", nil, err
	}
	cleanup := func() { os.Remove(f.Name()) }
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		cleanup()
		return "", nil, fmt.Errorf("read standard input: %w", err)
	}
	return f.Name(), cleanup, nil
}

// progressPrinter redraws one status line on a terminal, at most once per
// percent.
func progressPrinter(w io.Writer) func(string, int64, int64) {
	last := ""
	return func(phase string, done, total int64) {
		pct := int64(100)
		if total > 0 {
			pct = done * 100 / total
		}
		line := fmt.Sprintf("%s %3d%% (%s of %s)", phase, pct, model.ByteSize(done), model.ByteSize(total))
		if line[:len(phase)+5] != last {
			last = line[:len(phase)+5]
			fmt.Fprintf(w, "\r\033[K%s", line)
		}
	}
}

func printImport(w io.Writer, r store.ImportResult) {
	fmt.Fprintf(w, "imported %d case document(s): %d new, %d updated, %d unchanged; %d object(s) written, %d comment(s) added\n",
		r.Cases, r.Created, r.Updated, r.Unchanged, r.Objects, r.Comments)
	if len(r.NewUsers) > 0 {
		fmt.Fprintf(w, "new reviewers (unknown assignees): %s\n", strings.Join(r.NewUsers, ", "))
	}
	if len(r.Skipped) > 0 {
		fmt.Fprintf(w, "skipped %d included resource(s) docket does not keep:\n", len(r.Skipped))
		for _, s := range r.Skipped {
			fmt.Fprintf(w, "  %s\n", s)
		}
	}
}

func runExport(fs *flag.FlagSet) runner {
	format := fs.String("format", store.FormatJSONL, "the `FORMAT`: jsonl (Persona JSON lines with docket's extension, which import reads back), persona (Persona's own shape) or csv")
	queue := fs.String("queue", store.QueueAll, "export this `QUEUE`: mine, unassigned, open, closed or all")
	out := fs.String("out", "", "write to `FILE` (default standard output)")
	return func(c *ctx, rest []string) error {
		s, u, err := c.readArgs(rest, 0)
		if err != nil {
			return err
		}
		w := c.raw.Stdout // the export is data: exact, like --json
		var f *os.File
		if *out == "-" {
			*out = ""
		}
		if *out != "" {
			if *out, err = c.file(*out); err != nil {
				return err
			}
			// Write beside the target and rename, so a failed export never
			// leaves half a file under the name asked for.
			if f, err = os.CreateTemp(dirOf(*out), ".docket-export-*"); err != nil {
				return err
			}
			defer os.Remove(f.Name())
			w = f
		}
		n, err := s.Export(w, *format, store.Query{Queue: *queue, Actor: u.Name})
		if f != nil {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err == nil {
				err = os.Rename(f.Name(), *out)
			}
		}
		if err != nil {
			return err
		}
		if *out != "" {
			fmt.Fprintf(c.env.Stderr, "exported %d case(s) to %s\n", n, *out)
		}
		return nil
	}
}

func dirOf(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[:i+1]
	}
	return "."
}

// runWorkstation opens the interactive workstation, or (without one) prints
// My queue.
func runWorkstation(c *ctx) error {
	defer c.close()
	s, u, err := c.login()
	if err != nil {
		return err
	}
	if c.env.Workstation != nil {
		return c.env.Workstation(s, u)
	}
	page, err := s.List(store.Query{Queue: store.QueueMine, Actor: u.Name})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stdout, "My queue (%s, %s): %d open case(s)\n", u.Name, u.Role, page.Total)
	printCases(c.env.Stdout, page.Cases, s.Now())
	return nil
}
