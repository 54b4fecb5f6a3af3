package storetest

import (
	"slices"
	"testing"

	"genuine"
)

// testPrune checks that pruning deletes old notification ids and old
// checkouts that ended unpaid, a page at a time, and keeps the recent ones
// and every checkout that money concerns.
func testPrune(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	for i, id := range []string{"old_1", "old_2", "old_3", "new_1"} {
		n := i
		if id == "new_1" {
			n = 100
		}
		if _, err := markNotification(t, s, "simulated", id, n); err != nil {
			t.Fatal(err)
		}
	}
	prune := func(fn func(tx genuine.Tx) (int, error)) int {
		t.Helper()
		var n int
		update(t, s, func(tx genuine.Tx) (err error) {
			n, err = fn(tx)
			return err
		})
		return n
	}
	before := at(50)
	notes := func(tx genuine.Tx) (int, error) { return tx.PruneNotifications(ctx, before, 2) }
	if n := prune(notes); n != 2 {
		t.Errorf("PruneNotifications with limit 2 deleted %d, want 2", n)
	}
	if n := prune(notes); n != 1 {
		t.Errorf("PruneNotifications again deleted %d, want the 1 old one left", n)
	}
	for _, tt := range []struct {
		id   string
		want bool
	}{{"old_1", true}, {"old_3", true}, {"new_1", false}} {
		if fresh, err := markNotification(t, s, "simulated", tt.id, 101); err != nil || fresh != tt.want {
			t.Errorf("MarkNotification(%s) after pruning = %v, %v; want %v (pruned: %v)", tt.id, fresh, err, tt.want, tt.want)
		}
	}

	ms := newMerchants(t, s, 1)
	var all []*genuine.Checkout
	for _, spec := range []struct {
		n        int
		status   genuine.CheckoutStatus
		payment  genuine.PaymentStatus // "": none
		deadline int
	}{
		{1, genuine.CheckoutRefused, "", 1},
		{2, genuine.CheckoutExpired, "", 2},
		{3, genuine.CheckoutCanceled, genuine.PaymentCanceled, 3},
		{4, genuine.CheckoutFailed, genuine.PaymentFailed, 4},
		{5, genuine.CheckoutExpired, genuine.PaymentPaid, 5},      // a late payment: refunded later
		{6, genuine.CheckoutCanceled, genuine.PaymentRefunded, 6}, // money moved
		{7, genuine.CheckoutPaid, genuine.PaymentPaid, 7},
		{8, genuine.CheckoutRefunded, genuine.PaymentRefunded, 8},
		{9, genuine.CheckoutAwaitingPayment, genuine.PaymentPending, 9},
		{10, genuine.CheckoutRefused, "", 60}, // recent
		{11, genuine.CheckoutExpired, "", 61}, // recent
	} {
		c := newCheckout(spec.n, ms[0].ID)
		c.Status, c.Deadline = spec.status, at(spec.deadline)
		if spec.payment != "" {
			c.Payment = newPayment("simulated", spec.n, spec.payment)
		}
		all = append(all, c)
	}
	createCheckouts(t, s, all...)
	pruneCheckouts := func(tx genuine.Tx) (int, error) { return tx.PruneCheckouts(ctx, before, 3) }
	if n := prune(pruneCheckouts); n != 3 {
		t.Errorf("PruneCheckouts with limit 3 deleted %d, want 3", n)
	}
	if n := prune(pruneCheckouts); n != 1 {
		t.Errorf("PruneCheckouts again deleted %d, want the 1 left", n)
	}
	var kept []string
	for _, c := range checkouts(t, s, genuine.CheckoutFilter{}) {
		kept = append(kept, c.ID)
	}
	slices.Sort(kept)
	var want []string
	for _, n := range []int{5, 6, 7, 8, 9, 10, 11} {
		want = append(want, id("chk", n))
	}
	slices.Sort(want)
	if !slices.Equal(kept, want) {
		t.Errorf("checkouts kept %v, want %v", kept, want)
	}
	// A pruned checkout's idempotency key may be used again.
	again := newCheckout(12, ms[0].ID)
	again.IdempotencyKey = all[0].IdempotencyKey
	if err := createCheckout(t, s, again); err != nil {
		t.Errorf("a checkout under a pruned checkout's key: %v", err)
	}
}
