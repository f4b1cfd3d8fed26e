package serve

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/charmbracelet/ssh"
	"github.com/charmbracelet/wish"
	gossh "golang.org/x/crypto/ssh"

	"docket/store"
)

// A process that holds the database (docket serve, or a workstation) also
// listens on a unix socket beside it, so that the local command line, and
// a second local workstation, run through it instead of failing with "in
// use". The socket is the file owner's alone (0600) and each connection's
// peer credentials must be that owner's: a local caller has the file
// anyway, so it is trusted to say which docket user it acts as, as the
// local command line always is.

// SocketPath is the socket beside a database.
func SocketPath(dbPath string) string { return dbPath + ".sock" }

// ListenLocal listens on the socket beside the database, taking the place
// of a socket left by a process that died (nothing answers on it).
func ListenLocal(dbPath string) (net.Listener, error) {
	path := SocketPath(dbPath)
	if len(path) >= 108 { // sun_path
		return nil, fmt.Errorf("the socket path %s is too long for a unix socket", path)
	}
	if c, err := net.DialTimeout("unix", path, 200*time.Millisecond); err == nil {
		c.Close()
		return nil, fmt.Errorf("another docket process answers on %s", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	old := syscall.Umask(0o177) // the socket is created 0600
	ln, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, err
	}
	return ln, nil
}

// ServeLocal serves the local socket until Shutdown: sessions act as the
// docket user the caller names (its SSH user name). Its host key is made
// afresh: the caller trusts the socket, not a key.
func (s *Server) ServeLocal(ln net.Listener) error {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		return err
	}
	srv, err := wish.NewServer(
		func(srv *ssh.Server) error { srv.AddHostKey(signer); return nil },
		ssh.EmulatePty(),
		ssh.WrapConn(s.sameOwner),
		wish.WithMiddleware(s.handle),
	)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return s.serve(srv, ln, "local socket")
}

// localKey marks a session that came through the local socket.
const localKey ctxKey = 100

// sameOwner lets in only a process of the database file's owner.
func (s *Server) sameOwner(ctx ssh.Context, conn net.Conn) net.Conn {
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		return nil
	}
	uid, err := peerUID(uc)
	owner := fileOwner(s.st.Path())
	if err != nil || uid != owner {
		s.log.Warn("refused a local connection", "uid", uid, "owner", owner, "error", errText(err))
		return nil
	}
	ctx.SetValue(localKey, true)
	return conn
}

// peerUID is the user id of the process at the other end of a unix
// socket.
func peerUID(c *net.UnixConn) (int, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return -1, err
	}
	uid := -1
	var credErr error
	err = raw.Control(func(fd uintptr) {
		cred, err := syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
		if err != nil {
			credErr = err
			return
		}
		uid = int(cred.Uid)
	})
	if err == nil {
		err = credErr
	}
	return uid, err
}

// fileOwner is the user id that owns a file (-2 when it cannot be told).
func fileOwner(path string) int {
	fi, err := os.Stat(path)
	if err != nil {
		return -2
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid)
	}
	return -2
}

// WithLocal runs fn (a workstation on this terminal) while serving the
// local socket, so that the command line and other local workstations
// join this process. When fn ends while other workstations are joined,
// it waits for them (or for an interrupt, which ends them) before it
// returns and the caller closes the store.
func WithLocal(st *store.Store, opt Options, stderr io.Writer, fn func() error) error {
	if store.IsServer(st.Path()) {
		return fn() // others open the database server themselves
	}
	ln, err := ListenLocal(st.Path())
	if err != nil {
		fmt.Fprintf(stderr, "docket: warning: others cannot join this workstation: %v\n", err)
		return fn()
	}
	srv, _ := New(st, opt)
	go srv.ServeLocal(ln)
	defer os.Remove(SocketPath(st.Path()))
	err = fn()
	if n := srv.active(); n > 0 {
		fmt.Fprintf(stderr, "docket: %d other session(s) joined this workstation; waiting for them to end (ctrl+c ends them now)\n", n)
		interrupt := make(chan os.Signal, 1)
		signal.Notify(interrupt, os.Interrupt, syscall.SIGTERM)
		defer signal.Stop(interrupt)
		idle := make(chan struct{})
		go func() { srv.sessions.Wait(); close(idle) }()
		select {
		case <-idle:
		case <-interrupt:
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if serr := srv.Shutdown(ctx); err == nil {
		err = serr
	}
	return err
}
