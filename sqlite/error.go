package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"genuine"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// storeError translates err, from database/sql or the driver, into a
// *genuine.Error by the driver's result code, never by its message; format
// and args name the thing concerned ("batch %s", id). No row and a foreign
// key to a missing row give ENotFound; a duplicate primary or unique key
// EConflict; a CHECK or NOT NULL violation EInvalid; the database locked
// by another process past the busy timeout EUnavailable. Any other error is
// wrapped with the name and stays internal.
func storeError(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	what := fmt.Sprintf(format, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return genuine.Errorf(genuine.ENotFound, "%s not found", what)
	}
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return fmt.Errorf("%s: %w", what, err)
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return genuine.Errorf(genuine.EConflict, "%s exists already", what)
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return genuine.Errorf(genuine.ENotFound, "%s refers to something that does not exist", what)
	case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		return genuine.Errorf(genuine.EInvalid, "%s is not valid", what)
	}
	// Extended result codes carry the primary code in their low byte.
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return genuine.Errorf(genuine.EUnavailable, "the store is busy; try again")
	}
	return fmt.Errorf("%s: %w", what, err)
}
