package cli

import (
	"os"
	"strings"
	"testing"
)

// readme is the repository's README.
func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// section is the README from a heading to the next heading of its level.
func section(t *testing.T, doc, heading string) string {
	t.Helper()
	_, rest, ok := strings.Cut(doc, "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README has no %q", heading)
	}
	if i := strings.Index(rest, "\n## "); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// shellWords splits a command line as sh would for the simple lines of a
// README: words, "double-quoted" and 'single-quoted' strings.
func shellWords(line string) []string {
	var words []string
	var word strings.Builder
	quote, inWord := rune(0), false
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			word.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ':
			if inWord {
				words = append(words, word.String())
				word.Reset()
			}
			inWord = false
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, word.String())
	}
	return words
}

// The README's demo walk-through works on a fresh demo database as
// written (issue 10: it claimed and declined CASE-7, which the demo had
// already declined).
func TestReadmeDemoCommandsWork(t *testing.T) {
	demo := section(t, readme(t), "## The demo")
	_, block, ok := strings.Cut(demo, "```sh\n")
	if !ok {
		t.Fatal("the demo section has no sh block")
	}
	block, _, _ = strings.Cut(block, "```")
	h := newHarness(t)
	ran := 0
	for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
		if v, ok := strings.CutPrefix(line, "export DOCKET_DB="); ok {
			h.env["DOCKET_DB"] = strings.Replace(v, "~/.local/share", h.env["XDG_DATA_HOME"], 1)
			continue
		}
		args, ok := strings.CutPrefix(line, "go run . ")
		if !ok {
			t.Fatalf("a line the test cannot run: %q", line)
		}
		h.ok(shellWords(args)...)
		ran++
	}
	if ran < 4 {
		t.Fatalf("ran %d commands of\n%s", ran, block)
	}
	if out := h.ok("case", "show", "CASE-4"); !strings.Contains(out, "Declined") {
		t.Fatalf("the walk-through did not decline CASE-4:\n%s", out)
	}
}

// The README's command line section names every command and every flag
// docket parses, so it cannot fall behind help.
func TestReadmeListsEveryCommandAndFlag(t *testing.T) {
	doc := section(t, readme(t), "## Command line")
	for _, cmd := range commands() {
		words := strings.Fields(cmd.name)
		found := false
		for _, line := range strings.Split(doc, "\n") {
			if strings.HasPrefix(line, "docket "+words[0]) && strings.Contains(line+" ", " "+words[len(words)-1]+" ") {
				found = true
			}
		}
		if !found {
			t.Errorf("README's command line section does not list docket %s", cmd.name)
		}
		for _, name := range append(flagNames(cmd.flagsOf()), flagNames(globalFlags())...) {
			if !strings.Contains(doc, "--"+name) {
				t.Errorf("README's command line section does not mention docket %s --%s", cmd.name, name)
			}
		}
	}
	if !strings.Contains(readme(t), "Go 1.26.8 or newer") {
		t.Error("README does not say which Go it needs (go.mod: 1.26.8)")
	}
}
