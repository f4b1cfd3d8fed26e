package pg

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// dsnShape is what a DSN looks like, for messages.
const dsnShape = "want postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…], or host=HOST dbname=DATABASE …"

// mask stands for a password in anything docket says.
const mask = "xxxxx"

// parseDSN checks dsn and makes the pool's configuration from it. Its
// errors never hold the password.
func parseDSN(dsn string) (*pgxpool.Config, error) {
	if strings.TrimSpace(dsn) == "" {
		return nil, errors.New("no PostgreSQL DSN given; " + dsnShape)
	}
	bad := func(what string) error {
		return fmt.Errorf("the PostgreSQL DSN %s is not valid: %s; %s", Redact(dsn), scrub(dsn, what), dsnShape)
	}
	if scheme, _, ok := strings.Cut(dsn, "://"); ok {
		if scheme != "postgres" && scheme != "postgresql" {
			if len(scheme) > 24 {
				scheme = scheme[:24] + "…"
			}
			return nil, bad(fmt.Sprintf("it starts with %q, not postgres:// or postgresql://", scheme+"://"))
		}
		if _, err := url.Parse(dsn); err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err // without the URL, password and all
			}
			return nil, bad(err.Error())
		}
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		msg := err.Error()
		// pgx says "cannot parse `DSN`: what": keep what.
		if _, what, ok := strings.Cut(msg, "`: "); ok && strings.HasPrefix(msg, "cannot parse `") {
			msg = what
		}
		return nil, bad(msg)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		// A host that never answers is said within seconds, not after the
		// operating system gives up; connect_timeout in the DSN decides.
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	return cfg, nil
}

// defaultConnectTimeout bounds a connection attempt whose DSN sets none.
const defaultConnectTimeout = 10 * time.Second

// Redact is dsn with its passwords masked: what a message may show.
func Redact(dsn string) string {
	if scheme, rest, ok := strings.Cut(dsn, "://"); ok {
		auth, query, hasQuery := strings.Cut(rest, "?")
		if at := strings.LastIndex(auth, "@"); at >= 0 {
			if user, _, hasPW := strings.Cut(auth[:at], ":"); hasPW {
				auth = user + ":" + mask + auth[at:]
			}
		}
		out := scheme + "://" + auth
		if hasQuery {
			params := strings.Split(query, "&")
			for i, p := range params {
				if k, _, ok := strings.Cut(p, "="); ok && isPasswordKey(k) {
					params[i] = k + "=" + mask
				}
			}
			out += "?" + strings.Join(params, "&")
		}
		return out
	}
	return kvPassword.ReplaceAllString(dsn, "${1}="+mask)
}

// kvPassword finds a password in a keyword=value DSN, quoted or not.
var kvPassword = regexp.MustCompile(`(?i)\b((?:ssl)?password)\s*=\s*(?:'(?:[^'\\]|\\.)*'?|\S*)`)

func isPasswordKey(k string) bool {
	if u, err := url.QueryUnescape(k); err == nil {
		k = u
	}
	k = strings.ToLower(strings.TrimSpace(k))
	return k == "password" || k == "sslpassword"
}

// secrets lists the passwords dsn holds, as written and decoded, so that
// they can be taken out of any message (see scrub).
func secrets(dsn string) []string {
	var out []string
	add := func(s string) {
		if s == "" {
			return
		}
		out = append(out, s)
		if u, err := url.PathUnescape(s); err == nil && u != s {
			out = append(out, u)
		}
		if u, err := url.QueryUnescape(s); err == nil && u != s {
			out = append(out, u)
		}
		if q := strconv.Quote(s); q[1:len(q)-1] != s {
			out = append(out, q[1:len(q)-1]) // as %q writes it
		}
	}
	if _, rest, ok := strings.Cut(dsn, "://"); ok {
		auth, query, _ := strings.Cut(rest, "?")
		if at := strings.LastIndex(auth, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(auth[:at], ":"); ok {
				add(pw)
			}
		}
		for _, p := range strings.Split(query, "&") {
			if k, v, ok := strings.Cut(p, "="); ok && isPasswordKey(k) {
				add(v)
			}
		}
		return out
	}
	for _, m := range kvPassword.FindAllString(dsn, -1) {
		_, v, _ := strings.Cut(m, "=")
		v = strings.TrimSpace(v)
		add(v)
		if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
			add(strings.ReplaceAll(v[1:len(v)-1], `\'`, `'`))
		}
	}
	return out
}

// scrub takes dsn's passwords out of msg.
func scrub(dsn, msg string) string {
	ss := secrets(dsn)
	// Longest first, so that no part of a longer one is left behind.
	for i := range ss {
		for j := i + 1; j < len(ss); j++ {
			if len(ss[j]) > len(ss[i]) {
				ss[i], ss[j] = ss[j], ss[i]
			}
		}
	}
	msg = strings.ReplaceAll(msg, dsn, Redact(dsn))
	for _, s := range ss {
		msg = strings.ReplaceAll(msg, s, mask)
	}
	return msg
}

// redacted is an error whose message has been scrubbed; it still wraps
// its cause for errors.Is and errors.As.
type redacted struct {
	msg string
	err error
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.err }

// redactErr scrubs dsn's passwords from err's message, keeping err
// underneath.
func redactErr(dsn string, err error) error {
	if err == nil {
		return nil
	}
	return &redacted{scrub(dsn, err.Error()), err}
}
