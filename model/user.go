// Package model holds docket's domain types and the pure rules over them.
// It does no I/O and imports nothing else of the project.
package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Role is what a user may do. Each role includes the ones before it.
type Role string

const (
	RoleReviewer Role = "reviewer"
	RoleLead     Role = "lead"
	RoleAdmin    Role = "admin"
)

// Roles lists the roles from least to most powerful.
var Roles = []Role{RoleReviewer, RoleLead, RoleAdmin}

func (r Role) rank() int { return slices.Index(Roles, r) }

// AtLeast reports whether r includes every right of o.
func (r Role) AtLeast(o Role) bool { return r.rank() >= o.rank() && r.rank() >= 0 }

// ParseRole accepts a role name in any case.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if r.rank() < 0 {
		return "", Invalidf("unknown role %q (want reviewer, lead or admin)", s)
	}
	return r, nil
}

// Availability says whether a user takes new cases.
type Availability string

const (
	Available   Availability = "available"
	Busy        Availability = "busy"
	Unavailable Availability = "unavailable"
)

// ParseAvailability accepts an availability in any case.
func ParseAvailability(s string) (Availability, error) {
	a := Availability(strings.ToLower(strings.TrimSpace(s)))
	switch a {
	case Available, Busy, Unavailable:
		return a, nil
	}
	return "", Invalidf("unknown availability %q (want available, busy or unavailable)", s)
}

// User is a reviewer, lead or admin.
type User struct {
	Name         string       `json:"name"`
	Email        string       `json:"email,omitempty"`
	Role         Role         `json:"role"`
	Teams        []string     `json:"teams,omitempty"`
	Availability Availability `json:"availability"`
	CreatedAt    time.Time    `json:"created_at,omitzero"`
}

// UserKey is an SSH public key a user signs in with (docket serve). The
// store parses and checks it; the fingerprint is what names it.
type UserKey struct {
	User        string    `json:"user"`
	Fingerprint string    `json:"fingerprint"` // SHA256:…, as ssh-keygen -l prints it
	Type        string    `json:"type"`        // ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa, …
	Comment     string    `json:"comment,omitempty"`
	Key         string    `json:"key"` // the authorized_keys line: type, key, comment
	AddedAt     time.Time `json:"added_at"`
	AddedBy     string    `json:"added_by"`
}

// APIToken is a bearer token a user's programs call the HTTP API with. The
// store keeps only a digest of the secret; the token itself is shown once,
// when it is made.
type APIToken struct {
	ID        string    `json:"id"` // the public part of the token, before its secret
	User      string    `json:"user"`
	Label     string    `json:"label,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	ExpiresAt time.Time `json:"expires_at,omitzero"` // zero: never
}

// Expired reports whether the token no longer signs anyone in at now.
func (t APIToken) Expired(now time.Time) bool {
	return !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)
}

// InTeam reports whether the user belongs to team (case-insensitive).
func (u User) InTeam(team string) bool {
	return slices.ContainsFunc(u.Teams, func(t string) bool { return strings.EqualFold(t, team) })
}

// ValidateName checks a user or team name: short, valid UTF-8, visible
// characters only, no spaces or separators, because names appear in index
// keys and on the command line, and two names that look alike must be the
// same name. So zero-width, bidirectional and other format characters are
// refused ("ad\u200bmin" would pass for "admin").
func ValidateName(what, s string) error {
	if s == "" {
		return Invalidf("%s is empty", what)
	}
	if len(s) > 64 {
		return Invalidf("%s %q is longer than 64 characters", what, s[:64])
	}
	if !utf8.ValidString(s) {
		return Invalidf("%s %q is not valid UTF-8", what, s)
	}
	for _, r := range s {
		switch {
		case unicode.IsSpace(r) || r == '/' || r == ',' || unicode.IsControl(r):
			return Invalidf("%s %q may not contain spaces, commas, slashes or control characters", what, s)
		case !unicode.IsGraphic(r):
			return Invalidf("%s %q contains %U, an invisible or formatting character; type the name plainly", what, s, r)
		}
	}
	return nil
}

// MaxEmailBytes is the longest address RFC 5321 lets through.
const MaxEmailBytes = 254

// ValidateEmail checks the shape of an email address as far as docket
// relies on it: one @ with something either side, at most 254 bytes, valid
// UTF-8, and nothing invisible: no spaces, control, zero-width or
// bidirectional characters, so an address prints as what it is.
func ValidateEmail(e string) error {
	if len(e) > MaxEmailBytes {
		return Invalidf("email %q is longer than %d bytes", e[:64]+"…", MaxEmailBytes)
	}
	if !utf8.ValidString(e) {
		return Invalidf("email %q is not valid UTF-8", e)
	}
	local, domain, _ := strings.Cut(e, "@")
	if strings.Count(e, "@") != 1 || local == "" || domain == "" {
		return Invalidf("email %q needs one @ with a name before it and a domain after it", e)
	}
	for _, r := range e {
		if unicode.IsSpace(r) || !unicode.IsGraphic(r) {
			return Invalidf("email %q contains %U; an address has no spaces, control or invisible characters", e, r)
		}
	}
	return nil
}

func (u User) String() string { return fmt.Sprintf("%s (%s)", u.Name, u.Role) }
