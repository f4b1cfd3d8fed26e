// Package model holds docket's domain types and the pure rules over them.
// It does no I/O and imports nothing else of the project.
package model

import (
	"fmt"
	"slices"
	"strings"
	"time"
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

// InTeam reports whether the user belongs to team (case-insensitive).
func (u User) InTeam(team string) bool {
	return slices.ContainsFunc(u.Teams, func(t string) bool { return strings.EqualFold(t, team) })
}

// ValidateName checks a user name: short, printable, no spaces or separators,
// because names appear in index keys and on the command line.
func ValidateName(what, s string) error {
	if s == "" {
		return Invalidf("%s is empty", what)
	}
	if len(s) > 64 {
		return Invalidf("%s %q is longer than 64 characters", what, s[:64])
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == '/' || r == ',' || (r >= 0x80 && r < 0xa0) {
			return Invalidf("%s %q may not contain spaces, commas, slashes or control characters", what, s)
		}
	}
	return nil
}

func (u User) String() string { return fmt.Sprintf("%s (%s)", u.Name, u.Role) }
