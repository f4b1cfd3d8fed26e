package store

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"docket/model"
	"docket/store/backend"
)

// API tokens say who an HTTP request is. A token reads
// "dkt_<id>_<secret>": the id finds the record in one lookup, and the
// record keeps only a SHA-256 digest of the whole token. The secret has
// 256 random bits, so a plain digest is enough: there is nothing to guess.
// A user may make, list and revoke their own tokens; an admin, anyone's.

const (
	tokenPrefix   = "dkt_"
	maxTokenLabel = 100
)

// NewToken is a token just made: its record, and the token itself, which
// is not kept and cannot be shown again.
type NewToken struct {
	model.APIToken
	Token string
}

// CreateToken makes an API token for user, valid for ttl (0: it never
// expires), with an optional label saying what it is for.
func (s *Store) CreateToken(actor, user, label string, ttl time.Duration) (NewToken, error) {
	if err := checkLabel("the token's label", label, maxTokenLabel); err != nil {
		return NewToken{}, err
	}
	if ttl < 0 {
		return NewToken{}, model.Invalidf("a token's lifetime cannot be negative")
	}
	id, secret := randomText(9), randomText(32)
	token := tokenPrefix + id + "_" + secret
	var out NewToken
	err := s.update(func(x *txn) error {
		a, u, err := x.tokenActors(actor, user)
		if err != nil {
			return err
		}
		t := model.APIToken{ID: id, User: u.Name, Label: label, CreatedAt: x.now, CreatedBy: a.Name}
		if ttl > 0 {
			t.ExpiresAt = x.now.Add(ttl)
		}
		out = NewToken{APIToken: t, Token: token}
		return x.putToken(t, tokenDigest(token))
	})
	return out, err
}

// Tokens lists user's API tokens, oldest first; expired ones are listed
// too, until revoked.
func (s *Store) Tokens(actor, user string) ([]model.APIToken, error) {
	var out []model.APIToken
	err := s.view(func(x *txn) error {
		if _, _, err := x.tokenActors(actor, user); err != nil {
			return err
		}
		var err error
		out, err = x.tokensOf(user)
		return err
	})
	return out, err
}

// RevokeToken deletes one of user's tokens, named by its id (or by the
// whole token).
func (s *Store) RevokeToken(actor, user, id string) (model.APIToken, error) {
	id = tokenID(id)
	var out model.APIToken
	err := s.update(func(x *txn) error {
		if _, _, err := x.tokenActors(actor, user); err != nil {
			return err
		}
		t, _, ok, err := x.token(id)
		if err != nil {
			return err
		}
		if !ok || t.User != user {
			return x.noSuchToken(user, id)
		}
		out = t
		return x.be.DropToken(id)
	})
	return out, err
}

// UserByToken is the user a bearer token signs in, with the token's record.
// Every refusal is the same ErrNotFound error, so a caller cannot tell an
// unknown token from a wrong secret or an expired one.
func (s *Store) UserByToken(token string) (model.User, model.APIToken, error) {
	var u model.User
	var t model.APIToken
	refused := model.NotFoundf("the API token is not valid (unknown, revoked or expired)")
	id, ok := splitToken(token)
	if !ok {
		return u, t, refused
	}
	err := s.view(func(x *txn) error {
		rec, digest, ok, err := x.token(id)
		if err != nil {
			return err
		}
		if !ok || subtle.ConstantTimeCompare(digest, tokenDigest(token)) != 1 || rec.Expired(x.now) {
			return refused
		}
		user, found, err := x.user(rec.User)
		if err == nil && !found {
			err = backend.Damaged(s.path, fmt.Sprintf("API token %s belongs to user %s, who is not in the database", id, rec.User))
		}
		u, t = user, rec
		return err
	})
	return u, t, err
}

// tokenActors loads the actor and the token's owner, and checks the actor
// may manage the owner's tokens.
func (x *txn) tokenActors(actor, user string) (model.User, model.User, error) {
	a, err := x.actor(actor)
	if err != nil {
		return a, model.User{}, err
	}
	if a.Name != user {
		if err := model.Authorize(a, model.ActTokens, nil); err != nil {
			return a, model.User{}, model.Forbiddenf("only an admin may manage another user's API tokens; %s is a %s", a.Name, a.Role)
		}
	}
	u, err := x.actor(user)
	return a, u, err
}

// randomText is n random bytes: hex when short (an id, which holds no
// "_", so a token splits at its first "_" after the prefix), else unpadded
// base64url (a secret).
func randomText(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	if n < 16 {
		return hex.EncodeToString(b)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// splitToken finds the id in "dkt_<id>_<secret>".
func splitToken(token string) (string, bool) {
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return "", false
	}
	id, secret, ok := strings.Cut(rest, "_")
	return id, ok && id != "" && secret != "" && len(token) <= 200
}

// tokenID accepts a token's id or the whole token.
func tokenID(s string) string {
	if id, ok := splitToken(s); ok {
		return id
	}
	return s
}

func tokenDigest(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

func (x *txn) putToken(t model.APIToken, digest []byte) error { return x.be.PutToken(t, digest) }

func (x *txn) token(id string) (model.APIToken, []byte, bool, error) { return x.be.Token(id) }

// tokensOf lists user's tokens, oldest first. Tokens are few, so a scan
// of all of them is cheap.
func (x *txn) tokensOf(user string) ([]model.APIToken, error) {
	out := []model.APIToken{}
	err := x.be.EachToken(func(t model.APIToken) error {
		if t.User == user {
			out = append(out, t)
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, b model.APIToken) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, err
}

func (x *txn) noSuchToken(user, id string) error {
	tokens, err := x.tokensOf(user)
	if err != nil {
		return err
	}
	if len(tokens) == 0 {
		return model.NotFoundf("%s has no API tokens, so not %s", user, id)
	}
	var ids []string
	for _, t := range tokens {
		ids = append(ids, t.ID)
	}
	return model.NotFoundf("%s has no API token %s (their tokens: %s)", user, id, strings.Join(ids, ", "))
}
