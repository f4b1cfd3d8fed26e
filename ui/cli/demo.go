package cli

import (
	"flag"
	"fmt"
	"os"

	"docket/store/demo"
)

func runDemo(fs *flag.FlagSet) runner {
	cases := fs.Int("cases", 300, "generate `N` cases")
	seed := fs.Uint64("seed", 1, "the random `SEED` (same seed, same data)")
	noUI := fs.Bool("no-ui", false, "only write the database; do not open the workstation")
	personaOut := fs.String("persona", "", "also write the cases as Persona JSON lines to `FILE`")
	return func(c *ctx, rest []string) error {
		if err := c.arity(rest, 0); err != nil {
			return err
		}
		if *cases <= 0 {
			return usagef("demo: --cases must be positive")
		}
		path := c.defaultDB("demo.db")
		me := c.userName()
		opt := demo.Options{Cases: *cases, Seed: *seed, OSUser: me}
		if *personaOut != "" {
			f, err := os.OpenFile(*personaOut, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600) // personal data, if invented
			if err != nil {
				return err
			}
			defer f.Close()
			opt.Persona = f
		}
		if c.env.StderrIsTerminal {
			opt.Progress = func(done, total int) {
				fmt.Fprintf(c.raw.Stderr, "\r\033[Kgenerating %d/%d cases", done, total)
			}
		}
		sum, err := demo.Generate(path, opt)
		if opt.Progress != nil {
			fmt.Fprint(c.raw.Stderr, "\r\033[K")
		}
		if err != nil {
			return err
		}
		if sum.Created {
			fmt.Fprintf(c.env.Stderr, "demo database %s: %d cases generated\n", path, sum.Cases)
		} else {
			fmt.Fprintf(c.env.Stderr, "demo database %s: reusing its %d cases\n", path, sum.Cases)
		}
		if *noUI {
			return nil
		}
		c.dbPath, c.user = path, me
		return runWorkstation(c)
	}
}
