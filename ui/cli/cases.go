package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"docket/model"
	"docket/store"
	"docket/store/persona"
)

func runCase(c *ctx, args []string) error {
	if len(args) == 0 {
		return usagef("case needs a subcommand: list, show, create, status, assign, claim, next, unassign, tag, sla, comment, enrich, attach, detach, history, redact")
	}
	sub := map[string]func(*ctx, []string) error{
		"list": caseList, "show": caseShow, "create": caseCreate, "status": caseStatus,
		"assign": caseAssign, "claim": caseClaim, "sla": caseSLA, "next": caseNext, "unassign": caseUnassign, "tag": caseTag,
		"comment": caseComment, "enrich": caseEnrich, "attach": caseAttach, "detach": caseDetach,
		"history": caseHistory, "redact": caseRedact,
	}[args[0]]
	if sub == nil {
		return usagef("unknown case subcommand %q", args[0])
	}
	defer c.close()
	return sub(c, args[1:])
}

// arity checks the number of positional arguments.
func arity(args []string, n int, usage string) error {
	if len(args) != n {
		return usagef("usage: docket %s", usage)
	}
	return nil
}

func caseList(c *ctx, args []string) error {
	fs := flag.NewFlagSet("case list", flag.ContinueOnError)
	q := store.Query{}
	fs.StringVar(&q.Queue, "queue", store.QueueMine, "queue")
	fs.StringVar(&q.Workflow, "workflow", "", "workflow id")
	fs.StringVar(&q.Status, "status", "", "status")
	fs.StringVar(&q.Assignee, "assignee", "", "assignee")
	fs.StringVar(&q.Tag, "tag", "", "tag")
	sort := fs.String("sort", string(store.SortSLA), "sla|oldest|newest")
	fs.IntVar(&q.Limit, "limit", 50, "page size")
	fs.StringVar(&q.After, "after", "", "cursor")
	asJSON := fs.Bool("json", false, "JSON output")
	rest, err := c.parse(fs, args, false)
	if err != nil {
		return err
	}
	if err := arity(rest, 0, "case list [--queue Q] [--workflow ID] [--status S] [--assignee U] [--tag T] [--limit N] [--json]"); err != nil {
		return err
	}
	s, u, err := c.loginToRead()
	if err != nil {
		return err
	}
	q.Actor, q.Sort = u.Name, store.Sort(*sort)
	page, err := s.List(q)
	if err != nil {
		return err
	}
	if *asJSON {
		out := struct {
			Cases []caseJSON `json:"cases"`
			Total int        `json:"total"`
			Next  string     `json:"next,omitempty"`
		}{Total: page.Total, Next: page.Next, Cases: []caseJSON{}}
		for _, k := range page.Cases {
			out.Cases = append(out.Cases, toCaseJSON(k, nil))
		}
		return c.writeJSON(out)
	}
	overdue, err := s.OverdueCount(q)
	if err != nil {
		return err
	}
	printCases(c.env.Stdout, page.Cases, s.Now())
	fmt.Fprintf(c.env.Stdout, "%d of %d in %s", len(page.Cases), page.Total, q.Queue)
	if overdue > 0 {
		fmt.Fprintf(c.env.Stdout, ", %d overdue", overdue)
	}
	if page.Next != "" {
		fmt.Fprintf(c.env.Stdout, " (more: --after %s)", page.Next)
	}
	fmt.Fprintln(c.env.Stdout)
	return nil
}

func caseShow(c *ctx, args []string) error {
	return readCase(c, args, "case show", func(d *store.Detail) any { return toCaseJSON(d.Case, d) }, printDetail)
}

func caseHistory(c *ctx, args []string) error {
	return readCase(c, args, "case history", func(d *store.Detail) any {
		return map[string]any{"case": d.Case.Name, "events": nonNil(d.Events), "comments": nonNil(d.Comments),
			"audit_problems": nonNil(d.Broken)}
	}, printHistory)
}

// readCase is a command that reads one case and prints it as text or JSON.
func readCase(c *ctx, args []string, name string, asJSONValue func(*store.Detail) any,
	print func(io.Writer, *store.Detail, time.Time)) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "JSON output")
	rest, err := c.parse(fs, args, false)
	if err != nil {
		return err
	}
	if err := arity(rest, 1, name+" REF [--json]"); err != nil {
		return err
	}
	s, _, err := c.loginToRead()
	if err != nil {
		return err
	}
	d, err := s.CaseDetail(rest[0])
	if err != nil {
		return err
	}
	if *asJSON {
		return c.writeJSON(asJSONValue(d))
	}
	print(c.env.Stdout, d, s.Now())
	return nil
}

func caseCreate(c *ctx, args []string) error {
	fs := flag.NewFlagSet("case create", flag.ContinueOnError)
	var nc store.NewCase
	var fields, tags multi
	fs.StringVar(&nc.Workflow, "workflow", "", "workflow id")
	fs.Var(&fields, "field", "key=value (repeatable)")
	fs.Var(&tags, "tag", "tag (repeatable)")
	fs.StringVar(&nc.Assignee, "assign", "", "assignee")
	sla := fs.String("sla", "", "SLA, e.g. 4h or 3d")
	asJSON := fs.Bool("json", false, "JSON output")
	rest, err := c.parse(fs, args, false)
	if err != nil {
		return err
	}
	if err := arity(rest, 0, "case create --workflow ID [--field key=value]... [--assign USER]"); err != nil {
		return err
	}
	if nc.Workflow == "" {
		return usagef("case create needs --workflow ID")
	}
	if nc.Fields, err = fieldsFromFlags(fields); err != nil {
		return err
	}
	if *sla != "" {
		if nc.SLA, err = model.ParseDuration(*sla); err != nil {
			return err
		}
	}
	nc.Tags = tags
	s, u, err := c.login()
	if err != nil {
		return err
	}
	k, err := s.CreateCase(u.Name, nc)
	if err != nil {
		return err
	}
	if *asJSON {
		d, err := s.CaseDetail(k.ID)
		if err != nil {
			return err
		}
		return c.writeJSON(toCaseJSON(d.Case, d))
	}
	fmt.Fprintln(c.env.Stdout, k.Name)
	return nil
}

// fieldsFromFlags turns key=value pairs into a JSON object. A value that is
// valid JSON (a number, true, an object) keeps its type; anything else is a
// string.
func fieldsFromFlags(pairs []string) (json.RawMessage, error) {
	obj := map[string]any{}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, usagef("--field %q: want key=value", p)
		}
		var val any = v
		var parsed any
		if json.Unmarshal([]byte(v), &parsed) == nil {
			val = parsed
		}
		obj[k] = val
	}
	return json.Marshal(obj)
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// targetFlags adds --expect-version and builds the store target.
type targetFlags struct{ expect int64 }

func (t *targetFlags) add(fs *flag.FlagSet) {
	fs.Int64Var(&t.expect, "expect-version", 0, "refuse if the case is no longer at this version")
}

// write runs one case operation as the current user and reports the result.
func (c *ctx) write(ref string, t targetFlags, op func(s *store.Store, t store.Target) (*model.Case, error)) error {
	s, u, err := c.login()
	if err != nil {
		return err
	}
	k, err := op(s, store.Target{Actor: u.Name, Case: ref, Expect: t.expect})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stdout, "%s: %s, %s (version %d)\n", k.Name, k.Status, assigneeText(k.Assignee), k.Version)
	return nil
}

func assigneeText(a string) string {
	if a == "" {
		return "unassigned"
	}
	return "assigned to " + a
}

func caseStatus(c *ctx, args []string) error {
	fs := flag.NewFlagSet("case status", flag.ContinueOnError)
	var t targetFlags
	var sel selection
	t.add(fs)
	sel.add(fs)
	var ch store.StatusChange
	fs.StringVar(&ch.Comment, "comment", "", "comment")
	fs.StringVar(&ch.Reason, "reason", "", "reason code")
	rest, err := c.parse(fs, args, false)
	if err != nil {
		return err
	}
	refs, words, err := c.splitRefs(sel, rest)
	if err != nil {
		return err
	}
	if len(words) == 0 {
		return usagef("usage: docket case status REF... STATUS [--comment TEXT] [--reason CODE] [--expect-version N]")
	}
	// Status names have spaces ("Review in progress"); accept them unquoted.
	ch.Status = strings.Join(words, " ")
	return c.writeMany(refs, sel, t, "moved", func(s *store.Store, tg store.Target) (*model.Case, error) { return s.SetStatus(tg, ch) },
		func(s *store.Store, actor string, refs []string) (store.BulkResult, error) {
			return s.BulkStatus(actor, refs, ch)
		})
}

func caseAssign(c *ctx, args []string) error {
	fs := flag.NewFlagSet("case assign", flag.ContinueOnError)
	var t targetFlags
	var sel selection
	t.add(fs)
	sel.add(fs)
	rest, err := c.parse(fs, args, false)
	if err != nil {
		return err
	}
	if len(rest) == 0 || (len(rest) == 1 && !sel.active()) {
		return usagef("usage: docket case assign REF... USER (or --queue Q ... USER)")
	}
	to := rest[len(rest)-1]
	return c.writeMany(rest[:len(rest)-1], sel, t, "assigned", func(s *store.Store, tg store.Target) (*model.Case, error) { return s.Assign(tg, to) },
		func(s *store.Store, actor string, refs []string) (store.BulkResult, error) {
			return s.BulkAssign(actor, refs, to)
		})
}

func caseSLA(c *ctx, args []string) error {
	fs := flag.NewFlagSet("case sla", flag.ContinueOnError)
	var t targetFlags
	var sel selection
	t.add(fs)
	sel.add(fs)
	rest, err := c.parse(fs, args, false)
	if err != nil {
		return err
	}
	if len(rest) == 0 || (len(rest) == 1 && !sel.active()) {
		return usagef("usage: docket case sla REF... DURATION|clear (e.g. 4h, 3d)")
	}
	var d time.Duration
	if last := rest[len(rest)-1]; last != "clear" {
		if d, err = model.ParseDuration(last); err != nil {
			return err
		}
		if d == 0 {
			return usagef("case sla: give a duration such as 4h, or clear")
		}
	}
	return c.writeMany(rest[:len(rest)-1], sel, t, "updated", func(s *store.Store, tg store.Target) (*model.Case, error) { return s.SetSLA(tg, d) },
		func(s *store.Store, actor string, refs []string) (store.BulkResult, error) {
			return s.BulkSLA(actor, refs, d)
		})
}

func caseNext(c *ctx, args []string) error {
	fs := flag.NewFlagSet("case next", flag.ContinueOnError)
	workflow := fs.String("workflow", "", "only cases of this workflow")
	asJSON := fs.Bool("json", false, "JSON output")
	rest, err := c.parse(fs, args, false)
	if err != nil {
		return err
	}
	if err := arity(rest, 0, "case next [--workflow ID] [--json]"); err != nil {
		return err
	}
	s, u, err := c.login()
	if err != nil {
		return err
	}
	k, err := s.NextCase(u.Name, *workflow)
	if err != nil {
		return err
	}
	if *asJSON {
		return c.writeJSON(toCaseJSON(k, nil))
	}
	fmt.Fprintf(c.env.Stdout, "%s is yours: %s, %s\n", k.Name, k.Status, dash(k.Subject))
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func caseClaim(c *ctx, args []string) error {
	return simpleWrite(c, "case claim", args, 1, "case claim REF", func(s *store.Store, t store.Target, _ []string) (*model.Case, error) {
		return s.Claim(t)
	})
}

func caseUnassign(c *ctx, args []string) error {
	return simpleWrite(c, "case unassign", args, 1, "case unassign REF", func(s *store.Store, t store.Target, _ []string) (*model.Case, error) {
		return s.Unassign(t)
	})
}

func caseComment(c *ctx, args []string) error {
	return simpleWrite(c, "case comment", args, 2, "case comment REF TEXT", func(s *store.Store, t store.Target, rest []string) (*model.Case, error) {
		return s.Comment(t, rest[1])
	})
}

func caseDetach(c *ctx, args []string) error {
	return simpleWrite(c, "case detach", args, 2, "case detach REF OBJECT-ID", func(s *store.Store, t store.Target, rest []string) (*model.Case, error) {
		return s.Detach(t, rest[1])
	})
}

// caseRedact redacts; closing the store compacts the file, so the
// redacted bytes leave its free pages too, and its error is reported.
func caseRedact(c *ctx, args []string) error {
	err := simpleWrite(c, "case redact", args, 1, "case redact REF", func(s *store.Store, t store.Target, _ []string) (*model.Case, error) {
		return s.Redact(t)
	})
	if err != nil {
		return err
	}
	path := c.store.Path()
	if err := c.closeStore(); err != nil {
		return err
	}
	fmt.Fprintf(c.env.Stderr, "rewrote %s: no redacted byte remains in it\n", path)
	return nil
}

func caseTag(c *ctx, args []string) error {
	fs := flag.NewFlagSet("case tag", flag.ContinueOnError)
	var t targetFlags
	var sel selection
	t.add(fs)
	sel.add(fs)
	rest, err := c.parse(fs, args, false)
	if err != nil {
		return err
	}
	var add, remove, refs []string
	for _, a := range rest {
		switch {
		case strings.HasPrefix(a, "+") && len(a) > 1:
			add = append(add, a[1:])
		case strings.HasPrefix(a, "-") && len(a) > 1:
			remove = append(remove, a[1:])
		default:
			refs = append(refs, a)
		}
	}
	if len(add)+len(remove) == 0 {
		return usagef("usage: docket case tag REF... +tag -tag (+ adds, - removes)")
	}
	return c.writeMany(refs, sel, t, "tagged", func(s *store.Store, tg store.Target) (*model.Case, error) { return s.Tag(tg, add, remove) },
		func(s *store.Store, actor string, refs []string) (store.BulkResult, error) {
			return s.BulkTag(actor, refs, add, remove)
		})
}

func caseEnrich(c *ctx, args []string) error {
	return simpleWrite(c, "case enrich", args, 2, "case enrich REF FILE|-", func(s *store.Store, t store.Target, rest []string) (*model.Case, error) {
		patch, err := readInput(c, rest[1])
		if err != nil {
			return nil, err
		}
		k, err := s.UpdateFields(t, patch)
		return k, inInput(rest[1], err)
	})
}

func caseAttach(c *ctx, args []string) error {
	return simpleWrite(c, "case attach", args, 2, "case attach REF FILE|-", func(s *store.Store, t store.Target, rest []string) (*model.Case, error) {
		raw, err := readInput(c, rest[1])
		if err != nil {
			return nil, err
		}
		objs, err := persona.DecodeObjects(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", inputName(rest[1]), err)
		}
		k, err := s.Attach(t, objs...)
		return k, inInput(rest[1], err)
	})
}

// simpleWrite is a case write with fixed positional arguments.
func simpleWrite(c *ctx, name string, args []string, n int, usage string,
	op func(s *store.Store, t store.Target, rest []string) (*model.Case, error)) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	var t targetFlags
	t.add(fs)
	rest, err := c.parse(fs, args, false)
	if err != nil {
		return err
	}
	if err := arity(rest, n, usage); err != nil {
		return err
	}
	return c.write(rest[0], t, func(s *store.Store, tg store.Target) (*model.Case, error) { return op(s, tg, rest) })
}

// inputName names an input for messages: the file, or stdin for "-".
func inputName(name string) string {
	if name == "-" {
		return "stdin"
	}
	return name
}

// inInput names the input in an error about its content (not in one
// about the case or the actor).
func inInput(name string, err error) error {
	if errors.Is(err, model.ErrInvalid) {
		return fmt.Errorf("%s: %w", inputName(name), err)
	}
	return err
}

// readInput reads a file, or standard input for "-".
func readInput(c *ctx, name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(c.env.Stdin)
	}
	return os.ReadFile(name)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
