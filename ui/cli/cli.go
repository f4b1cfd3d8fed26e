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
	"time"

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
	// Host, when set, runs the command inside a process that holds the
	// database (docket serve, or a workstation) on its open store.
	Host *Host
	// Serve runs docket serve on an open store until it is told to stop.
	Serve func(s *store.Store, opt ServeOptions) error
	// Forwarding runs a command through the process that holds the
	// database, when one does (see forward.go).
	Forwarding bool
}

// ServeOptions is what docket serve is told on its command line.
type ServeOptions struct {
	SSHAddr     string // where to listen for SSH
	HostKeyPath string // the server's key, made on first start
	LogPath     string // the log file

	HTTPAddr        string  // where to serve the HTTP API ("": not at all)
	TLSCert, TLSKey string  // its certificate and key
	APIRate         float64 // requests a second per token (0: no limit)
	APIBurst        int

	// Persona's webhooks, answered at POST /webhooks/persona when secrets
	// are given: checked against them, applied as WebhookUser.
	WebhookSecrets   [][]byte
	WebhookUser      string
	WebhookTolerance time.Duration
}

// Host is the process a command runs in when it is not its own: the store
// is the host's, and the user is fixed (an SSH key's, or the local
// socket's caller's), so --db and --user are not taken.
type Host struct {
	Store *store.Store
	User  string
	// Remote is a command over SSH: the server's files are out of reach, so
	// where a command takes a file it takes only - (standard input or
	// output).
	Remote bool
	// Dir is the caller's working directory, against which a relative
	// file name is taken (a local caller's files are the host's too).
	Dir string
}

// OSEnv is the real process environment.
func OSEnv() Env {
	fi, err := os.Stderr.Stat()
	return Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv,
		StderrIsTerminal: err == nil && fi.Mode()&os.ModeCharDevice != 0, Forwarding: true}
}

// usageError is a mistake in the command line itself (exit 2). help is
// the command that explains the right use ("" for docket help).
type usageError struct{ msg, help string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{msg: fmt.Sprintf(format, args...)} }

// Main runs one command line and returns the exit code.
func Main(args []string, env Env) int {
	err := dispatch(args, env)
	// Errors quote stored text (case names, statuses, reasons): the line
	// printed is cleaned like every other human output.
	stderr := safe.NewWriter(env.Stderr)
	var ue usageError
	var code exitCode
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &code):
		return int(code)
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, store.ErrScrubPending):
		fmt.Fprintf(env.Stderr, "docket: %s\n", oneLine(err.Error()))
		return exitPending
	case errors.As(err, &ue):
		help := ue.help
		if help == "" {
			help = "docket help"
		}
		fmt.Fprintf(stderr, "docket: %s\nrun '%s' for usage\n", ue.msg, help)
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

func dispatch(args []string, env Env) error {
	// Global flags may come before the command.
	c := newCtx(env)
	rest, err := c.parse(flag.NewFlagSet("docket", flag.ContinueOnError), args, true)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		if ran, err := c.throughHolder(nil, args); ran || err != nil {
			return err
		}
		return runWorkstation(c)
	}
	cmd, n := lookup(rest)
	if cmd == nil {
		return unknownCommand(c, rest)
	}
	if !wantsHelp(rest[n:]) {
		if ran, err := c.throughHolder(cmd, args); ran || err != nil {
			return err
		}
	}
	c.cmd = cmd
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	run := cmd.define(fs)
	if rest, err = c.parse(fs, rest[n:], false); err != nil {
		return err
	}
	defer c.close()
	return run(c, rest)
}

// unknownCommand answers words that name no command: a group's help, or
// a usage error that says what there is.
func unknownCommand(c *ctx, words []string) error {
	name, cmds, n := groupOf(words)
	switch {
	case len(cmds) == 0:
		return usagef("unknown command %q", words[0])
	case len(words) == n:
		return usageError{msg: fmt.Sprintf("%s needs a subcommand: %s", name, subcommandNames(name, cmds)), help: "docket " + name + " --help"}
	case words[n] == "-h" || words[n] == "--help" || words[n] == "-help":
		printGroup(c.env.Stdout, name, cmds)
		return flag.ErrHelp
	}
	return usagef("unknown %s subcommand %q (want %s)", name, words[n], subcommandNames(name, cmds))
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
	cmd       *command // the command running; nil before one is chosen
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
//
// -h or --help prints the usage of the command (or, before one, the
// overview of all) and returns flag.ErrHelp: docket exits 0 having done
// nothing else.
func (c *ctx) parse(fs *flag.FlagSet, args []string, stopAtCommand bool) ([]string, error) {
	fs.SetOutput(io.Discard)
	c.addGlobals(fs)
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
			c.printUsage()
			return nil, err
		}
		return nil, usagef("%v", err)
	}
	if h := c.env.Host; h != nil && (c.dbPath != "" || c.user != "") {
		return nil, usagef("--db and --user are not taken here: this runs as %s on the database the server holds", h.User)
	}
	return positional, nil
}

// hostedRefusal is the error of a command that cannot run inside the
// process that holds the database.
func (c *ctx) hostedRefusal(what string) error {
	if c.env.Host == nil {
		return nil
	}
	return model.Invalidf("%s needs the database to itself: stop the docket process that holds it (docket serve, or a workstation) first", what)
}

// file is the path of a file a command reads or writes: over SSH only -
// (standard input or output) is taken; a local caller's relative name is
// taken against their working directory.
func (c *ctx) file(name string) (string, error) {
	h := c.env.Host
	switch {
	case h == nil || name == "-":
		return name, nil
	case h.Remote:
		return "", usagef("over SSH the server's files are out of reach: give - for %q and send the file on standard input (or read the output from standard output)", name)
	case !filepath.IsAbs(name) && h.Dir != "":
		return filepath.Join(h.Dir, name), nil
	}
	return name, nil
}

// addGlobals adds the flags every command takes.
func (c *ctx) addGlobals(fs *flag.FlagSet) {
	fs.StringVar(&c.dbPath, "db", c.dbPath, "the database: a file `PATH`, or a postgres:// URL for PostgreSQL (default $DOCKET_DB, else $XDG_DATA_HOME/docket/docket.db)")
	fs.StringVar(&c.user, "user", c.user, "act as this user `NAME` (default $DOCKET_USER, else your login name)")
	fs.IntVar(&c.maxCaseMB, "max-case-mb", c.maxCaseMB, "the largest case (document, fields, object, comment) to accept, in `MB` (default $DOCKET_MAX_CASE_MB, else 16)")
}

// printUsage prints the running command's usage, or the overview.
func (c *ctx) printUsage() {
	if c.cmd == nil {
		printHelp(c.env.Stdout)
		return
	}
	printUsage(c.env.Stdout, c.cmd)
}

// arity checks the number of positional arguments.
func (c *ctx) arity(args []string, n int) error {
	if len(args) != n {
		return c.usage()
	}
	return nil
}

// usage is the usage error of the running command: its usage line.
func (c *ctx) usage() usageError {
	return usageError{msg: "usage: " + c.cmd.synopsis(c.cmd.flagsOf()), help: "docket " + c.cmd.name + " --help"}
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
	return c.xdgDB(file)
}

// xdgDB is where file lives in the XDG data dir.
func (c *ctx) xdgDB(file string) string {
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
	if h := c.env.Host; h != nil {
		return h.Store, nil
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

// userName is the host's user, else --user, else $DOCKET_USER, else the
// OS user.
func (c *ctx) userName() string {
	if h := c.env.Host; h != nil {
		return h.User
	}
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

// readArgs checks a reading command got n arguments, then signs in to read.
func (c *ctx) readArgs(args []string, n int) (*store.Store, model.User, error) {
	if err := c.arity(args, n); err != nil {
		return nil, model.User{}, err
	}
	return c.loginToRead()
}

func (c *ctx) loginWith(open func() (*store.Store, error)) (*store.Store, model.User, error) {
	s, err := open()
	if err != nil {
		return nil, model.User{}, err
	}
	u, err := s.Login(c.userName())
	return s, u, err
}

// wantsHelp reports whether arguments ask for a command's usage.
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			return true
		}
	}
	return false
}
