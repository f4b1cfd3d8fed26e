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

func caseList(fs *flag.FlagSet) runner {
	q := store.Query{}
	fs.StringVar(&q.Queue, "queue", store.QueueMine, "the `QUEUE`: mine, unassigned, open, closed or all")
	fs.StringVar(&q.Workflow, "workflow", "", "only cases of this workflow `ID`")
	fs.StringVar(&q.Status, "status", "", "only cases in this `STATUS`")
	fs.StringVar(&q.Assignee, "assignee", "", "only cases assigned to this `USER`")
	fs.StringVar(&q.Tag, "tag", "", "only cases with this `TAG`")
	sort := fs.String("sort", string(store.SortSLA), "the `ORDER`: sla (deadline, then age), oldest or newest")
	fs.IntVar(&q.Limit, "limit", 50, "at most `N` cases")
	fs.StringVar(&q.After, "after", "", "continue after this `CURSOR` (a listing ends with the next one)")
	asJSON := fs.Bool("json", false, "print JSON")
	return func(c *ctx, rest []string) error {
		s, u, err := c.readArgs(rest, 0)
		if err != nil {
			return err
		}
		q.Actor, q.Sort, q.Full = u.Name, store.Sort(*sort), *asJSON
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
}

func caseShow(fs *flag.FlagSet) runner {
	return readCase(fs, func(d *store.Detail) any { return toCaseJSON(d.Case, d) }, printDetail)
}

func caseHistory(fs *flag.FlagSet) runner {
	return readCase(fs, func(d *store.Detail) any {
		return map[string]any{"case": d.Case.Name, "events": nonNil(d.Events), "comments": nonNil(d.Comments),
			"audit_problems": nonNil(d.Broken)}
	}, printHistory)
}

// readCase is a command that reads one case and prints it as text or JSON.
func readCase(fs *flag.FlagSet, asJSONValue func(*store.Detail) any, print func(io.Writer, *store.Detail, time.Time)) runner {
	asJSON := fs.Bool("json", false, "print JSON")
	return func(c *ctx, rest []string) error {
		s, _, err := c.readArgs(rest, 1)
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
}

func caseCreate(fs *flag.FlagSet) runner {
	var nc store.NewCase
	var fields, tags multi
	fs.StringVar(&nc.Workflow, "workflow", "", "the workflow `ID` (docket workflow list)")
	fs.Var(&fields, "field", "a field, as `key=value`; a value that is valid JSON keeps its type")
	fs.Var(&tags, "tag", "a `TAG`")
	fs.StringVar(&nc.Assignee, "assign", "", "assign it to `USER`")
	sla := fs.String("sla", "", "its deadline, a `DURATION` from now such as 4h or 3d (default the workflow's)")
	asJSON := fs.Bool("json", false, "print the new case as JSON")
	return func(c *ctx, rest []string) error {
		if err := c.arity(rest, 0); err != nil {
			return err
		}
		if nc.Workflow == "" {
			return usagef("case create needs --workflow ID")
		}
		var err error
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
	fs.Int64Var(&t.expect, "expect-version", 0, "refuse if the case is no longer at `VERSION` (someone changed it since)")
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

func caseStatus(fs *flag.FlagSet) runner {
	var t targetFlags
	var sel selection
	t.add(fs)
	sel.add(fs)
	var ch store.StatusChange
	fs.StringVar(&ch.Comment, "comment", "", "a comment `TEXT` the move records")
	fs.StringVar(&ch.Reason, "reason", "", "a reason `CODE` from the status's list")
	return func(c *ctx, rest []string) error {
		refs, words, err := c.splitRefs(sel, rest)
		if err != nil {
			return err
		}
		if len(words) == 0 {
			return c.usage()
		}
		// Status names have spaces ("Review in progress"); accept them unquoted.
		ch.Status = strings.Join(words, " ")
		return c.writeMany(refs, sel, t, "moved", func(s *store.Store, tg store.Target) (*model.Case, error) { return s.SetStatus(tg, ch) },
			func(s *store.Store, actor string, refs []string) (store.BulkResult, error) {
				return s.BulkStatus(actor, refs, ch)
			})
	}
}

func caseAssign(fs *flag.FlagSet) runner {
	var t targetFlags
	var sel selection
	t.add(fs)
	sel.add(fs)
	return func(c *ctx, rest []string) error {
		if len(rest) == 0 || (len(rest) == 1 && !sel.active()) {
			return c.usage()
		}
		to := rest[len(rest)-1]
		return c.writeMany(rest[:len(rest)-1], sel, t, "assigned", func(s *store.Store, tg store.Target) (*model.Case, error) { return s.Assign(tg, to) },
			func(s *store.Store, actor string, refs []string) (store.BulkResult, error) {
				return s.BulkAssign(actor, refs, to)
			})
	}
}

func caseSLA(fs *flag.FlagSet) runner {
	var t targetFlags
	var sel selection
	t.add(fs)
	sel.add(fs)
	return func(c *ctx, rest []string) error {
		if len(rest) == 0 || (len(rest) == 1 && !sel.active()) {
			return c.usage()
		}
		var d time.Duration
		if last := rest[len(rest)-1]; last != "clear" {
			var err error
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
}

func caseNext(fs *flag.FlagSet) runner {
	workflow := fs.String("workflow", "", "only cases of this workflow `ID`")
	asJSON := fs.Bool("json", false, "print the case as JSON")
	return func(c *ctx, rest []string) error {
		if err := c.arity(rest, 0); err != nil {
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
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func caseClaim(fs *flag.FlagSet) runner {
	return simpleWrite(fs, 1, func(_ *ctx, s *store.Store, t store.Target, _ []string) (*model.Case, error) {
		return s.Claim(t)
	})
}

func caseUnassign(fs *flag.FlagSet) runner {
	return simpleWrite(fs, 1, func(_ *ctx, s *store.Store, t store.Target, _ []string) (*model.Case, error) {
		return s.Unassign(t)
	})
}

func caseComment(fs *flag.FlagSet) runner {
	return simpleWrite(fs, 2, func(_ *ctx, s *store.Store, t store.Target, rest []string) (*model.Case, error) {
		return s.Comment(t, rest[1])
	})
}

func caseDetach(fs *flag.FlagSet) runner {
	return simpleWrite(fs, 2, func(_ *ctx, s *store.Store, t store.Target, rest []string) (*model.Case, error) {
		return s.Detach(t, rest[1])
	})
}

// caseRedact redacts; closing the store compacts the file, so the
// redacted bytes leave its free pages too, and its error is reported.
func caseRedact(fs *flag.FlagSet) runner {
	redact := simpleWrite(fs, 1, func(_ *ctx, s *store.Store, t store.Target, _ []string) (*model.Case, error) {
		return s.Redact(t)
	})
	return func(c *ctx, rest []string) error {
		if err := redact(c, rest); err != nil {
			return err
		}
		path := c.store.Path()
		if err := c.closeStore(); err != nil {
			return err
		}
		if store.IsServer(path) {
			// PostgreSQL keeps the row versions an update replaced until
			// VACUUM FULL rewrites the table.
			fmt.Fprintf(c.env.Stderr, "%s still holds the redacted values in its tables' dead row versions (and its write-ahead log) until an admin runs docket compact\n", path)
			return nil
		}
		fmt.Fprintf(c.env.Stderr, "rewrote %s: no redacted byte remains in it\n", path)
		return nil
	}
}

func caseTag(fs *flag.FlagSet) runner {
	var t targetFlags
	var sel selection
	t.add(fs)
	sel.add(fs)
	return func(c *ctx, rest []string) error {
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
			ue := c.usage()
			ue.msg += " (+ adds a tag, - removes one)"
			return ue
		}
		return c.writeMany(refs, sel, t, "tagged", func(s *store.Store, tg store.Target) (*model.Case, error) { return s.Tag(tg, add, remove) },
			func(s *store.Store, actor string, refs []string) (store.BulkResult, error) {
				return s.BulkTag(actor, refs, add, remove)
			})
	}
}

func caseEnrich(fs *flag.FlagSet) runner {
	return simpleWrite(fs, 2, func(c *ctx, s *store.Store, t store.Target, rest []string) (*model.Case, error) {
		patch, err := readInput(c, rest[1])
		if err != nil {
			return nil, err
		}
		k, err := s.UpdateFields(t, patch)
		return k, inInput(rest[1], err)
	})
}

func caseAttach(fs *flag.FlagSet) runner {
	return simpleWrite(fs, 2, func(c *ctx, s *store.Store, t store.Target, rest []string) (*model.Case, error) {
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

// simpleWrite is a case write with n positional arguments, the case first.
func simpleWrite(fs *flag.FlagSet, n int, op func(c *ctx, s *store.Store, t store.Target, rest []string) (*model.Case, error)) runner {
	var t targetFlags
	t.add(fs)
	return func(c *ctx, rest []string) error {
		if err := c.arity(rest, n); err != nil {
			return err
		}
		return c.write(rest[0], t, func(s *store.Store, tg store.Target) (*model.Case, error) { return op(c, s, tg, rest) })
	}
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

// readInput reads a file, or standard input for "-" (see ctx.file).
func readInput(c *ctx, name string) ([]byte, error) {
	path, err := c.file(name)
	if err != nil || path == "-" {
		if err != nil {
			return nil, err
		}
		return io.ReadAll(c.env.Stdin)
	}
	return os.ReadFile(path)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
