package cli

import (
	"flag"
	"fmt"
	"strings"

	"docket/model"
	"docket/store"
)

// selection picks the cases of a bulk command from a queue instead of a
// list of REFs.
type selection struct {
	queue, filter, workflow, status, assignee, tag string
}

func (s *selection) add(fs *flag.FlagSet) {
	fs.StringVar(&s.queue, "queue", "", "act on every case of this `QUEUE` (mine, unassigned, open, closed, all) instead of REFs")
	fs.StringVar(&s.filter, "filter", "", "with --queue: only cases matching this `TEXT`")
	fs.StringVar(&s.workflow, "workflow", "", "with --queue: only this workflow `ID`")
	fs.StringVar(&s.status, "status", "", "with --queue: only cases in this `STATUS`")
	fs.StringVar(&s.assignee, "assignee", "", "with --queue: only cases assigned to this `USER`")
	fs.StringVar(&s.tag, "tag", "", "with --queue: only cases with this `TAG`")
}

func (s selection) active() bool {
	return s.queue != "" || s.filter != "" || s.workflow != "" || s.status != "" || s.assignee != "" || s.tag != ""
}

func (s selection) query(actor string) store.Query {
	q := store.Query{Queue: s.queue, Actor: actor, Text: s.filter, Workflow: s.workflow,
		Status: s.status, Assignee: s.assignee, Tag: s.tag, Sort: store.SortSLA}
	if q.Queue == "" {
		q.Queue = store.QueueOpen
	}
	return q
}

// splitRefs separates leading case REFs from the words after them (a
// status name may have spaces). With a selection, every word is a word.
func (c *ctx) splitRefs(sel selection, args []string) (refs, words []string, err error) {
	if sel.active() {
		return nil, args, nil
	}
	s, err := c.open()
	if err != nil {
		return nil, nil, err
	}
	i := 0
	for i < len(args) {
		if _, err := s.Case(args[i]); err != nil {
			break
		}
		i++
	}
	if i == 0 && len(args) > 0 {
		_, err := s.Case(args[0])
		return nil, nil, err
	}
	return args[:i], args[i:], nil
}

// writeMany runs a case write on one REF (with --expect-version) or on
// many (REFs or a selection) as one bulk operation, and reports each case.
// Any refused case makes the command fail (exit 1) after the report.
func (c *ctx) writeMany(refs []string, sel selection, t targetFlags, verb string,
	one func(*store.Store, store.Target) (*model.Case, error),
	many func(*store.Store, string, []string) (store.BulkResult, error)) error {
	if !sel.active() && len(refs) == 1 {
		return c.write(refs[0], t, one)
	}
	if t.expect != 0 {
		return usagef("--expect-version works on one case at a time")
	}
	if sel.active() && len(refs) > 0 {
		return usagef("give either REFs or --queue/--filter, not both")
	}
	if !sel.active() && len(refs) == 0 {
		return usagef("give one or more case REFs, or --queue/--filter")
	}
	s, u, err := c.login()
	if err != nil {
		return err
	}
	if sel.active() {
		if refs, err = s.IDs(sel.query(u.Name)); err != nil {
			return err
		}
	}
	res, err := many(s, u.Name, refs)
	if err != nil {
		// Bulk work commits in chunks: say what the ones before the
		// failure did.
		if len(res.Changed)+len(res.Unchanged)+len(res.Refused) > 0 {
			printBulk(c, res, verb)
		}
		return err
	}
	return printBulk(c, res, verb)
}

func printBulk(c *ctx, res store.BulkResult, verb string) error {
	w := c.env.Stdout
	fmt.Fprintf(w, "%s %d case(s)", verb, len(res.Changed))
	if len(res.Changed) > 0 && len(res.Changed) <= 20 {
		fmt.Fprintf(w, ": %s", strings.Join(res.Changed, ", "))
	}
	fmt.Fprintln(w)
	if len(res.Unchanged) > 0 {
		fmt.Fprintf(w, "%d already so\n", len(res.Unchanged))
	}
	if len(res.Refused) == 0 {
		return nil
	}
	fmt.Fprintf(w, "refused %d:\n", len(res.Refused))
	for _, r := range res.Refused {
		fmt.Fprintf(w, "  %s: %s\n", r.Case, r.Reason)
	}
	return fmt.Errorf("%d of %d case(s) refused (listed above)", len(res.Refused), len(res.Refused)+len(res.Changed)+len(res.Unchanged))
}
