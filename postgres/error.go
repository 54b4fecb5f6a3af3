package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"genuine"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// SQLSTATE codes the store acts on.
const (
	uniqueViolation      = "23505"
	foreignKeyViolation  = "23503"
	checkViolation       = "23514"
	notNullViolation     = "23502"
	serializationFailure = "40001"
	deadlockDetected     = "40P01"
	tooManyConnections   = "53300"
	adminShutdown        = "57P01"
	crashShutdown        = "57P02"
	cannotConnectNow     = "57P03"
	divisionByZero       = "22012" // a checked swap that wrote no row (checkedSwap)
)

// errBusy is the error of an Update the server kept aborting, and what a
// statement's serialization failure or deadlock becomes.
var errBusy = genuine.Errorf(genuine.EUnavailable, "the store is busy; try again")

// errUnavailable is what a lost or refused connection becomes.
var errUnavailable = genuine.Errorf(genuine.EUnavailable, "the store is unavailable; try again")

// storeError translates err, from pgx or the server, into a *genuine.Error
// by the SQLSTATE code or the connection error's type, never by a message;
// format and args name the thing concerned ("batch %s", id). No row and a
// foreign key to a missing row (23503) give ENotFound; a duplicate key
// (23505) EConflict; a CHECK or NOT NULL violation (23514, 23502) EInvalid;
// a serialization failure or deadlock (40001, 40P01), still wrapping the
// server's error so that Update retries, and a lost, refused or shut-down
// connection give EUnavailable. A context's error stays one; any other
// error is wrapped with the name and stays internal.
func storeError(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	what := fmt.Sprintf(format, args...)
	if errors.Is(err, pgx.ErrNoRows) {
		return genuine.Errorf(genuine.ENotFound, "%s not found", what)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", what, err)
	}
	var e *pgconn.PgError
	if errors.As(err, &e) {
		switch code := e.Code; {
		case code == uniqueViolation:
			return genuine.Errorf(genuine.EConflict, "%s exists already", what)
		case code == foreignKeyViolation:
			return genuine.Errorf(genuine.ENotFound, "%s refers to something that does not exist", what)
		case code == checkViolation, code == notNullViolation:
			return genuine.Errorf(genuine.EInvalid, "%s is not valid", what)
		case code == serializationFailure, code == deadlockDetected:
			return fmt.Errorf("%w (%s: %w)", errBusy, what, err)
		case strings.HasPrefix(code, "08"), // connection exception
			code == tooManyConnections, code == adminShutdown, code == crashShutdown, code == cannotConnectNow:
			return fmt.Errorf("%w (%s: %w)", errUnavailable, what, err)
		}
		// Others, such as a failed login (class 28) or a missing
		// database (3D000), are mistakes of configuration.
		return fmt.Errorf("%s: %w", what, err)
	}
	if lostConnection(err) {
		return fmt.Errorf("%w (%s: %w)", errUnavailable, what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// retryable reports whether err, or an error it wraps, is the server's
// abort of a transaction that may succeed if run again: a serialization
// failure or a deadlock.
func retryable(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == serializationFailure || e.Code == deadlockDetected)
}

// lostConnection reports whether err is the failure of a connection to the
// server rather than of a statement: one that could not be made, or that
// broke or closed.
func lostConnection(err error) bool {
	var connect *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connect) || errors.As(err, &netErr) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}
