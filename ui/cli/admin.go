package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"docket/model"
	"docket/store"
	"docket/store/persona"
	"docket/workflows"
)

// userFlags are the fields add and set share.
type userFlags struct {
	role, email, availability string
	teams                     multi
}

func (f *userFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&f.role, "role", "", "the `ROLE`: reviewer, lead or admin")
	fs.StringVar(&f.email, "email", "", "the user's `EMAIL` (how imports match assignees)")
	fs.Var(&f.teams, "team", "a `TEAM` the user is in (user set: the whole list)")
	fs.StringVar(&f.availability, "availability", "", "`AVAILABILITY`: available, busy (no new cases) or unavailable (open cases go back to Unassigned)")
}

func userAdd(fs *flag.FlagSet) runner {
	var f userFlags
	f.add(fs)
	return func(c *ctx, rest []string) error {
		if err := c.arity(rest, 1); err != nil {
			return err
		}
		u := model.User{Name: rest[0], Email: f.email, Teams: f.teams}
		var err error
		if f.role != "" {
			if u.Role, err = model.ParseRole(f.role); err != nil {
				return err
			}
		}
		if f.availability != "" {
			if u.Availability, err = model.ParseAvailability(f.availability); err != nil {
				return err
			}
		}
		s, me, err := c.login()
		if err != nil {
			return err
		}
		if err := s.AddUser(me.Name, u); err != nil {
			return err
		}
		fmt.Fprintf(c.env.Stdout, "added %s\n", u.Name)
		return nil
	}
}

func userSet(fs *flag.FlagSet) runner {
	var f userFlags
	f.add(fs)
	return func(c *ctx, rest []string) error {
		if err := c.arity(rest, 1); err != nil {
			return err
		}
		var ch store.UserChange
		set := map[string]bool{}
		fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
		if set["role"] {
			r, err := model.ParseRole(f.role)
			if err != nil {
				return err
			}
			ch.Role = &r
		}
		if set["availability"] {
			a, err := model.ParseAvailability(f.availability)
			if err != nil {
				return err
			}
			ch.Availability = &a
		}
		if set["email"] {
			ch.Email = &f.email
		}
		if set["team"] {
			teams := []string(f.teams)
			ch.Teams = &teams
		}
		if ch == (store.UserChange{}) {
			return usagef("user set: nothing to change (give --role, --email, --team or --availability)")
		}
		s, me, err := c.login()
		if err != nil {
			return err
		}
		u, released, err := s.SetUser(me.Name, rest[0], ch)
		if err != nil {
			return err
		}
		printUsers(c.env.Stdout, []model.User{u})
		if released > 0 {
			fmt.Fprintf(c.env.Stdout, "%d open case(s) of %s went back to Unassigned\n", released, u.Name)
		}
		return nil
	}
}

func userList(fs *flag.FlagSet) runner {
	asJSON := fs.Bool("json", false, "print JSON")
	return func(c *ctx, rest []string) error {
		s, _, err := c.readArgs(rest, 0)
		if err != nil {
			return err
		}
		users, err := s.Users()
		if err != nil {
			return err
		}
		if *asJSON {
			return c.writeJSON(nonNil(users))
		}
		printUsers(c.env.Stdout, users)
		return nil
	}
}

func printUsers(w io.Writer, users []model.User) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tAVAILABILITY\tTEAMS\tEMAIL")
	for _, u := range users {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Name, u.Role, u.Availability, orDash(strings.Join(u.Teams, ",")), orDash(u.Email))
	}
	tw.Flush()
}

func workflowList(fs *flag.FlagSet) runner {
	asJSON := fs.Bool("json", false, "print JSON")
	return func(c *ctx, rest []string) error {
		s, _, err := c.readArgs(rest, 0)
		if err != nil {
			return err
		}
		if *asJSON {
			var out []workflowJSON
			for _, w := range s.Workflows() {
				out = append(out, toWorkflowJSON(w))
			}
			return c.writeJSON(out)
		}
		tw := tabwriter.NewWriter(c.env.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tKEY\tNAME\tSTATUSES")
		for _, w := range s.Workflows() {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", w.ID, w.Key, w.Name, strings.Join(w.Names(), " → "))
		}
		return tw.Flush()
	}
}

// workflowJSON is a workflow as the command line shows it.
type workflowJSON struct {
	ID                string       `json:"id"`
	Key               string       `json:"key"`
	Name              string       `json:"name"`
	SLA               string       `json:"sla,omitempty"`
	PersonaTemplateID string       `json:"persona_template_id,omitempty"`
	Statuses          []statusJSON `json:"statuses"`
}

type statusJSON struct {
	Name           string   `json:"name"`
	Type           string   `json:"type"`
	Key            string   `json:"key,omitempty"`
	From           []string `json:"from,omitempty"`
	RequireComment bool     `json:"require_comment,omitempty"`
	Reasons        []string `json:"reasons,omitempty"`
	RequireReason  bool     `json:"require_reason,omitempty"`
	Roles          []string `json:"roles,omitempty"`
	Teams          []string `json:"teams,omitempty"`
}

func toWorkflowJSON(w *workflows.Workflow) workflowJSON {
	out := workflowJSON{ID: w.ID, Key: w.Key, Name: w.Name, PersonaTemplateID: w.PersonaTemplateID}
	if w.SLA > 0 {
		out.SLA = model.FormatDuration(w.SLA)
	}
	for _, st := range w.Statuses {
		sj := statusJSON{Name: st.Name, Type: string(st.Type), Key: st.Key, From: st.From,
			RequireComment: st.RequireComment, Reasons: st.Reasons, RequireReason: st.RequireReason, Teams: st.Teams}
		for _, r := range st.Roles {
			sj.Roles = append(sj.Roles, string(r))
		}
		out.Statuses = append(out.Statuses, sj)
	}
	return out
}

func workflowShow(fs *flag.FlagSet) runner {
	asJSON := fs.Bool("json", false, "print JSON")
	return func(c *ctx, rest []string) error {
		s, _, err := c.readArgs(rest, 1)
		if err != nil {
			return err
		}
		w, err := s.Workflow(rest[0])
		if err != nil {
			return err
		}
		if *asJSON {
			return c.writeJSON(toWorkflowJSON(w))
		}
		_, err = c.env.Stdout.Write(w.Source)
		return err
	}
}

func workflowCheck(fs *flag.FlagSet) runner {
	return func(c *ctx, rest []string) error {
		if len(rest) == 0 {
			return c.usage()
		}
		var errs []error
		for _, path := range rest {
			w, err := parseWorkflow(c, path)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			fmt.Fprintf(c.env.Stdout, "%s: ok (workflow %s, %d statuses)\n", path, w.ID, len(w.Statuses))
		}
		return errors.Join(errs...)
	}
}

func workflowLoad(fs *flag.FlagSet) runner {
	migrate := fs.Bool("migrate", false, "carry cases over statuses the new version changes or drops (each gets an audit event)")
	return func(c *ctx, rest []string) error {
		if len(rest) == 0 {
			return c.usage()
		}
		var parsed []*workflows.Workflow
		for _, path := range rest {
			w, err := parseWorkflow(c, path)
			if err != nil {
				return err
			}
			parsed = append(parsed, w)
		}
		s, u, err := c.login()
		if err != nil {
			return err
		}
		for _, w := range parsed {
			moved, err := 0, error(nil)
			if *migrate {
				moved, err = s.MigrateWorkflow(u.Name, w)
			} else {
				err = s.LoadWorkflow(u.Name, w)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", w.File, err)
			}
			fmt.Fprintf(c.env.Stdout, "loaded workflow %s (%s)\n", w.ID, w.Name)
			if moved > 0 {
				fmt.Fprintf(c.env.Stdout, "%d case(s) carried over to the new statuses, each with an audit event\n", moved)
			}
		}
		return nil
	}
}

// parseWorkflow reads and validates a workflow file (- for standard
// input).
// workflowFromPersona prints the workflow a Persona case template makes;
// it reads no database, so it runs anywhere.
func workflowFromPersona(fs *flag.FlagSet) runner {
	return func(c *ctx, rest []string) error {
		if len(rest) != 1 {
			return c.usage()
		}
		data, err := readInput(c, rest[0])
		if err != nil {
			return err
		}
		out, err := persona.WorkflowFromTemplate(data)
		if err != nil {
			return fmt.Errorf("%s: %w", rest[0], err)
		}
		_, err = c.raw.Stdout.Write(out) // YAML to load: exact, like --json
		return err
	}
}

func parseWorkflow(c *ctx, name string) (*workflows.Workflow, error) {
	data, err := readInput(c, name)
	if err != nil {
		return nil, err
	}
	if name == "-" {
		name = "stdin"
	}
	return workflows.Parse(name, data)
}
