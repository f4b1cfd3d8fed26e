// Command docket is a keyboard-driven case review workstation for the
// terminal. See README.md.
package main

import (
	"os"

	"docket/ui/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.OSEnv()))
}
