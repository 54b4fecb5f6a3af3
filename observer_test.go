package genuine_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"genuine"
)

// recorder is an Observer that keeps what it is told, as lines such as
// "checkout refused" or "call simulated query ok".
type recorder struct {
	mu      sync.Mutex
	lines   []string
	lag     time.Duration // of the last reconciler pass
	flushed int           // units of verification flushes
}

func (r *recorder) add(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, fmt.Sprintf(format, args...))
}

func (r *recorder) Checkout(s genuine.CheckoutStatus)          { r.add("checkout %s", s) }
func (r *recorder) Refusal(code string)                        { r.add("refusal %s", code) }
func (r *recorder) Payment(p string, s genuine.CheckoutStatus) { r.add("payment %s %s", p, s) }
func (r *recorder) ProviderCall(p, op string, d time.Duration, failed bool) {
	outcome := "ok"
	if failed {
		outcome = "failed"
	}
	if d <= 0 {
		outcome += " without a duration"
	}
	r.add("call %s %s %s", p, op, outcome)
}
func (r *recorder) ReconcilerPass(backlog int, lag time.Duration) {
	r.add("pass %d", backlog)
	r.mu.Lock()
	r.lag = lag
	r.mu.Unlock()
}
func (r *recorder) VerificationFlush(units int, lag time.Duration) {
	r.mu.Lock()
	r.flushed += units
	r.mu.Unlock()
}
func (r *recorder) StoreCommit(int, time.Duration) {}

// take returns the lines told since the last take.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	lines := r.lines
	r.lines = nil
	return lines
}

// expect checks that the lines told since the last take are want, in any
// order.
func (r *recorder) expect(t *testing.T, what string, want ...string) {
	t.Helper()
	got := r.take()
	slices.Sort(got)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("%s: the observer was told\n%q\nwant\n%q", what, got, want)
	}
}

// failing is a payment provider whose every call fails.
type failing struct{}

func (failing) Name() string { return "failing" }
func (failing) Create(context.Context, genuine.PaymentRequest) (*genuine.Payment, error) {
	return nil, fmt.Errorf("connection refused")
}
func (failing) Query(context.Context, string) (genuine.PaymentState, error) {
	return genuine.PaymentState{}, fmt.Errorf("connection refused")
}
func (failing) Cancel(context.Context, string) error { return fmt.Errorf("connection refused") }
func (failing) Refund(context.Context, genuine.RefundRequest) error {
	return fmt.Errorf("connection refused")
}
func (failing) ParseNotification(*http.Request, []byte) (*genuine.Notification, error) {
	return nil, fmt.Errorf("no")
}

// TestObserver checks what the App tells its Observer: each checkout
// created by outcome, once however often it is replayed; each refusing
// reason by code; each payment that ends, by provider and status, once
// stored; each call to a provider and whether it failed; the reconciler's
// backlog and lag; the verifications flushed.
func TestObserver(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	rec := new(recorder)
	app := genuine.NewApp(w.db, genuine.Config{
		BaseURL: "https://genuine.test", Now: w.clock.now, Observer: rec, Sealer: w.sealer,
		Providers: []genuine.Provider{w.sim, failing{}},
	})
	t.Cleanup(func() { app.Close() })
	// The notifications go to the world's App: this one learns of
	// payments by asking, as its reconciler does.
	w.holdNotifications.Store(true)
	codes := w.released(t, 5)

	sale, err := app.Checkout(ctx, w.merchant, "sale", cart(100, codes[0]))
	if err != nil || sale.Status != genuine.CheckoutAwaitingPayment {
		t.Fatalf("checkout: %+v, %v", sale, err)
	}
	if _, err := app.Checkout(ctx, w.merchant, "sale", cart(100, codes[0])); err != nil {
		t.Fatal(err)
	}
	rec.expect(t, "a checkout and its replay", "checkout awaiting_payment")

	// A unit held by another checkout, and a forged one.
	forged := codes[1][:len(codes[1])-1] + "Z"
	if codes[1][len(codes[1])-1] == 'Z' {
		forged = codes[1][:len(codes[1])-1] + "Y"
	}
	refused, err := app.Checkout(ctx, w.merchant, "refused", cart(100, codes[0], forged))
	if err != nil || refused.Status != genuine.CheckoutRefused {
		t.Fatalf("checkout: %+v, %v", refused, err)
	}
	var reasons []string
	for _, it := range refused.Items {
		for _, r := range it.Decision.Reasons {
			reasons = append(reasons, "refusal "+r.Code)
		}
	}
	if len(reasons) < 2 {
		t.Fatalf("refused checkout with reasons %v", reasons)
	}
	rec.expect(t, "a refused checkout", append(reasons, "checkout refused")...)

	// Paid, the notification lost: the reconciler asks after the grace.
	if err := w.sim.Pay(ctx, sale.Payment.Reference); err != nil {
		t.Fatal(err)
	}
	w.clock.add(31 * time.Second)
	if _, err := app.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	rec.expect(t, "a reconciler pass that finds a payment", "call simulated query ok", "payment simulated paid", "pass 1")

	if _, err := app.RefundCheckout(ctx, w.merchant, sale.ID, genuine.RefundInput{}); err != nil {
		t.Fatal(err)
	}
	rec.expect(t, "a refund", "call simulated refund ok", "payment simulated refunded")

	canceled, err := app.Checkout(ctx, w.merchant, "canceled", cart(100, codes[2]))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.CancelCheckout(ctx, w.merchant, canceled.ID); err != nil {
		t.Fatal(err)
	}
	rec.expect(t, "a cancel", "checkout awaiting_payment", "call simulated cancel ok", "payment simulated canceled")

	if _, err := app.Checkout(ctx, w.merchant, "expired", cart(100, codes[3])); err != nil {
		t.Fatal(err)
	}
	rec.take()
	w.clock.add(16 * time.Minute)
	if _, err := app.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	rec.expect(t, "a pass that ends an expired checkout", "call simulated cancel ok", "payment simulated expired", "pass 1")
	if rec.lag < time.Minute || rec.lag > 2*time.Minute {
		t.Errorf("reconciler lag %v, want the minute past the deadline", rec.lag)
	}

	in := cart(100, codes[4])
	in.Provider = "failing"
	if _, err := app.Checkout(ctx, w.merchant, "failing", in); genuine.ErrorCode(err) != genuine.EUnavailable {
		t.Fatalf("checkout with the provider down: %v", err)
	}
	rec.expect(t, "a provider down: nothing reserved", "call failing create failed")

	if _, err := app.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	rec.expect(t, "a pass with nothing to do", "pass 0")

	if _, err := app.Verify(ctx, codes[4]); err != nil {
		t.Fatal(err)
	}
	if err := app.FlushVerifications(ctx); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.flushed != 1 {
		t.Errorf("%d units of verifications flushed, want 1", rec.flushed)
	}
}
