package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"docket/model"
)

// Login returns the user called name. On a database with no users yet, that
// first user is created as an admin, so a fresh install is usable at once.
func (s *Store) Login(name string) (model.User, error) {
	// Most logins find the user: a read transaction, no disk write. A
	// database opened read-only can only say who is not there.
	if u, err := s.User(name); err == nil || !errors.Is(err, model.ErrNotFound) || s.readOnly() {
		return u, err
	}
	var u model.User
	err := s.update(func(x *txn) error {
		var ok bool
		var err error
		if u, ok, err = x.user(name); ok || err != nil {
			return err
		}
		if some, err := x.be.HasUsers(); err != nil || some {
			if err == nil {
				err = x.unknownUser(name)
			}
			return err
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

// UserByIdentity finds a user by name or email (as Persona documents name
// people).
func (s *Store) UserByIdentity(id string) (model.User, error) {
	var u model.User
	err := s.view(func(x *txn) error {
		found, ok, err := x.userByIdentity(id)
		if err == nil && !ok {
			err = model.NotFoundf("no user has the name or email %q", id)
		}
		u = found
		return err
	})
	return u, err
}

// Users lists every user by name.
func (s *Store) Users() ([]model.User, error) {
	var out []model.User
	err := s.view(func(x *txn) error {
		return x.be.EachUser(func(u model.User, bad error) error {
			if bad != nil {
				return bad
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
		if _, err := x.actorMay(actor, model.ActUsers); err != nil {
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
	other, ok, err := x.be.UserByEmail(u.Email)
	if err != nil {
		return err
	}
	if ok && other != u.Name {
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
		released = 0
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

// Release is what the change that last made a user unavailable did with
// their open cases.
type Release struct {
	User   string
	By     string    // who made them unavailable
	At     time.Time // when
	Cases  int       // how many open cases went back to Unassigned then
	Return []string  // of those, the names of the ones still unassigned and open
}

// releaseKey in the meta bucket remembers, per user, which cases the
// change that made them unavailable released, so that they can be given
// back when the user is available again.
func releaseKey(user string) string { return stateReleased + user }

type releaseRecord struct {
	By    string    `json:"by"`
	At    time.Time `json:"at"`
	Cases []string  `json:"cases"` // case ids
}

func (x *txn) release(user string) (releaseRecord, bool, error) {
	var r releaseRecord
	raw, err := x.be.State(releaseKey(user))
	if err != nil || raw == nil {
		return r, false, err
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return r, true, fmt.Errorf("corrupt record %q: %w", releaseKey(user), err)
	}
	return r, true, nil
}

// Released says which cases the change that made user unavailable
// released and which of them could be given back now (still unassigned
// and open). A user never released from has a Release with no cases.
func (s *Store) Released(user string) (Release, error) {
	out := Release{User: user}
	err := s.view(func(x *txn) error {
		r, _, err := x.release(user)
		if err != nil {
			return err
		}
		out.By, out.At, out.Cases = r.By, r.At, len(r.Cases)
		for _, id := range r.Cases {
			if c, ok := x.returnable(id); ok {
				out.Return = append(out.Return, c.Name)
			}
		}
		return nil
	})
	return out, err
}

// returnable reads a released case if it can still be given back: it is
// there, open and nobody's.
func (x *txn) returnable(id string) (*model.Case, bool) {
	c, err := x.caseHeader(id)
	if err != nil || c.Assignee != "" || !c.Open() {
		return c, false
	}
	return c, true
}

// GiveBack returns to user the cases that the change which made them
// unavailable released, those still unassigned and open, each with an
// audit event, in one transaction. The user must be available or busy
// again; the actor must be the user or a lead, as for availability.
// given names the cases given back; left, the others and why.
func (s *Store) GiveBack(actor, user string) (given []string, left []BulkRefusal, err error) {
	err = s.update(func(x *txn) error {
		given, left = nil, nil
		a, err := x.actor(actor)
		if err != nil {
			return err
		}
		u, err := x.actor(user)
		if err != nil {
			return err
		}
		if a.Name != u.Name && !a.Role.AtLeast(model.RoleLead) {
			return model.Forbiddenf("%s is a reviewer; only %s or a lead may give %s's cases back", a.Name, u.Name, u.Name)
		}
		if u.Availability == model.Unavailable {
			return model.Invalidf("%s is unavailable; make them available before giving their cases back", u.Name)
		}
		r, ok, err := x.release(u.Name)
		if err != nil {
			return err
		}
		if !ok || len(r.Cases) == 0 {
			return model.NotFoundf("no cases were released when %s last became unavailable", u.Name)
		}
		for _, id := range r.Cases {
			if err := x.giveBack(a, u, id, r, &given, &left); err != nil {
				return err
			}
		}
		return x.be.DropState(releaseKey(u.Name))
	})
	return given, left, err
}

func (x *txn) giveBack(a, u model.User, id string, r releaseRecord, given *[]string, left *[]BulkRefusal) error {
	c, ok := x.returnable(id)
	switch {
	case c == nil:
		*left = append(*left, BulkRefusal{Case: id, Reason: "no longer in the database"})
		return nil
	case c.Assignee != "":
		*left = append(*left, BulkRefusal{Case: c.Name, Reason: "assigned to " + c.Assignee + " since"})
		return nil
	case !ok:
		*left = append(*left, BulkRefusal{Case: c.Name, Reason: "decided since (" + c.Status + ")"})
		return nil
	}
	if err := model.AuthorizeAssign(a, c, u.Name); err != nil {
		*left = append(*left, BulkRefusal{Case: c.Name, Reason: err.Error()})
		return nil
	}
	old := c.Clone()
	c.Assignee, c.Assigner, c.AssignedAt = u.Name, a.Name, x.now
	*given = append(*given, c.Name)
	return x.record(old, c, a.Name, model.Event{Kind: model.EventAssigned, To: u.Name,
		Reason: fmt.Sprintf("given back: released when %s became unavailable %s", u.Name, r.At.UTC().Format("2006-01-02 15:04 UTC"))})
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
			if err := x.be.DropEmail(u.Email); err != nil {
				return err
			}
		}
		u.Email = next.Email
	}
	return x.putUser(*u)
}
