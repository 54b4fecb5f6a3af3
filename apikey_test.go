package genuine_test

import (
	"context"
	"testing"

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
