package backend

import (
	"errors"
	"fmt"
	"runtime/debug"
)

// ErrDamaged is returned when a database cannot be read as one: a damaged
// page, a truncated file, a record that no longer matches its digest.
var ErrDamaged = errors.New("the database file is damaged")

// DamagedError names the database and what was found, and says what to
// do. It is ErrDamaged.
type DamagedError struct {
	Path   string
	Detail string
}

func (e DamagedError) Error() string {
	return fmt.Sprintf("the database file %s is damaged (%s); `docket check` for details, `docket restore BACKUP` to recover",
		e.Path, e.Detail)
}
func (e DamagedError) Is(target error) bool { return target == ErrDamaged }

// Guard turns a panic inside the storage (a damaged bbolt page sends it
// out of bounds) or a memory fault on a mapped file (a truncated file)
// into a DamagedError naming path. Go makes a fault a panic only for
// goroutines that ask, so Guard asks for the length of fn.
func Guard(path string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = DamagedError{path, fmt.Sprint(r)}
		}
	}()
	return fn()
}

// Damaged is the DamagedError naming path and what was found there.
func Damaged(path, detail string) DamagedError { return DamagedError{Path: path, Detail: detail} }
