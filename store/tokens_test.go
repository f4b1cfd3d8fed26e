package store

import (
	"errors"
	"strings"
	"testing"
	"time"

	"docket/model"
	"docket/store/bolt"
)

func TestTokensSignInUntilRevokedOrExpired(t *testing.T) {
	s, c := newStore(t)
	nt, err := s.CreateToken("ada", "mia", "risk engine", 90*24*time.Hour)
	must(t, err)
	if !strings.HasPrefix(nt.Token, "dkt_"+nt.ID+"_") || len(nt.Token) < 50 || nt.User != "mia" || nt.CreatedBy != "ada" ||
		!nt.ExpiresAt.Equal(t0.Add(90*24*time.Hour)) || nt.Label != "risk engine" {
		t.Fatalf("made %+v", nt)
	}
	u, rec, err := s.UserByToken(nt.Token)
	if err != nil || u.Name != "mia" || rec.ID != nt.ID {
		t.Fatalf("UserByToken: %v %+v %v", u, rec, err)
	}
	// The store keeps a digest, never the token.
	for k, v := range snapshot(t, s) {
		if strings.Contains(v, nt.Token[len("dkt_"+nt.ID+"_"):]) {
			t.Fatalf("the token's secret is stored under %q", k)
		}
	}
	// A wrong secret, a made-up id, garbage and an expired token are all
	// the same refusal.
	wrong := nt.Token[:len(nt.Token)-2] + "xx"
	for _, bad := range []string{wrong, "dkt_0123456789abcdef01_secret", "Bearer x", "", strings.Repeat("dkt_a_", 100)} {
		if _, _, err := s.UserByToken(bad); !errors.Is(err, model.ErrNotFound) || !strings.Contains(err.Error(), "not valid") {
			t.Fatalf("token %q: %v", bad, err)
		}
	}
	c.advance(90 * 24 * time.Hour)
	if _, _, err := s.UserByToken(nt.Token); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("an expired token signed in: %v", err)
	}
	// Revoked: gone.
	c.set(t0.Add(time.Minute))
	forever, err := s.CreateToken("mia", "mia", "", 0)
	must(t, err)
	if !forever.ExpiresAt.IsZero() {
		t.Fatalf("a token without a lifetime expires at %v", forever.ExpiresAt)
	}
	list, err := s.Tokens("mia", "mia")
	must(t, err)
	if len(list) != 2 || list[0].ID != nt.ID || list[1].ID != forever.ID {
		t.Fatalf("mia's tokens %+v", list)
	}
	gone, err := s.RevokeToken("mia", "mia", forever.Token)
	must(t, err)
	if gone.ID != forever.ID {
		t.Fatalf("revoked %+v", gone)
	}
	if _, _, err := s.UserByToken(forever.Token); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("a revoked token signed in: %v", err)
	}
	report, err := s.Check()
	must(t, err)
	if len(report.Problems) != 0 {
		t.Fatalf("check: %+v", report.Problems)
	}
}

func TestTokenRefusals(t *testing.T) {
	s, _ := newStore(t)
	own, err := s.CreateToken("ravi", "ravi", "", time.Hour)
	must(t, err)
	before := snapshot(t, s)
	_, err = s.CreateToken("ravi", "mia", "", time.Hour)
	refused(t, s, err, model.ErrForbidden, "only an admin", before)
	_, err = s.CreateToken("lena", "mia", "", time.Hour)
	refused(t, s, err, model.ErrForbidden, "only an admin", before)
	_, err = s.Tokens("mia", "ravi")
	refused(t, s, err, model.ErrForbidden, "only an admin", before)
	_, err = s.RevokeToken("mia", "ravi", own.ID)
	refused(t, s, err, model.ErrForbidden, "only an admin", before)
	_, err = s.RevokeToken("ada", "mia", own.ID)
	refused(t, s, err, model.ErrNotFound, "mia has no API tokens", before)
	_, err = s.RevokeToken("ada", "ravi", "nope")
	refused(t, s, err, model.ErrNotFound, "ravi has no API token nope (their tokens: "+own.ID+")", before)
	_, err = s.CreateToken("ada", "nobody", "", time.Hour)
	refused(t, s, err, model.ErrNotFound, "nobody", before)
	_, err = s.CreateToken("ada", "mia", "bad\x1b[31mlabel", time.Hour)
	refused(t, s, err, model.ErrInvalid, "control or invisible", before)
	_, err = s.CreateToken("ada", "mia", strings.Repeat("x", 101), time.Hour)
	refused(t, s, err, model.ErrInvalid, "at most 100", before)
	_, err = s.CreateToken("ada", "mia", "", -time.Hour)
	refused(t, s, err, model.ErrInvalid, "negative", before)
}

func TestCheckFindsATamperedToken(t *testing.T) {
	boltOnly(t)
	s, _ := newStore(t)
	nt, err := s.CreateToken("ada", "mia", "", 0)
	must(t, err)
	must(t, s.db.Edit(func(r *bolt.Raw) error {
		return r.Replace("tokens", []byte(nt.ID), `"user":"mia"`, `"user":"ada"`)
	}))
	report, err := s.Check()
	must(t, err)
	if len(report.Problems) != 1 || !strings.Contains(report.Problems[0].Where+report.Problems[0].What, "does not match its digest") {
		t.Fatalf("check: %+v", report.Problems)
	}
	if _, _, err := s.UserByToken(nt.Token); !errors.Is(err, ErrDamaged) {
		t.Fatalf("a tampered token: %v", err)
	}
}
