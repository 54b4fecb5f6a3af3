package genuine

import (
	"context"
	"time"
)

// Observer is told what the App and its store do, for metrics: package
// metrics implements it on Prometheus, so that the domain imports no
// metrics library. Its methods are called on the hot paths of checkouts and
// verifications, from many goroutines at once; they must be safe for
// concurrent use, return at once and not block.
type Observer interface {
	// Checkout reports a checkout created with status CheckoutAwaitingPayment
	// or CheckoutRefused. A request replayed by its idempotency key is not
	// reported again.
	Checkout(status CheckoutStatus)
	// Refusal reports the code of one reason that refused an item of a
	// checkout (a reason with action refuse, not in shadow mode), such as
	// "already_sold" or "outside_region".
	Refusal(code string)
	// Payment reports that a checkout's payment at provider ended, once it
	// is stored: status is the checkout's new status (CheckoutPaid,
	// CheckoutFailed, CheckoutCanceled, CheckoutExpired,
	// CheckoutPartiallyRefunded or CheckoutRefunded), or CheckoutRefunded
	// for a payment that landed after its units were released and was
	// refunded.
	Payment(provider string, status CheckoutStatus)
	// ProviderCall reports a call to a payment provider over the network:
	// op is "create", "query", "cancel" or "refund", d how long it took,
	// and failed whether it failed (a cancel the provider refuses because
	// the payment was paid meanwhile is an answer, not a failure).
	ProviderCall(provider, op string, d time.Duration, failed bool)
	// ReconcilerPass reports a pass of the reconciler: backlog is how many
	// checkouts it found to handle (expired, silent or paid late), lag how
	// long past its deadline the longest-expired checkout it found was (0
	// if none had expired).
	ReconcilerPass(backlog int, lag time.Duration)
	// VerificationFlush reports counted verifications of units stored in
	// one flush, lag being how long the oldest count waited to be stored.
	VerificationFlush(units int, lag time.Duration)
	// StoreCommit reports a write transaction of a store that committed
	// updates Updates together (group commit), d from its begin to its
	// commit.
	StoreCommit(updates int, d time.Duration)
}

// NopObserver is an Observer that does nothing: what an App without
// Config.Observer uses.
type NopObserver struct{}

// Checkout does nothing.
func (NopObserver) Checkout(CheckoutStatus) {}

// Refusal does nothing.
func (NopObserver) Refusal(string) {}

// Payment does nothing.
func (NopObserver) Payment(string, CheckoutStatus) {}

// ProviderCall does nothing.
func (NopObserver) ProviderCall(string, string, time.Duration, bool) {}

// ReconcilerPass does nothing.
func (NopObserver) ReconcilerPass(int, time.Duration) {}

// VerificationFlush does nothing.
func (NopObserver) VerificationFlush(int, time.Duration) {}

// StoreCommit does nothing.
func (NopObserver) StoreCommit(int, time.Duration) {}

var _ Observer = NopObserver{}

// observeCheckout reports a checkout just created, and the reasons that
// refused its items.
func (a *App) observeCheckout(c *Checkout) {
	a.observer.Checkout(c.Status)
	if c.Status != CheckoutRefused {
		return
	}
	for _, it := range c.Items {
		if it.Decision == nil {
			continue
		}
		for _, r := range it.Decision.Reasons {
			if r.Action == ActionRefuse && !r.Shadow {
				a.observer.Refusal(r.Code)
			}
		}
	}
}

// observePayment reports c's payment ended if its status is no longer
// from, once stored.
func (a *App) observePayment(c *Checkout, from CheckoutStatus) {
	if c != nil && c.Status != from {
		a.observer.Payment(c.Provider, c.Status)
	}
}

// observedProvider is a Provider whose calls over the network the App's
// Observer is told of.
type observedProvider struct {
	Provider
	obs Observer
}

// observe reports a call of op begun at start that returned err.
func (p observedProvider) observe(op string, start time.Time, err error) {
	failed := err != nil && !(op == "cancel" && ErrorCode(err) == EConflict)
	p.obs.ProviderCall(p.Name(), op, time.Since(start), failed)
}

// Create starts a payment at the provider, observed.
func (p observedProvider) Create(ctx context.Context, r PaymentRequest) (*Payment, error) {
	start := time.Now()
	pay, err := p.Provider.Create(ctx, r)
	p.observe("create", start, err)
	return pay, err
}

// Query asks the provider about a payment, observed.
func (p observedProvider) Query(ctx context.Context, reference string) (PaymentState, error) {
	start := time.Now()
	s, err := p.Provider.Query(ctx, reference)
	p.observe("query", start, err)
	return s, err
}

// Cancel cancels a payment at the provider, observed.
func (p observedProvider) Cancel(ctx context.Context, reference string) error {
	start := time.Now()
	err := p.Provider.Cancel(ctx, reference)
	p.observe("cancel", start, err)
	return err
}

// Refund refunds a payment at the provider, observed.
func (p observedProvider) Refund(ctx context.Context, r RefundRequest) error {
	start := time.Now()
	err := p.Provider.Refund(ctx, r)
	p.observe("refund", start, err)
	return err
}

// unobserved returns the provider an observedProvider wraps, or prov.
func unobserved(prov Provider) Provider {
	if o, ok := prov.(observedProvider); ok {
		return o.Provider
	}
	return prov
}

// AuthorizeMetrics checks that p may read the server's metrics: only admin
// keys may, since they tell of every merchant's and brand's traffic.
func (a *App) AuthorizeMetrics(p *Principal) error {
	return require(p, RoleAdmin)
}
