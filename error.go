package genuine

import (
	"errors"
	"fmt"
	"time"
)

// General error codes. The HTTP layer maps each code to a status in one
// table; codes are stable and appear in problem+json bodies as "code".
const (
	EInvalid      = "invalid"      // the request is malformed or breaks a rule of its own
	ENotFound     = "not_found"    // the thing does not exist, or the caller may not know it does
	EConflict     = "conflict"     // the thing exists already, or its state forbids the change
	EUnauthorized = "unauthorized" // no valid API key
	EForbidden    = "forbidden"    // the key's role may not do this
	ETooLarge     = "too_large"    // the request is too large
	ERateLimited  = "rate_limited" // too many requests from one client
	EInternal     = "internal"     // a failure the caller cannot fix
	EUnavailable  = "unavailable"  // the store is busy or closed; try again
)

// Error is an error a user may see: a machine-readable code and a message
// that is safe to show. Other errors are internal and shown as EInternal.
type Error struct {
	Code    string
	Message string
	// RetryAfter, if not zero, is how long the caller should wait before
	// trying again (HTTP's Retry-After).
	RetryAfter time.Duration
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is or wraps an *Error, and
// EInternal otherwise (nil gives "").
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the message of err if it is or wraps an *Error, and
// a generic message otherwise, so that internal details never reach users.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// RetryAfter returns how long the caller of a request that failed with err
// should wait before trying again: the RetryAfter of the *Error err is or
// wraps, or 0.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// ErrUnitChanged is wrapped by the error of a Tx.SwapUnit that found the
// unit's row, or its batch, no longer as read: its code is EConflict.
var ErrUnitChanged = &Error{Code: EConflict, Message: "the unit or its batch changed since it was read"}
