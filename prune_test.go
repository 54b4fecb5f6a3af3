package genuine_test

import (
	"context"
	"testing"
	"time"

	"genuine"
)

// TestPrune ages a paid checkout, with its payment's notification, and a
// checkout that expired unpaid past their retention: Prune deletes the
// notification id and the expired checkout, keeps the paid one, and keeps
// a checkout that expired recently.
func TestPrune(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	codes := w.released(t, 3)
	paid, err := w.app.Checkout(ctx, w.merchant, "p1", cart(100, codes[0]))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.sim.Pay(ctx, paid.Payment.Reference); err != nil {
		t.Fatal(err)
	}
	w.waitStatus(t, w.merchant, paid.ID, genuine.CheckoutPaid)
	expire := func(key, code string) *genuine.Checkout {
		t.Helper()
		c, err := w.app.Checkout(ctx, w.merchant, key, cart(100, code))
		if err != nil {
			t.Fatal(err)
		}
		w.clock.add(20 * time.Minute)
		if _, err := w.app.Reconcile(ctx); err != nil {
			t.Fatal(err)
		}
		return w.waitStatus(t, w.merchant, c.ID, genuine.CheckoutExpired)
	}
	old := expire("e1", codes[1])

	w.clock.add(genuine.DefaultCheckoutRetention + time.Hour)
	recent := expire("e2", codes[2])
	got, err := w.app.Prune(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Notifications < 1 || got.Checkouts != 1 {
		t.Errorf("Prune = %+v, want the paid checkout's notification ids and 1 checkout", got)
	}
	if _, err := w.app.GetCheckout(ctx, w.merchant, old.ID); genuine.ErrorCode(err) != genuine.ENotFound {
		t.Errorf("the old expired checkout after pruning: %v, want not_found", err)
	}
	for _, c := range []*genuine.Checkout{paid, recent} {
		if _, err := w.app.GetCheckout(ctx, w.merchant, c.ID); err != nil {
			t.Errorf("checkout %s after pruning: %v", c.ID, err)
		}
	}
	if got, err := w.app.Prune(ctx); err != nil || got != (genuine.Pruned{}) {
		t.Errorf("Prune again = %+v, %v; want nothing left to prune", got, err)
	}
}
