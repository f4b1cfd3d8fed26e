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
)

func runAssign(c *ctx, args []string) error {
	fs := flag.NewFlagSet("assign", flag.ContinueOnError)
	auto := fs.Bool("auto", false, "hand out unassigned cases by each workflow's policy")
	workflow := fs.String("workflow", "", "only this workflow's cases")
	rest, err := c.parse(fs, args, false)
	if err != nil {
		return err
	}
	if !*auto || len(rest) > 0 {
		return usagef("usage: docket assign --auto [--workflow ID]")
	}
	defer c.close()
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

func sortedNames(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func runWorkload(c *ctx, args []string) error {
	fs := flag.NewFlagSet("workload", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "JSON output")
	rest, err := c.parse(fs, args, false)
	if err != nil {
		return err
	}
	if err := arity(rest, 0, "workload [--json]"); err != nil {
		return err
	}
	defer c.close()
	s, u, err := c.loginToRead()
	if err != nil {
		return err
	}
	loads, err := s.Workload(u.Name)
	if err != nil {
		return err
	}
	now := s.Now()
	if *asJSON {
		type row struct {
			User         string  `json:"user"`
			Role         string  `json:"role"`
			Availability string  `json:"availability"`
			Open         int     `json:"open"`
			Overdue      int     `json:"overdue"`
			OldestAge    *string `json:"oldest_age"`
			DecidedToday int     `json:"decided_today"`
		}
		out := []row{}
		for _, l := range loads {
			r := row{User: l.User.Name, Role: string(l.User.Role), Availability: string(l.User.Availability),
				Open: l.Open, Overdue: l.Overdue, DecidedToday: l.DecidedToday}
			if !l.Oldest.IsZero() {
				age := model.FormatDuration(now.Sub(l.Oldest))
				r.OldestAge = &age
			}
			out = append(out, r)
		}
		return c.writeJSON(out)
	}
	tw := tabwriter.NewWriter(c.env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "USER\tROLE\tAVAILABILITY\tTEAMS\tOPEN\tOVERDUE\tOLDEST\tDECIDED TODAY")
	for _, l := range loads {
		oldest := "-"
		if !l.Oldest.IsZero() {
			oldest = model.FormatDuration(now.Sub(l.Oldest))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%d\n", l.User.Name, l.User.Role, l.User.Availability,
			orDash(strings.Join(l.User.Teams, ",")), l.Open, l.Overdue, oldest, l.DecidedToday)
	}
	return tw.Flush()
}

func runStats(c *ctx, args []string) error {
	fs := flag.NewFlagSet("stats", flag.ContinueOnError)
	since := fs.String("since", "7d", "the window: how far back (e.g. 24h, 7d, 30d)")
	asJSON := fs.Bool("json", false, "JSON output")
	rest, err := c.parse(fs, args, false)
	if err != nil {
		return err
	}
	if err := arity(rest, 0, "stats [--since 7d] [--json]"); err != nil {
		return err
	}
	d, err := model.ParseDuration(*since)
	if err != nil || d == 0 {
		return usagef("stats: --since wants a duration such as 24h or 7d")
	}
	defer c.close()
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
