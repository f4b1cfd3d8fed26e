package cli

import (
	"flag"
	"path/filepath"
)

// runServe opens the database and serves it until a signal says stop.
func runServe(fs *flag.FlagSet) runner {
	addr := fs.String("ssh", "127.0.0.1:2323", "listen for SSH at `ADDR` (host:port; 127.0.0.1 serves this host only)")
	hostKey := fs.String("host-key", "", "the server's SSH host key `PATH` (default: ssh_host_ed25519 beside the database; made on first start)")
	logPath := fs.String("log", "", "append the log to `FILE` as well as standard error (default: docket-serve.log beside the database)")
	return func(c *ctx, rest []string) error {
		if err := c.arity(rest, 0); err != nil {
			return err
		}
		if err := c.hostedRefusal("serve"); err != nil {
			return err
		}
		if c.env.Serve == nil {
			return usagef("this docket cannot serve")
		}
		s, err := c.open()
		if err != nil {
			return err
		}
		dir := filepath.Dir(s.Path())
		opt := ServeOptions{SSHAddr: *addr, HostKeyPath: *hostKey, LogPath: *logPath}
		if opt.HostKeyPath == "" {
			opt.HostKeyPath = filepath.Join(dir, "ssh_host_ed25519")
		}
		if opt.LogPath == "" {
			opt.LogPath = filepath.Join(dir, "docket-serve.log")
		}
		return c.env.Serve(s, opt)
	}
}
