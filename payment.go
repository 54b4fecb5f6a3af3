package genuine

import (
	"context"
	"net/http"
	"time"
)

// PaymentStatus is the state of a payment at its provider.
type PaymentStatus string

// Payment statuses.
const (
	PaymentPending  PaymentStatus = "pending"
	PaymentPaid     PaymentStatus = "paid"
	PaymentFailed   PaymentStatus = "failed"
	PaymentCanceled PaymentStatus = "canceled"
	PaymentRefunded PaymentStatus = "refunded"
)

// Payment is a payment started at a provider for a checkout: what the till
// shows the buyer, and where it stands.
type Payment struct {
	Provider  string        `json:"provider"`
	Reference string        `json:"reference"` // the provider's id of the payment
	Status    PaymentStatus `json:"status"`
	Amount    int64         `json:"amount"`
	Currency  string        `json:"currency"`
	PayURL    string        `json:"pay_url,omitempty"` // a page or link the buyer pays at
	QR        string        `json:"qr,omitempty"`      // what the till shows as a QR code
	Secret    string        `json:"client_secret,omitempty"`
	ExpiresAt time.Time     `json:"expires_at"`
	PaidAt    time.Time     `json:"paid_at,omitzero"`
}

// PaymentRequest is what a provider needs to start a payment.
type PaymentRequest struct {
	CheckoutID  string
	MerchantID  string
	Amount      int64 // minor units
	Currency    string
	Description string
	ExpiresAt   time.Time
}

// Notification is a provider's signed word that a payment changed, once
// its signature is verified.
type Notification struct {
	ID        string // unique per notification, for replay protection
	Reference string // the payment
	Status    PaymentStatus
	At        time.Time // when the provider sent it
}

// Provider is a payment provider: Stripe, Alipay, WeChat Pay, or the
// simulated one. Calls go over the network and may fail; the App never
// calls one inside a store transaction.
type Provider interface {
	// Name is the provider's name in URLs and checkouts: "simulated", "stripe" …
	Name() string
	// Create starts a payment and returns it with what the till shows.
	Create(ctx context.Context, r PaymentRequest) (*Payment, error)
	// Query asks the provider where a payment stands.
	Query(ctx context.Context, reference string) (PaymentStatus, error)
	// Cancel cancels an unpaid payment. It returns an *Error with code
	// EConflict if the payment was paid meanwhile.
	Cancel(ctx context.Context, reference string) error
	// Refund refunds a paid payment in full.
	Refund(ctx context.Context, reference string) error
	// ParseNotification verifies a notification's signature and decodes
	// it; an *Error with EUnauthorized if the signature does not verify.
	ParseNotification(r *http.Request, body []byte) (*Notification, error)
}

// Preparer is a Provider that can name a payment before it is started,
// with no call over the network and nothing written: Prepare returns the
// pending payment the provider will accept once the App has stored it with
// its checkout. The App then reserves a checkout's units and stores its
// payment in one durable commit, rather than one to reserve and another
// once the provider has answered. A provider that implements it finds a
// payment it has no record of through the store's checkouts
// (Tx.CheckoutByPayment) and must treat it as pending.
type Preparer interface {
	Prepare(r PaymentRequest) (*Payment, error)
}

// preparePayment names the payment of a checkout if its provider can do so
// without a call (a Preparer); nil otherwise, or if it refuses, and the
// payment is started after the units are reserved.
func (a *App) preparePayment(ctx context.Context, prov Provider, c *Checkout) *Payment {
	prep, ok := unobserved(prov).(Preparer)
	if !ok {
		return nil
	}
	pay, err := prep.Prepare(paymentRequest(c))
	if err != nil {
		a.logf(ctx, "checkout %s: payment provider %s: prepare: %v", c.ID, c.Provider, err)
		return nil
	}
	return pay
}

// paymentRequest is what a provider is asked for the payment of c.
func paymentRequest(c *Checkout) PaymentRequest {
	return PaymentRequest{
		CheckoutID: c.ID, MerchantID: c.MerchantID, Amount: c.Total, Currency: c.Currency,
		Description: "checkout " + c.ID, ExpiresAt: c.Deadline,
	}
}

// startPayment starts the payment of a checkout whose units are reserved,
// outside any transaction. If the provider fails, the units are released
// and the checkout fails.
func (a *App) startPayment(ctx context.Context, c *Checkout) (*Checkout, error) {
	prov := a.providers[c.Provider]
	pay, err := prov.Create(ctx, paymentRequest(c))
	if err != nil {
		a.logf(ctx, "checkout %s: payment provider %s: %v", c.ID, c.Provider, err)
		var failed *Checkout
		rerr := a.store.Update(ctx, func(tx Tx) error {
			failed = nil
			cur, err := tx.Checkout(ctx, c.ID)
			if err != nil || cur.Status != CheckoutAwaitingPayment {
				return err
			}
			if err := a.moveUnits(ctx, tx, cur, EventUnreserve); err != nil {
				return err
			}
			cur.Status, cur.UpdatedAt = CheckoutFailed, a.Now()
			failed = cur
			if err := tx.UpdateCheckout(ctx, cur); err != nil {
				return err
			}
			return a.auditCheckout(ctx, tx, authorProvider(c.Provider), cur, CheckoutAwaitingPayment, paymentStatus(cur))
		})
		if rerr != nil {
			return nil, rerr
		}
		a.observePayment(failed, CheckoutAwaitingPayment)
		return nil, Errorf(EUnavailable, "the payment provider %s did not start the payment; the units are released", c.Provider)
	}
	var stale bool
	err = a.store.Update(ctx, func(tx Tx) error {
		cur, err := tx.Checkout(ctx, c.ID)
		if err != nil {
			return err
		}
		if cur.Status != CheckoutAwaitingPayment || cur.Payment != nil {
			stale = true // the reconciler ended it meanwhile
			*c = *cur
			return nil
		}
		cur.Payment, cur.UpdatedAt = pay, a.Now()
		*c = *cur
		return tx.UpdateCheckout(ctx, cur)
	})
	if err != nil {
		return nil, err
	}
	if stale {
		prov.Cancel(ctx, pay.Reference)
	}
	return c, nil
}

// ApplyNotification applies a provider's signed notification about a
// payment. The same notification delivered again is applied once; they may
// arrive in any order, and a payment already final stays so. A payment that
// lands after its units were released is refunded.
func (a *App) ApplyNotification(ctx context.Context, provider string, r *http.Request, body []byte) error {
	prov, ok := a.providers[provider]
	if !ok {
		return Errorf(ENotFound, "unknown payment provider %.40q", provider)
	}
	n, err := prov.ParseNotification(r, body)
	if err != nil {
		return err
	}
	if n.Status == PaymentPaid {
		a.failpoint("before-sold")
	}
	var (
		refund, moved *Checkout
		from          CheckoutStatus
	)
	err = a.store.Update(ctx, func(tx Tx) error {
		refund, moved = nil, nil
		fresh, err := tx.MarkNotification(ctx, provider, n.ID, n.At)
		if err != nil || !fresh {
			return err
		}
		c, err := tx.CheckoutByPayment(ctx, provider, n.Reference)
		if err != nil {
			return err
		}
		moved, from = c, c.Status
		fromPay := paymentStatus(c)
		if refund, err = a.applyPayment(ctx, tx, c, n.Status); refund != nil {
			refund = c
		}
		if err != nil {
			return err
		}
		return a.auditCheckout(ctx, tx, authorProvider(provider), c, from, fromPay)
	})
	if err == nil {
		a.observePayment(moved, from)
	}
	if err != nil || refund == nil {
		return err
	}
	return a.refundLate(ctx, refund, authorProvider(provider))
}

// applyPayment moves a checkout by its payment's new status, in tx. It
// returns the checkout if its payment landed after its units were released
// and must be refunded.
func (a *App) applyPayment(ctx context.Context, tx Tx, c *Checkout, status PaymentStatus) (*Checkout, error) {
	if c.Payment == nil {
		return nil, nil
	}
	now := a.Now()
	switch c.Status {
	case CheckoutAwaitingPayment:
		switch status {
		case PaymentPaid:
			if err := a.moveUnits(ctx, tx, c, EventSell); err != nil {
				return nil, err
			}
			c.Status, c.Payment.Status, c.Payment.PaidAt = CheckoutPaid, PaymentPaid, now
		case PaymentFailed, PaymentCanceled:
			if err := a.moveUnits(ctx, tx, c, EventUnreserve); err != nil {
				return nil, err
			}
			c.Status, c.Payment.Status = CheckoutFailed, status
			if status == PaymentCanceled {
				c.Status = CheckoutCanceled
			}
		default:
			return nil, nil
		}
	case CheckoutExpired, CheckoutCanceled, CheckoutFailed:
		if status != PaymentPaid || c.Payment.Status == PaymentRefunded {
			return nil, nil
		}
		c.Payment.Status = PaymentPaid
		c.UpdatedAt = now
		return c, tx.UpdateCheckout(ctx, c)
	default:
		return nil, nil // paid and refunded are final
	}
	c.UpdatedAt = now
	return nil, tx.UpdateCheckout(ctx, c)
}

// refundLate refunds, as by, a payment that landed after its checkout's
// units were released; the reconciler retries it if the provider fails now.
func (a *App) refundLate(ctx context.Context, c *Checkout, by Author) error {
	if err := a.providers[c.Provider].Refund(ctx, c.Payment.Reference); err != nil {
		a.logf(ctx, "checkout %s: refund of a late payment: %v (the reconciler retries)", c.ID, err)
		return nil
	}
	refunded := false
	err := a.store.Update(ctx, func(tx Tx) error {
		refunded = false
		cur, err := tx.Checkout(ctx, c.ID)
		if err != nil || cur.Payment == nil || cur.Payment.Status != PaymentPaid || cur.Status == CheckoutPaid {
			return err
		}
		cur.Payment.Status, cur.UpdatedAt = PaymentRefunded, a.Now()
		refunded = true
		if err := tx.UpdateCheckout(ctx, cur); err != nil {
			return err
		}
		return a.auditCheckout(ctx, tx, by, cur, cur.Status, PaymentPaid)
	})
	if err == nil && refunded {
		a.observer.Payment(c.Provider, CheckoutRefunded)
	}
	return err
}
