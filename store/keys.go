package store

import (
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/ssh"

	"docket/model"
	"docket/store/backend"
)

// SSH keys say who a connection to docket serve is. Each user may have
// several; a key belongs to one user at most. bKeys holds the keys by
// user (user \0 fingerprint -> key record), bKeyIndex the other way
// (fingerprint -> user), so that signing in is one lookup.

// allowedKeyTypes are the key types a user may sign in with. DSA is
// refused (broken, and dropped by OpenSSH), and so are certificates:
// docket has no certificate authority to trust.
var allowedKeyTypes = []string{
	ssh.KeyAlgoED25519, ssh.KeyAlgoSKED25519,
	ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521, ssh.KeyAlgoSKECDSA256,
	ssh.KeyAlgoRSA,
}

const (
	minRSABits      = 2048
	maxKeyTextBytes = 16 << 10 // an RSA key of 16,384 bits is a line of about 2.8 KB
	maxCommentBytes = 256
)

// AddUserKey gives user an SSH public key to sign in with, from the text
// of an authorized_keys or .pub file holding one key (blank and # lines
// are skipped). Admins only. The key must be of an allowed type (RSA of
// 2048 bits or more) and not already anyone's; its comment is kept.
func (s *Store) AddUserKey(actor, user, text string) (model.UserKey, error) {
	var out model.UserKey
	err := s.update(func(x *txn) error {
		a, err := x.actorMay(actor, model.ActKeys)
		if err != nil {
			return err
		}
		u, err := x.actor(user)
		if err != nil {
			return err
		}
		k, _, err := parseKeyText(text)
		if err != nil {
			return err
		}
		owner, claimed, err := x.be.KeyOwner(k.Fingerprint)
		if err != nil {
			return err
		}
		if claimed {
			if owner == u.Name {
				return model.Invalidf("%s already has this key (%s)", u.Name, k.Fingerprint)
			}
			return model.Invalidf("this key (%s) is already %s's; a key signs in one user only", k.Fingerprint, owner)
		}
		k.User, k.AddedAt, k.AddedBy = u.Name, x.now, a.Name
		if err := x.putKey(k); err != nil {
			return err
		}
		out = k
		return nil
	})
	return out, err
}

// UserKeys lists user's SSH keys, oldest first. An admin may list
// anyone's; a user, their own.
func (s *Store) UserKeys(actor, user string) ([]model.UserKey, error) {
	var out []model.UserKey
	err := s.view(func(x *txn) error {
		a, err := x.actor(actor)
		if err != nil {
			return err
		}
		if a.Name != user {
			if err := model.Authorize(a, model.ActKeys, nil); err != nil {
				return err
			}
		}
		if _, err := x.actor(user); err != nil {
			return err
		}
		out, err = x.keysOf(user)
		return err
	})
	return out, err
}

// RemoveUserKey takes one of user's SSH keys away, named by its
// fingerprint as UserKeys gives it ("SHA256:" may be left out). Admins
// only.
func (s *Store) RemoveUserKey(actor, user, fingerprint string) (model.UserKey, error) {
	var out model.UserKey
	err := s.update(func(x *txn) error {
		if _, err := x.actorMay(actor, model.ActKeys); err != nil {
			return err
		}
		if _, err := x.actor(user); err != nil {
			return err
		}
		fp := fingerprint
		if !strings.HasPrefix(fp, "SHA256:") {
			fp = "SHA256:" + fp
		}
		k, ok, err := x.key(user, fp)
		if err != nil {
			return err
		}
		if !ok {
			return x.noSuchKey(user, fingerprint)
		}
		out = k
		return x.be.DropKey(user, fp)
	})
	return out, err
}

// UserByKey is the user who signs in with key (what docket serve asks of
// each connection), or an ErrNotFound error. It does not look at the
// user's availability: an unavailable user may still sign in.
func (s *Store) UserByKey(key ssh.PublicKey) (model.User, error) {
	var u model.User
	fp := ssh.FingerprintSHA256(key)
	err := s.view(func(x *txn) error {
		name, claimed, err := x.be.KeyOwner(fp)
		if err != nil {
			return err
		}
		if !claimed {
			return model.NotFoundf("no user has the key %s", fp)
		}
		k, ok, err := x.key(string(name), fp)
		if err != nil {
			return err
		}
		// The index says whose key it is; the user's own record must agree,
		// to the last byte of the key.
		if !ok || k.Key != authorizedLine(key, k.Comment) {
			return backend.Damaged(s.path, fmt.Sprintf("the key index names %s for %s, whose keys do not hold it", name, fp))
		}
		u, ok, err = x.user(string(name))
		if err == nil && !ok {
			err = backend.Damaged(s.path, fmt.Sprintf("the key %s belongs to user %s, who is not in the database", fp, name))
		}
		return err
	})
	return u, err
}

// parseKeyText finds the one key in an authorized_keys or .pub text and
// checks it.
func parseKeyText(text string) (model.UserKey, ssh.PublicKey, error) {
	if len(text) > maxKeyTextBytes {
		return model.UserKey{}, nil, model.Invalidf("the key text is %d bytes; an SSH public key is one line of at most a few KB", len(text))
	}
	if strings.Contains(text, "PRIVATE KEY") {
		return model.UserKey{}, nil, model.Invalidf("this is a private key; give the public key (the .pub file beside it), and keep the private one to yourself")
	}
	var lines []int
	var line string
	for i, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") {
			lines, line = append(lines, i+1), l
		}
	}
	switch {
	case len(lines) == 0:
		return model.UserKey{}, nil, model.Invalidf("no key given: want one line like ssh-ed25519 AAAAC3Nza… mia@laptop (the .pub file of the key)")
	case len(lines) > 1:
		return model.UserKey{}, nil, model.Invalidf("%d keys given (lines %s); add one key at a time", len(lines), joinInts(lines))
	}
	return parseKeyLine(line)
}

// parseKeyLine checks one authorized_keys line: TYPE BASE64 [COMMENT].
func parseKeyLine(line string) (model.UserKey, ssh.PublicKey, error) {
	fields := strings.Fields(line)
	typ := fields[0]
	switch {
	case strings.Contains(typ, "-cert-v01@openssh.com"):
		return model.UserKey{}, nil, model.Invalidf("%s is a certificate; docket takes plain public keys", typ)
	case typ == ssh.KeyAlgoDSA:
		return model.UserKey{}, nil, model.Invalidf("DSA keys (ssh-dss) are not allowed; make a new key with ssh-keygen -t ed25519")
	case !slices.Contains(allowedKeyTypes, typ) && slices.ContainsFunc(fields[1:], isKeyType):
		return model.UserKey{}, nil, model.Invalidf("the line starts with options (%s); docket takes no authorized_keys options: give the key alone, like ssh-ed25519 AAAAC3Nza… mia@laptop", clip(typ))
	case !slices.Contains(allowedKeyTypes, typ):
		return model.UserKey{}, nil, model.Invalidf("the line starts with %q, not a key type docket takes (allowed: %s); want a line like ssh-ed25519 AAAAC3Nza… mia@laptop", clip(typ), strings.Join(allowedKeyTypes, ", "))
	case len(fields) < 2:
		return model.UserKey{}, nil, model.Invalidf("the line has the key type %s but no key after it", typ)
	}
	blob, err := base64.StdEncoding.DecodeString(fields[1])
	if err != nil {
		return model.UserKey{}, nil, model.Invalidf("the key after %s is not valid base64: %v", typ, err)
	}
	pub, err := ssh.ParsePublicKey(blob)
	if err != nil {
		return model.UserKey{}, nil, model.Invalidf("the key after %s does not decode: %v", typ, err)
	}
	if pub.Type() != typ {
		return model.UserKey{}, nil, model.Invalidf("the line says %s but the key is %s", typ, pub.Type())
	}
	if err := checkKeyStrength(pub); err != nil {
		return model.UserKey{}, nil, err
	}
	comment := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(line, typ)), fields[1]))
	if err := checkKeyComment(comment); err != nil {
		return model.UserKey{}, nil, err
	}
	return model.UserKey{
		Fingerprint: ssh.FingerprintSHA256(pub),
		Type:        typ,
		Comment:     comment,
		Key:         authorizedLine(pub, comment),
	}, pub, nil
}

// isKeyType says whether a word names an SSH key type, allowed or not.
func isKeyType(w string) bool {
	return slices.Contains(allowedKeyTypes, w) || w == ssh.KeyAlgoDSA || strings.HasSuffix(w, "-cert-v01@openssh.com")
}

func checkKeyStrength(pub ssh.PublicKey) error {
	ck, ok := pub.(ssh.CryptoPublicKey)
	if !ok {
		return nil
	}
	if r, ok := ck.CryptoPublicKey().(*rsa.PublicKey); ok && r.N.BitLen() < minRSABits {
		return model.Invalidf("the RSA key has %d bits; it needs %d or more (or make an ed25519 key: ssh-keygen -t ed25519)", r.N.BitLen(), minRSABits)
	}
	return nil
}

// checkKeyComment keeps comments printable: they are shown in key lists.
func checkKeyComment(c string) error { return checkLabel("the key's comment", c, maxCommentBytes) }

// checkLabel checks a free-text label shown in listings: bounded, valid
// UTF-8, visible characters and spaces only.
func checkLabel(what, s string, max int) error {
	if len(s) > max {
		return model.Invalidf("%s is %d bytes; at most %d", what, len(s), max)
	}
	if !utf8.ValidString(s) {
		return model.Invalidf("%s is not valid UTF-8", what)
	}
	for _, r := range s {
		if !unicode.IsGraphic(r) {
			return model.Invalidf("%s contains %U, a control or invisible character", what, r)
		}
	}
	return nil
}

// authorizedLine is the key as one authorized_keys line.
func authorizedLine(pub ssh.PublicKey, comment string) string {
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
	if comment != "" {
		line += " " + comment
	}
	return line
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func joinInts(ns []int) string {
	parts := make([]string, len(ns))
	for i, n := range ns {
		parts[i] = fmt.Sprint(n)
	}
	return strings.Join(parts, ", ")
}

func (x *txn) putKey(k model.UserKey) error { return x.be.PutKey(k) }

func (x *txn) key(user, fingerprint string) (model.UserKey, bool, error) {
	return x.be.Key(user, fingerprint)
}

// keysOf lists user's keys, oldest first.
func (x *txn) keysOf(user string) ([]model.UserKey, error) {
	out, err := x.be.KeysOf(user)
	slices.SortStableFunc(out, func(a, b model.UserKey) int { return a.AddedAt.Compare(b.AddedAt) })
	return out, err
}

func (x *txn) noSuchKey(user, fingerprint string) error {
	keys, err := x.keysOf(user)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return model.NotFoundf("%s has no SSH keys, so not %s", user, fingerprint)
	}
	var fps []string
	for _, k := range keys {
		fps = append(fps, k.Fingerprint)
	}
	return model.NotFoundf("%s has no SSH key %s (their keys: %s)", user, fingerprint, strings.Join(fps, ", "))
}
