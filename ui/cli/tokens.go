package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"docket/model"
)

// defaultTokenLife is how long a token lives unless --expires says
// otherwise: long enough for a service, short enough that a forgotten one
// dies.
const defaultTokenLife = "90d"

func userTokenCreate(fs *flag.FlagSet) runner {
	expires := fs.String("expires", defaultTokenLife, "the token's `LIFETIME` (90d, 12h, …) or never")
	label := fs.String("label", "", "what the token is for, shown in listings (`TEXT`)")
	asJSON := fs.Bool("json", false, "print JSON")
	return func(c *ctx, rest []string) error {
		if err := c.arity(rest, 1); err != nil {
			return err
		}
		ttl, err := tokenLife(*expires)
		if err != nil {
			return err
		}
		s, me, err := c.login()
		if err != nil {
			return err
		}
		nt, err := s.CreateToken(me.Name, rest[0], *label, ttl)
		if err != nil {
			return err
		}
		if *asJSON {
			return c.writeJSON(map[string]any{"id": nt.ID, "user": nt.User, "label": nt.Label, "token": nt.Token,
				"created_at": nt.CreatedAt, "expires_at": nullTime(nt.ExpiresAt)})
		}
		return c.showOnce(fmt.Sprintf("API token %s for %s, %s; it is shown this once, so store it now:",
			nt.ID, nt.User, expiry(nt.APIToken, s.Now())), nt.Token)
	}
}

// showOnce prints a secret that cannot be shown again alone on standard
// output, so that VAR=$(docket …) works, and what it is on standard error.
func (c *ctx) showOnce(about, secret string) error {
	fmt.Fprintln(c.env.Stderr, about)
	_, err := fmt.Fprintln(c.raw.Stdout, secret)
	return err
}

func userTokenList(fs *flag.FlagSet) runner {
	asJSON := fs.Bool("json", false, "print JSON")
	return func(c *ctx, rest []string) error {
		s, me, err := c.readArgs(rest, 1)
		if err != nil {
			return err
		}
		tokens, err := s.Tokens(me.Name, rest[0])
		if err != nil {
			return err
		}
		if *asJSON {
			return c.writeJSON(nonNil(tokens))
		}
		if len(tokens) == 0 {
			fmt.Fprintf(c.env.Stdout, "%s has no API tokens (docket user token create %s makes one)\n", rest[0], rest[0])
			return nil
		}
		printTokens(c.env.Stdout, tokens, s.Now())
		return nil
	}
}

func userTokenRevoke(fs *flag.FlagSet) runner {
	return func(c *ctx, rest []string) error {
		if err := c.arity(rest, 2); err != nil {
			return err
		}
		s, me, err := c.login()
		if err != nil {
			return err
		}
		t, err := s.RevokeToken(me.Name, rest[0], rest[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(c.env.Stdout, "revoked API token %s of %s\n", t.ID, t.User)
		return nil
	}
}

// tokenLife reads --expires: a duration, or never (0).
func tokenLife(s string) (time.Duration, error) {
	if strings.EqualFold(s, "never") {
		return 0, nil
	}
	d, err := model.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("--expires: %w", err)
	}
	if d <= 0 {
		return 0, model.Invalidf("--expires %s: give a lifetime (90d, 12h) or never", s)
	}
	return d, nil
}

func expiry(t model.APIToken, now time.Time) string {
	switch {
	case t.ExpiresAt.IsZero():
		return "never expires"
	case t.Expired(now):
		return "expired " + t.ExpiresAt.Format("2006-01-02 15:04")
	default:
		return "expires " + t.ExpiresAt.Format("2006-01-02 15:04")
	}
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func printTokens(w io.Writer, tokens []model.APIToken, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLABEL\tCREATED\tBY\tEXPIRES")
	for _, t := range tokens {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.ID, orDash(t.Label), when(t.CreatedAt, now), t.CreatedBy, expiry(t, now))
	}
	tw.Flush()
}
