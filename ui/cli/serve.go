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
	var web ServeOptions
	fs.StringVar(&web.HTTPAddr, "http", "", "serve the HTTP API at `ADDR` (host:port; default off; plain HTTP on loopback only)")
	fs.StringVar(&web.TLSCert, "tls-cert", "", "serve the HTTP API over TLS with this certificate `FILE` (PEM)")
	fs.StringVar(&web.TLSKey, "tls-key", "", "the TLS certificate's private key `FILE` (PEM)")
	fs.Float64Var(&web.APIRate, "api-rate", 50, "requests a second one API token may make on average (`N`; 0: no limit)")
	fs.IntVar(&web.APIBurst, "api-burst", 0, "requests one API token may make at once (`N`; default twice --api-rate)")
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
		if web.APIRate < 0 || web.APIBurst < 0 {
			return usagef("--api-rate and --api-burst cannot be negative")
		}
		opt := web
		opt.SSHAddr, opt.HostKeyPath, opt.LogPath = *addr, *hostKey, *logPath
		if opt.HostKeyPath == "" {
			opt.HostKeyPath = filepath.Join(dir, "ssh_host_ed25519")
		}
		if opt.LogPath == "" {
			opt.LogPath = filepath.Join(dir, "docket-serve.log")
		}
		return c.env.Serve(s, opt)
	}
}
