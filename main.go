// Command docket is a keyboard-driven case review workstation for the
// terminal. See README.md.
package main

import (
	"os"

	"docket/model"
	"docket/store"
	"docket/ui"
	"docket/ui/cli"
)

func main() {
	env := cli.OSEnv()
	env.Workstation = workstation
	os.Exit(cli.Main(os.Args[1:], env))
}

// workstation runs the full-screen UI with the user's config.yaml.
func workstation(st *store.Store, user model.User) error {
	cfg, err := ui.LoadConfig(ui.ConfigPath(os.Getenv))
	if err != nil {
		return err
	}
	return ui.Run(st, user, ui.Options{Config: cfg})
}
