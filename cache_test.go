package genuine_test

import (
	"context"
	"testing"

	"genuine"
)

// A checkout decides on batches and policies read through its server's
// caches, so that another server's change must still count: a refusal
// made on a cached batch whose regions were widened since is decided
// again, and a recall made on another server refuses at once.
func TestCheckoutChecksCachedBatches(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	s := &hookStore{Store: w.db}
	app := w.appOn(t, s, w.sim) // this server; w.app is another one
	b := w.batch(t, 4)
	release := func(from, to int64, regions ...string) {
		t.Helper()
		in := genuine.BatchEventInput{Type: "release", Regions: regions, From: &from, To: &to}
		if _, err := w.app.RecordBatchEvent(ctx, w.brand, b.ID, in); err != nil {
			t.Fatal(err)
		}
	}
	release(b.FirstSeq, b.FirstSeq, "CN-BJ")
	codes := w.codes(t, b)
	c, err := app.Checkout(ctx, w.merchant, "far", cart(100, codes[0]))
	if err != nil || c.Status != genuine.CheckoutRefused || !hasReason(c, genuine.ReasonOutsideRegion) {
		t.Fatalf("checkout in CN-GD-SZ of a batch released to CN-BJ: %+v, %v; want refused for its region", c, err)
	}

	// The other server releases the other units, to CN-GD too.
	release(b.FirstSeq+1, b.FirstSeq+3, "CN-BJ", "CN-GD")
	s.updates.Store(0)
	c, err = app.Checkout(ctx, w.merchant, "near", cart(100, codes[1]))
	if err != nil || c.Status != genuine.CheckoutAwaitingPayment {
		t.Fatalf("checkout after the batch was released to CN-GD: %+v, %v; want it to pass", c, err)
	}
	if n := s.updates.Load(); n != 2 {
		t.Errorf("%d write transactions, want 2: the stale decision's and the new one's", n)
	}
	// What the commit read is what the cache now holds.
	s.updates.Store(0)
	if c, err := app.Checkout(ctx, w.merchant, "again", cart(100, codes[2])); err != nil || c.Status != genuine.CheckoutAwaitingPayment {
		t.Fatalf("next checkout: %+v, %v", c, err)
	}
	if n := s.updates.Load(); n != 1 {
		t.Errorf("next checkout: %d write transactions, want 1", n)
	}

	// The other server recalls the batch.
	if _, err := w.app.RecordBatchEvent(ctx, w.brand, b.ID, genuine.BatchEventInput{Type: "recall"}); err != nil {
		t.Fatal(err)
	}
	c, err = app.Checkout(ctx, w.merchant, "recalled", cart(100, codes[3]))
	if err != nil || c.Status != genuine.CheckoutRefused || !hasReason(c, genuine.ERecalled) {
		t.Fatalf("checkout after the other server recalled the batch: %+v, %v; want refused as recalled", c, err)
	}
}

// A policy a brand stores applies at once on the server that stored it,
// whatever that server had cached.
func TestCheckoutUsesNewPolicy(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	codes := w.released(t, 2)
	c, err := w.app.Checkout(ctx, w.merchant, "before", cart(100, codes[0]))
	if err != nil || c.Status != genuine.CheckoutAwaitingPayment {
		t.Fatalf("checkout under the default policy: %+v, %v", c, err)
	}
	doc := []byte(`{"rules": [{"rule": "merchant", "merchants": ["mer_00000000000000000000"]}]}`)
	if _, err := w.app.SetPolicy(ctx, w.brand, "brand", doc); err != nil {
		t.Fatal(err)
	}
	c, err = w.app.Checkout(ctx, w.merchant, "after", cart(100, codes[1]))
	if err != nil || c.Status != genuine.CheckoutRefused || !hasReason(c, genuine.ReasonUnauthorizedMerchant) {
		t.Fatalf("checkout after the brand authorized another merchant only: %+v, %v; want refused", c, err)
	}
}
