package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
	"testing"
)

// TestCannotWrite is the choice that sends a read command to a read-only
// open: only an open refused for want of write access, never another
// failure (a missing file, a damaged one, a database in use).
func TestCannotWrite(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("open database x: %w", &fs.PathError{Op: "open", Path: "x", Err: syscall.EACCES}), true},
		{fmt.Errorf("open database x: %w", &fs.PathError{Op: "open", Path: "x", Err: syscall.EPERM}), true},
		{fmt.Errorf("open database x: %w", &fs.PathError{Op: "open", Path: "x", Err: syscall.EROFS}), true},
		{fmt.Errorf("create database x: %w", os.ErrPermission), true},
		{fmt.Errorf("open database x: %w", &fs.PathError{Op: "open", Path: "x", Err: syscall.ENOENT}), false},
		{errors.New("database x is in use by another docket process"), false},
		{errors.New("open database x: invalid database"), false},
	} {
		if got := cannotWrite(tt.err); got != tt.want {
			t.Errorf("cannotWrite(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
