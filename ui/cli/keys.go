package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"docket/model"
)

// maxKeyFileBytes bounds what user key add reads: a public key is one
// line, and a wrong file (an image, /dev/zero) must not be read whole.
const maxKeyFileBytes = 1 << 20

func userKeyAdd(fs *flag.FlagSet) runner {
	return func(c *ctx, rest []string) error {
		if err := c.arity(rest, 2); err != nil {
			return err
		}
		text, err := readKeyFile(c, rest[1])
		if err != nil {
			return err
		}
		s, me, err := c.login()
		if err != nil {
			return err
		}
		k, err := s.AddUserKey(me.Name, rest[0], text)
		if err != nil {
			return inInput(rest[1], err)
		}
		fmt.Fprintf(c.env.Stdout, "added %s key %s%s to %s\n", k.Type, k.Fingerprint, commentNote(k), k.User)
		return nil
	}
}

func userKeyList(fs *flag.FlagSet) runner {
	asJSON := fs.Bool("json", false, "print JSON")
	return func(c *ctx, rest []string) error {
		s, me, err := c.readArgs(rest, 1)
		if err != nil {
			return err
		}
		keys, err := s.UserKeys(me.Name, rest[0])
		if err != nil {
			return err
		}
		if *asJSON {
			return c.writeJSON(nonNil(keys))
		}
		if len(keys) == 0 {
			fmt.Fprintf(c.env.Stdout, "%s has no SSH keys (docket user key add %s KEYFILE gives them one)\n", rest[0], rest[0])
			return nil
		}
		printKeys(c.env.Stdout, keys, s.Now())
		return nil
	}
}

func userKeyRemove(fs *flag.FlagSet) runner {
	return func(c *ctx, rest []string) error {
		if err := c.arity(rest, 2); err != nil {
			return err
		}
		s, me, err := c.login()
		if err != nil {
			return err
		}
		k, err := s.RemoveUserKey(me.Name, rest[0], rest[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(c.env.Stdout, "removed %s key %s%s from %s\n", k.Type, k.Fingerprint, commentNote(k), k.User)
		return nil
	}
}

// readKeyFile reads a key file, or standard input for "-", up to a bound.
func readKeyFile(c *ctx, name string) (string, error) {
	raw, err := readBounded(c, name, maxKeyFileBytes, "over 1 MB; a public key is one line (the .pub file)")
	return string(raw), err
}

// readBounded reads a small file, or standard input for "-", refusing
// more than limit bytes with tooBig (a wrong file, an image or /dev/zero,
// must not be read whole).
func readBounded(c *ctx, name string, limit int, tooBig string) ([]byte, error) {
	path, err := c.file(name)
	if err != nil {
		return nil, err
	}
	r := c.env.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	raw, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", inputName(name), err)
	}
	if len(raw) > limit {
		return nil, fmt.Errorf("%s: %w", inputName(name), model.Invalidf("%s", tooBig))
	}
	return raw, nil
}

func commentNote(k model.UserKey) string {
	if k.Comment == "" {
		return ""
	}
	return " (" + k.Comment + ")"
}

func printKeys(w io.Writer, keys []model.UserKey, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FINGERPRINT\tTYPE\tCOMMENT\tADDED\tBY")
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.Fingerprint, k.Type, orDash(k.Comment), when(k.AddedAt, now), k.AddedBy)
	}
	tw.Flush()
}
