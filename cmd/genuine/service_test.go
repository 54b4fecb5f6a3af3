package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"genuine"
	"genuine/gs1"
	"genuine/sqlite"
)

// TestShutdownStoresVerifications checks that a graceful stop stores the
// verifications counted since the last flush: with flushes an hour apart,
// only the shutdown can have stored them.
func TestShutdownStoresVerifications(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "genuine.db")
	svc, err := openService(ctx, serviceConfig{
		db: db, addr: "127.0.0.1:0", logger: slog.New(slog.DiscardHandler),
		reconcileEvery: time.Hour, verificationFlush: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	code := serviceCode(t, svc)
	runCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- svc.run(runCtx, time.Hour) }()
	body, _ := json.Marshal(map[string]string{"code": code})
	for want := range int64(2) {
		resp, err := http.Post(svc.baseURL+"/v1/verify", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var v genuine.Verification
		json.NewDecoder(resp.Body).Decode(&v)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !v.Authentic || v.Verifications != want {
			t.Fatalf("verification %d: %d %+v", want+1, resp.StatusCode, v)
		}
	}
	stop()
	if err := <-served; err != nil {
		t.Fatalf("run: %v", err)
	}

	store, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	m, _ := gs1.ParseDigitalLink(code)
	d, _ := genuine.DecodeSerial(m.Serial())
	var n int64
	err = store.View(ctx, func(tx genuine.Tx) (err error) {
		n, _, err = tx.Verifications(ctx, m.GTIN(), int64(d.Sequence))
		return err
	})
	if err != nil || n != 2 {
		t.Errorf("verifications stored after a graceful stop: %d, %v; want 2", n, err)
	}
}

// serviceCode creates a brand, a product and a batch of one unit through
// svc's App, and returns the unit's code.
func serviceCode(t *testing.T, svc *service) string {
	t.Helper()
	ctx, app := context.Background(), svc.app
	admin, err := app.Authenticate(ctx, svc.adminKey)
	if err != nil {
		t.Fatal(err)
	}
	b := &genuine.Brand{Name: "Acme"}
	if err := app.CreateBrand(ctx, admin, b); err != nil {
		t.Fatal(err)
	}
	key, err := app.CreateAPIKey(ctx, admin, &genuine.APIKey{Role: genuine.RoleBrand, BrandID: b.ID})
	if err != nil {
		t.Fatal(err)
	}
	brand, err := app.Authenticate(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := app.CreateProduct(ctx, brand, &genuine.Product{GTIN: "09520123456788", Name: "Tonic"}); err != nil {
		t.Fatal(err)
	}
	batch, err := app.CreateBatch(ctx, brand, genuine.BatchInput{
		GTIN: "09520123456788", Lot: "L1", Expiry: genuine.NewDate(2030, 1, 1), Quantity: 1, Regions: []string{"CN-GD"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var code string
	err = app.WriteCodes(ctx, brand, batch.ID, func(_ int64, _, c []byte) error {
		code = string(c)
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return code
}
