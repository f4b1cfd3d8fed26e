package store

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"

	bolt "go.etcd.io/bbolt"

	"docket/model"
	"docket/store/backend"
)

// boltTx is the bbolt backend's transaction: what backend.Tx covers so far,
// over the buckets this package lays out (see store.go). It moves to a
// package of its own once package store reads nothing from bbolt itself.
type boltTx struct {
	tx    *bolt.Tx
	path  string    // the file, for naming damage
	users *sync.Map // name -> decodedUser, shared by the store's transactions; nil for none
}

var _ backend.Tx = boltTx{}

// decodedUser is a user record with what it decodes to: every change
// reads its actor, and decoding and verifying the record cost more than
// comparing its bytes with the last ones seen.
type decodedUser struct {
	raw  []byte
	user model.User
}

func (b boltTx) User(name string) (model.User, bool, error) {
	raw := b.tx.Bucket(bUsers).Get([]byte(name))
	if raw == nil {
		return model.User{}, false, nil
	}
	if b.users != nil {
		if d, ok := b.users.Load(name); ok && bytes.Equal(d.(decodedUser).raw, raw) {
			u := d.(decodedUser).user
			u.Teams = slices.Clone(u.Teams)
			return u, true, nil
		}
	}
	u, err := decodeUser(raw)
	if err != nil {
		return u, true, damagedError{b.path, fmt.Sprintf("user %s: %v", name, err)}
	}
	if b.users != nil {
		b.users.Store(name, decodedUser{bytes.Clone(raw), u})
		u.Teams = slices.Clone(u.Teams)
	}
	return u, true, nil
}

func (b boltTx) UserByEmail(email string) (string, bool, error) {
	name := b.tx.Bucket(bEmails).Get([]byte(strings.ToLower(email)))
	return string(name), name != nil, nil
}

func (b boltTx) PutUser(u model.User) error {
	raw, err := encodeUser(u)
	if err != nil {
		return err
	}
	if err := b.tx.Bucket(bUsers).Put([]byte(u.Name), raw); err != nil {
		return err
	}
	if u.Email != "" {
		return b.tx.Bucket(bEmails).Put([]byte(strings.ToLower(u.Email)), []byte(u.Name))
	}
	return nil
}

func (b boltTx) DropEmail(email string) error {
	return b.tx.Bucket(bEmails).Delete([]byte(strings.ToLower(email)))
}

func (b boltTx) EachUser(fn func(model.User) error) error {
	return b.tx.Bucket(bUsers).ForEach(func(k, _ []byte) error {
		u, _, err := b.User(string(k))
		if err != nil {
			return err
		}
		return fn(u)
	})
}

func (b boltTx) HasUsers() (bool, error) {
	k, _ := b.tx.Bucket(bUsers).Cursor().First()
	return k != nil, nil
}
