// Package serve is docket serve: one process owns the database and serves
// the whole team over SSH. A connection is the user its key belongs to; a
// session with a command runs the command line as that user, with its
// standard streams and exit status carried back; a session with a
// terminal gets a workstation of its own. Every path goes through the
// same store and its rules, and the store's change feed keeps every
// workstation live.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	bm "github.com/charmbracelet/wish/bubbletea"
	gossh "golang.org/x/crypto/ssh"

	"docket/model"
	"docket/store"
	"docket/ui"
	"docket/ui/cli"
)

// DefaultAddr is where docket serve listens unless told otherwise: this
// host only.
const DefaultAddr = "127.0.0.1:2323"

// Options configure a server.
type Options struct {
	// HostKeyPath is the server's private key, created (0600) on first
	// start.
	HostKeyPath string
	// Log hears connections, users, commands and refusals (never case
	// data). Nil: nothing is logged.
	Log *slog.Logger
	// Identify names the user an SSH key belongs to (a not-found error for
	// a key no one has).
	Identify func(gossh.PublicKey) (model.User, error)
	// Workstation makes the program of a terminal session for a user.
	Workstation func(sess ssh.Session, u model.User) (*ui.Program, error)
}

// Server serves one store over SSH.
type Server struct {
	st  *store.Store
	opt Options
	log *slog.Logger

	closing  atomic.Bool
	sessions sync.WaitGroup // sessions being served
	count    atomic.Int64   // how many
	mu       sync.Mutex
	programs map[*ui.Program]bool // workstations running
	servers  []*ssh.Server        // what Serve and ServeLocal run
}

// New makes a server for st; Serve and ServeLocal start it.
func New(st *store.Store, opt Options) (*Server, error) {
	s := &Server{st: st, opt: opt, log: opt.Log, programs: map[*ui.Program]bool{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// Serve accepts SSH connections on ln until Shutdown; a connection is the
// user its key belongs to (Options.Identify).
func (s *Server) Serve(ln net.Listener) error {
	if s.opt.Identify == nil {
		return errors.New("serve: no way to identify keys")
	}
	if err := os.MkdirAll(filepath.Dir(s.opt.HostKeyPath), 0o700); err != nil {
		return fmt.Errorf("host key directory: %w", err)
	}
	srv, err := wish.NewServer(
		wish.WithHostKeyPath(s.opt.HostKeyPath),
		wish.WithPublicKeyAuth(s.authenticate),
		ssh.EmulatePty(),
		wish.WithMiddleware(s.handle),
	)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return s.serve(srv, ln, "ssh")
}

// serve runs one of the server's SSH servers on ln until Shutdown.
func (s *Server) serve(srv *ssh.Server, ln net.Listener, what string) error {
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		ln.Close()
		return nil
	}
	s.servers = append(s.servers, srv)
	s.mu.Unlock()
	s.log.Info("serving", "on", what, "addr", ln.Addr().String(), "db", s.st.Path())
	err := srv.Serve(ln)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting connections, tells every workstation the
// server is shutting down, and waits, until ctx is done, for the sessions
// to end (commands run to their end, so their writes are kept). It does
// not close the store: the caller does, once Shutdown returns.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing.Store(true)
	s.log.Info("shutting down")
	for p := range s.programs {
		p.Shutdown("server shutting down")
	}
	servers := slices.Clone(s.servers)
	s.mu.Unlock()
	// Shutdown closes the listeners at once, then waits for connections to
	// go idle, which a client may never let happen: the sessions are
	// what is waited for, then every connection is closed.
	for _, srv := range servers {
		go srv.Shutdown(ctx)
	}
	done := make(chan struct{})
	go func() { s.sessions.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("serve: sessions still open at shutdown: %w", ctx.Err())
	}
	for _, srv := range servers {
		srv.Close()
	}
	return err
}

// active is how many sessions are being served.
func (s *Server) active() int { return int(s.count.Load()) }

// Context keys of what authentication found.
type ctxKey int

const (
	userKey ctxKey = iota // model.User: the key's user
	keyKey                // gossh.PublicKey: a key no one has
)

// authenticate accepts every public key, noting whose it is: a key no
// one has gets a session that only says how to register it. Password and
// keyboard-interactive authentication are not offered.
func (s *Server) authenticate(ctx ssh.Context, key ssh.PublicKey) bool {
	u, err := s.opt.Identify(key)
	if err != nil {
		ctx.SetValue(keyKey, key)
		return true
	}
	ctx.SetValue(userKey, u)
	return true
}

// handle serves one session.
func (s *Server) handle(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		s.sessions.Add(1)
		s.count.Add(1)
		defer s.sessions.Done()
		defer s.count.Add(-1)
		defer next(sess)
		local, _ := sess.Context().Value(localKey).(bool)
		u, known := sess.Context().Value(userKey).(model.User)
		if local {
			var err error
			if u, err = s.st.Login(sess.User()); err != nil {
				fmt.Fprintf(sess.Stderr(), "docket: %v\n", err)
				sess.Exit(1)
				return
			}
			known = true
		}
		remote := sess.RemoteAddr().String()
		if local {
			remote = "local socket"
		}
		switch {
		case !known:
			key, _ := sess.Context().Value(keyKey).(gossh.PublicKey)
			s.refuseKey(sess, key)
		case s.closing.Load():
			fmt.Fprintln(sess.Stderr(), "docket: the server is shutting down")
			sess.Exit(1)
		case len(sess.RawCommand()) > 0:
			s.runCommand(sess, u, remote, local)
		default:
			s.runWorkstation(sess, u, remote)
		}
	}
}

// refuseKey tells the holder of an unknown key how to be let in.
func (s *Server) refuseKey(sess ssh.Session, key gossh.PublicKey) {
	line := "KEYFILE"
	fp := "(no key)"
	if key != nil {
		line = strings.TrimSpace(string(gossh.MarshalAuthorizedKey(key)))
		fp = gossh.FingerprintSHA256(key)
	}
	s.log.Warn("refused an unregistered key", "remote", sess.RemoteAddr().String(), "key", fp)
	fmt.Fprintf(sess.Stderr(), "docket: this key is not registered; ask an admin to run: docket user key add NAME - <<< '%s'\n", line)
	sess.Exit(1)
}

// runCommand runs the docket command line as the key's user on the
// server's store, its streams and exit status the session's.
func (s *Server) runCommand(sess ssh.Session, u model.User, remote string, local bool) {
	args := sess.Command()
	began := time.Now()
	host := &cli.Host{Store: s.st, User: u.Name, Remote: !local}
	if local {
		host.Dir = environ(sess, "DOCKET_CWD")
	}
	env := cli.Env{Stdin: sess, Stdout: sess, Stderr: sess.Stderr(), Getenv: func(string) string { return "" }, Host: host}
	code := cli.Main(args, env)
	// The command's words, never its arguments: those carry case data.
	s.log.Info("command", "user", u.Name, "remote", remote, "command", commandWords(args), "exit", code,
		"took", time.Since(began).Round(time.Millisecond).String())
	sess.Exit(code)
}

// commandWords is the command an argument list names ("case status"),
// without the data it carries.
func commandWords(args []string) string {
	var words []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") || len(words) == 2 {
			break
		}
		words = append(words, a)
	}
	return strings.Join(words, " ")
}

// runWorkstation runs a workstation on the session's terminal.
func (s *Server) runWorkstation(sess ssh.Session, u model.User, remote string) {
	if _, _, ok := sess.Pty(); !ok {
		fmt.Fprintln(sess.Stderr(), "docket: the workstation needs a terminal: connect with ssh -t, or give a command (ssh … case list)")
		sess.Exit(2)
		return
	}
	p, err := s.opt.Workstation(sess, u)
	if err != nil {
		fmt.Fprintf(sess.Stderr(), "docket: %v\n", err)
		sess.Exit(1)
		return
	}
	s.track(p, true)
	defer s.track(p, false)
	s.log.Info("workstation", "user", u.Name, "remote", remote)
	ctx, cancel := context.WithCancel(sess.Context())
	defer cancel()
	_, windows, _ := sess.Pty()
	go func() {
		for {
			select {
			case <-ctx.Done():
				p.Kill() // the client went away
				return
			case w := <-windows:
				p.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
			}
		}
	}()
	if s.closing.Load() { // shut down between the check and the track
		p.Shutdown("server shutting down")
	}
	err = p.Run()
	s.log.Info("workstation closed", "user", u.Name, "remote", remote, "error", errText(err))
	sess.Exit(0)
}

func (s *Server) track(p *ui.Program, on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if on {
		s.programs[p] = true
	} else {
		delete(s.programs, p)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Workstation makes the workstation program of a terminal session: the
// workstation on st as the user, on the session's streams and window,
// in the client's colours, live on the store's change feed.
func Workstation(st *store.Store, opts ui.Options) func(ssh.Session, model.User) (*ui.Program, error) {
	return func(sess ssh.Session, u model.User) (*ui.Program, error) {
		pty, _, _ := sess.Pty()
		o := opts
		o.Renderer = bm.MakeRenderer(sess)
		return ui.NewProgram(st, u, o, ui.Terminal{In: sess, Out: sess,
			Width: pty.Window.Width, Height: pty.Window.Height,
			Environ: append(sess.Environ(), "TERM="+pty.Term)})
	}
}

// environ is a variable the session's client set ("" if not).
func environ(sess ssh.Session, name string) string {
	for _, kv := range sess.Environ() {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}
