package genuine_test

import (
	"context"
	"errors"
	"fmt"
	"genuine"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// No unit stays reserved past its deadline and one reconciler pass; the
// payment is canceled at the provider first.
func TestReconcilerExpires(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	code := w.released(t, 1)[0]
	c, err := w.app.Checkout(ctx, w.merchant, "e1", cart(100, code))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := w.app.Reconcile(ctx); err != nil || n != 0 {
		t.Fatalf("reconcile before the deadline: %d, %v", n, err)
	}
	w.clock.add(16 * time.Minute)
	if _, err := w.app.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := w.app.GetCheckout(ctx, w.merchant, c.ID)
	if got.Status != genuine.CheckoutExpired {
		t.Fatalf("after the deadline: %s", got.Status)
	}
	if v := w.verify(t, code); v.State != genuine.StateInChannel {
		t.Errorf("unit after expiry: %s", v.State)
	}
	if st, _ := w.sim.Query(ctx, c.Payment.Reference); st.Status != genuine.PaymentCanceled {
		t.Errorf("payment at the provider: %s, want canceled", st.Status)
	}
	// A payment that lands after the release is refunded, not sold.
	next, err := w.app.Checkout(ctx, w.merchant, "e2", cart(100, code))
	if err != nil || next.Status != genuine.CheckoutAwaitingPayment {
		t.Fatalf("resell: %+v, %v", next, err)
	}
}

// The buyer pays just as the deadline passes and the notification is lost:
// the reconciler cancels at the provider first, learns the payment was made,
// and the sale stands instead of the units being released.
func TestReconcilerFindsLatePayment(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	code := w.released(t, 1)[0]
	c, err := w.app.Checkout(ctx, w.merchant, "late", cart(100, code))
	if err != nil {
		t.Fatal(err)
	}
	w.holdNotifications.Store(true)
	if err := w.sim.Pay(ctx, c.Payment.Reference); err != nil {
		t.Fatal(err)
	}
	w.clock.add(16 * time.Minute)
	if _, err := w.app.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := w.app.GetCheckout(ctx, w.merchant, c.ID)
	if got.Status != genuine.CheckoutPaid {
		t.Fatalf("checkout %s, want paid", got.Status)
	}
	if v := w.verify(t, code); v.State != genuine.StateSold {
		t.Errorf("unit %s, want sold", v.State)
	}
	w.holdNotifications.Store(false) // the provider's retry now lands, and changes nothing
}

// A payment whose notification never comes is asked about after the grace.
func TestReconcilerQueriesSilentPayment(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	code := w.released(t, 1)[0]
	c, err := w.app.Checkout(ctx, w.merchant, "silent", cart(100, code))
	if err != nil {
		t.Fatal(err)
	}
	w.holdNotifications.Store(true)
	if err := w.sim.Decline(ctx, c.Payment.Reference); err != nil {
		t.Fatal(err)
	}
	w.clock.add(time.Minute) // past the notification grace, before the deadline
	if _, err := w.app.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := w.app.GetCheckout(ctx, w.merchant, c.ID)
	if got.Status != genuine.CheckoutFailed {
		t.Fatalf("checkout %s, want failed", got.Status)
	}
	if v := w.verify(t, code); v.State != genuine.StateInChannel {
		t.Errorf("unit %s, want in_channel", v.State)
	}
	w.holdNotifications.Store(false)
}

// The reconciler keeps up however many checkouts wait: a pass ends every
// checkout past its deadline, page after page, and asks about one page of
// silent payments, each pass going on after the last one the pass before
// asked about.
func TestReconcilerPages(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	const pending, declined = 505, 5 // more in all than a page: 500
	codes := w.released(t, pending+declined)
	var all []*genuine.Checkout
	checkout := func(i int) *genuine.Checkout {
		c, err := w.app.Checkout(ctx, w.merchant, fmt.Sprintf("page-%d", i), cart(100, codes[i]))
		if err != nil || c.Status != genuine.CheckoutAwaitingPayment {
			t.Fatalf("checkout %d: %+v, %v", i, c, err)
		}
		all = append(all, c)
		return c
	}
	for i := range pending {
		checkout(i)
	}
	// The payments declined come last in the reconciler's order: by
	// deadline, then id.
	w.clock.add(time.Second)
	w.holdNotifications.Store(true)
	defer w.holdNotifications.Store(false)
	var silent []*genuine.Checkout
	for i := pending; i < pending+declined; i++ {
		c := checkout(i)
		if err := w.sim.Decline(ctx, c.Payment.Reference); err != nil {
			t.Fatal(err)
		}
		silent = append(silent, c)
	}
	status := func(c *genuine.Checkout) genuine.CheckoutStatus {
		got, err := w.app.GetCheckout(ctx, w.merchant, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Status
	}

	w.clock.add(time.Minute) // past the notification grace, before the deadlines
	for pass := 1; pass <= 2; pass++ {
		if _, err := w.app.Reconcile(ctx); err != nil {
			t.Fatalf("pass %d: %v", pass, err)
		}
	}
	for _, c := range silent {
		if got := status(c); got != genuine.CheckoutFailed {
			t.Errorf("silent payment's checkout %s after two passes: %s, want failed", c.ID, got)
		}
	}

	w.clock.add(15 * time.Minute) // past every deadline
	n, err := w.app.Reconcile(ctx)
	if err != nil || n != pending {
		t.Errorf("the pass past the deadlines changed %d checkouts, %v; want %d", n, err, pending)
	}
	expired := 0
	for _, c := range all[:pending] {
		if status(c) == genuine.CheckoutExpired {
			expired++
		}
	}
	if expired != pending {
		t.Errorf("%d of %d checkouts expired after one pass past their deadline", expired, pending)
	}
}

// forgetfulCancel is a provider whose cancel answers done and cancels
// nothing, as one that lost the request would: the buyer can still pay.
type forgetfulCancel struct{ flakyRefunds }

func (forgetfulCancel) Cancel(context.Context, string) error { return nil }

// A payment that lands after its checkout ended is refunded; while the
// provider refuses the refund, the reconciler reports the error, does not
// count the checkout as changed, and tries again on its next pass.
func TestReconcilerRetriesLateRefund(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	code := w.released(t, 1)[0]
	down, failed := new(atomic.Bool), new(atomic.Int32)
	down.Store(true)
	app := w.appOn(t, w.db, forgetfulCancel{flakyRefunds{Provider: w.sim, down: down, failed: failed}})
	c, err := app.Checkout(ctx, w.merchant, "late", cart(100, code))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.CancelCheckout(ctx, w.merchant, c.ID); err != nil {
		t.Fatal(err)
	}
	w.holdNotifications.Store(true)
	if err := w.sim.Pay(ctx, c.Payment.Reference); err != nil {
		t.Fatal(err)
	}
	n := genuine.Notification{ID: "ntf_late", Reference: c.Payment.Reference, Status: genuine.PaymentPaid,
		Amount: c.Total, Currency: c.Currency, Account: c.Payment.Account}
	if err := w.deliverTo(t, app, n); err != nil {
		t.Fatalf("late notification: %v", err)
	}
	if failed.Load() != 1 {
		t.Fatalf("%d refunds tried on the late notification, want 1", failed.Load())
	}
	if n, err := app.Reconcile(ctx); err == nil || n != 0 {
		t.Errorf("reconcile with the refund refused: %d changed, %v; want 0 and an error", n, err)
	}
	got, _ := app.GetCheckout(ctx, w.merchant, c.ID)
	if got.Status != genuine.CheckoutCanceled || got.Payment.Status != genuine.PaymentPaid {
		t.Errorf("after a refused refund: checkout %s, payment %s; want canceled, paid (to refund)", got.Status, got.Payment.Status)
	}
	down.Store(false)
	if n, err := app.Reconcile(ctx); err != nil || n != 1 {
		t.Errorf("reconcile with the provider back: %d changed, %v; want 1", n, err)
	}
	got, _ = app.GetCheckout(ctx, w.merchant, c.ID)
	if got.Payment.Status != genuine.PaymentRefunded {
		t.Errorf("after the refund: payment %s, want refunded", got.Payment.Status)
	}
	if st, _ := w.sim.Query(ctx, c.Payment.Reference); st.Status != genuine.PaymentRefunded {
		t.Errorf("at the provider: %s, want refunded", st.Status)
	}
	if n, err := app.Reconcile(ctx); err != nil || n != 0 {
		t.Errorf("reconcile with nothing left: %d, %v", n, err)
	}
}

// crashAfterCreate is a provider that cannot prepare payments and whose
// Create makes the payment and then stops the App, as a server that died
// before it stored the provider's answer; made names the payments it made.
type crashAfterCreate struct {
	genuine.Provider
	made chan string
}

func (p crashAfterCreate) Create(ctx context.Context, r genuine.PaymentRequest) (*genuine.Payment, error) {
	pay, err := p.Provider.Create(ctx, r)
	if err == nil {
		p.made <- pay.Reference
	}
	panic("the server stops")
}

// The server stops after the provider made a checkout's payment and before
// anything was stored: nothing is reserved, the payment, which nobody was
// shown, stays unpaid at the provider until it expires there, and the unit
// sells as if nothing had happened.
func TestCrashBeforeReserve(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	code := w.released(t, 1)[0]
	made := make(chan string, 1)
	crashing := w.appOn(t, w.db, crashAfterCreate{callOnly{w.sim}, made})
	func() {
		defer func() { recover() }()
		crashing.Checkout(ctx, w.merchant, "lost", cart(100, code))
	}()
	ref := <-made
	if v := w.verify(t, code); v.State != genuine.StateInChannel {
		t.Errorf("unit %s after the crash, want never reserved", v.State)
	}
	app := w.appOn(t, w.db, callOnly{w.sim})
	w.clock.add(time.Minute)
	if n, err := app.Reconcile(ctx); err != nil || n != 0 {
		t.Errorf("reconcile: %d, %v; want nothing to do", n, err)
	}
	if st, _ := w.sim.Query(ctx, ref); st.Status != genuine.PaymentPending {
		t.Errorf("the payment nobody was shown: %s, want pending until it expires", st.Status)
	}
	if c, err := app.Checkout(ctx, w.merchant, "lost", cart(100, code)); err != nil || c.Status != genuine.CheckoutAwaitingPayment {
		t.Errorf("the till's retry: %+v, %v", c, err)
	}
}

// failThenCrash fails its first Create, and stops the App after its next
// made the payment.
type failThenCrash struct {
	genuine.Provider
	calls *atomic.Int32
	made  chan string
}

func (p failThenCrash) Create(ctx context.Context, r genuine.PaymentRequest) (*genuine.Payment, error) {
	if p.calls.Add(1) == 1 {
		return nil, errors.New("provider down")
	}
	return crashAfterCreate{p.Provider, p.made}.Create(ctx, r)
}

// A checkout stored without its payment (refused at first, it passed when
// decided again, its batch released meanwhile, while the provider did not
// answer; or stored by an older server) whose payment the provider made as the server stopped: the
// reconciler asks the provider again under the checkout's id, learns the
// payment, and cancels it before freeing the units, or, if the buyer paid
// it meanwhile, sells them. No payment is left taken and forgotten.
func TestReconcilerRecoversLostPayment(t *testing.T) {
	for _, paid := range []bool{false, true} {
		t.Run(fmt.Sprintf("paid=%v", paid), func(t *testing.T) {
			w := newWorld(t)
			ctx := context.Background()
			// The batch is released once this checkout has decided on
			// it: refused at first, the cart passes when decided again.
			b := w.batch(t, 1)
			code := w.codes(t, b)[0]
			s := &hookStore{Store: w.db}
			made := make(chan string, 1)
			crashing := w.appOn(t, s, failThenCrash{callOnly{w.sim}, new(atomic.Int32), made})
			// The brand's keys and the batch cached, the next read is the
			// checkout's decision.
			if _, err := crashing.Check(ctx, code); err != nil {
				t.Fatal(err)
			}
			s.onceAfterView(func() {
				if _, err := w.app.RecordBatchEvent(ctx, w.brand, b.ID, genuine.BatchEventInput{Type: "release"}); err != nil {
					t.Errorf("release the batch: %v", err)
				}
			})
			func() {
				defer func() { recover() }()
				crashing.Checkout(ctx, w.merchant, "lost", cart(100, code))
			}()
			var ref string
			select {
			case ref = <-made:
			default:
				t.Fatal("the provider made no payment")
			}
			if v := w.verify(t, code); v.State != genuine.StateReserved {
				t.Fatalf("unit %s after the crash, want reserved by the checkout stored without its payment", v.State)
			}
			if paid {
				w.holdNotifications.Store(true) // the payment is not yet known to the store
				if err := w.sim.Pay(ctx, ref); err != nil {
					t.Fatal(err)
				}
			}
			app := w.appOn(t, w.db, callOnly{w.sim})
			w.clock.add(time.Minute) // past the notification grace
			if n, err := app.Reconcile(ctx); err != nil || n != 1 {
				t.Fatalf("reconcile: %d, %v", n, err)
			}
			st, _ := w.sim.Query(ctx, ref)
			want, unit := genuine.PaymentCanceled, genuine.StateInChannel
			if paid {
				want, unit = genuine.PaymentPaid, genuine.StateSold
			}
			if st.Status != want {
				t.Errorf("the payment at the provider: %s, want %s", st.Status, want)
			}
			if v := w.verify(t, code); v.State != unit {
				t.Errorf("unit %s, want %s", v.State, unit)
			}
		})
	}
}

// TestProviderNotRunning: a server that does not run a checkout's provider
// (the simulated one on a public address) leaves the checkout for a server
// that does, saying why, rather than failing its reconciler or its
// requests; the units stay held until then.
func TestProviderNotRunning(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	codes := w.released(t, 2)
	held, err := w.app.Checkout(ctx, w.merchant, "held", cart(100, codes[0]))
	if err != nil {
		t.Fatal(err)
	}
	paid, err := w.app.Checkout(ctx, w.merchant, "paid", cart(100, codes[1]))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.sim.Pay(ctx, paid.Payment.Reference); err != nil {
		t.Fatal(err)
	}
	w.waitStatus(t, w.merchant, paid.ID, genuine.CheckoutPaid)

	bare := genuine.NewApp(w.db, genuine.Config{Now: w.clock.now, Sealer: w.sealer})
	defer bare.Close()
	if _, err := bare.CancelCheckout(ctx, w.merchant, held.ID); genuine.ErrorCode(err) != genuine.EUnavailable || !strings.Contains(genuine.ErrorMessage(err), "does not run") {
		t.Errorf("cancel without the provider: %v", err)
	}
	if _, err := bare.RefundCheckout(ctx, w.merchant, paid.ID, genuine.RefundInput{}); genuine.ErrorCode(err) != genuine.EUnavailable {
		t.Errorf("refund without the provider: %v", err)
	}
	w.clock.add(time.Hour)
	if n, err := bare.Reconcile(ctx); err == nil || n != 0 {
		t.Errorf("reconcile without the provider: %d changed, %v; want none and an error", n, err)
	}
	if got, _ := w.app.GetCheckout(ctx, w.merchant, held.ID); got.Status != genuine.CheckoutAwaitingPayment {
		t.Errorf("checkout after a pass that could not ask its provider: %s", got.Status)
	}
	// A server that runs it finishes both.
	if _, err := w.app.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := w.app.GetCheckout(ctx, w.merchant, held.ID); got.Status != genuine.CheckoutExpired {
		t.Errorf("held checkout after a pass with its provider: %s", got.Status)
	}
	if got, _ := w.app.GetCheckout(ctx, w.merchant, paid.ID); got.Status != genuine.CheckoutRefunded {
		t.Errorf("refund pending without the provider, then reconciled with it: %s", got.Status)
	}
}
