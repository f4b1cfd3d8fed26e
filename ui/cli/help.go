package cli

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
)

// runner runs a command on its positional arguments, once its flags are
// parsed.
type runner func(c *ctx, args []string) error

// command is one command or subcommand of the command line.
type command struct {
	name     string   // its words: "case status"
	args     string   // what follows them: "REF... STATUS"
	required []string // flags it cannot do without, shown outside brackets
	about    string   // what it does
	// define adds the command's flags to a flag set and returns what runs
	// it. Usage and help are written from that same flag set, so they
	// list exactly the flags the command parses.
	define func(fs *flag.FlagSet) runner
}

// bulkNote is what status, assign, tag and sla say about acting on a whole
// queue.
const bulkNote = " Takes several REFs, or every case of --queue Q and its filters; each case is checked on its own."

// commands lists every command, in the order help shows them.
func commands() []command {
	return []command{
		{name: "demo", about: "Create (or reuse) the demo database and open the workstation on it as you, a lead.", define: runDemo},
		{name: "import", args: "FILE...", about: "(leads) Import Persona case documents: a case, a list or a webhook event, one per file or one per line; - reads standard input.", define: runImport},
		{name: "export", about: "(leads) Write the cases of a queue as Persona JSON lines (jsonl: with docket's extension, which import reads back; persona: Persona's own shape) or CSV.", define: runExport},
		{name: "case list", about: "List a queue, most urgent first (SLA deadline, then age).", define: caseList},
		{name: "case show", args: "REF", about: "Show a case: objects, related cases, whether its audit trail verifies, fields. REF is a case id or name (KYC-118).", define: caseShow},
		{name: "case create", required: []string{"workflow"}, about: "Open a new case in the workflow's initial status.", define: caseCreate},
		{name: "case status", args: "REF... STATUS", about: "Move cases to a status (statuses with spaces need no quotes)." + bulkNote, define: caseStatus},
		{name: "case assign", args: "REF... USER", about: "Give cases to a user (leads; a reviewer may take an unassigned case)." + bulkNote, define: caseAssign},
		{name: "case claim", args: "REF", about: "Take a case: it becomes yours.", define: caseClaim},
		{name: "case unassign", args: "REF", about: "Give a case back to Unassigned.", define: caseUnassign},
		{name: "case next", about: "Take the most urgent unassigned case you may (your teams, the workflow's cap).", define: caseNext},
		{name: "case tag", args: "REF... +tag -tag ...", about: "Add (+) and remove (-) tags." + bulkNote, define: caseTag},
		{name: "case sla", args: "REF... DURATION|clear", about: "(leads) Set a new deadline from now (4h, 3d) or clear it." + bulkNote, define: caseSLA},
		{name: "case comment", args: "REF TEXT", about: "Comment on a case.", define: caseComment},
		{name: "case enrich", args: "REF FILE|-", about: "Merge a JSON merge patch (RFC 7386) into the case's fields.", define: caseEnrich},
		{name: "case attach", args: "REF FILE|-", about: "Attach a Persona object document (inquiry, account, report/…); an inquiry or account that names someone sets the case's subject.", define: caseAttach},
		{name: "case detach", args: "REF OBJECT-ID", about: "Detach an object from a case.", define: caseDetach},
		{name: "case history", args: "REF", about: "Audit events and comments, newest first, and whether the trail verifies.", define: caseHistory},
		{name: "case redact", args: "REF", about: "(leads) Drop the case's fields, object attributes and comment text, then compact the file.", define: caseRedact},
		{name: "user add", args: "NAME", about: "(admins) Add a user.", define: userAdd},
		{name: "user list", about: "List the users.", define: userList},
		{name: "user set", args: "NAME", about: "Change a user: role, email and teams (admins), availability (your own; leads anyone's).", define: userSet},
		{name: "user key add", args: "NAME KEYFILE|-", about: "(admins) Give a user an SSH public key to sign in to docket serve with: one line of a .pub or authorized_keys file; - reads standard input.", define: userKeyAdd},
		{name: "user key list", args: "NAME", about: "A user's SSH keys: fingerprint, type, comment, when added and by whom (admins; anyone their own).", define: userKeyList},
		{name: "user key remove", args: "NAME FINGERPRINT", about: "(admins) Take an SSH key away from a user; FINGERPRINT as user key list prints it.", define: userKeyRemove},
		{name: "user token create", args: "NAME", about: "Make an API token for the HTTP API, acting as NAME (admins; anyone for themselves). It is printed once; docket keeps only a digest.", define: userTokenCreate},
		{name: "user token list", args: "NAME", about: "A user's API tokens: id, label, when made and by whom, expiry (admins; anyone their own).", define: userTokenList},
		{name: "user token revoke", args: "NAME ID", about: "Revoke an API token at once (admins; anyone their own); ID as user token list prints it.", define: userTokenRevoke},
		{name: "webhook add", args: "URL", required: []string{"events"}, about: "(admins) Send case events to URL as Persona-style event documents, signed (Docket-Signature) with a secret docket makes and prints once, or --secret-file's.", define: webhookAdd},
		{name: "webhook list", about: "(admins) The webhooks: id, URL, events, when added and by whom (never their secrets).", define: webhookList},
		{name: "webhook remove", args: "ID", about: "(admins) End a webhook; what it still had pending is marked failed.", define: webhookRemove},
		{name: "webhook deliveries", about: "(admins) Webhook deliveries, newest first: event, case, state, attempts, last answer, next attempt or when done.", define: webhookDeliveries},
		{name: "webhook received", about: "(leads) What Persona's webhooks brought: each event name's count by outcome (applied, unchanged, unused, refused) and the latest events.", define: webhookReceived},
		{name: "workflow list", about: "List the workflows.", define: workflowList},
		{name: "workflow show", args: "ID", about: "Print a workflow's YAML.", define: workflowShow},
		{name: "workflow check", args: "FILE...", about: "Validate workflow files without loading them.", define: workflowCheck},
		{name: "workflow load", args: "FILE...", about: "(admins) Add or replace workflows.", define: workflowLoad},
		{name: "workflow from-persona", args: "FILE|-", about: "Turn a Persona case-template document into a workflow's YAML (on standard output) to review, then check and load.", define: workflowFromPersona},
		{name: "assign", required: []string{"auto"}, about: "(leads) Hand out unassigned cases by each workflow's policy.", define: runAssign},
		{name: "workload", about: "(leads) Each user's open, overdue and decided-today cases.", define: runWorkload},
		{name: "stats", about: "Cases created and decided, time to decision, SLA breaches, per workflow and reviewer (a reviewer sees their own decisions).", define: runStats},
		{name: "check", about: "Verify the file, its indexes and every audit chain.", define: runCheck},
		{name: "backup", args: "FILE", about: "(admins) Write a verified, consistent copy, even while the workstation runs.", define: runBackup},
		{name: "restore", args: "FILE", about: "(admins) Check a backup, then put it in place (not while in use).", define: runRestore},
		{name: "compact", about: "(admins) Rewrite the file without its free pages (on PostgreSQL: VACUUM FULL).", define: runCompact},
		{name: "copy", required: []string{"to"}, about: "(admins) Copy the whole database into a new one, between bbolt and PostgreSQL either way: audit chains, users, keys, tokens, webhooks and all.", define: runCopy},
		{name: "serve", about: "Serve the database to the whole team over SSH: each key's user gets the workstation (ssh -p 2323 HOST) or runs commands (ssh -p 2323 HOST case list).", define: runServe},
		{name: "help", args: "[COMMAND]", about: "This list, or one command's usage and flags.", define: runHelp},
	}
}

// lookup finds the command the leading words name, and how many words
// that took.
func lookup(words []string) (*command, int) {
	all := commands()
	for i := range all {
		parts := strings.Fields(all[i].name)
		if len(words) >= len(parts) && slices.Equal(words[:len(parts)], parts) {
			return &all[i], len(parts)
		}
	}
	return nil, 0
}

// group lists the commands under the leading words of a group, such as
// "case" or "user key" (none for words that name a command).
func group(words string) []*command {
	var out []*command
	all := commands()
	for i := range all {
		if strings.HasPrefix(all[i].name, words+" ") {
			out = append(out, &all[i])
		}
	}
	return out
}

// groupOf finds the longest group the leading words name ("user key"
// before "user"), and how many words that took.
func groupOf(words []string) (string, []*command, int) {
	for n := min(len(words), 2); n > 0; n-- {
		name := strings.Join(words[:n], " ")
		if cmds := group(name); len(cmds) > 0 {
			return name, cmds, n
		}
	}
	return "", nil, 0
}

// subcommandNames lists the words that may follow a group's name: "list,
// show, ..." (a nested group's word once).
func subcommandNames(name string, cmds []*command) string {
	var names []string
	for _, c := range cmds {
		next := strings.Fields(strings.TrimPrefix(c.name, name+" "))[0]
		if !slices.Contains(names, next) {
			names = append(names, next)
		}
	}
	return strings.Join(names, ", ")
}

// flagsOf builds a command's flag set as it parses it, without the global
// flags.
func (cmd *command) flagsOf() *flag.FlagSet {
	fs := flag.NewFlagSet(cmd.name, flag.ContinueOnError)
	cmd.define(fs)
	return fs
}

// globalFlags are the flags every command takes (see addGlobals).
func globalFlags() *flag.FlagSet {
	fs := flag.NewFlagSet("docket", flag.ContinueOnError)
	newCtx(Env{}).addGlobals(fs)
	return fs
}

// synopsis is the command's usage line: its words, arguments and every
// flag it parses.
func (cmd *command) synopsis(fs *flag.FlagSet) string {
	return strings.Join(cmd.terms(fs), " ")
}

// terms are the synopsis's parts, each kept whole on a line: "docket",
// "case", "list", "[--limit N]", ...
func (cmd *command) terms(fs *flag.FlagSet) []string {
	terms := append([]string{"docket"}, strings.Fields(cmd.name)...)
	for _, name := range cmd.required {
		terms = append(terms, flagTerm(fs.Lookup(name)))
	}
	terms = append(terms, strings.Fields(cmd.args)...)
	fs.VisitAll(func(f *flag.Flag) {
		if !slices.Contains(cmd.required, f.Name) {
			term := "[" + flagTerm(f) + "]"
			if isRepeatable(f) {
				term += "..."
			}
			terms = append(terms, term)
		}
	})
	return terms
}

// flagTerm is a flag as a usage line writes it: "--limit N", "--json".
func flagTerm(f *flag.Flag) string {
	value, _ := flag.UnquoteUsage(f)
	if isBoolFlag(f) {
		return "--" + f.Name
	}
	return "--" + f.Name + " " + value
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

func isRepeatable(f *flag.Flag) bool {
	_, ok := f.Value.(*multi)
	return ok
}

// printUsage writes one command's usage, what it does and each of its
// flags.
func printUsage(w io.Writer, cmd *command) {
	fs := cmd.flagsOf()
	fmt.Fprintln(w, wrap("usage: ", cmd.terms(fs), 80, "         "))
	fmt.Fprintln(w)
	fmt.Fprintln(w, wrap("", strings.Fields(cmd.about), 80, ""))
	if n := countFlags(fs); n > 0 {
		fmt.Fprintln(w, "\nflags:")
		printFlags(w, fs)
	}
	fmt.Fprintln(w, "\nglobal flags (every command):")
	printFlags(w, globalFlags())
}

// printGroup writes the usage lines of a group's subcommands.
func printGroup(w io.Writer, word string, cmds []*command) {
	fmt.Fprintf(w, "docket %s has these subcommands; docket %s SUBCOMMAND --help describes one:\n\n", word, word)
	for _, cmd := range cmds {
		printEntry(w, cmd)
	}
}

// printEntry is a command's line in the overview: its synopsis and what
// it does.
func printEntry(w io.Writer, cmd *command) {
	fmt.Fprintln(w, wrap("  ", cmd.terms(cmd.flagsOf()), 80, "        "))
	fmt.Fprintln(w, wrap("      ", strings.Fields(cmd.about), 80, "      "))
}

func countFlags(fs *flag.FlagSet) int {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n
}

// printFlags lists flags with what each does and its default.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		_, usage := flag.UnquoteUsage(f)
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		if isRepeatable(f) {
			usage += " (repeatable)"
		}
		term, indent := flagTerm(f), strings.Repeat(" ", 25)
		if len(term) < 22 {
			fmt.Fprintln(w, wrap(fmt.Sprintf("  %-22s ", term), strings.Fields(usage), 80, indent))
			return
		}
		fmt.Fprintf(w, "  %s\n%s\n", term, wrap(indent, strings.Fields(usage), 80, indent))
	})
}

// printHelp writes the overview: every command with every flag it takes.
func printHelp(w io.Writer) {
	fmt.Fprintln(w, "docket: a keyboard-driven case review workstation")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "usage: docket [--db PATH] [--user NAME] [--max-case-mb MB] [COMMAND [ARGS] [FLAGS]]")
	fmt.Fprintln(w, "Without a command, docket opens the workstation on your queue.")
	fmt.Fprintln(w, "\ncommands:")
	all := commands()
	for i := range all {
		printEntry(w, &all[i])
	}
	fmt.Fprintln(w, "\nglobal flags (every command):")
	printFlags(w, globalFlags())
	fmt.Fprint(w, `
docket COMMAND --help (or docket help COMMAND) describes each flag of a command.
Exit status: 0 done, 1 refused or invalid input, 2 usage error, 3 done
but a redaction's bytes stay in the file until docket compact succeeds.
`)
}

func runHelp(fs *flag.FlagSet) runner {
	return func(c *ctx, args []string) error {
		w := c.env.Stdout
		if len(args) == 0 {
			printHelp(w)
			return nil
		}
		if cmd, n := lookup(args); cmd != nil && n == len(args) {
			printUsage(w, cmd)
			return nil
		}
		if name, cmds, n := groupOf(args); len(cmds) > 0 && n == len(args) {
			printGroup(w, name, cmds)
			return nil
		}
		return usagef("help: no command %q", strings.Join(args, " "))
	}
}

// wrap writes prefix as it is, then the words separated by spaces,
// breaking lines between words so that none passes width characters
// (unless one word does); the lines after the first start with indent.
func wrap(prefix string, words []string, width int, indent string) string {
	var b strings.Builder
	line, fresh := prefix, true
	for _, word := range words {
		switch {
		case fresh:
			line += word
		case runeLen(line)+1+runeLen(word) > width:
			b.WriteString(line + "\n")
			line = indent + word
		default:
			line += " " + word
		}
		fresh = false
	}
	b.WriteString(line)
	return b.String()
}

func runeLen(s string) int { return len([]rune(s)) }
