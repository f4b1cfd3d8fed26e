package bolt

import (
	"testing"

	"docket/model"
	"docket/store/backend"
)

// A file already at the path is opened, never replaced.
func TestCreateFileKeepsAnExistingDatabase(t *testing.T) {
	d := openTest(t)
	update(t, d, func(tx backend.Tx) error { return tx.PutUser(model.User{Name: "ada", Role: model.RoleAdmin}) })
	before, err := d.Digest()
	must(t, err)
	path := d.Path()
	must(t, d.Close())
	must(t, createFile(path, Options{}))
	d, err = Open(path, Options{})
	must(t, err)
	defer d.Close()
	after, err := d.Digest()
	must(t, err)
	if before != after {
		t.Fatal("createFile changed an existing database")
	}
}
