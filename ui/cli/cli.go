// Package cli is docket's command line: it parses arguments, opens the
// store, calls one store operation and prints the result. Every rule lives
// in the store; this package only translates.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"docket/model"
	"docket/store"
	"docket/ui/safe"
)

// Exit codes.
const (
	exitOK      = 0
	exitRefused = 1 // refused, invalid input, or failed
	exitUsage   = 2
	exitPending = 3 // done, but a redaction's bytes await compaction
)

// Env is what a command may touch besides the database.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Workstation runs the interactive UI on an open store as a user. Nil
	// means print My queue instead.
	Workstation func(s *store.Store, user model.User) error
	// StderrIsTerminal turns on progress output.
	StderrIsTerminal bool
}

// OSEnv is the real process environment.
func OSEnv() Env {
	fi, err := os.Stderr.Stat()
	return Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv,
		StderrIsTerminal: err == nil && fi.Mode()&os.ModeCharDevice != 0}
}

// usageError is a mistake in the command line itself (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// Main runs one command line and returns the exit code.
func Main(args []string, env Env) int {
	err := dispatch(args, env)
	// Errors quote stored text (case names, statuses, reasons): the line
	// printed is cleaned like every other human output.
	stderr := safe.NewWriter(env.Stderr)
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, store.ErrScrubPending):
		fmt.Fprintf(env.Stderr, "docket: %s\n", oneLine(err.Error()))
		return exitPending
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "docket: %s\nrun 'docket help' for usage\n", ue.msg)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "docket: %s\n", oneLine(err.Error()))
		return exitRefused
	}
}

// oneLine keeps multi-problem messages readable: the first line, then the
// rest indented.
func oneLine(msg string) string {
	return strings.ReplaceAll(strings.TrimSpace(msg), "\n", "\n  ")
}

// command is one subcommand: its usage line and what runs it.
type command struct {
	usage string
	run   func(c *ctx, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"demo":     {"demo [--cases N] [--seed S] [--no-ui] [--persona FILE]", runDemo},
		"import":   {"import [--workflow ID] [--force] FILE... | -", runImport},
		"export":   {"export [--format jsonl|csv] [--queue Q] [--out FILE]", runExport},
		"case":     {"case list|show|create|status|assign|claim|unassign|tag|comment|enrich|attach|detach|history|redact ...", runCase},
		"user":     {"user add|list|set ...", runUser},
		"workflow": {"workflow list|show|check|load [--migrate] ...", runWorkflow},
		"check":    {"check", runCheck},
		"backup":   {"backup FILE", runBackup},
		"restore":  {"restore FILE", runRestore},
		"compact":  {"compact", runCompact},
		"assign":   {"assign --auto [--workflow ID]", runAssign},
		"workload": {"workload [--json]", runWorkload},
		"stats":    {"stats [--since 7d] [--json]", runStats},
		"help":     {"help", func(c *ctx, _ []string) error { printHelp(c.env.Stdout); return nil }},
	}
}

func dispatch(args []string, env Env) error {
	// Global flags may come before the command.
	c := newCtx(env)
	rest, err := c.parse(flag.NewFlagSet("docket", flag.ContinueOnError), args, true)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return runWorkstation(c)
	}
	cmd, ok := commands()[rest[0]]
	if !ok {
		if rest[0] == "--help" || rest[0] == "-h" {
			printHelp(env.Stdout)
			return nil
		}
		return usagef("unknown command %q", rest[0])
	}
	return cmd.run(c, rest[1:])
}

// ctx carries the global flags and the open store of one invocation.
type ctx struct {
	// env.Stdout and env.Stderr clean what is written through them (see
	// safe.Writer): human output prints stored text, which must not drive
	// the terminal. raw has the streams as given, for output that must stay
	// exact: --json, exports, and docket's own progress line.
	env       Env
	raw       Env
	dbPath    string
	user      string
	maxCaseMB int
	store     *store.Store
}

func newCtx(env Env) *ctx {
	c := &ctx{env: env, raw: env}
	c.env.Stdout, c.env.Stderr = safe.NewWriter(env.Stdout), safe.NewWriter(env.Stderr)
	return c
}

// writeJSON prints v as indented JSON, exactly: stored text in it is
// escaped by JSON's rules, never altered.
func (c *ctx) writeJSON(v any) error { return writeJSON(c.raw.Stdout, v) }

// parse parses flags wherever they appear among the arguments, adding the
// global --db and --user to fs. With stopAtCommand it stops at the first
// positional argument (the command name). An argument that starts with a
// single dash but names no flag (like a tag to remove, "-vip") stays
// positional.
func (c *ctx) parse(fs *flag.FlagSet, args []string, stopAtCommand bool) ([]string, error) {
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.dbPath, "db", c.dbPath, "database file")
	fs.StringVar(&c.user, "user", c.user, "act as this user")
	fs.IntVar(&c.maxCaseMB, "max-case-mb", c.maxCaseMB, "largest case (document, fields, object, comment) to accept, in MB")
	var flags, positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		name, isFlag := flagName(fs, a)
		switch {
		case isFlag:
			flags = append(flags, a)
			if !strings.Contains(a, "=") && !isBool(fs, name) && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		case strings.HasPrefix(a, "--"):
			return nil, usagef("unknown flag %s", a)
		default:
			positional = append(positional, a)
			if stopAtCommand {
				positional = append(positional, args[i+1:]...)
				i = len(args)
			}
		}
	}
	if err := fs.Parse(flags); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, usagef("%v", err)
	}
	return positional, nil
}

func flagName(fs *flag.FlagSet, a string) (string, bool) {
	if !strings.HasPrefix(a, "-") || a == "-" {
		return "", false
	}
	name := strings.TrimLeft(a, "-")
	name, _, _ = strings.Cut(name, "=")
	if name == "h" || name == "help" {
		return name, true
	}
	return name, fs.Lookup(name) != nil
}

func isBool(fs *flag.FlagSet, name string) bool {
	f := fs.Lookup(name)
	if f == nil {
		return true // -h
	}
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// defaultDB follows the DESIGN: --db, else $DOCKET_DB, else the XDG data dir.
func (c *ctx) defaultDB(file string) string {
	if c.dbPath != "" {
		return c.dbPath
	}
	if p := c.env.Getenv("DOCKET_DB"); p != "" && file == "docket.db" {
		return p
	}
	dir := c.env.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = "."
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "docket", file)
}

// open opens the store once per invocation.
func (c *ctx) open() (*store.Store, error) { return c.openStore(false) }

// openToRead opens the store for a command that only reads: for writing, as
// every command (so an older file is upgraded and a first login creates
// the admin), unless the file cannot be written (a read-only file system, a
// file or directory without write permission); then read-only, so that
// reading still works.
func (c *ctx) openToRead() (*store.Store, error) { return c.openStore(true) }

func (c *ctx) openStore(toRead bool) (*store.Store, error) {
	if c.store != nil {
		return c.store, nil
	}
	limit, err := c.maxCaseBytes()
	if err != nil {
		return nil, err
	}
	path := c.defaultDB("docket.db")
	s, err := store.Open(path, store.Options{MaxCaseBytes: limit})
	if err != nil && toRead && cannotWrite(err) {
		s, err = store.Open(path, store.Options{MaxCaseBytes: limit, ReadOnly: true})
	}
	if err != nil {
		return nil, err
	}
	for _, w := range s.Warnings() {
		fmt.Fprintf(c.env.Stderr, "docket: warning: %s\n", w)
	}
	c.store = s
	return s, nil
}

// cannotWrite reports an open that failed only because the database may not
// be written here: permission denied, or a read-only file system.
func cannotWrite(err error) bool {
	return errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS)
}

// maxCaseBytes is --max-case-mb, else $DOCKET_MAX_CASE_MB, else 0 (the
// store's default, 16 MB).
func (c *ctx) maxCaseBytes() (int, error) {
	mb := c.maxCaseMB
	if mb == 0 {
		if v := c.env.Getenv("DOCKET_MAX_CASE_MB"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				return 0, usagef("DOCKET_MAX_CASE_MB=%q: want a whole number of megabytes", v)
			}
			mb = n
		}
	}
	if mb < 0 {
		return 0, usagef("--max-case-mb %d: want a positive number of megabytes", mb)
	}
	return mb << 20, nil
}

func (c *ctx) close() { c.closeStore() }

// closeStore closes the store, if open, and says whether that went well.
func (c *ctx) closeStore() error {
	if c.store == nil {
		return nil
	}
	err := c.store.Close()
	c.store = nil
	return err
}

// userName is --user, else $DOCKET_USER, else the OS user.
func (c *ctx) userName() string {
	if c.user != "" {
		return c.user
	}
	if u := c.env.Getenv("DOCKET_USER"); u != "" {
		return u
	}
	return OSUserName()
}

// OSUserName is the login name of whoever runs docket.
func OSUserName() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		name := u.Username
		if i := strings.LastIndexAny(name, `\/`); i >= 0 { // DOMAIN\user on Windows
			name = name[i+1:]
		}
		return name
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "reviewer"
}

// login opens the store and resolves the acting user (the first user of an
// empty database becomes its admin).
func (c *ctx) login() (*store.Store, model.User, error) { return c.loginWith(c.open) }

// loginToRead is login for a command that only reads (see openToRead).
func (c *ctx) loginToRead() (*store.Store, model.User, error) { return c.loginWith(c.openToRead) }

func (c *ctx) loginWith(open func() (*store.Store, error)) (*store.Store, model.User, error) {
	s, err := open()
	if err != nil {
		return nil, model.User{}, err
	}
	u, err := s.Login(c.userName())
	return s, u, err
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, helpText)
}

const helpText = `docket: a keyboard-driven case review workstation

usage:
  docket [--db PATH] [--user NAME]          open the workstation (My queue)
  docket demo [--cases N] [--seed S] [--no-ui] [--persona FILE]
  docket import [--workflow ID] [--force] FILE... | -
  docket export [--format jsonl|csv] [--queue Q] [--out FILE]   (leads)
  docket case list [--queue mine|unassigned|open|closed|all] [--workflow ID]
                   [--status S] [--assignee U] [--tag T] [--sort sla|oldest|newest]
                   [--limit N] [--after CURSOR] [--json]
  docket case show REF [--json]             REF is a case id or name (KYC-118)
  docket case create --workflow ID [--field key=value]... [--tag T]... [--assign USER] [--json]
  docket case status REF... STATUS [--comment TEXT] [--reason CODE] [--expect-version N]
  docket case assign REF... USER | claim REF | unassign REF
  docket case next [--workflow ID]          take the most urgent unassigned case you may
  docket case tag REF... +tag -tag ...
  docket case sla REF... DURATION|clear     (leads) e.g. 4h, 3d
      status, assign, tag and sla act on several REFs, or on every case of
      --queue Q [--filter TEXT] [--workflow ID] [--status S] [--assignee U] [--tag T]
  docket case comment REF TEXT
  docket case enrich REF FILE|-             JSON merge patch into the case's fields
  docket case attach REF FILE|-             a Persona object document
  docket case detach REF OBJECT-ID
  docket case history REF [--json]
  docket case redact REF
  docket user add NAME [--role R] [--email E] [--team T]...
  docket user list [--json]
  docket user set NAME [--role R] [--email E] [--team T]... [--availability A]
  docket workflow list [--json] | show ID [--json] | check FILE... | load [--migrate] FILE...
  docket assign --auto [--workflow ID]      (leads) hand out unassigned cases by policy
  docket workload [--json]                  (leads) each user's open, overdue and decided cases
  docket stats [--since 7d] [--json]        created, decided, time to decision, SLA breaches
  docket check                              verify the file, its indexes and every audit chain
  docket backup FILE                        (admins) a verified copy, even while the workstation runs
  docket restore FILE                       (admins) check a backup, then put it in place (not while in use)
  docket compact                            (admins) rewrite the file without its free pages

--db defaults to $DOCKET_DB, else $XDG_DATA_HOME/docket/docket.db.
--user defaults to $DOCKET_USER, else the login name.
--max-case-mb (or $DOCKET_MAX_CASE_MB) limits one case's document, fields,
object or comment; default 16.
Exit status: 0 done, 1 refused or invalid input, 2 usage error, 3 done
but a redaction's bytes stay in the file until docket compact succeeds.
`
