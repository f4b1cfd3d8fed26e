package cli

import (
	"flag"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// flagNames lists the flags of a flag set.
func flagNames(fs *flag.FlagSet) []string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return names
}

// Every command and subcommand prints its usage for -h and --help, with
// every flag its flag set parses, exits 0 and does nothing else: no
// database is created (issue 10 item 3: they printed nothing).
func TestEveryCommandHelpListsEveryFlag(t *testing.T) {
	h := newHarness(t)
	globals := flagNames(globalFlags())
	for _, cmd := range commands() {
		fs := cmd.flagsOf()
		for _, help := range []string{"--help", "-h"} {
			args := append(strings.Fields(cmd.name), help)
			code, out, errOut := h.run("", args...)
			if code != 0 || errOut != "" {
				t.Errorf("docket %s: exit %d, stderr %q", strings.Join(args, " "), code, errOut)
			}
			if !strings.HasPrefix(out, "usage: docket "+cmd.name) {
				t.Errorf("docket %s prints no usage:\n%s", strings.Join(args, " "), out)
			}
			for _, name := range append(flagNames(fs), globals...) {
				if !strings.Contains(out, "--"+name+" ") && !strings.Contains(out, "--"+name+"\n") {
					t.Errorf("docket %s does not describe --%s:\n%s", strings.Join(args, " "), name, out)
				}
			}
		}
		// docket help CMD says the same.
		_, want, _ := h.run("", append(strings.Fields(cmd.name), "--help")...)
		if got := h.ok(append([]string{"help"}, strings.Fields(cmd.name)...)...); got != want {
			t.Errorf("docket help %s differs from docket %s --help", cmd.name, cmd.name)
		}
	}
	if left, _ := os.ReadDir(h.dir); len(left) > 0 {
		t.Fatalf("asking for help wrote %s (a database?)", left[0].Name())
	}
}

// docket --help, -h and help list every command with every flag that
// works (case create --sla was missing), in one entry per command.
func TestOverviewListsEveryCommandAndFlag(t *testing.T) {
	h := newHarness(t)
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}, {"--user", "ada", "--help"}} {
		code, out, errOut := h.run("", args...)
		if code != 0 || errOut != "" {
			t.Fatalf("docket %v: exit %d, stderr %q", args, code, errOut)
		}
		entries := overviewEntries(out)
		for _, cmd := range commands() {
			entry, ok := entries[cmd.name]
			if !ok {
				t.Errorf("docket %v does not list %q:\n%s", args, cmd.name, out)
				continue
			}
			for _, name := range flagNames(cmd.flagsOf()) {
				if !strings.Contains(entry, "--"+name+" ") && !strings.Contains(entry, "--"+name+"]") {
					t.Errorf("docket %v: %s lacks --%s: %s", args, cmd.name, name, entry)
				}
			}
		}
		if !strings.Contains(entries["case create"], "[--sla DURATION]") {
			t.Errorf("help omits case create --sla: %s", entries["case create"])
		}
		for _, name := range flagNames(globalFlags()) {
			if !strings.Contains(out, "  --"+name+" ") {
				t.Errorf("docket %v does not describe the global --%s", args, name)
			}
		}
	}
}

// overviewEntries splits the overview into each command's synopsis, by
// command name.
func overviewEntries(out string) map[string]string {
	entries := map[string]string{}
	name := ""
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "  docket "):
			name = ""
			for _, cmd := range commands() {
				if strings.HasPrefix(line+" ", "  docket "+cmd.name+" ") && len(cmd.name) > len(name) {
					name = cmd.name
				}
			}
			entries[name] = line
		case strings.HasPrefix(line, "        ") && name != "":
			entries[name] += " " + strings.TrimSpace(line)
		default:
			name = ""
		}
	}
	return entries
}

// The flags help lists are the flags the command parses: each is accepted
// (an unknown one is a usage error), and a group's help lists its
// subcommands.
func TestHelpFlagsAreParsed(t *testing.T) {
	h := newHarness(t)
	for _, cmd := range commands() {
		cmd.flagsOf().VisitAll(func(f *flag.Flag) {
			value := "k=v"
			if isBoolFlag(f) {
				value = "true"
			} else if _, err := strconv.Atoi(f.DefValue); err == nil {
				value = "1"
			} else if _, err := time.ParseDuration(f.DefValue); err == nil {
				value = "1m"
			}
			args := append(strings.Fields(cmd.name), "--"+f.Name+"="+value, "--help")
			if code, _, errOut := h.run("", args...); code != 0 {
				t.Errorf("docket %s: exit %d: %s", strings.Join(args, " "), code, errOut)
			}
		})
		cmd.flagsOf().VisitAll(func(f *flag.Flag) {
			if name, _ := flag.UnquoteUsage(f); !isBoolFlag(f) && strings.ToUpper(name) != name && name != "key=value" {
				t.Errorf("docket %s --%s: its usage names no value (`NAME`), so help shows %q", cmd.name, f.Name, name)
			}
		})
	}
	for _, group := range []string{"case", "user", "workflow"} {
		out := h.ok(group, "--help")
		for _, cmd := range commands() {
			if strings.HasPrefix(cmd.name, group+" ") && !strings.Contains(out, "docket "+cmd.name+" ") {
				t.Errorf("docket %s --help does not list %s:\n%s", group, cmd.name, out)
			}
		}
		h.fails(2, "run 'docket "+group+" --help' for usage", group)
	}
	h.fails(2, "run 'docket case status --help' for usage", "case", "status")
	h.fails(2, `unknown case subcommand "stauts"`, "case", "stauts")
	h.fails(2, `help: no command "nope"`, "help", "nope")
}

// The commands the issue named, as a new user typed them (issue 10 item
// 3): each prints its usage and exits 0.
func TestHelpAsTyped(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--help"}, []string{"docket case create --workflow ID", "[--sla DURATION]", "docket import FILE..."}},
		{[]string{"-h"}, []string{"docket case status REF... STATUS", "--expect-version"}},
		{[]string{"help"}, []string{"docket stats", "--since"}},
		{[]string{"case", "status", "--help"}, []string{"usage: docket case status REF... STATUS", "--comment TEXT", "--reason CODE", "--queue QUEUE"}},
		{[]string{"import", "-h"}, []string{"usage: docket import FILE...", "--force", "--workflow ID"}},
		{[]string{"case", "create", "-h"}, []string{"--sla DURATION", "--field key=value"}},
	} {
		code, out, errOut := h.run("", tc.args...)
		if code != 0 || errOut != "" {
			t.Errorf("docket %v: exit %d, stderr %q", tc.args, code, errOut)
		}
		for _, want := range tc.want {
			if !strings.Contains(out, want) {
				t.Errorf("docket %v lacks %q:\n%s", tc.args, want, out)
			}
		}
	}
}
