package genuine_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"genuine"
)

// deliver signs a notification as the simulated provider does and has the
// world's App apply it.
func (w *world) deliver(t *testing.T, n genuine.Notification) error {
	t.Helper()
	return w.deliverTo(t, w.app, n)
}

// deliverTo signs a notification as the simulated provider does and has
// app apply it.
func (w *world) deliverTo(t *testing.T, app *genuine.App, n genuine.Notification) error {
	t.Helper()
	if n.At.IsZero() {
		n.At = w.clock.now()
	}
	body, sig := w.sim.Sign(n)
	r := httptest.NewRequest("POST", "/v1/payments/simulated/notify", strings.NewReader(string(body)))
	r.Header.Set("Genuine-Signature", sig)
	return app.ApplyNotification(context.Background(), "simulated", "", r, body)
}

// alertCount returns how many times the brand was alerted with code.
func (w *world) alertCount(t *testing.T, code string) int64 {
	t.Helper()
	alerts, err := w.app.Alerts(context.Background(), w.brand, 100)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, a := range alerts {
		if a.Code == code {
			n += a.Count
		}
	}
	return n
}

// A correctly signed notification is applied only if its amount, currency
// and merchant account are its checkout's: 1 USD does not settle 9 999 CNY,
// nor does a payment to another merchant's account. Each raises an alert,
// sells nothing and leaves the checkout awaiting payment, which the buyer
// can still pay in full.
func TestNotificationMismatchSellsNothing(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	code := w.released(t, 1)[0]
	c, err := w.app.Checkout(ctx, w.merchant, "big", cart(999900, code))
	if err != nil || c.Status != genuine.CheckoutAwaitingPayment {
		t.Fatalf("checkout: %+v, %v", c, err)
	}
	ref, account := c.Payment.Reference, c.Payment.Account
	if account == "" {
		t.Fatal("the payment names no merchant account")
	}
	for i, n := range []genuine.Notification{
		{ID: "ntf_usd", Reference: ref, Status: genuine.PaymentPaid, Amount: 100, Currency: "USD", Account: account},
		{ID: "ntf_account", Reference: ref, Status: genuine.PaymentPaid, Amount: 999900, Currency: "CNY", Account: "mer_someone_else"},
		{ID: "ntf_cny", Reference: ref, Status: genuine.PaymentPaid, Amount: 100, Currency: "CNY", Account: account},
	} {
		if err := w.deliver(t, n); genuine.ErrorCode(err) != genuine.EPaymentMismatch {
			t.Errorf("notification %s: %v, want %s", n.ID, err, genuine.EPaymentMismatch)
		}
		got, _ := w.app.GetCheckout(ctx, w.merchant, c.ID)
		if got.Status != genuine.CheckoutAwaitingPayment || got.Payment.Status != genuine.PaymentPending {
			t.Errorf("after notification %s: checkout %s, payment %s; want awaiting_payment, pending", n.ID, got.Status, got.Payment.Status)
		}
		if v := w.verify(t, code); v.State != genuine.StateReserved {
			t.Errorf("after notification %s: unit %s, want reserved", n.ID, v.State)
		}
		if got := w.alertCount(t, genuine.EPaymentMismatch); got != int64(i+1) {
			t.Errorf("after notification %s: %d %s alerts, want %d", n.ID, got, genuine.EPaymentMismatch, i+1)
		}
	}
	// The buyer pays the right amount: the provider's own notification sells.
	if err := w.sim.Pay(ctx, ref); err != nil {
		t.Fatal(err)
	}
	w.waitStatus(t, w.merchant, c.ID, genuine.CheckoutPaid)
	if v := w.verify(t, code); v.State != genuine.StateSold {
		t.Errorf("after paying in full: unit %s, want sold", v.State)
	}
}

// A paid notification that matches its checkout is applied only once the
// provider, asked back, says it was paid: a signed word alone sells
// nothing.
func TestNotificationConfirmedByQuery(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	code := w.released(t, 1)[0]
	c, err := w.app.Checkout(ctx, w.merchant, "q", cart(3500, code))
	if err != nil {
		t.Fatal(err)
	}
	n := genuine.Notification{ID: "ntf_early", Reference: c.Payment.Reference, Status: genuine.PaymentPaid,
		Amount: 3500, Currency: "CNY", Account: c.Payment.Account}
	if err := w.deliver(t, n); genuine.ErrorCode(err) != genuine.EConflict {
		t.Errorf("paid notification the provider does not confirm: %v, want %s", err, genuine.EConflict)
	}
	if v := w.verify(t, code); v.State != genuine.StateReserved {
		t.Errorf("unit %s, want reserved", v.State)
	}
	// Once paid at the provider, the same notification, sent again, sells.
	w.holdNotifications.Store(true)
	if err := w.sim.Pay(ctx, c.Payment.Reference); err != nil {
		t.Fatal(err)
	}
	if err := w.deliver(t, n); err != nil {
		t.Fatalf("paid notification the provider confirms: %v", err)
	}
	if v := w.verify(t, code); v.State != genuine.StateSold {
		t.Errorf("unit %s, want sold", v.State)
	}
}

// A payment that did not match its checkout is never sold, even when the
// reconciler finds it: asking about the silent payment raises the alert
// again, and at the deadline the units are released.
func TestReconcilerMismatchSellsNothing(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	code := w.released(t, 1)[0]
	c, err := w.app.Checkout(ctx, w.merchant, "r", cart(999900, code))
	if err != nil {
		t.Fatal(err)
	}
	// The payment at the provider is of another amount, as a provider
	// that charged what a forged request asked would hold it.
	err = w.db.Update(ctx, func(tx genuine.Tx) error {
		return tx.PutProviderRecord(ctx, "simulated", c.Payment.Reference, []byte(`{"reference":"`+c.Payment.Reference+
			`","status":"paid","amount":100,"currency":"USD","checkout_id":"`+c.ID+`","merchant_id":"`+c.MerchantID+`"}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	w.clock.add(time.Minute) // past the notification grace
	if _, err := w.app.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if v := w.verify(t, code); v.State != genuine.StateReserved {
		t.Errorf("after asking the provider: unit %s, want reserved", v.State)
	}
	if n := w.alertCount(t, genuine.EPaymentMismatch); n != 1 {
		t.Errorf("%d %s alerts, want 1", n, genuine.EPaymentMismatch)
	}
	w.clock.add(16 * time.Minute)
	if _, err := w.app.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	got, _ := w.app.GetCheckout(ctx, w.merchant, c.ID)
	if got.Status != genuine.CheckoutExpired {
		t.Errorf("after the deadline: checkout %s, want expired", got.Status)
	}
	if v := w.verify(t, code); v.State != genuine.StateInChannel {
		t.Errorf("after the deadline: unit %s, want in_channel", v.State)
	}
}
