package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"docket/model"
	"docket/store"
	"docket/ui/hooks"
	"docket/ui/safe"
)

// maxSecretFileBytes bounds what webhook add --secret-file reads: a few
// lines of secrets.
const maxSecretFileBytes = 64 << 10

func webhookAdd(fs *flag.FlagSet) runner {
	events := fs.String("events", "", "the events to send, comma-separated (`NAMES`: "+strings.Join(model.WebhookEvents, ", ")+", or * for all)")
	secretFile := fs.String("secret-file", "", "sign with the secret in `FILE` (one per line while a receiver rotates; - reads standard input); without it docket makes one and prints it once")
	asJSON := fs.Bool("json", false, "print JSON")
	return func(c *ctx, rest []string) error {
		if err := c.arity(rest, 1); err != nil {
			return err
		}
		nw := store.NewWebhook{URL: rest[0], Events: strings.Split(*events, ",")}
		if *secretFile != "" {
			var err error
			if nw.Secrets, err = readSecrets(c, *secretFile); err != nil {
				return err
			}
		}
		s, me, err := c.login()
		if err != nil {
			return err
		}
		w, err := s.AddWebhook(me.Name, nw)
		if err != nil {
			return err
		}
		if *asJSON {
			out := map[string]any{"id": w.ID, "url": w.URL, "events": w.Events, "created_at": w.CreatedAt, "created_by": w.CreatedBy}
			if w.Secret != "" {
				out["secret"] = w.Secret
			}
			return c.writeJSON(out)
		}
		what := fmt.Sprintf("webhook %s sends %s to %s", w.ID, strings.Join(w.Events, ", "), w.URL)
		if w.Secret == "" {
			_, err = fmt.Fprintln(c.env.Stdout, "added "+what)
			return err
		}
		return c.showOnce("added "+what+", signed with this secret; it is shown this once, so give it to the receiver now:", w.Secret)
	}
}

// readSecrets reads a secret file as docket serve reads its own (one a
// line; a file others may read is refused), or standard input for "-".
func readSecrets(c *ctx, name string) ([][]byte, error) {
	path, err := c.file(name)
	if err != nil || path != "-" {
		if err != nil {
			return nil, err
		}
		return hooks.ReadSecretFile(path)
	}
	raw, err := readBounded(c, name, maxSecretFileBytes, "over 64 KB; a secret file holds a secret a line")
	if err != nil {
		return nil, err
	}
	return hooks.ParseSecrets("standard input", raw)
}

func webhookList(fs *flag.FlagSet) runner {
	asJSON := fs.Bool("json", false, "print JSON")
	return func(c *ctx, rest []string) error {
		s, me, err := c.readArgs(rest, 0)
		if err != nil {
			return err
		}
		hooks, err := s.Webhooks(me.Name)
		if err != nil {
			return err
		}
		if *asJSON {
			return c.writeJSON(hooks)
		}
		if len(hooks) == 0 {
			fmt.Fprintln(c.env.Stdout, "no webhooks (docket webhook add URL --events NAMES makes one)")
			return nil
		}
		tw := tabwriter.NewWriter(c.env.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tURL\tEVENTS\tADDED\tBY")
		for _, h := range hooks {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", h.ID, h.URL, strings.Join(h.Events, ","), when(h.CreatedAt, s.Now()), h.CreatedBy)
		}
		return tw.Flush()
	}
}

func webhookRemove(fs *flag.FlagSet) runner {
	return func(c *ctx, rest []string) error {
		if err := c.arity(rest, 1); err != nil {
			return err
		}
		s, me, err := c.login()
		if err != nil {
			return err
		}
		w, err := s.RemoveWebhook(me.Name, rest[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(c.env.Stdout, "removed webhook %s (%s); what it still had pending is marked failed\n", w.ID, w.URL)
		return nil
	}
}

func webhookDeliveries(fs *flag.FlagSet) runner {
	failed := fs.Bool("failed", false, "only deliveries that failed for good")
	webhook := fs.String("webhook", "", "only the deliveries of webhook `ID`")
	limit := fs.Int("limit", 50, "list at most `N`, newest first (0: all)")
	asJSON := fs.Bool("json", false, "print JSON")
	return func(c *ctx, rest []string) error {
		s, me, err := c.readArgs(rest, 0)
		if err != nil {
			return err
		}
		ds, err := s.Deliveries(me.Name, store.DeliveryQuery{Failed: *failed, Webhook: *webhook, Limit: *limit})
		if err != nil {
			return err
		}
		if *asJSON {
			return c.writeJSON(ds)
		}
		if len(ds) == 0 {
			fmt.Fprintln(c.env.Stdout, "no webhook deliveries")
			return nil
		}
		printDeliveries(c.env.Stdout, ds, s.Now())
		return nil
	}
}

func printDeliveries(w io.Writer, ds []model.Delivery, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tWEBHOOK\tEVENT\tEVENT ID\tCASE\tSTATE\tATTEMPTS\tLAST ANSWER\tNEXT / DONE")
	for _, d := range ds {
		at := d.NextAttemptAt
		if d.State != model.DeliveryPending {
			at = d.Ended()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", d.ID, d.Webhook, d.Name, d.Event, d.CaseName, d.State,
			d.Attempts, lastAnswer(d), when(at, now))
	}
	tw.Flush()
}

// lastAnswer is how the last attempt went, in a few words on one line
// (the receiver wrote them: its tabs must not shift the table).
func lastAnswer(d model.Delivery) string {
	switch {
	case d.LastError != "":
		return cut(safe.Line(d.LastError), 60)
	case d.LastStatus != 0:
		return fmt.Sprint(d.LastStatus)
	}
	return "-"
}

// cut shortens s to n runes, marking the cut.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
