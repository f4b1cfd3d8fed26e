// Command docket is a keyboard-driven case review workstation for the
// terminal. See README.md.
package main

import (
	"log/slog"
	"net/http"
	"os"

	gossh "golang.org/x/crypto/ssh"

	"docket/model"
	"docket/store"
	"docket/ui"
	"docket/ui/api"
	"docket/ui/cli"
	"docket/ui/hooks"
	"docket/ui/serve"
)

func main() {
	env := cli.OSEnv()
	env.Workstation = workstation
	env.Serve = serveTeam
	os.Exit(cli.Main(os.Args[1:], env))
}

// serveTeam runs docket serve: workstations over SSH with the server's
// config.yaml, enrichment edited in the workstation itself.
func serveTeam(st *store.Store, opt cli.ServeOptions) error {
	cfg, err := ui.LoadConfig(ui.ConfigPath(os.Getenv))
	if err != nil {
		return err
	}
	return serve.Run(st, serve.Config{Addr: opt.SSHAddr, LogPath: opt.LogPath,
		Stderr: os.Stderr, Options: serve.Options{
			HostKeyPath: opt.HostKeyPath,
			Identify:    func(k gossh.PublicKey) (model.User, error) { return st.UserByKey(k) },
			Workstation: serve.Workstation(st, ui.Options{Config: cfg}),
		},
		HTTP: webAPI(st, opt),
	})
}

// webAPI is the HTTP API docket serve answers, if asked to.
func webAPI(st *store.Store, opt cli.ServeOptions) *serve.HTTP {
	if opt.HTTPAddr == "" {
		return nil
	}
	return &serve.HTTP{Addr: opt.HTTPAddr, CertFile: opt.TLSCert, KeyFile: opt.TLSKey,
		Handler: func(log *slog.Logger) http.Handler {
			var intake http.Handler
			if len(opt.WebhookSecrets) > 0 {
				intake = hooks.NewIntake(st, hooks.IntakeOptions{Secrets: opt.WebhookSecrets, User: opt.WebhookUser,
					Tolerance: opt.WebhookTolerance, Log: log})
			}
			return api.New(st, api.Options{Log: log, Rate: opt.APIRate, Burst: opt.APIBurst, Webhooks: intake})
		}}
}

// workstation runs the full-screen UI with the user's config.yaml; while it
// runs, the local command line and other local workstations join it.
func workstation(st *store.Store, user model.User) error {
	cfg, err := ui.LoadConfig(ui.ConfigPath(os.Getenv))
	if err != nil {
		return err
	}
	joined := serve.Options{Workstation: serve.Workstation(st, ui.Options{Config: cfg})}
	return serve.WithLocal(st, joined, os.Stderr, func() error {
		return ui.Run(st, user, ui.Options{Config: cfg})
	})
}
