package sqlite

import (
	"context"
	"time"

	"genuine"
)

// The session's hash stands for a secret: no message names it.

const insertSession = `INSERT INTO sessions (hash, key_id, created_at, expires_at) VALUES (?, ?, ?, ?)`

// CreateSession inserts a browser session; EConflict if its hash exists.
func (t *tx) CreateSession(ctx context.Context, s *genuine.Session) error {
	_, err := t.exec(ctx, insertSession, s.Hash, s.KeyID, timeValue(s.CreatedAt), timeValue(s.ExpiresAt))
	return storeError(err, "session of API key %s", s.KeyID)
}

const selectSessionByHash = `SELECT hash, key_id, created_at, expires_at FROM sessions WHERE hash = ?`

// SessionByHash returns the session with the given token hash.
func (t *tx) SessionByHash(ctx context.Context, hash []byte) (*genuine.Session, error) {
	var s genuine.Session
	err := t.queryRow(ctx, selectSessionByHash, hash).Scan(&s.Hash, &s.KeyID, scanTime(&s.CreatedAt), scanTime(&s.ExpiresAt))
	if err != nil {
		return nil, storeError(err, "session")
	}
	return &s, nil
}

const deleteSession = `DELETE FROM sessions WHERE hash = ?`

// DeleteSession deletes the session with the given token hash; ENotFound
// if there is none.
func (t *tx) DeleteSession(ctx context.Context, hash []byte) error {
	res, err := t.exec(ctx, deleteSession, hash)
	return updated(res, err, "session")
}

const pruneSessions = `
	DELETE FROM sessions
	WHERE hash IN (
		SELECT hash FROM sessions
		WHERE expires_at < ?
		ORDER BY expires_at
		LIMIT ?)`

// PruneSessions deletes at most limit sessions that expired before the
// given time, oldest first, and returns how many it deleted.
func (t *tx) PruneSessions(ctx context.Context, before time.Time, limit int) (int, error) {
	return t.prune(ctx, pruneSessions, "sessions", before, limit)
}
