package model

import (
	"errors"
	"fmt"
)

// The kinds of refusal. Every error docket returns for bad input or a refused
// action wraps one of these, so callers can tell them apart with errors.Is.
var (
	ErrInvalid   = errors.New("invalid input")
	ErrForbidden = errors.New("not allowed")
	ErrNotFound  = errors.New("not found")
	ErrConflict  = errors.New("conflict")
	// ErrTooLarge is bad input refused for its size alone; it is also
	// ErrInvalid.
	ErrTooLarge = errors.New("too large")
)

// Refusal is an error with a message written for the person who asked, and a
// kind for the program.
type Refusal struct {
	Kind error
	Msg  string
}

func (r *Refusal) Error() string { return r.Msg }
func (r *Refusal) Is(target error) bool {
	return target == r.Kind || r.Kind == ErrTooLarge && target == ErrInvalid
}

func refuse(kind error, format string, args ...any) error {
	return &Refusal{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Invalidf reports bad input.
func Invalidf(format string, args ...any) error { return refuse(ErrInvalid, format, args...) }

// Forbiddenf reports an action the actor may not take.
func Forbiddenf(format string, args ...any) error { return refuse(ErrForbidden, format, args...) }

// NotFoundf reports a missing case, user, object or workflow.
func NotFoundf(format string, args ...any) error { return refuse(ErrNotFound, format, args...) }

// Conflictf reports a write against a state that has changed.
func Conflictf(format string, args ...any) error { return refuse(ErrConflict, format, args...) }
