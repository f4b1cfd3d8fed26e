package cli

import (
	"errors"
	"io"
	"net"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/charmbracelet/x/term"
	gossh "golang.org/x/crypto/ssh"

	"docket/store"
)

// When another docket process holds the database (docket serve, or a
// workstation), the command line does not fail with "in use": it runs the
// command through that process, over the socket it listens on beside the
// database (see ui/serve's ListenLocal), as the same docket user, with the
// same output and exit status; with no command, the workstation joins it.

// holder connects to the process that holds the database at dbPath, if
// one answers on its socket (nil, nil when none does).
func holder(dbPath, user string) (*gossh.Client, error) {
	if store.IsServer(dbPath) {
		return nil, nil // a database server is nobody's to hold
	}
	sock := dbPath + ".sock"
	if _, err := os.Stat(sock); err != nil {
		return nil, nil
	}
	conn, err := net.DialTimeout("unix", sock, time.Second)
	if err != nil {
		return nil, nil // a socket left by a process that died
	}
	c, chans, reqs, err := gossh.NewClientConn(conn, sock, &gossh.ClientConfig{
		User: user,
		// The socket is the owner's alone and the holder checks the peer's
		// credentials; its host key says nothing more.
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         5 * time.Second,
	})
	if err != nil {
		conn.Close()
		return nil, err
	}
	return gossh.NewClient(c, chans, reqs), nil
}

// forward runs args (the command line, its global flags taken out)
// through the holder, returning the exit status.
func forward(c *ctx, client *gossh.Client, args []string) (int, error) {
	sess, err := client.NewSession()
	if err != nil {
		return 0, err
	}
	defer sess.Close()
	if dir, err := os.Getwd(); err == nil {
		sess.Setenv("DOCKET_CWD", dir)
	}
	sess.Stdin, sess.Stdout, sess.Stderr = c.env.Stdin, c.raw.Stdout, c.raw.Stderr
	return exitStatus(sess.Run(quoteArgs(args)))
}

// forwardWorkstation joins the holder with a workstation of this user on
// this terminal.
func forwardWorkstation(client *gossh.Client) (int, error) {
	fd := os.Stdin.Fd()
	if !term.IsTerminal(fd) {
		return 0, errors.New("the workstation needs a terminal")
	}
	w, h, err := term.GetSize(os.Stdout.Fd())
	if err != nil {
		return 0, err
	}
	sess, err := client.NewSession()
	if err != nil {
		return 0, err
	}
	defer sess.Close()
	termName := os.Getenv("TERM")
	if termName == "" {
		termName = "xterm-256color"
	}
	for _, v := range []string{"COLORTERM", "NO_COLOR", "LANG"} {
		if val, ok := os.LookupEnv(v); ok {
			sess.Setenv(v, val)
		}
	}
	if err := sess.RequestPty(termName, h, w, gossh.TerminalModes{}); err != nil {
		return 0, err
	}
	state, err := term.MakeRaw(fd)
	if err != nil {
		return 0, err
	}
	defer term.Restore(fd, state)
	sess.Stdin, sess.Stdout, sess.Stderr = os.Stdin, os.Stdout, os.Stderr
	resized := make(chan os.Signal, 1)
	signal.Notify(resized, syscall.SIGWINCH)
	defer signal.Stop(resized)
	go func() {
		for range resized {
			if w, h, err := term.GetSize(os.Stdout.Fd()); err == nil {
				sess.WindowChange(h, w)
			}
		}
	}()
	if err := sess.Shell(); err != nil {
		return 0, err
	}
	return exitStatus(sess.Wait())
}

func exitStatus(err error) (int, error) {
	var exit *gossh.ExitError
	switch {
	case err == nil:
		return exitOK, nil
	case errors.As(err, &exit):
		return exit.ExitStatus(), nil
	case errors.Is(err, io.EOF):
		return exitRefused, errors.New("the docket process that holds the database went away")
	}
	return 0, err
}

// quoteArgs joins arguments for the holder to split again (single quotes,
// as a shell would read them).
func quoteArgs(args []string) string {
	var parts []string
	for _, a := range args {
		parts = append(parts, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	return strings.Join(parts, " ")
}

// globalFlagNames are the flags of this process, not of the command: the
// holder has its own database and limit, and the user goes as the
// connection's.
var globalFlagNames = []string{"db", "user", "max-case-mb"}

// withoutGlobals drops the global flags (and their values) from args.
func withoutGlobals(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(out, args[i:]...)
		}
		name, _, inline := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && slices.Contains(globalFlagNames, name) {
			if !inline && i+1 < len(args) {
				i++ // its value
			}
			continue
		}
		out = append(out, a)
	}
	return out
}

// throughHolder runs the command line through the process that holds
// the database, if one answers; ran says whether it did.
func (c *ctx) throughHolder(cmd *command, args []string) (ran bool, err error) {
	if !c.env.Forwarding || c.env.Host != nil {
		return false, nil
	}
	join := cmd == nil || cmd.name == "demo" && !slices.Contains(args, "--no-ui")
	path := c.defaultDB("docket.db")
	switch {
	case cmd != nil && cmd.name == "demo":
		if !join {
			return false, nil
		}
		path = c.defaultDB("demo.db")
	case cmd != nil && (cmd.name == "help" || cmd.name == "serve"):
		return false, nil
	}
	client, err := holder(path, c.userName())
	if err != nil || client == nil {
		return false, err
	}
	defer client.Close()
	var code int
	if join {
		code, err = forwardWorkstation(client)
	} else {
		code, err = forward(c, client, withoutGlobals(args))
	}
	if err == nil && code != exitOK {
		err = exitCode(code)
	}
	return true, err
}

// exitCode is an error that is only an exit status: what a command run
// through the holder ended with (it has said why itself).
type exitCode int

func (e exitCode) Error() string { return "exit status " + strconv.Itoa(int(e)) }
