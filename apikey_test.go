package genuine_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"genuine"
)

// A break-glass key is an admin key, made without a caller on a store that
// has an admin already, and stored as a hash only.
func TestBreakGlass(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	key, err := w.app.BreakGlass(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, err := w.app.Authenticate(ctx, key)
	if err != nil || p.Role != genuine.RoleAdmin || p.BrandID != "" || p.MerchantID != "" {
		t.Fatalf("the break-glass key authenticates as %+v, %v; want an admin", p, err)
	}
	if err := w.app.CreateBrand(ctx, p, &genuine.Brand{Name: "Made by the new admin"}); err != nil {
		t.Errorf("the break-glass admin creates a brand: %v", err)
	}
	var stored *genuine.APIKey
	err = w.db.View(ctx, func(tx genuine.Tx) (err error) {
		stored, err = tx.APIKeyByHash(ctx, genuine.HashAPIKey(key))
		return err
	})
	if err != nil || stored.Name != "break-glass admin key" || stored.ID != p.KeyID {
		t.Errorf("stored key %+v, %v", stored, err)
	}
	again, err := w.app.BreakGlass(ctx)
	if err != nil || again == key {
		t.Errorf("a second break-glass key: %q, %v; want another key", again, err)
	}
}

// On a new store a break-glass key is the first admin key, and Bootstrap
// then refuses as it does for any store with an admin.
func TestBreakGlassOnNewStore(t *testing.T) {
	ctx := context.Background()
	app := genuine.NewApp(openStore(t), genuine.Config{})
	t.Cleanup(func() { app.Close() })
	key, err := app.BreakGlass(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := app.Authenticate(ctx, key); err != nil || p.Role != genuine.RoleAdmin {
		t.Errorf("Authenticate: %+v, %v", p, err)
	}
	if _, err := app.Bootstrap(ctx); genuine.ErrorCode(err) != genuine.EConflict {
		t.Errorf("Bootstrap after BreakGlass: %v, want %s", err, genuine.EConflict)
	}
}

// An API key with expires_at works until then and authenticates as nothing
// from then on, with a message that says so; a time not in the future is
// refused when the key is made.
func TestAPIKeyExpires(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	expires := w.clock.now().Add(time.Hour)
	k := &genuine.APIKey{Role: genuine.RoleMerchant, MerchantID: w.merchant.MerchantID, ExpiresAt: expires}
	secret, err := w.app.CreateAPIKey(ctx, w.admin, k)
	if err != nil {
		t.Fatal(err)
	}
	if !k.ExpiresAt.Equal(expires) {
		t.Errorf("the key made expires at %v, want %v", k.ExpiresAt, expires)
	}
	if p, err := w.app.Authenticate(ctx, secret); err != nil || p.KeyID != k.ID {
		t.Fatalf("before it expires: %+v, %v", p, err)
	}
	w.clock.add(time.Hour - time.Microsecond)
	if _, err := w.app.Authenticate(ctx, secret); err != nil {
		t.Fatalf("a microsecond before it expires: %v", err)
	}
	w.clock.add(time.Microsecond)
	p, err := w.app.Authenticate(ctx, secret)
	if genuine.ErrorCode(err) != genuine.EUnauthorized || p != nil || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("once expired: %+v, %v; want %s saying it expired", p, err, genuine.EUnauthorized)
	}
	if _, err := w.app.PrincipalOfKey(ctx, k.ID); genuine.ErrorCode(err) != genuine.EUnauthorized {
		t.Errorf("PrincipalOfKey of an expired key: %v, want %s", err, genuine.EUnauthorized)
	}

	for _, at := range []time.Time{w.clock.now(), w.clock.now().Add(-time.Second)} {
		_, err := w.app.CreateAPIKey(ctx, w.admin, &genuine.APIKey{Role: genuine.RoleAdmin, ExpiresAt: at})
		if genuine.ErrorCode(err) != genuine.EInvalid {
			t.Errorf("a key expiring at %v, now %v: %v, want %s", at, w.clock.now(), err, genuine.EInvalid)
		}
	}
}

// An admin lists every key, a brand its own and its partners', a merchant
// its own; none sees a hash, and a partner may not list.
func TestListAPIKeys(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	partner := w.key(t, &genuine.APIKey{Role: genuine.RolePartner, BrandID: w.brandID, Name: "carrier"})
	other, _ := w.newBrand(t, "Bolt")
	all, err := w.app.ListAPIKeys(ctx, w.admin)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(ks []*genuine.APIKey) []string {
		var s []string
		for _, k := range ks {
			s = append(s, k.ID)
			if k.Hash != nil {
				t.Errorf("key %s listed with its hash", k.ID)
			}
		}
		return s
	}
	// Every key was made at the world's one instant: oldest first is then
	// by id.
	want := []string{w.admin.KeyID, w.brand.KeyID, w.merchant.KeyID, partner.KeyID, other.KeyID}
	slices.Sort(want)
	if got := ids(all); !slices.Equal(got, want) {
		t.Errorf("admin lists %v, want %v", got, want)
	}
	for _, tt := range []struct {
		p    *genuine.Principal
		want []string
	}{
		{w.brand, slices.Sorted(slices.Values([]string{w.brand.KeyID, partner.KeyID}))},
		{w.merchant, []string{w.merchant.KeyID}},
		{other, []string{other.KeyID}},
	} {
		ks, err := w.app.ListAPIKeys(ctx, tt.p)
		if got := ids(ks); err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("%s %s lists %v, %v; want %v", tt.p.Role, tt.p.KeyID, got, err, tt.want)
		}
	}
	if _, err := w.app.ListAPIKeys(ctx, partner); genuine.ErrorCode(err) != genuine.EForbidden {
		t.Errorf("a partner lists keys: %v, want %s", err, genuine.EForbidden)
	}
	if _, err := w.app.ListAPIKeys(ctx, nil); genuine.ErrorCode(err) != genuine.EUnauthorized {
		t.Errorf("the public lists keys: %v, want %s", err, genuine.EUnauthorized)
	}
}

// A key revoked on one App stops working there at once, and on a second
// App of the same store, which had it cached, within 5 s of its clock;
// PrincipalOfKey, which a session tied to the key would call, agrees.
func TestRevokeAPIKeyEverywhere(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	second := genuine.NewApp(w.db, genuine.Config{Now: w.clock.now})
	t.Cleanup(func() { second.Close() })
	k := &genuine.APIKey{Role: genuine.RoleMerchant, MerchantID: w.merchant.MerchantID}
	secret, err := w.app.CreateAPIKey(ctx, w.admin, k)
	if err != nil {
		t.Fatal(err)
	}
	for _, app := range []*genuine.App{w.app, second} {
		if _, err := app.Authenticate(ctx, secret); err != nil {
			t.Fatal(err)
		}
		if _, err := app.PrincipalOfKey(ctx, k.ID); err != nil {
			t.Fatal(err)
		}
	}
	w.clock.add(time.Second)
	revoked, err := w.app.RevokeAPIKey(ctx, w.admin, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !revoked.RevokedAt.Equal(w.clock.now()) || revoked.Hash != nil {
		t.Errorf("revoked key %+v, want revoked at %v and no hash", revoked, w.clock.now())
	}
	refused := func(app *genuine.App, when string) {
		t.Helper()
		p, err := app.Authenticate(ctx, secret)
		if genuine.ErrorCode(err) != genuine.EUnauthorized || !strings.Contains(err.Error(), "revoked") {
			t.Errorf("%s: Authenticate = %+v, %v; want %s saying it was revoked", when, p, err, genuine.EUnauthorized)
		}
		if _, err := app.PrincipalOfKey(ctx, k.ID); genuine.ErrorCode(err) != genuine.EUnauthorized {
			t.Errorf("%s: PrincipalOfKey: %v, want %s", when, err, genuine.EUnauthorized)
		}
	}
	refused(w.app, "on the App that revoked it")
	w.clock.add(5 * time.Second)
	refused(second, "on another App 5 s later")
	if again, err := w.app.RevokeAPIKey(ctx, w.admin, k.ID); err != nil || !again.RevokedAt.Equal(revoked.RevokedAt) {
		t.Errorf("revoking again: %+v, %v; want the first revocation", again, err)
	}
}

// Who may revoke which key: the admin any, a brand its own and its
// partners', a merchant its own; another's key is not found, and the last
// admin key that works cannot be revoked.
func TestRevokeAPIKeyWho(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	partner := w.key(t, &genuine.APIKey{Role: genuine.RolePartner, BrandID: w.brandID})
	other, _ := w.newBrand(t, "Bolt")
	for _, tt := range []struct {
		by   *genuine.Principal
		key  string
		code string
	}{
		{nil, partner.KeyID, genuine.EUnauthorized},
		{partner, partner.KeyID, genuine.EForbidden},
		{other, partner.KeyID, genuine.ENotFound},
		{w.merchant, partner.KeyID, genuine.ENotFound},
		{w.brand, w.admin.KeyID, genuine.ENotFound},
		{w.brand, "key_unknown", genuine.ENotFound},
		{w.admin, w.admin.KeyID, genuine.EConflict},
		{w.brand, partner.KeyID, ""},
		{w.merchant, w.merchant.KeyID, ""},
	} {
		_, err := w.app.RevokeAPIKey(ctx, tt.by, tt.key)
		if genuine.ErrorCode(err) != tt.code {
			t.Errorf("revoke %s by %+v: %v, want %q", tt.key, tt.by, err, tt.code)
		}
	}
	if _, err := w.app.Authenticate(ctx, "gk_notakeybutlongenough"); genuine.ErrorCode(err) != genuine.EUnauthorized {
		t.Errorf("an unknown key: %v", err)
	}
}

// A lost admin key is replaced with break glass, and the new admin key
// revokes the lost one, which then works nowhere.
func TestReplaceLostAdminKey(t *testing.T) {
	ctx := context.Background()
	app := genuine.NewApp(openStore(t), genuine.Config{})
	t.Cleanup(func() { app.Close() })
	lost, err := app.Bootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	old, err := app.Authenticate(ctx, lost)
	if err != nil {
		t.Fatal(err)
	}
	key, err := app.BreakGlass(ctx)
	if err != nil {
		t.Fatal(err)
	}
	admin, err := app.Authenticate(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.RevokeAPIKey(ctx, admin, old.KeyID); err != nil {
		t.Fatalf("the new admin revokes the lost key: %v", err)
	}
	if _, err := app.Authenticate(ctx, lost); genuine.ErrorCode(err) != genuine.EUnauthorized {
		t.Errorf("the lost key after its revocation: %v, want %s", err, genuine.EUnauthorized)
	}
	// The new key is now the only admin key that works.
	if _, err := app.RevokeAPIKey(ctx, admin, admin.KeyID); genuine.ErrorCode(err) != genuine.EConflict {
		t.Errorf("revoking the last admin key: %v, want %s", err, genuine.EConflict)
	}
	if another, err := app.BreakGlass(ctx); err != nil {
		t.Errorf("break glass after a revocation: %v", err)
	} else if _, err := app.Authenticate(ctx, another); err != nil {
		t.Errorf("the second break-glass key: %v", err)
	}
}

// Two admins revoking each other's keys at once cannot leave the store
// without an admin key that works: one revocation is refused.
func TestRevokeLastAdminConcurrently(t *testing.T) {
	ctx := context.Background()
	for range 5 {
		app := genuine.NewApp(openStore(t), genuine.Config{})
		t.Cleanup(func() { app.Close() })
		first, err := app.Bootstrap(ctx)
		if err != nil {
			t.Fatal(err)
		}
		second, err := app.BreakGlass(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var admins [2]*genuine.Principal
		for i, key := range []string{first, second} {
			if admins[i], err = app.Authenticate(ctx, key); err != nil {
				t.Fatal(err)
			}
		}
		var errs [2]error
		var wg sync.WaitGroup
		for i := range admins {
			wg.Go(func() { _, errs[i] = app.RevokeAPIKey(ctx, admins[i], admins[1-i].KeyID) })
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("revoking each other at once: %v and %v; want one revoked and one %s", errs[0], errs[1], genuine.EConflict)
		}
		for _, err := range errs {
			if err != nil && genuine.ErrorCode(err) != genuine.EConflict {
				t.Errorf("the refused revocation: %v, want %s", err, genuine.EConflict)
			}
		}
		keys, err := app.ListAPIKeys(ctx, admins[0])
		if errs[0] != nil {
			keys, err = app.ListAPIKeys(ctx, admins[1])
		}
		if err != nil {
			t.Fatalf("the admin whose key still works lists keys: %v", err)
		}
		working := 0
		for _, k := range keys {
			if k.RevokedAt.IsZero() {
				working++
			}
		}
		if working != 1 {
			t.Errorf("%d admin keys work after the race, want 1", working)
		}
	}
}
