package genuine

import (
	"context"
	"fmt"
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
	// Account is the merchant's account at the provider that the payment
	// is made to, as the provider names it.
	Account string `json:"account,omitempty"`
	// Refunded is how much of Amount was refunded, in minor units: the
	// sum of Refunds.
	Refunded int64    `json:"refunded,omitempty"`
	Refunds  []Refund `json:"refunds,omitempty"`
}

// Refund is a refund recorded on a checkout's payment once its provider
// refunded it: which of the checkout's items went back, and the money.
type Refund struct {
	ID         string    `json:"id"`    // its intent's id: our idempotency key at the provider
	Items      []int     `json:"items"` // positions in the checkout's items, from 0
	Amount     int64     `json:"amount"`
	RefundedAt time.Time `json:"refunded_at"`
}

// PaymentState is where a payment stands at its provider, as a
// notification or a query tells it.
type PaymentState struct {
	Status   PaymentStatus
	Amount   int64  // minor units
	Currency string // ISO 4217
	Account  string // the merchant's account at the provider it is made to
	Refunded int64  // minor units refunded so far
}

// RefundRequest is what a provider needs to refund (part of) a payment.
type RefundRequest struct {
	Reference string // the payment
	Amount    int64  // minor units, more than 0
	Currency  string
	// PaymentAmount is the whole payment's amount, in minor units, which
	// some providers want told again (WeChat Pay's amount.total).
	PaymentAmount int64
	// IdempotencyKey is ours: the same key again refunds nothing more.
	IdempotencyKey string
}

// PaymentRequest is what a provider needs to start a payment.
type PaymentRequest struct {
	CheckoutID  string
	MerchantID  string
	Amount      int64 // minor units
	Currency    string
	Description string
	ExpiresAt   time.Time
	// IdempotencyKey is ours (the checkout's id): the same key again
	// starts no second payment.
	IdempotencyKey string
	// Shop is the merchant's name and Lines what is paid for, one line a
	// unit in the checkout's order, for a provider's page to show the
	// buyer; a provider may ignore them.
	Shop  string
	Lines []PaymentLine
}

// PaymentLine is one item of a payment as the buyer sees it: the
// product's name ("" if unknown) and its price in minor units.
type PaymentLine struct {
	Name   string `json:"name"`
	Amount int64  `json:"amount"`
}

// Notification is a provider's signed word that a payment changed, once
// its signature is verified.
type Notification struct {
	ID        string // unique per notification, for replay protection
	Reference string // the payment
	// CheckoutID is the checkout the provider says the payment is for,
	// where it echoes our id back (Alipay's and WeChat Pay's out_trade_no,
	// Stripe's client_reference_id); "" where it does not. The App applies
	// a notification only if it names the payment's checkout.
	CheckoutID string
	Status     PaymentStatus
	At         time.Time // when the provider sent it
	// Amount, Currency and Account are the payment's as the provider
	// says: the App applies the notification only if they are its
	// checkout's.
	Amount   int64
	Currency string
	Account  string
}

// Provider is a payment provider: Stripe, Alipay, WeChat Pay, or the
// simulated one. Calls go over the network and may fail; the App never
// calls one inside a store transaction.
type Provider interface {
	// Name is the provider's name in URLs and checkouts: "simulated", "stripe" …
	Name() string
	// Create starts a payment and returns it with what the till shows.
	Create(ctx context.Context, r PaymentRequest) (*Payment, error)
	// Query asks the provider where a payment stands; an *Error with
	// ENotFound if it has no such payment.
	Query(ctx context.Context, reference string) (PaymentState, error)
	// Cancel cancels an unpaid payment. It returns an *Error with code
	// EConflict if the payment was paid meanwhile.
	Cancel(ctx context.Context, reference string) error
	// Refund refunds r.Amount of a paid payment, once per
	// r.IdempotencyKey: the same key again returns nil and refunds nothing
	// more. It returns an *Error with EConflict if the payment is not paid
	// or less than r.Amount of it is left, EInvalid if r.Currency is not
	// the payment's; another error may be retried with the same key.
	Refund(ctx context.Context, r RefundRequest) error
	// ParseNotification verifies a notification's signature and decodes
	// it; an *Error with EUnauthorized if the signature does not verify.
	// A verified notification that tells nothing the App acts on (a kind
	// of event it does not use) is a nil Notification and a nil error: the
	// App answers it as applied, so that the provider does not send it
	// again.
	ParseNotification(r *http.Request, body []byte) (*Notification, error)
}

// A Replier is a Provider or Connector whose service wants its
// notifications answered in its own words (Alipay the plain text
// "success", WeChat Pay {"code":"SUCCESS"} or {"code":"FAIL", …}) rather
// than genuine's JSON. The HTTP status stays genuine's: 200 once applied,
// 4xx for a notification refused for good, 5xx to have it sent again.
type Replier interface {
	// ReplyNotification returns the body, and its content type, that
	// answers a notification the App applied (err nil) or refused.
	ReplyNotification(err error) (contentType string, body []byte)
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

// paymentFirst starts the payment of a checkout that passed before its
// units are reserved, so that the reservation and the payment are stored
// in one durable commit: named without a call by a provider that prepares
// its payments (a Preparer), created at the provider otherwise (and then
// returned as created too). A crash before the commit leaves at most a payment nobody
// was shown, which expires unpaid at the provider; a payment created for
// a checkout that is not stored after all is canceled (cancelUnused). If
// the provider fails, nothing is reserved: an *Error with EInvalid if it
// refused the payment, EUnavailable otherwise.
func (a *App) paymentFirst(ctx context.Context, prov Provider, c *Checkout) (pay *Payment, created *Payment, err error) {
	if pay := a.preparePayment(ctx, prov, c); pay != nil {
		return pay, nil, nil
	}
	pay, err = prov.Create(ctx, a.paymentRequest(ctx, c))
	if err != nil {
		a.logf(ctx, "checkout %s: payment provider %s: %v", c.ID, c.Provider, err)
		if ErrorCode(err) == EInvalid {
			return nil, nil, Errorf(EInvalid, "the payment provider %s refused the payment (%s); nothing was reserved", c.Provider, ErrorMessage(err))
		}
		return nil, nil, Errorf(EUnavailable, "the payment provider %s did not start the payment; nothing was reserved", c.Provider)
	}
	return pay, pay, nil
}

// cancelUnused cancels at the provider a payment created for a checkout
// that was not stored with it: a retry answered with the checkout its key
// made before, or a cart refused when decided again. Nobody was shown it;
// if the provider does not answer, it expires there unpaid.
func (a *App) cancelUnused(ctx context.Context, prov Provider, pay *Payment) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := prov.Cancel(ctx, pay.Reference); err != nil {
		a.logf(ctx, "payment %s at %s, started for a checkout not stored: cancel: %v (it expires unpaid)", pay.Reference, pay.Provider, err)
	}
}

// preparePayment names the payment of a checkout if its provider can do so
// without a call (a Preparer); nil otherwise, or if it refuses.
func (a *App) preparePayment(ctx context.Context, prov Provider, c *Checkout) *Payment {
	prep, ok := unobserved(prov).(Preparer)
	if !ok {
		return nil
	}
	pay, err := prep.Prepare(a.paymentRequest(ctx, c))
	if err != nil {
		a.logf(ctx, "checkout %s: payment provider %s: prepare: %v", c.ID, c.Provider, err)
		return nil
	}
	return pay
}

// paymentRequest is what a provider is asked for the payment of c, with
// its shop's name and its products' names from the App's caches (a name
// that cannot be read is left out: the payment does not wait for it).
func (a *App) paymentRequest(ctx context.Context, c *Checkout) PaymentRequest {
	r := PaymentRequest{
		CheckoutID: c.ID, MerchantID: c.MerchantID, Amount: c.Total, Currency: c.Currency,
		Description: "checkout " + c.ID, ExpiresAt: c.Deadline, IdempotencyKey: c.ID,
		Lines: make([]PaymentLine, len(c.Items)),
	}
	if m, err := a.merchant(ctx, c.MerchantID); err == nil {
		r.Shop = m.Name
	}
	for i, it := range c.Items {
		r.Lines[i].Amount = it.Price
		if it.GTIN == "" {
			continue
		}
		if p, err := a.product(ctx, it.GTIN); err == nil {
			r.Lines[i].Name = p.Name
		}
	}
	return r
}

// merchant returns a merchant, from the cache when it can (for its name,
// which never changes once made); ENotFound for an unknown id.
func (a *App) merchant(ctx context.Context, id string) (*Merchant, error) {
	if m, ok := a.merchants.get(id, time.Now()); ok {
		return m, nil
	}
	var m *Merchant
	err := a.store.Peek(ctx, func(tx Tx) (err error) {
		m, err = snapshotTx{Tx: tx, a: a}.Merchant(ctx, id)
		return err
	})
	return m, err
}

// startPayment starts the payment of a checkout whose units are reserved,
// outside any transaction. If the provider fails, the units are released
// and the checkout fails.
func (a *App) startPayment(ctx context.Context, c *Checkout) (*Checkout, error) {
	prov, err := a.providerOf(ctx, c.Provider, c.MerchantID)
	if err != nil {
		return nil, err
	}
	pay, err := prov.Create(ctx, a.paymentRequest(ctx, c))
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
		if ErrorCode(err) == EInvalid {
			return nil, Errorf(EInvalid, "the payment provider %s refused the payment (%s); the units are released", c.Provider, ErrorMessage(err))
		}
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

// EPaymentMismatch is the code of the alert raised, and of the error
// answered, when a provider's notification or query tells of a payment
// whose amount, currency or merchant account are not its checkout's.
// Nothing is sold on it.
const EPaymentMismatch = "payment_mismatch"

// ApplyNotification applies a provider's signed notification about a
// payment. The same notification delivered again is applied once; they may
// arrive in any order, and a payment already final stays so. A payment that
// lands after its units were released is refunded. A notification is
// applied only if it came to the address of its checkout's merchant
// (merchantID; "" for a provider without accounts) and its amount,
// currency and merchant account are the checkout's, and a paid one only
// once the provider, asked back, says the same: otherwise nothing is sold, the checkout stays as it was (awaiting
// payment, until its deadline), an alert EPaymentMismatch is raised for
// each of its units, and ApplyNotification returns an *Error with that code.
// A paid notification the provider does not confirm is not applied:
// EConflict if the provider says it is not paid (the reconciler asks
// again later), EUnavailable if it does not answer (the provider sends the
// notification again).
func (a *App) ApplyNotification(ctx context.Context, provider, merchantID string, r *http.Request, body []byte) error {
	prov, err := a.notified(ctx, provider, merchantID)
	if err != nil {
		return err
	}
	n, err := prov.ParseNotification(r, body)
	if err != nil || n == nil {
		return err
	}
	said := []PaymentState{{Status: n.Status, Amount: n.Amount, Currency: n.Currency, Account: n.Account}}
	if n.Status == PaymentPaid {
		a.failpoint("before-sold")
		st, err := a.confirmPaid(ctx, provider, merchantID, n, said[0])
		if err != nil {
			return err
		}
		if st != nil {
			said = append(said, *st)
		}
	}
	var (
		refund, moved *Checkout
		from          CheckoutStatus
		why           string
	)
	err = a.store.Update(ctx, func(tx Tx) error {
		refund, moved, why = nil, nil, ""
		fresh, err := tx.MarkNotification(ctx, provider, n.ID, n.At)
		if err != nil || !fresh {
			return err
		}
		c, err := tx.CheckoutByPayment(ctx, provider, n.Reference)
		if err != nil {
			return err
		}
		if why = otherCheckout(c, n, merchantID); why != "" {
			return a.raiseMismatch(ctx, tx, c, why)
		}
		for _, st := range said {
			if why = mismatch(c, st); why != "" {
				return a.raiseMismatch(ctx, tx, c, why)
			}
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
	if err == nil && why != "" {
		return Errorf(EPaymentMismatch, "payment %.40q not applied: %s", n.Reference, why)
	}
	if err != nil || refund == nil {
		return err
	}
	if err := a.refundLate(ctx, refund, authorProvider(provider)); err != nil {
		// The notification is applied; the reconciler refunds.
		a.logf(ctx, "checkout %s: refund of a late payment: %v (the reconciler retries)", refund.ID, err)
	}
	return nil
}

// notified returns the provider that verifies a notification sent to
// the notify URL of a provider and, for a provider paid to merchants' own
// accounts, a merchant, whose keys verify it: ENotFound if there is no such
// provider on this server, or it is not that merchant's.
func (a *App) notified(ctx context.Context, provider, merchantID string) (Provider, error) {
	if p, ok := a.providers[provider]; ok && merchantID == "" {
		return p, nil
	}
	conn, ok := a.connectors[provider]
	if !ok || !validID(merchantID, "mer") {
		// Checked before any read: the address is public.
		return nil, Errorf(ENotFound, "no payment provider %.40q takes notifications at this address", provider)
	}
	p, err := a.accounts.provider(ctx, a, conn, merchantID)
	if ErrorCode(err) == ENotFound {
		return nil, Errorf(ENotFound, "merchant %.40q has no account at %s", merchantID, provider)
	}
	return p, err
}

// confirmPaid asks a provider back about a payment a notification says
// was paid, before anything is sold on it, through the account of the
// payment's checkout (not the one whose keys verified the notification).
// It returns what the provider says, or nil without asking if the
// notification does not match its checkout anyway (ApplyNotification then
// raises the alert); EUnavailable if the provider does not answer,
// EConflict if it does not say paid.
func (a *App) confirmPaid(ctx context.Context, provider, merchantID string, n *Notification, said PaymentState) (*PaymentState, error) {
	var c *Checkout
	err := a.store.View(ctx, func(tx Tx) (err error) {
		c, err = tx.CheckoutByPayment(ctx, provider, n.Reference)
		return err
	})
	if err != nil {
		return nil, err
	}
	if mismatch(c, said) != "" || otherCheckout(c, n, merchantID) != "" {
		return nil, nil
	}
	prov, err := a.providerOf(ctx, c.Provider, c.MerchantID)
	if err != nil {
		return nil, err
	}
	reference := n.Reference
	st, err := prov.Query(ctx, reference)
	if err != nil {
		return nil, Errorf(EUnavailable, "the payment provider did not confirm payment %.40q: %v", reference, ErrorMessage(err))
	}
	if st.Status != PaymentPaid && st.Status != PaymentRefunded {
		return nil, Errorf(EConflict, "the payment provider says payment %.40q is %s, not paid", reference, st.Status)
	}
	return &st, nil
}

// otherCheckout says how a notification is of another checkout than the
// one its payment is of: it came to the address of another merchant than
// the checkout's, whose keys verified it (merchants name their accounts
// themselves, so one may name another's), or it names another checkout;
// "" if neither.
func otherCheckout(c *Checkout, n *Notification, merchantID string) string {
	if merchantID != "" && merchantID != c.MerchantID {
		return fmt.Sprintf("the notification came to merchant %.40q's address, verified by its keys; the payment is merchant %s's", merchantID, c.MerchantID)
	}
	if n.CheckoutID == "" || n.CheckoutID == c.ID {
		return ""
	}
	return fmt.Sprintf("the provider tells of checkout %.40q, the payment is checkout %s's", n.CheckoutID, c.ID)
}

// mismatch says how what a provider says of a payment differs from its
// checkout: its amount, currency or merchant account; "" if they agree.
func mismatch(c *Checkout, st PaymentState) string {
	if c.Payment == nil {
		return ""
	}
	if st.Amount != c.Total || st.Currency != c.Currency {
		return fmt.Sprintf("the provider tells of %s %.10q, the checkout is of %s",
			FormatAmount(st.Amount, st.Currency), st.Currency, FormatMoney(c.Total, c.Currency))
	}
	if st.Account != c.Payment.Account {
		return fmt.Sprintf("the provider tells of merchant account %.60q, the checkout's payment is to %.60q", st.Account, c.Payment.Account)
	}
	return ""
}

// raiseMismatch raises an alert EPaymentMismatch, in tx, to the brand of
// each unit of a checkout whose payment did not match it.
func (a *App) raiseMismatch(ctx context.Context, tx Tx, c *Checkout, why string) error {
	now := a.Now()
	for _, it := range c.Items {
		if it.BrandID == "" {
			continue
		}
		al := &Alert{
			ID: newID("alr"), BrandID: it.BrandID, GTIN: it.GTIN, Serial: it.Serial, Rule: "payment",
			Code: EPaymentMismatch, Action: ActionRefuse, Message: "checkout " + c.ID + ": " + why,
			MerchantID: c.MerchantID, Count: 1, FirstAt: now, LastAt: now,
		}
		if err := tx.RaiseAlert(ctx, al); err != nil {
			return err
		}
	}
	return nil
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
// units were released, with the checkout's id as our idempotency key, so
// that a retry refunds it once. A provider that fails or refuses gives an
// error, and the payment stays to be refunded: the reconciler tries again.
func (a *App) refundLate(ctx context.Context, c *Checkout, by Author) error {
	prov, err := a.providerOf(ctx, c.Provider, c.MerchantID)
	if err != nil {
		return err
	}
	req := RefundRequest{Reference: c.Payment.Reference, Amount: c.Total, Currency: c.Currency, PaymentAmount: c.Total, IdempotencyKey: c.ID + "-late"}
	if err := prov.Refund(ctx, req); err != nil {
		return Errorf(EUnavailable, "checkout %s: the payment provider did not refund a late payment: %v", c.ID, ErrorMessage(err))
	}
	refunded := false
	err = a.store.Update(ctx, func(tx Tx) error {
		refunded = false
		cur, err := tx.Checkout(ctx, c.ID)
		if err != nil || cur.Payment == nil || cur.Payment.Status != PaymentPaid || cur.Status == CheckoutPaid {
			return err
		}
		cur.Payment.Status, cur.Payment.Refunded, cur.UpdatedAt = PaymentRefunded, cur.Total, a.Now()
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
