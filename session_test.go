package genuine_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"genuine"
)

// merchantKey makes a merchant key of the world's merchant and returns it
// with its secret.
func (w *world) merchantKey(t *testing.T) (*genuine.APIKey, string) {
	t.Helper()
	k := &genuine.APIKey{Role: genuine.RoleMerchant, MerchantID: w.merchant.MerchantID, Name: "till 1"}
	secret, err := w.app.CreateAPIKey(context.Background(), w.admin, k)
	if err != nil {
		t.Fatal(err)
	}
	return k, secret
}

// wantSignedOut checks that token opens no session, with EUnauthorized.
func wantSignedOut(t *testing.T, app *genuine.App, token, when string) {
	t.Helper()
	p, err := app.SessionPrincipal(context.Background(), token)
	if genuine.ErrorCode(err) != genuine.EUnauthorized || p != nil {
		t.Errorf("%s: SessionPrincipal = %+v, %v; want %s", when, p, err, genuine.EUnauthorized)
	}
}

// A session opened with a key acts as the key's holder for SessionTTL,
// and not a microsecond longer; it is stored under the SHA-256 hash of its
// token, which is all the store holds of it.
func TestSessionLastsTTL(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	k, secret := w.merchantKey(t)
	start := w.clock.now()
	token, s, err := w.app.SignIn(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, "gs_") || len(token) < 40 || strings.Contains(token, secret) {
		t.Errorf("token %q: want gs_ and 256 random bits", token)
	}
	sum := sha256.Sum256([]byte(token))
	if !bytes.Equal(s.Hash, sum[:]) || s.KeyID != k.ID || !s.CreatedAt.Equal(start) || !s.ExpiresAt.Equal(start.Add(12*time.Hour)) || genuine.SessionTTL != 12*time.Hour {
		t.Errorf("session %+v: want the token's SHA-256, key %s, made at %v, expiring 12 h later", s, k.ID, start)
	}
	err = w.db.View(ctx, func(tx genuine.Tx) error {
		stored, err := tx.SessionByHash(ctx, sum[:])
		if err == nil && (stored.KeyID != k.ID || !stored.ExpiresAt.Equal(s.ExpiresAt)) {
			t.Errorf("stored session %+v, want %+v", stored, s)
		}
		return err
	})
	if err != nil {
		t.Fatalf("the session under the token's SHA-256: %v", err)
	}
	want := genuine.Principal{KeyID: k.ID, Role: genuine.RoleMerchant, MerchantID: w.merchant.MerchantID}
	p, err := w.app.SessionPrincipal(ctx, token)
	if err != nil || *p != want {
		t.Fatalf("SessionPrincipal = %+v, %v; want %+v", p, err, want)
	}
	// The principal acts as the key would: it may read its merchant.
	if _, err := w.app.Merchant(ctx, p, w.merchant.MerchantID); err != nil {
		t.Errorf("the session's principal reads its merchant: %v", err)
	}
	w.clock.add(genuine.SessionTTL - time.Microsecond)
	if _, err := w.app.SessionPrincipal(ctx, token); err != nil {
		t.Fatalf("a microsecond before the session expires: %v", err)
	}
	w.clock.add(time.Microsecond)
	wantSignedOut(t, w.app, token, "12 h after signing in")
	if _, err := w.app.SessionPrincipal(ctx, token); err == nil || !strings.Contains(err.Error(), "expired") {
		t.Errorf("an expired session: %v, want a message saying it expired", err)
	}
	// The key itself still works: a new session may be opened.
	if again, _, err := w.app.SignIn(ctx, secret); err != nil || again == token {
		t.Errorf("signing in again: %q, %v; want a new token", again, err)
	}
}

// Revoking the key a session was opened with ends the session at once;
// other sessions of other keys go on.
func TestSessionEndsWithItsKey(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	k, secret := w.merchantKey(t)
	_, other := w.merchantKey(t)
	token, _, err := w.app.SignIn(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	otherToken, _, err := w.app.SignIn(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.SessionPrincipal(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.RevokeAPIKey(ctx, w.admin, k.ID); err != nil {
		t.Fatal(err)
	}
	wantSignedOut(t, w.app, token, "after its key was revoked")
	if _, err := w.app.SessionPrincipal(ctx, otherToken); err != nil {
		t.Errorf("another key's session after the revocation: %v", err)
	}
	if tok, s, err := w.app.SignIn(ctx, secret); genuine.ErrorCode(err) != genuine.EUnauthorized || tok != "" || s != nil {
		t.Errorf("signing in with a revoked key: %q, %+v, %v; want %s", tok, s, err, genuine.EUnauthorized)
	}
}

// A session whose key expires ends with the key, before its own 12 h.
func TestSessionEndsWhenItsKeyExpires(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	k := &genuine.APIKey{Role: genuine.RoleMerchant, MerchantID: w.merchant.MerchantID, ExpiresAt: w.clock.now().Add(time.Hour)}
	secret, err := w.app.CreateAPIKey(ctx, w.admin, k)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := w.app.SignIn(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	w.clock.add(time.Hour)
	wantSignedOut(t, w.app, token, "once its key expired")
}

// Signing out ends the session; signing out again, or with a token of no
// session, does nothing.
func TestSignOut(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	_, secret := w.merchantKey(t)
	token, _, err := w.app.SignIn(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	kept, _, err := w.app.SignIn(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.app.SignOut(ctx, token); err != nil {
		t.Fatal(err)
	}
	wantSignedOut(t, w.app, token, "after signing out")
	if _, err := w.app.SessionPrincipal(ctx, kept); err != nil {
		t.Errorf("another session of the same key after signing out: %v", err)
	}
	for _, tok := range []string{token, "", "gs_" + strings.Repeat("x", 52), "nonsense"} {
		if err := w.app.SignOut(ctx, tok); err != nil {
			t.Errorf("SignOut(%q) of no session: %v, want nil", tok, err)
		}
	}
}

// A key that is not one opens no session, and no token of no session is
// a principal.
func TestSignInRefused(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	for _, key := range []string{"", "gk_" + strings.Repeat("x", 52), "not a key"} {
		if tok, s, err := w.app.SignIn(ctx, key); genuine.ErrorCode(err) != genuine.EUnauthorized || tok != "" || s != nil {
			t.Errorf("SignIn(%q) = %q, %+v, %v; want %s", key, tok, s, err, genuine.EUnauthorized)
		}
	}
	for _, tok := range []string{"", "gs_" + strings.Repeat("x", 52), "gs_short", strings.Repeat("y", 1000)} {
		wantSignedOut(t, w.app, tok, "token "+tok[:min(len(tok), 10)])
	}
}

// Prune deletes the sessions that have expired and keeps the live ones.
func TestPruneSessions(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	_, secret := w.merchantKey(t)
	old, oldSession, err := w.app.SignIn(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	w.clock.add(genuine.SessionTTL / 2)
	live, _, err := w.app.SignIn(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	w.clock.add(genuine.SessionTTL/2 + time.Second)
	got, err := w.app.Prune(ctx)
	if err != nil || got.Sessions != 1 {
		t.Fatalf("Prune = %+v, %v; want 1 session", got, err)
	}
	err = w.db.View(ctx, func(tx genuine.Tx) error {
		_, err := tx.SessionByHash(ctx, oldSession.Hash)
		return err
	})
	if genuine.ErrorCode(err) != genuine.ENotFound {
		t.Errorf("the expired session after pruning: %v, want %s", err, genuine.ENotFound)
	}
	wantSignedOut(t, w.app, old, "the pruned session")
	if _, err := w.app.SessionPrincipal(ctx, live); err != nil {
		t.Errorf("the live session after pruning: %v", err)
	}
}
