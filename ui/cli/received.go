package cli

import (
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"docket/model"
	"docket/store"
	"docket/ui/safe"
)

// webhookReceived shows what Persona's webhooks brought: the count of each
// event name by outcome, and the latest events with what became of them.
func webhookReceived(fs *flag.FlagSet) runner {
	limit := fs.Int("limit", 20, "show the latest `N` events")
	asJSON := fs.Bool("json", false, "print JSON")
	return func(c *ctx, rest []string) error {
		if *limit < 0 {
			return model.Invalidf("--limit %d: give 0 or more", *limit)
		}
		s, me, err := c.readArgs(rest, 0)
		if err != nil {
			return err
		}
		got, err := s.ReceivedEvents(me.Name, *limit)
		if err != nil {
			return err
		}
		if *asJSON {
			return c.writeJSON(got)
		}
		if len(got.Counts) == 0 {
			fmt.Fprintln(c.env.Stdout, "no webhook events received")
			return nil
		}
		printEventCounts(c.env.Stdout, got.Counts, s.Now())
		if len(got.Recent) > 0 {
			fmt.Fprintf(c.env.Stdout, "\nlatest %d:\n", len(got.Recent))
			printReceipts(c.env.Stdout, got.Recent, s.Now())
		}
		return nil
	}
}

func printEventCounts(w io.Writer, counts []store.EventCount, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "EVENT\tAPPLIED\tUNCHANGED\tUNUSED\tREFUSED\tLAST")
	for _, n := range counts {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\n", n.Name, n.Applied, n.Unchanged, n.Unused, n.Refused, model.Ago(n.Last, now))
	}
	tw.Flush()
}

func printReceipts(w io.Writer, recs []store.EventReceipt, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RECEIVED\tID\tEVENT\tOUTCOME\tTRIES\tDETAIL")
	for _, r := range recs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", when(r.ReceivedAt, now), r.ID, r.Name, r.Outcome, r.Attempts, orDash(safe.Line(r.Detail)))
	}
	tw.Flush()
}
