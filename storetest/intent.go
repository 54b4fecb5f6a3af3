package storetest

import (
	"testing"

	"genuine"
)

// newIntent returns a pending refund intent numbered n of a checkout,
// created at at(n).
func newIntent(n int, checkoutID string, items ...int) *genuine.PaymentIntent {
	return &genuine.PaymentIntent{
		ID: id("rfd", n), CheckoutID: checkoutID, Kind: genuine.IntentRefund, Status: genuine.IntentPending,
		Items: items, Amount: int64(100 * (n + 1)), Currency: "CNY", CreatedAt: at(n), UpdatedAt: at(n),
	}
}

// paymentIntents returns the intents f selects, in a View of its own.
func paymentIntents(t *testing.T, s genuine.Store, f genuine.IntentFilter) []string {
	t.Helper()
	var ids []string
	view(t, s, func(tx genuine.Tx) error {
		ins, err := tx.PaymentIntents(t.Context(), f)
		for _, in := range ins {
			ids = append(ids, in.ID)
		}
		return err
	})
	return ids
}

func testPaymentIntents(t *testing.T, s genuine.Store) {
	ctx := t.Context()
	ms := newMerchants(t, s, 1)
	c1, c2 := newCheckout(1, ms[0].ID), newCheckout(2, ms[0].ID)
	createCheckouts(t, s, c1, c2)
	// Created out of the order of their times, which order them.
	ins := []*genuine.PaymentIntent{newIntent(30, c1.ID, 1), newIntent(10, c1.ID, 0), newIntent(20, c2.ID, 0, 1)}
	update(t, s, func(tx genuine.Tx) error {
		for _, in := range ins {
			if err := tx.CreatePaymentIntent(ctx, in); err != nil {
				return err
			}
		}
		return nil
	})
	for _, want := range ins {
		view(t, s, func(tx genuine.Tx) error {
			got, err := tx.PaymentIntent(ctx, want.ID)
			if err != nil {
				return err
			}
			same(t, "PaymentIntent", got, want)
			return nil
		})
	}
	err := s.View(ctx, func(tx genuine.Tx) error {
		_, err := tx.PaymentIntent(ctx, id("rfd", 9))
		return err
	})
	wantNotFound(t, "PaymentIntent of a missing id", err, id("rfd", 9))
	err = s.Update(ctx, func(tx genuine.Tx) error { return tx.CreatePaymentIntent(ctx, newIntent(30, c2.ID)) })
	wantCode(t, "CreatePaymentIntent with an existing id", err, genuine.EConflict)
	err = s.Update(ctx, func(tx genuine.Tx) error { return tx.CreatePaymentIntent(ctx, newIntent(40, id("chk", 9), 0)) })
	wantCode(t, "CreatePaymentIntent of a missing checkout", err, genuine.ENotFound)

	// Only status, error and update time change.
	done := *ins[1]
	done.Status, done.Error, done.UpdatedAt = genuine.IntentFailed, "payment pay_1 is refunded", at(50)
	changed := done
	changed.Amount, changed.Items = 1, []int{9}
	update(t, s, func(tx genuine.Tx) error { return tx.UpdatePaymentIntent(ctx, &changed) })
	view(t, s, func(tx genuine.Tx) error {
		got, err := tx.PaymentIntent(ctx, done.ID)
		if err == nil {
			same(t, "PaymentIntent after UpdatePaymentIntent", got, &done)
		}
		return err
	})
	missing := newIntent(9, c1.ID)
	err = s.Update(ctx, func(tx genuine.Tx) error { return tx.UpdatePaymentIntent(ctx, missing) })
	wantNotFound(t, "UpdatePaymentIntent of a missing id", err, missing.ID)

	for _, tt := range []struct {
		name string
		f    genuine.IntentFilter
		want []string
	}{
		{"all", genuine.IntentFilter{}, []string{id("rfd", 10), id("rfd", 20), id("rfd", 30)}},
		{"of a checkout", genuine.IntentFilter{CheckoutID: c1.ID}, []string{id("rfd", 10), id("rfd", 30)}},
		{"pending", genuine.IntentFilter{Status: genuine.IntentPending}, []string{id("rfd", 20), id("rfd", 30)}},
		{"failed", genuine.IntentFilter{Status: genuine.IntentFailed}, []string{id("rfd", 10)}},
		{"pending of a checkout", genuine.IntentFilter{CheckoutID: c1.ID, Status: genuine.IntentPending}, []string{id("rfd", 30)}},
		{"pending before", genuine.IntentFilter{Status: genuine.IntentPending, CreatedBefore: at(30)}, []string{id("rfd", 20)}},
		{"limit", genuine.IntentFilter{Limit: 2}, []string{id("rfd", 10), id("rfd", 20)}},
		{"none", genuine.IntentFilter{CheckoutID: id("chk", 9)}, nil},
	} {
		if got := paymentIntents(t, s, tt.f); !sameStrings(got, tt.want) {
			t.Errorf("PaymentIntents %s = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
