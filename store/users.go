package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"docket/model"
)

// Login returns the user called name. On a database with no users yet, that
// first user is created as an admin, so a fresh install is usable at once.
func (s *Store) Login(name string) (model.User, error) {
	// Most logins find the user: a read transaction, no disk write. A
	// database opened read-only can only say who is not there.
	if u, err := s.User(name); err == nil || !errors.Is(err, model.ErrNotFound) || s.db.IsReadOnly() {
		return u, err
	}
	var u model.User
	err := s.update(func(x *txn) error {
		var ok bool
		var err error
		if u, ok, err = x.user(name); ok || err != nil {
			return err
		}
		if x.b(bUsers).Stats().KeyN > 0 {
			return x.unknownUser(name)
		}
		if err := model.ValidateName("user name", name); err != nil {
			return err
		}
		u = model.User{Name: name, Role: model.RoleAdmin, Availability: model.Available, CreatedAt: x.now}
		return x.putUser(u)
	})
	return u, err
}

// User returns one user.
func (s *Store) User(name string) (model.User, error) {
	var u model.User
	err := s.view(func(x *txn) error {
		var err error
		u, err = x.actor(name)
		return err
	})
	return u, err
}

// Users lists every user by name.
func (s *Store) Users() ([]model.User, error) {
	var out []model.User
	err := s.view(func(x *txn) error {
		return x.b(bUsers).ForEach(func(_, v []byte) error {
			var u model.User
			if err := json.Unmarshal(v, &u); err != nil {
				return err
			}
			out = append(out, u)
			return nil
		})
	})
	return out, err
}

// AddUser creates a user (admins only).
func (s *Store) AddUser(actor string, u model.User) error {
	return s.update(func(x *txn) error {
		a, err := x.actor(actor)
		if err != nil {
			return err
		}
		if err := model.Authorize(a, model.ActUsers, nil); err != nil {
			return err
		}
		return x.addUser(u)
	})
}

func (x *txn) addUser(u model.User) error {
	if err := model.ValidateName("user name", u.Name); err != nil {
		return err
	}
	if _, ok, err := x.user(u.Name); ok || err != nil {
		if err == nil {
			err = model.Invalidf("user %q already exists", u.Name)
		}
		return err
	}
	if u.Role == "" {
		u.Role = model.RoleReviewer
	}
	if u.Availability == "" {
		u.Availability = model.Available
	}
	if err := x.checkEmail(u); err != nil {
		return err
	}
	for _, t := range u.Teams {
		if err := model.ValidateName("team", t); err != nil {
			return err
		}
	}
	u.CreatedAt = x.now
	return x.putUser(u)
}

// checkEmail refuses a malformed email, or one another user already has.
// Users created by an import for unknown assignees come through here too.
func (x *txn) checkEmail(u model.User) error {
	if u.Email == "" {
		return nil
	}
	if err := model.ValidateEmail(u.Email); err != nil {
		return err
	}
	if other := x.b(bEmails).Get([]byte(strings.ToLower(u.Email))); other != nil && string(other) != u.Name {
		return model.Invalidf("email %s already belongs to %s", u.Email, other)
	}
	return nil
}

// checkAssignee is what importing a case with this assignee id would
// refuse: an unknown id becomes a new reviewer, whose derived name and
// email must be valid. The import's first pass calls it, so a bad id stops
// the import before anything is written.
func (x *txn) checkAssignee(id string) error {
	if id == "" {
		return nil
	}
	if _, ok, err := x.userByIdentity(id); ok || err != nil {
		return err
	}
	if err := model.ValidateName("user name", x.freeUserName(id)); err != nil {
		return fmt.Errorf("%q cannot become a user: %w", id, err)
	}
	if strings.Contains(id, "@") {
		return x.checkEmail(model.User{Email: id})
	}
	return nil
}

// UserChange says what to change on a user; nil fields stay as they are.
type UserChange struct {
	Role         *model.Role
	Email        *string
	Teams        *[]string
	Availability *model.Availability
}

// SetUser changes a user. Admins may change anything; a user may change
// their own availability, and so may a lead. A user who becomes
// unavailable gives their open cases back to Unassigned, each with an
// audit event; released says how many.
func (s *Store) SetUser(actor, name string, ch UserChange) (u model.User, released int, err error) {
	err = s.update(func(x *txn) error {
		a, err := x.actor(actor)
		if err != nil {
			return err
		}
		if u, err = x.actor(name); err != nil {
			return err
		}
		onlyAvailability := ch.Role == nil && ch.Email == nil && ch.Teams == nil
		if !(onlyAvailability && (a.Name == u.Name || a.Role.AtLeast(model.RoleLead))) {
			if err := model.Authorize(a, model.ActUsers, nil); err != nil {
				return err
			}
		}
		wasAway := u.Availability == model.Unavailable
		if err := x.applyUserChange(&u, ch); err != nil {
			return err
		}
		if u.Availability == model.Unavailable && !wasAway {
			released, err = x.releaseCases(a, u.Name)
		}
		return err
	})
	return u, released, err
}

func (x *txn) applyUserChange(u *model.User, ch UserChange) error {
	if ch.Role != nil {
		u.Role = *ch.Role
	}
	if ch.Availability != nil {
		u.Availability = *ch.Availability
	}
	if ch.Teams != nil {
		for _, t := range *ch.Teams {
			if err := model.ValidateName("team", t); err != nil {
				return err
			}
		}
		u.Teams = *ch.Teams
	}
	if ch.Email != nil && *ch.Email != u.Email {
		next := *u
		next.Email = *ch.Email
		if err := x.checkEmail(next); err != nil {
			return err
		}
		if u.Email != "" {
			if err := x.b(bEmails).Delete([]byte(strings.ToLower(u.Email))); err != nil {
				return err
			}
		}
		u.Email = next.Email
	}
	return x.putUser(*u)
}
