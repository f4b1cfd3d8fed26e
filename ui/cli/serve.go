package cli

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"docket/store"
	"docket/ui/hooks"
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
	secretFile := fs.String("webhook-secret-file", "", "answer Persona's webhooks at /webhooks/persona, signed with a secret in this `FILE` (one a line; 0600)")
	fs.StringVar(&web.WebhookUser, "webhook-user", "", "the `USER` (a lead or admin) Persona's webhook events act as")
	fs.DurationVar(&web.WebhookTolerance, "webhook-tolerance", hooks.DefaultTolerance, "refuse a webhook signed further than `DURATION` from now")
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
		if err := webhookIntake(s, &web, *secretFile); err != nil {
			return err
		}
		dir := filepath.Dir(s.Path())
		if store.IsServer(s.Path()) {
			// A database server has no directory of its own: the host key
			// and the log live in the XDG data dir.
			dir = filepath.Dir(c.xdgDB("docket.db"))
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
		}
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

// webhookIntake checks what Persona's webhooks need before the server
// starts: the API, the secrets, a user who may import.
func webhookIntake(s *store.Store, web *ServeOptions, secretFile string) error {
	switch {
	case secretFile == "" && web.WebhookUser == "":
		return nil
	case secretFile == "" || web.WebhookUser == "":
		return usagef("Persona's webhooks need both --webhook-secret-file and --webhook-user")
	case web.HTTPAddr == "":
		return usagef("Persona's webhooks arrive over HTTP: give --http ADDR too")
	case web.WebhookTolerance <= 0:
		return usagef("--webhook-tolerance must be more than 0")
	}
	secrets, err := hooks.ReadSecretFile(secretFile)
	if err != nil {
		return err
	}
	if err := s.CheckEventActor(web.WebhookUser); err != nil {
		return fmt.Errorf("--webhook-user %s: %w", web.WebhookUser, err)
	}
	web.WebhookSecrets = secrets
	return nil
}
