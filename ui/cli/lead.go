package cli

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"docket/model"
	"docket/model/metrics"
	"docket/store"
)

func runAssign(fs *flag.FlagSet) runner {
	auto := fs.Bool("auto", false, "hand out unassigned cases by each workflow's policy (required)")
	workflow := fs.String("workflow", "", "only cases of this workflow `ID`")
	return func(c *ctx, rest []string) error {
		if !*auto || len(rest) > 0 {
			return c.usage()
		}
		s, u, err := c.login()
		if err != nil {
			return err
		}
		res, err := s.AutoAssign(u.Name, *workflow)
		if err != nil {
			return err
		}
		total := 0
		var parts []string
		for _, name := range sortedNames(res.Assigned) {
			total += res.Assigned[name]
			parts = append(parts, fmt.Sprintf("%s %d", name, res.Assigned[name]))
		}
		fmt.Fprintf(c.env.Stdout, "assigned %d case(s)", total)
		if len(parts) > 0 {
			fmt.Fprintf(c.env.Stdout, ": %s", strings.Join(parts, ", "))
		}
		fmt.Fprintln(c.env.Stdout)
		if res.Left > 0 {
			fmt.Fprintf(c.env.Stdout, "%d case(s) left unassigned: no available reviewer under the cap in the right team\n", res.Left)
		}
		return nil
	}
}

func sortedNames(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func runWorkload(fs *flag.FlagSet) runner {
	asJSON := fs.Bool("json", false, "print JSON")
	return func(c *ctx, rest []string) error {
		s, u, err := c.readArgs(rest, 0)
		if err != nil {
			return err
		}
		loads, err := s.Workload(u.Name)
		if err != nil {
			return err
		}
		if *asJSON {
			return c.writeJSON(workloadJSON(loads, s.Now()))
		}
		printWorkload(c.env.Stdout, loads, s.Now())
		return nil
	}
}

// workloadRow is one user's load in workload --json.
type workloadRow struct {
	User         string  `json:"user"`
	Role         string  `json:"role"`
	Availability string  `json:"availability"`
	Open         int     `json:"open"`
	Overdue      int     `json:"overdue"`
	OldestAge    *string `json:"oldest_age"`
	DecidedToday int     `json:"decided_today"`
}

func workloadJSON(loads []store.Load, now time.Time) []workloadRow {
	out := []workloadRow{}
	for _, l := range loads {
		r := workloadRow{User: l.User.Name, Role: string(l.User.Role), Availability: string(l.User.Availability),
			Open: l.Open, Overdue: l.Overdue, DecidedToday: l.DecidedToday}
		if !l.Oldest.IsZero() {
			age := model.FormatDuration(now.Sub(l.Oldest))
			r.OldestAge = &age
		}
		out = append(out, r)
	}
	return out
}

func printWorkload(w io.Writer, loads []store.Load, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "USER\tROLE\tAVAILABILITY\tTEAMS\tOPEN\tOVERDUE\tOLDEST\tDECIDED TODAY")
	for _, l := range loads {
		oldest := "-"
		if !l.Oldest.IsZero() {
			oldest = model.FormatDuration(now.Sub(l.Oldest))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%d\n", l.User.Name, l.User.Role, l.User.Availability,
			orDash(strings.Join(l.User.Teams, ",")), l.Open, l.Overdue, oldest, l.DecidedToday)
	}
	tw.Flush()
}

func runStats(fs *flag.FlagSet) runner {
	since := fs.String("since", "7d", "the window: how far back, a `DURATION` such as 24h, 7d or 30d")
	asJSON := fs.Bool("json", false, "print JSON")
	return func(c *ctx, rest []string) error {
		if err := c.arity(rest, 0); err != nil {
			return err
		}
		d, err := model.ParseDuration(*since)
		if err != nil || d == 0 {
			return usagef("stats: --since wants a duration such as 24h or 7d")
		}
		s, u, err := c.loginToRead()
		if err != nil {
			return err
		}
		r, err := s.Stats(u.Name, d)
		if err != nil {
			return err
		}
		if *asJSON {
			return c.writeJSON(r)
		}
		printStats(c.env.Stdout, r)
		return nil
	}
}

func printStats(w io.Writer, r metrics.Report) {
	fmt.Fprintf(w, "%s to %s\n", r.From.Local().Format("2006-01-02 15:04"), r.To.Local().Format("2006-01-02 15:04"))
	if r.Reviewer != "" {
		fmt.Fprintf(w, "decisions: %s's only (leads and admins see everyone's)\n", r.Reviewer)
	}
	fmt.Fprintln(w)
	section := func(title string, groups []metrics.Stats, withCreated bool) {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		head := title + "\tDECIDED\tPER DAY\tTTD P50\tP90\tP95\tSLA BREACH\tBY STATUS"
		if withCreated {
			head = title + "\tCREATED\tDECIDED\tPER DAY\tTTD P50\tP90\tP95\tSLA BREACH\tBY STATUS\tOPEN NOW"
		}
		fmt.Fprintln(tw, head)
		for _, g := range groups {
			cols := []string{g.Key}
			if withCreated {
				cols = append(cols, fmt.Sprint(g.Created))
			}
			cols = append(cols, fmt.Sprint(g.Decided), fmt.Sprintf("%.1f", g.DecisionsPerDay),
				durOrDash(g.P50), durOrDash(g.P90), durOrDash(g.P95), breach(g), counts(g.ByStatus))
			if withCreated {
				cols = append(cols, counts(g.Open))
			}
			fmt.Fprintln(tw, strings.Join(cols, "\t"))
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	section("WORKFLOW", append(r.Workflows, r.Total), true)
	section("REVIEWER", r.Reviewers, false)
}

func durOrDash(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return model.FormatDuration(d)
}

func breach(g metrics.Stats) string {
	if g.WithSLA == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%% (%d/%d)", 100*g.BreachRate, g.Breached, g.WithSLA)
}

// counts writes a map as "A 3 · B 1", largest first.
func counts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return orDash(strings.Join(parts, " · "))
}
