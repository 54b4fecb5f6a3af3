package genuine

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"time"
)

// SessionTTL is how long a browser session lasts: a till's shift, and no
// longer. A session also ends when it is signed out, or when the key it
// was opened with is revoked or expires.
const SessionTTL = 12 * time.Hour

// Session is a browser's sign-in with an API key. The browser holds a
// random token, shown once, when the session is made; only the token's
// SHA-256 hash is stored, so a copy of the store opens no session.
type Session struct {
	// Hash is the SHA-256 hash of the session's token.
	Hash []byte
	// KeyID is the API key the session acts for.
	KeyID     string
	CreatedAt time.Time
	// ExpiresAt is when the session ends: SessionTTL after CreatedAt.
	ExpiresAt time.Time
}

// sessionPrefix starts every session token, so that a leaked token is
// recognisable; 52 characters of base32 (256 bits) follow it.
const sessionPrefix = "gs_"

// sessionTokenLen is the length of every session token.
const sessionTokenLen = len(sessionPrefix) + 52

// newSessionToken returns a new random session token and its hash.
func newSessionToken() (token string, hash []byte) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("genuine: no randomness: " + err.Error())
	}
	token = sessionPrefix + idEncoding.EncodeToString(b[:])
	return token, hashSessionToken(token)
}

// hashSessionToken returns the hash under which a session is stored.
func hashSessionToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// SignIn authenticates an API key as Authenticate does and opens a
// session for it: it returns the session's token, which is shown only now
// (a browser keeps it in a cookie), and the session, which lasts
// SessionTTL. A key that is unknown, revoked or expired is EUnauthorized.
func (a *App) SignIn(ctx context.Context, apiKey string) (string, *Session, error) {
	p, err := a.Authenticate(ctx, apiKey)
	if err != nil {
		return "", nil, err
	}
	token, hash := newSessionToken()
	now := a.Now()
	s := &Session{Hash: hash, KeyID: p.KeyID, CreatedAt: now, ExpiresAt: now.Add(SessionTTL)}
	if err := a.store.Update(ctx, func(tx Tx) error { return tx.CreateSession(ctx, s) }); err != nil {
		return "", nil, err
	}
	return token, s, nil
}

// SessionPrincipal returns the principal a session acts for, as
// PrincipalOfKey returns it for the session's key: EUnauthorized if there
// is no such session (it was never made, or was signed out or pruned), if
// it has expired, or if its key was revoked or has expired, which ends the
// session within keyCheckTTL on every server.
func (a *App) SessionPrincipal(ctx context.Context, token string) (*Principal, error) {
	if len(token) != sessionTokenLen {
		return nil, Errorf(EUnauthorized, "invalid session; sign in again")
	}
	hash := hashSessionToken(token)
	now := a.Now()
	var s *Session
	err := a.store.View(ctx, func(tx Tx) (err error) {
		s, err = tx.SessionByHash(ctx, hash)
		return err
	})
	if ErrorCode(err) == ENotFound {
		return nil, Errorf(EUnauthorized, "no such session: it was signed out or has expired; sign in again")
	}
	if err != nil {
		return nil, err
	}
	if !now.Before(s.ExpiresAt) {
		return nil, Errorf(EUnauthorized, "the session expired at %s; sign in again", s.ExpiresAt.Format(time.RFC3339))
	}
	return a.PrincipalOfKey(ctx, s.KeyID)
}

// SignOut ends the session of token at once. A token of no session (never
// made, signed out already, or expired and pruned) is signed out already:
// SignOut returns nil.
func (a *App) SignOut(ctx context.Context, token string) error {
	if len(token) != sessionTokenLen {
		return nil
	}
	hash := hashSessionToken(token)
	err := a.store.Update(ctx, func(tx Tx) error { return tx.DeleteSession(ctx, hash) })
	if ErrorCode(err) == ENotFound {
		return nil
	}
	return err
}
