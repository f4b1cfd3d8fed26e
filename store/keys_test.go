package store

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"docket/model"
	"docket/store/bolt"
)

// newKey makes a fresh ed25519 key and returns it as a .pub line.
func newKey(t *testing.T, comment string) (string, ssh.PublicKey) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	must(t, err)
	return pubLine(t, pub, comment)
}

func pubLine(t *testing.T, key any, comment string) (string, ssh.PublicKey) {
	t.Helper()
	sp, err := ssh.NewPublicKey(key)
	must(t, err)
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp)))
	if comment != "" {
		line += " " + comment
	}
	return line, sp
}

func TestAddUserKeyAndSignIn(t *testing.T) {
	s, c := newStore(t)
	line, pub := newKey(t, "mia@laptop")
	k, err := s.AddUserKey("ada", "mia", line+"\n")
	must(t, err)
	if k.Fingerprint != ssh.FingerprintSHA256(pub) || k.Type != "ssh-ed25519" || k.Comment != "mia@laptop" || k.Key != line ||
		k.User != "mia" || k.AddedBy != "ada" || !k.AddedAt.Equal(t0) {
		t.Fatalf("added key %+v", k)
	}
	c.advance(time.Minute)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	// A .pub file as written, with a comment of several words and a
	// comment line of the file's own.
	line2, pub2 := pubLine(t, &ec.PublicKey, "mia on the office desktop")
	_, err = s.AddUserKey("ada", "mia", "# office\n\n"+line2+"\n")
	must(t, err)

	keys, err := s.UserKeys("mia", "mia")
	must(t, err)
	if len(keys) != 2 || keys[0].Fingerprint != k.Fingerprint || keys[1].Type != "ecdsa-sha2-nistp256" || keys[1].Comment != "mia on the office desktop" {
		t.Fatalf("mia's keys %+v", keys)
	}
	for _, p := range []ssh.PublicKey{pub, pub2} {
		u, err := s.UserByKey(p)
		if err != nil || u.Name != "mia" {
			t.Fatalf("UserByKey: %v, %v", u, err)
		}
	}
	// An unavailable user still signs in.
	away := model.Unavailable
	_, _, err = s.SetUser("ada", "mia", UserChange{Availability: &away})
	must(t, err)
	if u, err := s.UserByKey(pub); err != nil || u.Name != "mia" || u.Availability != model.Unavailable {
		t.Fatalf("unavailable mia: %v, %v", u, err)
	}
	_, stranger := newKey(t, "")
	if _, err := s.UserByKey(stranger); !errors.Is(err, model.ErrNotFound) || !strings.Contains(err.Error(), ssh.FingerprintSHA256(stranger)) {
		t.Fatalf("an unknown key: %v", err)
	}
	checkClean(t, s)
}

// Only admins manage keys; a user may list their own.
func TestUserKeyPermissions(t *testing.T) {
	s, _ := newStore(t)
	line, _ := newKey(t, "mia@laptop")
	k, err := s.AddUserKey("ada", "mia", line)
	must(t, err)
	other, _ := newKey(t, "")
	for _, actor := range []string{"lena", "ravi", "mia"} {
		before := snapshot(t, s)
		_, err := s.AddUserKey(actor, "mia", other)
		refused(t, s, err, model.ErrForbidden, "only an admin may manage SSH keys", before)
		_, err = s.RemoveUserKey(actor, "mia", k.Fingerprint)
		refused(t, s, err, model.ErrForbidden, "only an admin may manage SSH keys", before)
	}
	for _, tc := range []struct {
		actor string
		ok    bool
	}{{"ada", true}, {"mia", true}, {"lena", false}, {"ravi", false}} {
		keys, err := s.UserKeys(tc.actor, "mia")
		if tc.ok && (err != nil || len(keys) != 1) {
			t.Errorf("%s listing mia's keys: %v, %v", tc.actor, keys, err)
		}
		if !tc.ok && !errors.Is(err, model.ErrForbidden) {
			t.Errorf("%s listing mia's keys: %v, want refused", tc.actor, err)
		}
	}
	before := snapshot(t, s)
	_, err = s.AddUserKey("ada", "nobody", other)
	refused(t, s, err, model.ErrNotFound, `unknown user "nobody"`, before)
	_, err = s.AddUserKey("nobody", "mia", other)
	refused(t, s, err, model.ErrNotFound, `unknown user "nobody"`, before)
}

// A key signs in one user: the same key on a second user is refused,
// naming the first.
func TestKeyOnTwoUsersRefused(t *testing.T) {
	s, _ := newStore(t)
	line, pub := newKey(t, "shared@laptop")
	_, err := s.AddUserKey("ada", "mia", line)
	must(t, err)
	fp := ssh.FingerprintSHA256(pub)
	before := snapshot(t, s)
	// The same key with another comment is the same key.
	_, err = s.AddUserKey("ada", "ravi", strings.TrimSuffix(line, "shared@laptop")+"ravi")
	refused(t, s, err, model.ErrInvalid, "this key ("+fp+") is already mia's", before)
	_, err = s.AddUserKey("ada", "mia", line)
	refused(t, s, err, model.ErrInvalid, "mia already has this key", before)
}

func TestBadKeyLinesRefused(t *testing.T) {
	s, _ := newStore(t)
	good, pub := newKey(t, "mia@laptop")
	typ, blob, _ := strings.Cut(good, " ")
	blob, _, _ = strings.Cut(blob, " ")
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	must(t, err)
	weak, _ := pubLine(t, &small.PublicKey, "old")
	second, _ := newKey(t, "")
	for _, tc := range []struct{ what, text, want string }{
		{"empty", "  \n", "no key given"},
		{"only comments", "# nothing here\n", "no key given"},
		{"not a key", "hello world", `"hello", not a key type`},
		{"base64 alone", blob, "not a key type"},
		{"private key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n", "this is a private key"},
		{"two keys", good + "\n" + second + "\n", "2 keys given (lines 1, 2)"},
		{"DSA", "ssh-dss AAAAB3NzaC1kc3MAAACBAP8= old", "DSA keys (ssh-dss) are not allowed"},
		{"certificate", "ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQ= mia", "is a certificate"},
		{"options", `command="/bin/true",no-pty ` + good, "starts with options"},
		{"unknown type", "ssh-foo AAAA mia", `"ssh-foo", not a key type docket takes`},
		{"no key after the type", typ, "no key after it"},
		{"bad base64", typ + " AAAA!!!! mia", "not valid base64"},
		{"truncated key", typ + " " + blob[:20] + " mia", "does not decode"},
		{"type and key disagree", "ssh-rsa " + blob + " mia", "the line says ssh-rsa but the key is ssh-ed25519"},
		{"short RSA", weak, "the RSA key has 1024 bits; it needs 2048"},
		{"control character in the comment", typ + " " + blob + " mia\x1b[31m", "U+001B"},
		{"huge", strings.Repeat("x", 20<<10), "20480 bytes"},
	} {
		t.Run(tc.what, func(t *testing.T) {
			before := snapshot(t, s)
			_, err := s.AddUserKey("ada", "mia", tc.text)
			refused(t, s, err, model.ErrInvalid, tc.want, before)
		})
	}
	if _, err := s.UserByKey(pub); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("a refused key signs in: %v", err)
	}
}

func TestRemoveUserKey(t *testing.T) {
	s, c := newStore(t)
	line, pub := newKey(t, "mia@laptop")
	k, err := s.AddUserKey("ada", "mia", line)
	must(t, err)
	c.advance(time.Minute)
	line2, pub2 := newKey(t, "mia@phone")
	k2, err := s.AddUserKey("ada", "mia", line2)
	must(t, err)

	before := snapshot(t, s)
	_, err = s.RemoveUserKey("ada", "mia", "SHA256:nope")
	refused(t, s, err, model.ErrNotFound, "mia has no SSH key SHA256:nope (their keys: "+k.Fingerprint+", "+k2.Fingerprint+")", before)
	_, err = s.RemoveUserKey("ada", "ravi", k.Fingerprint)
	refused(t, s, err, model.ErrNotFound, "ravi has no SSH keys", before)

	gone, err := s.RemoveUserKey("ada", "mia", k.Fingerprint)
	must(t, err)
	if gone.Fingerprint != k.Fingerprint {
		t.Fatalf("removed %+v", gone)
	}
	if _, err := s.UserByKey(pub); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("a removed key still signs in: %v", err)
	}
	// The fingerprint without its SHA256: prefix, as some tools print it.
	_, err = s.RemoveUserKey("ada", "mia", strings.TrimPrefix(k2.Fingerprint, "SHA256:"))
	must(t, err)
	if _, err := s.UserByKey(pub2); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("a removed key still signs in: %v", err)
	}
	// Removed, the key may go to someone else.
	_, err = s.AddUserKey("ada", "ravi", line)
	must(t, err)
	if u, err := s.UserByKey(pub); err != nil || u.Name != "ravi" {
		t.Fatalf("the key given to ravi: %v, %v", u, err)
	}
	checkClean(t, s)
}

// docket check holds the key records and the sign-in index to each other.
func TestCheckVerifiesTheKeyIndex(t *testing.T) {
	boltOnly(t)
	for _, tc := range []struct {
		what   string
		damage func(r *bolt.Raw, k model.UserKey) error
		want   string
	}{
		{"index entry gone", func(r *bolt.Raw, k model.UserKey) error {
			return r.Delete("sshkeyfp", []byte(k.Fingerprint))
		}, "the sign-in index gives the key to \"\""},
		{"index points elsewhere", func(r *bolt.Raw, k model.UserKey) error {
			return r.Put("sshkeyfp", []byte(k.Fingerprint), []byte("ravi"))
		}, "gives it to ravi, who does not have it"},
		{"stray index entry", func(r *bolt.Raw, k model.UserKey) error {
			return r.Put("sshkeyfp", []byte("SHA256:stray"), []byte("lena"))
		}, "SSH key SHA256:stray: the sign-in index gives it to lena"},
		{"record edited", func(r *bolt.Raw, k model.UserKey) error {
			// A key is stored under user \0 fingerprint.
			return r.Replace("sshkeys", []byte(k.User+"\x00"+k.Fingerprint), "mia@laptop", "mia@evil")
		}, "does not match its digest"},
		{"record of a user who is gone", func(r *bolt.Raw, k model.UserKey) error {
			return r.Delete("users", []byte("mia"))
		}, "user mia is not in the database"},
	} {
		t.Run(tc.what, func(t *testing.T) {
			s, _ := newStore(t)
			line, _ := newKey(t, "mia@laptop")
			k, err := s.AddUserKey("ada", "mia", line)
			must(t, err)
			must(t, s.db.Edit(func(r *bolt.Raw) error { return tc.damage(r, k) }))
			r, err := s.Check()
			must(t, err)
			found := false
			for _, p := range r.Problems {
				found = found || strings.Contains(p.String(), tc.want)
			}
			if !found {
				t.Fatalf("check found %v, want a problem saying %q", r.Problems, tc.want)
			}
		})
	}
}

// A file from before keys, opened read-only, has no key buckets: no keys,
// no panic.
func TestKeysOnAFileWithoutKeyBuckets(t *testing.T) {
	boltOnly(t)
	s, c := newStore(t)
	ro := reopenReadOnlyWithout(t, s, c, "sshkeys", "sshkeyfp")
	_, pub := newKey(t, "")
	if _, err := ro.UserByKey(pub); !errors.Is(err, model.ErrNotFound) {
		t.Fatalf("UserByKey: %v", err)
	}
	if keys, err := ro.UserKeys("ada", "mia"); err != nil || len(keys) != 0 {
		t.Fatalf("UserKeys: %v, %v", keys, err)
	}
	checkClean(t, ro)
}
