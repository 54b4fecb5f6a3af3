package genuine_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"genuine"
)

// paidCheckout sells units at price each and waits for the payment.
func (w *world) paidCheckout(t *testing.T, key string, price int64, codes ...string) *genuine.Checkout {
	t.Helper()
	ctx := context.Background()
	c, err := w.app.Checkout(ctx, w.merchant, key, cart(price, codes...))
	if err != nil || c.Status != genuine.CheckoutAwaitingPayment {
		t.Fatalf("checkout: %+v, %v", c, err)
	}
	if err := w.sim.Pay(ctx, c.Payment.Reference); err != nil {
		t.Fatal(err)
	}
	return w.waitStatus(t, w.merchant, c.ID, genuine.CheckoutPaid)
}

// providerRefunded returns how much the provider says it refunded of c.
func (w *world) providerRefunded(t *testing.T, c *genuine.Checkout) genuine.PaymentState {
	t.Helper()
	st, err := w.sim.Query(context.Background(), c.Payment.Reference)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// A customer returns one item of three: only that unit goes back to the
// channel, the provider refunds its price, and the checkout is
// partially_refunded and says which item; that unit is never refunded
// twice. A refund of the rest then makes the checkout refunded.
func TestPartialRefund(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	codes := w.released(t, 4)
	c := w.paidCheckout(t, "three", 1000, codes[0], codes[1], codes[2])

	r, err := w.app.RefundCheckout(ctx, w.merchant, c.ID, genuine.RefundInput{Items: []string{codes[1]}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != genuine.CheckoutPartiallyRefunded || r.Payment.Status != genuine.PaymentPaid || r.Payment.Refunded != 1000 {
		t.Errorf("after refunding one item: checkout %s, payment %s, refunded %d; want partially_refunded, paid, 1000",
			r.Status, r.Payment.Status, r.Payment.Refunded)
	}
	if len(r.Payment.Refunds) != 1 || r.Payment.Refunds[0].Amount != 1000 || len(r.Payment.Refunds[0].Items) != 1 || r.Payment.Refunds[0].Items[0] != 1 {
		t.Errorf("refunds %+v, want one of item 1 for 1000", r.Payment.Refunds)
	}
	for i, want := range []bool{false, true, false} {
		if r.Items[i].Refunded != want {
			t.Errorf("item %d refunded = %v, want %v", i, r.Items[i].Refunded, want)
		}
	}
	for i, want := range []genuine.UnitState{genuine.StateSold, genuine.StateInChannel, genuine.StateSold} {
		if v := w.verify(t, codes[i]); v.State != want {
			t.Errorf("unit %d: %s, want %s", i, v.State, want)
		}
	}
	if st := w.providerRefunded(t, c); st.Refunded != 1000 || st.Status != genuine.PaymentPaid {
		t.Errorf("at the provider: %s with %d refunded, want paid with 1000 refunded", st.Status, st.Refunded)
	}
	got, _ := w.app.GetCheckout(ctx, w.merchant, c.ID)
	if got.Status != genuine.CheckoutPartiallyRefunded || !got.Items[1].Refunded || got.Items[0].Refunded {
		t.Errorf("checkout as read: %s, items refunded %v %v", got.Status, got.Items[0].Refunded, got.Items[1].Refunded)
	}

	// Never twice, nor a unit the checkout did not sell.
	if _, err := w.app.RefundCheckout(ctx, w.merchant, c.ID, genuine.RefundInput{Items: []string{codes[1]}}); genuine.ErrorCode(err) != genuine.EConflict {
		t.Errorf("the same unit again: %v, want conflict", err)
	}
	if _, err := w.app.RefundCheckout(ctx, w.merchant, c.ID, genuine.RefundInput{Items: []string{codes[3]}}); genuine.ErrorCode(err) != genuine.EInvalid {
		t.Errorf("a unit of no item: %v, want invalid", err)
	}
	if _, err := w.app.RefundCheckout(ctx, w.merchant, c.ID, genuine.RefundInput{Items: []string{codes[0], codes[0]}}); genuine.ErrorCode(err) != genuine.EInvalid {
		t.Errorf("a unit named twice: %v, want invalid", err)
	}
	other := w.newMerchant(t, "CN-GD-SZ")
	if _, err := w.app.RefundCheckout(ctx, other, c.ID, genuine.RefundInput{}); genuine.ErrorCode(err) != genuine.ENotFound {
		t.Errorf("another merchant: %v, want not_found", err)
	}

	// The rest: the checkout is refunded, and nothing is left.
	r, err = w.app.RefundCheckout(ctx, w.merchant, c.ID, genuine.RefundInput{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != genuine.CheckoutRefunded || r.Payment.Status != genuine.PaymentRefunded || r.Payment.Refunded != 3000 {
		t.Errorf("after refunding the rest: %s, %s, %d; want refunded, refunded, 3000", r.Status, r.Payment.Status, r.Payment.Refunded)
	}
	for i := range 3 {
		if v := w.verify(t, codes[i]); v.State != genuine.StateInChannel {
			t.Errorf("unit %d: %s, want in_channel", i, v.State)
		}
	}
	if st := w.providerRefunded(t, c); st.Refunded != 3000 || st.Status != genuine.PaymentRefunded {
		t.Errorf("at the provider: %s with %d refunded, want refunded with 3000", st.Status, st.Refunded)
	}
	if _, err := w.app.RefundCheckout(ctx, w.merchant, c.ID, genuine.RefundInput{}); genuine.ErrorCode(err) != genuine.EConflict {
		t.Errorf("a refunded checkout again: %v, want conflict", err)
	}
}

// The undo rules hold for each unit named: a unit whose batch is recalled
// is not taken back, while the other units of the checkout may be; and
// nothing is taken back after the refund window.
func TestPartialRefundUndoRules(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	a, b := w.released(t, 1)[0], w.batch(t, 1)
	if _, err := w.app.RecordBatchEvent(ctx, w.brand, b.ID, genuine.BatchEventInput{Type: "release"}); err != nil {
		t.Fatal(err)
	}
	recalled := w.codes(t, b)[0]
	c := w.paidCheckout(t, "rules", 500, a, recalled)
	if _, err := w.app.RecordBatchEvent(ctx, w.brand, b.ID, genuine.BatchEventInput{Type: "recall"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.RefundCheckout(ctx, w.merchant, c.ID, genuine.RefundInput{}); genuine.ErrorCode(err) != genuine.ERecalled {
		t.Errorf("refund of every unit, one recalled: %v, want %s", err, genuine.ERecalled)
	}
	if _, err := w.app.RefundCheckout(ctx, w.merchant, c.ID, genuine.RefundInput{Items: []string{recalled}}); genuine.ErrorCode(err) != genuine.ERecalled {
		t.Errorf("refund of the recalled unit: %v, want %s", err, genuine.ERecalled)
	}
	if st := w.providerRefunded(t, c); st.Refunded != 0 {
		t.Errorf("the provider refunded %d for refunds refused", st.Refunded)
	}
	// A unit under investigation is not taken back until it is unlocked.
	if _, err := w.app.RecordUnitEvents(ctx, w.brand, genuine.UnitEventInput{Type: "lock", Codes: []string{a}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.app.RefundCheckout(ctx, w.merchant, c.ID, genuine.RefundInput{Items: []string{a}}); genuine.ErrorCode(err) != genuine.ENotSold {
		t.Errorf("refund of a locked unit: %v, want %s", err, genuine.ENotSold)
	}
	if _, err := w.app.RecordUnitEvents(ctx, w.brand, genuine.UnitEventInput{Type: "unlock", Codes: []string{a}}); err != nil {
		t.Fatal(err)
	}
	r, err := w.app.RefundCheckout(ctx, w.merchant, c.ID, genuine.RefundInput{Items: []string{a}})
	if err != nil || r.Status != genuine.CheckoutPartiallyRefunded {
		t.Fatalf("refund of the unit not recalled: %+v, %v", r, err)
	}
	w.clock.add(11 * 24 * time.Hour)
	if _, err := w.app.RefundCheckout(ctx, w.merchant, c.ID, genuine.RefundInput{}); genuine.ErrorCode(err) != genuine.EConflict {
		t.Errorf("refund after the window: %v, want conflict", err)
	}
}

// flakyRefunds is a provider whose refunds fail while down is set, as a
// provider that cannot be reached; the failed calls are counted.
type flakyRefunds struct {
	genuine.Provider
	down   *atomic.Bool
	failed *atomic.Int32
}

func (p flakyRefunds) Refund(ctx context.Context, r genuine.RefundRequest) error {
	if p.down.Load() {
		p.failed.Add(1)
		return errors.New("connection refused")
	}
	return p.Provider.Refund(ctx, r)
}

// A refund the provider cannot make now stays a pending intent: the items
// are held by it (another refund of them is a conflict, while asking again
// for the same ones carries it out), and the reconciler finishes it once
// the provider answers, refunding once.
func TestRefundFinishedByReconciler(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	codes := w.released(t, 2)
	c := w.paidCheckout(t, "flaky", 700, codes[0], codes[1])
	down, failed := new(atomic.Bool), new(atomic.Int32)
	down.Store(true)
	app := w.appOn(t, w.db, flakyRefunds{Provider: w.sim, down: down, failed: failed})

	if _, err := app.RefundCheckout(ctx, w.merchant, c.ID, genuine.RefundInput{Items: []string{codes[0]}}); genuine.ErrorCode(err) != genuine.EUnavailable {
		t.Fatalf("refund with the provider down: %v, want unavailable", err)
	}
	if _, err := app.RefundCheckout(ctx, w.merchant, c.ID, genuine.RefundInput{}); genuine.ErrorCode(err) != genuine.EConflict {
		t.Errorf("a refund naming a unit being refunded: %v, want conflict", err)
	}
	if v := w.verify(t, codes[0]); v.State != genuine.StateSold {
		t.Errorf("unit of the pending refund: %s, want sold until the provider refunds", v.State)
	}
	// Within the grace the reconciler leaves it to the request; after it,
	// it tries, and fails while the provider is down, and says so.
	w.clock.add(time.Minute)
	if n, err := app.Reconcile(ctx); err == nil || n != 0 {
		t.Errorf("reconcile with the provider down: %d, %v; want 0 and an error", n, err)
	}
	down.Store(false)
	if n, err := app.Reconcile(ctx); err != nil || n != 1 {
		t.Errorf("reconcile with the provider back: %d, %v; want 1", n, err)
	}
	got, _ := app.GetCheckout(ctx, w.merchant, c.ID)
	if got.Status != genuine.CheckoutPartiallyRefunded || got.Payment.Refunded != 700 || !got.Items[0].Refunded {
		t.Errorf("checkout %s with %d refunded, want partially_refunded with 700", got.Status, got.Payment.Refunded)
	}
	if v := w.verify(t, codes[0]); v.State != genuine.StateInChannel {
		t.Errorf("refunded unit: %s, want in_channel", v.State)
	}
	if st := w.providerRefunded(t, c); st.Refunded != 700 {
		t.Errorf("the provider refunded %d, want 700", st.Refunded)
	}
	// Asking again for the same unit now: it is refunded already.
	if _, err := app.RefundCheckout(ctx, w.merchant, c.ID, genuine.RefundInput{Items: []string{codes[0]}}); genuine.ErrorCode(err) != genuine.EConflict {
		t.Errorf("the refunded unit again: %v, want conflict", err)
	}
	if n, err := app.Reconcile(ctx); err != nil || n != 0 {
		t.Errorf("reconcile with nothing left: %d, %v", n, err)
	}
}

// A refund asked again for the same units while its intent is pending
// carries that intent out: the provider refunds once.
func TestRefundRetryCarriesOutIntent(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	codes := w.released(t, 1)
	c := w.paidCheckout(t, "retry", 900, codes[0])
	down, failed := new(atomic.Bool), new(atomic.Int32)
	down.Store(true)
	app := w.appOn(t, w.db, flakyRefunds{Provider: w.sim, down: down, failed: failed})
	if _, err := app.RefundCheckout(ctx, w.merchant, c.ID, genuine.RefundInput{}); genuine.ErrorCode(err) != genuine.EUnavailable {
		t.Fatalf("refund with the provider down: %v", err)
	}
	down.Store(false)
	r, err := app.RefundCheckout(ctx, w.merchant, c.ID, genuine.RefundInput{})
	if err != nil || r.Status != genuine.CheckoutRefunded || r.Payment.Refunded != 900 {
		t.Fatalf("retry: %+v, %v", r, err)
	}
	if st := w.providerRefunded(t, c); st.Refunded != 900 || st.Status != genuine.PaymentRefunded {
		t.Errorf("at the provider: %s, %d refunded", st.Status, st.Refunded)
	}
}

// Refunds of one unit asked at once, on two Apps of one store (two
// servers), refund it once: at the provider, in the checkout and in the
// unit's journey.
func TestConcurrentRefundsRefundOnce(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	codes := w.released(t, 2)
	c := w.paidCheckout(t, "race", 800, codes[0], codes[1])
	apps := []*genuine.App{w.app, w.appOn(t, w.db, w.sim)}
	errs := make(chan error, 8)
	start := make(chan struct{})
	for i := range 8 {
		go func() {
			<-start
			_, err := apps[i%2].RefundCheckout(ctx, w.merchant, c.ID, genuine.RefundInput{Items: []string{codes[0]}})
			errs <- err
		}()
	}
	close(start)
	ok := 0
	for range 8 {
		err := <-errs
		switch genuine.ErrorCode(err) {
		case "":
			ok++
		case genuine.EConflict:
		default:
			t.Errorf("refund: %v", err)
		}
	}
	if ok == 0 {
		t.Fatal("no refund succeeded")
	}
	got, _ := w.app.GetCheckout(ctx, w.merchant, c.ID)
	if got.Status != genuine.CheckoutPartiallyRefunded || got.Payment.Refunded != 800 || len(got.Payment.Refunds) != 1 {
		t.Errorf("checkout %s, %d refunded in %d refunds; want partially_refunded, 800 in 1", got.Status, got.Payment.Refunded, len(got.Payment.Refunds))
	}
	if st := w.providerRefunded(t, c); st.Refunded != 800 {
		t.Errorf("the provider refunded %d, want 800", st.Refunded)
	}
	refunds := 0
	for _, e := range w.verify(t, codes[0]).Events {
		if e.Type == genuine.EventRefund {
			refunds++
		}
	}
	if refunds != 1 {
		t.Errorf("%d refund events, want 1", refunds)
	}
}
